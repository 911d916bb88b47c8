//! `wash run`: the app of a fresh build, a component file, or a registry reference (pulled
//! through the cache, its signature checked first when keys are given), run once as a command
//! or served (over HTTP, and to its subscriptions when it handles messages), with wasi:config,
//! wasi:logging, wasi:keyvalue, wasi:blobstore and wasmcloud:messaging hosted
//! (docs/capabilities.md).

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use super::{OpError, failed, trusted_keys, verifier};
use crate::build::{Build, BuildOptions, BuiltComponent, Reporter};
use crate::hint::Advice;
use crate::oci::{self, ProgressHandle, Pulled};
use crate::run::{
    self as runtime, Backend, BlobstoreBackend, Capabilities, CapabilityOptions, ComponentKind,
    Grants, KeyValueBackend, LogLevel, MessagingBackend, RunError, ServeEvents,
};

/// What to run, with what.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// A component file or `REGISTRY/REPOSITORY[:TAG]`; default: build, and run the app.
    pub component: Option<String>,
    /// The crate to build when no component is given.
    pub build: BuildOptions,
    /// For a reference: refuse it unless one of these keys (names or files) signed it.
    pub verify_keys: Vec<String>,
    /// Plain HTTP for a reference's registry.
    pub insecure: bool,
    /// What the component may see.
    pub grants: Grants,
    /// Where an HTTP component is served.
    pub addr: SocketAddr,
    /// `--config`, `--log-level`, `--keyvalue`, `--blobstore`, `--messaging`, `--subscribe`.
    pub capabilities: CapabilityFlags,
}

/// The capability settings given on the command line, before the crate's are merged in.
#[derive(Debug, Clone, Default)]
pub struct CapabilityFlags {
    /// `--config KEY=VALUE`: `wasi:config` values, over the built crate's `dev.config`.
    pub config: Vec<(String, String)>,
    /// The lowest `wasi:logging` level shown.
    pub log_level: LogLevel,
    /// `--keyvalue`: what backs `wasi:keyvalue`, over Cargo.toml's `dev.keyvalue`; default:
    /// files in `<target-dir>/wasmcloud/dev/keyvalue` for a built crate, else in
    /// `$WASH_HOME/dev/keyvalue`.
    pub keyvalue: Option<KeyValueBackend>,
    /// `--blobstore`: what backs `wasi:blobstore`, over Cargo.toml's `dev.blobstore`; default:
    /// files in `<target-dir>/wasmcloud/dev/blobstore` for a built crate, else in
    /// `$WASH_HOME/dev/blobstore`.
    pub blobstore: Option<BlobstoreBackend>,
    /// `--messaging`: what carries `wasmcloud:messaging`, over Cargo.toml's `dev.messaging`;
    /// default: in-process.
    pub messaging: Option<MessagingBackend>,
    /// `--subscribe SUBJECT`: a message handler's subjects; when any are given, they replace
    /// Cargo.toml's `dev.subscriptions`.
    pub subscriptions: Vec<String>,
}

impl CapabilityFlags {
    /// The flags over the crate's `dev` table (`None` for a file or a reference), with the
    /// embedded stores in `dev_dir` unless either names another.
    fn with(
        &self,
        dev: Option<&crate::config::WasmcloudConfig>,
        dev_dir: &std::path::Path,
    ) -> CapabilityOptions {
        let dev_config = dev.map(|c| c.dev_config.clone()).unwrap_or_default();
        let subscriptions = match (&self.subscriptions[..], dev) {
            ([], Some(dev)) => dev.dev_subscriptions.clone(),
            (flags, _) => flags.to_vec(),
        };
        CapabilityOptions {
            // Later pairs win: the flags come last.
            config: dev_config.into_iter().chain(self.config.clone()).collect(),
            log_level: self.log_level,
            keyvalue: (self.keyvalue.clone())
                .or_else(|| dev.and_then(|c| c.dev_keyvalue.clone()))
                .unwrap_or_else(|| KeyValueBackend::Files(dev_dir.join("keyvalue"))),
            blobstore: (self.blobstore.clone())
                .or_else(|| dev.and_then(|c| c.dev_blobstore.clone()))
                .unwrap_or_else(|| BlobstoreBackend::Files(dev_dir.join("blobstore"))),
            messaging: (self.messaging.clone())
                .or_else(|| dev.and_then(|c| c.dev_messaging.clone()))
                .unwrap_or_default(),
            subscriptions,
        }
    }

