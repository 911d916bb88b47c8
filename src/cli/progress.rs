//! The library's reporters drawn on the terminal: build steps as a spinner (with timings under
//! `-v`), registry transfers as a byte bar, and what `wash run` and `wash dev` report while they
//! serve. Shared by every command that builds, transfers or serves.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Instant;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use indicatif::ProgressBar;

use super::shell::Shell;
use crate::build::{BuildStep, BuiltComponent, Reporter};
use crate::dev::{DevError, DevEvents};
use crate::oci::{self, ProgressHandle};
use crate::ops::run::RunEvents;
use crate::run::{Backend, GuestLog, LogLevel, ServeEvents};

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

    fn open_imports(&self, component: &str, manifest: &std::path::Path, imports: &[String]) {
        let list: Vec<String> = imports.iter().map(|i| format!("`{i}`")).collect();
        let warning = format!(
            "`{component}` leaves open imports that nothing in this build provides: {}\n  \
             help: plug them with `compose.plugs` (or `wash compose`), or, if the platform provides \
             them, list them in `host-imports` of `{}`; `compose.strict = true` makes this an \
             error",
            list.join(", "),
            manifest.display()
        );
        match self.bar.borrow().as_ref() {
            Some(bar) => bar.suspend(|| self.shell.warn(&warning)),
            None => self.shell.warn(&warning),
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

/// What `wash run` and `wash dev` report, drawn through a copy of the shell (the server reports
/// from its own threads).
pub struct TerminalEvents {
    shell: Shell,
}

impl TerminalEvents {
    /// Events drawn on `shell`.
    pub fn new(shell: &Shell) -> TerminalEvents {
        TerminalEvents {
            shell: shell.clone(),
        }
    }
}

impl GuestLog for TerminalEvents {
    fn guest_log(&self, level: LogLevel, context: &str, message: &str) {
        self.shell.guest_log(level, context, message);
    }
}

impl ServeEvents for TerminalEvents {
    fn listening(&self, addr: SocketAddr) {
        self.shell
            .status("Serving", format!("http://{addr}/ (Ctrl-C to stop)"));
    }

    fn request_failed(&self, method: &str, path: &str, error: &wasmtime::Error) {
        self.shell.warn(format!("{method} {path}: {error:?}"));
    }

    fn request(&self, method: &str, path: &str, status: u16, took: Duration) {
        // One line per request, for a person watching; not in CI logs or pipes unless `-v`.
        if self.shell.is_verbose() || self.shell.is_interactive() {
            self.shell.request_line(method, path, status, took);
        }
    }

    fn subscribed(&self, subscriptions: &[crate::run::Subscription], alone: bool) {
        let subjects: Vec<String> = subscriptions.iter().map(|s| s.to_string()).collect();
        let stop = if alone { " (Ctrl-C to stop)" } else { "" };
        self.shell
            .status("Subscribed", format!("to {}{stop}", subjects.join(", ")));
    }

    fn message_failed(&self, subject: &str, error: &wasmtime::Error) {
        self.shell.warn(format!("message on {subject}: {error:?}"));
    }
}

impl RunEvents for TerminalEvents {
    fn pulled(&self, pulled: &oci::Pulled) {
        report_pulled(&self.shell, pulled);
    }

    fn hosting(&self, backends: &[Backend]) {
        for b in backends {
            self.shell
                .status("Hosting", format!("{}: {}", b.capability, b.detail));
        }
    }
}

impl DevEvents for TerminalEvents {
    fn watching(&self, roots: &[PathBuf]) {
        let roots: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
        self.shell
            .status("Watching", format!("{} for changes", roots.join(", ")));
    }

    fn rebuilding(&self, changed: &[PathBuf]) {
        let what = match changed {
            [one] => one.display().to_string(),
            many => format!("{} files", many.len()),
        };
        self.shell.status("Rebuilding", format!("{what} changed"));
    }

    fn rebuilt(&self, app: &BuiltComponent, took: Duration) {
        self.shell.status(
            "Rebuilt",
            format!(
                "{} in {:.2}s ({})",
                app.path.display(),
                took.as_secs_f64(),
                app.digest
            ),
        );
    }

    fn failed(&self, error: &DevError) {
        self.shell.error(error);
        self.shell
            .warn("still serving (or running) the previous build; fix it and save again");
    }

    fn exited(&self, code: i32) {
        self.shell.status("Exited", format!("with code {code}"));
    }
}
