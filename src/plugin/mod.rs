//! Plugins: subcommands wash does not have built in, the cargo way (an executable `wash-NAME`)
//! or as a sandboxed WebAssembly component of the `wash:plugin` world, which can also hook into
//! builds and pushes (docs/plugins.md).
//!
//! Installed plugins live in the plugin directory, `$WASH_HOME/plugins/NAME/`, one folder each:
//! the plugin's file and `plugin.json`, the [`Manifest`] wash wrote when installing it. An
//! executable `wash-NAME` on `PATH` is a plugin too, found when asked for by name.
//!
//! - [`install`]: `wash plugin install`, `remove`; nothing half-installed is ever left.
//! - [`wasm`]: running a component plugin in wasmtime with its grants and limits.
//! - [`exec`]: running an executable plugin with the documented environment.
//! - [`hooks`]: the hooks of every installed plugin, around a build or a push.

pub mod exec;
pub mod hooks;
pub mod install;
mod manifest;
pub mod wasm;

use std::path::{Path, PathBuf};

pub use manifest::{Grants, Hook, Kind, Listed, Manifest};

/// The version of the `wash:plugin` world this wash speaks.
pub const WORLD_VERSION: &str = "0.1.0";

/// The interface a component plugin exports.
pub const INTERFACE: &str = "wash:plugin/plugin@0.1.0";

/// The file each installed plugin's folder describes itself in.
const MANIFEST_FILE: &str = "plugin.json";

/// `$WASH_HOME/plugins`.
pub fn plugin_dir() -> Result<PathBuf, crate::home::HomeError> {
    Ok(crate::home::wash_home()?.join("plugins"))
}

/// A plugin installed in the plugin directory.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Installed {
    /// What wash recorded at install time.
    #[serde(flatten)]
    pub manifest: Manifest,
    /// Its folder.
    pub dir: PathBuf,
}

impl Installed {
    /// The plugin's file: the component, or the executable.
    pub fn file(&self) -> PathBuf {
        self.dir.join(&self.manifest.file)
    }
}

/// A plugin found by name.
#[derive(Debug, Clone)]
pub enum Found {
    /// In the plugin directory.
    Installed(Box<Installed>),
    /// `wash-NAME`, an executable on `PATH`.
    OnPath(PathBuf),
}

