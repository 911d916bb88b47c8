//! What the commands do, when it takes more than one capability: build and then push, pull and
//! then run, find the plugs and then compose, resolve the keys and then verify. Each command's
//! file in `cli/` turns its arguments into one of these requests and makes one call; the tests
//! call the same functions. Nothing here prints: progress goes through the reporters passed
//! in, and results come back as data for the CLI to render.
//!
//! Every operation returns [`OpError`], which wraps the typed error of the capability that
//! failed, so the hints of those errors reach the user.

pub mod build;
pub mod call;
pub mod compose;
pub mod deploy;
pub mod inspect;
pub mod plugin;
pub mod pull;
pub mod push;
pub mod run;
pub mod sign;
pub mod verify;
pub mod virt;

use crate::hint::{Advice, Hint};
use crate::sign::{KeyStore, TrustedKey};

/// What can go wrong in an operation: the failing capability's own error.
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)]
pub enum OpError {
    #[error(transparent)]
    Advice(#[from] Advice),
    #[error(transparent)]
    Artifact(#[from] crate::artifact::ArtifactError),
    #[error(transparent)]
    Build(Box<crate::build::BuildError>),
    #[error(transparent)]
    Call(#[from] crate::run::call::CallError),
    #[error(transparent)]
    Compose(#[from] crate::compose::ComposeError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Home(#[from] crate::home::HomeError),
    #[error(transparent)]
    Inspect(#[from] crate::inspect::InspectError),
    #[error(transparent)]
    Key(#[from] crate::sign::KeyError),
    #[error(transparent)]
    Oci(Box<crate::oci::OciError>),
    #[error(transparent)]
    Lattice(#[from] crate::lattice::LatticeError),
    #[error(transparent)]
    Plugin(#[from] crate::plugin::PluginError),
    #[error(transparent)]
    Project(#[from] crate::project::ProjectError),
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
    #[error(transparent)]
    Sign(#[from] crate::sign::SignError),
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
    #[error(transparent)]
    Verify(#[from] crate::sign::VerifyError),
    #[error(transparent)]
    Virt(Box<crate::virt::VirtError>),
    /// The async runtime could not start.
    #[error("could not start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// A step of the operation failed: `doing` names it ("failed to push `app.wasm`").
    #[error("{doing}")]
    Failed {
        /// What was being done.
        doing: String,
        /// Why it failed.
        #[source]
        source: Box<OpError>,
    },
}

// The largest causes are boxed, so a `Result` of any operation stays small.
impl From<crate::build::BuildError> for OpError {
    fn from(e: crate::build::BuildError) -> OpError {
        OpError::Build(Box::new(e))
    }
}

impl From<crate::oci::OciError> for OpError {
    fn from(e: crate::oci::OciError) -> OpError {
        OpError::Oci(Box::new(e))
    }
}

impl From<crate::virt::VirtError> for OpError {
    fn from(e: crate::virt::VirtError) -> OpError {
        OpError::Virt(Box::new(e))
    }
}

/// Wraps an error in what was being done, for `map_err`.
fn failed<E: Into<OpError>>(doing: impl Into<String>) -> impl FnOnce(E) -> OpError {
    move |e| OpError::Failed {
        doing: doing.into(),
        source: Box::new(e.into()),
    }
}

impl Hint for OpError {
    fn hint(&self) -> Option<String> {
        // `transparent` hands Display and the cause chain to the inner error, but the chain
        // starts below it: its hint is asked for here.
        match self {
            OpError::Advice(e) => e.hint(),
            OpError::Artifact(_) | OpError::Runtime(_) => None,
            OpError::Build(e) => e.hint(),
            OpError::Call(e) => e.hint(),
            OpError::Compose(e) => e.hint(),
            OpError::Config(e) => e.hint(),
            OpError::Home(e) => e.hint(),
            OpError::Inspect(e) => e.hint(),
            OpError::Key(e) => e.hint(),
            OpError::Lattice(e) => e.hint(),
            OpError::Oci(e) => e.hint(),
            OpError::Plugin(e) => e.hint(),
            OpError::Project(e) => e.hint(),
            OpError::Run(e) => e.hint(),
            OpError::Sign(e) => e.hint(),
            OpError::Source(e) => e.hint(),
            OpError::Verify(e) => e.hint(),
            OpError::Virt(e) => e.hint(),
            OpError::Failed { source, .. } => source.hint(),
        }
    }
}

/// The public keys `--key`/`--verify-key` values name (key names in the store, or key files),
/// resolved before anything is downloaded or read: a typo fails at once.
pub fn trusted_keys(values: &[String]) -> Result<Vec<TrustedKey>, OpError> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let store = KeyStore::open_default();
    Ok(values
        .iter()
        .map(|v| store.resolve(v))
        .collect::<Result<_, _>>()?)
}

/// The check `--verify-key` asks for, on a pulled component's bytes before anything is written
/// or cached: passes when any of `keys` signed it.
fn verifier(keys: &[TrustedKey]) -> impl Fn(&[u8]) -> Result<(), String> + Send + Sync + '_ {
    move |bytes: &[u8]| {
        crate::sign::verify_bytes(bytes, &crate::sign::VerifyPolicy::any(keys.to_vec()))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// What `wash run` and `wash inspect` take: a component file, or a registry reference pulled
/// through the cache (checked by `verifier` first, when given).
fn locate_file_or_reference(
    word: &str,
    insecure: bool,
    verifier: Option<&crate::oci::Verifier<'_>>,
    progress: crate::oci::ProgressHandle,
) -> Result<crate::source::Located, OpError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let ctx = crate::source::Context::files_and_references(
        &cwd,
        crate::oci::PullOptions {
            client: crate::oci::ClientOptions::from_env(insecure)?,
            verifier,
            progress,
        },
    );
    Ok(crate::source::locate(word, &ctx)?)
}

/// A current-thread runtime for operations that talk to registries.
fn runtime() -> Result<tokio::runtime::Runtime, OpError> {
    crate::oci::runtime().map_err(OpError::Runtime)
}
