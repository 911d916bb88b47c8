//! `wasi:blobstore@0.2.0-draft` `types`, `container` and `blobstore`, backed by the run's
//! [`Blobstore`]: plain files ([`blob_files`](super::blob_files)) or a NATS JetStream object
//! store per container ([`blob_nats`](super::blob_nats)).
//!
//! Bodies travel through real `wasi:io` streams (wasmtime-wasi's, in the instance's resource
//! table), so a guest writes with `blocking-write-and-flush` and reads with `blocking-read` as
//! it would anywhere:
//! - An `outgoing-value` buffers its body in memory (up to [`MAX_OBJECT`]). `write-data`
//!   records which container and object it goes to, before or after the body is written;
//!   `finish` stores it in one step, so a reader never sees half an object. An outgoing value
//!   dropped without `finish` is discarded, as the WIT says ("corrupted"); its `output-stream`
//!   must be dropped first (the table refuses to drop a parent with a live child).
//! - `get-data` reads the range when it is called (the WIT's "bytes held for the lifetime of
//!   the resource"); `consume-sync` returns all of it, `consume-async` an `input-stream` over
//!   it. Offsets are inclusive and clamped to the object: `get-data(name, 0, u64::MAX)` is the
//!   whole object, a start past the end is empty.

use std::collections::VecDeque;

use bytes::Bytes;
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::p2::{InputStream, OutputStream};

use super::CapabilityView;
use super::blob_backend::{BlobError, Blobstore};

mod bindings {
    wasmtime::component::bindgen!({
        path: "src/run/host/wit",
        world: "wash:host/blobstore",
        imports: { default: async | trappable },
        with: {
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:blobstore/container.container": super::ContainerHandle,
            "wasi:blobstore/container.stream-object-names": super::ObjectNames,
            "wasi:blobstore/types.incoming-value": super::IncomingValue,
            "wasi:blobstore/types.outgoing-value": super::OutgoingValue,
        },
    });
}

use bindings::wasi::blobstore::{blobstore, container, types};

/// The imports this module hosts.
pub const INTERFACES: [&str; 3] = [
    "wasi:blobstore/types@0.2.0-draft",
    "wasi:blobstore/container@0.2.0-draft",
    "wasi:blobstore/blobstore@0.2.0-draft",
];

/// The largest body an `outgoing-value` takes: it is held in memory until `finish`.
pub const MAX_OBJECT: usize = 1 << 30;

/// A guest's open container: its name (each call asks the backend, so a container deleted
/// meanwhile is an error, not stale data).
pub struct ContainerHandle {
    name: String,
}

/// A value being written: its body, and where `write-data` said it goes.
pub struct OutgoingValue {
    body: MemoryOutputPipe,
    body_taken: bool,
    target: Option<(String, String)>,
}

/// A value read by `get-data`.
pub struct IncomingValue {
    data: Bytes,
}

/// The names `list-objects` found, read off the front.
pub struct ObjectNames {
    names: VecDeque<String>,
}

/// What the blobstore calls need: the backend and the instance's resources.
pub struct BlobView<'a> {
    store: &'a Blobstore,
    table: &'a mut ResourceTable,
}

struct HasBlobstore;

impl HasData for HasBlobstore {
    type Data<'a> = BlobView<'a>;
}

/// Adds `wasi:blobstore/{types,container,blobstore}` to the linker (wasi:io comes from
/// wasmtime-wasi).
pub fn add_to_linker<T: CapabilityView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    fn view<T: CapabilityView>(t: &mut T) -> BlobView<'_> {
        let (caps, table) = t.capabilities();
        BlobView {
            store: &caps.blobstore,
            table,
        }
    }
    types::add_to_linker::<T, HasBlobstore>(linker, view::<T>)?;
    container::add_to_linker::<T, HasBlobstore>(linker, view::<T>)?;
    blobstore::add_to_linker::<T, HasBlobstore>(linker, view::<T>)
}

type Answer<T> = wasmtime::Result<Result<T, String>>;

/// The guest's view of an outcome: the error as its message.
fn answer<T>(r: Result<T, BlobError>) -> Answer<T> {
    Ok(r.map_err(|e| super::chain(&e)))
}

