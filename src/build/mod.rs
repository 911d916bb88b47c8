//! `wash build`: cargo for `wasm32-wasip2`, then the finished component placed where wash and
//! other tools find it, `<target-dir>/wasmcloud/<name>.wasm`.
//!
//! Cargo does the compiling and prints its own diagnostics unchanged; wash reads only its JSON
//! artifact messages (stdout) to learn which files came out.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cargo_metadata::Message;

mod finish;
mod signing;
mod workspace;

use crate::artifact::{self, ArtifactError};
use crate::project::{self, PackageSelection, Project, ProjectError};

/// The target wash builds for: WASI 0.2 components.
pub const TARGET: &str = "wasm32-wasip2";

/// What to build, in cargo's terms.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Which packages.
    pub selection: PackageSelection,
    /// `--release`.
    pub release: bool,
}

/// One component `wash build` produced.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BuiltComponent {
    /// The Cargo package it came from.
    pub package: String,
    /// The component's name: the package name for a library, the binary's name for a binary.
    pub name: String,
    /// Where wash placed it.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// `sha256:<hex>` of the file.
    pub digest: String,
    /// The WIT derived from the package's Rust traits, written for other tools
    /// (`<target-dir>/wasmcloud/wit/<package>.wit`); `None` when it derives none.
    pub wit: Option<PathBuf>,
    /// The components of this build plugged into it, if it was composed.
    pub composed_from: Vec<String>,
    /// The key ids it is signed with, when `[package.metadata.wasmcloud.sign]` asks for it.
    pub signed_by: Vec<String>,
}

/// Steps a build reports as it goes, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum BuildStep<'a> {
    /// Cargo is running (it draws its own progress on the terminal).
    Compiling,
    /// A component is being validated and placed.
    Placing(&'a str),
    /// A component's imports are being plugged with others from the build.
    Composing(&'a str),
    /// WASI is being virtualized inside a component.
    Virtualizing(&'a str),
    /// A finished component is being signed.
    Signing(&'a str),
}

/// Receives [`BuildStep`]s. The CLI draws them; tests and libraries can ignore them.
pub trait Reporter {
    /// A step started.
    fn step(&self, step: BuildStep<'_>);
}

/// A reporter that shows nothing.
impl Reporter for () {
    fn step(&self, _: BuildStep<'_>) {}
}

/// What can go wrong in `wash build`.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The project could not be read.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// The Rust toolchain cannot build for wasm32-wasip2.
    #[error(
        "the `{TARGET}` target is not installed for the Rust toolchain in use (sysroot `{sysroot}`)\n\
         help: install it with `rustup target add {TARGET}`"
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
    #[error(
        "package `{package}` built no WebAssembly component\n\
         help: a component comes from a binary target (`src/main.rs`) or a library with \
         `[lib] crate-type = [\"cdylib\"]` in `{manifest}`"
    )]
    NoComponent {
        /// The package.
        package: String,
        /// Its manifest.
        manifest: PathBuf,
    },
    /// Cargo produced a core module where a component was expected.
    #[error(
        "`{path}` is a core WebAssembly module, not a component\n\
         help: build for `{TARGET}` (not wasm32-wasip1 or wasm32-unknown-unknown)"
    )]
    NotAComponent {
        /// The file.
        path: PathBuf,
    },
    /// The component does not validate.
    #[error("`{path}` is not a valid WebAssembly component")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What wasmparser found.
        #[source]
        source: wasmparser::BinaryReaderError,
    },
    /// Reading or placing a file failed.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The package's WIT could not be derived.
    #[error(transparent)]
    Wit(#[from] crate::wit::WitError),
    /// `[package.metadata.wasmcloud]` is malformed.
    #[error(transparent)]
    Config(#[from] crate::project::ConfigError),
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
        "`{manifest}`: `package.metadata.wasmcloud.compose.plugs` names `{plug}`, which is \
         neither a component of this build nor a readable file\n\
         help: build it first, or give the path to its `.wasm` relative to this Cargo.toml"
    )]
    ComposePlug {
        /// The manifest.
        manifest: PathBuf,
        /// The entry.
        plug: String,
        /// Why the file could not be read.
        #[source]
        source: std::io::Error,
    },
    /// A key `[package.metadata.wasmcloud.sign]` names cannot sign.
    #[error("`{manifest}`: `package.metadata.wasmcloud.sign.keys` names a key that cannot sign")]
    SignKey {
        /// The manifest.
        manifest: PathBuf,
        /// Why.
        #[source]
        source: crate::sign::KeyError,
    },
    /// Signing a finished component failed.
    #[error("could not sign `{path}`")]
    Sign {
        /// The component.
        path: PathBuf,
        /// Why.
        #[source]
        source: crate::sign::SignError,
    },
    /// Imports no component of the build provides, and the host is not told to.
    #[error(
        "package `{package}` imports what no component of this build exports: {}\n\
         help: add a workspace member that exports it (and build with `--workspace`), or, if \
         the host provides it, list it in `{manifest}` as \
         `[package.metadata.wasmcloud] host-imports = [\"{}\"]`",
        imports.join(", "),
        imports.first().map(String::as_str).unwrap_or_default()
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
    #[error("could not virtualize package `{package}` as `{manifest}` asks")]
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

