//! `plugin.json`: what wash records about a plugin when installing it, and the grants the
//! user gave it. Written by wash only; the format is wash's own and may grow fields.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::PluginError;

/// How a plugin runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A component of the `wash:plugin` world, run in wasmtime with its grants.
    Wasm,
    /// A native executable `wash-NAME`, run as a process with the user's rights.
    Executable,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Wasm => "wasm",
            Kind::Executable => "executable",
        })
    }
}

/// A point in wash's work a component plugin takes part in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hook {
    /// Before cargo runs.
    BeforeBuild,
    /// After each component is finished.
    AfterBuild,
    /// Before a component goes to a registry.
    BeforePush,
    /// After a push.
    AfterPush,
}

impl Hook {
    /// Its name in the WIT: `after-build`.
    pub fn name(self) -> &'static str {
        match self {
            Hook::BeforeBuild => "before-build",
            Hook::AfterBuild => "after-build",
            Hook::BeforePush => "before-push",
            Hook::AfterPush => "after-push",
        }
    }

    /// What a veto stops: `build` or `push`.
    pub fn subject(self) -> &'static str {
        match self {
            Hook::BeforeBuild | Hook::AfterBuild => "build",
            Hook::BeforePush | Hook::AfterPush => "push",
        }
    }
}

/// An installed plugin, as `plugin.json` records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Manifest {
    /// The subcommand: `wash NAME`.
    pub name: String,
    /// Component or executable.
    pub kind: Kind,
    /// The plugin's version (a component's metadata says it; an executable's is unknown).
    pub version: Option<String>,
    /// One line for `wash --help`.
    pub description: String,
    /// What `wash NAME --help` prints.
    #[serde(default)]
    pub usage: String,
    /// The hooks wash calls.
    #[serde(default)]
    pub hooks: Vec<Hook>,
    /// What the plugin may use (component plugins only).
    #[serde(default)]
    pub grants: Grants,
    /// Where it was installed from: a path or a registry reference.
    pub source: String,
    /// `sha256:…` of the plugin's file.
    pub digest: String,
    /// The file in the plugin's folder.
    pub file: String,
    /// The `wash:plugin` world version it was built for (component plugins only).
    pub world: Option<String>,
}

/// What a component plugin may use, given at install time. Nothing by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Grants {
    /// `project`: the workspace the plugin runs in, read-only, at `/project`.
    #[serde(default)]
    pub project: bool,
    /// `read=…` and `dir=…`: host folders.
    #[serde(default)]
    pub dirs: Vec<DirGrant>,
    /// `env=NAME`: host variables passed through (their values at each run).
    #[serde(default)]
    pub env: Vec<String>,
    /// `http=HOST[:PORT]`: hosts outgoing HTTP may reach (`*`: any).
    #[serde(default)]
    pub http: Vec<String>,
    /// The most memory an instance may grow to, in MiB.
    #[serde(default = "default_memory")]
    pub memory_mib: usize,
    /// The longest one call may take, in seconds; hooks default to [`HOOK_TIMEOUT`] seconds,
    /// `run` has no limit unless this is set.
    #[serde(default)]
    pub timeout_secs: Option<f64>,
}

/// The time limit of a hook (and of `metadata`) when none is granted, in seconds.
pub const HOOK_TIMEOUT: f64 = 30.0;

fn default_memory() -> usize {
    512
}

/// A host folder a plugin may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DirGrant {
    /// The folder on the host, absolute.
    pub host: PathBuf,
    /// Where the plugin sees it.
    pub guest: String,
    /// Whether it may only read.
    pub read_only: bool,
}

