//! `wasi:keyvalue` on NATS JetStream KV (`--keyvalue nats://HOST:PORT`): one KV bucket per
//! identifier, created with JetStream's defaults on first open (the way wasmCloud's host
//! creates them), so the same server serves wash and wasmCloud alike.
//!
//! - Bucket names follow NATS's rule, `[a-zA-Z0-9_-]+`; `""` is the bucket `default`. Any
//!   other identifier is refused with `error::other` naming the rule: renaming it silently
//!   would make a bucket that no other client finds under its own name.
//! - Keys are free-form in `wasi:keyvalue` but NATS's are `[-/_=.a-zA-Z0-9]+`, without a
//!   leading or trailing `.`. A key within the rule is stored as it is (other NATS clients see
//!   `count`, `users/42`, `a.b`); any other byte, `=` itself, and a `.` at either end or after
//!   another `.` are written `=XX` (hex), so every key round-trips and no two collide
//!   (`/docs?x=1` is stored as `/docs=3Fx=3D1`). The empty key is refused.
//! - Counters are 8-byte big-endian integers, as wasmCloud's host keeps them in NATS KV, so a
//!   counter shared by `wash run` and a wasmCloud host on one server counts on from both
//!   (docs/deploy.md, "Where `wash run` and the host differ"); a decimal text value, as earlier
//!   wash versions and the other backends write, is read too. `increment` is a
//!   compare-and-swap on the entry's revision, retried on conflict, so it is atomic across
//!   processes sharing the server.
//! - `list-keys` reads every live key, sorts them, and pages 1000 at a time; the cursor is the
//!   number of keys already returned.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_nats::jetstream::kv::{self, CreateErrorKind, Operation, UpdateErrorKind};
use bytes::Bytes;
use futures_util::TryStreamExt as _;

use super::BoxError;
use super::kv_store::{DEFAULT_BUCKET, PAGE};

/// How often `increment` retries after losing a race to another writer.
const INCREMENT_TRIES: usize = 100;

/// What can go wrong; the guest sees it as `error::other(message)`.
#[derive(Debug, thiserror::Error)]
pub enum NatsKvError {
    /// The identifier is not a NATS bucket name.
    #[error(
        "`{0}` is not a NATS KV bucket name: use letters, digits, `_` and `-` (or `\"\"` for \
         `default`)"
    )]
    BucketName(String),
    /// The empty key has no NATS form.
    #[error("the empty key cannot be stored in NATS KV")]
    EmptyKey,
    /// The server refused or failed a request.
    #[error("NATS KV bucket `{bucket}`: {doing}: {source}")]
    Server {
        /// The bucket.
        bucket: String,
        /// What was asked (`get \`count\``).
        doing: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
    /// `increment` on a value that is not a counter, or past `u64::MAX`.
    #[error(
        "`{key}` holds {found}, not a counter below 2^64 (8 bytes big-endian, or decimal text)"
    )]
    NotACounter {
        /// The key.
        key: String,
        /// What it holds, shortened.
        found: String,
    },
    /// `increment` lost the race to other writers every time.
    #[error("`{key}` kept changing under `increment` ({INCREMENT_TRIES} tries)")]
    Contended {
        /// The key.
        key: String,
    },
}

/// The JetStream context of the run's server, and the buckets opened so far.
pub struct NatsKeyValue {
    js: async_nats::jetstream::Context,
    buckets: Mutex<HashMap<String, Arc<kv::Store>>>,
}

/// One opened bucket (the client's handle is large: shared, not copied).
#[derive(Clone)]
pub struct NatsBucket {
    name: String,
    store: Arc<kv::Store>,
}

