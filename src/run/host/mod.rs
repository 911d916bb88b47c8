//! The interfaces `wash run` hosts besides WASI and wasi:http, at the versions wasmCloud v2.7's
//! host implements (docs/capabilities.md): `wasi:config@0.2.0-rc.1`, `wasi:logging@0.1.0-draft`,
//! `wasi:keyvalue@0.2.0-draft` (`store`, `atomics`, `batch`), `wasi:blobstore@0.2.0-draft`
//! (`types`, `container`, `blobstore`) and `wasmcloud:messaging@0.2.0` (`consumer`; the
//! `handler` export is called by [`crate::run`]). One file per interface, one per backend
//! (`kv_store`, `kv_nats`, `kv_redis`; `blob_files`, `blob_nats`, chosen in `blob_backend`;
//! `messaging_local`, `messaging_nats`); [`add_to_linker`] adds them all, [`imports`] says what a
//! component needs that none of them (nor WASI) provides. [`Capabilities::connect`] reaches the
//! servers the options name before anything runs.

mod blob_backend;
mod blob_files;
mod blob_nats;
mod blobstore;
mod config;
pub mod imports;
mod keyvalue;
mod kv_nats;
mod kv_redis;
pub mod kv_store;
mod logging;
pub mod messaging;
mod messaging_local;
mod messaging_nats;
pub mod nats;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::run::BoxError;

use wasmtime::component::{Linker, ResourceTable};
use wasmtime_wasi_config::WasiConfigVariables;

pub use blob_backend::BlobstoreBackend;
pub use imports::MissingImport;
pub use kv_store::KeyValueStore;
pub use messaging::{Message, MessagingBackend, Subscription};

/// A `wasi:logging` level, lowest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// `trace`.
    Trace,
    /// `debug`.
    Debug,
    /// `info`.
    #[default]
    Info,
    /// `warn`.
    Warn,
    /// `error`.
    Error,
    /// `critical`.
    Critical,
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
            LogLevel::Critical => "CRITICAL",
        })
    }
}

/// Where a component's `wasi:logging` lines go (the CLI draws them on stderr).
pub trait GuestLog: Send + Sync + 'static {
    /// One `log` call at or above the run's level.
    fn guest_log(&self, level: LogLevel, context: &str, message: &str);
}

/// What backs `wasi:keyvalue`: `--keyvalue <DIR|nats://…|redis://…>`, or `keyvalue` in
/// `[package.metadata.wasmcloud.dev]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValueBackend {
    /// The embedded store: one JSON file per bucket in this folder.
    Files(PathBuf),
    /// NATS JetStream KV at this URL (`nats://127.0.0.1:4222`).
    Nats(String),
    /// Redis at this URL (`redis://127.0.0.1:6379`, optionally `/DB`).
    Redis(String),
}

impl Default for KeyValueBackend {
    fn default() -> KeyValueBackend {
        KeyValueBackend::Files(PathBuf::new())
    }
}

impl KeyValueBackend {
    /// The choices, for help and errors.
    pub const CHOICES: &'static str = "a folder, `nats://HOST:PORT` or `redis://HOST:PORT`";

    /// A folder, or a URL whose scheme names the backend. A relative folder stays relative
    /// (to the current directory for a flag; [`crate::config`] resolves Cargo.toml's against
    /// the crate).
    pub fn parse(value: &str) -> Result<KeyValueBackend, UnknownScheme> {
        match scheme(value) {
            None => Ok(KeyValueBackend::Files(PathBuf::from(value))),
            Some("nats") => Ok(KeyValueBackend::Nats(value.to_string())),
            Some("redis" | "rediss" | "redis+unix" | "unix") => {
                Ok(KeyValueBackend::Redis(value.to_string()))
            }
            Some(scheme) => Err(UnknownScheme {
                capability: "keyvalue",
                value: value.to_string(),
                scheme: scheme.to_string(),
                choices: KeyValueBackend::CHOICES,
            }),
        }
    }

    /// For the `Hosting` line: `NATS JetStream KV at nats://…`.
    fn describe(&self) -> String {
        match self {
            KeyValueBackend::Files(dir) => format!("files in {}", shown(dir).display()),
            KeyValueBackend::Nats(url) => format!("NATS JetStream KV at {}", redacted(url)),
            KeyValueBackend::Redis(url) => format!("Redis at {}", redacted(url)),
        }
    }
}

