//! Adding one signature to a module's or component's bytes: what wasmsign2's `sign_multi`
//! (embedded, no extensions) does, byte for byte, without its copies.
//!
//! wasmsign2 copies every section into a buffer of its own, again into the output list, and
//! once more to serialize it, and hashes with a portable SHA-256. On a 12 MB component those
//! copies (each a fresh block, so page faults) and the hash were most of a `wash build`'s
//! signing step. Here the sections are hashed where they lie, with the `sha2` crate (which
//! uses the CPU's SHA instructions when it has them), and copied once, into the output. The
//! signature format itself — the hashed serialization, the signed message, the merge with
//! signatures already there — is wasmsign2's, and the tests check the output against it.

use sha2::{Digest, Sha256};
use wasmsign2::{SignatureData, SignatureForHashes, SignedHashes, WSError};

use super::keys::{SigningKey, key_id_bytes};
use super::verify::read_leb;

const HEADER: &str = "signature";
const DELIMITER: &str = "signature_delimiter";
const DOMAIN: &str = "wasmsig";
const VERSION: u8 = 0x01;
const CONTENT_TYPE: u8 = 0x01;
const HASH_FUNCTION: u8 = 0x01;
const ED25519: u8 = 0x01;
const MODULE: [u8; 8] = *b"\0asm\x01\0\0\0";
const COMPONENT: [u8; 8] = *b"\0asm\x0d\0\x01\0";

/// One top-level section, as it lies in the bytes.
struct Section<'a> {
    id: u8,
    /// For a custom section, its name; the payload is then what follows the name.
    name: Option<&'a str>,
    payload: &'a [u8],
}

impl Section<'_> {
    /// The section's id and length (and a custom section's name) as wasmsign2 serializes
    /// them: lengths in their shortest LEB128 form. The payload follows.
    fn head(&self) -> Vec<u8> {
        let mut head = Vec::with_capacity(16);
        head.push(self.id);
        match self.name {
            None => leb(&mut head, self.payload.len()),
            Some(name) => {
                let mut name_part = Vec::with_capacity(name.len() + 5);
                leb(&mut name_part, name.len());
                name_part.extend_from_slice(name.as_bytes());
                leb(&mut head, name_part.len() + self.payload.len());
                head.extend_from_slice(&name_part);
            }
        }
        head
    }

    fn hash_into(&self, hasher: &mut Sha256) {
        hasher.update(self.head());
        hasher.update(self.payload);
    }

    fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.head());
        out.extend_from_slice(self.payload);
    }

    fn is_custom(&self, name: &str) -> bool {
        self.name == Some(name)
    }
}

/// `bytes` with a signature by `key` added to its signature section (created first in the
/// file if there is none), as wasmsign2 adds it. Fails as wasmsign2 would on what it cannot
/// parse, and with `DuplicateSignature` when this key already signed these contents.
pub(super) fn add_signature(bytes: &[u8], key: &SigningKey) -> Result<Vec<u8>, WSError> {
    let header: [u8; 8] = bytes
        .get(..8)
        .and_then(|h| h.try_into().ok())
        .ok_or(WSError::Eof)?;
    if header != MODULE && header != COMPONENT {
        return Err(WSError::UnsupportedModuleType);
    }
    let sections = sections(&bytes[8..])?;
    let mut previous = None;
    let mut kept = Vec::with_capacity(sections.len());
    let mut hasher = Sha256::new();
    let mut hashes = Vec::new();
    let mut last_was_delimiter = false;
    for (idx, section) in sections.into_iter().enumerate() {
        if section.is_custom(HEADER) {
            // wasmsign2 reads the one first in the file and drops any other.
            if idx == 0 {
                previous = Some(SignatureData::deserialize(section.payload)?);
            }
            continue;
        }
        section.hash_into(&mut hasher);
        last_was_delimiter = section.is_custom(DELIMITER);
        if last_was_delimiter {
            hashes.push(hasher.clone().finalize().to_vec());
        }
        kept.push(section);
    }
    if !last_was_delimiter {
        hashes.push(hasher.finalize().to_vec());
    }
    let data = signature_data(previous, key, hashes)?.serialize()?;
    let mut out = crate::artifact::buffer(bytes.len() + data.len() + 32);
    out.extend_from_slice(&header);
    let signature = Section {
        id: 0,
        name: Some(HEADER),
        payload: &data,
    };
    signature.write_to(&mut out);
    for section in &kept {
        section.write_to(&mut out);
    }
    Ok(out)
}

