//! The interfaces `wash run` hosts besides WASI and wasi:http, at the versions wasmCloud v2.7's
//! host implements (docs/capabilities.md): `wasi:config@0.2.0-rc.1`, `wasi:logging@0.1.0-draft`
//! and `wasi:keyvalue@0.2.0-draft` (`store`, `atomics`, `batch`). One file per interface;
//! [`add_to_linker`] adds them all, [`imports`] says what a component needs that none of them
//! (nor WASI) provides.

mod config;
pub mod imports;
mod keyvalue;
pub mod kv_store;
mod logging;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use wasmtime::component::{Linker, ResourceTable};
use wasmtime_wasi_config::WasiConfigVariables;

pub use imports::MissingImport;
pub use kv_store::KeyValueStore;

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

/// What the capabilities are given, as the caller sets them.
#[derive(Debug, Clone, Default)]
pub struct CapabilityOptions {
    /// `wasi:config` values, later pairs overriding earlier ones with the same key.
    pub config: Vec<(String, String)>,
    /// The lowest `wasi:logging` level shown.
    pub log_level: LogLevel,
    /// The folder of the embedded `wasi:keyvalue` store.
    pub keyvalue_dir: PathBuf,
}

/// The capabilities of one run, shared by every instance of it: a write one HTTP request makes
/// is seen by the next.
pub struct Capabilities {
    config: WasiConfigVariables,
    log_level: LogLevel,
    log: Arc<dyn GuestLog>,
    keyvalue: KeyValueStore,
}

impl Capabilities {
    /// The capabilities `options` describe, logging to `log`.
    pub fn new(options: &CapabilityOptions, log: Arc<dyn GuestLog>) -> Capabilities {
        Capabilities {
            config: options.config.iter().cloned().collect(),
            log_level: options.log_level,
            log,
            keyvalue: KeyValueStore::new(&options.keyvalue_dir),
        }
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
    keyvalue::add_to_linker(linker)
}

/// What backs one capability a component imports, for the start-up report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// `keyvalue`, `config` or `logging`.
    pub capability: &'static str,
    /// What backs it (`files in target/wasmcloud/dev/keyvalue`).
    pub detail: String,
}

/// The backend of each capability among `imports` (component import names).
pub fn backends(imports: &[String], options: &CapabilityOptions) -> Vec<Backend> {
    let uses = |prefix: &str| imports.iter().any(|i| i.starts_with(prefix));
    let mut out = Vec::new();
    if uses("wasi:keyvalue/") {
        out.push(Backend {
            capability: "keyvalue",
            detail: format!("files in {}", shown(&options.keyvalue_dir).display()),
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
fn shown(path: &std::path::Path) -> &std::path::Path {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(path)
}
