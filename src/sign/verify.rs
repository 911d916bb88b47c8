//! Checking the signatures a component carries against trusted public keys, in memory.

use std::io::Cursor;

use super::keys::{KeyError, KeyStore, TrustedKey, hex, key_id_bytes};

/// Which keys to trust, and whether one or all of them must have signed.
#[derive(Debug, Clone)]
pub struct VerifyPolicy {
    /// The trusted public keys.
    pub keys: Vec<TrustedKey>,
    /// `true`: every key must have signed (`--all`); `false`: any one of them.
    pub require_all: bool,
}

impl VerifyPolicy {
    /// Passes when any of `keys` signed.
    pub fn any(keys: Vec<TrustedKey>) -> VerifyPolicy {
        VerifyPolicy {
            keys,
            require_all: false,
        }
    }

    /// Passes when any key of the store signed (`wash verify` with no `--key`).
    pub fn any_in(store: &KeyStore) -> Result<VerifyPolicy, KeyError> {
        Ok(VerifyPolicy::any(store.trusted()?))
    }
}

/// One signature found in a component.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureEntry {
    /// The key id the signer recorded, as hex; `None` for an anonymous signature.
    pub key_id: Option<String>,
    /// The algorithm: `ed25519` (the only one the format defines).
    pub algorithm: &'static str,
}

/// A trusted key and whether it signed the component as it is.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyCheck {
    /// The key's name.
    pub name: String,
    /// Its key id.
    pub key_id: String,
    /// Its fingerprint.
    pub fingerprint: String,
    /// What was found.
    pub outcome: Outcome,
}

/// Whether a key's signature holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The key signed exactly these contents.
    Verified,
    /// A signature carries this key's id but does not match: the file changed after it was
    /// signed, or the signature was damaged.
    Modified,
    /// Nothing this key signed.
    NotSigned,
}

/// A passed verification: the signatures present and each trusted key's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyReport {
    /// Every signature in the component.
    pub signatures: Vec<SignatureEntry>,
    /// One entry per trusted key, in the policy's order.
    pub keys: Vec<KeyCheck>,
}

impl VerifyReport {
    /// The keys that signed these exact contents.
    pub fn verified(&self) -> impl Iterator<Item = &KeyCheck> {
        self.keys.iter().filter(|k| k.outcome == Outcome::Verified)
    }
}

/// Why verification failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Not WebAssembly at all.
    #[error("not a WebAssembly file (it does not start with `\\0asm`)")]
    NotWasm,
    /// No `signature` section.
    #[error("not signed: there is no `signature` section")]
    NotSigned,
    /// The `signature` section (or the sections after it) cannot be read.
    #[error("its signature section cannot be read ({reason}): the file is damaged or was altered")]
    Malformed {
        /// What wasmsign2 reported.
        reason: String,
    },
    /// No trusted key to check against.
    #[error("there is no public key to verify with")]
    NoKeys,
    /// The policy is not met.
    #[error("{}", failure_message(.report, *.require_all))]
    Failed {
        /// What was found for each key.
        report: VerifyReport,
        /// Whether all keys were required.
        require_all: bool,
    },
}

fn failure_message(report: &VerifyReport, require_all: bool) -> String {
    let mut lines = Vec::new();
    let failing: Vec<&KeyCheck> = report
        .keys
        .iter()
        .filter(|k| k.outcome != Outcome::Verified)
        .collect();
    lines.push(if require_all && failing.len() < report.keys.len() {
        "not signed by every given key".to_string()
    } else if report.keys.len() == 1 {
        format!(
            "{} by `{}` (key id {})",
            describe(failing[0].outcome),
            failing[0].name,
            failing[0].key_id
        )
    } else {
        "no valid signature by any of the given keys".to_string()
    });
    if report.keys.len() > 1 || require_all {
        for k in &failing {
            lines.push(format!(
                "  `{}` (key id {}): {}",
                k.name,
                k.key_id,
                describe(k.outcome)
            ));
        }
    }
    let ids: Vec<String> = report
        .signatures
        .iter()
        .map(|s| s.key_id.clone().unwrap_or_else(|| "(anonymous)".into()))
        .collect();
    lines.push(format!(
        "its signatures are from key ids: {}",
        ids.join(", ")
    ));
    lines.join("\n")
}

impl crate::hint::Hint for VerifyError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            VerifyError::NotSigned => "sign it with `wash sign FILE --key NAME`".into(),
            VerifyError::NoKeys => "pass `--key NAME|FILE` or `--keys-dir DIR`, or add keys with \
                `wash keys new` / `wash keys import`"
                .into(),
            VerifyError::Failed { report, .. }
                if report.keys.iter().any(|k| k.outcome == Outcome::Modified) =>
            {
                "the file changed after it was signed; rebuild and sign it again, or get an \
                 unmodified copy"
                    .into()
            }
            VerifyError::Failed { .. } => "check that you were given the signer's public key \
                (`wash keys show NAME` prints its key id)"
                .into(),
            VerifyError::NotWasm | VerifyError::Malformed { .. } => return None,
        })
    }
}

