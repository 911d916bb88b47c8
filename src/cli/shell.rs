//! The one owner of the terminal: status lines and errors on stderr, data on stdout, and
//! progress only where a person is watching.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Where wash's output goes and how it looks.
pub struct Shell {
    color: bool,
    progress: bool,
}

impl Shell {
    /// Decides colour and progress once, from the environment: colour and progress only on a
    /// terminal, and never in CI, with `TERM=dumb` or with `NO_COLOR` (colour only).
    pub fn from_env() -> Shell {
        let tty = std::io::stderr().is_terminal();
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        let ci = std::env::var_os("CI").is_some();
        Shell {
            color: tty && !dumb && std::env::var_os("NO_COLOR").is_none(),
            progress: tty && !dumb && !ci,
        }
    }

    /// A cargo-style status line: a right-aligned green verb, then the message.
    pub fn status(&self, verb: &str, message: impl std::fmt::Display) {
        if self.color {
            eprintln!("\x1b[1;32m{verb:>12}\x1b[0m {message}");
        } else {
            eprintln!("{verb:>12} {message}");
        }
    }

    /// A warning on stderr.
    pub fn warn(&self, message: impl std::fmt::Display) {
        self.labelled("warning", "33", message);
    }

    /// An error and its causes on stderr, as `error:` and a `Caused by:` list. Lines of the
    /// form `help: …` anywhere in the chain are gathered and shown last, where the eye lands.
    pub fn error(&self, err: &anyhow::Error) {
        let mut helps = Vec::new();
        let mut split = |text: String| {
            let (mut body, mut lines) = (
                Vec::new(),
                text.lines().map(str::to_string).collect::<Vec<_>>(),
            );
            for line in lines.drain(..) {
                match line.strip_prefix("help: ") {
                    Some(h) => helps.push(h.to_string()),
                    None => body.push(line),
                }
            }
            body.join("\n")
        };
        let head = split(err.to_string());
        let causes: Vec<String> = err.chain().skip(1).map(|c| split(c.to_string())).collect();
        self.labelled("error", "31", head);
        if !causes.is_empty() {
            eprintln!("\nCaused by:");
            for (i, cause) in causes.iter().enumerate() {
                let text = cause.replace('\n', "\n      ");
                if causes.len() == 1 {
                    eprintln!("    {text}");
                } else {
                    eprintln!("    {i}: {text}");
                }
            }
        }
        // Hints carried as data by the errors themselves (see `crate::hint`).
        for h in crate::hint::collect(err.as_ref()) {
            if !helps.contains(&h) {
                helps.push(h);
            }
        }
        for help in helps {
            eprintln!();
            self.labelled("help", "36", help);
        }
    }

    fn labelled(&self, label: &str, code: &str, message: impl std::fmt::Display) {
        if self.color {
            eprintln!("\x1b[1;{code}m{label}\x1b[0m\x1b[1m:\x1b[0m {message}");
        } else {
            eprintln!("{label}: {message}");
        }
    }

    /// Data for stdout. A closed pipe (`wash … | head`) is not an error.
    pub fn out(&self, text: impl std::fmt::Display) {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{text}");
    }

    /// One JSON document on one line of stdout.
    pub fn json(&self, value: &impl serde::Serialize) {
        let text = serde_json::to_string(value).expect("wash's JSON types always serialize");
        self.out(text);
    }

    /// A spinner on a terminal; `None` (draw nothing) on a pipe or in CI.
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
}

impl Shell {
    /// A byte-count progress bar on a terminal; `None` (draw nothing) on a pipe or in CI.
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
