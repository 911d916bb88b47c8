//! `wasi:config@0.2.0-rc.1` (`store`), hosted by wasmtime's own `wasmtime-wasi-config`: the
//! values of `[package.metadata.wasmcloud.dev.config]` and `--config KEY=VALUE`.

use wasmtime::component::Linker;
use wasmtime_wasi_config::WasiConfig;

use super::CapabilityView;

/// The import this module hosts.
pub const INTERFACE: &str = "wasi:config/store@0.2.0-rc.1";

/// Adds `wasi:config/store` to the linker.
pub fn add_to_linker<T: CapabilityView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    wasmtime_wasi_config::add_to_linker(linker, |t| WasiConfig::from(&t.capabilities().0.config))
}