fn describe(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Verified => "verified",
        Outcome::Modified => "modified after it was signed",
        Outcome::NotSigned => "not signed",
    }
}

/// The signatures `bytes` carry, without checking them. `Err(NotSigned)` when there are none.
pub fn signatures(bytes: &[u8]) -> Result<Vec<SignatureEntry>, VerifyError> {
    if !crate::artifact::is_wasm(bytes) {
        return Err(VerifyError::NotWasm);
    }
    let malformed = |e: wasmsign2::WSError| VerifyError::Malformed {
        reason: e.to_string(),
    };
    if !lengths_fit(bytes) {
        return Err(malformed(wasmsign2::WSError::ParseError));
    }
    let module = wasmsign2::Module::deserialize(&mut Cursor::new(bytes)).map_err(malformed)?;
    let header = match module.sections.first() {
        Some(wasmsign2::Section::Custom(c)) if c.is_signature_header() => c,
        _ => return Err(VerifyError::NotSigned),
    };
    let data = header.signature_data().map_err(malformed)?;
    let entries: Vec<SignatureEntry> = data
        .signed_hashes_set
        .iter()
        .flat_map(|set| &set.signatures)
        .map(|s| SignatureEntry {
            key_id: s.key_id.as_deref().map(hex),
            algorithm: "ed25519",
        })
        .collect();
    if entries.is_empty() {
        return Err(VerifyError::NotSigned);
    }
    Ok(entries)
}

/// Whether `key` signed exactly `bytes` (every section after the signature section).
pub fn check(bytes: &[u8], signatures: &[SignatureEntry], key: &TrustedKey) -> Outcome {
    // With the key's id attached, a signature recording another key id is not tried for it:
    // the key id is not covered by the signature itself, so this keeps every byte of the file
    // significant, and the ids `wash inspect` shows cannot be swapped under a valid signature.
    // Anonymous signatures (no key id) are tried with every key.
    let strict = key.key.clone().attach_default_key_id();
    if lengths_fit(bytes) && signed_by(bytes, &strict) {
        return Outcome::Verified;
    }
    let id = hex(&key_id_bytes(&key.key));
    if signatures.iter().any(|s| s.key_id.as_deref() == Some(&id)) {
        Outcome::Modified
    } else {
        Outcome::NotSigned
    }
}

/// Whether `key` signed `bytes`: wasmsign2's `PublicKey::verify`, the same checks in the same
/// order, with the file's hash taken in place by the `sha2` crate (the CPU's SHA instructions
/// where it has them) instead of wasmsign2's copying reader and portable hash, and only once a
/// signature by `key` was found. The caller checked [`lengths_fit`].
fn signed_by(bytes: &[u8], key: &wasmsign2::PublicKey) -> bool {
    use sha2::{Digest, Sha256};
    let Some((header, rest)) = first_section(bytes) else {
        return false;
    };
    let mut header = header;
    let Some(name_len) = read_leb(&mut header) else {
        return false;
    };
    let Some(payload) = header
        .split_at_checked(name_len)
        .and_then(|(name, payload)| (name == b"signature").then_some(payload))
    else {
        return false; // not signed
    };
    let Ok(data) = wasmsign2::SignatureData::deserialize(payload) else {
        return false;
    };
    if data.hash_function != 0x01 {
        return false;
    }
    let mut valid: Vec<&[u8]> = Vec::new();
    for set in &data.signed_hashes_set {
        let mut message = b"wasmsig".to_vec();
        message.extend_from_slice(&[0x01, 0x01, 0x01]);
        for hash in &set.hashes {
            message.extend_from_slice(hash);
        }
        for signature in &set.signatures {
            if let (Some(theirs), Some(ours)) = (&signature.key_id, &key.key_id)
                && theirs != ours
            {
                continue;
            }
            // As in wasmsign2, a signature of the wrong length fails the whole check.
            let Ok(signature) = ed25519_compact::Signature::from_slice(&signature.signature) else {
                return false;
            };
            if key.pk.verify(&message, &signature).is_ok() {
                valid.extend(set.hashes.iter().map(Vec::as_slice));
            }
        }
    }
    !valid.is_empty() && valid.contains(&Sha256::digest(rest).as_slice())
}

/// The payload of the first section of `bytes`, when it is a custom section, and everything
/// after it; `None` when the header is not a module's or a component's (version 1), or there is
/// no such complete section.
fn first_section(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    const HEADERS: [&[u8]; 2] = [b"\0asm\x01\0\0\0", b"\0asm\x0d\0\x01\0"];
    let (header, body) = bytes.split_at_checked(8)?;
    if !HEADERS.contains(&header) {
        return None;
    }
    let (&id, mut rest) = body.split_first()?;
    if id != 0 {
        return None;
    }
    let len = read_leb(&mut rest)?;
    rest.split_at_checked(len)
}

