//! Serving a component until stopped: a `wasi:http/incoming-handler` one gets one fresh
//! instance per request, the way wasmCloud and Spin run them; a `wasmcloud:messaging/handler`
//! one (alone or as well) one per message on its subscriptions ([`super::messages`]). Both are
//! hot-swappable (`wash dev`).

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

use super::host::Subscription;
use super::messages::Delivery;
use super::{Capabilities, ComponentKind, Grants, GuestLog, Host, Loaded, RunError, engine};

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
    /// A message handler's subscriptions are in place: messages on them reach it (`alone`: it
    /// serves nothing else, no HTTP).
    fn subscribed(&self, subscriptions: &[Subscription], alone: bool) {
        let _ = (subscriptions, alone);
    }
    /// Handling a message failed (a trap, a limit, or the handler's own error).
    fn message_failed(&self, subject: &str, error: &wasmtime::Error) {
        let _ = (subject, error);
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
}

/// A component to swap in while serving (`wash dev`); `done` says when it is in place (or why
/// it could not be), so "rebuilt" is only reported once new requests reach it.
pub struct Swap {
    /// The component.
    pub loaded: Loaded,
    /// Its subscriptions (from the rebuilt crate's Cargo.toml, or the flags): made again only
    /// if they changed.
    pub subscriptions: Vec<String>,
    /// Answered once the swap is done.
    pub done: tokio::sync::oneshot::Sender<Result<(), RunError>>,
}

/// Components to swap in while serving: each one received replaces the one being served;
/// requests already running finish on the one they started with.
pub type Swaps = tokio::sync::mpsc::UnboundedReceiver<Swap>;

/// Serves the component until `shutdown` completes: over HTTP on `addr` if it exports
/// `wasi:http/incoming-handler`, and to its subscriptions if it handles messages.
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

/// [`serve`], swapping in each component `swaps` delivers without closing the listener or (when
/// they are unchanged) the subscriptions.
pub async fn serve_swappable(
    loaded: &Loaded,
    grants: Grants,
    caps: Arc<Capabilities>,
    addr: SocketAddr,
    events: Arc<dyn ServeEvents>,
    shutdown: impl Future<Output = ()>,
    mut swaps: Option<Swaps>,
) -> Result<(), RunError> {
    // Build one instance state up front so a bad `--dir` fails now, not on the first request.
    Host::new(&grants, &caps, "")?;
    // Polled once before anything is served: a shutdown that waits for a signal (Ctrl-C)
    // installs its handler on its first poll, so a signal sent right after the first response
    // stops the server instead of killing the process.
    tokio::pin!(shutdown);
    if futures_util::poll!(&mut shutdown).is_ready() {
        return Ok(());
    }
    // Subscribed before the listener is bound: once `Serving` is reported, messages flow too.
    let subscriptions = caps.subscriptions().to_vec();
    let delivery = Delivery::start(loaded, &grants, &caps, &events, &subscriptions).await?;
    let http = match loaded.kind {
        ComponentKind::HttpProxy => Some(listen(loaded, &grants, &caps, addr, &events).await?),
        _ => None,
    };
    let mut served = Served {
        http,
        delivery,
        shape: Shape::of(loaded),
        grants,
        caps,
        events,
    };
    loop {
        let next_swap = async {
            match swaps.as_mut() {
                Some(rx) => rx.recv().await,
                None => std::future::pending().await,
            }
        };
        let next_connection = async {
            match &served.http {
                Some((listener, _)) => listener.accept().await,
                None => std::future::pending().await,
            }
        };
        let accepted = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            swap = next_swap => {
                match swap {
                    Some(Swap { loaded, subscriptions, done }) => {
                        let _ = done.send(served.swap(&loaded, &subscriptions).await);
                    }
                    // The sender is gone: nothing more will be swapped in.
                    None => swaps = None,
                }
                continue;
            }
            accepted = next_connection => accepted,
        };
        // A failed accept (e.g. too many open files) affects one client, not the server.
        if let (Ok((stream, _peer)), Some((_, server))) = (accepted, &served.http) {
            tokio::spawn(serve_connection(server.clone(), stream));
        }
    }
}

/// Answers the requests of one HTTP connection.
async fn serve_connection(server: Arc<Server>, stream: tokio::net::TcpStream) {
    // Responses go out as soon as they are written, not after the client's next ACK.
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |req| {
        let server = server.clone();
        async move { Ok::<_, std::convert::Infallible>(server.handle(req).await) }
    });
    // Connection-level errors (client went away) concern only that client.
    let _ = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// What is being served: the HTTP listener and its server, the message delivery.
struct Served {
    http: Option<(TcpListener, Arc<Server>)>,
    delivery: Option<Delivery>,
    shape: Shape,
    grants: Grants,
    caps: Arc<Capabilities>,
    events: Arc<dyn ServeEvents>,
}

impl Served {
    /// Puts `loaded` in place of the served component, with `subscriptions`; on an error, the
    /// old component goes on being served as it was.
    async fn swap(&mut self, loaded: &Loaded, subscriptions: &[String]) -> Result<(), RunError> {
        self.shape.check(loaded)?;
        let subscriptions = Subscription::parse_all(subscriptions)?;
        let proxy = match self.http {
            Some(_) => Some(proxy_pre(loaded)?),
            None => None,
        };
        let (grants, caps, events) = (&self.grants, &self.caps, &self.events);
        match self.delivery.as_mut() {
            Some(d) if !subscriptions.is_empty() => {
                d.swap(loaded, grants, caps, events, &subscriptions).await?
            }
            _ => {
                self.delivery =
                    Delivery::start(loaded, grants, caps, events, &subscriptions).await?
            }
        }
        if let (Some((_, server)), Some(pre)) = (&self.http, proxy) {
            *server.pre.write().expect("no panics under the lock") = pre;
        }
        Ok(())
    }
}

/// Binds `addr` and reports it.
async fn listen(
    loaded: &Loaded,
    grants: &Grants,
    caps: &Arc<Capabilities>,
    addr: SocketAddr,
    events: &Arc<dyn ServeEvents>,
) -> Result<(TcpListener, Arc<Server>), RunError> {
    let pre = proxy_pre(loaded)?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| RunError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| RunError::Bind { addr, source })?;
    events.listening(bound);
    let server = Arc::new(Server {
        pre: RwLock::new(pre),
        grants: grants.clone(),
        caps: caps.clone(),
        events: events.clone(),
    });
    Ok((listener, server))
}

/// What a served component is served as; a hot swap keeps it.
struct Shape {
    http: bool,
    messages: bool,
}

impl Shape {
    fn of(loaded: &Loaded) -> Shape {
        Shape {
            http: loaded.kind == ComponentKind::HttpProxy,
            messages: loaded.handles_messages,
        }
    }

    fn check(&self, next: &Loaded) -> Result<(), RunError> {
        let next = Shape::of(next);
        let export = |now: bool, name: &str| {
            let verb = if now {
                "now exports"
            } else {
                "no longer exports"
            };
            Err(RunError::KindChanged {
                change: format!("{verb} `{name}`"),
            })
        };
        if next.http != self.http {
            return export(next.http, "wasi:http/incoming-handler");
        }
        if next.messages != self.messages {
            return export(next.messages, super::host::messaging::HANDLER);
        }
        Ok(())
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
                let e = match self.grants.limits.explain(&e, true) {
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
        let permit = engine::admit().await;
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
