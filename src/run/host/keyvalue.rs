//! `wasi:keyvalue@0.2.0-draft` `store`, `atomics` and `batch`, backed by the run's
//! [`KeyValue`]: the embedded files ([`kv_store`](super::kv_store)), NATS JetStream KV
//! ([`kv_nats`](super::kv_nats)) or Redis ([`kv_redis`](super::kv_redis)). The host
//! functions are async, so a call waiting on a server does not hold up other requests. A
//! bucket resource holds a handle shared by the whole run, so every instance (every HTTP
//! request) sees the same data.

use std::sync::Arc;

use wasmtime::component::{HasData, Linker, Resource, ResourceTable};

use super::kv_nats::{NatsBucket, NatsKeyValue};
use super::kv_redis::{RedisBucket, RedisKeyValue};
use super::kv_store::{Bucket, KeyValueStore};
use super::{CapabilityError, CapabilityView, KeyValueBackend, nats};

mod bindings {
    wasmtime::component::bindgen!({
        path: "src/run/host/wit",
        world: "wash:host/keyvalue",
        imports: { default: async | trappable },
        with: { "wasi:keyvalue/store.bucket": super::BucketHandle },
    });
}

use bindings::wasi::keyvalue::{atomics, batch, store};

/// The imports this module hosts.
pub const INTERFACES: [&str; 3] = [
    "wasi:keyvalue/store@0.2.0-draft",
    "wasi:keyvalue/atomics@0.2.0-draft",
    "wasi:keyvalue/batch@0.2.0-draft",
];

/// The run's keyvalue backend, connected.
pub enum KeyValue {
    /// One JSON file per bucket in a folder.
    Files(KeyValueStore),
    /// NATS JetStream KV.
    Nats(NatsKeyValue),
    /// Redis.
    Redis(RedisKeyValue),
}

impl KeyValue {
    /// Connects to the backend `backend` names; a server that does not answer within
    /// [`nats::CONNECT_TIMEOUT`] is an error.
    pub async fn connect(
        backend: &KeyValueBackend,
        connections: &nats::Connections,
    ) -> Result<KeyValue, CapabilityError> {
        let failed = |url: &str| {
            let url = url.to_string();
            move |source| CapabilityError::Connect {
                capability: "keyvalue",
                url,
                source: super::flatten(source),
            }
        };
        Ok(match backend {
            KeyValueBackend::Files(dir) => KeyValue::Files(KeyValueStore::new(dir)),
            KeyValueBackend::Nats(url) => {
                let js = connections.jetstream(url).await.map_err(failed(url))?;
                KeyValue::Nats(NatsKeyValue::new(js))
            }
            KeyValueBackend::Redis(url) => {
                KeyValue::Redis(RedisKeyValue::connect(url).await.map_err(failed(url))?)
            }
        })
    }

    async fn open(&self, identifier: &str) -> Result<BucketHandle, store::Error> {
        Ok(match self {
            KeyValue::Files(s) => BucketHandle::Files(s.open(identifier).map_err(other)?),
            KeyValue::Nats(s) => BucketHandle::Nats(s.open(identifier).await.map_err(other)?),
            KeyValue::Redis(s) => BucketHandle::Redis(s.open(identifier)),
        })
    }
}

/// A guest's open bucket.
#[derive(Clone)]
pub enum BucketHandle {
    /// A bucket file's map, shared by the run.
    Files(Arc<Bucket>),
    /// A JetStream KV bucket.
    Nats(NatsBucket),
    /// A key prefix in Redis.
    Redis(RedisBucket),
}

/// What the keyvalue calls need: the backend and the instance's resources.
pub struct KeyValueView<'a> {
    backend: &'a KeyValue,
    table: &'a mut ResourceTable,
}

struct HasKeyValue;

impl HasData for HasKeyValue {
    type Data<'a> = KeyValueView<'a>;
}

/// Adds `wasi:keyvalue/{store,atomics,batch}` to the linker.
pub fn add_to_linker<T: CapabilityView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    fn view<T: CapabilityView>(t: &mut T) -> KeyValueView<'_> {
        let (caps, table) = t.capabilities();
        KeyValueView {
            backend: &caps.keyvalue,
            table,
        }
    }
    store::add_to_linker::<T, HasKeyValue>(linker, view::<T>)?;
    atomics::add_to_linker::<T, HasKeyValue>(linker, view::<T>)?;
    batch::add_to_linker::<T, HasKeyValue>(linker, view::<T>)
}

type Answer<T> = wasmtime::Result<Result<T, store::Error>>;

/// An error as the guest sees it: `error::other` with the message and its causes.
fn other(e: impl std::error::Error) -> store::Error {
    store::Error::Other(super::chain(&e))
}

impl KeyValueView<'_> {
    /// The handle behind `bucket`, cloned so the call can await without holding the table.
    fn bucket(&self, bucket: &Resource<BucketHandle>) -> wasmtime::Result<BucketHandle> {
        Ok(self.table.get(bucket)?.clone())
    }
}

impl BucketHandle {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, store::Error> {
        match self {
            BucketHandle::Files(b) => Ok(b.get(key)),
            BucketHandle::Nats(b) => b.get(key).await.map_err(other),
            BucketHandle::Redis(b) => b.get(key).await.map_err(other),
        }
    }

