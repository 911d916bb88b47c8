//! WIT derived from Rust: the interfaces a crate defines with `#[wash::interface]` and the types
//! it derives, as a WIT package (see `docs/wit-from-rust.md`). The same derivation runs inside
//! wash's proc macros at compile time; this module runs it from the sources without building.

use std::path::PathBuf;

use cargo_metadata::Package;
use wash_derive::{CrateItems, PackageName};

use crate::config::{ConfigError, WasmcloudConfig};
use crate::hint::Hint;
use crate::project::{PackageSelection, Project};

/// One package's derived WIT.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DerivedWit {
    /// The Cargo package.
    pub package: String,
    /// `namespace:name@version`.
    pub wit_package: String,
    /// The WIT text.
    pub wit: String,
}

/// What can go wrong deriving WIT.
#[derive(Debug, thiserror::Error)]
pub enum WitError {
    /// `[package.metadata.wasmcloud]` is malformed.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The project could not be read.
    #[error(transparent)]
    Project(#[from] crate::project::ProjectError),
    /// Deriving one package of a selection failed.
    #[error("failed to derive WIT for package `{package}`")]
    InPackage {
        /// The package.
        package: String,
        /// Why.
        #[source]
        source: Box<WitError>,
    },
    /// A source file could not be read or parsed.
    #[error("could not read the sources of package `{package}`: {message}")]
    Scan {
        /// The package.
        package: String,
        /// The cause, with file, line and column.
        message: String,
    },
    /// Rust that WIT cannot express; each error names the file, line and column.
    #[error("package `{package}` has Rust that WIT cannot express:\n{}", list(.errors))]
    Derive {
        /// The package.
        package: String,
        /// What is wrong, as `file:line:column: message` (syn's spans cannot cross threads).
        errors: Vec<String>,
    },
    /// The derived text does not parse: a bug in wash.
    #[error(
        "the WIT derived for package `{package}` does not parse (a wash bug; please report it): {message}\n{wit}"
    )]
    Invalid {
        /// The package.
        package: String,
        /// wit-parser's message.
        message: String,
        /// The text.
        wit: String,
    },
}

impl Hint for WitError {
    fn hint(&self) -> Option<String> {
        match self {
            WitError::Config(e) => e.hint(),
            WitError::Project(e) => e.hint(),
            WitError::InPackage { source, .. } => source.hint(),
            WitError::Derive { .. } => {
                Some("see docs/wit-from-rust.md for what maps to WIT".into())
            }
            _ => None,
        }
    }
}

fn list(errors: &[String]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The WIT package name for a Cargo package: `<namespace>:<crate-name>@<version>`.
pub fn package_name(package: &Package, config: &WasmcloudConfig) -> PackageName {
    PackageName::new(
        config.namespace(),
        &package.name,
        Some(&package.version.to_string()),
    )
}

/// Derives the package's WIT from its sources; `None` when it defines no interfaces or types.
/// `config` is the package's `[package.metadata.wasmcloud]` (for the namespace).
pub fn derive(package: &Package, config: &WasmcloudConfig) -> Result<Option<DerivedWit>, WitError> {
    let name = package_name(package, config);
    let dir: PathBuf = package
        .manifest_path
        .parent()
        .map(|p| p.to_path_buf().into())
        .unwrap_or_default();
    let files = wash_derive::scan_crate(&dir).map_err(|e| WitError::Scan {
        package: package.name.to_string(),
        message: e.to_string(),
    })?;
    let items = CrateItems::collect(&files);
    if items.is_empty() {
        return Ok(None);
    }
    let derived = items.derive(&name).map_err(|errors| WitError::Derive {
        package: package.name.to_string(),
        errors: errors.iter().map(ToString::to_string).collect(),
    })?;
    let wit = derived.to_wit();
    check_parses(&wit).map_err(|message| WitError::Invalid {
        package: package.name.to_string(),
        message,
        wit: wit.clone(),
    })?;
    Ok(Some(DerivedWit {
        package: package.name.to_string(),
        wit_package: name.to_string(),
        wit,
    }))
}

/// The derived WIT of each selected package that defines interfaces or types (`wash wit`).
pub fn derive_selected(selection: &PackageSelection) -> Result<Vec<DerivedWit>, WitError> {
    let project = Project::load(selection)?;
    let mut derived = Vec::new();
    for package in project.packages() {
        let one = WasmcloudConfig::of(package)
            .map_err(WitError::from)
            .and_then(|config| derive(package, &config))
            .map_err(|source| WitError::InPackage {
                package: package.name.to_string(),
                source: Box::new(source),
            })?;
        derived.extend(one);
    }
    Ok(derived)
}

/// Parses WIT text with wit-parser, as every consumer of it will.
pub fn check_parses(wit: &str) -> Result<(), String> {
    let mut resolve = wit_parser::Resolve::default();
    resolve
        .push_str("derived.wit", wit)
        .map(|_| ())
        .map_err(|e| format!("{e:#}"))
}
