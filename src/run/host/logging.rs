//! `wasi:logging@0.1.0-draft`: each `log` call at or above the run's level becomes one line on
//! the terminal (through [`GuestLog`](super::GuestLog)), with its level and context.

use wasmtime::component::{HasData, Linker};

use super::{Capabilities, CapabilityView, LogLevel};

mod bindings {
    wasmtime::component::bindgen!({
        path: "src/run/host/wit",
        world: "wash:host/logging",
        imports: { default: trappable },
    });
}

use bindings::wasi::logging::logging::{self, Level};

/// The import this module hosts.
pub const INTERFACE: &str = "wasi:logging/logging@0.1.0-draft";

/// What a `log` call needs: the run's level and where lines go.
pub struct LoggingView<'a>(&'a Capabilities);

struct HasLogging;

impl HasData for HasLogging {
    type Data<'a> = LoggingView<'a>;
}

impl logging::Host for LoggingView<'_> {
    fn log(&mut self, level: Level, context: String, message: String) -> wasmtime::Result<()> {
        let level = match level {
            Level::Trace => LogLevel::Trace,
            Level::Debug => LogLevel::Debug,
            Level::Info => LogLevel::Info,
            Level::Warn => LogLevel::Warn,
            Level::Error => LogLevel::Error,
            Level::Critical => LogLevel::Critical,
        };
        if level >= self.0.log_level {
            self.0.log.guest_log(level, &context, &message);
        }
        Ok(())
    }
}

/// Adds `wasi:logging/logging` to the linker.
pub fn add_to_linker<T: CapabilityView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    logging::add_to_linker::<T, HasLogging>(linker, |t| LoggingView(t.capabilities().0))
}