/// Writes the package's derived WIT to `<out>/wit/<package>.wit`, where tools that want the
/// WIT without decoding the component (wkg, wit-bindgen, other languages) can read it.
fn write_derived_wit(
    package: &cargo_metadata::Package,
    out_dir: &Path,
) -> Result<Option<PathBuf>, BuildError> {
    let Some(derived) = crate::wit::derive(package)? else {
        return Ok(None);
    };
    let path = out_dir.join("wit").join(format!("{}.wit", package.name));
    if std::fs::read_to_string(&path).ok().as_deref() != Some(derived.wit.as_str()) {
        artifact::write_atomic(&path, derived.wit.as_bytes())?;
    }
    Ok(Some(path))
}

/// The file whose presence records a good build with the wasm target, in the output dir.
const TARGET_STAMP: &str = ".wasm32-wasip2-ok";

/// Runs the build and places every component the selected packages produce.
///
/// A no-op `wash build` should cost about what a no-op `cargo build` does, so the two slow
/// questions are kept off that path: `cargo metadata` runs alongside cargo's build, and the
/// target check (a `rustc` start) runs only before the first good build and after a failure.
pub fn build(
    opts: &BuildOptions,
    reporter: &dyn Reporter,
) -> Result<Vec<BuiltComponent>, BuildError> {
    std::thread::scope(|scope| {
        let mut loading = Some(scope.spawn(|| Project::load(&opts.selection)));
        let mut project = None;
        let known_good = stamp_found(&opts.selection);
        if !known_good || !selects_one_package(&opts.selection) {
            let p = join(loading.take())?;
            if !known_good {
                ensure_target_installed(&p)?;
            }
            project = Some(p);
        }
        reporter.step(BuildStep::Compiling);
        if let Some(p) = project.as_ref().filter(|p| p.packages().count() > 1) {
            let built = workspace::build_per_package(opts, p, reporter)?;
            return finish::finish(p, built, reporter);
        }
        let cargo = run_cargo(opts);
        let project = match project {
            Some(p) => p,
            None => join(loading.take())?,
        };
        let artifacts = match cargo {
            Err(BuildError::CargoFailed) => {
                ensure_target_installed(&project)?;
                return Err(BuildError::CargoFailed);
            }
            other => other?,
        };
        let built = place_all(&project, artifacts, opts.selection.workspace, reporter)?;
        finish::finish(&project, built, reporter)
    })
}

/// Whether cargo's selection is one package without asking `cargo metadata`: `-p NAME`, or a
/// nearest `Cargo.toml` with a `[package]` (a virtual workspace selects its default members).
fn selects_one_package(selection: &PackageSelection) -> bool {
    if selection.workspace || selection.packages.len() > 1 {
        return false;
    }
    if selection.packages.len() == 1 {
        return true;
    }
    let manifest = match &selection.manifest_path {
        Some(m) => Some(m.clone()),
        None => std::env::current_dir().ok().and_then(|dir| {
            dir.ancestors()
                .map(|d| d.join("Cargo.toml"))
                .find(|m| m.is_file())
        }),
    };
    manifest
        .and_then(|m| std::fs::read_to_string(m).ok())
        .and_then(|text| text.parse::<toml_edit::Document<String>>().ok())
        .is_some_and(|doc| doc.get("package").is_some())
}

fn join(
    handle: Option<std::thread::ScopedJoinHandle<'_, Result<Project, ProjectError>>>,
) -> Result<Project, BuildError> {
    let handle = handle.expect("the metadata thread is joined once");
    Ok(handle.join().expect("the metadata thread does not panic")?)
}