/// What can go wrong with plugins.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The plugin directory could not be found.
    #[error(transparent)]
    Home(#[from] crate::home::HomeError),
    /// A file in the plugin directory or a plugin's file could not be read or written.
    #[error("cannot {doing} `{}`", path.display())]
    Io {
        /// `read`, `write`, …
        doing: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An installed plugin's `plugin.json` is not what wash writes.
    #[error("the plugin manifest `{}` is damaged", path.display())]
    Manifest {
        /// The file.
        path: PathBuf,
        /// Why it does not parse.
        #[source]
        source: serde_json::Error,
    },
    /// No plugin by that name.
    #[error("no plugin `{name}` is installed")]
    NotInstalled {
        /// The name asked for.
        name: String,
    },
    /// A plugin of that name is installed already.
    #[error("a plugin `{name}` is installed already (from {source_text})")]
    AlreadyInstalled {
        /// The name.
        name: String,
        /// Where the installed one came from.
        source_text: String,
    },
    /// The name is a command of wash's own, which always wins.
    #[error("`{name}` is a built-in wash command; a plugin cannot take its name")]
    Builtin {
        /// The name.
        name: String,
    },
    /// The name is not one a subcommand can have.
    #[error("`{name}` is not a valid plugin name: {why}")]
    BadName {
        /// The name.
        name: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The file is neither a component nor an executable.
    #[error("`{}` is not a plugin: {why}", path.display())]
    NotAPlugin {
        /// The file.
        path: PathBuf,
        /// What it is instead.
        why: String,
    },
    /// The component was built for another version of the plugin world.
    #[error(
        "`{}` was built for the plugin world {found}, but this wash speaks \
         wash:plugin@{WORLD_VERSION}",
        path.display()
    )]
    WorldVersion {
        /// The file.
        path: PathBuf,
        /// The interface it exports (`wash:plugin/plugin@0.2.0`).
        found: String,
    },
    /// A `--grant` value is malformed or names a folder that does not exist.
    #[error("bad grant `{grant}`: {why}")]
    BadGrant {
        /// The value.
        grant: String,
        /// What is wrong.
        why: String,
    },
    /// The component could not be compiled or linked.
    #[error("cannot load the plugin `{}`", path.display())]
    Load {
        /// The file.
        path: PathBuf,
        /// wasmtime's reason.
        #[source]
        source: crate::run::BoxError,
    },
    /// The plugin trapped, ran out of time or memory, or could not be instantiated.
    #[error("the plugin `{plugin}` failed in `{call}`{}", limit.as_ref().map(|l| format!(": {l}")).unwrap_or_default())]
    Guest {
        /// Its name.
        plugin: String,
        /// What wash called: `run`, `after-build`, …
        call: String,
        /// Which limit it hit, if one did.
        limit: Option<String>,
        /// wasmtime's reason.
        #[source]
        source: crate::run::BoxError,
    },
    /// A hook said no.
    #[error("the plugin `{plugin}` stopped the {subject} in `{hook}`: {message}")]
    Veto {
        /// Its name.
        plugin: String,
        /// `after-build`, …
        hook: String,
        /// `build` or `push`.
        subject: String,
        /// The plugin's message.
        message: String,
    },
    /// `run` returned an error.
    #[error("{plugin}: {message}")]
    Failed {
        /// Its name.
        plugin: String,
        /// The plugin's message.
        message: String,
    },
    /// The executable could not be started.
    #[error("cannot run the plugin `{}`", path.display())]
    Spawn {
        /// The executable.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl crate::hint::Hint for PluginError {
    fn hint(&self) -> Option<String> {
        match self {
            PluginError::Home(e) => e.hint(),
            PluginError::Manifest { .. } => {
                Some("reinstall it: `wash plugin install --force SOURCE`".into())
            }
            PluginError::NotInstalled { .. } => {
                Some("`wash plugin list` shows what is installed".into())
            }
            PluginError::AlreadyInstalled { .. } => {
                Some("pass `--force` to replace it, or `wash plugin remove NAME` first".into())
            }
            PluginError::Builtin { .. } => Some(
                "rename the plugin (its metadata's `name`, or the executable `wash-NAME`)".into(),
            ),
            PluginError::NotAPlugin { .. } => Some(
                "a plugin is a component exporting `wash:plugin/plugin` (build one with \
                 wash-sdk's `plugin` feature), or an executable named `wash-NAME`"
                    .into(),
            ),
            PluginError::WorldVersion { .. } => Some(format!(
                "rebuild the plugin against wash:plugin@{WORLD_VERSION} (the wash-sdk this wash \
                 ships), or use the wash it was built for"
            )),
            PluginError::BadGrant { .. } => Some(
                "grants are `project`, `read=HOST[::GUEST]`, `dir=HOST[::GUEST]`, `env=NAME` \
                 and `http=HOST[:PORT]`"
                    .into(),
            ),
            PluginError::Guest {
                limit: Some(_),
                plugin,
                ..
            } => Some(format!(
                "reinstall `{plugin}` with a higher `--memory-limit` or `--timeout` if it \
                 needs more"
            )),
            PluginError::Load { .. } => {
                Some("`wash inspect FILE` shows what the component imports and exports".into())
            }
            _ => None,
        }
    }
}

impl PluginError {
    fn io(doing: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> PluginError {
        let path = path.to_path_buf();
        move |source| PluginError::Io {
            doing,
            path,
            source,
        }
    }
}

/// Every plugin in the plugin directory, by name. A folder without a manifest (a stray
/// temporary folder from an interrupted install) is skipped; a damaged manifest is an error.
pub fn installed() -> Result<Vec<Installed>, PluginError> {
    installed_in(&plugin_dir()?)
}

/// [`installed`], in `dir`.
pub fn installed_in(dir: &Path) -> Result<Vec<Installed>, PluginError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(PluginError::io("read", dir)(e)),
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if let Some(plugin) = read_installed(&entry.path())? {
            out.push(plugin);
        }
    }
    out.sort_by(|a, b| a.manifest.name.cmp(&b.manifest.name));
    Ok(out)
}

/// The plugin installed in `dir`, if `dir` holds one.
fn read_installed(dir: &Path) -> Result<Option<Installed>, PluginError> {
    let path = dir.join(MANIFEST_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(PluginError::io("read", &path)(e)),
    };
    let manifest =
        serde_json::from_str(&text).map_err(|source| PluginError::Manifest { path, source })?;
    Ok(Some(Installed {
        manifest,
        dir: dir.to_path_buf(),
    }))
}

/// The installed plugin `name`.
pub fn installed_named(name: &str) -> Result<Installed, PluginError> {
    check_name(name)?;
    read_installed(&plugin_dir()?.join(name))?.ok_or_else(|| PluginError::NotInstalled {
        name: name.to_string(),
    })
}

/// The plugin `wash NAME` runs: the installed one, else `wash-NAME` on `PATH`.
pub fn find(name: &str) -> Result<Option<Found>, PluginError> {
    if check_name(name).is_err() {
        return Ok(None);
    }
    if let Some(plugin) = read_installed(&plugin_dir()?.join(name))? {
        return Ok(Some(Found::Installed(Box::new(plugin))));
    }
    Ok(exec::on_path(name).map(Found::OnPath))
}