/// The scheme of a URL-looking value (`nats` in `nats://…`), `None` for a path.
fn scheme(value: &str) -> Option<&str> {
    let (scheme, _) = value.split_once("://")?;
    let word = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    word.then_some(scheme)
}

/// `url` with any password or token hidden, for what wash prints.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***{}", &rest[at..]),
            // A lone user part is a token to NATS.
            None => format!("{scheme}://***{}", &rest[at..]),
        },
        None => url.to_string(),
    }
}

/// A backend URL whose scheme no backend of the capability uses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}`: no {capability} backend speaks `{scheme}://`; use {choices}")]
pub struct UnknownScheme {
    /// `keyvalue`, `blobstore`, `messaging`.
    pub capability: &'static str,
    /// The value given.
    pub value: String,
    /// Its scheme.
    pub scheme: String,
    /// What would do.
    pub choices: &'static str,
}

/// What can stop the capabilities from starting.
#[derive(Debug, thiserror::Error)]
pub enum CapabilityError {
    /// A backend's server did not answer, or refused, at start-up.
    #[error("cannot connect the {capability} backend to `{}`", redacted(url))]
    Connect {
        /// `keyvalue`, `blobstore`, `messaging`.
        capability: &'static str,
        /// The server's URL.
        url: String,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// A subscription is not a NATS subject (with an optional queue group).
    #[error("cannot subscribe to `{subscription}`: {reason}")]
    Subscription {
        /// The subscription as given.
        subscription: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl crate::hint::Hint for CapabilityError {
    fn hint(&self) -> Option<String> {
        match self {
            CapabilityError::Connect { capability, .. } => Some(format!(
                "start the server (or fix the URL), or choose another backend with \
                 `--{capability}` or `{capability}` in `[package.metadata.wasmcloud.dev]` of \
                 Cargo.toml"
            )),
            CapabilityError::Subscription { .. } => Some(
                "a subject is dot-separated tokens, `*` for any one token, `>` as the last for \
                 the rest (`orders.*.created`, `orders.>`); a queue group follows after a space \
                 (`--subscribe \"orders.> workers\"`)"
                    .into(),
            ),
        }
    }
}

/// `e` and its causes as one line, each cause once: clients wrap an I/O error in one that
/// repeats its text (`IO error: Connection refused` over `Connection refused`).
fn chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        cause = c.source();
    }
    message
}

/// A client's error as one cause, for a start-up error's `Caused by:` list.
fn flatten(e: BoxError) -> BoxError {
    chain(e.as_ref()).into()
}

/// What the capabilities are given, as the caller sets them.
#[derive(Debug, Clone, Default)]
pub struct CapabilityOptions {
    /// `wasi:config` values, later pairs overriding earlier ones with the same key.
    pub config: Vec<(String, String)>,
    /// The lowest `wasi:logging` level shown.
    pub log_level: LogLevel,
    /// What backs `wasi:keyvalue`.
    pub keyvalue: KeyValueBackend,
    /// What backs `wasi:blobstore`.
    pub blobstore: BlobstoreBackend,
    /// What carries `wasmcloud:messaging`.
    pub messaging: MessagingBackend,
    /// The subjects delivered to a component that exports `wasmcloud:messaging/handler`, each
    /// `SUBJECT` or `SUBJECT QUEUE-GROUP`.
    pub subscriptions: Vec<String>,
}

/// The capabilities of one run, shared by every instance of it: a write one HTTP request makes
/// is seen by the next.
pub struct Capabilities {
    config: WasiConfigVariables,
    log_level: LogLevel,
    log: Arc<dyn GuestLog>,
    keyvalue: keyvalue::KeyValue,
    blobstore: blob_backend::Blobstore,
    messaging: messaging::Messaging,
    subscriptions: Vec<Subscription>,
}

impl Capabilities {
    /// The capabilities `options` describe, logging to `log`, with every server they name
    /// connected (within [`nats::CONNECT_TIMEOUT`] each). Call it inside the Tokio runtime
    /// the component will run on: the connections live on it.
    pub async fn connect(
        options: &CapabilityOptions,
        log: Arc<dyn GuestLog>,
    ) -> Result<Capabilities, CapabilityError> {
        let connections = nats::Connections::default();
        Ok(Capabilities {
            config: options.config.iter().cloned().collect(),
            log_level: options.log_level,
            log,
            keyvalue: keyvalue::KeyValue::connect(&options.keyvalue, &connections).await?,
            blobstore: blob_backend::Blobstore::connect(&options.blobstore, &connections).await?,
            subscriptions: Subscription::parse_all(&options.subscriptions)?,
            messaging: messaging::Messaging::connect(&options.messaging, &connections).await?,
        })
    }

