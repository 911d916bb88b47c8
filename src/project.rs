//! The Rust project a command acts on: the workspace `cargo metadata` describes, the packages
//! the user selected (`--manifest-path`, `-p`, `--workspace`, as cargo selects them) and where
//! their outputs go.

use std::path::{Path, PathBuf};

use cargo_metadata::{Metadata, MetadataCommand, Package};

/// Which packages of which workspace, in cargo's terms.
#[derive(Debug, Clone, Default)]
pub struct PackageSelection {
    /// `--manifest-path`: a `Cargo.toml`; by default cargo looks upward from the current dir.
    pub manifest_path: Option<PathBuf>,
    /// `-p NAME`, repeatable.
    pub packages: Vec<String>,
    /// `--workspace`: every member.
    pub workspace: bool,
}

impl PackageSelection {
    /// The same workspace, with only the package `name` selected.
    pub fn only(&self, name: &str) -> PackageSelection {
        PackageSelection {
            manifest_path: self.manifest_path.clone(),
            packages: vec![name.to_string()],
            workspace: false,
        }
    }
}

/// What can go wrong reading a project.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// `cargo metadata` failed: usually no `Cargo.toml` here, or a malformed one.
    #[error("could not read the Cargo project{}", at(.manifest_path))]
    Metadata {
        /// The manifest asked for, if any.
        manifest_path: Option<PathBuf>,
        /// What cargo said.
        #[source]
        source: cargo_metadata::Error,
    },
    /// `-p NAME` names no workspace member.
    #[error("package `{name}` is not a member of the workspace at `{root}` (members: {members})")]
    UnknownPackage {
        /// The name given.
        name: String,
        /// The workspace root.
        root: PathBuf,
        /// The members there are.
        members: String,
    },
}

impl crate::hint::Hint for ConfigError {
    fn hint(&self) -> Option<String> {
        Some(self.fix.clone())
    }
}

impl crate::hint::Hint for ProjectError {
    fn hint(&self) -> Option<String> {
        match self {
            ProjectError::UnknownPackage { .. } => {
                Some("name one of the members with `-p NAME`".into())
            }
            ProjectError::Metadata { .. } => None,
        }
    }
}

fn at(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!(" at `{}`", p.display()))
        .unwrap_or_default()
}

/// A workspace as `cargo metadata --no-deps` describes it, with the user's selection applied.
#[derive(Debug)]
pub struct Project {
    /// The whole metadata, for modules that need more.
    pub metadata: Metadata,
    /// The selected packages' indices into `metadata.packages`.
    selected: Vec<usize>,
}

impl Project {
    /// Reads the workspace. `--no-deps` keeps this quick: no dependency resolution happens.
    pub fn load(selection: &PackageSelection) -> Result<Project, ProjectError> {
        let mut cmd = MetadataCommand::new();
        cmd.no_deps();
        if let Some(path) = &selection.manifest_path {
            cmd.manifest_path(path);
        }
        let metadata = cmd.exec().map_err(|source| ProjectError::Metadata {
            manifest_path: selection.manifest_path.clone(),
            source,
        })?;
        let selected = select(&metadata, selection)?;
        Ok(Project { metadata, selected })
    }

    /// The packages the command acts on.
    pub fn packages(&self) -> impl Iterator<Item = &Package> {
        self.selected.iter().map(|&i| &self.metadata.packages[i])
    }

    /// Cargo's target directory (honours `CARGO_TARGET_DIR` and `build.target-dir`).
    pub fn target_dir(&self) -> &Path {
        self.metadata.target_directory.as_std_path()
    }

    /// Where wash puts finished components: `<target-dir>/wasmcloud/`.
    pub fn output_dir(&self) -> PathBuf {
        output_dir(self.target_dir())
    }

    /// The workspace member named `name`.
    pub fn member(&self, name: &str) -> Option<&Package> {
        self.metadata
            .workspace_packages()
            .into_iter()
            .find(|p| p.name.as_str() == name)
    }

    /// Where `wash build` places the component named `name`.
    pub fn component_path(&self, name: &str) -> PathBuf {
        self.output_dir().join(format!("{name}.wasm"))
    }

    /// The selected packages and, after them, the workspace members they depend on by path,
    /// transitively: what a build of the selection compiles, as cargo builds a package's
    /// dependencies. A member that `front` depends on provides the component plugged into it.
    pub fn packages_with_member_dependencies(&self) -> Vec<&Package> {
        let mut order: Vec<&Package> = self.packages().collect();
        let mut next = 0;
        while next < order.len() {
            let package = order[next];
            next += 1;
            for dep in package.dependencies.iter().filter(|d| d.path.is_some()) {
                if let Some(member) = self.member(&dep.name)
                    && !order.iter().any(|p| p.id == member.id)
                {
                    order.push(member);
                }
            }
        }
        order
    }
}

/// `<target-dir>/wasmcloud/`, where `wash build` places components.
pub fn output_dir(target_dir: &Path) -> PathBuf {
    target_dir.join("wasmcloud")
}

