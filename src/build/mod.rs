//! `wash build`: cargo for `wasm32-wasip2`, then each finished component placed where wash and
//! other tools find it, `<target-dir>/wasmcloud/<name>.wasm`, composed with the components its
//! Cargo dependencies provide, virtualized and signed as its `Cargo.toml` asks.
//!
//! [`build`] is the whole pipeline, top to bottom; [`cargo`] compiles, [`place`] validates and
//! places, [`steps`] holds the steps that rewrite a placed component.

mod cargo;
mod error;
mod place;
mod reuse;
mod steps;

use std::collections::HashMap;
use std::path::PathBuf;

pub use error::BuildError;

use crate::config::WasmcloudConfig;
use crate::project::{PackageSelection, Project};

/// The target wash builds for: WASI 0.2 components.
pub const TARGET: &str = "wasm32-wasip2";

/// What to build, in cargo's terms.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Which packages. Selecting a package also builds the workspace members it depends on by
    /// path, whose components are plugged into it.
    pub selection: PackageSelection,
    /// `--release`.
    pub release: bool,
    /// Ask cargo to print nothing but errors (`wash -q`).
    pub quiet: bool,
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
    /// Imports left open that neither the host (`wasi:*`, `host-imports`) nor a component of
    /// this build provides: interfaces to plug later or for the platform to provide. Reported
    /// as a warning (an error with `compose.strict`).
    pub open_imports: Vec<String>,
    /// The key ids it is signed with, when `[package.metadata.wasmcloud.sign]` asks for it.
    pub signed_by: Vec<String>,
}

/// What a build produced.
#[derive(Debug, Clone)]
pub struct Build {
    /// Every component, in build order (a component's parts after it).
    pub components: Vec<BuiltComponent>,
    /// Where the components were placed: `<target-dir>/wasmcloud/`.
    pub output_dir: PathBuf,
    /// The workspace root.
    pub workspace_root: PathBuf,
    /// Each built package's `[package.metadata.wasmcloud]`, by package name.
    pub configs: HashMap<String, WasmcloudConfig>,
}

impl Build {
    /// The app: the one component no other component of this build was composed with. This is
    /// what `wash run`, `wash push` (and `deploy`, `call`) act on after building: in a workspace
    /// whose `front` imports what `greeter` exports, `front` (with `greeter` inside).
    pub fn app(&self) -> Result<&BuiltComponent, BuildError> {
        let apps: Vec<&BuiltComponent> = self
            .components
            .iter()
            .filter(|c| {
                !self
                    .components
                    .iter()
                    .any(|o| o.composed_from.contains(&c.name))
            })
            .collect();
        match apps.as_slice() {
            [one] => Ok(one),
            _ => Err(BuildError::SeveralApps {
                names: apps.iter().map(|c| c.name.clone()).collect(),
            }),
        }
    }
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

    /// `component` leaves `imports` open: nothing in the build provides them, and they are
    /// not the host's (a warning, as data; see [`BuiltComponent::open_imports`]).
    fn open_imports(&self, component: &str, manifest: &std::path::Path, imports: &[String]) {
        let _ = (component, manifest, imports);
    }
}

/// A reporter that shows nothing.
impl Reporter for () {
    fn step(&self, _: BuildStep<'_>) {}
}

/// Builds the selected packages (and the members they depend on) into finished components:
/// compile and place, write each package's derived WIT, then, per component, compose →
/// virtualize → sign, each as its package's `[package.metadata.wasmcloud]` asks. The config is
/// read once per package, before any of these steps.
pub fn build(opts: &BuildOptions, reporter: &dyn Reporter) -> Result<Build, BuildError> {
    let (project, placed) = compile(opts, reporter)?;
    let (mut components, mut staged): (Vec<_>, Vec<_>) = placed.into_iter().unzip();
    let configs = configs(&project, &components)?;
    let store = crate::sign::KeyStore::open_default();
    let cx = Context {
        project: &project,
        configs: &configs,
        store: &store,
        reporter,
    };
    let out_dir = project.output_dir();
    cx.derive_wit(&mut components, &out_dir)?;
    let wanted = cx.wanted_imports(&components, &mut staged)?;
    let plans = cx.plan_reuse(&mut components, &wanted);
    let todo: Vec<bool> = plans.iter().map(|p| !p.reused).collect();
    cx.run_steps(&mut components, &mut staged, wanted, &todo)?;
    // Only now, every step done, is anything written.
    for ((c, s), plan) in components.iter_mut().zip(&mut staged).zip(&plans) {
        if plan.reused {
            continue; // its file is already what these steps make
        }
        reuse::forget(c);
        place::finish(c, s)?;
        if let Some(key) = &plan.key {
            reuse::remember(c, key);
        }
    }
    Ok(Build {
        components,
        output_dir: out_dir,
        workspace_root: project.metadata.workspace_root.clone().into_std_path_buf(),
        configs,
    })
}

/// What every step after compiling reads: the project, each package's config, the key store,
/// and where progress goes.
struct Context<'a> {
    project: &'a Project,
    configs: &'a HashMap<String, WasmcloudConfig>,
    store: &'a crate::sign::KeyStore,
    reporter: &'a dyn Reporter,
}

