//! The steps after placing, each on one component and each rewriting it in place: compose
//! (plugging other components in), virtualize (answering what is left of WASI inside), sign
//! (last: any later change to the bytes would invalidate the signature).

use std::collections::BTreeSet;
use std::path::Path;

use crate::compose::{ComposeOptions, Plug};
use cargo_metadata::Package;

use super::{BuildError, BuildStep, BuiltComponent, Reporter, place};
use crate::artifact;
use crate::config::WasmcloudConfig;
use crate::project::Project;
use crate::sign::{self, KeyStore};
use crate::source::{self, Members};

/// Plugs into `c` the other components of this build (`parts`: each one's name and bytes as
/// placed) and the plugs its `compose.plugs` names. A component whose imports are all the
/// host's is left alone; imports outside `wasi:` that nothing satisfies are an error (unless
/// listed in `host-imports`).
pub(super) fn compose(
    c: &mut BuiltComponent,
    bytes: &[u8],
    parts: &[(String, Vec<u8>)],
    package: &Package,
    project: &Project,
    config: &WasmcloudConfig,
    reporter: &dyn Reporter,
) -> Result<(), BuildError> {
    let imports = artifact::component_imports(bytes);
    if imports.iter().all(|n| config.is_host_import(n)) {
        return Ok(());
    }
    reporter.step(BuildStep::Composing(&c.name));
    // A plug `compose.plugs` names takes the place of the build's components that export what
    // it exports: the configuration says which one to use.
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
            bytes: bytes.clone(),
        })
        .collect();
    plugs.extend(configured);
    let fail = |source| BuildError::Compose {
        package: c.package.clone(),
        source,
    };
    let options = ComposeOptions {
        dry_run: false,
        allow_unused_plugs: true,
    };
    let composition = crate::compose::compose(bytes.to_vec(), plugs, &options).map_err(fail)?;
    let open: Vec<String> = composition
        .open_import_names()
        .into_iter()
        .filter(|n| !config.is_host_import(n))
        .map(str::to_string)
        .collect();
    if !open.is_empty() {
        return Err(BuildError::UnsatisfiedImports {
            package: c.package.clone(),
            manifest: package.manifest_path.clone().into(),
            imports: open,
        });
    }
    c.composed_from = composition
        .providers()
        .into_iter()
        .map(str::to_string)
        .collect();
    place::rewrite(c, &composition.bytes.expect("not a dry run"))
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

/// Applies `[package.metadata.wasmcloud.virt]`.
pub(super) fn virtualize(
    c: &mut BuiltComponent,
    package: &Package,
    options: &crate::virt::VirtOptions,
    reporter: &dyn Reporter,
) -> Result<(), BuildError> {
    reporter.step(BuildStep::Virtualizing(&c.name));
    let bytes = artifact::read(&c.path)?;
    let done = crate::virt::virtualize(&bytes, options).map_err(|source| BuildError::Virt {
        package: c.package.clone(),
        manifest: package.manifest_path.clone().into(),
        source,
    })?;
    place::rewrite(c, &done.bytes)
}

/// Signs with the keys `[package.metadata.wasmcloud.sign]` names.
pub(super) fn sign(
    c: &mut BuiltComponent,
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
    let bytes = artifact::read(&c.path)?;
    let signed = sign::sign_bytes(&bytes, &keys).map_err(|source| BuildError::Sign {
        path: c.path.clone(),
        source,
    })?;
    if signed.changed() {
        place::rewrite(c, &signed.bytes)?;
    }
    c.signed_by = keys.iter().map(|k| k.public.info.key_id.clone()).collect();
    Ok(())
}
