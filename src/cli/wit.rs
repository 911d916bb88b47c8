//! `wash wit`: print the WIT derived from the crate's Rust traits and types, without building.

use std::process::ExitCode;

use super::shell::Shell;
use crate::project::PackageSelection;

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
    let derived = crate::wit::derive_selected(&PackageSelection {
        manifest_path: args.manifest_path,
        packages: args.packages,
        workspace: args.workspace,
    })?;
    for (i, d) in derived.iter().enumerate() {
        if args.json {
            shell.json(d);
        } else {
            if i > 0 {
                shell.out("");
            }
            shell.out(d.wit.trim_end());
        }
    }
    if derived.is_empty() && !args.json {
        shell.warn("no `#[wash::interface]` traits or WIT types in the selected packages");
    }
    Ok(ExitCode::SUCCESS)
}