/// An unsigned LEB128 of at most 32 bits, as wasmsign2 reads one, taken off the front of
/// `data` (signing and checking read the sections' framing alike).
pub(super) fn read_leb(data: &mut &[u8]) -> Option<usize> {
    let mut value: u32 = 0;
    for i in 0..5 {
        let (&b, rest) = data.split_first()?;
        *data = rest;
        value |= u32::from(b & 0x7f).wrapping_shl(7 * i);
        if b & 0x80 == 0 {
            return usize::try_from(value).ok();
        }
    }
    None
}

/// Whether every length wasmsign2 reads from `bytes` fits in what is left of them: each
/// section's size, each custom section's name, and the nested lengths of a `signature`
/// section. wasmsign2 allocates a buffer of each length before reading into it, so a file of a
/// few bytes could otherwise ask for 4 GiB (found by `fuzz/`, `fuzz/regressions/sign-*`).
pub(crate) fn lengths_fit(bytes: &[u8]) -> bool {
    fn leb(data: &mut &[u8]) -> Option<usize> {
        let mut value: u64 = 0;
        for i in 0..5 {
            let (&byte, rest) = data.split_first()?;
            *data = rest;
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return usize::try_from(value).ok();
            }
        }
        None
    }
    fn slice<'a>(data: &mut &'a [u8]) -> Option<&'a [u8]> {
        let n = leb(data)?;
        let (head, rest) = data.split_at_checked(n)?;
        *data = rest;
        Some(head)
    }
    // `signature` payload: version, content type, hash function, then framed signed-hash
    // sets, each holding 32-byte hashes and framed signatures (key id, algorithm, signature).
    fn signature_fits(mut data: &[u8]) -> Option<()> {
        data = data.get(3..)?;
        for _ in 0..leb(&mut data)?.min(64) {
            let mut set = slice(&mut data)?;
            let hashes = leb(&mut set)?.min(64);
            set = set.get(hashes * 32..)?;
            for _ in 0..leb(&mut set)?.min(256) {
                let mut signature = slice(&mut set)?;
                slice(&mut signature)?;
                // wasmsign2 skips a signature of another algorithm than ed25519 (`0x01`)
                // without reading further.
                if let Some((0x01, mut rest)) = signature.split_first().map(|(a, r)| (*a, r)) {
                    slice(&mut rest)?;
                }
            }
        }
        Some(())
    }
    let Some(mut rest) = bytes.get(8..) else {
        return false;
    };
    while let Some((&id, tail)) = rest.split_first() {
        rest = tail;
        let Some(mut body) = slice(&mut rest) else {
            return false;
        };
        if id == 0 {
            let Some(name) = slice(&mut body) else {
                return false;
            };
            if name == b"signature" && signature_fits(body).is_none() {
                return false;
            }
        }
    }
    true
}

/// Verifies `bytes` (a component or module, in memory) against the policy; nothing is read
/// from or written to disk. `Ok` only when the policy is met.
pub fn verify_bytes(bytes: &[u8], policy: &VerifyPolicy) -> Result<VerifyReport, VerifyError> {
    let signatures = signatures(bytes)?;
    if policy.keys.is_empty() {
        return Err(VerifyError::NoKeys);
    }
    let keys: Vec<KeyCheck> = policy
        .keys
        .iter()
        .map(|k| KeyCheck {
            name: k.info.name.clone(),
            key_id: k.info.key_id.clone(),
            fingerprint: k.info.fingerprint.clone(),
            outcome: check(bytes, &signatures, k),
        })
        .collect();
    let report = VerifyReport { signatures, keys };
    let verified = report.verified().count();
    let passed = if policy.require_all {
        verified == report.keys.len()
    } else {
        verified > 0
    };
    if passed {
        Ok(report)
    } else {
        Err(VerifyError::Failed {
            report,
            require_all: policy.require_all,
        })
    }
}

/// One signature of a component, checked against local keys (for `wash inspect`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureStatus {
    /// The key id the signer recorded, as hex; `None` for an anonymous signature.
    pub key_id: Option<String>,
    /// `ed25519`.
    pub algorithm: &'static str,
    /// The local key with this key id (or, for an anonymous signature, the one that verifies).
    pub key: Option<String>,
    /// `verified` or `modified` when a local key matches; `unknown-key` otherwise.
    pub status: SignatureState,
}

/// What a local check of one signature found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureState {
    /// A local key verifies it over the file as it is.
    Verified,
    /// It carries a local key's id but does not verify: the file changed after signing.
    Modified,
    /// No local key has this id (or verifies an anonymous signature).
    UnknownKey,
}

