//! The embedded key-value store behind `wasi:keyvalue`: one JSON file per bucket in a folder,
//! loaded on first open and rewritten (temp file + rename) on every change, so what a
//! component writes survives the run, a crash, and the next build.
//!
//! Each bucket is one map per process behind a `Mutex`: every instance that opens it (every
//! HTTP request gets its own) sees the same map, and `increment` is atomic within the process.
//! Two `wash run` processes sharing a folder do not see each other's writes until they reopen.
//! Counters are decimal text (`"3"`), as wasmCloud's in-memory, filesystem and Redis backends
//! store them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine as _;

/// Keys returned by one `list-keys` call.
pub const PAGE: usize = 1000;

/// The bucket the identifier `""` opens.
pub const DEFAULT_BUCKET: &str = "default";

/// What can go wrong in the store; the guest sees it as `error::other(message)`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A bucket file cannot be read or parsed.
    #[error("cannot read bucket `{bucket}` from `{}`: {reason}", path.display())]
    Read {
        /// The bucket.
        bucket: String,
        /// Its file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A bucket file cannot be written.
    #[error("cannot write bucket `{bucket}`: {source}")]
    Write {
        /// The bucket.
        bucket: String,
        /// The cause.
        #[source]
        source: crate::artifact::ArtifactError,
    },
    /// `increment` on a value that is not a decimal counter, or past `u64::MAX`.
    #[error("`{key}` holds {found}, not a decimal counter below 2^64")]
    NotACounter {
        /// The key.
        key: String,
        /// What it holds, shortened.
        found: String,
    },
}

/// The folder of bucket files, and the buckets opened so far.
#[derive(Debug)]
pub struct KeyValueStore {
    dir: PathBuf,
    buckets: Mutex<HashMap<String, Arc<Bucket>>>,
}

/// One bucket: its file and its map.
#[derive(Debug)]
pub struct Bucket {
    name: String,
    path: PathBuf,
    map: Mutex<BTreeMap<String, Vec<u8>>>,
}

/// A value as written in a bucket file: readable text when it is UTF-8.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Stored {
    Text(String),
    Base64(String),
}

impl KeyValueStore {
    /// A store in `dir` (created on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> KeyValueStore {
        KeyValueStore {
            dir: dir.into(),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The folder of bucket files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The bucket named `identifier` (`""` is [`DEFAULT_BUCKET`]), read from its file the
    /// first time.
    pub fn open(&self, identifier: &str) -> Result<Arc<Bucket>, StoreError> {
        let name = if identifier.is_empty() {
            DEFAULT_BUCKET
        } else {
            identifier
        };
        let mut buckets = lock(&self.buckets);
        if let Some(bucket) = buckets.get(name) {
            return Ok(bucket.clone());
        }
        let path = self.dir.join(format!("{}.json", file_stem(name)));
        let bucket = Arc::new(Bucket {
            map: Mutex::new(load(name, &path)?),
            name: name.to_string(),
            path,
        });
        buckets.insert(name.to_string(), bucket.clone());
        Ok(bucket)
    }
}

impl Bucket {
    /// The bucket's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value at `key`.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        lock(&self.map).get(key).cloned()
    }

    /// Whether `key` has a value.
    pub fn exists(&self, key: &str) -> bool {
        lock(&self.map).contains_key(key)
    }

    /// Sets every pair, then writes the file once.
    pub fn set_many(&self, pairs: Vec<(String, Vec<u8>)>) -> Result<(), StoreError> {
        self.change(|map| {
            map.extend(pairs);
            Ok(())
        })
    }

    /// Deletes every key (absent ones are fine), then writes the file once.
    pub fn delete_many(&self, keys: &[String]) -> Result<(), StoreError> {
        self.change(|map| {
            for key in keys {
                map.remove(key);
            }
            Ok(())
        })
    }

    /// Adds `delta` to the decimal counter at `key` (0 when absent) and returns the sum.
    pub fn increment(&self, key: &str, delta: u64) -> Result<u64, StoreError> {
        self.change(|map| {
            let current = match map.get(key) {
                None => 0,
                Some(bytes) => std::str::from_utf8(bytes)
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok())
                    .ok_or_else(|| not_a_counter(key, bytes))?,
            };
            let sum = current
                .checked_add(delta)
                .ok_or_else(|| not_a_counter(key, current.to_string().as_bytes()))?;
            map.insert(key.to_string(), sum.to_string().into_bytes());
            Ok(sum)
        })
    }

    /// Up to `page` keys in order, after skipping `cursor` of them, and the cursor of the next
    /// page (`None` after the last).
    pub fn list_keys(&self, cursor: Option<u64>, page: usize) -> (Vec<String>, Option<u64>) {
        let map = lock(&self.map);
        let skip = usize::try_from(cursor.unwrap_or(0)).unwrap_or(usize::MAX);
        let keys: Vec<String> = map.keys().skip(skip).take(page).cloned().collect();
        let next = skip.saturating_add(keys.len());
        let more = next < map.len();
        (keys, more.then_some(next as u64))
    }

    /// Applies `edit` and writes the file through, all under the bucket's lock, so writers are
    /// serialized and the file always holds the latest map. A failed write keeps the map as
    /// the file has it.
    fn change<R>(
        &self,
        edit: impl FnOnce(&mut BTreeMap<String, Vec<u8>>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut map = lock(&self.map);
        let mut next = map.clone();
        let result = edit(&mut next)?;
        save(&self.name, &self.path, &next)?;
        *map = next;
        Ok(result)
    }
}

/// A poisoned lock only means another instance panicked mid-call; the map itself is whole
/// (every change is applied to a copy first).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn not_a_counter(key: &str, bytes: &[u8]) -> StoreError {
    StoreError::NotACounter {
        key: key.to_string(),
        found: shorten(bytes),
    }
}

