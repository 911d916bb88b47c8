//! The one owner of the terminal: status lines, warnings and errors on stderr, data on stdout,
//! and progress only where a person is watching. `-q`, `-v` and `--color` are applied here.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressStyle};

use crate::hint::{Probe, probe};

/// How much wash says on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors only (`-q`).
    Quiet,
    /// Status lines, warnings, progress on a terminal.
    Normal,
    /// Also timings and the commands wash runs (`-v`); no progress bars, which would
    /// interleave with those lines.
    Verbose,
}

/// When to colour: `--color auto|always|never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    // No doc comments on the values: clap would then print every command's help in its long
    // form. `auto`: on a terminal, unless `NO_COLOR` is set or `TERM=dumb`.
    #[default]
    Auto,
    Always,
    Never,
}

/// Where wash's output goes and how it looks.
#[derive(Debug, Clone)]
pub struct Shell {
    verbosity: Verbosity,
    progress: bool,
    interactive: bool,
}

const GREEN: Style = AnsiColor::Green.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();
const CYAN: Style = AnsiColor::Cyan.on_default().bold();
const BOLD: Style = Style::new().bold();

impl Shell {
    /// Decides colour and progress once. anstream strips the colour codes wherever colour is
    /// off (`--color never`, `NO_COLOR`, `TERM=dumb`, not a terminal under `auto`).
    pub fn new(verbosity: Verbosity, color: ColorChoice) -> Shell {
        anstream::ColorChoice::write_global(match color {
            ColorChoice::Auto => anstream::ColorChoice::Auto,
            ColorChoice::Always => anstream::ColorChoice::Always,
            ColorChoice::Never => anstream::ColorChoice::Never,
        });
        let tty = std::io::stderr().is_terminal();
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        let ci = std::env::var_os("CI").is_some();
        Shell {
            verbosity,
            progress: tty && !dumb && !ci && verbosity == Verbosity::Normal,
            interactive: tty && verbosity > Verbosity::Quiet,
        }
    }

    /// Whether a person is watching stderr (a terminal, not `-q`).
    pub fn is_interactive(&self) -> bool {
        self.interactive
    }

    /// `GET /path 200 1.2ms`: one served request.
    pub fn request_line(&self, method: &str, path: &str, status: u16, took: Duration) {
        let style = match status {
            200..=399 => GREEN,
            400..=499 => YELLOW,
            _ => RED,
        };
        anstream::eprintln!(
            "{:>12} {path} {style}{status}{style:#} {:.1}ms",
            method,
            took.as_secs_f64() * 1e3
        );
    }

    /// Whether `-q` was given.
    pub fn is_quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    /// Whether `-v` was given.
    pub fn is_verbose(&self) -> bool {
        self.verbosity == Verbosity::Verbose
    }

    /// A cargo-style status line: a right-aligned green verb, then the message. Not with `-q`.
    pub fn status(&self, verb: &str, message: impl std::fmt::Display) {
        if self.verbosity > Verbosity::Quiet {
            anstream::eprintln!("{GREEN}{verb:>12}{GREEN:#} {message}");
        }
    }

    /// A status line shown only with `-v`.
    pub fn verbose(&self, verb: &str, message: impl std::fmt::Display) {
        if self.is_verbose() {
            anstream::eprintln!("{CYAN}{verb:>12}{CYAN:#} {message}");
        }
    }

    /// A component's `wasi:logging` line on stderr, `  INFO context: message`, shown even with
    /// `-q`: the component's own output is never hidden.
    pub fn guest_log(&self, level: crate::run::LogLevel, context: &str, message: &str) {
        let style = match level {
            crate::run::LogLevel::Trace | crate::run::LogLevel::Debug => CYAN,
            crate::run::LogLevel::Info => GREEN,
            crate::run::LogLevel::Warn => YELLOW,
            _ => RED,
        };
        let context = if context.is_empty() {
            String::new()
        } else {
            format!("{context}: ")
        };
        anstream::eprintln!("{style}{level:>6}{style:#} {context}{message}");
    }

