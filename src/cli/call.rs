//! `wash call`: call one exported function of a component, arguments and result in WAVE.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use super::progress::{BuildProgress, TerminalEvents, TransferBar};
use super::shell::Shell;
use super::{CapabilityArgs, GrantArgs, PackageArgs, ReferenceArgs};
use crate::ops::call::{CallRequest, Called, call};

/// Call a function a component exports, with arguments in WAVE, and print its result
#[derive(Debug, clap::Args)]
#[command(after_help = "\
COMPONENT is a .wasm file, a registry reference, or `.` for the crate here (built first, as \
`wash build`, and its app called). FUNCTION is INTERFACE/NAME (`acme:greeter/greet@0.1.0/greet`), \
any unique ending of it (`greet/greet`, `greet`), `RESOURCE.new` for a constructor, or \
`RESOURCE.METHOD` for a method, called on a fresh resource made with `--new ARGS`.
Arguments and results are WAVE values: 42, 1.5, 'c', \"text\", [1, 2], (1, \"a\"), \
{name: \"Ada\", age: some(36)}, none, ok(3), err(\"no\"), red, {read, write}. Quote them for \
the shell. The component is sandboxed as by `wash run` (--env, --dir, --allow-http, limits).
Examples:
  wash call greeter.wasm greet '{name: \"Ada\", age: none}'
  wash call . --list
  wash call counter.wasm counter.increment 2 --new 5")]
pub struct CallArgs {
    /// The component: a .wasm file, a registry reference, or `.` for the crate here
    component: String,
    /// The function to call
    #[arg(required_unless_present = "list")]
    function: Option<String>,
    /// Its arguments, one WAVE value per parameter
    #[arg(allow_negative_numbers = true)]
    args: Vec<String>,
    /// List the functions it exports, with their signatures, and call nothing
    #[arg(long, conflicts_with = "function")]
    list: bool,
    /// For a method: the constructor's arguments (WAVE), making the resource it is called on
    #[arg(long = "new", value_name = "ARGS", num_args = 0.., allow_negative_numbers = true)]
    new_args: Option<Vec<String>>,
    /// Print the result (or the list) as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    reference: ReferenceArgs,
    #[command(flatten)]
    grants: GrantArgs,
    #[command(flatten)]
    capabilities: CapabilityArgs,
    #[command(flatten)]
    package: PackageArgs,
}

pub fn exec(shell: &Shell, args: CallArgs) -> anyhow::Result<ExitCode> {
    let request = CallRequest {
        component: (args.component != ".").then(|| args.component.clone()),
        function: args.function.clone(),
        args: args.args,
        new_args: args.new_args,
        build: args.package.build_options(shell),
        verify_keys: args.reference.verify_keys,
        insecure: args.reference.insecure,
        grants: args.grants.grants(Vec::new()),
        capabilities: args.capabilities.flags(),
    };
    let log = Arc::new(TerminalEvents::new(shell));
    let doing = match &args.function {
        Some(f) => format!("failed to call `{f}` of `{}`", args.component),
        None => format!("failed to list the functions of `{}`", args.component),
    };
    let called = call(
        &request,
        &BuildProgress::new(shell),
        TransferBar::handle(shell),
        log,
    )
    .context(doing)?;
    match called {
        Called::Listed(all) if args.json => all.iter().for_each(|c| shell.json(c)),
        Called::Listed(all) => {
            for c in &all {
                shell.out(c.signature());
            }
        }
        Called::Returned(outcome) if args.json => shell.json(&outcome),
        Called::Returned(outcome) => {
            if let Some(result) = &outcome.result {
                shell.out(result);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
