//! `wash run`: run a command component, or serve an HTTP one, on the embedded wasmtime.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};

use super::PackageArgs;
use super::shell::Shell;
use crate::run::{self, ComponentKind, DirGrant, Grants};

/// Run a component: a wasi:cli command runs once, a wasi:http component is served
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without PATH, the current crate is built first (as `wash build`).\n\
The component gets nothing it was not given: no host environment, files or network."
)]
pub struct RunArgs {
    /// The component (.wasm) or registry reference to run; default: build the current crate
    path: Option<PathBuf>,
    /// For a registry reference: refuse it unless signed by this public key (repeatable)
    #[arg(long = "verify-key", value_name = "KEY")]
    verify_keys: Vec<PathBuf>,
    /// Use plain HTTP for the registry of a reference
    #[arg(long)]
    insecure: bool,
    /// Set an environment variable for the component (repeatable)
    #[arg(long = "env", short = 'e', value_name = "KEY=VALUE", value_parser = parse_env)]
    env: Vec<(String, String)>,
    /// Let the component read and write a host folder, seen at GUEST (repeatable)
    #[arg(long = "dir", value_name = "HOST::GUEST")]
    dirs: Vec<DirGrant>,
    /// Address to serve HTTP components on
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8000")]
    addr: SocketAddr,
    #[command(flatten)]
    package: PackageArgs,
    /// Arguments for a command component
    #[arg(last = true, value_name = "ARGS")]
    args: Vec<String>,
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

struct Events {
    shell: Shell,
}

impl run::http::ServeEvents for Events {
    fn listening(&self, addr: SocketAddr) {
        self.shell
            .status("Serving", format!("http://{addr}/ (Ctrl-C to stop)"));
    }

    fn request_failed(&self, method: &str, path: &str, error: &wasmtime::Error) {
        self.shell.warn(format!("{method} {path}: {error:?}"));
    }
}

pub fn exec(shell: &Shell, args: RunArgs) -> anyhow::Result<ExitCode> {
    let path = match args.path {
        Some(p) => super::pull::local_or_pulled(shell, &p, args.insecure, &args.verify_keys)?,
        None if !args.verify_keys.is_empty() => {
            bail!(
                "`--verify-key` applies to registry references: `wash run --verify-key KEY REFERENCE`"
            )
        }
        None => {
            let built = super::build::run(shell, &args.package)?;
            // A component composed into another is a part; the app is what is left.
            let apps: Vec<_> = built
                .iter()
                .filter(|c| !built.iter().any(|o| o.composed_from.contains(&c.name)))
                .collect();
            match apps.as_slice() {
                [one] => one.path.clone(),
                _ => bail!(
                    "the build produced {} components ({}); name one: `wash run target/wasmcloud/NAME.wasm`",
                    built.len(),
                    built
                        .iter()
                        .map(|c| format!("`{}`", c.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
    };
    let loaded = run::load(&path)?;
    let grants = Grants {
        env: args.env,
        dirs: args.dirs,
        args: args.args,
    };
    let runtime = tokio::runtime::Runtime::new().context("could not start the async runtime")?;
    match loaded.kind {
        ComponentKind::Command => {
            let argv0 = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let code = runtime
                .block_on(run::run_command(&loaded, &grants, &argv0))
                .with_context(|| format!("failed to run `{}`", path.display()))?;
            Ok(ExitCode::from(code.clamp(0, 255) as u8))
        }
        ComponentKind::HttpProxy => {
            let events = Arc::new(Events {
                shell: Shell::from_env(),
            });
            runtime
                .block_on(run::serve(&loaded, grants, args.addr, events, async {
                    let _ = tokio::signal::ctrl_c().await;
                }))
                .with_context(|| format!("failed to serve `{}`", path.display()))?;
            shell.status("Stopped", "server");
            Ok(ExitCode::SUCCESS)
        }
    }
}
