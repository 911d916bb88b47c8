//! The steps after placing, each on one component and each rewriting it in place: compose
//! (plugging other components in), virtualize (answering what is left of WASI inside), sign
//! (last: any later change to the bytes would invalidate the signature).

use std::collections::BTreeSet;
use std::path::Path;

use crate::compose::{ComposeOptions, Plug};
use cargo_metadata::Package;

use super::place::{self, Staged};
use super::{BuildError, BuildStep, BuiltComponent, Reporter};
use crate::artifact;
use crate::config::WasmcloudConfig;
use crate::project::Project;
use crate::sign::{self, KeyStore};
use crate::source::{self, Members};

/// Plugs into `c` the other components of this build (`parts`: each one's name and bytes as
/// placed) and the plugs its `compose.plugs` names. A component whose imports are all the
/// host's is left alone. Imports nothing satisfies are left open with a warning (reported to
/// `reporter`, recorded in [`BuiltComponent::open_imports`]): whatever cargo builds, wash builds.
/// They are an error when wash itself derived them from a workspace member it could not plug,
/// or when `compose.strict` asks.
#[allow(clippy::too_many_arguments)] // the build's context, passed down as it is
pub(super) fn compose(
    c: &mut BuiltComponent,
    staged: &mut Staged,
    wanted: Vec<String>,
    parts: &[(String, Vec<u8>)],
    placed: &[&[u8]],
    package: &Package,
    project: &Project,
    config: &WasmcloudConfig,
    reporter: &dyn Reporter,
) -> Result<(), BuildError> {
    if wanted.is_empty() {
        return Ok(());
    }
    reporter.step(BuildStep::Composing(&c.name));
    let plugs = plugs_for(c, package, project, config, parts)?;
    let composition = if plugs.is_empty() {
        None
    } else {
        let options = ComposeOptions {
            dry_run: false,
            allow_unused_plugs: true,
            validated_modules: placed,
            ..ComposeOptions::default()
        };
        let bytes = artifact::copy_of(staged.bytes()?);
        let composed = crate::compose::compose(bytes, plugs, &options).map_err(|source| {
            BuildError::Compose {
                package: c.package.clone(),
                source,
            }
        })?;
        Some(composed)
    };
    let open: Vec<String> = match &composition {
        None => wanted,
        Some(composed) => composed
            .open_import_names()
            .into_iter()
            .filter(|n| !config.is_host_import(n))
            .map(str::to_string)
            .collect(),
    };
    if !open.is_empty() {
        let manifest = package.manifest_path.clone().into_std_path_buf();
        let derived = derived_from_members(&open, package, project);
        if config.compose_strict || !derived.is_empty() {
            return Err(BuildError::UnsatisfiedImports {
                package: c.package.clone(),
                manifest,
                imports: if derived.is_empty() { open } else { derived },
            });
        }
        reporter.open_imports(&c.name, &manifest, &open);
        c.open_imports = open;
    }
    let Some(composed) = composition else {
        return Ok(());
    };
    c.composed_from = composed
        .providers()
        .into_iter()
        .map(str::to_string)
        .collect();
    if c.composed_from.is_empty() {
        // Nothing was plugged in: the component stays as cargo built it.
        return Ok(());
    }
    place::rewrite(c, staged, composed.bytes.expect("not a dry run"));
    Ok(())
}

/// What is offered to `c`: the build's other components, and the plugs `compose.plugs` names
/// (which take the place of the build's components that export what they export).
fn plugs_for(
    c: &BuiltComponent,
    package: &Package,
    project: &Project,
    config: &WasmcloudConfig,
    parts: &[(String, Vec<u8>)],
) -> Result<Vec<Plug>, BuildError> {
    let configured = configured_plugs(package, project, config, parts)?;
    let chosen: BTreeSet<String> = configured
        .iter()
        .flat_map(|p| artifact::component_exports(&p.bytes))
        .collect();
    let mut plugs: Vec<Plug> = parts
        .iter()
        .filter(|(name, bytes)| {
            *name != c.name
                && !artifact::component_exports(bytes)
                    .iter()
                    .any(|e| chosen.contains(e))
        })
        .map(|(name, bytes)| Plug {
            name: name.clone(),
            bytes: artifact::copy_of(bytes),
        })
        .collect();
    plugs.extend(configured);
    Ok(plugs)
}

