//! The command line: parsing and printing only. Each subcommand's file turns its arguments into
//! the options of one library call and renders what comes back, as text or `--json`. Command
//! files never import each other; what they share (the package flags, the shell, the progress
//! reporters) lives here, in [`shell`] and in [`progress`].

mod build;
mod call;
mod completions;
mod compose;
mod deploy;
mod dev;
mod inspect;
mod keys;
mod login;
mod logout;
mod man;
mod new;
mod plugin;
mod progress;
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

use shell::{ColorChoice, Shell, Verbosity};

/// Build, run, inspect and ship WebAssembly components from Rust crates.
#[derive(Debug, Parser)]
#[command(
    name = "wash",
    version,
    max_term_width = 100,
    allow_external_subcommands = true,
    external_subcommand_value_parser = clap::value_parser!(OsString)
)]
pub struct Cli {
    /// Print nothing but errors and the data asked for
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "verbose",
        help_heading = "Global options"
    )]
    quiet: bool,
    /// Also print how long each step took
    #[arg(short, long, global = true, help_heading = "Global options")]
    verbose: bool,
    /// When to colour the output [default: auto; `NO_COLOR` turns it off]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "WHEN",
        default_value = "auto",
        hide_default_value = true
    )]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    New(new::NewArgs),
    Build(build::BuildArgs),
    Compose(compose::ComposeArgs),
    Run(run::RunArgs),
    Dev(dev::DevArgs),
    Call(call::CallArgs),
    Inspect(inspect::InspectArgs),
    Virt(virt::VirtArgs),
    Push(push::PushArgs),
    Pull(pull::PullArgs),
    Deploy(deploy::DeployArgs),
    Login(login::LoginArgs),
    Logout(logout::LogoutArgs),
    Wit(wit::WitArgs),
    Sign(sign::SignArgs),
    Verify(verify::VerifyArgs),
    Keys(keys::KeysArgs),
    Plugin(plugin::PluginArgs),
    Completions(completions::CompletionsArgs),
    Man(man::ManArgs),
    /// A plugin: `wash NAME ARGS…`.
    #[command(external_subcommand)]
    External(Vec<OsString>),
}

/// Exit code of a failed command (the user's input or environment).
const USER_ERROR: u8 = 1;

/// Runs wash with these arguments (the first is the program name) and returns its exit code:
/// 0, 1 for an error, 2 for a usage error (clap's), 101 for a bug in wash.
/// `bin_name` is how usage lines name the tool: `wash`, or `cargo wasmcloud`.
pub fn main(bin_name: &'static str, args: Vec<OsString>) -> ExitCode {
    install_panic_note();
    let root_help = is_root_help(&args);
    let parsed = command(bin_name, root_help)
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
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (_, true) => Verbosity::Verbose,
        _ => Verbosity::Normal,
    };
    let shell = Shell::new(verbosity, cli.color);
    match exec(&shell, bin_name, cli.command) {
        Ok(code) => code,
        Err(err) => {
            shell.error(err.as_ref());
            if crate::hint::is_internal(err.as_ref()) {
                shell.note(BUG_NOTE);
                ExitCode::from(crate::hint::INTERNAL_EXIT_CODE)
            } else {
                ExitCode::from(USER_ERROR)
            }
        }
    }
}

/// wash's command line; for `wash --help` itself, with the plugins (installed, and `wash-NAME`
/// on `PATH`) listed under it. Looking for plugins is kept off every other start.
fn command(bin_name: &'static str, root_help: bool) -> clap::Command {
    let command = Cli::command().bin_name(bin_name);
    if !root_help {
        return command;
    }
    let plugins = plugin_lines(&builtins(&command));
    if plugins.is_empty() {
        return command;
    }
    command.after_help(format!("Plugins (`{bin_name} plugin list`):\n{plugins}"))
}

/// The names of wash's own commands, which no plugin may take.
fn builtins(command: &clap::Command) -> Vec<String> {
    let mut names: Vec<String> = command
        .get_subcommands()
        .flat_map(|c| std::iter::once(c.get_name()).chain(c.get_all_aliases()))
        .map(str::to_string)
        .collect();
    names.push("help".into());
    names
}

