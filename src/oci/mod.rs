//! Components through OCI registries, in the CNCF Wasm OCI artifact layout: reference parsing
//! ([`reference`]), the manifest, config and annotations ([`layout`]), credentials from docker's
//! `config.json` and its helpers ([`auth`]), [`push`], [`pull`], and the local content-addressed
//! cache `wash run REF` and `wash inspect REF` read through ([`cache`]).
//!
//! Network calls are `async` (oci-client is). Nothing here prints: progress goes through the
//! [`Progress`] trait. A pull is bounded against a misbehaving registry ([`fetch`]): a stalled
//! connection times out ([`DEFAULT_TIMEOUT`], `WASH_REGISTRY_TIMEOUT`), a manifest is refused
//! past [`fetch::MAX_MANIFEST_SIZE`], a blob past its declared size, and a request the registry
//! failed on its side (5xx) is tried again a bounded number of times.

pub mod auth;
pub mod cache;
mod error;
pub mod fetch;
pub mod layout;
pub mod pull;
pub mod push;
mod record;
pub mod reference;
mod upload;

use std::sync::Arc;
use std::time::Duration;

pub use error::OciError;
pub use pull::{PullOptions, Pulled, Verifier, pull};
pub use push::{PushOptions, Pushed, push};
pub use reference::ComponentRef;

/// How long a registry may stay silent during a pull (no response, or no body bytes) before
/// wash gives up on it; `WASH_REGISTRY_TIMEOUT=SECONDS` changes it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The environment variable that sets the pull timeout, in seconds.
pub const TIMEOUT_ENV: &str = "WASH_REGISTRY_TIMEOUT";

/// How to reach registries.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Plain HTTP for every registry (`--insecure`). Without it, only loopback registries
    /// (`localhost`, `127.0.0.1`, `[::1]`) are spoken to over plain HTTP; all others use TLS.
    pub insecure: bool,
    /// How long a registry may stay silent during a pull before it is an error. Pushes are not
    /// bounded by it: reqwest counts the whole upload against it, and a slow uplink is not a
    /// stalled registry.
    pub timeout: Duration,
}

impl Default for ClientOptions {
    /// TLS except for loopback registries, [`DEFAULT_TIMEOUT`].
    fn default() -> Self {
        ClientOptions {
            insecure: false,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl ClientOptions {
    /// The options for `insecure`, with the timeout `WASH_REGISTRY_TIMEOUT` sets (whole
    /// seconds, at least 1), else [`DEFAULT_TIMEOUT`].
    pub fn from_env(insecure: bool) -> Result<ClientOptions, OciError> {
        let timeout = match std::env::var(TIMEOUT_ENV) {
            Ok(text) => match text.trim().parse::<u64>() {
                Ok(seconds) if seconds > 0 => Duration::from_secs(seconds),
                _ => return Err(OciError::BadTimeout { value: text }),
            },
            Err(_) => DEFAULT_TIMEOUT,
        };
        Ok(ClientOptions { insecure, timeout })
    }
}

/// Progress of one blob transfer, reported by push and pull; the CLI draws it as a bar.
pub trait Progress: Send + Sync {
    /// A transfer of `total` bytes starts (`what` is e.g. `component`).
    fn start(&self, what: &str, total: u64);
    /// `bytes` more were sent or received.
    fn advance(&self, bytes: u64);
    /// The transfer ended (successfully or not).
    fn finish(&self);
}

/// A [`Progress`] that reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// The progress handle every operation takes: cheap to clone into oci-client's streams.
pub type ProgressHandle = Arc<dyn Progress>;

/// The media type of the manifest wash writes and reads.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The config media type of the CNCF Wasm OCI artifact.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The layer media type of the CNCF Wasm OCI artifact.
pub const LAYER_MEDIA_TYPE: &str = "application/wasm";
/// The layer media type older tools (wasm-to-oci) pushed; accepted on pull, never written.
pub const DEPRECATED_LAYER_MEDIA_TYPE: &str = "application/vnd.module.wasm.content.layer.v1+wasm";

/// The user agent of every request wash makes to a registry.
const USER_AGENT: &str = concat!("wash/", env!("CARGO_PKG_VERSION"));

/// How long a registry has to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// An oci-client for pulling from this reference: wash's protocol policy, and the read timeout.
fn client_for(reference: &ComponentRef, options: &ClientOptions) -> oci_client::Client {
    client_config(reference, options, false, Some(options.timeout))
}

/// An oci-client for pushing, choosing between one streamed upload per blob (`monolithic`) and
/// chunks. No read timeout (see [`ClientOptions::timeout`]).
fn client_with(
    reference: &ComponentRef,
    options: &ClientOptions,
    monolithic: bool,
) -> oci_client::Client {
    client_config(reference, options, monolithic, None)
}

fn client_config(
    reference: &ComponentRef,
    options: &ClientOptions,
    monolithic: bool,
    read_timeout: Option<Duration>,
) -> oci_client::Client {
    // reqwest is built without a bundled crypto provider; ring is the one wash ships.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let protocol = if options.insecure {
        oci_client::client::ClientProtocol::Http
    } else if reference.is_loopback() {
        oci_client::client::ClientProtocol::HttpsExcept(vec![reference.registry().to_string()])
    } else {
        oci_client::client::ClientProtocol::Https
    };
    oci_client::Client::new(oci_client::client::ClientConfig {
        protocol,
        user_agent: USER_AGENT,
        connect_timeout: Some(CONNECT_TIMEOUT),
        read_timeout,
        use_monolithic_push: monolithic,
        ..Default::default()
    })
}

/// `http` or `https` for this reference, by the same policy as the oci-client.
fn scheme(reference: &ComponentRef, options: &ClientOptions) -> &'static str {
    if options.insecure || reference.is_loopback() {
        "http"
    } else {
        "https"
    }
}

/// A current-thread runtime for the blocking wrappers and the CLI.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}