impl BlobView<'_> {
    fn container_name(&self, container: &Resource<ContainerHandle>) -> wasmtime::Result<String> {
        Ok(self.table.get(container)?.name.clone())
    }

    /// A handle on `name` when the container exists.
    async fn open(&mut self, name: String) -> Answer<Resource<ContainerHandle>> {
        match self.store.container_exists(&name).await {
            Ok(true) => Ok(Ok(self.table.push(ContainerHandle { name })?)),
            Ok(false) => answer(Err(BlobError::NoContainer(name))),
            Err(e) => answer(Err(e)),
        }
    }
}

impl blobstore::Host for BlobView<'_> {
    async fn create_container(&mut self, name: String) -> Answer<Resource<ContainerHandle>> {
        if let Err(e) = self.store.create_container(&name).await {
            return answer(Err(e));
        }
        self.open(name).await
    }

    async fn get_container(&mut self, name: String) -> Answer<Resource<ContainerHandle>> {
        self.open(name).await
    }

    async fn delete_container(&mut self, name: String) -> Answer<()> {
        answer(self.store.delete_container(&name).await)
    }

    async fn container_exists(&mut self, name: String) -> Answer<bool> {
        answer(self.store.container_exists(&name).await)
    }

    async fn copy_object(&mut self, src: types::ObjectId, dest: types::ObjectId) -> Answer<()> {
        let (sc, so, dc, dobj) = (&src.container, &src.object, &dest.container, &dest.object);
        answer(self.store.copy(sc, so, dc, dobj).await)
    }

    async fn move_object(&mut self, src: types::ObjectId, dest: types::ObjectId) -> Answer<()> {
        let (sc, so, dc, dobj) = (&src.container, &src.object, &dest.container, &dest.object);
        answer(self.store.rename(sc, so, dc, dobj).await)
    }
}

impl container::Host for BlobView<'_> {}

impl container::HostContainer for BlobView<'_> {
    async fn name(&mut self, container: Resource<ContainerHandle>) -> Answer<String> {
        Ok(Ok(self.container_name(&container)?))
    }

    async fn info(
        &mut self,
        container: Resource<ContainerHandle>,
    ) -> Answer<types::ContainerMetadata> {
        let name = self.container_name(&container)?;
        answer(
            self.store
                .container_created(&name)
                .await
                .map(|created_at| types::ContainerMetadata { name, created_at }),
        )
    }

    async fn get_data(
        &mut self,
        container: Resource<ContainerHandle>,
        name: String,
        start: u64,
        end: u64,
    ) -> Answer<Resource<IncomingValue>> {
        let c = self.container_name(&container)?;
        match self.store.get(&c, &name, start, end).await {
            Ok(data) => Ok(Ok(self.table.push(IncomingValue { data })?)),
            Err(e) => answer(Err(e)),
        }
    }

    async fn write_data(
        &mut self,
        container: Resource<ContainerHandle>,
        name: String,
        data: Resource<OutgoingValue>,
    ) -> Answer<()> {
        if name.is_empty() {
            return answer(Err(BlobError::Name {
                what: "object",
                name,
                rule: "is empty",
            }));
        }
        let c = self.container_name(&container)?;
        self.table.get_mut(&data)?.target = Some((c, name));
        Ok(Ok(()))
    }

    async fn list_objects(
        &mut self,
        container: Resource<ContainerHandle>,
    ) -> Answer<Resource<ObjectNames>> {
        let c = self.container_name(&container)?;
        match self.store.list(&c).await {
            Ok(names) => Ok(Ok(self.table.push(ObjectNames {
                names: names.into(),
            })?)),
            Err(e) => answer(Err(e)),
        }
    }

    async fn delete_object(
        &mut self,
        container: Resource<ContainerHandle>,
        name: String,
    ) -> Answer<()> {
        let c = self.container_name(&container)?;
        answer(self.store.delete(&c, &name).await)
    }

    async fn delete_objects(
        &mut self,
        container: Resource<ContainerHandle>,
        names: Vec<String>,
    ) -> Answer<()> {
        let c = self.container_name(&container)?;
        for name in names {
            if let Err(e) = self.store.delete(&c, &name).await {
                return answer(Err(e));
            }
        }
        Ok(Ok(()))
    }

    async fn has_object(
        &mut self,
        container: Resource<ContainerHandle>,
        name: String,
    ) -> Answer<bool> {
        let c = self.container_name(&container)?;
        answer(self.store.stat(&c, &name).await.map(|s| s.is_some()))
    }

    async fn object_info(
        &mut self,
        container: Resource<ContainerHandle>,
        name: String,
    ) -> Answer<types::ObjectMetadata> {
        let c = self.container_name(&container)?;
        answer(match self.store.stat(&c, &name).await {
            Ok(Some(stat)) => Ok(types::ObjectMetadata {
                name,
                container: c,
                created_at: stat.created_at,
                size: stat.size,
            }),
            Ok(None) => Err(BlobError::NoObject {
                container: c,
                object: name,
            }),
            Err(e) => Err(e),
        })
    }

    async fn clear(&mut self, container: Resource<ContainerHandle>) -> Answer<()> {
        let c = self.container_name(&container)?;
        answer(self.store.clear(&c).await)
    }

    async fn drop(&mut self, container: Resource<ContainerHandle>) -> wasmtime::Result<()> {
        self.table.delete(container)?;
        Ok(())
    }
}

