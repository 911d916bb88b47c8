//! What backs `wasi:blobstore` ([`blobstore`](super::blobstore) hosts the interfaces): the
//! choice a flag or Cargo.toml makes ([`BlobstoreBackend`]), the connected backend the host
//! calls ([`Blobstore`]: [`blob_files`](super::blob_files) or
//! [`blob_nats`](super::blob_nats)), and what both backends share: their errors, object
//! metadata and the range rule.

use std::path::PathBuf;

use bytes::Bytes;

use super::blob_files::FileBlobs;
use super::blob_nats::NatsBlobs;
use super::{BoxError, CapabilityError, UnknownScheme, nats};

/// What backs `wasi:blobstore`: `--blobstore <DIR|nats://…>`, or `blobstore` in
/// `[package.metadata.wasmcloud.dev]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobstoreBackend {
    /// Plain files: `<dir>/<container>/<object>`.
    Files(PathBuf),
    /// A NATS JetStream object store per container, at this URL (`nats://127.0.0.1:4222`).
    Nats(String),
}

impl Default for BlobstoreBackend {
    fn default() -> BlobstoreBackend {
        BlobstoreBackend::Files(PathBuf::new())
    }
}

impl BlobstoreBackend {
    /// The choices, for help and errors.
    pub const CHOICES: &'static str = "a folder or `nats://HOST:PORT`";

    /// A folder, or a URL whose scheme names the backend. A relative folder stays relative
    /// (to the current directory for a flag; [`crate::config`] resolves Cargo.toml's against
    /// the crate).
    pub fn parse(value: &str) -> Result<BlobstoreBackend, UnknownScheme> {
        match super::scheme(value) {
            None => Ok(BlobstoreBackend::Files(PathBuf::from(value))),
            Some("nats") => Ok(BlobstoreBackend::Nats(value.to_string())),
            Some(scheme) => Err(UnknownScheme {
                capability: "blobstore",
                value: value.to_string(),
                scheme: scheme.to_string(),
                choices: BlobstoreBackend::CHOICES,
            }),
        }
    }

    /// For the `Hosting` line: `files in target/…`, `NATS object store at nats://…`.
    pub(super) fn describe(&self) -> String {
        match self {
            BlobstoreBackend::Files(dir) => format!("files in {}", super::shown(dir).display()),
            BlobstoreBackend::Nats(url) => {
                format!("NATS object store at {}", super::redacted(url))
            }
        }
    }
}

/// What can go wrong in a backend; the guest sees the message (the WIT's `error` is a string).
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The container does not exist.
    #[error("container `{0}` does not exist")]
    NoContainer(String),
    /// The object does not exist.
    #[error("object `{object}` does not exist in container `{container}`")]
    NoObject {
        /// The container.
        container: String,
        /// The object.
        object: String,
    },
    /// A name the backend cannot store.
    #[error("{what} name `{name}` {rule}")]
    Name {
        /// `container` or `object`.
        what: &'static str,
        /// The name.
        name: String,
        /// What it breaks (`is empty`).
        rule: &'static str,
    },
    /// A file operation failed.
    #[error("cannot {doing}: {source}")]
    Io {
        /// What was being done (`write \`a.txt\` in container \`c\``).
        doing: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The server refused or failed a request.
    #[error("NATS object store: cannot {doing}: {}", super::chain(source.as_ref()))]
    Server {
        /// What was asked.
        doing: String,
        /// The client's error.
        source: BoxError,
    },
    /// An `outgoing-value` finished before `write-data` said where it goes.
    #[error("the outgoing value was finished before `write-data` named its container and object")]
    NoTarget,
}

/// An object's metadata, as a backend reports it.
pub struct ObjectStat {
    /// Its size in bytes.
    pub size: u64,
    /// When it was written, in seconds since the Unix epoch.
    pub created_at: u64,
}

/// The offset and length of the inclusive range `start..=end` of an object of `size` bytes,
/// clamped to it.
pub fn clamp(size: u64, start: u64, end: u64) -> (u64, u64) {
    let end = end.min(size.saturating_sub(1));
    if size == 0 || start > end {
        (start.min(size), 0)
    } else {
        (start, end - start + 1)
    }
}

