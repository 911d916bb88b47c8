//! Building a workspace: one cargo run per package, then the components plugged into each
//! other's imports.

use super::{
    BuildError, BuildOptions, BuildStep, BuiltComponent, Reporter, WasmArtifact,
    ensure_target_installed, place_package, record_digest, require_components, run_cargo,
};
use crate::artifact;
use crate::project::{PackageSelection, Project};

/// One cargo run per package, each placed before the next run: a crate other components
/// import is built, as their dependency, with its `import` feature (so it exports nothing into
/// them), and cargo puts that build's `.wasm` at the same path as the crate's own. One cargo
/// run for all would unify features and strip the crate's own component of its exports.
pub(super) fn build_per_package(
    opts: &BuildOptions,
    project: &Project,
    reporter: &dyn Reporter,
) -> Result<Vec<BuiltComponent>, BuildError> {
    let out_dir = project.output_dir();
    let mut built = Vec::new();
    for package in importers_first(project) {
        let one = BuildOptions {
            selection: PackageSelection {
                manifest_path: opts.selection.manifest_path.clone(),
                packages: vec![package.name.to_string()],
                workspace: false,
            },
            release: opts.release,
        };
        let artifacts = match run_cargo(&one) {
            Err(BuildError::CargoFailed) => {
                ensure_target_installed(project)?;
                return Err(BuildError::CargoFailed);
            }
            other => other?,
        };
        let mine: Vec<&WasmArtifact> = artifacts
            .iter()
            .filter(|a| a.package_id == package.id)
            .collect();
        built.extend(place_package(package, &mine, &out_dir, reporter)?);
    }
    require_components(project, built)
}

/// The selected packages, each before the packages it depends on by path. Cargo writes a
/// `cdylib` to the same file however it was built, so the build of a crate as another's
/// (`import`-feature) dependency must come before its own component build, which then wins.
fn importers_first(project: &Project) -> Vec<&cargo_metadata::Package> {
    let mut order: Vec<&cargo_metadata::Package> = project.packages().collect();
    let depends_on = |a: &cargo_metadata::Package, b: &cargo_metadata::Package| {
        a.dependencies
            .iter()
            .any(|d| d.path.is_some() && d.name == b.name.as_str())
    };
    // A stable insertion sort: few packages, and a partial order.
    let mut sorted: Vec<&cargo_metadata::Package> = Vec::new();
    while !order.is_empty() {
        let next = order
            .iter()
            .position(|p| !order.iter().any(|q| q.id != p.id && depends_on(q, p)))
            .unwrap_or(0);
        sorted.push(order.remove(next));
    }
    sorted
}

/// Plugs the components this build produced into each other's imports: a component that
/// imports an interface another one exports becomes one composed component. Imports outside
/// `wasi:` that nothing satisfies are an error (unless listed in `host-imports`).
pub(super) fn compose_built(
    project: &Project,
    mut built: Vec<BuiltComponent>,
    reporter: &dyn Reporter,
) -> Result<Vec<BuiltComponent>, BuildError> {
    let parts: Vec<(String, Vec<u8>)> = built
        .iter()
        .map(|c| Ok((c.name.clone(), artifact::read(&c.path)?)))
        .collect::<Result<_, BuildError>>()?;
    for (i, c) in built.iter_mut().enumerate() {
        let package = project
            .packages()
            .find(|p| p.name.as_str() == c.package)
            .expect("built components come from selected packages");
        let config = crate::project::WasmcloudConfig::of(package)?;
        if crate::artifact::component_imports(&parts[i].1)
            .iter()
            .all(|n| config.is_host_import(n))
        {
            continue;
        }
        reporter.step(BuildStep::Composing(&c.name));
        let mut plugs: Vec<crate::compose::Plug> = parts
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, (name, bytes))| crate::compose::Plug {
                name: name.clone(),
                bytes: bytes.clone(),
            })
            .collect();
        // Plugs named in `[package.metadata.wasmcloud.compose]`: a member of this build by
        // name, or a component file relative to the manifest.
        let manifest_dir = package
            .manifest_path
            .parent()
            .map(|d| d.as_std_path().to_path_buf())
            .unwrap_or_default();
        for plug in &config.compose_plugs {
            if parts.iter().any(|(name, _)| name == plug) {
                continue;
            }
            let path = manifest_dir.join(plug);
            if !path.is_file() && crate::oci::ComponentRef::looks_like_reference(plug) {
                plugs.push(crate::compose::pull_plug(plug).map_err(|source| {
                    BuildError::Compose {
                        package: c.package.clone(),
                        source,
                    }
                })?);
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|source| BuildError::ComposePlug {
                manifest: package.manifest_path.clone().into(),
                plug: plug.clone(),
                source,
            })?;
            plugs.push(crate::compose::Plug {
                name: plug.clone(),
                bytes,
            });
        }
        let composition = crate::compose::compose_with(parts[i].1.clone(), plugs, false, true)
            .map_err(|source| BuildError::Compose {
                package: c.package.clone(),
                source,
            })?;
        let mut open: Vec<String> = composition
            .open_imports
            .iter()
            .map(|o| o.import.clone())
            .filter(|n| !config.is_host_import(n))
            .collect();
        open.sort();
        open.dedup();
        if !open.is_empty() {
            return Err(BuildError::UnsatisfiedImports {
                package: c.package.clone(),
                manifest: package.manifest_path.clone().into(),
                imports: open,
            });
        }
        let bytes = composition.bytes.expect("not a dry run");
        artifact::write_atomic(&c.path, &bytes)?;
        c.size = bytes.len() as u64;
        c.digest = artifact::sha256_digest(&bytes);
        record_digest(&c.path, &c.digest);
        c.composed_from = composition
            .links
            .iter()
            .map(|l| l.provider.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
    }
    Ok(built)
}
