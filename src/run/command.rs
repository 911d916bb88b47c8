//! Running a `wasi:cli/run` command component once.

use wasmtime::Store;
use wasmtime::component::Linker;
use wasmtime_wasi::I32Exit;
use wasmtime_wasi::p2::bindings::Command;

use super::{Grants, Host, Loaded, RunError};

/// Runs the command to completion and returns its exit code (0 for `Ok`, 1 for `Err`, or the
/// code it passed to `exit`).
pub async fn run_command(loaded: &Loaded, grants: &Grants, argv0: &str) -> Result<i32, RunError> {
    let mut linker = Linker::<Host>::new(&loaded.engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(RunError::guest)?;
    // Commands may import wasi:http too; with no client configured, requests fail cleanly.
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(RunError::guest)?;
    let mut store = Store::new(&loaded.engine, Host::new(grants, argv0)?);
    let command = Command::instantiate_async(&mut store, &loaded.component, &linker)
        .await
        .map_err(RunError::guest)?;
    match command.wasi_cli_run().call_run(&mut store).await {
        Ok(Ok(())) => Ok(0),
        Ok(Err(())) => Ok(1),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(RunError::guest(e)),
        },
    }
}