    /// A warning on stderr. Not with `-q`.
    pub fn warn(&self, message: impl std::fmt::Display) {
        if self.verbosity > Verbosity::Quiet {
            self.labelled("warning", YELLOW, message);
        }
    }

    /// An error and its causes on stderr, as `error:` and a `Caused by:` list, then the hints
    /// the errors in the chain carry (see [`crate::hint`]), last, where the eye lands.
    pub fn error(&self, err: &(dyn std::error::Error + 'static)) {
        self.labelled("error", RED, err);
        let causes: Vec<String> =
            std::iter::successors(err.source(), |e: &&(dyn std::error::Error + 'static)| {
                (*e).source()
            })
            .map(ToString::to_string)
            .collect();
        if !causes.is_empty() {
            anstream::eprintln!("\nCaused by:");
            for (i, cause) in causes.iter().enumerate() {
                let text = cause.replace('\n', "\n      ");
                if causes.len() == 1 {
                    anstream::eprintln!("    {text}");
                } else {
                    anstream::eprintln!("    {i}: {text}");
                }
            }
        }
        for hint in crate::hint::collect(err, HINTED) {
            anstream::eprintln!();
            self.labelled("help", CYAN, hint);
        }
    }

    /// A note below an error (e.g. that it is a bug in wash).
    pub fn note(&self, message: impl std::fmt::Display) {
        self.labelled("note", CYAN, message);
    }

    fn labelled(&self, label: &str, style: Style, message: impl std::fmt::Display) {
        anstream::eprintln!("{style}{label}{style:#}{BOLD}:{BOLD:#} {message}");
    }

    /// Data for stdout. A closed pipe (`wash … | head`) is not an error.
    pub fn out(&self, text: impl std::fmt::Display) {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{text}");
    }

    /// One `--json` message on one line of stdout (see [`crate::message`]).
    pub fn json<M: crate::message::Message>(&self, message: &M) {
        self.out(crate::message::to_line(message));
    }

    /// A spinner on a terminal; `None` (draw nothing) on a pipe, in CI, with `-q` or `-v`.
    pub fn spinner(&self, message: impl Into<String>) -> Option<ProgressBar> {
        if !self.progress {
            return None;
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner:.green} {msg}")
                .expect("static template is valid"),
        );
        bar.set_message(message.into());
        bar.enable_steady_tick(Duration::from_millis(100));
        Some(bar)
    }

    /// A byte-count progress bar on a terminal; `None` where [`Shell::spinner`] is.
    pub fn bytes_bar(&self) -> Option<ProgressBar> {
        if !self.progress {
            return None;
        }
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:>12} [{bar:30}] {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec})",
            )
            .expect("static template is valid")
            .progress_chars("=> "),
        );
        Some(bar)
    }
}

/// Every wash error type that carries a hint. A type missing here shows no hint of its own
/// (unless an error wrapping it asks it, as the `transparent` wrappers do).
const HINTED: &[Probe] = &[
    probe::<crate::hint::Advice>,
    probe::<crate::build::BuildError>,
    probe::<crate::compose::ComposeError>,
    probe::<crate::inspect::InspectError>,
    probe::<crate::oci::OciError>,
    probe::<crate::ops::OpError>,
    probe::<crate::config::ConfigError>,
    probe::<crate::dev::DevError>,
    probe::<crate::home::HomeError>,
    probe::<crate::plugin::PluginError>,
    probe::<crate::project::ProjectError>,
    probe::<crate::run::RunError>,
    probe::<crate::sign::KeyError>,
    probe::<crate::sign::SignError>,
    probe::<crate::sign::VerifyError>,
    probe::<crate::source::SourceError>,
    probe::<crate::template::TemplateError>,
    probe::<crate::virt::VirtError>,
    probe::<crate::wit::WitError>,
];

/// Sizes as people read them: `1.2 MiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
