//! `wash run`: a component on an embedded wasmtime. A `wasi:cli/run` command runs once; a
//! `wasi:http/incoming-handler` component is served over HTTP, one instance per request; a
//! `wasmcloud:messaging/handler` component (alone or with HTTP) is given the messages on its
//! subscriptions, one instance per message.
//!
//! Nothing is granted unless asked for: no host environment, no files, no network, no outgoing
//! HTTP. Standard input and output are the terminal's, as with any command. Besides WASI,
//! [`host`] provides wasi:config, wasi:logging, wasi:keyvalue, wasi:blobstore and
//! wasmcloud:messaging; [`load`] links them all, the same way for every kind of component, or
//! lists every import nothing provides.

pub mod call;
mod command;
pub(crate) mod engine;
pub mod host;
pub mod http;
pub(crate) mod limits;
mod messages;
mod outgoing;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use wasmtime::Engine;
use wasmtime::component::{Component, InstancePre, Linker, ResourceTable, types::ComponentItem};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

pub use command::run_command;
pub use engine::Compiler;
pub use host::{
    Backend, BlobstoreBackend, Capabilities, CapabilityError, CapabilityOptions, GuestLog,
    KeyValueBackend, LogLevel, MessagingBackend, MissingImport, Subscription, UnknownScheme,
};
pub use http::{ServeEvents, Swap, Swaps, serve, serve_swappable};
pub use limits::Limits;
pub use outgoing::HttpPolicy;

/// What the component may see.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    /// `--env K=V`: variables the guest sees (nothing from the host otherwise).
    pub env: Vec<(String, String)>,
    /// `--allow-http HOST[:PORT]`: hosts outgoing HTTP may reach (`*`: any); none by default.
    pub allow_http: Vec<String>,
    /// `--allow-net`: TCP/UDP sockets and name lookups; denied by default.
    pub allow_net: bool,
    /// `--dir HOST::GUEST`: host folders the guest may read and write.
    pub dirs: Vec<DirGrant>,
    /// Arguments after the component (a command's `argv[1..]`).
    pub args: Vec<String>,
    /// Memory per instance and time per request.
    pub limits: Limits,
}

/// A host folder made visible to the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    /// The folder on the host.
    pub host: PathBuf,
    /// Where the guest sees it.
    pub guest: String,
    /// Whether the guest may only read (plugins' `--grant read=…`); `--dir` grants read and
    /// write.
    pub read_only: bool,
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
            read_only: false,
        })
    }
}

/// What a component can be run as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentKind {
    /// Exports `wasi:cli/run`.
    Command,
    /// Exports `wasi:http/incoming-handler` (and maybe `wasmcloud:messaging/handler` too:
    /// [`Loaded::handles_messages`]).
    HttpProxy,
    /// Exports `wasmcloud:messaging/handler`, not `wasi:http/incoming-handler`.
    MessageHandler,
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
        "`{path}` exports none of `wasi:cli/run`, `wasi:http/incoming-handler` and \
         `wasmcloud:messaging/handler`, so there is nothing to run (its exports: {exports})"
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
    /// Some imports are provided by nothing `wash run` links.
    #[error(
        "`{}` imports what `wash run` does not provide:{}",
        path.display(),
        missing.iter().map(|m| format!("\n  - {}: {}", m.name, m.provider)).collect::<String>()
    )]
    MissingImports {
        /// The file.
        path: PathBuf,
        /// Each import, with what would provide it.
        missing: Vec<MissingImport>,
    },
    /// The component trapped or failed to instantiate.
    #[error("the component failed")]
    Guest(#[source] BoxError),
    /// The component was stopped at a limit: memory (`--memory-limit`) or time (`--timeout`).
    #[error("the component was stopped: {reason}")]
    Limit {
        /// Which limit, and its value.
        reason: String,
    },
    /// A capability's backend could not start (its server is unreachable).
    #[error(transparent)]
    Capability(#[from] CapabilityError),
    /// A message handler with nothing else to do, and no subjects to listen on.
    #[error(
        "the component only handles messages (it exports `wasmcloud:messaging/handler`), but \
         it is subscribed to nothing, so no message would ever reach it"
    )]
    NoSubscriptions,
    /// The subscriptions could not be made.
    #[error("cannot subscribe to {subjects}")]
    Subscribe {
        /// The subjects.
        subjects: String,
        /// The backend's reason.
        #[source]
        source: BoxError,
    },
    /// A hot swap would change what the component is served as.
    #[error("the new build {change}; restart to serve it as such")]
    KindChanged {
        /// What changed (`no longer exports `wasi:http/incoming-handler``).
        change: String,
    },
}

