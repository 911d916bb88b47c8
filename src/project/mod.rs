//! The Rust project a command acts on: the workspace `cargo metadata` describes, the packages
//! the user selected (`--manifest-path`, `-p`, `--workspace`, as cargo selects them) and where
//! their outputs go.

use std::path::{Path, PathBuf};

use cargo_metadata::{Metadata, MetadataCommand, Package};

mod cache;

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
    /// Reads the workspace. `--no-deps` keeps this quick: no dependency resolution happens;
    /// and while no file cargo read for the last answer has changed, that answer is reused
    /// without starting cargo at all (see [`cache`]).
    pub fn load(selection: &PackageSelection) -> Result<Project, ProjectError> {
        let manifest_path = selection.manifest_path.as_deref();
        let metadata = match cache::load(manifest_path) {
            Some(metadata) => metadata,
            None => {
                let fail = |source| ProjectError::Metadata {
                    manifest_path: selection.manifest_path.clone(),
                    source,
                };
                let mut cmd = crate::toolchain::cargo();
                cmd.args(["metadata", "--format-version", "1", "--no-deps"]);
                if let Some(path) = manifest_path {
                    cmd.arg("--manifest-path").arg(path);
                }
                let output = cmd
                    .stderr(std::process::Stdio::piped())
                    .output()
                    .map_err(|e| fail(e.into()))?;
                if !output.status.success() {
                    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
                    return Err(fail(cargo_metadata::Error::CargoMetadata { stderr }));
                }
                let json = String::from_utf8(output.stdout).map_err(|e| fail(e.into()))?;
                let metadata = MetadataCommand::parse(&json).map_err(fail)?;
                cache::store(manifest_path, &json, &metadata);
                metadata
            }
        };
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