/// The signature data with `key`'s signature over `hashes` merged into `previous`.
fn signature_data(
    previous: Option<SignatureData>,
    key: &SigningKey,
    hashes: Vec<Vec<u8>>,
) -> Result<SignatureData, WSError> {
    let mut message = DOMAIN.as_bytes().to_vec();
    message.extend_from_slice(&[VERSION, CONTENT_TYPE, HASH_FUNCTION]);
    for hash in &hashes {
        message.extend_from_slice(hash);
    }
    let signature = SignatureForHashes {
        key_id: Some(key_id_bytes(&key.public.key)),
        alg_id: ED25519,
        signature: key.secret.sk.sign(message, None).to_vec(),
    };
    let mut sets = match previous {
        Some(p) => {
            if p.specification_version != VERSION
                || p.content_type != CONTENT_TYPE
                || p.hash_function != HASH_FUNCTION
            {
                return Err(WSError::IncompatibleSignatureVersion);
            }
            p.signed_hashes_set
        }
        None => Vec::new(),
    };
    match sets.iter_mut().find(|set| set.hashes == hashes) {
        Some(set) => {
            if set
                .signatures
                .iter()
                .any(|s| s.key_id == signature.key_id && s.signature == signature.signature)
            {
                return Err(WSError::DuplicateSignature);
            }
            set.signatures.push(signature);
        }
        None => sets.push(SignedHashes {
            hashes,
            signatures: vec![signature],
        }),
    }
    Ok(SignatureData {
        specification_version: VERSION,
        content_type: CONTENT_TYPE,
        hash_function: HASH_FUNCTION,
        signed_hashes_set: sets,
    })
}

/// The top-level sections of `body` (the bytes after the header).
fn sections(mut body: &[u8]) -> Result<Vec<Section<'_>>, WSError> {
    let mut sections = Vec::new();
    while let Some((&id, rest)) = body.split_first() {
        if id > 0x7f {
            return Err(WSError::ParseError);
        }
        let mut rest = rest;
        let len = read_leb(&mut rest).ok_or(WSError::ParseError)?;
        if rest.len() < len {
            return Err(WSError::Eof);
        }
        let (mut payload, rest) = rest.split_at(len);
        body = rest;
        let name = if id == 0 {
            let mut after = payload;
            let name_len = read_leb(&mut after).ok_or(WSError::ParseError)?;
            if after.len() < name_len {
                return Err(WSError::Eof);
            }
            let (name, data) = after.split_at(name_len);
            payload = data;
            Some(std::str::from_utf8(name).map_err(WSError::UTF8Error)?)
        } else {
            None
        };
        sections.push(Section { id, name, payload });
    }
    Ok(sections)
}

fn leb(out: &mut Vec<u8>, mut value: usize) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::sign::KeyStore;

    /// What wasmsign2 makes of the same request: the reference.
    fn wasmsign2(bytes: &[u8], key: &SigningKey) -> Result<Vec<u8>, WSError> {
        let module = wasmsign2::Module::deserialize(&mut Cursor::new(bytes))?;
        let key_id = key_id_bytes(&key.public.key);
        let (signed, _) = key.secret.sign_multi(module, Some(&key_id), false, false)?;
        let mut out = Vec::new();
        signed.serialize(&mut out)?;
        Ok(out)
    }

    #[test]
    fn signs_as_wasmsign2_does() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::at(dir.path());
        store.create("a").unwrap();
        store.create("b").unwrap();
        let (a, b) = (store.signing("a").unwrap(), store.signing("b").unwrap());
        let module = wat::parse_str(
            r#"(module (func (export "f") (result i32) i32.const 7) (@custom "note" "x"))"#,
        )
        .unwrap();
        let component = wat::parse_str(
            r#"(component (core module (func (export "g"))) (@custom "big" "0123456789"))"#,
        )
        .unwrap();
        // A custom section of 200 bytes: its length takes two LEB128 bytes.
        let mut long = component.clone();
        long.extend([0, 0xC8, 0x01, 4]);
        long.extend(b"long");
        long.extend([7u8; 200 - 5]);
        // A length written in a longer LEB128 form than it needs (as some linkers pad them):
        // both rewrite it in the shortest.
        let mut padded = module.clone();
        padded.extend([0, 0x86, 0x80, 0x80, 0x80, 0x00, 3]);
        padded.extend(b"pad\x01\x02");
        // Delimited parts: each delimiter closes one signed hash.
        let mut delimited = module.clone();
        for part in [b"one", b"two"] {
            delimited.extend([0, 24, 19]);
            delimited.extend(b"signature_delimiter");
            delimited.extend([1, 2, 3, 4]);
            delimited.extend([0, 4 + part.len() as u8, 3]);
            delimited.extend(b"mid");
            delimited.extend(*part);
        }
        for input in [&module, &component, &long, &padded, &delimited] {
            let once = add_signature(input, &a).unwrap();
            assert_eq!(once, wasmsign2(input, &a).unwrap());
            // A second signer joins the first; the same signer again is a duplicate.
            let twice = add_signature(&once, &b).unwrap();
            assert_eq!(twice, wasmsign2(&once, &b).unwrap());
            assert!(matches!(
                add_signature(&twice, &a),
                Err(WSError::DuplicateSignature)
            ));
            assert!(matches!(
                wasmsign2(&twice, &a),
                Err(WSError::DuplicateSignature)
            ));
        }
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::at(dir.path());
        store.create("a").unwrap();
        let a = store.signing("a").unwrap();
        let module = wat::parse_str("(module)").unwrap();
        for bad in [
            &b"\0asm"[..],
            b"\0asm\x02\0\0\0",
            &[&module[..], &[1, 5, 0]].concat(),
            &[&module[..], &[0, 2, 9, b'x']].concat(),
            &[&module[..], &[1, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]].concat(),
        ] {
            assert!(add_signature(bad, &a).is_err(), "{bad:?}");
        }
    }
}
