//! Components through OCI registries, in the CNCF Wasm OCI artifact layout: reference parsing
//! ([`reference`]), the manifest, config and annotations ([`layout`]), credentials from docker's
//! `config.json` and its helpers ([`auth`]), [`push`], [`pull`], and the local content-addressed
//! cache `wash run REF` and `wash inspect REF` read through ([`cache`]).
//!
//! Network calls are `async` (oci-client is). Nothing here prints: progress goes through the
//! [`Progress`] trait.

pub mod auth;
pub mod cache;
mod error;
pub mod layout;
pub mod pull;
pub mod push;
pub mod reference;

use std::sync::Arc;

pub use error::OciError;
pub use pull::{PullOptions, Pulled, Verifier, pull};
pub use push::{PushOptions, Pushed, push};
pub use reference::ComponentRef;

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// Plain HTTP for every registry (`--insecure`). Without it, only loopback registries
    /// (`localhost`, `127.0.0.1`, `[::1]`) are spoken to over plain HTTP; all others use TLS.
    pub insecure: bool,
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

/// An oci-client for this reference, with wash's protocol policy applied.
fn client_for(reference: &ComponentRef, options: &ClientOptions) -> oci_client::Client {
    client_with(reference, options, false)
}

/// [`client_for`], choosing between one streamed upload per blob (`monolithic`) and chunks.
fn client_with(
    reference: &ComponentRef,
    options: &ClientOptions,
    monolithic: bool,
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
        user_agent: concat!("wash/", env!("CARGO_PKG_VERSION")),
        connect_timeout: Some(std::time::Duration::from_secs(30)),
        use_monolithic_push: monolithic,
        ..Default::default()
    })
}

/// A current-thread runtime for the blocking wrappers and the CLI.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}