/// The run's blobstore backend, connected.
pub enum Blobstore {
    /// One folder per container, one file per object.
    Files(FileBlobs),
    /// One JetStream object store per container.
    Nats(NatsBlobs),
}

/// Runs the same call on whichever backend this is.
macro_rules! each {
    ($self:ident.$call:ident($($arg:expr),*)) => {
        match $self {
            Blobstore::Files(b) => b.$call($($arg),*).await,
            Blobstore::Nats(b) => b.$call($($arg),*).await,
        }
    };
}

impl Blobstore {
    /// Connects to the backend `backend` names; a server that does not answer within
    /// [`nats::CONNECT_TIMEOUT`] (or has no JetStream) is an error.
    pub async fn connect(
        backend: &BlobstoreBackend,
        connections: &nats::Connections,
    ) -> Result<Blobstore, CapabilityError> {
        Ok(match backend {
            BlobstoreBackend::Files(dir) => Blobstore::Files(FileBlobs::new(dir)),
            BlobstoreBackend::Nats(url) => {
                let js = connections.jetstream(url).await.map_err(|source| {
                    CapabilityError::Connect {
                        capability: "blobstore",
                        url: url.clone(),
                        source: super::flatten(source),
                    }
                })?;
                Blobstore::Nats(NatsBlobs::new(js))
            }
        })
    }

    pub async fn create_container(&self, name: &str) -> Result<(), BlobError> {
        each!(self.create_container(name))
    }

    pub async fn container_exists(&self, name: &str) -> Result<bool, BlobError> {
        each!(self.container_exists(name))
    }

    pub async fn container_created(&self, name: &str) -> Result<u64, BlobError> {
        each!(self.container_created(name))
    }

    pub async fn delete_container(&self, name: &str) -> Result<(), BlobError> {
        each!(self.delete_container(name))
    }

    pub async fn get(&self, c: &str, o: &str, start: u64, end: u64) -> Result<Bytes, BlobError> {
        each!(self.get(c, o, start, end))
    }

    pub async fn put(&self, c: &str, o: &str, body: Bytes) -> Result<(), BlobError> {
        each!(self.put(c, o, body))
    }

    pub async fn list(&self, c: &str) -> Result<Vec<String>, BlobError> {
        each!(self.list(c))
    }

    pub async fn delete(&self, c: &str, o: &str) -> Result<(), BlobError> {
        each!(self.delete(c, o))
    }

    pub async fn stat(&self, c: &str, o: &str) -> Result<Option<ObjectStat>, BlobError> {
        each!(self.stat(c, o))
    }

    pub async fn clear(&self, c: &str) -> Result<(), BlobError> {
        each!(self.clear(c))
    }

    /// Copies the object `so` of container `sc` to `dobj` in `dc`.
    pub async fn copy(&self, sc: &str, so: &str, dc: &str, dobj: &str) -> Result<(), BlobError> {
        each!(self.copy(sc, so, dc, dobj))
    }

    /// Moves the object `so` of container `sc` to `dobj` in `dc`.
    pub async fn rename(&self, sc: &str, so: &str, dc: &str, dobj: &str) -> Result<(), BlobError> {
        each!(self.rename(sc, so, dc, dobj))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backend_is_a_folder_or_a_nats_url() {
        let parse = |v: &str| BlobstoreBackend::parse(v).unwrap();
        assert_eq!(parse("blobs"), BlobstoreBackend::Files("blobs".into()));
        assert_eq!(
            parse("nats://127.0.0.1:4222"),
            BlobstoreBackend::Nats("nats://127.0.0.1:4222".into())
        );
        let err = BlobstoreBackend::parse("redis://127.0.0.1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`redis://127.0.0.1`: no blobstore backend speaks `redis://`; use a folder or \
             `nats://HOST:PORT`"
        );
    }

    #[test]
    fn ranges_are_inclusive_and_clamped() {
        assert_eq!(clamp(10, 0, u64::MAX), (0, 10));
        assert_eq!(clamp(10, 2, 4), (2, 3));
        assert_eq!(clamp(10, 9, 9), (9, 1));
        assert_eq!(clamp(10, 10, 20), (10, 0));
        assert_eq!(clamp(10, 5, 3), (5, 0));
        assert_eq!(clamp(0, 0, 0), (0, 0));
    }
}