/// `  NAME  description` for each plugin wash can run, aligned.
fn plugin_lines(builtins: &[String]) -> String {
    let plugins = crate::ops::plugin::list(builtins).unwrap_or_default();
    let width = plugins.iter().map(|p| p.name.len()).max().unwrap_or(0);
    plugins
        .iter()
        .map(|p| {
            let about = match p.installed {
                true => p.description.clone(),
                false => format!("(runs {})", p.source),
            };
            format!("  {:width$}  {about}", p.name)
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `args` ask for wash's own help: no command, `help` alone, or `-h`/`--help` before
/// any command (global options aside).
fn is_root_help(args: &[OsString]) -> bool {
    let mut rest = args.iter().skip(1).filter_map(|a| a.to_str());
    loop {
        match rest.next() {
            None | Some("-h" | "--help") => return true,
            Some("-q" | "--quiet" | "-v" | "--verbose") => {}
            Some("--color") => {
                rest.next();
            }
            Some(a) if a.starts_with("--color=") => {}
            Some("help") => return rest.next().is_none(),
            Some(_) => return false,
        }
    }
}

fn exec(shell: &Shell, bin_name: &'static str, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::New(args) => new::exec(shell, args),
        Command::Build(args) => build::exec(shell, args),
        Command::Compose(args) => compose::exec(shell, args),
        Command::Run(args) => run::exec(shell, args),
        Command::Dev(args) => dev::exec(shell, args),
        Command::Call(args) => call::exec(shell, args),
        Command::Inspect(args) => inspect::exec(shell, args),
        Command::Virt(args) => virt::exec(shell, args),
        Command::Push(args) => push::exec(shell, args),
        Command::Pull(args) => pull::exec(shell, args),
        Command::Deploy(args) => deploy::exec(shell, args),
        Command::Login(args) => login::exec(shell, args),
        Command::Logout(args) => logout::exec(shell, args),
        Command::Wit(args) => wit::exec(shell, args),
        Command::Sign(args) => sign::exec(shell, args),
        Command::Verify(args) => verify::exec(shell, args),
        Command::Keys(args) => keys::exec(shell, args),
        Command::Plugin(args) => plugin::exec(shell, args, builtins(&Cli::command())),
        Command::Completions(args) => {
            let cmd = Cli::command();
            let names = builtins(&cmd);
            completions::exec(shell, args, with_plugins(cmd, &names))
        }
        Command::Man(args) => man::exec(shell, args, Cli::command().bin_name(bin_name)),
        Command::External(args) => run_plugin(shell, bin_name, args),
    }
}

/// wash's command line with every plugin as a subcommand (for completions).
fn with_plugins(mut cmd: clap::Command, builtins: &[String]) -> clap::Command {
    for p in crate::ops::plugin::list(builtins).unwrap_or_default() {
        cmd = cmd.subcommand(
            clap::Command::new(p.name).about(p.description).arg(
                clap::Arg::new("args")
                    .num_args(0..)
                    .trailing_var_arg(true)
                    .allow_hyphen_values(true),
            ),
        );
    }
    cmd
}

/// `wash NAME ARGS…`: the plugin `NAME`, or an error naming what there is.
fn run_plugin(shell: &Shell, bin_name: &str, args: Vec<OsString>) -> anyhow::Result<ExitCode> {
    use crate::ops::plugin::Ran;
    let mut args = args.into_iter();
    let name = args
        .next()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let args: Vec<OsString> = args.collect();
    let verbosity = if shell.is_quiet() {
        "quiet"
    } else if shell.is_verbose() {
        "verbose"
    } else {
        "normal"
    };
    let inv = crate::plugin::Invocation::here(bin_name, &args, verbosity);
    match crate::ops::plugin::run(&name, args, &inv)? {
        Ran::Exited(code) => Ok(ExitCode::from(code.clamp(0, 255) as u8)),
        Ran::Help(p) => {
            let m = &p.manifest;
            let usage = match m.usage.trim_end() {
                "" => format!("Usage: {bin_name} {} [ARGS]...", m.name),
                usage => usage.to_string(),
            };
            let text = format!("{}\n\n{usage}", m.description);
            shell.out(text.trim_start());
            Ok(ExitCode::SUCCESS)
        }
        Ran::NoSuchPlugin => {
            // As clap's usage errors: exit code 2.
            let advice = crate::hint::Advice::new(
                format!("no such command: `{name}`"),
                format!(
                    "`{bin_name} --help` lists the commands and `{bin_name} plugin list` the \
                 plugins; `{bin_name} plugin install` adds one, and an executable `wash-{name}` \
                 on PATH would be run"
                ),
            );
            shell.error(&advice);
            Ok(ExitCode::from(2))
        }
    }
}

const BUG_NOTE: &str = "this is a bug in wash, not in your project; please report it with the \
                        command you ran and the output above";

/// A panic is a bug in wash: say so under Rust's own message (the exit code stays 101).
fn install_panic_note() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default(info);
        #[allow(clippy::print_stderr)]
        {
            eprintln!("note: {BUG_NOTE}");
        }
    }));
}

