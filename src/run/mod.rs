//! `wash run`: a component on an embedded wasmtime. A `wasi:cli/run` command runs once; a
//! `wasi:http/incoming-handler` component is served over HTTP, one instance per request.
//!
//! Nothing is granted unless asked for: no host environment, no files, no network, no outgoing
//! HTTP. Standard input and output are the terminal's, as with any command.

mod command;
pub mod http;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use wasmtime::component::{Component, ResourceTable, types::ComponentItem};
use wasmtime::{Config, Engine};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{
    RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

pub use command::run_command;
pub use http::{ServeEvents, Swaps, serve, serve_swappable};

/// What the component may see.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    /// `--env K=V`: variables the guest sees (nothing from the host otherwise).
    pub env: Vec<(String, String)>,
    /// `--dir HOST::GUEST`: host folders the guest may read and write.
    pub dirs: Vec<DirGrant>,
    /// Arguments after the component (a command's `argv[1..]`).
    pub args: Vec<String>,
}

/// A host folder made visible to the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    /// The folder on the host.
    pub host: PathBuf,
    /// Where the guest sees it.
    pub guest: String,
}

impl std::str::FromStr for DirGrant {
    type Err = String;

    /// `HOST::GUEST` (wasmtime's syntax), or `DIR` for the same path in both.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (host, guest) = match s.split_once("::") {
            Some((h, g)) => (h, g),
            None => (s, s),
        };
        if host.is_empty() || guest.is_empty() {
            return Err(format!("`{s}` is not HOST::GUEST (e.g. `./data::/data`)"));
        }
        Ok(DirGrant {
            host: host.into(),
            guest: guest.into(),
        })
    }
}

/// What a component can be run as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentKind {
    /// Exports `wasi:cli/run`.
    Command,
    /// Exports `wasi:http/incoming-handler`.
    HttpProxy,
}

/// What can go wrong running a component.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The file is not a component wasmtime can load.
    #[error("could not load `{path}` as a component")]
    Load {
        /// The file.
        path: PathBuf,
        /// wasmtime's reason.
        #[source]
        source: BoxError,
    },
    /// It exports neither entry point.
    #[error(
        "`{path}` exports neither `wasi:cli/run` nor `wasi:http/incoming-handler`, so there is \
         nothing to run (its exports: {exports})"
    )]
    NotRunnable {
        /// The file.
        path: PathBuf,
        /// What it does export.
        exports: String,
    },
    /// A `--dir` folder cannot be opened.
    #[error("cannot grant `{host}` (from `--dir`) to the component")]
    Dir {
        /// The folder.
        host: PathBuf,
        /// The cause.
        #[source]
        source: BoxError,
    },
    /// The HTTP address cannot be bound.
    #[error("cannot listen on `{addr}`")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The component trapped or failed to instantiate.
    #[error("the component failed")]
    Guest(#[source] BoxError),
}

impl crate::hint::Hint for RunError {
    fn hint(&self) -> Option<String> {
        match self {
            RunError::NotRunnable { path, .. } => {
                Some(format!("`wash inspect {}` shows its world", path.display()))
            }
            RunError::Bind { .. } => Some("pass `--addr 127.0.0.1:PORT` with a free port".into()),
            _ => None,
        }
    }
}

/// wasmtime's errors are not `std::error::Error`; this keeps their chain as one.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

impl RunError {
    pub(crate) fn guest(e: wasmtime::Error) -> RunError {
        RunError::Guest(e.into_boxed_dyn_error())
    }
}

/// A compiled component and the engine it was compiled for.
pub struct Loaded {
    engine: Engine,
    component: Component,
    /// How it can be run.
    pub kind: ComponentKind,
}

/// Compiles the component (with wasmtime's on-disk cache when available) and works out its kind.
pub fn load(path: &std::path::Path) -> Result<Loaded, RunError> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    // Reusing compiled code makes the second `wash run` of the same build start at once.
    if let Ok(cache) = wasmtime::Cache::from_file(None) {
        config.cache(Some(cache));
    }
    let load_err = |source: wasmtime::Error| RunError::Load {
        path: path.to_path_buf(),
        source: source.into_boxed_dyn_error(),
    };
    let engine = Engine::new(&config).map_err(load_err)?;
    let component = Component::from_file(&engine, path).map_err(load_err)?;
    let exports: Vec<String> = component
        .component_type()
        .exports(&engine)
        .filter(|(_, item)| matches!(item.ty, ComponentItem::ComponentInstance(_)))
        .map(|(name, _)| name.to_string())
        .collect();
    let has = |prefix: &str| exports.iter().any(|e| e.starts_with(prefix));
    let kind = if has("wasi:http/incoming-handler@0.2") {
        ComponentKind::HttpProxy
    } else if has("wasi:cli/run@0.2") {
        ComponentKind::Command
    } else {
        return Err(RunError::NotRunnable {
            path: path.to_path_buf(),
            exports: if exports.is_empty() {
                "none".into()
            } else {
                exports.join(", ")
            },
        });
    };
    Ok(Loaded {
        engine,
        component,
        kind,
    })
}

/// Per-instance host state: WASI, and wasi:http for HTTP components.
struct Host {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: DenyOutgoingHttp,
    table: ResourceTable,
}

/// Outgoing HTTP is not granted: every request the guest sends is refused, as
/// `HTTP-request-denied`, before any connection is made.
struct DenyOutgoingHttp;

type OutgoingResponse = wasmtime_wasi_http::Result<(
    ::http::Response<WasiBody>,
    Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
)>;

impl WasiHttpHooks for DenyOutgoingHttp {
    fn send_request(
        &mut self,
        _request: ::http::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Box<dyn Future<Output = OutgoingResponse> + Send> {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

impl Host {
    /// A fresh instance state with exactly the grants asked for.
    fn new(grants: &Grants, argv0: &str) -> Result<Host, RunError> {
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stdio();
        wasi.arg(argv0);
        wasi.args(&grants.args);
        wasi.envs(&grants.env);
        for dir in &grants.dirs {
            wasi.preopened_dir(&dir.host, &dir.guest, FsPerms::ReadWrite)
                .map_err(|source| RunError::Dir {
                    host: dir.host.clone(),
                    source: source.into_boxed_dyn_error(),
                })?;
        }
        Ok(Host {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            hooks: DenyOutgoingHttp,
            table: ResourceTable::new(),
        })
    }
}