    /// For the app of a build: its package's `dev` table under the flags, and the embedded
    /// stores in the build's target dir.
    pub fn for_build(&self, built: &Build, app: &BuiltComponent) -> CapabilityOptions {
        let dev = built.configs.get(&app.package);
        self.with(dev, &built.output_dir.join("dev"))
    }

    /// For a component file or reference: the flags, and the embedded stores in wash's home.
    pub fn for_file(&self) -> Result<CapabilityOptions, OpError> {
        // wash's home is only needed (and created) for a store no flag names.
        let dev_dir = match (&self.keyvalue, &self.blobstore) {
            (Some(_), Some(_)) => PathBuf::new(),
            _ => crate::home::wash_home()?.join("dev"),
        };
        Ok(self.with(None, &dev_dir))
    }
}

/// What `wash run` tells its caller while it works.
pub trait RunEvents: ServeEvents {
    /// A reference was resolved: pulled, or found in the cache.
    fn pulled(&self, pulled: &Pulled);
    /// What backs each capability the component imports, before it starts.
    fn hosting(&self, backends: &[Backend]);
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// A command exited with this code.
    Exited(i32),
    /// The server (HTTP, messages) was stopped.
    Stopped,
}

/// Finds (or builds) the component, then runs it until it exits or, when it serves HTTP, until
/// `shutdown` completes.
pub fn run(
    request: &RunRequest,
    reporter: &dyn Reporter,
    progress: ProgressHandle,
    events: Arc<dyn RunEvents>,
    shutdown: impl Future<Output = ()>,
) -> Result<RunOutcome, OpError> {
    let (path, options) = component(request, reporter, progress, events.as_ref())?;
    let loaded = runtime::load(&path)?;
    let tokio = tokio::runtime::Runtime::new().map_err(OpError::Runtime)?;
    let caps = tokio
        .block_on(Capabilities::connect(&options, events.clone()))
        .map_err(RunError::from)?;
    events.hosting(&runtime::host::backends(
        &loaded.imports,
        loaded.handles_messages,
        &options,
    ));
    let caps = Arc::new(caps);
    match loaded.kind {
        ComponentKind::Command => {
            let argv0 = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let code = tokio
                .block_on(runtime::run_command(
                    &loaded,
                    &request.grants,
                    &caps,
                    &argv0,
                ))
                .map_err(failed(format!("failed to run `{}`", path.display())))?;
            Ok(RunOutcome::Exited(code))
        }
        ComponentKind::HttpProxy | ComponentKind::MessageHandler => {
            let grants = request.grants.clone();
            tokio
                .block_on(runtime::serve(
                    &loaded,
                    grants,
                    caps,
                    request.addr,
                    events,
                    shutdown,
                ))
                .map_err(failed(format!("failed to serve `{}`", path.display())))?;
            Ok(RunOutcome::Stopped)
        }
    }
}

/// The component file to run, and its capabilities: from the crate built, or from the flags
/// and wash's home.
fn component(
    request: &RunRequest,
    reporter: &dyn Reporter,
    progress: ProgressHandle,
    events: &dyn RunEvents,
) -> Result<(PathBuf, CapabilityOptions), OpError> {
    let Some(word) = &request.component else {
        if !request.verify_keys.is_empty() {
            return Err(Advice::new(
                "`--verify-key` applies to registry references",
                "run a reference: `wash run --verify-key KEY REGISTRY/REPOSITORY:TAG`",
            )
            .into());
        }
        let built = super::build::build(&request.build, false, reporter)
            .map_err(failed("failed to build the component"))?;
        let app = built.app()?;
        return Ok((
            app.path.clone(),
            request.capabilities.for_build(&built, app),
        ));
    };
    let keys = trusted_keys(&request.verify_keys)?;
    let verify = verifier(&keys);
    let verifier = (!keys.is_empty()).then_some(&verify as &oci::Verifier<'_>);
    let found = super::locate_file_or_reference(word, request.insecure, verifier, progress)?;
    if let Some(pulled) = &found.pulled {
        events.pulled(pulled);
    }
    Ok((found.path, request.capabilities.for_file()?))
}
