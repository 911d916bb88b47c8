//! Fix suggestions as data. An error type that knows what the user should do next implements
//! [`Hint`]; its `Display` says only what went wrong. The CLI walks an error's cause chain with
//! [`collect`] and prints each hint as a `help:` line after the causes, where the eye lands.
//!
//! Keeping the fix out of the message keeps messages composable (a cause reads well inside
//! another's `Caused by:` list) and lets `--json` consumers and tests see the hint as a field.

use std::error::Error;

/// An error that can say how to fix it.
pub trait Hint {
    /// The fix, as one sentence the user can act on (`install it with `rustup target add …``),
    /// or `None` when there is nothing better to say than the message.
    fn hint(&self) -> Option<String>;
}

/// A user-facing error with a message and a fix, for the few refusals that belong to no
/// module's own error type (argument combinations the CLI checks itself).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Advice {
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

impl Advice {
    /// A refusal with its fix.
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Advice {
        Advice {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl Hint for Advice {
    fn hint(&self) -> Option<String> {
        Some(self.hint.clone())
    }
}

/// An error that is wash's fault, not the user's: the CLI exits with [`INTERNAL_EXIT_CODE`] and
/// asks for a bug report.
#[derive(Debug, thiserror::Error)]
#[error("internal error: {0}")]
pub struct Internal(pub String);

/// The exit code of an internal error (the same code Rust gives a panic).
pub const INTERNAL_EXIT_CODE: u8 = 101;

/// Recognizes one error type in a chain and asks it for its hint.
type Probe = fn(&(dyn Error + 'static)) -> Option<String>;

fn probe<E: Hint + Error + 'static>(e: &(dyn Error + 'static)) -> Option<String> {
    e.downcast_ref::<E>()?.hint()
}

/// Every wash error type that implements [`Hint`]. A type missing here shows no hint, which the
/// unit test below catches for the types it lists.
const PROBES: &[Probe] = &[probe::<Advice>, probe::<crate::virt::VirtError>];

/// The hints of every error in `err`'s cause chain, outermost first, without repeats.
pub fn collect(err: &(dyn Error + 'static)) -> Vec<String> {
    let mut hints: Vec<String> = Vec::new();
    for e in std::iter::successors(Some(err), |e: &&(dyn Error + 'static)| (*e).source()) {
        for probe in PROBES {
            if let Some(h) = probe(e)
                && !hints.contains(&h)
            {
                hints.push(h);
            }
        }
    }
    hints
}

/// Whether `err`'s chain holds an [`Internal`] error.
pub fn is_internal(err: &(dyn Error + 'static)) -> bool {
    std::iter::successors(Some(err), |e: &&(dyn Error + 'static)| (*e).source())
        .any(|e| e.is::<Internal>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] Advice);

    #[test]
    fn hints_are_found_below_other_errors_and_context() {
        let err = anyhow::Error::new(Outer(Advice::new("inner", "do this")))
            .context("while doing the thing");
        let root: &(dyn Error + 'static) = err.as_ref();
        assert_eq!(collect(root), vec!["do this".to_string()]);
        assert!(!is_internal(root));
    }
}