/// Whether a good build was recorded in a target dir this build will likely use: the one
/// `CARGO_TARGET_DIR` names, or a `target/` beside the manifest or above it. Only a hint: a
/// wrong guess costs one extra check, and a failed build checks again anyway.
fn stamp_found(selection: &PackageSelection) -> bool {
    let stamp = |target: &Path| project::output_dir(target).join(TARGET_STAMP).exists();
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return stamp(Path::new(&dir));
    }
    let start = match &selection.manifest_path {
        Some(m) => m.parent().map(Path::to_path_buf).unwrap_or_default(),
        None => std::env::current_dir().unwrap_or_default(),
    };
    start.ancestors().any(|dir| stamp(&dir.join("target")))
}

fn place_all(
    project: &Project,
    artifacts: Vec<WasmArtifact>,
    whole_workspace: bool,
    reporter: &dyn Reporter,
) -> Result<Vec<BuiltComponent>, BuildError> {
    let out_dir = project.output_dir();
    let mut built = Vec::new();
    for package in project.packages() {
        let mine: Vec<&WasmArtifact> = artifacts
            .iter()
            .filter(|a| a.package_id == package.id)
            .collect();
        // In a whole-workspace build, library members (an interface crate, say) are expected.
        if mine.is_empty() && !whole_workspace {
            return Err(BuildError::NoComponent {
                package: package.name.to_string(),
                manifest: package.manifest_path.clone().into(),
            });
        }
        built.extend(place_package(package, &mine, &out_dir, reporter)?);
    }
    require_components(project, built)
}

/// `built`, or the error that the selection produced no component at all.
fn require_components(
    project: &Project,
    built: Vec<BuiltComponent>,
) -> Result<Vec<BuiltComponent>, BuildError> {
    match project.packages().next() {
        Some(first) if built.is_empty() => Err(BuildError::NoComponent {
            package: first.name.to_string(),
            manifest: first.manifest_path.clone().into(),
        }),
        _ => Ok(built),
    }
}

/// Validates and places one package's components, and writes its derived WIT.
fn place_package(
    package: &cargo_metadata::Package,
    artifacts: &[&WasmArtifact],
    out_dir: &Path,
    reporter: &dyn Reporter,
) -> Result<Vec<BuiltComponent>, BuildError> {
    let wit = write_derived_wit(package, out_dir)?;
    let mut built = Vec::new();
    for a in artifacts {
        let name = if a.is_lib {
            package.name.to_string()
        } else {
            a.target_name.clone()
        };
        reporter.step(BuildStep::Placing(&name));
        let dest = out_dir.join(format!("{name}.wasm"));
        let (size, digest) = place(&a.path, &dest, a.fresh)?;
        built.push(BuiltComponent {
            package: package.name.to_string(),
            name,
            path: dest,
            size,
            digest,
            wit: wit.clone(),
            composed_from: Vec::new(),
            signed_by: Vec::new(),
        });
    }
    let stamp = out_dir.join(TARGET_STAMP);
    if !built.is_empty() && !stamp.exists() {
        // Best effort: without the stamp the next build only checks again.
        let _ = std::fs::write(&stamp, b"");
    }
    Ok(built)
}

/// A `.wasm` cargo produced for a component-shaped target.
#[derive(Debug)]
struct WasmArtifact {
    package_id: cargo_metadata::PackageId,
    target_name: String,
    is_lib: bool,
    path: PathBuf,
    fresh: bool,
}

