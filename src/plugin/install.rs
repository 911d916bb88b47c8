//! `wash plugin install` and `remove`. An install is staged in a hidden folder of the plugin
//! directory — the file copied, the manifest written — and renamed into place only when all
//! of it is there; a replaced plugin is renamed away first and deleted after. No step leaves a
//! plugin half there: a folder without `plugin.json`, or a hidden one, is no plugin.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::manifest::{Grants, Kind, Manifest};
use super::wasm::WasmPlugin;
use super::{Installed, PluginError, WORLD_VERSION, check_name, plugin_dir};

/// What to install.
#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// The plugin file: a component, or an executable `wash-NAME`.
    pub file: PathBuf,
    /// What to record as its source (the path given, or the registry reference).
    pub source: String,
    /// `--grant` values (component plugins only).
    pub grants: Vec<String>,
    /// `--memory-limit`, in MiB.
    pub memory_mib: Option<usize>,
    /// `--timeout`, in seconds.
    pub timeout_secs: Option<f64>,
    /// Replace a plugin of the same name.
    pub force: bool,
    /// Names a plugin may not take: wash's own commands.
    pub reserved: Vec<String>,
}

/// Installs the plugin and returns what was recorded.
pub fn install(opts: &InstallOptions) -> Result<Installed, PluginError> {
    install_in(&plugin_dir()?, opts)
}

/// [`install`], into the plugin directory `plugins`.
pub fn install_in(plugins: &Path, opts: &InstallOptions) -> Result<Installed, PluginError> {
    let bytes = std::fs::read(&opts.file).map_err(PluginError::io("read", &opts.file))?;
    let manifest = if crate::artifact::is_component(&bytes) {
        wasm_manifest(opts, &bytes)?
    } else if crate::artifact::is_wasm(&bytes) {
        return Err(PluginError::NotAPlugin {
            path: opts.file.clone(),
            why: "it is a core WebAssembly module, not a component".into(),
        });
    } else {
        executable_manifest(opts, &bytes)?
    };
    if opts.reserved.contains(&manifest.name) {
        return Err(PluginError::Builtin {
            name: manifest.name,
        });
    }
    let dest = plugins.join(&manifest.name);
    if !opts.force
        && let Some(existing) = super::read_installed(&dest)?
    {
        return Err(PluginError::AlreadyInstalled {
            name: manifest.name,
            source_text: existing.manifest.source,
        });
    }
    std::fs::create_dir_all(plugins).map_err(PluginError::io("create", plugins))?;
    clean_stale(plugins);
    let staged = stage(plugins, &manifest, &bytes)?;
    swap_in(plugins, &staged, &dest)?;
    Ok(Installed {
        manifest,
        dir: dest,
    })
}

/// Removes the installed plugin `name` and returns what it was.
pub fn remove(name: &str) -> Result<Installed, PluginError> {
    let plugins = plugin_dir()?;
    let installed = super::installed_named(name)?;
    let trash = hidden(&plugins, "remove", name);
    std::fs::rename(&installed.dir, &trash).map_err(PluginError::io("remove", &installed.dir))?;
    std::fs::remove_dir_all(&trash).map_err(PluginError::io("remove", &trash))?;
    Ok(installed)
}

/// The manifest of a component plugin: its metadata, asked in the sandbox with no grants.
fn wasm_manifest(opts: &InstallOptions, bytes: &[u8]) -> Result<Manifest, PluginError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut grants = Grants::parse(&opts.grants, &cwd)?;
    if let Some(mib) = opts.memory_mib {
        grants.memory_mib = mib;
    }
    grants.timeout_secs = opts.timeout_secs;
    let label = opts
        .file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let plugin = WasmPlugin::load(&opts.file, &label, &grants)?;
    let runtime =
        crate::oci::runtime().map_err(PluginError::io("start a runtime for", &opts.file))?;
    let meta = runtime.block_on(plugin.metadata())?;
    check_name(&meta.name)?;
    Ok(Manifest {
        name: meta.name,
        kind: Kind::Wasm,
        version: Some(meta.version),
        description: one_line(&meta.description),
        usage: meta.usage,
        hooks: meta.hooks,
        grants,
        source: opts.source.clone(),
        digest: crate::artifact::sha256_digest(bytes),
        file: "plugin.wasm".into(),
        world: Some(WORLD_VERSION.into()),
    })
}

