//! `wash man`: manual pages, generated from the same definitions as `--help`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::shell::Shell;

/// Print wash's manual page, or write one page per command into a folder
#[derive(Debug, clap::Args)]
#[command(after_help = "\
`wash man | man -l -` reads it now; `wash man --dir ~/.local/share/man/man1` installs \
wash.1 and a wash-COMMAND.1 for each command.")]
pub struct ManArgs {
    /// Write wash.1 and wash-COMMAND.1 pages into this folder instead of printing wash.1
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub fn exec(shell: &Shell, args: ManArgs, command: clap::Command) -> anyhow::Result<ExitCode> {
    let command = command.name("wash");
    let Some(dir) = args.dir else {
        shell.out(String::from_utf8_lossy(&page(command)?).trim_end());
        return Ok(ExitCode::SUCCESS);
    };
    let mut pages = vec![("wash.1".to_string(), page(command.clone())?)];
    for sub in command.get_subcommands() {
        let name = format!("wash-{}", sub.get_name());
        let sub = sub.clone().name(name.clone());
        pages.push((format!("{name}.1"), page(sub)?));
    }
    for (file, bytes) in &pages {
        let path = dir.join(file);
        crate::artifact::write_atomic(&path, bytes)
            .with_context(|| format!("failed to write the manual page `{}`", path.display()))?;
    }
    shell.status(
        "Wrote",
        format!("{} manual pages to {}", pages.len(), dir.display()),
    );
    Ok(ExitCode::SUCCESS)
}

/// One command's page, in roff.
fn page(command: clap::Command) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut out)
        .context("failed to render the manual page")?;
    Ok(out)
}
