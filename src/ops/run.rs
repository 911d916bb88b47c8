//! `wash run`: the app of a fresh build, a component file, or a registry reference (pulled
//! through the cache, its signature checked first when keys are given), run once as a command
//! or served over HTTP.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use super::{OpError, failed, trusted_keys, verifier};
use crate::build::{self, BuildOptions, Reporter};
use crate::hint::Advice;
use crate::oci::{self, ClientOptions, ProgressHandle, PullOptions, Pulled};
use crate::run::{self as runtime, ComponentKind, Grants, ServeEvents};
use crate::source;

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
}

/// What `wash run` tells its caller while it works.
pub trait RunEvents: ServeEvents {
    /// A reference was resolved: pulled, or found in the cache.
    fn pulled(&self, pulled: &Pulled);
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// A command exited with this code.
    Exited(i32),
    /// The HTTP server was stopped.
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
    let path = component(request, reporter, progress, events.as_ref())?;
    let loaded = runtime::load(&path)?;
    let tokio = tokio::runtime::Runtime::new().map_err(OpError::Runtime)?;
    match loaded.kind {
        ComponentKind::Command => {
            let argv0 = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let code = tokio
                .block_on(runtime::run_command(&loaded, &request.grants, &argv0))
                .map_err(failed(format!("failed to run `{}`", path.display())))?;
            Ok(RunOutcome::Exited(code))
        }
        ComponentKind::HttpProxy => {
            let grants = request.grants.clone();
            tokio
                .block_on(runtime::serve(
                    &loaded,
                    grants,
                    request.addr,
                    events,
                    shutdown,
                ))
                .map_err(failed(format!("failed to serve `{}`", path.display())))?;
            Ok(RunOutcome::Stopped)
        }
    }
}

/// The component file to run.
fn component(
    request: &RunRequest,
    reporter: &dyn Reporter,
    progress: ProgressHandle,
    events: &dyn RunEvents,
) -> Result<PathBuf, OpError> {
    let Some(word) = &request.component else {
        if !request.verify_keys.is_empty() {
            return Err(Advice::new(
                "`--verify-key` applies to registry references",
                "run a reference: `wash run --verify-key KEY REGISTRY/REPOSITORY:TAG`",
            )
            .into());
        }
        let built = build::build(&request.build, reporter)
            .map_err(failed("failed to build the component"))?;
        return Ok(built.app()?.path.clone());
    };
    let keys = trusted_keys(&request.verify_keys)?;
    let verify = verifier(&keys);
    let cwd = std::env::current_dir().unwrap_or_default();
    let ctx = source::Context::files_and_references(
        &cwd,
        PullOptions {
            client: ClientOptions {
                insecure: request.insecure,
            },
            verifier: (!keys.is_empty()).then_some(&verify as &oci::Verifier<'_>),
            progress,
        },
    );
    let found = source::locate(word, &ctx)?;
    if let Some(pulled) = &found.pulled {
        events.pulled(pulled);
    }
    Ok(found.path)
}
