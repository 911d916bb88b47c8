//! `wash build`: cargo for wasm32-wasip2, then the component placed under `target/wasmcloud/`.

use std::process::ExitCode;

use anyhow::Context;

use super::PackageArgs;
use super::progress::BuildProgress;
use super::shell::{Shell, human_size};
use crate::build::BuiltComponent;

/// Build the crate into a WebAssembly component
#[derive(Debug, clap::Args)]
#[command(after_help = "Components are placed at <target-dir>/wasmcloud/<name>.wasm.")]
pub struct BuildArgs {
    #[command(flatten)]
    package: PackageArgs,
    /// Print one JSON line per component (path, size, digest) on stdout
    #[arg(long)]
    json: bool,
}

pub fn exec(shell: &Shell, args: BuildArgs) -> anyhow::Result<ExitCode> {
    let options = args.package.build_options(shell);
    let built = crate::ops::build::build(&options, args.json, &BuildProgress::new(shell))
        .context("failed to build the component")?;
    for c in &built.components {
        if args.json {
            shell.json(c);
        } else {
            shell.status("Component", describe(c));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `path (size, digest, composed with …, signed by …)`.
fn describe(c: &BuiltComponent) -> String {
    let mut text = format!("{} ({}, {}", c.path.display(), human_size(c.size), c.digest);
    if !c.composed_from.is_empty() {
        text.push_str(&format!(", composed with {}", c.composed_from.join(", ")));
    }
    if !c.signed_by.is_empty() {
        text.push_str(&format!(", signed by {}", c.signed_by.join(", ")));
    }
    text.push(')');
    text
}