    /// The subscriptions a message handler is given.
    pub fn subscriptions(&self) -> &[Subscription] {
        &self.subscriptions
    }

    /// The run's messaging, shared by the consumer imports and the handler's deliveries.
    pub fn messaging(&self) -> &messaging::Messaging {
        &self.messaging
    }
}

/// Host state that carries the run's [`Capabilities`] and a resource table.
pub trait CapabilityView: Send + 'static {
    /// The capabilities and the instance's resource table.
    fn capabilities(&mut self) -> (&Capabilities, &mut ResourceTable);
}

/// Adds every interface of this module to the linker.
pub fn add_to_linker<T: CapabilityView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    config::add_to_linker(linker)?;
    logging::add_to_linker(linker)?;
    keyvalue::add_to_linker(linker)?;
    blobstore::add_to_linker(linker)?;
    messaging::add_to_linker(linker)
}

/// What backs one capability a component imports, for the start-up report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// `keyvalue`, `blobstore`, `config`, `logging` or `messaging`.
    pub capability: &'static str,
    /// What backs it (`files in target/wasmcloud/dev/keyvalue`, `Redis at redis://…`).
    pub detail: String,
}

/// The backend of each capability among `imports` (component import names), and messaging for
/// a component that `handles_messages` (exports `wasmcloud:messaging/handler`).
pub fn backends(
    imports: &[String],
    handles_messages: bool,
    options: &CapabilityOptions,
) -> Vec<Backend> {
    let uses = |prefix: &str| imports.iter().any(|i| i.starts_with(prefix));
    let mut out = Vec::new();
    if uses("wasi:keyvalue/") {
        out.push(Backend {
            capability: "keyvalue",
            detail: options.keyvalue.describe(),
        });
    }
    if uses("wasi:blobstore/") {
        out.push(Backend {
            capability: "blobstore",
            detail: options.blobstore.describe(),
        });
    }
    if uses("wasi:config/") {
        let keys = options.config.iter().map(|(k, _)| k.as_str());
        let keys: std::collections::BTreeSet<&str> = keys.collect();
        out.push(Backend {
            capability: "config",
            detail: match keys.len() {
                0 => "no values (set them with `--config KEY=VALUE`)".into(),
                n => format!(
                    "{n} value{} ({})",
                    if n == 1 { "" } else { "s" },
                    keys.into_iter().collect::<Vec<_>>().join(", ")
                ),
            },
        });
    }
    if handles_messages || uses("wasmcloud:messaging/") {
        out.push(Backend {
            capability: "messaging",
            detail: messaging::describe(options, handles_messages),
        });
    }
    if uses("wasi:logging/") {
        out.push(Backend {
            capability: "logging",
            detail: format!(
                "stderr, {} and above",
                options.log_level.to_string().to_lowercase()
            ),
        });
    }
    out
}

/// `path` relative to the current directory when it is below it (`target/wasmcloud/…`).
fn shown(path: &Path) -> &Path {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backend_is_a_folder_or_a_url_whose_scheme_names_it() {
        let parse = |v: &str| KeyValueBackend::parse(v).unwrap();
        assert_eq!(parse("kv"), KeyValueBackend::Files("kv".into()));
        assert_eq!(parse("/var/kv"), KeyValueBackend::Files("/var/kv".into()));
        assert_eq!(
            parse("nats://127.0.0.1:4222"),
            KeyValueBackend::Nats("nats://127.0.0.1:4222".into())
        );
        assert_eq!(
            parse("redis://127.0.0.1:6379/1"),
            KeyValueBackend::Redis("redis://127.0.0.1:6379/1".into())
        );
        let err = KeyValueBackend::parse("http://127.0.0.1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`http://127.0.0.1`: no keyvalue backend speaks `http://`; use a folder, \
             `nats://HOST:PORT` or `redis://HOST:PORT`"
        );
    }

    #[test]
    fn printed_urls_hide_passwords() {
        assert_eq!(
            redacted("redis://:s3cret@127.0.0.1:6379"),
            "redis://:***@127.0.0.1:6379"
        );
        assert_eq!(
            redacted("nats://me:pw@host:4222/x@y"),
            "nats://me:***@host:4222/x@y"
        );
        assert_eq!(redacted("nats://host:4222"), "nats://host:4222");
        assert_eq!(redacted("nats://token@host"), "nats://***@host");
    }
}
