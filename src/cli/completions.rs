//! `wash completions SHELL`: a completion script for the shell, plugins included.

use std::process::ExitCode;

use super::shell::Shell;

/// Print a shell completion script (commands, flags and installed plugins)
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Load it for this session, or save it where the shell looks:
  bash:        source <(wash completions bash)
  zsh:         wash completions zsh > \"${fpath[1]}/_wash\"
  fish:        wash completions fish > ~/.config/fish/completions/wash.fish
  PowerShell:  wash completions powershell | Out-String | Invoke-Expression
Plugins installed later are completed once the script is made again.")]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

pub fn exec(
    shell: &Shell,
    args: CompletionsArgs,
    mut command: clap::Command,
) -> anyhow::Result<ExitCode> {
    // For `wash` whichever way it was started: shells complete one word, and `cargo wasmcloud`
    // is cargo's to complete.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "wash", &mut script);
    shell.out(String::from_utf8_lossy(&script).trim_end());
    Ok(ExitCode::SUCCESS)
}