fn cargo_program() -> String {
    // Set by cargo when wash runs as `cargo wasmcloud`: use that same cargo.
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn run_cargo(opts: &BuildOptions) -> Result<Vec<WasmArtifact>, BuildError> {
    let program = cargo_program();
    let mut cmd = Command::new(&program);
    cmd.args([
        "build",
        "--target",
        TARGET,
        "--message-format",
        "json-render-diagnostics",
    ]);
    if opts.release {
        cmd.arg("--release");
    }
    if let Some(path) = &opts.selection.manifest_path {
        cmd.arg("--manifest-path").arg(path);
    }
    for p in &opts.selection.packages {
        cmd.args(["-p", p]);
    }
    if opts.selection.workspace {
        cmd.arg("--workspace");
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = cmd.spawn().map_err(|source| BuildError::Spawn {
        program: program.clone(),
        source,
    })?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut artifacts = Vec::new();
    for message in Message::parse_stream(BufReader::new(stdout)) {
        let Ok(Message::CompilerArtifact(a)) = message else {
            continue;
        };
        let is_lib = a.target.is_cdylib();
        if !(is_lib || a.target.is_bin()) {
            continue;
        }
        for file in &a.filenames {
            if file.extension() == Some("wasm") {
                artifacts.push(WasmArtifact {
                    package_id: a.package_id.clone(),
                    target_name: a.target.name.clone(),
                    is_lib,
                    path: file.clone().into(),
                    fresh: a.fresh,
                });
            }
        }
    }
    let status = child
        .wait()
        .map_err(|source| BuildError::Spawn { program, source })?;
    if !status.success() {
        return Err(BuildError::CargoFailed);
    }
    Ok(artifacts)
}

/// Validates `src` and copies it to `dest` atomically. When cargo reused a fresh artifact and
/// `dest` is already its copy, only the digest is computed.
fn place(src: &Path, dest: &Path, fresh: bool) -> Result<(u64, String), BuildError> {
    if fresh
        && is_same_copy(src, dest)
        && let Some(known) = recorded_digest(dest)
    {
        return Ok(known);
    }
    let bytes = artifact::read(src)?;
    if !artifact::is_component(&bytes) {
        return Err(BuildError::NotAComponent {
            path: src.to_path_buf(),
        });
    }
    artifact::validate_component(&bytes).map_err(|source| BuildError::Invalid {
        path: src.to_path_buf(),
        source,
    })?;
    artifact::write_atomic(dest, &bytes)?;
    let digest = artifact::sha256_digest(&bytes);
    record_digest(dest, &digest);
    Ok((bytes.len() as u64, digest))
}

/// `<dir>/.<name>.wasm.digest`: `size mtime-ns digest` of the placed file when it was written.
fn digest_record_path(dest: &Path) -> PathBuf {
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    dest.with_file_name(format!(".{name}.digest"))
}

fn size_and_mtime(path: &Path) -> Option<(u64, u128)> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some((meta.len(), mtime.as_nanos()))
}

fn record_digest(dest: &Path, digest: &str) {
    if let Some((size, mtime)) = size_and_mtime(dest) {
        // Best effort: without the record the next build hashes the file again.
        let _ = std::fs::write(digest_record_path(dest), format!("{size} {mtime} {digest}"));
    }
}

/// The recorded digest, if the file is still exactly as it was when recorded.
fn recorded_digest(dest: &Path) -> Option<(u64, String)> {
    let record = std::fs::read_to_string(digest_record_path(dest)).ok()?;
    let mut fields = record.split(' ');
    let size: u64 = fields.next()?.parse().ok()?;
    let mtime: u128 = fields.next()?.parse().ok()?;
    let digest = fields.next()?;
    (size_and_mtime(dest)? == (size, mtime) && digest.starts_with("sha256:"))
        .then(|| (size, digest.to_string()))
}

fn is_same_copy(src: &Path, dest: &Path) -> bool {
    let (Ok(s), Ok(d)) = (std::fs::metadata(src), std::fs::metadata(dest)) else {
        return false;
    };
    match (s.modified(), d.modified()) {
        (Ok(sm), Ok(dm)) => s.len() == d.len() && dm >= sm,
        _ => false,
    }
}

/// Fails with the exact fix when the toolchain cargo will use has no wasm32-wasip2 standard
/// library. Runs `rustc` from the project's directory so `rust-toolchain.toml` applies.
fn ensure_target_installed(project: &Project) -> Result<(), BuildError> {
    let program = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let output = Command::new(&program)
        .args(["--print", "sysroot"])
        .current_dir(project.metadata.workspace_root.as_std_path())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| BuildError::Spawn { program, source })?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if target_installed(&sysroot) {
        Ok(())
    } else {
        Err(BuildError::TargetMissing { sysroot })
    }
}

/// The standard library for the target is present in this sysroot.
pub fn target_installed(sysroot: &Path) -> bool {
    sysroot
        .join("lib/rustlib")
        .join(TARGET)
        .join("lib")
        .is_dir()
}

/// Where `wash build` places a component named `name` for this project.
pub fn output_path(project: &Project, name: &str) -> PathBuf {
    project::output_dir(project.target_dir()).join(format!("{name}.wasm"))
}
