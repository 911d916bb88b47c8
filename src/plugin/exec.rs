//! Executable plugins, the cargo way: `wash NAME ARGS…` runs `wash-NAME ARGS…` with the user's
//! rights, its standard streams and exit status passed straight through, and these variables
//! set (docs/plugins.md):
//!
//! | variable | value |
//! |---|---|
//! | `WASH` | the path of the running wash (call it back with this) |
//! | `WASH_BIN_NAME` | how usage lines name it: `wash` or `cargo wasmcloud` |
//! | `WASH_VERSION` | its version |
//! | `WASH_PLUGIN_NAME` | `NAME` |
//! | `WASH_HOME`, `WASH_PLUGIN_DIR` | wash's home and plugin directory |
//! | `WASH_PROJECT_DIR` | the workspace root, when run inside a crate |
//! | `WASH_MANIFEST_PATH` | the crate's `Cargo.toml`, likewise |
//! | `WASH_TARGET_DIR` | cargo's target directory for it, likewise |
//! | `WASH_JSON` | `1` when `--json` is among the arguments, else `0` |
//! | `WASH_VERBOSITY` | `quiet`, `normal` or `verbose` (from `-q`/`-v` before `NAME`) |

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::{Invocation, PluginError, check_name};

/// `wash-NAME` on `PATH`, if there is an executable of that name.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let file = format!("wash-{name}{}", std::env::consts::EXE_SUFFIX);
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(&file))
        .find(|p| is_executable(p))
}

/// Every `wash-NAME` executable on `PATH`, by name (the first of a name wins, as the shell
/// picks it).
pub fn all_on_path() -> Vec<(String, PathBuf)> {
    let Some(path) = std::env::var_os("PATH") else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for dir in std::env::split_paths(&path) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let file = entry.file_name();
            let Some(name) = file
                .to_str()
                .and_then(|f| f.strip_prefix("wash-"))
                .map(|f| f.strip_suffix(std::env::consts::EXE_SUFFIX).unwrap_or(f))
            else {
                continue;
            };
            if check_name(name).is_err() || found.iter().any(|(n, _)| n == name) {
                continue;
            }
            if is_executable(&entry.path()) {
                found.push((name.to_string(), entry.path()));
            }
        }
    }
    found.sort();
    found
}

/// Whether `path` is a file the user may execute.
pub fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// Runs the executable `path` as plugin `name` and returns its exit code (on Unix, 128 plus
/// the signal that killed it, as a shell reports it).
pub fn run(
    path: &Path,
    name: &str,
    args: &[OsString],
    inv: &Invocation,
) -> Result<i32, PluginError> {
    let mut cmd = std::process::Command::new(path);
    cmd.args(args);
    for key in PROJECT_VARS {
        cmd.env_remove(key);
    }
    for (key, value) in environment(name, inv) {
        cmd.env(key, value);
    }
    let status = cmd.status().map_err(|source| PluginError::Spawn {
        path: path.to_path_buf(),
        source,
    })?;
    if let Some(code) = status.code() {
        return Ok(code);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return Ok(128 + signal);
        }
    }
    Ok(1)
}

/// The variables an executable plugin is given (the table above).
pub fn environment(name: &str, inv: &Invocation) -> Vec<(&'static str, OsString)> {
    let mut env: Vec<(&'static str, OsString)> = vec![
        ("WASH_BIN_NAME", inv.bin_name.clone().into()),
        ("WASH_VERSION", env!("CARGO_PKG_VERSION").into()),
        ("WASH_PLUGIN_NAME", name.into()),
        ("WASH_JSON", if inv.json { "1" } else { "0" }.into()),
        ("WASH_VERBOSITY", inv.verbosity.into()),
    ];
    if let Some(wash) = &inv.wash {
        env.push(("WASH", wash.into()));
    }
    if let Ok(home) = crate::home::wash_home() {
        env.push(("WASH_PLUGIN_DIR", home.join("plugins").into()));
        env.push(("WASH_HOME", home.into()));
    }
    let paths = [
        ("WASH_PROJECT_DIR", &inv.project_dir),
        ("WASH_MANIFEST_PATH", &inv.manifest_path),
        ("WASH_TARGET_DIR", &inv.target_dir),
    ];
    for (key, value) in paths {
        if let Some(v) = value {
            env.push((key, v.into()));
        }
    }
    env
}

/// The variables [`environment`] sets only inside a crate: cleared otherwise, so a plugin
/// run by another plugin does not see its caller's project.
const PROJECT_VARS: [&str; 3] = ["WASH_PROJECT_DIR", "WASH_MANIFEST_PATH", "WASH_TARGET_DIR"];
