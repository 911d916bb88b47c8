//! The library's reporters drawn on the terminal: build steps as a spinner (with timings under
//! `-v`), registry transfers as a byte bar. Shared by every command that builds or transfers.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Instant;

use indicatif::ProgressBar;

use super::shell::Shell;
use crate::build::{BuildStep, Reporter};
use crate::oci::{self, ProgressHandle};

/// Draws [`BuildStep`]s: a spinner on a terminal; under `-v`, one timed line per step.
pub struct BuildProgress<'a> {
    shell: &'a Shell,
    bar: RefCell<Option<ProgressBar>>,
    started: RefCell<Option<(String, Instant)>>,
}

impl<'a> BuildProgress<'a> {
    /// A reporter drawing on `shell`.
    pub fn new(shell: &'a Shell) -> BuildProgress<'a> {
        BuildProgress {
            shell,
            bar: RefCell::default(),
            started: RefCell::default(),
        }
    }

    fn finish_step(&self) {
        if let Some((what, since)) = self.started.borrow_mut().take() {
            self.shell.verbose(
                "Finished",
                format!("{what} in {:.1} ms", since.elapsed().as_secs_f64() * 1e3),
            );
        }
    }
}

impl Reporter for BuildProgress<'_> {
    fn step(&self, step: BuildStep<'_>) {
        self.finish_step();
        let message = match step {
            BuildStep::Compiling => "compiling (cargo)".to_string(),
            BuildStep::Placing(name) => format!("placing {name}"),
            BuildStep::Composing(name) => format!("composing {name}"),
            BuildStep::Virtualizing(name) => format!("virtualizing {name}"),
            BuildStep::Signing(name) => format!("signing {name}"),
        };
        *self.started.borrow_mut() = Some((message.clone(), Instant::now()));
        // Cargo draws its own progress while compiling; the spinner covers the steps after it.
        if matches!(step, BuildStep::Compiling) {
            return;
        }
        let mut bar = self.bar.borrow_mut();
        match bar.as_ref() {
            Some(b) => b.set_message(message),
            None => *bar = self.shell.spinner(message),
        }
    }
}

impl Drop for BuildProgress<'_> {
    fn drop(&mut self) {
        self.finish_step();
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Draws registry transfers as a byte bar on a terminal.
pub struct TransferBar {
    bar: Option<ProgressBar>,
}

impl TransferBar {
    /// The progress handle push and pull take.
    pub fn handle(shell: &Shell) -> ProgressHandle {
        Arc::new(TransferBar {
            bar: shell.bytes_bar(),
        })
    }
}

impl oci::Progress for TransferBar {
    fn start(&self, what: &str, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(0);
            bar.set_message(what.to_string());
            bar.reset_elapsed();
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `Pulled`/`Cached REF (DIGEST)`: how a registry reference was resolved.
pub fn report_pulled(shell: &Shell, pulled: &oci::Pulled) {
    let verb = if pulled.cached { "Cached" } else { "Pulled" };
    shell.status(
        verb,
        format!("{} ({})", pulled.reference, pulled.layer_digest),
    );
}