impl crate::hint::Hint for RunError {
    fn hint(&self) -> Option<String> {
        match self {
            RunError::NotRunnable { path, .. } => {
                Some(format!("`wash inspect {}` shows its world", path.display()))
            }
            RunError::Bind { .. } => Some("pass `--addr 127.0.0.1:PORT` with a free port".into()),
            RunError::Capability(e) => crate::hint::Hint::hint(e),
            RunError::NoSubscriptions => Some(
                "pass `--subscribe SUBJECT` (repeatable), or set `subscriptions = [\"SUBJECT\"]` \
                 in `[package.metadata.wasmcloud.dev]` of Cargo.toml"
                    .into(),
            ),
            RunError::Limit { .. } => Some(
                "if it needs more, raise the limit named (`--memory-limit MIB`, `--timeout \
                 SECONDS`)"
                    .into(),
            ),
            RunError::MissingImports { .. } => Some(
                "docs/capabilities.md lists what `wash run` hosts; `wash inspect` shows the \
                 component's imports"
                    .into(),
            ),
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

    /// [`RunError::guest`] for a command or a call, naming the limit it hit if it hit one.
    pub(crate) fn stopped(limits: &Limits, e: wasmtime::Error) -> RunError {
        match limits.explain(&e, false) {
            Some(reason) => RunError::Limit { reason },
            None => RunError::guest(e),
        }
    }
}

/// A compiled component, linked, and the engine it was compiled for.
pub struct Loaded {
    engine: Engine,
    pre: InstancePre<Host>,
    /// How it can be run.
    pub kind: ComponentKind,
    /// Whether it exports `wasmcloud:messaging/handler` (messages on its subscriptions are
    /// delivered to it).
    pub handles_messages: bool,
    /// The names of its imports (`wasi:keyvalue/store@0.2.0-draft`).
    pub imports: Vec<String>,
}

/// Compiles the component (with wasmtime's on-disk cache when available), works out its kind
/// and links it, so an import nothing provides fails here, before anything runs.
pub fn load(path: &std::path::Path) -> Result<Loaded, RunError> {
    load_with(path, Compiler::Optimizing)
}

/// [`load`], compiling with `compiler`; when the baseline compiler cannot compile the
/// component (a feature it lacks), the optimizing one does.
pub fn load_with(path: &std::path::Path, compiler: Compiler) -> Result<Loaded, RunError> {
    let linked = link(path, compiler)?;
    let exports = linked.instance_exports();
    let has = |prefix: &str| exports.iter().any(|e| e.starts_with(prefix));
    let handles_messages = exports.iter().any(|e| e == host::messaging::HANDLER);
    let kind = if has("wasi:http/incoming-handler@0.2") {
        ComponentKind::HttpProxy
    } else if handles_messages {
        ComponentKind::MessageHandler
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
        engine: linked.engine,
        pre: linked.pre,
        kind,
        handles_messages,
        imports: linked.imports,
    })
}

/// A component compiled and linked against everything `wash run` hosts, whatever it exports
/// (`wash call` calls any of its functions).
pub struct Linked {
    engine: Engine,
    component: Component,
    pre: InstancePre<Host>,
    /// The names of its imports.
    pub imports: Vec<String>,
}

impl Linked {
    /// The names of the instances it exports (`wasi:http/incoming-handler@0.2.0`).
    fn instance_exports(&self) -> Vec<String> {
        self.component
            .component_type()
            .exports(&self.engine)
            .filter(|(_, item)| matches!(item.ty, ComponentItem::ComponentInstance(_)))
            .map(|(name, _)| name.to_string())
            .collect()
    }
}

/// Compiles the component (with wasmtime's on-disk cache when available) and links it, so an
/// import nothing provides fails here, before anything runs. When the baseline compiler cannot
/// compile it (a feature it lacks), the optimizing one does.
pub fn link(path: &std::path::Path, compiler: Compiler) -> Result<Linked, RunError> {
    let load_err = |source: wasmtime::Error| RunError::Load {
        path: path.to_path_buf(),
        source: source.into_boxed_dyn_error(),
    };
    let compile = |compiler| -> Result<(Engine, Component), RunError> {
        let engine = engine::engine(compiler).map_err(load_err)?;
        let component = Component::from_file(&engine, path).map_err(load_err)?;
        Ok((engine, component))
    };
    let (engine, component) = match compile(compiler) {
        Err(_) if compiler == Compiler::Baseline => compile(Compiler::Optimizing)?,
        compiled => compiled?,
    };
    let imports = host::imports::imports(&engine, &component);
    let pre = instance_pre(&engine, &component, path, &imports)?;
    limits::start_ticker(&engine);
    Ok(Linked {
        engine,
        component,
        pre,
        imports,
    })
}

/// The one linker of `wash run`, for commands and HTTP components alike: WASI, wasi:http (a
/// command may import it too; with no client configured, its requests fail cleanly) and
/// [`host`]'s interfaces, pre-instantiated. When imports are left over, the error lists each
/// with what would provide it.
fn instance_pre(
    engine: &Engine,
    component: &Component,
    path: &std::path::Path,
    imports: &[String],
) -> Result<InstancePre<Host>, RunError> {
    let mut linker = Linker::<Host>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(RunError::guest)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(RunError::guest)?;
    host::add_to_linker(&mut linker).map_err(RunError::guest)?;
    linker.instantiate_pre(component).map_err(|e| {
        // The list is only a better message for wasmtime's refusal; when it finds nothing
        // (a type mismatch, say), wasmtime's own reason stands.
        let missing = host::imports::missing(imports);
        if missing.is_empty() {
            RunError::guest(e)
        } else {
            RunError::MissingImports {
                path: path.to_path_buf(),
                missing,
            }
        }
    })
}

/// The WASI context `grants` describe, standard streams not yet set: the arguments, the
/// environment given, the network only when allowed, and each granted folder with its
/// permissions. Nothing else of the host is reachable. Plugins are sandboxed the same way.
pub(crate) fn sandbox(
    grants: &Grants,
    argv0: &str,
) -> Result<wasmtime_wasi::WasiCtxBuilder, RunError> {
    let mut wasi = WasiCtx::builder();
    wasi.arg(argv0);
    wasi.args(&grants.args);
    wasi.envs(&grants.env);
    if grants.allow_net {
        // TCP and UDP are off by default in wasmtime, and every address is refused.
        wasi.inherit_network();
        wasi.allow_tcp(true);
        wasi.allow_udp(true);
        wasi.allow_ip_name_lookup(true);
    }
    for dir in &grants.dirs {
        let perms = if dir.read_only {
            FsPerms::ReadOnly
        } else {
            FsPerms::ReadWrite
        };
        wasi.preopened_dir(&dir.host, &dir.guest, perms)
            .map_err(|source| RunError::Dir {
                host: dir.host.clone(),
                source: source.into_boxed_dyn_error(),
            })?;
    }
    Ok(wasi)
}

/// Per-instance host state: WASI, wasi:http, and the run's shared [`Capabilities`].
struct Host {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: HttpPolicy,
    table: ResourceTable,
    caps: Arc<Capabilities>,
    limits: wasmtime::StoreLimits,
}

impl host::CapabilityView for Host {
    fn capabilities(&mut self) -> (&Capabilities, &mut ResourceTable) {
        (&self.caps, &mut self.table)
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
    fn new(grants: &Grants, caps: &Arc<Capabilities>, argv0: &str) -> Result<Host, RunError> {
        let mut wasi = sandbox(grants, argv0)?;
        wasi.inherit_stdio();
        Ok(Host {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            hooks: HttpPolicy::allowing(&grants.allow_http),
            table: ResourceTable::new(),
            caps: caps.clone(),
            limits: grants.limits.store_limits(),
        })
    }

    /// A store for one instance, its memory limited and its deadline set (a request's
    /// timeout when `request`, else none).
    fn into_store(self, engine: &Engine, limits: &Limits, request: bool) -> wasmtime::Store<Host> {
        let mut store = wasmtime::Store::new(engine, self);
        store.limiter(|host| &mut host.limits);
        limits.apply_deadline(&mut store, request);
        store
    }
}