/// Cargo's rules: `-p` names members; `--workspace` takes all; otherwise the package whose
/// manifest was named (or found), or the default members of a virtual workspace.
fn select(metadata: &Metadata, selection: &PackageSelection) -> Result<Vec<usize>, ProjectError> {
    let members: Vec<usize> = metadata
        .packages
        .iter()
        .enumerate()
        .filter(|(_, p)| metadata.workspace_members.contains(&p.id))
        .map(|(i, _)| i)
        .collect();
    if selection.workspace {
        return Ok(members);
    }
    if !selection.packages.is_empty() {
        return selection
            .packages
            .iter()
            .map(|name| {
                members
                    .iter()
                    .copied()
                    .find(|&i| metadata.packages[i].name.as_str() == name)
                    .ok_or_else(|| ProjectError::UnknownPackage {
                        name: name.clone(),
                        root: metadata.workspace_root.clone().into(),
                        members: members
                            .iter()
                            .map(|&i| format!("`{}`", metadata.packages[i].name))
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            })
            .collect();
    }
    if let Some(root) = metadata.root_package() {
        return Ok(vec![
            metadata
                .packages
                .iter()
                .position(|p| p.id == root.id)
                .expect("root package is in the package list"),
        ]);
    }
    let defaults: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| {
            metadata
                .workspace_default_members
                .contains(&metadata.packages[i].id)
        })
        .collect();
    Ok(if defaults.is_empty() {
        members
    } else {
        defaults
    })
}

/// `[package.metadata.wasmcloud]`: wash's settings, in the crate's own manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasmcloudConfig {
    /// `namespace`: the WIT package namespace (`<namespace>:<crate-name>`).
    pub namespace: Option<String>,
    /// `host-imports`: imports the host provides, beyond `wasi:*` (`acme:kv/store`, or a
    /// prefix ending in `*` such as `acme:kv/*`).
    pub host_imports: Vec<String>,
    /// `compose.plugs`: components to plug into this one's imports, besides the other
    /// components of the build: paths (relative to the manifest) or workspace member names.
    pub compose_plugs: Vec<String>,
    /// `virt`: WASI virtualized inside the component after composition (see `virt::settings`).
    pub virt: Option<crate::virt::VirtOptions>,
    /// `[sign]`: `wash build` signs the finished component with these keys, as its last step.
    pub sign: Option<SignConfig>,
    /// `registry`: where `wash push` (with no reference given) sends the component.
    pub registry: Option<RegistryConfig>,
}

/// `[package.metadata.wasmcloud.sign]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignConfig {
    /// `keys`: names of keys in the key store (`wash keys list`), one signature each.
    pub keys: Vec<String>,
}

/// `[package.metadata.wasmcloud.registry]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryConfig {
    /// `reference`: `REGISTRY/REPOSITORY[:TAG]`; without a tag, `wash push` uses the crate's
    /// version.
    pub reference: String,
    /// `insecure`: plain HTTP to this registry (loopback registries never need it).
    pub insecure: bool,
}

/// The namespace used when `[package.metadata.wasmcloud] namespace` is not set (the same
/// default cargo-component uses).
pub const DEFAULT_NAMESPACE: &str = "component";

/// A malformed `[package.metadata.wasmcloud]`.
#[derive(Debug, thiserror::Error)]
#[error("`{manifest}`: `package.metadata.wasmcloud.{field}` {problem}")]
pub struct ConfigError {
    /// The manifest.
    pub manifest: PathBuf,
    /// The key, below `package.metadata.wasmcloud`.
    pub field: String,
    /// What is wrong.
    pub problem: String,
    /// What to write.
    pub fix: String,
}

