//! `wash compose`: plug components into a root component's imports.

use std::path::PathBuf;
use std::process::ExitCode;

use super::progress::TransferBar;
use super::shell::{Shell, human_size};
use crate::message;
use crate::ops::compose::{ComposeRequest, compose};

/// Plug components into each other's imports, producing one component
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each plug satisfies the imports (of the root, or of other plugs) that it exports; \
semver-compatible versions match. Imports nothing satisfies stay imports of the result.\n\
A plug is a file if one of that name exists, else a workspace member's name (its component as \
`wash build` placed it), else a registry reference (pulled through the cache)."
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
    let request = ComposeRequest {
        root: args.root,
        plugs: args.plugs,
        output: args.output,
        dry_run: args.dry_run,
    };
    let composition = compose(&request, TransferBar::handle(shell))?;
    let written = request.output.as_ref().zip(composition.bytes.as_ref());
    if args.json {
        shell.json(&message::Composition {
            links: &composition.links,
            open_imports: &composition.open_imports,
            path: written.map(|(path, _)| path.clone()),
            size: written.map(|(_, bytes)| bytes.len() as u64),
        });
        return Ok(ExitCode::SUCCESS);
    }
    for l in &composition.links {
        shell.status(
            "Plugged",
            format!("{} ← {} (from {})", l.import, l.export, l.provider),
        );
    }
    let open = composition.open_import_names();
    if !open.is_empty() {
        shell.status("Imports", format!("left for the host: {}", open.join(", ")));
    }
    if let Some((out, bytes)) = written {
        shell.status(
            "Composed",
            format!("{} ({})", out.display(), human_size(bytes.len() as u64)),
        );
    }
    Ok(ExitCode::SUCCESS)
}
