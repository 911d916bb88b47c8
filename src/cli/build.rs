//! `wash build`: cargo for wasm32-wasip2, then the component placed under `target/wasmcloud/`.

use std::process::ExitCode;

use anyhow::Context;
use indicatif::ProgressBar;

use super::PackageArgs;
use super::shell::{Shell, human_size};
use crate::build::{self, BuildStep, BuiltComponent, Reporter};

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

struct SpinnerReporter<'a> {
    shell: &'a Shell,
    bar: std::cell::RefCell<Option<ProgressBar>>,
}

impl Reporter for SpinnerReporter<'_> {
    fn step(&self, step: BuildStep<'_>) {
        // Cargo draws its own progress while compiling; ours covers the steps after it.
        let message = match step {
            BuildStep::Compiling => return,
            BuildStep::Placing(name) => format!("placing {name}"),
            BuildStep::Composing(name) => format!("composing {name}"),
            BuildStep::Virtualizing(name) => format!("virtualizing {name}"),
            BuildStep::Signing(name) => format!("signing {name}"),
        };
        let mut bar = self.bar.borrow_mut();
        match bar.as_ref() {
            Some(b) => b.set_message(message),
            None => *bar = self.shell.spinner(message),
        }
    }
}

pub fn exec(shell: &Shell, args: BuildArgs) -> anyhow::Result<ExitCode> {
    let built = run(shell, &args.package)?;
    for c in &built {
        if args.json {
            shell.json(&serde_json::json!({
                "reason": "component-built",
                "package": c.package,
                "name": c.name,
                "path": c.path,
                "size": c.size,
                "digest": c.digest,
                "wit": c.wit,
                "composed_from": c.composed_from,
                "signed_by": c.signed_by,
            }));
        } else {
            let composed = if c.composed_from.is_empty() {
                String::new()
            } else {
                format!(", composed with {}", c.composed_from.join(", "))
            };
            let signed = if c.signed_by.is_empty() {
                String::new()
            } else {
                format!(", signed by {}", c.signed_by.join(", "))
            };
            shell.status(
                "Component",
                format!(
                    "{} ({}, {}{composed}{signed})",
                    c.path.display(),
                    human_size(c.size),
                    c.digest
                ),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds with a spinner; shared with `wash run`, which builds first when given no file.
pub(super) fn run(shell: &Shell, package: &PackageArgs) -> anyhow::Result<Vec<BuiltComponent>> {
    let reporter = SpinnerReporter {
        shell,
        bar: Default::default(),
    };
    let result = build::build(&package.build_options(), &reporter);
    if let Some(bar) = reporter.bar.take() {
        bar.finish_and_clear();
    }
    result.context("failed to build the component")
}
