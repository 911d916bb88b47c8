//! `wash deploy`: the manifests for a component pinned by digest — a registry reference
//! (pulled through the cache to read its imports and exports, and pinned to the digest it
//! resolves to), or with `--push`, the component just pushed (built first unless a file is
//! given) — with the crate's `[package.metadata.wasmcloud.deploy]` under the flags.

use std::path::PathBuf;
use std::time::Duration;

use super::push::{PushRequest, component_and_package, push_component};
use super::{OpError, failed};
use crate::build::Reporter;
use crate::config::WasmcloudConfig;
use crate::deploy::{self, Input, Manifests, Settings, Target};
use crate::hint::Advice;
use crate::lattice::{self, Lattice, Planned, Rollout};
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
    /// `--lattice URL`: also start the workload on the wasmCloud v2 hosts reached there.
    pub lattice: Option<LatticeRequest>,
}

/// Where the hosts are, and how long to listen for them.
#[derive(Debug, Clone)]
pub struct LatticeRequest {
    /// `nats://HOST:PORT`.
    pub url: String,
    /// How long to listen for heartbeats.
    pub wait: Duration,
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
    /// What `--lattice` started and replaced.
    pub rollout: Option<Rollout>,
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
    let rollout = match &request.lattice {
        Some(l) => Some(roll_out(l, &manifests)?),
        None => None,
    };
    Ok(Deployment {
        manifests,
        pushed,
        pulled,
        rollout,
    })
}

/// Starts the `WorkloadDeployment` among `manifests` on the lattice's hosts.
fn roll_out(request: &LatticeRequest, manifests: &Manifests) -> Result<Rollout, OpError> {
    let planned = manifests
        .values()
        .into_iter()
        .find_map(Planned::of)
        .ok_or_else(|| {
            Advice::new(
                format!(
                    "`--lattice` starts wasmCloud workloads, not {} manifests",
                    manifests.target.name()
                ),
                "leave out `--target` (or give `--target wasmcloud`) with `--lattice`",
            )
        })?;
    let lattice = Lattice {
        url: request.url.clone(),
        host_group: planned.host_group.clone(),
        wait: request.wait,
    };
    Ok(lattice::deploy(&lattice, &planned)?)
}

/// `wash deploy --lattice URL --stop`: stops every replica of the deployment (named by the
/// flags, the crate's `deploy.name`, the crate, or the reference's repository) on the lattice's
/// hosts. Nothing is built, pushed or pulled.
pub fn stop(request: &DeployRequest, lattice: &LatticeRequest) -> Result<Rollout, OpError> {
    let (default_name, base) = match &request.component {
        Some(word) if ComponentRef::looks_like_reference(word) && !is_file(word) => (
            ComponentRef::parse(word)?.short_name().to_string(),
            Settings::default(),
        ),
        Some(word) => {
            return Err(Advice::new(
                format!("`{word}` is not a registry reference"),
                "name the deployment to stop with `--name`, or run in its crate",
            )
            .into());
        }
        // The crate, when there is one, names the deployment and may set its namespace and
        // host group; with `--name`, none is needed.
        None => match crate::project::Project::load(&request.build.selection) {
            Ok(project) => match project.packages().next() {
                Some(package) => (
                    package.name.to_string(),
                    WasmcloudConfig::of(package)?.deploy,
                ),
                None => (String::new(), Settings::default()),
            },
            Err(_) if request.settings.name.is_some() => (String::new(), Settings::default()),
            Err(e) => return Err(e.into()),
        },
    };
    let settings = request.settings.over(&base);
    let name = deploy::dns_label(settings.name.as_deref().unwrap_or(&default_name));
    let namespace = settings.namespace.as_deref().unwrap_or("default");
    let target = Lattice {
        url: lattice.url.clone(),
        host_group: settings.host_group.clone(),
        wait: lattice.wait,
    };
    Ok(lattice::stop(&target, namespace, &name)?)
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
        json: request.output_json,
    };
    let hooks = crate::plugin::hooks::PluginHooks::installed(push.json)?;
    let target = component_and_package(&push, &hooks, reporter)?;
    let pushed = push_component(&push, &target, &hooks, progress)?;
    let (path, package) = (target.path, target.package);
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