/// The manifest of an executable plugin: its name from the file name `wash-NAME`.
fn executable_manifest(opts: &InstallOptions, bytes: &[u8]) -> Result<Manifest, PluginError> {
    let not = |why: &str| PluginError::NotAPlugin {
        path: opts.file.clone(),
        why: why.to_string(),
    };
    let file = opts
        .file
        .file_name()
        .and_then(|f| f.to_str())
        .ok_or_else(|| not("its file name is not UTF-8"))?;
    let name = file
        .strip_suffix(std::env::consts::EXE_SUFFIX)
        .unwrap_or(file)
        .strip_prefix("wash-")
        .ok_or_else(|| not("it is not a component, and an executable must be named `wash-NAME`"))?;
    check_name(name)?;
    if !super::exec::is_executable(&opts.file) {
        return Err(not("it is not executable (`chmod +x` it)"));
    }
    if !opts.grants.is_empty() || opts.memory_mib.is_some() || opts.timeout_secs.is_some() {
        return Err(PluginError::BadGrant {
            grant: opts.grants.join(" "),
            why: "grants and limits apply to component plugins; an executable runs with your \
                  own rights"
                .into(),
        });
    }
    Ok(Manifest {
        name: name.to_string(),
        kind: Kind::Executable,
        version: None,
        description: String::new(),
        usage: String::new(),
        hooks: Vec::new(),
        grants: Grants::default(),
        source: opts.source.clone(),
        digest: crate::artifact::sha256_digest(bytes),
        file: file.to_string(),
        world: None,
    })
}

/// Writes the plugin's folder under a hidden name and returns it.
fn stage(plugins: &Path, manifest: &Manifest, bytes: &[u8]) -> Result<PathBuf, PluginError> {
    let staged = tempfile::Builder::new()
        .prefix(&format!(".install-{}-", manifest.name))
        .tempdir_in(plugins)
        .map_err(PluginError::io("create a folder in", plugins))?;
    let file = staged.path().join(&manifest.file);
    std::fs::write(&file, bytes).map_err(PluginError::io("write", &file))?;
    #[cfg(unix)]
    if manifest.kind == Kind::Executable {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755))
            .map_err(PluginError::io("make executable", &file))?;
    }
    let json = staged.path().join(super::MANIFEST_FILE);
    let text = serde_json::to_string_pretty(manifest).expect("a manifest serializes");
    std::fs::write(&json, text + "\n").map_err(PluginError::io("write", &json))?;
    // Kept from here on: `swap_in` renames it into place, or a later install cleans it.
    Ok(staged.keep())
}

/// Renames `staged` to `dest`, moving a plugin already there out of the way first.
fn swap_in(plugins: &Path, staged: &Path, dest: &Path) -> Result<(), PluginError> {
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    let old = dest.exists().then(|| hidden(plugins, "remove", &name));
    if let Some(old) = &old {
        std::fs::rename(dest, old).map_err(PluginError::io("replace", dest))?;
    }
    if let Err(e) = std::fs::rename(staged, dest) {
        if let Some(old) = &old {
            let _ = std::fs::rename(old, dest);
        }
        let _ = std::fs::remove_dir_all(staged);
        return Err(PluginError::io("install into", dest)(e));
    }
    if let Some(old) = old {
        let _ = std::fs::remove_dir_all(old);
    }
    Ok(())
}

/// A hidden name in the plugin directory for `name` on its way in or out.
fn hidden(plugins: &Path, what: &str, name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    plugins.join(format!(".{what}-{name}-{}-{nanos}", std::process::id()))
}

/// Deletes what interrupted installs and removals left: folders that are on their way out,
/// and staged ones older than a few minutes (a concurrent install's are younger).
fn clean_stale(plugins: &Path) {
    let Ok(entries) = std::fs::read_dir(plugins) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(600));
        if name.starts_with(".remove-") || (name.starts_with(".install-") && old) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The first line of `text`, trimmed.
fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_string()
}