/// The imports among `open` that wash derived from one of `package`'s workspace-member
/// dependencies (`wash::imports!()` of a crate with `#[wash::interface]` traits): their WIT
/// package is that member's derived one. Those should have been plugged, so they stay errors.
fn derived_from_members(open: &[String], package: &Package, project: &Project) -> Vec<String> {
    let members: Vec<String> = package
        .dependencies
        .iter()
        .filter_map(|d| project.member(&d.name))
        .filter_map(|m| {
            let config = WasmcloudConfig::of(m).ok()?;
            let name = crate::wit::package_name(m, &config);
            Some(format!("{}:{}", name.namespace, name.name))
        })
        .collect();
    open.iter()
        .filter(|import| {
            let wit_package = import.split('/').next().unwrap_or_default();
            let wit_package = wit_package.split('@').next().unwrap_or_default();
            members.iter().any(|m| m == wit_package)
        })
        .cloned()
        .collect()
}

/// The plugs `[package.metadata.wasmcloud.compose] plugs` names that are not components of
/// this build (those are offered anyway), resolved by wash's one rule set for component
/// sources, relative to the manifest.
fn configured_plugs(
    package: &Package,
    project: &Project,
    config: &WasmcloudConfig,
    parts: &[(String, Vec<u8>)],
) -> Result<Vec<Plug>, BuildError> {
    let manifest_dir = package
        .manifest_path
        .parent()
        .map(|d| d.as_std_path().to_path_buf())
        .unwrap_or_default();
    let ctx = source::Context {
        base: &manifest_dir,
        members: Members::Of(project),
        pull: Default::default(),
    };
    let mut plugs = Vec::new();
    for spec in &config.compose_plugs {
        if parts.iter().any(|(name, _)| name == spec) {
            continue;
        }
        let plug = source::locate(spec, &ctx)
            .and_then(|found| found.read())
            .map_err(|source| BuildError::ComposePlug {
                manifest: package.manifest_path.clone().into(),
                plug: spec.clone(),
                source,
            })?;
        plugs.push(Plug {
            name: spec.clone(),
            bytes: plug,
        });
    }
    Ok(plugs)
}

/// Applies `[package.metadata.wasmcloud.virt]`. The core modules in `placed` were validated
/// when placed, and so were the component's own when `as_placed` (it was not composed).
pub(super) fn virtualize(
    c: &mut BuiltComponent,
    staged: &mut Staged,
    package: &Package,
    options: &crate::virt::VirtOptions,
    placed: &[&[u8]],
    as_placed: bool,
    reporter: &dyn Reporter,
) -> Result<(), BuildError> {
    reporter.step(BuildStep::Virtualizing(&c.name));
    let input = staged.bytes()?;
    let mut validated = placed.to_vec();
    if as_placed {
        validated.extend(crate::compose::core_modules(input));
    }
    let done = crate::virt::virtualize_trusting(input, options, &validated).map_err(|source| {
        BuildError::Virt {
            package: c.package.clone(),
            manifest: package.manifest_path.clone().into(),
            source,
        }
    })?;
    place::rewrite(c, staged, done.bytes);
    Ok(())
}

/// Signs with the keys `[package.metadata.wasmcloud.sign]` names.
pub(super) fn sign(
    c: &mut BuiltComponent,
    staged: &mut Staged,
    manifest: &Path,
    keys: &[String],
    store: &KeyStore,
    reporter: &dyn Reporter,
) -> Result<(), BuildError> {
    reporter.step(BuildStep::Signing(&c.name));
    let keys = keys
        .iter()
        .map(|k| store.signing(k))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| BuildError::SignKey {
            manifest: manifest.to_path_buf(),
            source,
        })?;
    // Every step before this one validated what it leaves: placing validates cargo's output,
    // composing and virtualizing their own.
    let signed =
        sign::sign_validated_bytes(staged.bytes()?, &keys).map_err(|source| BuildError::Sign {
            path: c.path.clone(),
            source,
        })?;
    if signed.changed() {
        place::rewrite(c, staged, signed.bytes);
    }
    c.signed_by = keys.iter().map(|k| k.public.info.key_id.clone()).collect();
    Ok(())
}
