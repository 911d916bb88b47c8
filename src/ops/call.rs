//! `wash call`: a component (file, registry reference, or the crate built), one of its
//! functions called with WAVE arguments, or the list of what can be called.

use std::sync::Arc;

use super::run::CapabilityFlags;
use super::{OpError, runtime, trusted_keys, verifier};
use crate::build::{BuildOptions, Reporter};
use crate::oci::{self, ProgressHandle};
use crate::run::call::{self, CallOutcome, Callable};
use crate::run::{Capabilities, Compiler, Grants, GuestLog};

/// What to call.
#[derive(Debug, Clone, Default)]
pub struct CallRequest {
    /// A component file or `REGISTRY/REPOSITORY[:TAG]`; `None`: build the crate and call its app.
    pub component: Option<String>,
    /// The function; `None` with `list`.
    pub function: Option<String>,
    /// WAVE arguments, one per parameter.
    pub args: Vec<String>,
    /// For a method: the constructor's WAVE arguments.
    pub new_args: Option<Vec<String>>,
    /// The crate to build when no component is given.
    pub build: BuildOptions,
    /// Refuse a reference unless one of these keys signed it.
    pub verify_keys: Vec<String>,
    /// Plain HTTP to the registry.
    pub insecure: bool,
    /// What the component may use (as `wash run`).
    pub grants: Grants,
    /// Its capabilities (as `wash run`).
    pub capabilities: CapabilityFlags,
}

/// What `wash call` did.
#[derive(Debug)]
pub enum Called {
    /// `--list`: every function.
    Listed(Vec<Callable>),
    /// The call's result.
    Returned(CallOutcome),
}

/// Locates (building or pulling when needed), links, then lists or calls.
pub fn call(
    request: &CallRequest,
    reporter: &dyn Reporter,
    progress: ProgressHandle,
    log: Arc<dyn GuestLog>,
) -> Result<Called, OpError> {
    let (path, options) = match &request.component {
        Some(word) => {
            let keys = trusted_keys(&request.verify_keys)?;
            let verify = verifier(&keys);
            let verifier = (!keys.is_empty()).then_some(&verify as &oci::Verifier<'_>);
            let found =
                super::locate_file_or_reference(word, request.insecure, verifier, progress)?;
            (found.path, request.capabilities.for_file()?)
        }
        None => {
            let built = super::build::build(&request.build, false, reporter)?;
            let app = built.app()?;
            (
                app.path.clone(),
                request.capabilities.for_build(&built, app),
            )
        }
    };
    let linked = crate::run::link(&path, Compiler::Optimizing)?;
    let all = call::callables(&linked);
    let Some(name) = &request.function else {
        return Ok(Called::Listed(all));
    };
    let target = call::resolve(&all, name)?.clone();
    let rt = runtime()?;
    let outcome = rt.block_on(async {
        let caps = Arc::new(
            Capabilities::connect(&options, log)
                .await
                .map_err(crate::run::RunError::from)?,
        );
        call::call(
            &linked,
            &request.grants,
            &caps,
            &target,
            &request.args,
            request.new_args.as_deref(),
        )
        .await
    })?;
    Ok(Called::Returned(outcome))
}
