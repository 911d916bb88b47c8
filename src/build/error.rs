//! What can go wrong in `wash build`, and the fix for each (as [`Hint`]s).

use std::path::PathBuf;

use super::TARGET;
use crate::artifact::ArtifactError;
use crate::hint::Hint;
use crate::project::ProjectError;

/// What can go wrong in `wash build`.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The project could not be read.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// The Rust toolchain cannot build for wasm32-wasip2.
    #[error(
        "the `{TARGET}` target is not installed for the Rust toolchain in use (sysroot `{}`)",
        .sysroot.display()
    )]
    TargetMissing {
        /// The sysroot that lacks it.
        sysroot: PathBuf,
    },
    /// `cargo` or `rustc` could not be started.
    #[error("could not run `{program}`; is the Rust toolchain installed and on PATH?")]
    Spawn {
        /// The program.
        program: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Cargo reported a failure; its own messages have already been shown.
    #[error("cargo build failed for target `{TARGET}` (its errors are shown above)")]
    CargoFailed,
    /// A selected package has no target that links to a component.
    #[error("package `{package}` built no WebAssembly component")]
    NoComponent {
        /// The package.
        package: String,
        /// Its manifest.
        manifest: PathBuf,
    },
    /// Cargo produced a core module where a component was expected.
    #[error("`{}` is a core WebAssembly module, not a component", .path.display())]
    NotAComponent {
        /// The file.
        path: PathBuf,
    },
    /// The component does not validate.
    #[error("`{}` is not a valid WebAssembly component", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What wasmparser found.
        #[source]
        source: wasmparser::BinaryReaderError,
    },
    /// A file wash had recorded and not yet read changed during the build.
    #[error("`{}` changed while wash was building from it", .path.display())]
    ChangedDuringBuild {
        /// The file.
        path: PathBuf,
    },
    /// Reading or placing a file failed.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The package's WIT could not be derived.
    #[error(transparent)]
    Wit(#[from] crate::wit::WitError),
    /// `[package.metadata.wasmcloud]` is malformed.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The build made several top-level components where one was needed.
    #[error(
        "the build produced several components no other one was composed with: {}",
        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
    )]
    SeveralApps {
        /// Their names.
        names: Vec<String>,
    },
    /// Composing the build's components failed.
    #[error("could not compose package `{package}` with the other components of this build")]
    Compose {
        /// The package.
        package: String,
        /// Why.
        #[source]
        source: crate::compose::ComposeError,
    },
    /// A plug named in `[package.metadata.wasmcloud.compose]` cannot be read.
    #[error(
        "`{}`: `package.metadata.wasmcloud.compose.plugs` names `{plug}`, which is not a \
         component of this build and cannot be found",
        .manifest.display()
    )]
    ComposePlug {
        /// The manifest.
        manifest: PathBuf,
        /// The entry.
        plug: String,
        /// Why it cannot be found.
        #[source]
        source: crate::source::SourceError,
    },
    /// A key `[package.metadata.wasmcloud.sign]` names cannot sign.
    #[error(
        "`{}`: `package.metadata.wasmcloud.sign.keys` names a key that cannot sign",
        .manifest.display()
    )]
    SignKey {
        /// The manifest.
        manifest: PathBuf,
        /// Why.
        #[source]
        source: crate::sign::KeyError,
    },
    /// Signing a finished component failed.
    #[error("could not sign `{}`", .path.display())]
    Sign {
        /// The component.
        path: PathBuf,
        /// Why.
        #[source]
        source: crate::sign::SignError,
    },
    /// Imports no component of the build provides, and the host is not told to.
    #[error(
        "package `{package}` imports what no component of this build exports: {}",
        imports.join(", ")
    )]
    UnsatisfiedImports {
        /// The package.
        package: String,
        /// Its manifest.
        manifest: PathBuf,
        /// The imports left over.
        imports: Vec<String>,
    },
    /// `[package.metadata.wasmcloud.virt]` could not be applied.
    #[error("could not virtualize package `{package}` as `{}` asks", .manifest.display())]
    Virt {
        /// The package.
        package: String,
        /// Its manifest.
        manifest: PathBuf,
        /// Why.
        #[source]
        source: crate::virt::VirtError,
    },
}

impl Hint for BuildError {
    fn hint(&self) -> Option<String> {
        match self {
            BuildError::TargetMissing { .. } => {
                Some(format!("install it with `rustup target add {TARGET}`"))
            }
            BuildError::NoComponent { manifest, .. } => Some(format!(
                "a component comes from a binary target (`src/main.rs`) or a library with \
                 `[lib] crate-type = [\"cdylib\"]` in `{}`",
                manifest.display()
            )),
            BuildError::ChangedDuringBuild { .. } => Some(
                "another cargo or wash was writing to the same target directory; run `wash \
                 build` again once it is done"
                    .into(),
            ),
            BuildError::NotAComponent { .. } => Some(format!(
                "build for `{TARGET}` (not wasm32-wasip1 or wasm32-unknown-unknown)"
            )),
            BuildError::UnsatisfiedImports {
                manifest, imports, ..
            } => Some(format!(
                "add a workspace member that exports it (and build with `--workspace`), or, if \
                 the host provides it, list it in `{}` as \
                 `[package.metadata.wasmcloud] host-imports = [\"{}\"]`",
                manifest.display(),
                imports.first().map(String::as_str).unwrap_or_default()
            )),
            BuildError::SeveralApps { names } => Some(format!(
                "select one with `-p NAME` (e.g. `-p {}`), or name its file",
                names.first().map(String::as_str).unwrap_or("NAME")
            )),
            BuildError::ComposePlug { source, .. } => source.hint(),
            BuildError::Project(e) => e.hint(),
            BuildError::Wit(e) => e.hint(),
            BuildError::Config(e) => e.hint(),
            BuildError::Compose { source, .. } => source.hint(),
            BuildError::SignKey { source, .. } => source.hint(),
            BuildError::Sign { source, .. } => source.hint(),
            BuildError::Virt { source, .. } => source.hint(),
            BuildError::Spawn { .. }
            | BuildError::CargoFailed
            | BuildError::Invalid { .. }
            | BuildError::Artifact(_) => None,
        }
    }
}