/// Every signature in `bytes`, each checked against `local` keys. Empty when unsigned (or the
/// signature section is unreadable).
pub fn check_signatures(bytes: &[u8], local: &[TrustedKey]) -> Vec<SignatureStatus> {
    // wasmsign2 copies every section out to find the header: not for a file without one.
    if !starts_with_signature_header(bytes) {
        return Vec::new();
    }
    let Ok(entries) = signatures(bytes) else {
        return Vec::new();
    };
    entries
        .iter()
        .map(|e| {
            let candidates: Vec<&TrustedKey> = match &e.key_id {
                Some(id) => local.iter().filter(|k| &k.info.key_id == id).collect(),
                None => local.iter().collect(),
            };
            let outcomes: Vec<(&TrustedKey, Outcome)> = candidates
                .into_iter()
                .map(|k| (k, check(bytes, &entries, k)))
                .collect();
            let verified = outcomes.iter().find(|(_, o)| *o == Outcome::Verified);
            let (key, status) = match (verified, &e.key_id, outcomes.first()) {
                (Some((k, _)), _, _) => (Some(k), SignatureState::Verified),
                (None, Some(_), Some((k, _))) => (Some(k), SignatureState::Modified),
                _ => (None, SignatureState::UnknownKey),
            };
            SignatureStatus {
                key_id: e.key_id.clone(),
                algorithm: e.algorithm,
                key: key.map(|k| k.info.name.clone()),
                status,
            }
        })
        .collect()
}

/// Whether the first section (after the 8-byte preamble) is a custom section named
/// `signature`, where wasmsign2 puts its header: read from that section's head alone.
fn starts_with_signature_header(bytes: &[u8]) -> bool {
    let Some(rest) = bytes.get(8..) else {
        return false;
    };
    let mut reader = wasmparser::BinaryReader::new(rest, 8);
    let (Ok(0), Ok(_size), Ok(name)) = (
        reader.read_u8(),
        reader.read_var_u32(),
        reader.read_string(),
    ) else {
        return false;
    };
    name == "signature"
}

#[cfg(test)]
mod fast_check_tests {
    use super::*;
    use crate::sign::{KeyStore, sign_bytes};

    /// wasmsign2's own verdict: the reference.
    fn wasmsign2_says(bytes: &[u8], key: &wasmsign2::PublicKey) -> bool {
        key.verify(&mut Cursor::new(bytes), None).is_ok()
    }

    #[test]
    fn agrees_with_wasmsign2() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::at(dir.path());
        for name in ["a", "b", "c"] {
            store.create(name).unwrap();
        }
        let key = |n: &str| store.signing(n).unwrap();
        let strict = |n: &str| key(n).public.key.clone().attach_default_key_id();
        let module = wat::parse_str(r#"(module (func (export "f")) (@custom "n" "x"))"#).unwrap();
        let component = wat::parse_str(r#"(component (core module))"#).unwrap();
        let mut cases: Vec<Vec<u8>> = vec![module.clone(), component.clone()];
        for base in [&module, &component] {
            let a = sign_bytes(base, &[key("a")]).unwrap().bytes;
            let ab = sign_bytes(&a, &[key("b")]).unwrap().bytes;
            let mut altered = ab.clone();
            *altered.last_mut().unwrap() ^= 1;
            let mut appended = a.clone();
            appended.extend([0, 2, 1, b'z']);
            // An anonymous signature (no key id), as wasmsign2 makes it.
            let m = wasmsign2::Module::deserialize(&mut Cursor::new(base)).unwrap();
            let (anon, _) = key("c").secret.sign_multi(m, None, false, false).unwrap();
            let mut anonymous = Vec::new();
            anon.serialize(&mut anonymous).unwrap();
            // The signature section's name length in a padded LEB128.
            let mut padded = a[..8].to_vec();
            let (section, tail) = first_section(&a).unwrap();
            let mut named = section;
            let name_len = read_leb(&mut named).unwrap();
            let body = [&[0x80 | name_len as u8, 0][..], named].concat();
            padded.push(0);
            padded.push(body.len() as u8 | 0x80);
            padded.push((body.len() >> 7) as u8);
            padded.extend(&body);
            padded.extend(tail);
            cases.extend([a, ab, altered, appended, anonymous, padded]);
        }
        let mut checked = 0;
        for bytes in &cases {
            for name in ["a", "b", "c"] {
                let k = strict(name);
                assert_eq!(
                    signed_by(bytes, &k),
                    wasmsign2_says(bytes, &k),
                    "key {name} on {} bytes",
                    bytes.len()
                );
                checked += usize::from(wasmsign2_says(bytes, &k));
            }
        }
        // Both verdicts occur: the cases test something.
        assert!(checked >= 6 && checked < cases.len() * 3, "{checked}");
    }
}
