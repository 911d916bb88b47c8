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
const PROBES: &[Probe] = &[
    probe::<Advice>,
    probe::<crate::config::ConfigError>,
    probe::<crate::home::HomeError>,
    probe::<crate::build::BuildError>,
    probe::<crate::wit::WitError>,
];

// `#[error(transparent)]` hands `source()` on to the wrapped error's own cause, so the wrapped
// error never appears in the chain `collect` walks: a wrapper of a hinted error must pass its
// hint on itself.

impl Hint for crate::build::BuildError {
    fn hint(&self) -> Option<String> {
        match self {
            crate::build::BuildError::Config(e) => e.hint(),
            crate::build::BuildError::Wit(e) => e.hint(),
            _ => None,
        }
    }
}

impl Hint for crate::wit::WitError {
    fn hint(&self) -> Option<String> {
        match self {
            crate::wit::WitError::Config(e) => e.hint(),
            _ => None,
        }
    }
}

/// The hints of every error in `err`'s cause chain, outermost first, without repeats.
pub fn collect(err: &(dyn Error + 'static)) -> Vec<String> {
    let mut hints: Vec<String> = Vec::new();
    for e in chain(err) {
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

/// `err` and its causes, outermost first.
fn chain<'a>(err: &'a (dyn Error + 'static)) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    std::iter::successors(Some(err), |e: &&'a (dyn Error + 'static)| (*e).source())
}

/// Whether `err`'s chain holds an [`Internal`] error.
pub fn is_internal(err: &(dyn Error + 'static)) -> bool {
    chain(err).any(|e| e.is::<Internal>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] Advice);

    #[test]
    fn config_errors_wrapped_transparently_still_give_their_hint() {
        let config = crate::config::ConfigError {
            manifest: "Cargo.toml".into(),
            key: "virt.alow-env".into(),
            problem: crate::config::Problem::Unknown,
            fix: "did you mean `allow-env`?".into(),
        };
        let err = anyhow::Error::new(crate::build::BuildError::Wit(crate::wit::WitError::Config(
            config,
        )))
        .context("failed to build the component");
        assert_eq!(collect(err.as_ref()), vec!["did you mean `allow-env`?"]);
    }

    #[test]
    fn hints_are_found_below_other_errors_and_context() {
        let err = anyhow::Error::new(Outer(Advice::new("inner", "do this")))
            .context("while doing the thing");
        let root: &(dyn Error + 'static) = err.as_ref();
        assert_eq!(collect(root), vec!["do this".to_string()]);
        assert!(!is_internal(root));
    }
}
