//! `wash push`: a component (built from the current crate unless a file is given) to an OCI
//! registry, in the CNCF Wasm layout.

use std::path::PathBuf;
use std::process::ExitCode;

use super::PackageArgs;
use super::progress::{BuildProgress, TransferBar};
use super::shell::{Shell, human_size};
use crate::ops::push::{PushRequest, push};

/// Push a component to an OCI registry
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without PATH, the current crate is built first (as `wash build`) and its app \
component pushed (in a workspace, the one the others are composed into). \
Without REFERENCE, `[package.metadata.wasmcloud.registry] reference` is used; a reference \
without a tag gets the crate's version.\n\
Credentials come from docker's config.json (see `wash login`). Registries on localhost use \
plain HTTP; all others TLS unless `--insecure`."
)]
pub struct PushArgs {
    /// Where to push: REGISTRY/REPOSITORY[:TAG]
    reference: Option<String>,
    /// The component (.wasm) to push; default: build the current crate
    path: Option<PathBuf>,
    /// Add a manifest annotation (repeatable)
    #[arg(long = "annotation", short = 'a', value_name = "KEY=VALUE")]
    annotations: Vec<String>,
    /// Use plain HTTP for this registry
    #[arg(long)]
    insecure: bool,
    /// Print the result (reference, digest, sizes) as one JSON object
    #[arg(long)]
    json: bool,
    /// Push components larger than this many bytes in chunks (for proxies that limit bodies)
    #[arg(
        long,
        hide = true,
        env = "WASH_PUSH_CHUNKED_ABOVE",
        default_value_t = crate::oci::push::DEFAULT_CHUNKED_ABOVE
    )]
    chunked_above: u64,
    #[command(flatten)]
    package: PackageArgs,
}

pub fn exec(shell: &Shell, args: PushArgs) -> anyhow::Result<ExitCode> {
    let request = PushRequest {
        reference: args.reference.clone(),
        path: args.path.clone(),
        build: args.package.build_options(shell),
        annotations: args.annotations,
        insecure: args.insecure,
        chunked_above: args.chunked_above,
        json: args.json,
    };
    let pushed = push(
        &request,
        &BuildProgress::new(shell),
        TransferBar::handle(shell),
    )?;
    if args.json {
        shell.json(&pushed);
    } else if pushed.unchanged {
        shell.status(
            "Unchanged",
            format!("{} ({}, nothing uploaded)", pushed.reference, pushed.digest),
        );
    } else {
        shell.status(
            "Pushed",
            format!(
                "{} ({}, {} uploaded, {})",
                pushed.reference,
                human_size(pushed.size),
                human_size(pushed.uploaded_bytes),
                pushed.digest
            ),
        );
    }
    Ok(ExitCode::SUCCESS)
}