impl WasmcloudConfig {
    /// Reads the package's config, naming the field and the fix when it is malformed.
    pub fn of(package: &Package) -> Result<WasmcloudConfig, ConfigError> {
        let manifest: PathBuf = package.manifest_path.clone().into();
        let err = |field: &str, problem: &str, fix: &str| ConfigError {
            manifest: manifest.clone(),
            field: field.to_string(),
            problem: problem.to_string(),
            fix: fix.to_string(),
        };
        let table = match package.metadata.get("wasmcloud") {
            None | Some(serde_json::Value::Null) => return Ok(WasmcloudConfig::default()),
            Some(serde_json::Value::Object(t)) => t,
            Some(_) => {
                return Err(ConfigError {
                    manifest,
                    field: String::new(),
                    problem: "must be a table".into(),
                    fix: "write `[package.metadata.wasmcloud]` as a section".into(),
                });
            }
        };
        let mut config = WasmcloudConfig::default();
        for (key, value) in table {
            match key.as_str() {
                "namespace" => {
                    let ns = value.as_str().ok_or_else(|| {
                        err(
                            "namespace",
                            "must be a string",
                            "write `namespace = \"acme\"`",
                        )
                    })?;
                    let valid = !ns.is_empty()
                        && ns.split('-').all(|w| {
                            w.starts_with(|c: char| c.is_ascii_lowercase())
                                && w.chars()
                                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                        });
                    if !valid {
                        return Err(err(
                            "namespace",
                            &format!(
                                "`{ns}` is not a WIT namespace (lowercase words joined by `-`)"
                            ),
                            "write e.g. `namespace = \"acme\"` or `namespace = \"my-org\"`",
                        ));
                    }
                    config.namespace = Some(ns.to_string());
                }
                "compose" => {
                    let fix = "write `[package.metadata.wasmcloud.compose]` with `plugs = [\"../greeter/greeter.wasm\"]`";
                    let table = value
                        .as_object()
                        .ok_or_else(|| err("compose", "must be a table", fix))?;
                    for (k, v) in table {
                        if k != "plugs" {
                            return Err(err(
                                &format!("compose.{k}"),
                                "is not a setting wash knows",
                                fix,
                            ));
                        }
                        let list = v
                            .as_array()
                            .filter(|a| a.iter().all(|x| x.is_string()))
                            .ok_or_else(|| {
                                err("compose.plugs", "must be a list of strings", fix)
                            })?;
                        config.compose_plugs = list
                            .iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect();
                    }
                }
                "sign" => {
                    let fix = "write `[package.metadata.wasmcloud.sign]` with `keys = [\"release\"]` \
                               (names from `wash keys list`)";
                    let table = value
                        .as_object()
                        .ok_or_else(|| err("sign", "must be a table", fix))?;
                    let mut sign = SignConfig::default();
                    for (k, v) in table {
                        if k != "keys" {
                            return Err(err(
                                &format!("sign.{k}"),
                                "is not a setting wash knows",
                                fix,
                            ));
                        }
                        let list = v
                            .as_array()
                            .filter(|a| !a.is_empty() && a.iter().all(|x| x.is_string()))
                            .ok_or_else(|| {
                                err("sign.keys", "must be a non-empty list of key names", fix)
                            })?;
                        sign.keys = list
                            .iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect();
                        if let Some(bad) =
                            sign.keys.iter().find(|n| !crate::sign::keys::valid_name(n))
                        {
                            return Err(err(
                                "sign.keys",
                                &format!("names `{bad}`, which is not a key name"),
                                fix,
                            ));
                        }
                    }
                    if sign.keys.is_empty() {
                        return Err(err("sign.keys", "is missing", fix));
                    }
                    config.sign = Some(sign);
                }
                "virt" => {
                    let dir = manifest.parent().unwrap_or(Path::new("."));
                    let options = crate::virt::settings::parse(value, dir).map_err(|e| {
                        let field = if e.key.is_empty() {
                            "virt".to_string()
                        } else {
                            format!("virt.{}", e.key)
                        };
                        err(&field, &e.problem, &e.fix)
                    })?;
                    config.virt = Some(options);
                }
                "registry" => {
                    let fix = "write `[package.metadata.wasmcloud.registry]` with `reference = \"ghcr.io/acme/hello\"` (and optionally `insecure = true`)";
                    let table = value
                        .as_object()
                        .ok_or_else(|| err("registry", "must be a table", fix))?;
                    let mut registry = RegistryConfig::default();
                    for (k, v) in table {
                        match k.as_str() {
                            "reference" => {
                                registry.reference = v
                                    .as_str()
                                    .filter(|s| !s.is_empty())
                                    .ok_or_else(|| {
                                        err("registry.reference", "must be a non-empty string", fix)
                                    })?
                                    .to_string();
                            }
                            "insecure" => {
                                registry.insecure = v.as_bool().ok_or_else(|| {
                                    err("registry.insecure", "must be `true` or `false`", fix)
                                })?;
                            }
                            other => {
                                return Err(err(
                                    &format!("registry.{other}"),
                                    "is not a setting wash knows",
                                    fix,
                                ));
                            }
                        }
                    }
                    if registry.reference.is_empty() {
                        return Err(err("registry.reference", "is missing", fix));
                    }
                    config.registry = Some(registry);
                }
                "host-imports" => {
                    let list = value.as_array().filter(|a| a.iter().all(|v| v.is_string()));
                    let list = list.ok_or_else(|| {
                        err(
                            "host-imports",
                            "must be a list of strings",
                            "write `host-imports = [\"acme:kv/store\"]`",
                        )
                    })?;
                    config.host_imports = list
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect();
                }
                other => {
                    return Err(err(
                        other,
                        "is not a setting wash knows",
                        "see docs/config.md for the keys; check the spelling",
                    ));
                }
            }
        }
        Ok(config)
    }

    /// Whether the host provides this import: every `wasi:` interface, and `host-imports`.
    pub fn is_host_import(&self, import: &str) -> bool {
        import.starts_with("wasi:")
            || self.host_imports.iter().any(|h| match h.strip_suffix('*') {
                Some(prefix) => import.starts_with(prefix),
                None => import == h || import.split('@').next() == Some(h.as_str()),
            })
    }

    /// The WIT namespace for the package.
    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE)
    }
}