/// Whether a component's steps are reused, and the key they are recorded under.
struct ReusePlan {
    key: Option<String>,
    reused: bool,
}

impl Context<'_> {
    fn package_of(&self, c: &BuiltComponent) -> &cargo_metadata::Package {
        self.project
            .member(&c.package)
            .expect("built components come from workspace members")
    }

    fn config(&self, c: &BuiltComponent) -> &WasmcloudConfig {
        &self.configs[&c.package]
    }

    /// Writes each package's derived WIT (once per package) and notes its path in its
    /// components.
    fn derive_wit(
        &self,
        components: &mut [BuiltComponent],
        out_dir: &std::path::Path,
    ) -> Result<(), BuildError> {
        let mut wit: HashMap<String, Option<PathBuf>> = HashMap::new();
        for c in components {
            if !wit.contains_key(&c.package) {
                let path = place::derived_wit(self.package_of(c), self.config(c), out_dir)?;
                wit.insert(c.package.clone(), path);
            }
            c.wit = wit[&c.package].clone();
        }
        Ok(())
    }

    /// What each component imports that the host does not provide: only those are composed,
    /// and only when one is are the components' bytes read at all.
    fn wanted_imports(
        &self,
        components: &[BuiltComponent],
        staged: &mut [place::Staged],
    ) -> Result<Vec<Vec<String>>, BuildError> {
        let mut wanted = Vec::new();
        for (c, s) in components.iter().zip(staged) {
            let config = self.config(c);
            let imports = s.imports()?;
            wanted.push(
                imports
                    .into_iter()
                    .filter(|n| !config.is_host_import(n))
                    .collect(),
            );
        }
        Ok(wanted)
    }

    /// For each component with steps, their key, and whether what they made last time with
    /// that key is still in place (then `c` takes what they reported, see [`reuse`]).
    fn plan_reuse(
        &self,
        components: &mut [BuiltComponent],
        wanted: &[Vec<String>],
    ) -> Vec<ReusePlan> {
        let inputs: Vec<(String, String)> = components
            .iter()
            .map(|c| (c.name.clone(), c.digest.clone()))
            .collect();
        let inputs: Vec<(&str, &str)> = inputs.iter().map(|(n, d)| (&**n, &**d)).collect();
        let mut plans = Vec::new();
        for (c, w) in components.iter_mut().zip(wanted) {
            let config = self.config(c);
            let has_steps = !w.is_empty() || config.virt.is_some() || config.sign.is_some();
            let key = has_steps
                .then(|| reuse::key(c, &inputs, w, config, self.store))
                .flatten();
            let manifest = self.package_of(c).manifest_path.clone().into_std_path_buf();
            let reused = key
                .as_deref()
                .is_some_and(|k| reuse::reuse(c, k, &manifest, self.reporter));
            plans.push(ReusePlan { key, reused });
        }
        plans
    }

    /// Composes, virtualizes and signs each component marked in `todo`, as its config asks.
    fn run_steps(
        &self,
        components: &mut [BuiltComponent],
        staged: &mut [place::Staged],
        wanted: Vec<Vec<String>>,
        todo: &[bool],
    ) -> Result<(), BuildError> {
        // Each component is offered the others as they were placed, before any was rewritten.
        let mut parts = Vec::new();
        if (0..components.len()).any(|i| todo[i] && !wanted[i].is_empty()) {
            for (c, s) in components.iter().zip(staged.iter_mut()) {
                parts.push((c.name.clone(), crate::artifact::copy_of(s.bytes()?)));
            }
        }
        // Their core modules, which placing validated whole: composing and virtualizing nest
        // them unchanged, so the function bodies of these are not validated again.
        let placed: Vec<&[u8]> = parts
            .iter()
            .flat_map(|(_, bytes)| crate::compose::core_modules(bytes))
            .collect();
        if !parts.is_empty() {
            for (i, ((c, s), wanted)) in components
                .iter_mut()
                .zip(staged.iter_mut())
                .zip(wanted)
                .enumerate()
            {
                if todo[i] {
                    let (package, config) = (self.package_of(c), self.config(c));
                    steps::compose(
                        c,
                        s,
                        wanted,
                        &parts,
                        &placed,
                        package,
                        self.project,
                        config,
                        self.reporter,
                    )?;
                }
            }
        }
        for (i, (c, s)) in components.iter_mut().zip(staged.iter_mut()).enumerate() {
            if let Some(virt) = &self.config(c).virt
                && todo[i]
            {
                // Without composing, what is virtualized is the component as placed.
                let own = parts.is_empty();
                let package = self.package_of(c);
                steps::virtualize(c, s, package, virt, &placed, own, self.reporter)?;
            }
        }
        for (i, (c, s)) in components.iter_mut().zip(staged.iter_mut()).enumerate() {
            if let Some(sign) = &self.config(c).sign
                && todo[i]
            {
                let manifest = self.package_of(c).manifest_path.clone().into_std_path_buf();
                steps::sign(c, s, &manifest, &sign.keys, self.store, self.reporter)?;
            }
        }
        Ok(())
    }
}