impl container::HostStreamObjectNames for BlobView<'_> {
    async fn read_stream_object_names(
        &mut self,
        names: Resource<ObjectNames>,
        len: u64,
    ) -> Answer<(Vec<String>, bool)> {
        let queue = &mut self.table.get_mut(&names)?.names;
        let n = usize::try_from(len).unwrap_or(usize::MAX).min(queue.len());
        let read: Vec<String> = queue.drain(..n).collect();
        Ok(Ok((read, queue.is_empty())))
    }

    async fn skip_stream_object_names(
        &mut self,
        names: Resource<ObjectNames>,
        num: u64,
    ) -> Answer<(u64, bool)> {
        let queue = &mut self.table.get_mut(&names)?.names;
        let n = usize::try_from(num).unwrap_or(usize::MAX).min(queue.len());
        queue.drain(..n);
        Ok(Ok((n as u64, queue.is_empty())))
    }

    async fn drop(&mut self, names: Resource<ObjectNames>) -> wasmtime::Result<()> {
        self.table.delete(names)?;
        Ok(())
    }
}

impl types::Host for BlobView<'_> {}

impl types::HostOutgoingValue for BlobView<'_> {
    async fn new_outgoing_value(&mut self) -> wasmtime::Result<Resource<OutgoingValue>> {
        Ok(self.table.push(OutgoingValue {
            body: MemoryOutputPipe::new(MAX_OBJECT),
            body_taken: false,
            target: None,
        })?)
    }

    async fn outgoing_value_write_body(
        &mut self,
        value: Resource<OutgoingValue>,
    ) -> wasmtime::Result<Result<Resource<Box<dyn OutputStream>>, ()>> {
        let outgoing = self.table.get_mut(&value)?;
        if std::mem::replace(&mut outgoing.body_taken, true) {
            return Ok(Err(()));
        }
        let stream: Box<dyn OutputStream> = Box::new(outgoing.body.clone());
        // A child: `finish` or dropping the value while the stream lives traps, as the WIT
        // says it does.
        Ok(Ok(self.table.push_child(stream, &value)?))
    }

    async fn finish(&mut self, value: Resource<OutgoingValue>) -> Answer<()> {
        let OutgoingValue { body, target, .. } = self.table.delete(value)?;
        let Some((container, object)) = target else {
            return answer(Err(BlobError::NoTarget));
        };
        let body = match body.try_into_inner() {
            Some(bytes) => bytes.freeze(),
            None => Bytes::new(),
        };
        answer(self.store.put(&container, &object, body).await)
    }

    async fn drop(&mut self, value: Resource<OutgoingValue>) -> wasmtime::Result<()> {
        // Not finished: discarded, as the WIT says.
        self.table.delete(value)?;
        Ok(())
    }
}

impl types::HostIncomingValue for BlobView<'_> {
    async fn incoming_value_consume_sync(
        &mut self,
        value: Resource<IncomingValue>,
    ) -> Answer<Vec<u8>> {
        Ok(Ok(self.table.delete(value)?.data.to_vec()))
    }

    async fn incoming_value_consume_async(
        &mut self,
        value: Resource<IncomingValue>,
    ) -> Answer<Resource<Box<dyn InputStream>>> {
        let data = self.table.delete(value)?.data;
        let stream: Box<dyn InputStream> = Box::new(MemoryInputPipe::new(data));
        Ok(Ok(self.table.push(stream)?))
    }

    async fn size(&mut self, value: Resource<IncomingValue>) -> wasmtime::Result<u64> {
        Ok(self.table.get(&value)?.data.len() as u64)
    }

    async fn drop(&mut self, value: Resource<IncomingValue>) -> wasmtime::Result<()> {
        self.table.delete(value)?;
        Ok(())
    }
}
