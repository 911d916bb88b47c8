//! `wash run`: run a command component, or serve an HTTP one, on the embedded wasmtime.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use super::progress::{BuildProgress, TerminalEvents, TransferBar};
use super::shell::Shell;
use super::{CapabilityArgs, GrantArgs, PackageArgs, ReferenceArgs};
use crate::ops::run::{RunOutcome, RunRequest, run};

/// Run a component: a wasi:cli command runs once; HTTP and message handlers are served
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without PATH, the current crate is built first (as `wash build`) and its app \
component run (in a workspace, the one the others are composed into).\n\
The component gets nothing it was not given: no host environment, files or network.\n\
It may import wasi:config (`--config`), wasi:logging (`--log-level`) and wasi:keyvalue, kept in \
`<target-dir>/wasmcloud/dev/keyvalue/` for a built crate, else in `$WASH_HOME/dev/keyvalue/`, or in \
NATS or Redis (`--keyvalue`); wasi:blobstore, kept in `<target-dir>/wasmcloud/dev/blobstore/` (or \
`$WASH_HOME/dev/blobstore/`) or in NATS (`--blobstore`); and wasmcloud:messaging, in-process or \
over NATS (`--messaging`): a component that exports wasmcloud:messaging/handler gets the \
messages on `--subscribe SUBJECT`. See docs/capabilities.md."
)]
pub struct RunArgs {
    /// The component (.wasm) or registry reference to run; default: build the current crate
    path: Option<String>,
    #[command(flatten)]
    reference: ReferenceArgs,
    #[command(flatten)]
    grants: GrantArgs,
    /// Address to serve HTTP components on
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8000")]
    addr: SocketAddr,
    #[command(flatten)]
    capabilities: CapabilityArgs,
    #[command(flatten)]
    package: PackageArgs,
    /// Arguments for a command component
    #[arg(last = true, value_name = "ARGS")]
    args: Vec<String>,
}

pub fn exec(shell: &Shell, args: RunArgs) -> anyhow::Result<ExitCode> {
    let request = RunRequest {
        component: args.path,
        build: args.package.build_options(shell),
        verify_keys: args.reference.verify_keys,
        insecure: args.reference.insecure,
        grants: args.grants.grants(args.args),
        addr: args.addr,
        capabilities: args.capabilities.flags(),
    };
    // The server reports from its own threads, through a copy of the shell.
    let events = Arc::new(TerminalEvents::new(shell));
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let outcome = run(
        &request,
        &BuildProgress::new(shell),
        TransferBar::handle(shell),
        events,
        shutdown,
    )?;
    Ok(match outcome {
        RunOutcome::Exited(code) => ExitCode::from(code.clamp(0, 255) as u8),
        RunOutcome::Stopped => {
            shell.status("Stopped", "server");
            ExitCode::SUCCESS
        }
    })
}
