//! `wash logout`: forget a registry's saved credentials.

use std::process::ExitCode;

use anyhow::Context;

use super::shell::Shell;
use crate::oci;

/// Remove saved credentials for an OCI registry
#[derive(Debug, clap::Args)]
pub struct LogoutArgs {
    /// The registry host, e.g. ghcr.io or localhost:5000
    registry: String,
}

pub fn exec(shell: &Shell, args: LogoutArgs) -> anyhow::Result<ExitCode> {
    let removed = oci::auth::logout(&args.registry)
        .with_context(|| format!("failed to log out of `{}`", args.registry))?;
    if removed {
        shell.status("Logged out", &args.registry);
    } else {
        shell.warn(format!("not logged in to {}", args.registry));
    }
    Ok(ExitCode::SUCCESS)
}
