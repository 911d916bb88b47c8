//! `wash plugin install|list|remove|inspect`, and `wash NAME` for a plugin: installing from a
//! registry goes through the pull cache (and `--verify-key`) as `wash run REF` does.

use std::ffi::OsString;
use std::path::PathBuf;

use super::{OpError, runtime, trusted_keys, verifier};
use crate::oci::{self, ProgressHandle, Pulled};
use crate::plugin::install::InstallOptions;
use crate::plugin::wasm::WasmPlugin;
use crate::plugin::{self, Found, Installed, Invocation, Kind, Listed};

/// What to install.
#[derive(Debug, Clone, Default)]
pub struct InstallRequest {
    /// A file (component or executable `wash-NAME`) or a registry reference.
    pub source: String,
    /// `--grant` values.
    pub grants: Vec<String>,
    /// `--memory-limit`, in MiB.
    pub memory_mib: Option<usize>,
    /// `--timeout`, in seconds.
    pub timeout_secs: Option<f64>,
    /// `--force`: replace a plugin of the same name.
    pub force: bool,
    /// wash's own commands, which no plugin may shadow.
    pub reserved: Vec<String>,
    /// Refuse a component from a registry unless one of these keys signed it.
    pub verify_keys: Vec<String>,
    /// Plain HTTP to the registry.
    pub insecure: bool,
}

/// What an install did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InstallOutcome {
    /// The plugin, as recorded.
    #[serde(flatten)]
    pub plugin: Installed,
    /// The pull, when installed from a registry.
    #[serde(skip)]
    pub pulled: Option<Pulled>,
}

/// Installs a plugin from a file or a registry reference.
pub fn install(
    request: &InstallRequest,
    progress: ProgressHandle,
) -> Result<InstallOutcome, OpError> {
    let keys = trusted_keys(&request.verify_keys)?;
    let verify = verifier(&keys);
    let verifier = (!keys.is_empty()).then_some(&verify as &oci::Verifier<'_>);
    let found =
        super::locate_file_or_reference(&request.source, request.insecure, verifier, progress)?;
    let source = match &found.pulled {
        Some(p) => p.reference.clone(),
        None => std::path::absolute(&found.path)
            .unwrap_or_else(|_| found.path.clone())
            .display()
            .to_string(),
    };
    let options = InstallOptions {
        file: found.path.clone(),
        source,
        grants: request.grants.clone(),
        memory_mib: request.memory_mib,
        timeout_secs: request.timeout_secs,
        force: request.force,
        reserved: request.reserved.clone(),
    };
    let plugin = plugin::install::install(&options)?;
    Ok(InstallOutcome {
        plugin,
        pulled: found.pulled,
    })
}

/// Every plugin: the installed ones, then `wash-NAME` executables on `PATH` that no installed
/// plugin or command of `reserved` (wash's own) shadows.
pub fn list(reserved: &[String]) -> Result<Vec<Listed>, OpError> {
    let installed = plugin::installed()?;
    let mut out: Vec<Listed> = installed.iter().map(Installed::listed).collect();
    for (name, path) in plugin::exec::all_on_path() {
        if out.iter().any(|l| l.name == name) || reserved.contains(&name) {
            continue;
        }
        out.push(Listed {
            name,
            kind: Kind::Executable,
            version: None,
            description: String::new(),
            hooks: Vec::new(),
            grants: Vec::new(),
            source: path.display().to_string(),
            installed: false,
            dir: None,
            digest: None,
            world: None,
            usage: String::new(),
        });
    }
    Ok(out)
}

/// The installed plugin `name`.
pub fn inspect(name: &str) -> Result<Installed, OpError> {
    Ok(plugin::installed_named(name)?)
}

/// Removes the installed plugin `name`.
pub fn remove(name: &str) -> Result<Installed, OpError> {
    Ok(plugin::install::remove(name)?)
}

/// What `wash NAME ARGS…` did.
#[derive(Debug)]
pub enum Ran {
    /// No plugin has that name.
    NoSuchPlugin,
    /// The plugin ran; its exit code.
    Exited(i32),
    /// `--help` for a component plugin: its recorded description and usage (the plugin is not
    /// run).
    Help(Box<Installed>),
}

/// Runs plugin `name` with `args`, where `inv` says it runs.
pub fn run(name: &str, args: Vec<OsString>, inv: &Invocation) -> Result<Ran, OpError> {
    let found = match plugin::find(name)? {
        None => return Ok(Ran::NoSuchPlugin),
        Some(found) => found,
    };
    let installed = match found {
        Found::OnPath(path) => return Ok(Ran::Exited(plugin::exec::run(&path, name, &args, inv)?)),
        Found::Installed(p) if p.manifest.kind == Kind::Executable => {
            let code = plugin::exec::run(&p.file(), name, &args, inv)?;
            return Ok(Ran::Exited(code));
        }
        Found::Installed(p) => p,
    };
    if matches!(args.as_slice(), [a] if a == "--help" || a == "-h") {
        return Ok(Ran::Help(installed));
    }
    let m = &installed.manifest;
    let args = args
        .into_iter()
        .map(|a| {
            a.into_string().map_err(|a| {
                crate::hint::Advice::new(
                    format!("the argument `{}` is not UTF-8", PathBuf::from(a).display()),
                    "component plugins take UTF-8 arguments",
                )
            })
        })
        .collect::<Result<Vec<String>, _>>()?;
    let plugin = WasmPlugin::load(&installed.file(), &m.name, &m.grants)?;
    runtime()?.block_on(plugin.run(inv, args))?;
    Ok(Ran::Exited(0))
}
