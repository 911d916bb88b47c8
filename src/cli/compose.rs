//! `wash compose`: plug components into a root component's imports.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::shell::{Shell, human_size};
use crate::artifact;
use crate::compose;

/// Plug components into each other's imports, producing one component
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each plug satisfies the imports (of the root, or of other plugs) that it exports; \
semver-compatible versions match. Imports nothing satisfies stay imports of the result."
)]
pub struct ComposeArgs {
    /// The component whose imports are satisfied and whose exports the result keeps
    root: PathBuf,
    /// A component to plug in: a path, a registry reference, or a workspace member's name
    /// (repeatable)
    #[arg(long = "plug", value_name = "PLUG", required = true)]
    plugs: Vec<String>,
    /// Where to write the composed component
    #[arg(short, long, value_name = "PATH", required_unless_present = "dry_run")]
    output: Option<PathBuf>,
    /// Print the plan (which plug satisfies which import) without writing anything
    #[arg(long)]
    dry_run: bool,
    /// Print the plan as JSON
    #[arg(long)]
    json: bool,
}

pub fn exec(shell: &Shell, args: ComposeArgs) -> anyhow::Result<ExitCode> {
    let root = artifact::read(&args.root)?;
    let plugs = args
        .plugs
        .iter()
        .map(|p| compose::find_plug(p))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(out) = &args.output
        && (args.plugs.iter().any(|p| std::path::Path::new(p) == out) || &args.root == out)
    {
        bail!(
            "`{}` is an input; write the composition to another file",
            out.display()
        );
    }
    let composition = compose::compose(root, plugs, args.dry_run)
        .with_context(|| format!("failed to compose `{}`", args.root.display()))?;
    if args.json {
        shell.json(&composition);
    } else {
        for l in &composition.links {
            shell.status(
                "Plugged",
                format!("{} ← {} (from {})", l.import, l.export, l.provider),
            );
        }
        let mut open: Vec<&str> = composition
            .open_imports
            .iter()
            .map(|o| o.import.as_str())
            .collect();
        open.sort();
        open.dedup();
        if !open.is_empty() {
            shell.status("Imports", format!("left for the host: {}", open.join(", ")));
        }
    }
    if let (Some(out), Some(bytes)) = (&args.output, &composition.bytes) {
        artifact::write_atomic(out, bytes)?;
        if !args.json {
            shell.status(
                "Composed",
                format!("{} ({})", out.display(), human_size(bytes.len() as u64)),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
