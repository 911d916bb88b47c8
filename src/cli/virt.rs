//! `wash virt`: answer a component's WASI imports inside it.

use std::path::PathBuf;
use std::process::ExitCode;

use super::parse_key_value;
use super::shell::{Shell, human_size};
use crate::message;
use crate::ops::virt::{VirtRequest, virt};
use crate::virt::{Capability, Mount, StdioPolicy, VirtOptions};

/// Virtualize WASI inside a component: bake in the environment, deny capabilities
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The host then sees only what is left: a denied interface is no longer \
imported, and the environment is the baked-in one plus the allowed host variables.\n\
Denied clocks, random, exit and streams trap when called; denied sockets and http return their \
interface's access-denied error."
)]
pub struct VirtArgs {
    /// The component to virtualize
    input: PathBuf,
    /// Where to write the result [default: <input>.virt.wasm]
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Bake in an environment variable (repeatable)
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    env: Vec<(String, String)>,
    /// Let these host variables through, comma-separated (`*` for all); others are hidden
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    allow_env: Vec<String>,
    /// Standard input: allow, ignore (empty / discarded) or deny (traps)
    #[arg(long, value_name = "POLICY", default_value = "allow", value_parser = parse_stdio)]
    stdin: StdioPolicy,
    /// Standard output: allow, ignore (empty / discarded) or deny (traps)
    #[arg(long, value_name = "POLICY", default_value = "allow", value_parser = parse_stdio)]
    stdout: StdioPolicy,
    /// Standard error: allow, ignore (empty / discarded) or deny (traps)
    #[arg(long, value_name = "POLICY", default_value = "allow", value_parser = parse_stdio)]
    stderr: StdioPolicy,
    /// Deny capabilities, comma-separated: clocks, random, sockets, http, exit
    #[arg(long, value_name = "CAPS", value_delimiter = ',', value_parser = parse_capability)]
    deny: Vec<Capability>,
    /// Embed a host directory read-only at a guest path (repeatable)
    #[arg(long = "mount", value_name = "GUEST=HOST", value_parser = parse_mount)]
    mounts: Vec<Mount>,
    /// Print what was virtualized as JSON
    #[arg(long)]
    json: bool,
}

fn parse_stdio(s: &str) -> Result<StdioPolicy, String> {
    match s {
        "allow" => Ok(StdioPolicy::Allow),
        "ignore" => Ok(StdioPolicy::Ignore),
        "deny" => Ok(StdioPolicy::Deny),
        _ => Err(format!("`{s}` is not one of allow, ignore, deny")),
    }
}

fn parse_capability(s: &str) -> Result<Capability, String> {
    Capability::from_name(s).ok_or_else(|| {
        let all: Vec<&str> = Capability::ALL.iter().map(|c| c.name()).collect();
        format!("`{s}` is not one of {}", all.join(", "))
    })
}

fn parse_mount(s: &str) -> Result<Mount, String> {
    match s.split_once('=') {
        Some((guest, host)) if guest.starts_with('/') && !host.is_empty() => Ok(Mount {
            guest: guest.to_string(),
            host: host.into(),
        }),
        _ => Err(format!("`{s}` is not /GUEST=HOST_DIR")),
    }
}

impl VirtArgs {
    fn options(&self) -> VirtOptions {
        VirtOptions {
            env: self.env.clone(),
            allow_env: self.allow_env.clone(),
            stdin: self.stdin,
            stdout: self.stdout,
            stderr: self.stderr,
            deny: self.deny.iter().copied().collect(),
            mounts: self.mounts.clone(),
        }
    }
}

pub fn exec(shell: &Shell, args: VirtArgs) -> anyhow::Result<ExitCode> {
    let request = VirtRequest {
        options: args.options(),
        input: args.input,
        output: args.output,
    };
    let done = virt(&request)?;
    if args.json {
        shell.json(&message::Virtualized {
            path: &done.path,
            size: done.size,
            added: done.size as i64 - done.input_size as i64,
            digest: &done.digest,
            report: &done.report,
        });
        return Ok(ExitCode::SUCCESS);
    }
    for v in &done.report.virtualized {
        shell.status("Virtualized", format!("{} ({})", v.import, v.adapter));
    }
    if done.input_was_signed {
        shell.warn(format!(
            "`{}` was signed; its signatures do not cover the virtualized component: sign `{}` again",
            request.input.display(),
            done.path.display()
        ));
    }
    for name in &done.report.not_imported {
        shell.warn(format!(
            "`{name}` is denied, but the component does not import it: nothing to do"
        ));
    }
    shell.status(
        "Wrote",
        format!(
            "{} ({}, {} added)",
            done.path.display(),
            human_size(done.size),
            human_size(done.size.saturating_sub(done.input_size))
        ),
    );
    Ok(ExitCode::SUCCESS)
}