/// Refuses names a subcommand cannot have: lowercase ASCII letters, digits and `-`, starting
/// with a letter (as Cargo's commands are written).
pub fn check_name(name: &str) -> Result<(), PluginError> {
    let bad = |why| {
        Err(PluginError::BadName {
            name: name.to_string(),
            why,
        })
    };
    if name.is_empty() || name.len() > 64 {
        return bad("it must be 1 to 64 characters long");
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return bad("it must start with a lowercase letter");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return bad("only lowercase letters, digits and `-` may be used");
    }
    Ok(())
}

/// Where a plugin runs: the project around the current directory, when there is one.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    /// The path of the running wash (`WASH`).
    pub wash: Option<PathBuf>,
    /// How usage lines name wash: `wash` or `cargo wasmcloud`.
    pub bin_name: String,
    /// The workspace root, when run inside a crate.
    pub project_dir: Option<PathBuf>,
    /// The crate's `Cargo.toml` (the one cargo would pick in the current directory).
    pub manifest_path: Option<PathBuf>,
    /// Cargo's target directory for it.
    pub target_dir: Option<PathBuf>,
    /// Whether `--json` is among the arguments.
    pub json: bool,
    /// `quiet`, `normal` or `verbose`.
    pub verbosity: &'static str,
    /// `[package.metadata.wasmcloud.plugins]` of the crate in the current directory.
    pub plugin_config: serde_json::Map<String, serde_json::Value>,
}

impl Invocation {
    /// What is known where wash runs: the project is read (`cargo metadata --no-deps`) only
    /// when a `Cargo.toml` is found at or above the current directory; a project cargo cannot
    /// read is reported as none, so a plugin still runs.
    pub fn here(bin_name: &str, args: &[std::ffi::OsString], verbosity: &'static str) -> Self {
        let mut inv = Invocation {
            wash: std::env::current_exe().ok(),
            bin_name: bin_name.to_string(),
            json: args
                .iter()
                .take_while(|a| *a != "--")
                .any(|a| a == "--json"),
            verbosity,
            ..Invocation::default()
        };
        let Some(manifest) = std::env::current_dir()
            .ok()
            .and_then(|cwd| find_manifest(&cwd))
        else {
            return inv;
        };
        let selection = crate::project::PackageSelection {
            manifest_path: Some(manifest.clone()),
            ..Default::default()
        };
        if let Ok(project) = crate::project::Project::load(&selection) {
            inv.project_dir = Some(project.metadata.workspace_root.clone().into_std_path_buf());
            inv.target_dir = Some(project.target_dir().to_path_buf());
            let here = project
                .metadata
                .packages
                .iter()
                .find(|p| p.manifest_path.as_std_path() == manifest);
            if let Some(package) = here {
                inv.plugin_config = plugin_tables(package);
            }
            inv.manifest_path = Some(manifest);
        }
        inv
    }

    /// The settings of plugin `name` in the crate, as the context hands them over: each key
    /// with its value, a string as it is and anything else as JSON.
    pub fn config_of(&self, name: &str) -> Vec<(String, String)> {
        config_pairs(&self.plugin_config, name)
    }
}

/// `[package.metadata.wasmcloud.plugins]` of `package`.
pub fn plugin_tables(
    package: &cargo_metadata::Package,
) -> serde_json::Map<String, serde_json::Value> {
    package
        .metadata
        .get("wasmcloud")
        .and_then(|w| w.get("plugins"))
        .and_then(|p| p.as_object())
        .cloned()
        .unwrap_or_default()
}

/// The table of plugin `name` among `tables`, as key–value pairs.
pub fn config_pairs(
    tables: &serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Vec<(String, String)> {
    let Some(table) = tables.get(name).and_then(|t| t.as_object()) else {
        return Vec::new();
    };
    table
        .iter()
        .map(|(k, v)| {
            let value = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), value)
        })
        .collect()
}

/// The `Cargo.toml` at or above `dir`, as cargo looks for one.
fn find_manifest(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_what_a_subcommand_can_be() {
        for good in ["licenses", "size-budget", "a1"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "Licenses", "1a", "-a", "a_b", "a/b", "..", "a b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn config_values_are_strings_as_they_are_and_json_otherwise() {
        let tables: serde_json::Map<_, _> = serde_json::from_str(
            r#"{"size-budget": {"max": "2 MiB", "strict": true, "n": 3}, "other": 1}"#,
        )
        .unwrap();
        let mut pairs = config_pairs(&tables, "size-budget");
        pairs.sort();
        assert_eq!(
            pairs,
            [
                ("max".to_string(), "2 MiB".to_string()),
                ("n".into(), "3".into()),
                ("strict".into(), "true".into())
            ]
        );
        assert!(config_pairs(&tables, "other").is_empty());
        assert!(config_pairs(&tables, "missing").is_empty());
    }
}
