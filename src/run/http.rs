//! Serving a `wasi:http/incoming-handler` component: one fresh instance per request, the way
//! wasmCloud and Spin run them.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use tokio::net::TcpListener;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::engine::MAX_INSTANCES;
use super::{Capabilities, Grants, GuestLog, Host, Loaded, RunError};

/// What the server tells its caller while it runs.
pub trait ServeEvents: GuestLog {
    /// The listener is bound (useful with port 0).
    fn listening(&self, addr: SocketAddr);
    /// A request failed inside the component; the client got a 500.
    fn request_failed(&self, method: &str, path: &str, error: &wasmtime::Error);
    /// A request was answered (its headers sent): method, path, status, time to the headers.
    fn request(&self, method: &str, path: &str, status: u16, took: std::time::Duration) {
        let _ = (method, path, status, took);
    }
}

/// The proxy-world instance-pre of a loaded (and so already linked) component.
fn proxy_pre(loaded: &Loaded) -> Result<ProxyPre<Host>, RunError> {
    ProxyPre::new(loaded.pre.clone()).map_err(RunError::guest)
}

struct Server {
    /// The component requests go to: replaced, between requests, by a hot swap.
    pre: RwLock<ProxyPre<Host>>,
    grants: Grants,
    caps: Arc<Capabilities>,
    events: Arc<dyn ServeEvents>,
    /// One permit per live instance: the pooling allocator has slots for this many, so
    /// requests past it wait for one instead of failing.
    instances: Arc<tokio::sync::Semaphore>,
}

/// A component to swap in while serving (`wash dev`); `done` says when it is in place (or why
/// it could not be), so "rebuilt" is only reported once new requests reach it.
pub struct Swap {
    /// The component.
    pub loaded: Loaded,
    /// Answered once the swap is done.
    pub done: tokio::sync::oneshot::Sender<Result<(), RunError>>,
}

/// Components to swap in while serving: each one received replaces the one being served;
/// requests already running finish on the one they started with.
pub type Swaps = tokio::sync::mpsc::UnboundedReceiver<Swap>;

/// Serves the component on `addr` until `shutdown` completes.
pub async fn serve(
    loaded: &Loaded,
    grants: Grants,
    caps: Arc<Capabilities>,
    addr: SocketAddr,
    events: Arc<dyn ServeEvents>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), RunError> {
    serve_swappable(loaded, grants, caps, addr, events, shutdown, None).await
}

/// [`serve`], swapping in each component `swaps` delivers without closing the listener.
pub async fn serve_swappable(
    loaded: &Loaded,
    grants: Grants,
    caps: Arc<Capabilities>,
    addr: SocketAddr,
    events: Arc<dyn ServeEvents>,
    shutdown: impl Future<Output = ()>,
    mut swaps: Option<Swaps>,
) -> Result<(), RunError> {
    let pre = proxy_pre(loaded)?;
    // Build one instance state up front so a bad `--dir` fails now, not on the first request.
    Host::new(&grants, &caps, "")?;

    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| RunError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| RunError::Bind { addr, source })?;
    events.listening(bound);

    let server = Arc::new(Server {
        pre: RwLock::new(pre),
        grants,
        caps,
        events,
        instances: Arc::new(tokio::sync::Semaphore::new(MAX_INSTANCES as usize)),
    });
    tokio::pin!(shutdown);
    loop {
        let next_swap = async {
            match swaps.as_mut() {
                Some(rx) => rx.recv().await,
                None => std::future::pending().await,
            }
        };
        let accepted = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            swap = next_swap => {
                match swap {
                    Some(Swap { loaded, done }) => {
                        let swapped = proxy_pre(&loaded).map(|pre| {
                            *server.pre.write().expect("no panics under the lock") = pre;
                        });
                        let _ = done.send(swapped);
                    }
                    // The sender is gone: nothing more will be swapped in.
                    None => swaps = None,
                }
                continue;
            }
            accepted = listener.accept() => accepted,
        };
        // A failed accept (e.g. too many open files) affects one client, not the server.
        let Ok((stream, _peer)) = accepted else {
            continue;
        };
        // Responses go out as soon as they are written, not after the client's next ACK.
        let _ = stream.set_nodelay(true);
        let server = server.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let server = server.clone();
                async move { Ok::<_, std::convert::Infallible>(server.handle(req).await) }
            });
            // Connection-level errors (client went away) concern only that client.
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

impl Server {
    async fn handle(
        &self,
        req: hyper::Request<hyper::body::Incoming>,
    ) -> hyper::Response<HyperOutgoingBody> {
        let method = req.method().to_string();
        let path = req.uri().path().to_string();
        let started = std::time::Instant::now();
        let resp = match self.call_guest(req).await {
            Ok(resp) => resp,
            Err(e) => {
                // Name the limit a runaway guest hit, above wasmtime's own account of the trap.
                let e = match self.grants.limits.explain(&e) {
                    Some(limit) => e.context(limit),
                    None => e,
                };
                self.events.request_failed(&method, &path, &e);
                let body = Full::new(Bytes::from_static(
                    b"500 Internal Server Error: the component failed\n",
                ))
                .map_err(|never| match never {})
                .boxed_unsync();
                let mut resp = hyper::Response::new(body);
                *resp.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
                resp
            }
        };
        self.events
            .request(&method, &path, resp.status().as_u16(), started.elapsed());
        resp
    }

    async fn call_guest(
        &self,
        req: hyper::Request<hyper::body::Incoming>,
    ) -> wasmtime::Result<hyper::Response<HyperOutgoingBody>> {
        let permit = self.instances.clone().acquire_owned().await?;
        let pre = self.pre.read().expect("no panics under the lock").clone();
        let mut store = Host::new(&self.grants, &self.caps, "")?.into_store(
            pre.engine(),
            &self.grants.limits,
            true,
        );
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let req = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)?;
        let out = store.data_mut().http().new_response_outparam(sender)?;
        // The guest may keep streaming the body after it has sent the headers, so it runs in
        // its own task while the response goes back.
        let task = tokio::spawn(async move {
            // The permit goes with the instance: released when the guest is done.
            let _permit = permit;
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, req, out)
                .await
        });
        match receiver.await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(code)) => Err(error_code(code)),
            Err(_) => match task.await {
                Ok(Ok(())) => Err(wasmtime::format_err!(
                    "the component returned without setting a response"
                )),
                Ok(Err(e)) => Err(e),
                Err(e) => Err(wasmtime::format_err!("the request task failed: {e}")),
            },
        }
    }
}

fn error_code(code: ErrorCode) -> wasmtime::Error {
    wasmtime::format_err!("the component answered with error code {code:?}")
}