impl NatsKeyValue {
    /// Key-value buckets on `js`.
    pub fn new(js: async_nats::jetstream::Context) -> NatsKeyValue {
        NatsKeyValue {
            js,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The bucket named `identifier` (`""` is `default`), created if the server lacks it.
    pub async fn open(&self, identifier: &str) -> Result<NatsBucket, NatsKvError> {
        let name = bucket_name(identifier)?;
        let cached = self.buckets.lock().ok().and_then(|b| b.get(&name).cloned());
        if let Some(store) = cached {
            return Ok(NatsBucket { name, store });
        }
        let store = match self.js.get_key_value(name.clone()).await {
            Ok(store) => store,
            // Absent (or unreadable): create it with the defaults wasmCloud uses. Creating is
            // idempotent for an identical config, so a race with another opener is fine.
            Err(_) => self
                .js
                .create_key_value(kv::Config {
                    bucket: name.clone(),
                    ..Default::default()
                })
                .await
                .map_err(|e| server(&name, "open".into(), e))?,
        };
        let store = Arc::new(store);
        if let Ok(mut buckets) = self.buckets.lock() {
            buckets.insert(name.clone(), store.clone());
        }
        Ok(NatsBucket { name, store })
    }
}

impl NatsBucket {
    /// The value at `key`.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, NatsKvError> {
        let stored = encode_key(key)?;
        let value = self
            .store
            .get(stored)
            .await
            .map_err(|e| self.err("get", key, e))?;
        Ok(value.map(|b| b.to_vec()))
    }

    /// Whether `key` has a value.
    pub async fn exists(&self, key: &str) -> Result<bool, NatsKvError> {
        Ok(self.get(key).await?.is_some())
    }

    /// Sets `key` to `value`.
    pub async fn set(&self, key: &str, value: Vec<u8>) -> Result<(), NatsKvError> {
        let stored = encode_key(key)?;
        self.store
            .put(stored, Bytes::from(value))
            .await
            .map_err(|e| self.err("put", key, e))?;
        Ok(())
    }

    /// Deletes `key` (absent is fine).
    pub async fn delete(&self, key: &str) -> Result<(), NatsKvError> {
        let stored = encode_key(key)?;
        self.store
            .delete(stored)
            .await
            .map_err(|e| self.err("delete", key, e))
    }

    /// Adds `delta` to the counter at `key` (0 when absent) and returns the sum:
    /// read the entry, then write it back only if its revision is still the one read.
    pub async fn increment(&self, key: &str, delta: u64) -> Result<u64, NatsKvError> {
        let stored = encode_key(key)?;
        for _ in 0..INCREMENT_TRIES {
            let entry = self
                .store
                .entry(stored.clone())
                .await
                .map_err(|e| self.err("get", key, e))?;
            let (current, revision) = match entry {
                Some(e) if e.operation == Operation::Put => (counter(key, &e.value)?, e.revision),
                // Deleted: counting starts again, over the delete marker's revision.
                Some(e) => (0, e.revision),
                None => (0, 0),
            };
            let sum = current
                .checked_add(delta)
                .ok_or_else(|| not_a_counter(key, current.to_string().as_bytes()))?;
            let value = Bytes::copy_from_slice(&sum.to_be_bytes());
            let written: Result<u64, (bool, BoxError)> = if revision == 0 {
                self.store
                    .create(&stored, value)
                    .await
                    .map_err(|e| (e.kind() == CreateErrorKind::AlreadyExists, e.into()))
            } else {
                self.store
                    .update(&stored, value, revision)
                    .await
                    .map_err(|e| (e.kind() == UpdateErrorKind::WrongLastRevision, e.into()))
            };
            match written {
                Ok(_) => return Ok(sum),
                Err((true, _)) => continue,
                Err((false, source)) => {
                    return Err(server(&self.name, format!("increment `{key}`"), source));
                }
            }
        }
        Err(NatsKvError::Contended {
            key: key.to_string(),
        })
    }

    /// Up to [`PAGE`] keys in sorted order after skipping `cursor` of them, and the cursor of
    /// the next page (`None` after the last).
    pub async fn list_keys(
        &self,
        cursor: Option<u64>,
    ) -> Result<(Vec<String>, Option<u64>), NatsKvError> {
        let listing = |e: BoxError| server(&self.name, "list keys".into(), e);
        let keys = self.store.keys().await.map_err(|e| listing(e.into()))?;
        let mut keys: Vec<String> = keys
            .map_ok(|k| decode_key(&k))
            .try_collect()
            .await
            .map_err(|e| listing(e.into()))?;
        keys.sort();
        Ok(page(keys, cursor))
    }

    fn err(&self, doing: &str, key: &str, e: impl Into<BoxError>) -> NatsKvError {
        server(&self.name, format!("{doing} `{key}`"), e.into())
    }
}

fn server(bucket: &str, doing: String, source: impl Into<BoxError>) -> NatsKvError {
    NatsKvError::Server {
        bucket: bucket.to_string(),
        doing,
        source: source.into(),
    }
}

/// One page of sorted `keys` from `cursor` on.
fn page(keys: Vec<String>, cursor: Option<u64>) -> (Vec<String>, Option<u64>) {
    let skip = usize::try_from(cursor.unwrap_or(0)).unwrap_or(usize::MAX);
    let total = keys.len();
    let page: Vec<String> = keys.into_iter().skip(skip).take(PAGE).collect();
    let next = skip.saturating_add(page.len());
    (page, (next < total).then_some(next as u64))
}

/// The NATS bucket for `identifier`.
fn bucket_name(identifier: &str) -> Result<String, NatsKvError> {
    if identifier.is_empty() {
        return Ok(DEFAULT_BUCKET.to_string());
    }
    let valid = identifier
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(identifier.to_string())
    } else {
        Err(NatsKvError::BucketName(identifier.to_string()))
    }
}

