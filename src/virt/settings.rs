//! `[package.metadata.wasmcloud.virt]`: the same options as `wash virt`, applied by
//! `wash build` after composition.
//!
//! ```toml
//! [package.metadata.wasmcloud.virt]
//! env = { LOG_LEVEL = "info" }
//! allow-env = ["HOME"]
//! stdin = "deny"                # allow | ignore | deny
//! deny = ["clocks", "sockets"]  # clocks, random, sockets, http, exit
//! mount = { "/data" = "assets" } # host paths relative to Cargo.toml
//! ```

use serde_json::Value;

use super::{Capability, Mount, StdioPolicy, VirtOptions};

/// A malformed setting: the key below `virt`, what is wrong, and what to write.
pub struct SettingError {
    pub key: String,
    pub problem: String,
    pub fix: String,
}

fn err(key: &str, problem: impl Into<String>, fix: &str) -> SettingError {
    SettingError {
        key: key.to_string(),
        problem: problem.into(),
        fix: fix.to_string(),
    }
}

fn strings(value: &Value, key: &str, fix: &str) -> Result<Vec<String>, SettingError> {
    value
        .as_array()
        .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_string)).collect())
        .ok_or_else(|| err(key, "must be a list of strings", fix))
}

fn string_table(
    value: &Value,
    key: &str,
    fix: &str,
) -> Result<Vec<(String, String)>, SettingError> {
    value
        .as_object()
        .and_then(|t| {
            t.iter()
                .map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .ok_or_else(|| err(key, "must be a table of strings", fix))
}

/// Reads the `virt` table; relative mount paths are resolved against `manifest_dir`.
pub fn parse(value: &Value, manifest_dir: &std::path::Path) -> Result<VirtOptions, SettingError> {
    let table = value.as_object().ok_or_else(|| {
        err(
            "",
            "must be a table",
            "write `[package.metadata.wasmcloud.virt]` as a section",
        )
    })?;
    let mut options = VirtOptions::default();
    for (key, value) in table {
        match key.as_str() {
            "env" => {
                options.env = string_table(value, "env", "write `env = { LOG_LEVEL = \"info\" }`")?
            }
            "allow-env" => {
                options.allow_env = strings(value, "allow-env", "write `allow-env = [\"HOME\"]`")?
            }
            "stdin" | "stdout" | "stderr" => {
                let fix = format!("write `{key} = \"allow\"` (or \"ignore\", \"deny\")");
                let policy = match value.as_str() {
                    Some("allow") => StdioPolicy::Allow,
                    Some("ignore") => StdioPolicy::Ignore,
                    Some("deny") => StdioPolicy::Deny,
                    _ => return Err(err(key, "must be \"allow\", \"ignore\" or \"deny\"", &fix)),
                };
                match key.as_str() {
                    "stdin" => options.stdin = policy,
                    "stdout" => options.stdout = policy,
                    _ => options.stderr = policy,
                }
            }
            "deny" => {
                let fix = "write e.g. `deny = [\"clocks\", \"sockets\"]` (clocks, random, sockets, http, exit)";
                for name in strings(value, "deny", fix)? {
                    let cap = Capability::from_name(&name).ok_or_else(|| {
                        err(
                            "deny",
                            format!("names `{name}`, which is not a capability"),
                            fix,
                        )
                    })?;
                    options.deny.insert(cap);
                }
            }
            "mount" => {
                let fix =
                    "write `mount = { \"/data\" = \"assets\" }` (guest path = host directory)";
                for (guest, host) in string_table(value, "mount", fix)? {
                    if !guest.starts_with('/') {
                        return Err(err(
                            "mount",
                            format!("guest path `{guest}` is not absolute"),
                            fix,
                        ));
                    }
                    options.mounts.push(Mount {
                        guest,
                        host: manifest_dir.join(host),
                    });
                }
            }
            other => {
                return Err(err(
                    other,
                    "is not a setting wash knows",
                    "the keys are env, allow-env, stdin, stdout, stderr, deny, mount (docs/virt.md)",
                ));
            }
        }
    }
    Ok(options)
}
