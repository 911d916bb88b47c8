//! `wash pull`: a component out of a registry into a file, its signature checked first when
//! keys are given.

use std::path::PathBuf;

use super::{OpError, failed, runtime, trusted_keys, verifier};
use crate::oci::{self, ClientOptions, ComponentRef, ProgressHandle, PullOptions, Pulled};

/// What to pull, and where.
#[derive(Debug, Clone, Default)]
pub struct PullRequest {
    /// `REGISTRY/REPOSITORY[:TAG|@DIGEST]`.
    pub reference: String,
    /// The file to write; default `./<repository name>.wasm`.
    pub output: Option<PathBuf>,
    /// Refuse the component unless one of these keys (names or files) signed it.
    pub verify_keys: Vec<String>,
    /// Plain HTTP.
    pub insecure: bool,
}

/// Pulls the component: keys are resolved before the registry is asked anything, and the file
/// is written only once every digest (and signature, if asked) checks.
pub fn pull(request: &PullRequest, progress: ProgressHandle) -> Result<Pulled, OpError> {
    let reference = ComponentRef::parse(&request.reference)?;
    let keys = trusted_keys(&request.verify_keys)?;
    let dest = request
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.wasm", reference.short_name())));
    let verify = verifier(&keys);
    let options = PullOptions {
        client: ClientOptions::from_env(request.insecure)?,
        verifier: (!keys.is_empty()).then_some(&verify as &oci::Verifier<'_>),
        progress,
    };
    runtime()?
        .block_on(oci::pull(&reference, &dest, &options))
        .map_err(failed(format!("failed to pull `{}`", request.reference)))
}
