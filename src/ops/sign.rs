//! `wash sign`: signatures added to a file, in place or to another file.

use std::path::PathBuf;

use super::{OpError, failed};
use crate::artifact;
use crate::sign::{self, KeyInfo, KeyStore};

/// What to sign, with which keys.
#[derive(Debug, Clone, Default)]
pub struct SignRequest {
    /// The file.
    pub input: PathBuf,
    /// Where to write the signed file; default: the input, in place.
    pub output: Option<PathBuf>,
    /// Key names in the store.
    pub keys: Vec<String>,
}

/// What signing did.
#[derive(Debug, Clone)]
pub struct SignOutcome {
    /// The signed file.
    pub path: PathBuf,
    /// Its digest.
    pub digest: String,
    /// The keys, in the order given.
    pub keys: Vec<KeyInfo>,
    /// The keys that added a signature, by name.
    pub added: Vec<String>,
    /// The keys whose valid signature was already there, by name.
    pub already: Vec<String>,
}

/// Signs the file (a no-op, writing nothing, when every key had signed it already in place).
pub fn sign(request: &SignRequest) -> Result<SignOutcome, OpError> {
    let store = KeyStore::open_default();
    let keys = request
        .keys
        .iter()
        .map(|k| store.signing(k))
        .collect::<Result<Vec<_>, _>>()?;
    let bytes = artifact::read(&request.input)?;
    let signed = sign::sign_bytes(&bytes, &keys).map_err(failed(format!(
        "failed to sign `{}`",
        request.input.display()
    )))?;
    let out = request.output.as_ref().unwrap_or(&request.input);
    if signed.changed() || out != &request.input {
        artifact::write_atomic(out, &signed.bytes)?;
    }
    Ok(SignOutcome {
        path: out.clone(),
        digest: artifact::sha256_digest(&signed.bytes),
        keys: keys.into_iter().map(|k| k.public.info).collect(),
        added: signed.added,
        already: signed.already,
    })
}