/// The package-selection flags cargo users know, shared by `build`, `run` and `push`.
#[derive(Debug, Clone, clap::Args)]
struct PackageArgs {
    /// Path to Cargo.toml
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<std::path::PathBuf>,
    /// Package to build (repeatable); the members it depends on are built too
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
    fn build_options(&self, shell: &Shell) -> crate::build::BuildOptions {
        crate::build::BuildOptions {
            selection: crate::project::PackageSelection {
                manifest_path: self.manifest_path.clone(),
                packages: self.packages.clone(),
                workspace: self.workspace,
            },
            release: self.release,
            quiet: shell.is_quiet(),
        }
    }
}

/// How `run` and `call` take a registry reference.
#[derive(Debug, Clone, clap::Args)]
struct ReferenceArgs {
    /// For a registry reference: refuse it unless signed by this public key (repeatable)
    #[arg(long = "verify-key", value_name = "KEY")]
    verify_keys: Vec<String>,
    /// Use plain HTTP for the registry of a reference
    #[arg(long)]
    insecure: bool,
}

/// What `run` and `dev` grant the component: nothing unless asked.
#[derive(Debug, Clone, clap::Args)]
struct GrantArgs {
    /// Set an environment variable for the component (repeatable)
    #[arg(long = "env", short = 'e', value_name = "KEY=VALUE", value_parser = parse_key_value)]
    env: Vec<(String, String)>,
    /// Let the component read and write a host folder, seen at GUEST (repeatable)
    #[arg(long = "dir", value_name = "HOST::GUEST")]
    dirs: Vec<crate::run::DirGrant>,
    /// Let the component send HTTP requests to this host (`*`: any; repeatable)
    #[arg(long = "allow-http", value_name = "HOST[:PORT]")]
    allow_http: Vec<String>,
    /// Let the component open network sockets and look up names
    #[arg(long)]
    allow_net: bool,
    /// Most memory one instance may use, in MiB
    #[arg(long, value_name = "MIB", default_value_t = 512)]
    memory_limit: usize,
    /// Longest an HTTP request or a message may run (default 30), or a command or a call
    /// (default: no limit), in seconds
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
}

/// A `--timeout` in seconds as a duration (at least a millisecond; a huge one is no limit).
fn seconds(secs: f64) -> std::time::Duration {
    std::time::Duration::try_from_secs_f64(secs.max(0.001)).unwrap_or(std::time::Duration::MAX)
}

impl GrantArgs {
    fn grants(self, args: Vec<String>) -> crate::run::Grants {
        crate::run::Grants {
            env: self.env,
            dirs: self.dirs,
            allow_http: self.allow_http,
            allow_net: self.allow_net,
            args,
            limits: crate::run::Limits {
                memory: self.memory_limit << 20,
                request_timeout: seconds(self.timeout.unwrap_or(30.0)),
                command_timeout: self.timeout.map(seconds),
            },
        }
    }
}

