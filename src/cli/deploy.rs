//! `wash deploy`: the manifests that run a component on a platform, derived from the component
//! and its crate's `Cargo.toml` (docs/deploy.md).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::progress::{BuildProgress, TransferBar, report_pulled};
use super::shell::Shell;
use super::{PackageArgs, parse_key_value};
use crate::deploy::{Settings, Target};
use crate::lattice::Rollout;
use crate::ops::deploy::{DeployRequest, LatticeRequest, deploy, stop};

/// Write the manifests that run a component on wasmCloud, Kubernetes, SpinKube or Nomad
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The component must be in a registry, pinned by digest: give a \
REGISTRY/REPOSITORY[:TAG] (it is resolved to its digest), or `--push [REFERENCE]` to push the \
current crate's component (or COMPONENT, a file) first. What the platform must provide is read \
off the component's imports and exports; names, replicas, host names and config come from \
`[package.metadata.wasmcloud.deploy]` in Cargo.toml and the flags (docs/deploy.md)."
)]
pub struct DeployArgs {
    /// The component: REGISTRY/REPOSITORY[:TAG|@DIGEST], or with `--push` a file (.wasm);
    /// default: the current crate
    component: Option<String>,
    /// The platform to write manifests for
    #[arg(long, short = 't', value_enum, default_value = "wasmcloud")]
    target: Target,
    /// Write the manifests to FILE instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print (or write) the manifests as one JSON object
    #[arg(long)]
    json: bool,
    /// Push the component first, to REFERENCE or Cargo.toml's `registry.reference`
    #[arg(long, value_name = "REFERENCE", num_args = 0..=1, default_missing_value = "")]
    push: Option<String>,
    /// Use plain HTTP for the registry
    #[arg(long)]
    insecure: bool,
    /// Also start the workload on the wasmCloud v2 hosts reached through this NATS server
    #[arg(long, value_name = "URL", conflicts_with = "target")]
    lattice: Option<String>,
    /// With `--lattice`: stop the deployment's workloads instead (nothing is built or pushed)
    #[arg(long, requires = "lattice", conflicts_with_all = ["push", "output"])]
    stop: bool,
    /// With `--lattice`: how long to listen for host heartbeats (hosts beat every 15 s)
    #[arg(
        long,
        value_name = "SECONDS",
        requires = "lattice",
        default_value_t = 16
    )]
    lattice_wait: u64,
    /// The deployment's name [default: the crate's name, or the repository's]
    #[arg(long)]
    name: Option<String>,
    /// The Kubernetes (or Nomad) namespace to write into the manifests
    #[arg(long)]
    namespace: Option<String>,
    /// How many instances to run [default: 1]
    #[arg(long, value_name = "N")]
    replicas: Option<u32>,
    /// wasmCloud: run on the hosts of this host group [default: any host]
    #[arg(long, value_name = "GROUP")]
    host_group: Option<String>,
    /// The host name HTTP requests are routed by [default: NAME.localhost]
    #[arg(long, value_name = "HOST")]
    hostname: Option<String>,
    /// A wasi:config value, over Cargo.toml's `deploy.config` (repeatable)
    #[arg(long = "config", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    config: Vec<(String, String)>,
    /// A subject delivered to a message handler; replaces `deploy.subscriptions` (repeatable)
    #[arg(long = "subscribe", value_name = "SUBJECT")]
    subscriptions: Vec<String>,
    #[command(flatten)]
    package: PackageArgs,
}

pub fn exec(shell: &Shell, args: DeployArgs) -> anyhow::Result<ExitCode> {
    let request = DeployRequest {
        component: args.component,
        target: args.target,
        push: args.push.map(|r| (!r.is_empty()).then_some(r)),
        build: args.package.build_options(shell),
        insecure: args.insecure,
        settings: Settings {
            name: args.name,
            namespace: args.namespace,
            replicas: args.replicas,
            host_group: args.host_group,
            hostname: args.hostname,
            config: args.config,
            subscriptions: args.subscriptions,
        },
        output: args.output.clone(),
        output_json: args.json,
        lattice: args.lattice.map(|url| LatticeRequest {
            url,
            wait: Duration::from_secs(args.lattice_wait),
        }),
    };
    if args.stop {
        let lattice = request.lattice.as_ref().expect("clap requires --lattice");
        let rollout = stop(&request, lattice)?;
        render_rollout(shell, &rollout, args.json);
        return Ok(ExitCode::SUCCESS);
    }
    let done = deploy(
        &request,
        &BuildProgress::new(shell),
        TransferBar::handle(shell),
    )?;
    if let Some(pushed) = &done.pushed {
        shell.status(
            "Pushed",
            format!("{} ({})", pushed.reference, pushed.digest),
        );
    }
    if let Some(pulled) = &done.pulled {
        report_pulled(shell, pulled);
    }
    for warning in &done.manifests.warnings {
        shell.warn(warning);
    }
    match &args.output {
        Some(path) => shell.status(
            "Wrote",
            format!(
                "{} ({} manifest(s) for {})",
                path.display(),
                done.manifests.documents.len(),
                done.manifests.target.name()
            ),
        ),
        None if done.rollout.is_some() => {}
        None if args.json => shell.json(&done.manifests),
        None => shell.out(done.manifests.text().trim_end()),
    }
    if let Some(rollout) = &done.rollout {
        render_rollout(shell, rollout, args.json);
    }
    Ok(ExitCode::SUCCESS)
}

/// What `--lattice` did: one status line per workload stopped and started, with the URL a
/// started HTTP workload answers on.
fn render_rollout(shell: &Shell, rollout: &Rollout, json: bool) {
    if json {
        shell.json(rollout);
        return;
    }
    let host_name = |id: &str| {
        rollout
            .hosts
            .iter()
            .find(|h| h.id == id)
            .map_or_else(|| id.to_string(), |h| format!("{} ({})", h.name, h.id))
    };
    for p in &rollout.stopped {
        shell.status(
            "Stopped",
            format!("{} on {}", p.workload_id, host_name(&p.host)),
        );
    }
    for p in &rollout.started {
        let host = rollout.hosts.iter().find(|h| h.id == p.host);
        let url = match (&rollout.http_host, host.and_then(|h| h.http_port)) {
            (Some(name), Some(port)) => format!(": http://{name}:{port}/"),
            _ => String::new(),
        };
        shell.status(
            "Started",
            format!("{} on {}{url}", p.workload_id, host_name(&p.host)),
        );
    }
    if rollout.started.is_empty() && rollout.stopped.is_empty() {
        shell.status("Stopped", "nothing: no host runs the deployment");
    }
}
