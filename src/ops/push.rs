//! `wash push`: a component — the app of a fresh build of the current crate, or a file — to the
//! reference given or the one `[package.metadata.wasmcloud.registry]` names.

use std::path::PathBuf;

use super::{OpError, failed, runtime};
use crate::build::{BuildOptions, Reporter};
use crate::config::WasmcloudConfig;
use crate::hint::Advice;
use crate::oci::layout::PackageInfo;
use crate::oci::{self, ClientOptions, ComponentRef, ProgressHandle, PushOptions, Pushed};
use crate::plugin::hooks::{ComponentFile, PluginHooks, Site};
use crate::project::Project;

/// What to push, and where.
#[derive(Debug, Clone, Default)]
pub struct PushRequest {
    /// `REGISTRY/REPOSITORY[:TAG]`; default: the registry config's reference.
    pub reference: Option<String>,
    /// The component file; default: build, and push the build's app.
    pub path: Option<PathBuf>,
    /// The crate (what to build, and whose `Cargo.toml` names the registry and annotations).
    pub build: BuildOptions,
    /// `--annotation KEY=VALUE`.
    pub annotations: Vec<String>,
    /// Plain HTTP.
    pub insecure: bool,
    /// Components larger than this go up in chunks.
    pub chunked_above: u64,
    /// `--json` was asked (plugins' hooks are told).
    pub json: bool,
}

/// Builds (unless a file is given), then pushes.
pub fn push(
    request: &PushRequest,
    reporter: &dyn Reporter,
    progress: ProgressHandle,
) -> Result<Pushed, OpError> {
    // A malformed annotation should not cost a build.
    for a in &request.annotations {
        oci::push::parse_annotation(a)?;
    }
    let hooks = PluginHooks::installed(request.json)?;
    let target = component_and_package(request, &hooks, reporter)?;
    push_component(request, &target, &hooks, progress)
}

/// What to push: a component file and what is known of it.
pub(super) struct Target {
    /// The file.
    pub path: PathBuf,
    /// The package it came from, whose config names the registry and whose fields become
    /// annotations.
    pub package: Option<cargo_metadata::Package>,
    /// Its digest, when this run built it.
    pub digest: Option<String>,
}

/// Pushes the component `target` names, with the plugins' `before-push` and `after-push` hooks
/// around.
pub(super) fn push_component(
    request: &PushRequest,
    target: &Target,
    hooks: &PluginHooks,
    progress: ProgressHandle,
) -> Result<Pushed, OpError> {
    let (path, package) = (target.path.as_path(), target.package.as_ref());
    let annotations = request
        .annotations
        .iter()
        .map(|a| oci::push::parse_annotation(a))
        .collect::<Result<Vec<_>, _>>()?;
    let config = match package {
        Some(p) => WasmcloudConfig::of(p)?,
        None => WasmcloudConfig::default(),
    };
    let reference_text = match (&request.reference, &config.registry) {
        (Some(r), _) => r.clone(),
        (None, Some(registry)) => registry.reference.clone(),
        (None, None) => {
            return Err(Advice::new(
                "no registry reference to push to",
                "pass one (`wash push localhost:5000/hello:0.1.0`), or set `reference` in \
                 `[package.metadata.wasmcloud.registry]` of Cargo.toml",
            )
            .into());
        }
    };
    let reference = ComponentRef::parse(&reference_text)?;
    let insecure = request.insecure || config.registry.as_ref().is_some_and(|r| r.insecure);
    let read_at = crate::artifact::stamp(path);
    let options = PushOptions {
        client: ClientOptions {
            insecure,
            ..Default::default()
        },
        annotations,
        package: package.map(PackageInfo::of),
        progress,
        chunked_above: request.chunked_above,
        read_at,
        digest: target.digest.clone(),
    };
    let site = Site {
        project_dir: package.and_then(|p| p.manifest_path.parent().map(|d| d.into())),
        target_dir: None,
        plugin_config: config.plugins.clone(),
    };
    let file = ComponentFile {
        package: package.map(|p| p.name.to_string()),
        path: path.to_path_buf(),
    };
    hooks.before_push(&site, &reference_text, &file)?;
    let doing = format!("failed to push `{}` to `{reference_text}`", path.display());
    let pushed = runtime()?
        .block_on(oci::push(&reference, path, &options))
        .map_err(failed(doing))?;
    hooks.after_push(&site, &pushed.reference, &file, &pushed.digest)?;
    Ok(pushed)
}

/// The file to push and the package it came from: with a file, the package `--manifest-path`
/// selects (if given); without, the app of a fresh build and its package. The config is read
/// before building: a typo in it should not cost a build.
pub(super) fn component_and_package(
    request: &PushRequest,
    hooks: &PluginHooks,
    reporter: &dyn Reporter,
) -> Result<Target, OpError> {
    let file = |path: &PathBuf, package: Option<cargo_metadata::Package>| Target {
        path: path.clone(),
        package,
        digest: None,
    };
    let selection = &request.build.selection;
    if let Some(path) = &request.path {
        if selection.manifest_path.is_none() && selection.packages.is_empty() {
            return Ok(file(path, None));
        }
        let project = Project::load(selection)?;
        let mut packages = project.packages();
        return match (packages.next(), packages.next()) {
            (Some(one), None) => Ok(file(path, Some(one.clone()))),
            _ => Err(Advice::new(
                "a component file is pushed with the annotations of one package",
                "select it with `-p NAME`",
            )
            .into()),
        };
    }
    let project = Project::load(selection)?;
    for package in project.packages_with_member_dependencies() {
        WasmcloudConfig::of(package)?;
    }
    let built = super::build::build_with(&request.build, hooks, reporter)
        .map_err(failed("failed to build the component"))?;
    let app = built.app()?;
    Ok(Target {
        path: app.path.clone(),
        package: project.member(&app.package).cloned(),
        digest: Some(app.digest.clone()),
    })
}