/// The capability flags `run` and `dev` share.
#[derive(Debug, Clone, clap::Args)]
struct CapabilityArgs {
    /// Give the component a wasi:config value; overrides `dev.config` in Cargo.toml (repeatable)
    #[arg(long = "config", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    config: Vec<(String, String)>,
    /// Lowest wasi:logging level shown
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "info")]
    log_level: LogLevelArg,
    /// What backs wasi:keyvalue: a folder, nats://HOST:PORT (JetStream KV) or
    /// redis://HOST:PORT; overrides `dev.keyvalue` in Cargo.toml [default:
    /// <target-dir>/wasmcloud/dev/keyvalue, or $WASH_HOME/dev/keyvalue when not building]
    #[arg(long, value_name = "DIR|URL", value_parser = parse_keyvalue)]
    keyvalue: Option<crate::run::KeyValueBackend>,
    /// What backs wasi:blobstore: a folder, or nats://HOST:PORT (a JetStream object store per
    /// container); overrides `dev.blobstore` in Cargo.toml [default:
    /// <target-dir>/wasmcloud/dev/blobstore, or $WASH_HOME/dev/blobstore when not building]
    #[arg(long, value_name = "DIR|URL", value_parser = parse_blobstore)]
    blobstore: Option<crate::run::BlobstoreBackend>,
    /// What carries wasmcloud:messaging: nats://HOST:PORT (core NATS) or in-process; overrides
    /// `dev.messaging` in Cargo.toml [default: in-process]
    #[arg(long, value_name = "URL", value_parser = parse_messaging)]
    messaging: Option<crate::run::MessagingBackend>,
    /// Deliver messages on SUBJECT to a component that exports wasmcloud:messaging/handler
    /// (`*`: one token, `>`: the rest; "SUBJECT GROUP" for a queue group); replaces
    /// `dev.subscriptions` in Cargo.toml (repeatable)
    #[arg(long = "subscribe", value_name = "SUBJECT", value_parser = parse_subscription)]
    subscriptions: Vec<String>,
}

fn parse_keyvalue(s: &str) -> Result<crate::run::KeyValueBackend, String> {
    crate::run::KeyValueBackend::parse(s).map_err(|e| e.to_string())
}

fn parse_blobstore(s: &str) -> Result<crate::run::BlobstoreBackend, String> {
    crate::run::BlobstoreBackend::parse(s).map_err(|e| e.to_string())
}

fn parse_messaging(s: &str) -> Result<crate::run::MessagingBackend, String> {
    crate::run::MessagingBackend::parse(s)
}

fn parse_subscription(s: &str) -> Result<String, String> {
    crate::run::Subscription::parse(s)
        .map(|_| s.to_string())
        .map_err(|e| e.to_string())
}

impl CapabilityArgs {
    fn flags(self) -> crate::ops::run::CapabilityFlags {
        crate::ops::run::CapabilityFlags {
            config: self.config,
            log_level: self.log_level.into(),
            keyvalue: self.keyvalue,
            blobstore: self.blobstore,
            messaging: self.messaging,
            subscriptions: self.subscriptions,
        }
    }
}

/// `--log-level`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogLevelArg {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Critical,
}

impl From<LogLevelArg> for crate::run::LogLevel {
    fn from(level: LogLevelArg) -> crate::run::LogLevel {
        use crate::run::LogLevel;
        match level {
            LogLevelArg::Trace => LogLevel::Trace,
            LogLevelArg::Debug => LogLevel::Debug,
            LogLevelArg::Info => LogLevel::Info,
            LogLevelArg::Warn => LogLevel::Warn,
            LogLevelArg::Error => LogLevel::Error,
            LogLevelArg::Critical => LogLevel::Critical,
        }
    }
}

/// `KEY=VALUE`, as `--env` takes it.
fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}
