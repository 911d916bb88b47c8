//! `wasi:blobstore` on NATS (`--blobstore nats://HOST:PORT`): one JetStream object store per
//! container, created with JetStream's defaults (the way wasmCloud's host creates them), so the
//! same server serves wash and wasmCloud alike, and `nats object get CONTAINER OBJECT` reads
//! what a component wrote.
//!
//! - Container names are object-store bucket names, which NATS restricts to
//!   `[a-zA-Z0-9_-]+`; any other name is refused with an error naming the rule (renaming it
//!   would make a bucket no other client finds under its own name).
//! - Object names are free-form: the client stores them base64-encoded in subjects. The empty
//!   name is refused.
//! - `put` sends the object in chunks and publishes its metadata last, so readers see the old
//!   object or the new one. A copy reads and puts; a move copies, then deletes the source.
//! - Listings skip deleted entries (the store keeps a tombstone per deleted object) and are
//!   sorted. `created-at` is the object's modification time (a put replaces the object), and
//!   the container's stream's creation time.

use async_nats::jetstream::context::GetStreamErrorKind;
use async_nats::jetstream::object_store::{self, InfoErrorKind, ObjectInfo, ObjectStore};
use async_nats::jetstream::{self, ErrorCode};
use bytes::Bytes;
use futures_util::TryStreamExt as _;
use tokio::io::AsyncReadExt as _;

use super::blob_backend::{BlobError, ObjectStat, clamp};

/// The JetStream context of the run's server.
pub struct NatsBlobs {
    js: jetstream::Context,
}

fn server(doing: impl Into<String>) -> impl FnOnce(async_nats::Error) -> BlobError {
    let doing = doing.into();
    move |source| BlobError::Server { doing, source }
}

/// `name` if it is a NATS bucket name.
fn bucket(name: &str) -> Result<&str, BlobError> {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(name)
    } else {
        Err(BlobError::Name {
            what: "container",
            name: name.into(),
            rule: "is not a NATS object store name: use letters, digits, `_` and `-`",
        })
    }
}

fn object(name: &str) -> Result<&str, BlobError> {
    if name.is_empty() {
        return Err(BlobError::Name {
            what: "object",
            name: name.into(),
            rule: "is empty",
        });
    }
    Ok(name)
}

fn seconds(info: &ObjectInfo) -> u64 {
    info.modified
        .map_or(0, |t| u64::try_from(t.unix_timestamp()).unwrap_or(0))
}

impl NatsBlobs {
    /// The backend on `js`.
    pub fn new(js: jetstream::Context) -> NatsBlobs {
        NatsBlobs { js }
    }

    /// The container's stream, `None` when it does not exist.
    async fn stream(&self, name: &str) -> Result<Option<jetstream::stream::Stream>, BlobError> {
        match self.js.get_stream(format!("OBJ_{}", bucket(name)?)).await {
            Ok(stream) => Ok(Some(stream)),
            Err(e) => match e.kind() {
                GetStreamErrorKind::JetStream(j)
                    if j.error_code() == ErrorCode::STREAM_NOT_FOUND =>
                {
                    Ok(None)
                }
                _ => Err(server(format!("open container `{name}`"))(e.into())),
            },
        }
    }

    /// The container's object store, `None` when it does not exist.
    async fn find(&self, name: &str) -> Result<Option<ObjectStore>, BlobError> {
        if self.stream(name).await?.is_none() {
            return Ok(None);
        }
        let store = self.js.get_object_store(name).await;
        Ok(Some(store.map_err(|e| {
            server(format!("open container `{name}`"))(e.into())
        })?))
    }

    async fn store(&self, name: &str) -> Result<ObjectStore, BlobError> {
        self.find(name)
            .await?
            .ok_or_else(|| BlobError::NoContainer(name.into()))
    }

    /// The live object's info, `None` when it is absent or deleted.
    async fn info(
        &self,
        store: &ObjectStore,
        c: &str,
        o: &str,
    ) -> Result<Option<ObjectInfo>, BlobError> {
        match store.info(object(o)?).await {
            Ok(info) if !info.deleted => Ok(Some(info)),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == InfoErrorKind::NotFound => Ok(None),
            Err(e) => Err(server(format!("read `{o}` in container `{c}`"))(e.into())),
        }
    }

