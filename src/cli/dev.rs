//! `wash dev`: build, serve or run, and rebuild on every change, swapping the new component in
//! behind the same listener.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::progress::BuildProgress;
use super::shell::Shell;
use super::{PackageArgs, parse_key_value};
use crate::build::BuiltComponent;
use crate::dev::{DevError, DevEvents, DevRequest, dev};
use crate::run::{DirGrant, Grants, RunError, ServeEvents};

/// Build, serve or run, and rebuild on every change (no listener dropped)
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Watches the crate's sources and Cargo.toml (and those of the workspace members \
it depends on). An HTTP component is swapped in behind the same address: requests during a \
rebuild get the old version, and a failed build keeps it serving. A command runs again after \
each good build. Ctrl-C stops."
)]
pub struct DevArgs {
    /// Set an environment variable for the component (repeatable)
    #[arg(long = "env", short = 'e', value_name = "KEY=VALUE", value_parser = parse_key_value)]
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

/// The loop's events, drawn on the terminal.
struct Events {
    shell: Shell,
}

impl ServeEvents for Events {
    fn listening(&self, addr: SocketAddr) {
        self.shell
            .status("Serving", format!("http://{addr}/ (Ctrl-C to stop)"));
    }

    fn request_failed(&self, method: &str, path: &str, error: &wasmtime::Error) {
        self.shell.warn(format!("{method} {path}: {error:?}"));
    }

    fn swap_failed(&self, error: &RunError) {
        self.shell
            .warn(format!("{error}; still serving the previous build"));
    }
}

impl DevEvents for Events {
    fn watching(&self, roots: &[PathBuf]) {
        let roots: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
        self.shell
            .status("Watching", format!("{} for changes", roots.join(", ")));
    }

    fn rebuilding(&self, changed: &[PathBuf]) {
        let what = match changed {
            [one] => one.display().to_string(),
            many => format!("{} files", many.len()),
        };
        self.shell.status("Rebuilding", format!("{what} changed"));
    }

    fn rebuilt(&self, app: &BuiltComponent, took: Duration) {
        self.shell.status(
            "Rebuilt",
            format!(
                "{} in {:.2}s ({})",
                app.path.display(),
                took.as_secs_f64(),
                app.digest
            ),
        );
    }

    fn failed(&self, error: &DevError) {
        self.shell.error(error);
        self.shell
            .warn("still serving (or running) the previous build; fix it and save again");
    }

    fn exited(&self, code: i32) {
        self.shell.status("Exited", format!("with code {code}"));
    }
}

pub fn exec(shell: &Shell, args: DevArgs) -> anyhow::Result<ExitCode> {
    let request = DevRequest {
        build: args.package.build_options(shell),
        grants: Grants {
            env: args.env,
            dirs: args.dirs,
            args: args.args,
        },
        addr: args.addr,
    };
    let events = Arc::new(Events {
        shell: shell.clone(),
    });
    dev(&request, &BuildProgress::new(shell), events)?;
    shell.status("Stopped", "wash dev");
    Ok(ExitCode::SUCCESS)
}
