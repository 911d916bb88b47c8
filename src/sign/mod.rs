//! Signatures embedded in components, in the WebAssembly signatures format
//! (WebAssembly/tool-conventions `Signatures.md`, implemented by the `wasmsign2` crate): a
//! `signature` custom section, first in the file, holding ed25519 signatures over the SHA-256
//! of every section after it. Several signers can sign the same bytes; each signature records
//! its signer's [key id](keys::KeyInfo::key_id).
//!
//! - [`keys`]: the local key store (`wash keys`).
//! - [`sign_bytes`]: adds signatures (`wash sign`, and `wash build` as its last step).
//! - [`verify_bytes`]: checks them against trusted keys, in memory (`wash verify`, `wash
//!   inspect`, and anything that must check bytes before writing them anywhere).
//!
//! ```no_run
//! use wash::sign::{KeyStore, VerifyPolicy, verify_bytes};
//! let bytes = std::fs::read("app.wasm")?;
//! let policy = VerifyPolicy::any_in(&KeyStore::open_default())?;
//! let report = verify_bytes(&bytes, &policy)?;
//! for key in report.verified() {
//!     println!("signed by {} ({})", key.name, key.key_id);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod embed;
pub mod keys;
mod verify;

pub use keys::{KeyError, KeyInfo, KeyStore, SigningKey, TrustedKey};
pub use verify::{
    KeyCheck, Outcome, SignatureEntry, SignatureState, SignatureStatus, VerifyError, VerifyPolicy,
    VerifyReport, check, check_signatures, signatures, verify_bytes,
};

/// What signing produced.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The signed file's bytes (unchanged when every key had signed already).
    pub bytes: Vec<u8>,
    /// The keys that added a signature, by name.
    pub added: Vec<String>,
    /// The keys whose valid signature was already there, by name.
    pub already: Vec<String>,
}

impl Signed {
    /// Whether the bytes changed.
    pub fn changed(&self) -> bool {
        !self.added.is_empty()
    }
}

/// What can go wrong signing.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// Not WebAssembly at all.
    #[error("not a WebAssembly file (it does not start with `\\0asm`)")]
    NotWasm,
    /// Not valid WebAssembly: signing it would vouch for garbage.
    #[error("not a valid WebAssembly component or module")]
    Invalid(#[source] wasmparser::BinaryReaderError),
    /// No key given.
    #[error("no key to sign with")]
    NoKeys,
    /// wasmsign2 refused.
    #[error("could not sign with key `{key}`")]
    Sign {
        /// The key.
        key: String,
        /// What wasmsign2 reported.
        #[source]
        source: wasmsign2::WSError,
    },
}

impl crate::hint::Hint for SignError {
    fn hint(&self) -> Option<String> {
        match self {
            SignError::NoKeys => Some("pass `--key NAME` (see `wash keys list`)".into()),
            _ => None,
        }
    }
}

/// Adds a signature by each key to `bytes`, keeping the signatures already there (so earlier
/// signers stay valid). A key whose signature over these exact contents is already present is
/// skipped, which makes signing idempotent. Validates the WebAssembly first.
pub fn sign_bytes(bytes: &[u8], keys: &[SigningKey]) -> Result<Signed, SignError> {
    sign(bytes, keys, true)
}

/// [`sign_bytes`] for bytes the caller validated itself, fully, just before: `wash build` signs
/// what its previous step (placing, composing or virtualizing) validated. They are not
/// validated a second time.
pub fn sign_validated_bytes(bytes: &[u8], keys: &[SigningKey]) -> Result<Signed, SignError> {
    sign(bytes, keys, false)
}

fn sign(bytes: &[u8], keys: &[SigningKey], validate: bool) -> Result<Signed, SignError> {
    if keys.is_empty() {
        return Err(SignError::NoKeys);
    }
    let existing = signatures(bytes).unwrap_or_default();
    let already: Vec<String> = keys
        .iter()
        .filter(|k| check(bytes, &existing, &k.public) == Outcome::Verified)
        .map(|k| k.public.info.name.clone())
        .collect();
    if already.len() == keys.len() {
        // Nothing to add (a no-op `wash build`): no need to validate or copy.
        return Ok(Signed {
            bytes: bytes.to_vec(),
            added: Vec::new(),
            already,
        });
    }
    if !crate::artifact::is_wasm(bytes) {
        return Err(SignError::NotWasm);
    }
    // Validation sees the signature section as any custom section: already-signed files pass.
    if validate {
        crate::artifact::validate_component(bytes).map_err(SignError::Invalid)?;
    }
    // wasmsign2 reads the signatures already there; refuse lengths it would trust blindly.
    if !verify::lengths_fit(bytes) {
        return Err(SignError::Sign {
            key: keys[0].public.info.name.clone(),
            source: wasmsign2::WSError::ParseError,
        });
    }
    // Each key's signature is added to the last one's output; the input is not copied first.
    let mut signed: std::borrow::Cow<'_, [u8]> = std::borrow::Cow::Borrowed(bytes);
    let mut out = Signed {
        bytes: Vec::new(),
        added: Vec::new(),
        already: Vec::new(),
    };
    for key in keys {
        let name = key.public.info.name.clone();
        if already.contains(&name) {
            out.already.push(name);
            continue;
        }
        if out.added.contains(&name) {
            continue; // the same key given twice
        }
        let err = |source: wasmsign2::WSError| SignError::Sign {
            key: name.clone(),
            source,
        };
        signed = embed::add_signature(&signed, key).map_err(err)?.into();
        out.added.push(name);
    }
    out.bytes = signed.into_owned();
    Ok(out)
}
