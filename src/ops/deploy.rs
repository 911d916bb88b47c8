//! `wash deploy`: the manifests for a component pinned by digest — a registry reference
//! (pulled through the cache to read its imports and exports, and pinned to the digest it
//! resolves to), or with `--push`, the component just pushed (built first unless a file is
//! given) — with the crate's `[package.metadata.wasmcloud.deploy]` under the flags.

use std::path::PathBuf;

use super::push::{PushRequest, component_and_package, push_component};
use super::{OpError, failed};
use crate::build::Reporter;
use crate::config::WasmcloudConfig;
use crate::deploy::{self, Input, Manifests, Settings, Target};
use crate::hint::Advice;
use crate::oci::{ComponentRef, ProgressHandle, Pulled, Pushed};

/// What to deploy, where, how.
#[derive(Debug, Clone, Default)]
pub struct DeployRequest {
    /// A component file or `REGISTRY/REPOSITORY[:TAG|@DIGEST]`; default: the current crate.
    pub component: Option<String>,
    /// The platform.
    pub target: Target,
    /// `--push [REFERENCE]`: push first (to this reference, or the crate's registry config).
    pub push: Option<Option<String>>,
    /// The crate: what to build for `--push`, and whose `deploy` table is read.
    pub build: crate::build::BuildOptions,
    /// Plain HTTP to the registry.
    pub insecure: bool,
    /// The flags' settings, over the crate's.
    pub settings: Settings,
    /// `-o FILE`: write the manifests' text there (atomically) instead of returning it only.
    pub output: Option<PathBuf>,
    /// With `output`: write the manifests as JSON (one `deployment` message) instead of text.
    pub output_json: bool,
}

/// The manifests, and what was pushed or pulled to pin the component.
#[derive(Debug)]
pub struct Deployment {
    /// The manifests.
    pub manifests: Manifests,
    /// What `--push` pushed.
    pub pushed: Option<Pushed>,
    /// What was pulled to read a reference's component.
    pub pulled: Option<Pulled>,
}

/// Pins the component by digest (pushing or pulling it), reads its imports and exports, and
/// derives the target's manifests.
pub fn deploy(
    request: &DeployRequest,
    reporter: &dyn Reporter,
    progress: ProgressHandle,
) -> Result<Deployment, OpError> {
    let (component, pushed, pulled) = match (&request.push, &request.component) {
        (Some(reference), word) => push_first(request, reference, word, reporter, progress)?,
        (None, Some(word)) if ComponentRef::looks_like_reference(word) && !is_file(word) => {
            pull(request, word, progress)?
        }
        (None, word) => return Err(push_first_advice(word.as_deref()).into()),
    };
    let bytes = crate::artifact::read(&component.path)?;
    let inspection = crate::inspect::inspect_bytes(&component.path, &bytes, &Default::default())
        .map_err(failed(format!(
            "failed to read `{}`'s imports and exports",
            component.path.display()
        )))?;
    let settings = request.settings.over(&component.settings);
    let input = Input {
        image: &component.image,
        default_name: &component.default_name,
        imports: &inspection.world.imports,
        exports: &inspection.world.exports,
        settings: &settings,
    };
    let manifests = deploy::derive(request.target, &input);
    if let Some(path) = &request.output {
        let text = if request.output_json {
            crate::message::to_line(&manifests) + "\n"
        } else {
            manifests.text()
        };
        crate::artifact::write_atomic(path, text.as_bytes())
            .map_err(failed(format!("failed to write `{}`", path.display())))?;
    }
    Ok(Deployment {
        manifests,
        pushed,
        pulled,
    })
}

/// A component pinned by digest, and what the crate says about deploying it.
struct Pinned {
    path: PathBuf,
    image: String,
    default_name: String,
    settings: Settings,
}

fn is_file(word: &str) -> bool {
    std::path::Path::new(word).is_file()
}

fn push_first_advice(word: Option<&str>) -> Advice {
    let what = match word {
        Some(w) => format!("`{w}` is a local component"),
        None => "the current crate's component is not pushed".into(),
    };
    Advice::new(
        format!("{what}: a deployment needs a registry reference pinned by digest"),
        "push it first (`wash push REGISTRY/REPOSITORY:TAG`, then `wash deploy \
         REGISTRY/REPOSITORY:TAG`), or let `wash deploy --push REGISTRY/REPOSITORY:TAG` do both",
    )
}

/// `REGISTRY/REPOSITORY@DIGEST` for the reference `text` and the manifest digest it resolved to.
fn pinned(text: &str, digest: &str) -> Result<(String, String), OpError> {
    let r = ComponentRef::parse(text)?;
    Ok((
        format!("{}/{}@{digest}", r.registry(), r.repository()),
        r.short_name().to_string(),
    ))
}

fn push_first(
    request: &DeployRequest,
    reference: &Option<String>,
    word: &Option<String>,
    reporter: &dyn Reporter,
    progress: ProgressHandle,
) -> Result<(Pinned, Option<Pushed>, Option<Pulled>), OpError> {
    let push = PushRequest {
        reference: reference.clone().filter(|r| !r.is_empty()),
        path: word.as_ref().map(PathBuf::from),
        build: request.build.clone(),
        annotations: Vec::new(),
        insecure: request.insecure,
        chunked_above: crate::oci::push::DEFAULT_CHUNKED_ABOVE,
    };
    let (path, package) = component_and_package(&push, reporter)?;
    let pushed = push_component(&push, &path, package.as_ref(), progress)?;
    let (image, repository) = pinned(&pushed.reference, &pushed.digest)?;
    let (default_name, settings) = match &package {
        Some(p) => (p.name.to_string(), WasmcloudConfig::of(p)?.deploy),
        None => (repository, Settings::default()),
    };
    let component = Pinned {
        path,
        image,
        default_name,
        settings,
    };
    Ok((component, Some(pushed), None))
}

fn pull(
    request: &DeployRequest,
    word: &str,
    progress: ProgressHandle,
) -> Result<(Pinned, Option<Pushed>, Option<Pulled>), OpError> {
    let found = super::locate_file_or_reference(word, request.insecure, None, progress)?;
    let pulled = found
        .pulled
        .expect("a reference that is not a file is pulled");
    let (image, repository) = pinned(word, &pulled.digest)?;
    // The crate's settings apply when one is selected (`--manifest-path`, `-p`).
    let selection = &request.build.selection;
    let settings = if selection.manifest_path.is_some() || !selection.packages.is_empty() {
        let project = crate::project::Project::load(selection)?;
        match project.packages().next() {
            Some(p) => WasmcloudConfig::of(p)?.deploy,
            None => Settings::default(),
        }
    } else {
        Settings::default()
    };
    let component = Pinned {
        path: found.path,
        image,
        default_name: repository,
        settings,
    };
    Ok((component, None, Some(pulled)))
}
