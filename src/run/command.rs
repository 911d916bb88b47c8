//! Running a `wasi:cli/run` command component once.

use std::sync::Arc;

use wasmtime_wasi::I32Exit;
use wasmtime_wasi::p2::bindings::CommandPre;

use super::{Capabilities, Grants, Host, Loaded, RunError};

/// Runs the command to completion and returns its exit code (0 for `Ok`, 1 for `Err`, or the
/// code it passed to `exit`).
pub async fn run_command(
    loaded: &Loaded,
    grants: &Grants,
    caps: &Arc<Capabilities>,
    argv0: &str,
) -> Result<i32, RunError> {
    let pre = CommandPre::new(loaded.pre.clone()).map_err(RunError::guest)?;
    let mut store =
        Host::new(grants, caps, argv0)?.into_store(&loaded.engine, &grants.limits, false);
    let stopped = |e| RunError::stopped(&grants.limits, e);
    let command = pre.instantiate_async(&mut store).await.map_err(stopped)?;
    match command.wasi_cli_run().call_run(&mut store).await {
        Ok(Ok(())) => Ok(0),
        Ok(Err(())) => Ok(1),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(stopped(e)),
        },
    }
}
