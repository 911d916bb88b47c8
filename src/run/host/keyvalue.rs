//! `wasi:keyvalue@0.2.0-draft` `store`, `atomics` and `batch`, backed by the run's
//! [`KeyValueStore`]. A bucket resource holds the process-wide bucket, so every instance (every
//! HTTP request) sees the same data, and every change is on disk when the call returns.

use std::sync::Arc;

use wasmtime::component::{HasData, Linker, Resource, ResourceTable};

use super::CapabilityView;
use super::kv_store::{self, Bucket, KeyValueStore, StoreError};

mod bindings {
    wasmtime::component::bindgen!({
        path: "src/run/host/wit",
        world: "wash:host/keyvalue",
        imports: { default: trappable },
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

/// A guest's open bucket.
pub struct BucketHandle(Arc<Bucket>);

/// What the keyvalue calls need: the store and the instance's resources.
pub struct KeyValueView<'a> {
    store: &'a KeyValueStore,
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
            store: &caps.keyvalue,
            table,
        }
    }
    store::add_to_linker::<T, HasKeyValue>(linker, view::<T>)?;
    atomics::add_to_linker::<T, HasKeyValue>(linker, view::<T>)?;
    batch::add_to_linker::<T, HasKeyValue>(linker, view::<T>)
}

type Answer<T> = wasmtime::Result<Result<T, store::Error>>;

fn other(e: StoreError) -> store::Error {
    store::Error::Other(e.to_string())
}

impl KeyValueView<'_> {
    fn bucket(&self, bucket: &Resource<BucketHandle>) -> wasmtime::Result<Arc<Bucket>> {
        Ok(self.table.get(bucket)?.0.clone())
    }
}

impl store::Host for KeyValueView<'_> {
    fn open(&mut self, identifier: String) -> Answer<Resource<BucketHandle>> {
        match self.store.open(&identifier) {
            Ok(bucket) => Ok(Ok(self.table.push(BucketHandle(bucket))?)),
            Err(e) => Ok(Err(other(e))),
        }
    }
}

impl store::HostBucket for KeyValueView<'_> {
    fn get(&mut self, bucket: Resource<BucketHandle>, key: String) -> Answer<Option<Vec<u8>>> {
        Ok(Ok(self.bucket(&bucket)?.get(&key)))
    }

    fn set(&mut self, bucket: Resource<BucketHandle>, key: String, value: Vec<u8>) -> Answer<()> {
        Ok(self
            .bucket(&bucket)?
            .set_many(vec![(key, value)])
            .map_err(other))
    }

    fn delete(&mut self, bucket: Resource<BucketHandle>, key: String) -> Answer<()> {
        Ok(self.bucket(&bucket)?.delete_many(&[key]).map_err(other))
    }

    fn exists(&mut self, bucket: Resource<BucketHandle>, key: String) -> Answer<bool> {
        Ok(Ok(self.bucket(&bucket)?.exists(&key)))
    }

    fn list_keys(
        &mut self,
        bucket: Resource<BucketHandle>,
        cursor: Option<u64>,
    ) -> Answer<store::KeyResponse> {
        let (keys, cursor) = self.bucket(&bucket)?.list_keys(cursor, kv_store::PAGE);
        Ok(Ok(store::KeyResponse { keys, cursor }))
    }

    fn drop(&mut self, bucket: Resource<BucketHandle>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for KeyValueView<'_> {
    fn increment(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
        delta: u64,
    ) -> Answer<u64> {
        Ok(self.bucket(&bucket)?.increment(&key, delta).map_err(other))
    }
}

impl batch::Host for KeyValueView<'_> {
    fn get_many(
        &mut self,
        bucket: Resource<BucketHandle>,
        keys: Vec<String>,
    ) -> Answer<Vec<Option<(String, Vec<u8>)>>> {
        let bucket = self.bucket(&bucket)?;
        Ok(Ok(keys
            .into_iter()
            .map(|k| bucket.get(&k).map(|v| (k, v)))
            .collect()))
    }

    fn set_many(
        &mut self,
        bucket: Resource<BucketHandle>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> Answer<()> {
        Ok(self.bucket(&bucket)?.set_many(key_values).map_err(other))
    }

    fn delete_many(&mut self, bucket: Resource<BucketHandle>, keys: Vec<String>) -> Answer<()> {
        Ok(self.bucket(&bucket)?.delete_many(&keys).map_err(other))
    }
}
