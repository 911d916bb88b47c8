//! `wash dev`: build, serve or run, and rebuild on every change, swapping the new component in
//! behind the same listener.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use super::progress::{BuildProgress, TerminalEvents};
use super::shell::Shell;
use super::{CapabilityArgs, GrantArgs, PackageArgs};
use crate::dev::{DevRequest, dev};

/// Build, serve or run, and rebuild on every change (no listener dropped)
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Watches the crate's sources and Cargo.toml (and those of the workspace members \
it depends on). An HTTP component is swapped in behind the same address: requests during a \
rebuild get the old version, and a failed build keeps it serving. A message handler keeps its \
subscriptions (`--subscribe`): new messages go to the new version. A command runs again after \
each good build. Ctrl-C stops."
)]
pub struct DevArgs {
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

pub fn exec(shell: &Shell, args: DevArgs) -> anyhow::Result<ExitCode> {
    let request = DevRequest {
        build: args.package.build_options(shell),
        grants: args.grants.grants(args.args),
        addr: args.addr,
        capabilities: args.capabilities.flags(),
    };
    let events = Arc::new(TerminalEvents::new(shell));
    dev(&request, &BuildProgress::new(shell), events)?;
    shell.status("Stopped", "wash dev");
    Ok(ExitCode::SUCCESS)
}
