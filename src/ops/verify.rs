//! `wash verify`: a component's signatures against the keys named, the keys of folders, or
//! the local store.

use std::path::PathBuf;

use super::{OpError, failed};
use crate::artifact;
use crate::hint::Advice;
use crate::sign::{self, KeyStore, TrustedKey, VerifyPolicy, VerifyReport};

/// What to verify, against which keys.
#[derive(Debug, Clone, Default)]
pub struct VerifyRequest {
    /// The file.
    pub input: PathBuf,
    /// Key names in the store, or key files.
    pub keys: Vec<String>,
    /// Folders whose `*.pub` keys are trusted.
    pub keys_dirs: Vec<PathBuf>,
    /// Every key must have signed, not just one.
    pub all: bool,
}

/// The trusted keys: those named and those in the folders given, else the whole store.
pub fn trusted(request: &VerifyRequest) -> Result<Vec<TrustedKey>, OpError> {
    let mut keys = super::trusted_keys(&request.keys)?;
    for dir in &request.keys_dirs {
        let found = KeyStore::at(dir).trusted()?;
        if found.is_empty() {
            return Err(Advice::new(
                format!("`{}` holds no public keys (`*.pub` files)", dir.display()),
                "point `--keys-dir` at a folder of `NAME.pub` files, or name keys with `--key`",
            )
            .into());
        }
        keys.extend(found);
    }
    if request.keys.is_empty() && request.keys_dirs.is_empty() {
        keys = KeyStore::open_default().trusted()?;
    }
    Ok(keys)
}

/// Verifies the file. A failed policy is a [`sign::VerifyError::Failed`] in the error's
/// chain, whose report says what was found for each key.
pub fn verify(request: &VerifyRequest) -> Result<VerifyReport, OpError> {
    let policy = VerifyPolicy {
        keys: trusted(request)?,
        require_all: request.all,
    };
    let bytes = artifact::read(&request.input)?;
    sign::verify_bytes(&bytes, &policy).map_err(failed(format!(
        "`{}` failed verification",
        request.input.display()
    )))
}

/// The per-key findings of a failed verification, from the error [`verify`] returned.
pub fn failure_report(err: &OpError) -> Option<&VerifyReport> {
    match err {
        OpError::Verify(sign::VerifyError::Failed { report, .. }) => Some(report),
        OpError::Failed { source, .. } => failure_report(source),
        _ => None,
    }
}