    pub async fn create_container(&self, name: &str) -> Result<(), BlobError> {
        let config = object_store::Config {
            bucket: bucket(name)?.to_string(),
            ..Default::default()
        };
        self.js
            .create_object_store(config)
            .await
            .map_err(|e| server(format!("create container `{name}`"))(e.into()))?;
        Ok(())
    }

    pub async fn container_exists(&self, name: &str) -> Result<bool, BlobError> {
        Ok(self.find(name).await?.is_some())
    }

    pub async fn container_created(&self, name: &str) -> Result<u64, BlobError> {
        match self.stream(name).await? {
            Some(stream) => {
                Ok(u64::try_from(stream.cached_info().created.unix_timestamp()).unwrap_or(0))
            }
            None => Err(BlobError::NoContainer(name.into())),
        }
    }

    pub async fn delete_container(&self, name: &str) -> Result<(), BlobError> {
        self.store(name).await?;
        self.js
            .delete_object_store(name)
            .await
            .map_err(|e| server(format!("delete container `{name}`"))(e.into()))
    }

    pub async fn get(&self, c: &str, o: &str, start: u64, end: u64) -> Result<Bytes, BlobError> {
        let store = self.store(c).await?;
        let Some(info) = self.info(&store, c, o).await? else {
            return Err(BlobError::NoObject {
                container: c.into(),
                object: o.into(),
            });
        };
        let doing = || format!("read `{o}` in container `{c}`");
        let mut reader = store.get(o).await.map_err(|e| server(doing())(e.into()))?;
        let (offset, len) = clamp(info.size as u64, start, end);
        let mut skipped = (&mut reader).take(offset);
        tokio::io::copy(&mut skipped, &mut tokio::io::sink())
            .await
            .map_err(|e| server(doing())(e.into()))?;
        let mut data = Vec::with_capacity(len as usize);
        reader
            .take(len)
            .read_to_end(&mut data)
            .await
            .map_err(|e| server(doing())(e.into()))?;
        Ok(Bytes::from(data))
    }

    pub async fn put(&self, c: &str, o: &str, body: Bytes) -> Result<(), BlobError> {
        let store = self.store(c).await?;
        store
            .put(object(o)?, &mut body.as_ref())
            .await
            .map_err(|e| server(format!("write `{o}` in container `{c}`"))(e.into()))?;
        Ok(())
    }

    pub async fn list(&self, c: &str) -> Result<Vec<String>, BlobError> {
        let store = self.store(c).await?;
        let doing = || format!("list container `{c}`");
        let list = store.list().await.map_err(|e| server(doing())(e.into()))?;
        let infos: Vec<ObjectInfo> = list
            .try_collect()
            .await
            .map_err(|e| server(doing())(e.into()))?;
        let mut names: Vec<String> = infos
            .into_iter()
            .filter(|i| !i.deleted)
            .map(|i| i.name)
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    pub async fn delete(&self, c: &str, o: &str) -> Result<(), BlobError> {
        let store = self.store(c).await?;
        if self.info(&store, c, o).await?.is_none() {
            return Ok(());
        }
        store
            .delete(o)
            .await
            .map_err(|e| server(format!("delete `{o}` in container `{c}`"))(e.into()))
    }

    pub async fn stat(&self, c: &str, o: &str) -> Result<Option<ObjectStat>, BlobError> {
        let store = self.store(c).await?;
        Ok(self.info(&store, c, o).await?.map(|info| ObjectStat {
            size: info.size as u64,
            created_at: seconds(&info),
        }))
    }

    pub async fn clear(&self, c: &str) -> Result<(), BlobError> {
        for name in self.list(c).await? {
            self.delete(c, &name).await?;
        }
        Ok(())
    }

    pub async fn copy(&self, sc: &str, so: &str, dc: &str, dobj: &str) -> Result<(), BlobError> {
        self.store(dc).await?;
        let body = self.get(sc, so, 0, u64::MAX).await?;
        self.put(dc, dobj, body).await
    }

    pub async fn rename(&self, sc: &str, so: &str, dc: &str, dobj: &str) -> Result<(), BlobError> {
        if (sc, so) == (dc, dobj) {
            return self
                .stat(sc, so)
                .await?
                .map(|_| ())
                .ok_or(BlobError::NoObject {
                    container: sc.into(),
                    object: so.into(),
                });
        }
        self.copy(sc, so, dc, dobj).await?;
        self.delete(sc, so).await
    }
}