    async fn exists(&self, key: &str) -> Result<bool, store::Error> {
        match self {
            BucketHandle::Files(b) => Ok(b.exists(key)),
            BucketHandle::Nats(b) => b.exists(key).await.map_err(other),
            BucketHandle::Redis(b) => b.exists(key).await.map_err(other),
        }
    }

    async fn set_many(&self, pairs: Vec<(String, Vec<u8>)>) -> Result<(), store::Error> {
        match self {
            BucketHandle::Files(b) => b.set_many(pairs).map_err(other),
            BucketHandle::Nats(b) => {
                for (key, value) in pairs {
                    b.set(&key, value).await.map_err(other)?;
                }
                Ok(())
            }
            BucketHandle::Redis(b) => match <[_; 1]>::try_from(pairs) {
                Ok([(key, value)]) => b.set(&key, value).await.map_err(other),
                Err(pairs) => b.set_many(pairs).await.map_err(other),
            },
        }
    }

    async fn delete_many(&self, keys: &[String]) -> Result<(), store::Error> {
        match self {
            BucketHandle::Files(b) => b.delete_many(keys).map_err(other),
            BucketHandle::Nats(b) => {
                for key in keys {
                    b.delete(key).await.map_err(other)?;
                }
                Ok(())
            }
            BucketHandle::Redis(b) => b.delete_many(keys).await.map_err(other),
        }
    }

    async fn get_many(&self, keys: Vec<String>) -> Result<Vec<Option<Vec<u8>>>, store::Error> {
        match self {
            BucketHandle::Files(b) => Ok(keys.iter().map(|k| b.get(k)).collect()),
            BucketHandle::Nats(b) => {
                let mut values = Vec::with_capacity(keys.len());
                for key in &keys {
                    values.push(b.get(key).await.map_err(other)?);
                }
                Ok(values)
            }
            BucketHandle::Redis(b) => b.get_many(&keys).await.map_err(other),
        }
    }

    async fn increment(&self, key: &str, delta: u64) -> Result<u64, store::Error> {
        match self {
            BucketHandle::Files(b) => b.increment(key, delta).map_err(other),
            BucketHandle::Nats(b) => b.increment(key, delta).await.map_err(other),
            BucketHandle::Redis(b) => b.increment(key, delta).await.map_err(other),
        }
    }

    async fn list_keys(&self, cursor: Option<u64>) -> Result<store::KeyResponse, store::Error> {
        let (keys, cursor) = match self {
            BucketHandle::Files(b) => b.list_keys(cursor, super::kv_store::PAGE),
            BucketHandle::Nats(b) => b.list_keys(cursor).await.map_err(other)?,
            BucketHandle::Redis(b) => b.list_keys(cursor).await.map_err(other)?,
        };
        Ok(store::KeyResponse { keys, cursor })
    }
}

impl store::Host for KeyValueView<'_> {
    async fn open(&mut self, identifier: String) -> Answer<Resource<BucketHandle>> {
        match self.backend.open(&identifier).await {
            Ok(bucket) => Ok(Ok(self.table.push(bucket)?)),
            Err(e) => Ok(Err(e)),
        }
    }
}

impl store::HostBucket for KeyValueView<'_> {
    async fn get(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
    ) -> Answer<Option<Vec<u8>>> {
        Ok(self.bucket(&bucket)?.get(&key).await)
    }

    async fn set(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
        value: Vec<u8>,
    ) -> Answer<()> {
        Ok(self.bucket(&bucket)?.set_many(vec![(key, value)]).await)
    }

    async fn delete(&mut self, bucket: Resource<BucketHandle>, key: String) -> Answer<()> {
        Ok(self.bucket(&bucket)?.delete_many(&[key]).await)
    }

    async fn exists(&mut self, bucket: Resource<BucketHandle>, key: String) -> Answer<bool> {
        Ok(self.bucket(&bucket)?.exists(&key).await)
    }

    async fn list_keys(
        &mut self,
        bucket: Resource<BucketHandle>,
        cursor: Option<u64>,
    ) -> Answer<store::KeyResponse> {
        Ok(self.bucket(&bucket)?.list_keys(cursor).await)
    }

    async fn drop(&mut self, bucket: Resource<BucketHandle>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for KeyValueView<'_> {
    async fn increment(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
        delta: u64,
    ) -> Answer<u64> {
        Ok(self.bucket(&bucket)?.increment(&key, delta).await)
    }
}

impl batch::Host for KeyValueView<'_> {
    async fn get_many(
        &mut self,
        bucket: Resource<BucketHandle>,
        keys: Vec<String>,
    ) -> Answer<Vec<Option<(String, Vec<u8>)>>> {
        let values = self.bucket(&bucket)?.get_many(keys.clone()).await;
        Ok(values.map(|values| {
            keys.into_iter()
                .zip(values)
                .map(|(k, v)| v.map(|v| (k, v)))
                .collect()
        }))
    }

    async fn set_many(
        &mut self,
        bucket: Resource<BucketHandle>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> Answer<()> {
        Ok(self.bucket(&bucket)?.set_many(key_values).await)
    }

    async fn delete_many(
        &mut self,
        bucket: Resource<BucketHandle>,
        keys: Vec<String>,
    ) -> Answer<()> {
        Ok(self.bucket(&bucket)?.delete_many(&keys).await)
    }
}
