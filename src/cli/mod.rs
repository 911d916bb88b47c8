//! The command line: parsing and printing only. Each subcommand's file turns its arguments into
//! the options of one library call and renders what comes back, as text or `--json`.

mod build;
mod compose;
mod inspect;
mod keys;
mod login;
mod logout;
mod new;
mod pull;
mod push;
mod run;
pub mod shell;
mod sign;
mod verify;
mod virt;
mod wit;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use shell::Shell;

/// Build, run, inspect and ship WebAssembly components from Rust crates.
#[derive(Debug, Parser)]
#[command(name = "wash", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    New(new::NewArgs),
    Build(build::BuildArgs),
    Compose(compose::ComposeArgs),
    Run(run::RunArgs),
    Inspect(inspect::InspectArgs),
    Virt(virt::VirtArgs),
    Push(push::PushArgs),
    Pull(pull::PullArgs),
    Login(login::LoginArgs),
    Logout(logout::LogoutArgs),
    Wit(wit::WitArgs),
    Sign(sign::SignArgs),
    Verify(verify::VerifyArgs),
    Keys(keys::KeysArgs),
}

/// Runs wash with these arguments (the first is the program name) and returns its exit code.
/// `bin_name` is how usage lines name the tool: `wash`, or `cargo wasmcloud`.
pub fn main(bin_name: &'static str, args: Vec<OsString>) -> ExitCode {
    let parsed = Cli::command()
        .bin_name(bin_name)
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout and usage errors to stderr, with its codes.
            let _ = e.print();
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    let shell = Shell::from_env();
    let result = match cli.command {
        Command::New(args) => new::exec(&shell, args),
        Command::Build(args) => build::exec(&shell, args),
        Command::Compose(args) => compose::exec(&shell, args),
        Command::Run(args) => run::exec(&shell, args),
        Command::Inspect(args) => inspect::exec(&shell, args),
        Command::Virt(args) => virt::exec(&shell, args),
        Command::Push(args) => push::exec(&shell, args),
        Command::Pull(args) => pull::exec(&shell, args),
        Command::Login(args) => login::exec(&shell, args),
        Command::Logout(args) => logout::exec(&shell, args),
        Command::Wit(args) => wit::exec(&shell, args),
        Command::Sign(args) => sign::exec(&shell, args),
        Command::Verify(args) => verify::exec(&shell, args),
        Command::Keys(args) => keys::exec(&shell, args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            shell.error(&err);
            ExitCode::FAILURE
        }
    }
}

/// The package-selection flags cargo users know, shared by `build` and `run`.
#[derive(Debug, Clone, clap::Args)]
struct PackageArgs {
    /// Path to Cargo.toml
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<std::path::PathBuf>,
    /// Package to build (repeatable)
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    packages: Vec<String>,
    /// Build every member of the workspace
    #[arg(long)]
    workspace: bool,
    /// Build with the release profile
    #[arg(short, long)]
    release: bool,
}

impl PackageArgs {
    fn build_options(&self) -> wash_build::BuildOptions {
        wash_build::BuildOptions {
            selection: crate::project::PackageSelection {
                manifest_path: self.manifest_path.clone(),
                packages: self.packages.clone(),
                workspace: self.workspace,
            },
            release: self.release,
        }
    }
}

use crate::build as wash_build;