/// `key` in NATS's key alphabet (see the module's notes).
fn encode_key(key: &str) -> Result<String, NatsKvError> {
    if key.is_empty() {
        return Err(NatsKvError::EmptyKey);
    }
    let bytes = key.as_bytes();
    let mut out = String::with_capacity(key.len());
    for (i, &b) in bytes.iter().enumerate() {
        let plain = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'/' | b'_')
            || (b == b'.' && i > 0 && i + 1 < bytes.len() && bytes[i - 1] != b'.');
        if plain {
            out.push(b as char);
        } else {
            out.push_str(&format!("={b:02X}"));
        }
    }
    Ok(out)
}

/// The key [`encode_key`] stored as `stored`; a `=` not followed by two hex digits (written
/// by another client) is kept as it is.
fn decode_key(stored: &str) -> String {
    let bytes = stored.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A counter's value: 8 bytes big-endian (wasmCloud's host), else decimal text.
fn counter(key: &str, bytes: &[u8]) -> Result<u64, NatsKvError> {
    if let Ok(be) = <[u8; 8]>::try_from(bytes) {
        return Ok(u64::from_be_bytes(be));
    }
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| not_a_counter(key, bytes))
}

fn not_a_counter(key: &str, bytes: &[u8]) -> NatsKvError {
    NatsKvError::NotACounter {
        key: key.to_string(),
        found: super::kv_store::shorten(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_read_as_the_host_writes_them_and_as_text() {
        assert_eq!(counter("k", &7u64.to_be_bytes()).unwrap(), 7);
        assert_eq!(counter("k", b"42").unwrap(), 42);
        let err = counter("k", b"forty-two").unwrap_err().to_string();
        assert!(err.contains("8 bytes big-endian"), "{err}");
    }

    #[test]
    fn keys_within_the_nats_rule_are_stored_as_they_are() {
        for key in ["count", "users/42", "a.b", "x-y_z", "/", "/docs"] {
            assert_eq!(encode_key(key).unwrap(), key);
        }
    }

    #[test]
    fn other_keys_are_escaped_and_round_trip() {
        let cases = [
            ("/docs?x=1", "/docs=3Fx=3D1"),
            (".hidden", "=2Ehidden"),
            ("end.", "end=2E"),
            ("a..b", "a.=2Eb"),
            ("a b*>", "a=20b=2A=3E"),
            ("é", "=C3=A9"),
            ("=", "=3D"),
        ];
        for (key, stored) in cases {
            assert_eq!(encode_key(key).unwrap(), stored, "{key}");
            assert_eq!(decode_key(stored), key);
        }
        assert!(matches!(encode_key(""), Err(NatsKvError::EmptyKey)));
        // Another client's `=` that is no escape is read as it is.
        assert_eq!(decode_key("a=b"), "a=b");
    }

    #[test]
    fn bucket_names_follow_the_nats_rule() {
        assert_eq!(bucket_name("").unwrap(), "default");
        assert_eq!(bucket_name("my_app-1").unwrap(), "my_app-1");
        let err = bucket_name("my.app").unwrap_err().to_string();
        assert!(
            err.starts_with("`my.app` is not a NATS KV bucket name"),
            "{err}"
        );
    }

    #[test]
    fn pages_count_keys_already_returned() {
        let keys: Vec<String> = (0..2500).map(|i| format!("k{i:04}")).collect();
        let (first, cursor) = page(keys.clone(), None);
        assert_eq!((first.len(), cursor), (1000, Some(1000)));
        let (_, cursor) = page(keys.clone(), cursor);
        assert_eq!(cursor, Some(2000));
        let (last, cursor) = page(keys.clone(), cursor);
        assert_eq!((last.len(), cursor, last[0].as_str()), (500, None, "k2000"));
        assert_eq!(page(Vec::new(), None), (vec![], None));
    }
}