impl Grants {
    /// Grants from `--grant` values: `project`, `read=HOST[::GUEST]`, `dir=HOST[::GUEST]`,
    /// `env=NAME`, `http=HOST[:PORT]`. Folders must exist; they are recorded as absolute paths.
    pub fn parse(values: &[String], base: &std::path::Path) -> Result<Grants, PluginError> {
        let mut grants = Grants {
            memory_mib: default_memory(),
            ..Grants::default()
        };
        for value in values {
            let bad = |why: &str| PluginError::BadGrant {
                grant: value.clone(),
                why: why.to_string(),
            };
            let (kind, arg) = value.split_once('=').unwrap_or((value.as_str(), ""));
            match kind {
                "project" if arg.is_empty() => grants.project = true,
                "read" | "dir" if !arg.is_empty() => {
                    let (host, guest) = arg.split_once("::").unwrap_or((arg, ""));
                    let host = base.join(host);
                    let host = std::fs::canonicalize(&host)
                        .map_err(|e| bad(&format!("`{}`: {e}", host.display())))?;
                    if !host.is_dir() {
                        return Err(bad(&format!("`{}` is not a folder", host.display())));
                    }
                    let guest = if guest.is_empty() {
                        host.to_string_lossy().into_owned()
                    } else if guest.starts_with('/') {
                        guest.to_string()
                    } else {
                        return Err(bad("the guest path must be absolute (`/data`)"));
                    };
                    grants.dirs.push(DirGrant {
                        host,
                        guest,
                        read_only: kind == "read",
                    });
                }
                "env" if !arg.is_empty() && !arg.contains('=') => grants.env.push(arg.into()),
                "http" if !arg.is_empty() => grants.http.push(arg.into()),
                "project" => return Err(bad("`project` takes no value")),
                "read" | "dir" | "env" | "http" => return Err(bad("a value is needed")),
                _ => return Err(bad("unknown kind of grant")),
            }
        }
        Ok(grants)
    }

    /// One line per grant, as `wash plugin list` and `inspect` show them; `none` when empty.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.project {
            out.push("project (read-only, at /project)".to_string());
        }
        for d in &self.dirs {
            let how = if d.read_only { "read" } else { "dir" };
            out.push(format!("{how}={}::{}", d.host.display(), d.guest));
        }
        out.extend(self.env.iter().map(|e| format!("env={e}")));
        out.extend(self.http.iter().map(|h| format!("http={h}")));
        out
    }
}

/// A plugin `wash` can run, installed or on `PATH`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    /// `wash NAME`.
    pub name: String,
    /// Component or executable.
    pub kind: Kind,
    /// Its version, when known.
    pub version: Option<String>,
    /// One line.
    pub description: String,
    /// Its hooks.
    pub hooks: Vec<Hook>,
    /// Its grants, one line each.
    pub grants: Vec<String>,
    /// Where it came from: the install source, or the executable on `PATH`.
    pub source: String,
    /// Whether it is in the plugin directory (else found on `PATH`).
    pub installed: bool,
    /// Its folder in the plugin directory, when installed.
    pub dir: Option<PathBuf>,
    /// `sha256:…` of its file, when installed.
    pub digest: Option<String>,
    /// The `wash:plugin` world version it was built for (component plugins).
    pub world: Option<String>,
    /// What `wash NAME --help` prints (component plugins).
    pub usage: String,
}

impl super::Installed {
    /// The plugin as `list`, `install`, `inspect` and `remove` report it.
    pub fn listed(&self) -> Listed {
        let p = self;
        let m = &p.manifest;
        Listed {
            name: m.name.clone(),
            kind: m.kind,
            version: m.version.clone(),
            description: m.description.clone(),
            hooks: m.hooks.clone(),
            grants: m.grants.describe(),
            source: m.source.clone(),
            installed: true,
            dir: Some(p.dir.clone()),
            digest: Some(m.digest.clone()),
            world: m.world.clone(),
            usage: m.usage.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_parse_and_refuse_what_they_should() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        std::fs::create_dir(base.join("data")).unwrap();
        let g = Grants::parse(
            &[
                "project".into(),
                "read=data::/data".into(),
                "dir=data".into(),
                "env=TOKEN".into(),
                "http=example.com:443".into(),
            ],
            base,
        )
        .unwrap();
        assert!(g.project);
        assert_eq!(g.dirs.len(), 2);
        assert!(g.dirs[0].read_only && g.dirs[0].guest == "/data");
        assert!(!g.dirs[1].read_only && g.dirs[1].host.is_absolute());
        assert_eq!(g.env, ["TOKEN"]);
        assert_eq!(g.http, ["example.com:443"]);
        assert_eq!(g.memory_mib, 512);
        for bad in [
            "net",
            "env=",
            "env=A=B",
            "read=missing",
            "read=data::rel",
            "project=x",
        ] {
            assert!(
                Grants::parse(&[bad.into()], base).is_err(),
                "`{bad}` was accepted"
            );
        }
    }
}
