//! `wash wit`: print the WIT derived from the crate's Rust traits and types, without building.

use std::process::ExitCode;

use anyhow::Context;

use super::shell::Shell;
use crate::project::{PackageSelection, Project};

/// Print the WIT derived from the crate's `#[wash::interface]` traits and types
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The same WIT is derived at build time and embedded in the component.\n\
See docs/wit-from-rust.md for how Rust maps to WIT."
)]
pub struct WitArgs {
    /// Path to Cargo.toml
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<std::path::PathBuf>,
    /// Package to derive (repeatable)
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    packages: Vec<String>,
    /// Every member of the workspace
    #[arg(long)]
    workspace: bool,
    /// Print one JSON object per package (package, wit_package, wit)
    #[arg(long)]
    json: bool,
}

pub fn exec(shell: &Shell, args: WitArgs) -> anyhow::Result<ExitCode> {
    let project = Project::load(&PackageSelection {
        manifest_path: args.manifest_path,
        packages: args.packages,
        workspace: args.workspace,
    })?;
    let mut printed = 0;
    for package in project.packages() {
        let derived = crate::wit::derive(package)
            .with_context(|| format!("failed to derive WIT for package `{}`", package.name))?;
        let Some(derived) = derived else { continue };
        if args.json {
            shell.json(&derived);
        } else {
            if printed > 0 {
                shell.out("");
            }
            shell.out(derived.wit.trim_end());
        }
        printed += 1;
    }
    if printed == 0 && !args.json {
        shell.warn("no `#[wash::interface]` traits or WIT types in the selected packages");
    }
    Ok(ExitCode::SUCCESS)
}
