//! `wash login`: check credentials against a registry and save them in docker's config.json
//! (or the credential helper it names), where docker, skopeo and wash all find them.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;

use super::shell::Shell;
use crate::hint::Advice;
use crate::oci::{self, ClientOptions};

/// Log in to an OCI registry
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Credentials are checked against the registry first, then saved in \
$DOCKER_CONFIG/config.json (default ~/.docker/config.json), or handed to the credential helper \
that file names (`credHelpers`, `credsStore`)."
)]
pub struct LoginArgs {
    /// The registry host, e.g. ghcr.io or localhost:5000
    registry: String,
    /// User name
    #[arg(short, long)]
    username: String,
    /// Password or token (prefer --password-stdin: arguments show in `ps`)
    #[arg(short, long, env = "WASH_REGISTRY_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Read the password from standard input
    #[arg(long, conflicts_with = "password")]
    password_stdin: bool,
    /// Use plain HTTP for this registry
    #[arg(long)]
    insecure: bool,
}

pub fn exec(shell: &Shell, args: LoginArgs) -> anyhow::Result<ExitCode> {
    let password = match (args.password, args.password_stdin) {
        (Some(p), _) => p,
        (None, true) => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("could not read the password from standard input")?;
            text.trim_end_matches(['\r', '\n']).to_string()
        }
        (None, false) => {
            return Err(Advice::new(
                "no password given",
                "pipe it in with `--password-stdin`, or set WASH_REGISTRY_PASSWORD",
            )
            .into());
        }
    };
    let options = ClientOptions::from_env(args.insecure)?;
    let runtime = oci::runtime().context("could not start the async runtime")?;
    let stored = runtime
        .block_on(oci::auth::login(
            &args.registry,
            &args.username,
            &password,
            &options,
        ))
        .with_context(|| format!("failed to log in to `{}`", args.registry))?;
    shell.status(
        "Logged in",
        format!("to {} (saved in {})", stored.registry, stored.store),
    );
    Ok(ExitCode::SUCCESS)
}