/// Each built package's `[package.metadata.wasmcloud]`, read once.
fn configs(
    project: &Project,
    components: &[BuiltComponent],
) -> Result<HashMap<String, WasmcloudConfig>, BuildError> {
    let mut configs = HashMap::new();
    for c in components {
        if !configs.contains_key(&c.package) {
            let package = project
                .member(&c.package)
                .expect("built components come from workspace members");
            configs.insert(c.package.clone(), WasmcloudConfig::of(package)?);
        }
    }
    Ok(configs)
}

/// Compiles and places every component of the selection and of the members it depends on:
/// one cargo run per package, importers first (see [`cargo::importers_first`]).
///
/// A no-op `wash build` should cost about what a no-op `cargo build` does, so the two slow
/// questions are kept off that path: when the selection is one package, cargo starts at once
/// while `cargo metadata` runs beside it, and the target check (a `rustc` start) runs only
/// before the first good build and after a failure.
fn compile(
    opts: &BuildOptions,
    reporter: &dyn Reporter,
) -> Result<(Project, Vec<(BuiltComponent, place::Staged)>), BuildError> {
    std::thread::scope(|scope| {
        let loading = scope.spawn(|| Project::load(&opts.selection));
        let known_good = cargo::stamp_found(&opts.selection);
        let mut early = (known_good && cargo::selects_one_package(&opts.selection)).then(|| {
            reporter.step(BuildStep::Compiling);
            cargo::run(opts, &opts.selection)
        });
        let project = loading
            .join()
            .expect("the metadata thread does not panic")?;
        if !known_good {
            cargo::ensure_target_installed(&project)?;
        }
        let order = cargo::importers_first(project.packages_with_member_dependencies());
        let out_dir = project.output_dir();
        let mut components = Vec::new();
        let mut next: Option<cargo::Running> = None;
        for (i, package) in order.iter().enumerate() {
            // The early run compiled the one selected package, which comes first; a later
            // package's run was started while the one before it was placed.
            let artifacts = match (early.take(), next.take()) {
                (Some(result), _) => result,
                (None, Some(running)) => {
                    reporter.step(BuildStep::Compiling);
                    running.wait()
                }
                (None, None) => {
                    reporter.step(BuildStep::Compiling);
                    cargo::run(opts, &opts.selection.only(&package.name))
                }
            };
            let artifacts = cargo::explain_failure(artifacts, &project)?;
            // The next package's cargo starts now, and resolves, checks its fingerprints and
            // compiles while this one's components are validated and placed.
            if let Some(following) = order.get(i + 1) {
                next = Some(cargo::spawn(opts, &opts.selection.only(&following.name))?);
            }
            let mine: Vec<_> = artifacts
                .iter()
                .filter(|a| a.package_id == package.id)
                .collect();
            // Alone and not as part of the workspace, a package must make a component; as one
            // of several (an interface crate, say), it need not.
            if mine.is_empty() && order.len() == 1 && !opts.selection.workspace {
                return Err(no_component(package));
            }
            components.extend(place::package(package, &mine, &out_dir, reporter)?);
        }
        match order.first() {
            Some(first) if components.is_empty() => Err(no_component(first)),
            _ => {
                cargo::record_stamp(&out_dir);
                Ok((project, components))
            }
        }
    })
}

fn no_component(package: &cargo_metadata::Package) -> BuildError {
    BuildError::NoComponent {
        package: package.name.to_string(),
        manifest: package.manifest_path.clone().into(),
    }
}