/// A value as an error shows it: quoted, cut after 20 characters.
pub(super) fn shorten(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() > 20 {
        format!("{:?}…", text.chars().take(20).collect::<String>())
    } else {
        format!("{text:?}")
    }
}

/// A file name for any bucket name: letters, digits, `_` and `-` as they are, every other
/// byte as `%XX`, so no name can leave the folder or collide with another.
fn file_stem(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn load(name: &str, path: &Path) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
    let err = |reason: String| StoreError::Read {
        bucket: name.to_string(),
        path: path.to_path_buf(),
        reason,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(err(e.to_string())),
    };
    let stored: BTreeMap<String, Stored> =
        serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
    stored
        .into_iter()
        .map(|(k, v)| {
            let bytes = match v {
                Stored::Text(s) => s.into_bytes(),
                Stored::Base64(s) => base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(|e| err(format!("`{k}`: {e}")))?,
            };
            Ok((k, bytes))
        })
        .collect()
}

fn save(name: &str, path: &Path, map: &BTreeMap<String, Vec<u8>>) -> Result<(), StoreError> {
    let stored: BTreeMap<&str, Stored> = map
        .iter()
        .map(|(k, v)| {
            let value = match std::str::from_utf8(v) {
                Ok(s) => Stored::Text(s.to_string()),
                Err(_) => Stored::Base64(base64::engine::general_purpose::STANDARD.encode(v)),
            };
            (k.as_str(), value)
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&stored).expect("strings serialize");
    text.push('\n');
    crate::artifact::write_atomic(path, text.as_bytes()).map_err(|source| StoreError::Write {
        bucket: name.to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect()
    }

    #[test]
    fn increment_counts_in_decimal_text_and_refuses_other_values() {
        let tmp = tempfile::tempdir().unwrap();
        let bucket = KeyValueStore::new(tmp.path()).open("").unwrap();
        assert_eq!(bucket.name(), DEFAULT_BUCKET);
        assert_eq!(bucket.increment("n", 1).unwrap(), 1);
        assert_eq!(bucket.increment("n", 41).unwrap(), 42);
        assert_eq!(bucket.get("n").unwrap(), b"42");
        bucket.set_many(pairs(&[("word", b"hi")])).unwrap();
        let err = bucket.increment("word", 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`word` holds \"hi\", not a decimal counter below 2^64"
        );
        bucket
            .set_many(pairs(&[("max", b"18446744073709551615")]))
            .unwrap();
        assert!(bucket.increment("max", 1).is_err());
        assert_eq!(bucket.get("max").unwrap(), b"18446744073709551615");
    }

    #[test]
    fn list_keys_pages_with_cursors_until_none() {
        let tmp = tempfile::tempdir().unwrap();
        let bucket = KeyValueStore::new(tmp.path()).open("b").unwrap();
        assert_eq!(bucket.list_keys(None, 2), (vec![], None));
        bucket
            .set_many(pairs(&[
                ("c", b"3"),
                ("a", b"1"),
                ("e", b"5"),
                ("b", b"2"),
                ("d", b"4"),
            ]))
            .unwrap();
        let (page, cursor) = bucket.list_keys(None, 2);
        assert_eq!((page, cursor), (vec!["a".into(), "b".into()], Some(2)));
        let (page, cursor) = bucket.list_keys(cursor, 2);
        assert_eq!((page, cursor), (vec!["c".into(), "d".into()], Some(4)));
        let (page, cursor) = bucket.list_keys(cursor, 2);
        assert_eq!((page, cursor), (vec!["e".into()], None));
        assert_eq!(bucket.list_keys(Some(99), 2), (vec![], None));
        let (all, cursor) = bucket.list_keys(None, PAGE);
        assert_eq!((all.len(), cursor), (5, None));
    }

    #[test]
    fn a_new_store_on_the_same_folder_reads_back_every_write() {
        let tmp = tempfile::tempdir().unwrap();
        {
            let store = KeyValueStore::new(tmp.path());
            let bucket = store.open("").unwrap();
            bucket.increment("count", 2).unwrap();
            bucket
                .set_many(pairs(&[("text", b"hello"), ("bytes", &[0, 159, 255])]))
                .unwrap();
            bucket.set_many(pairs(&[("gone", b"x")])).unwrap();
            bucket
                .delete_many(&["gone".into(), "never".into()])
                .unwrap();
            store
                .open("odd/../name")
                .unwrap()
                .set_many(pairs(&[("k", b"v")]))
                .unwrap();
        }
        let store = KeyValueStore::new(tmp.path());
        // `""` and `default` are the same bucket.
        let bucket = store.open(DEFAULT_BUCKET).unwrap();
        assert_eq!(bucket.get("count").unwrap(), b"2");
        assert_eq!(bucket.get("text").unwrap(), b"hello");
        assert_eq!(bucket.get("bytes").unwrap(), [0, 159, 255]);
        assert!(!bucket.exists("gone"));
        assert_eq!(bucket.increment("count", 1).unwrap(), 3);
        assert_eq!(store.open("odd/../name").unwrap().get("k").unwrap(), b"v");
        let mut files: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(files, ["default.json", "odd%2F%2E%2E%2Fname.json"]);
        let text = std::fs::read_to_string(tmp.path().join("default.json")).unwrap();
        assert!(
            text.contains("\"count\": {\n    \"text\": \"3\"\n  }"),
            "{text}"
        );
    }

    #[test]
    fn buckets_are_shared_by_every_open_in_the_process() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Arc::new(KeyValueStore::new(tmp.path()));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        store.open("").unwrap().increment("n", 1).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(store.open("").unwrap().get("n").unwrap(), b"100");
    }
}
