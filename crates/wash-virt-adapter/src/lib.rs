//! Virtual adapters: small components that export a WASI interface in place of the host.
//! `wash virt` plugs the ones a policy needs into a component's imports. Each Cargo feature
//! builds one adapter (one world of `wit/world.wit`); `build.sh` builds them all.
//!
//! A denied call either traps (there is no error to return in the interface's signature) or
//! returns the interface's own "denied" error; `docs/virt.md` lists which.

#![no_std]

extern crate alloc;

#[cfg(not(feature = "io"))]
mod bump;

#[cfg(feature = "io")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

#[cfg(feature = "io")]
mod io;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// Stops the component: the interface has no way to report a denial.
#[allow(dead_code)]
fn deny() -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(feature = "env")]
mod env;

#[cfg(feature = "deny-clocks")]
mod deny_clocks {
    wit_bindgen::generate!({ path: "wit", world: "deny-clocks", generate_all });
    use crate::deny;
    use exports::wasi::clocks::{monotonic_clock, wall_clock};
    use wasi::io::poll::Pollable;

    struct Denied;
    impl wall_clock::Guest for Denied {
        fn now() -> wall_clock::Datetime {
            deny()
        }
        fn resolution() -> wall_clock::Datetime {
            deny()
        }
    }
    impl monotonic_clock::Guest for Denied {
        fn now() -> monotonic_clock::Instant {
            deny()
        }
        fn resolution() -> monotonic_clock::Duration {
            deny()
        }
        fn subscribe_instant(_: monotonic_clock::Instant) -> Pollable {
            deny()
        }
        fn subscribe_duration(_: monotonic_clock::Duration) -> Pollable {
            deny()
        }
    }
    export!(Denied);
}

#[cfg(feature = "deny-random")]
mod deny_random {
    wit_bindgen::generate!({ path: "wit", world: "deny-random", generate_all });
    use crate::deny;
    use alloc::vec::Vec;
    use exports::wasi::random::{insecure, insecure_seed, random};

    struct Denied;
    impl random::Guest for Denied {
        fn get_random_bytes(_: u64) -> Vec<u8> {
            deny()
        }
        fn get_random_u64() -> u64 {
            deny()
        }
    }
    impl insecure::Guest for Denied {
        fn get_insecure_random_bytes(_: u64) -> Vec<u8> {
            deny()
        }
        fn get_insecure_random_u64() -> u64 {
            deny()
        }
    }
    impl insecure_seed::Guest for Denied {
        fn insecure_seed() -> (u64, u64) {
            deny()
        }
    }
    export!(Denied);
}

#[cfg(feature = "deny-exit")]
mod deny_exit {
    wit_bindgen::generate!({ path: "wit", world: "deny-exit", generate_all });
    use crate::deny;
    use exports::wasi::cli::exit;

    struct Denied;
    impl exit::Guest for Denied {
        fn exit(_: Result<(), ()>) {
            deny()
        }
        fn exit_with_code(_: u8) {
            deny()
        }
    }
    export!(Denied);
}

#[cfg(feature = "deny-stdio")]
mod deny_stdio {
    wit_bindgen::generate!({ path: "wit", world: "deny-stdio", generate_all });
    use crate::deny;
    use exports::wasi::cli::{stderr, stdin, stdout};
    use wasi::io::streams::{InputStream, OutputStream};

    struct Denied;
    impl stdin::Guest for Denied {
        fn get_stdin() -> InputStream {
            deny()
        }
    }
    impl stdout::Guest for Denied {
        fn get_stdout() -> OutputStream {
            deny()
        }
    }
    impl stderr::Guest for Denied {
        fn get_stderr() -> OutputStream {
            deny()
        }
    }
    export!(Denied);
}

#[cfg(feature = "deny-sockets")]
mod deny_sockets;

#[cfg(feature = "deny-http")]
mod deny_http {
    wit_bindgen::generate!({ path: "wit", world: "deny-http", generate_all });
    use exports::wasi::http::outgoing_handler;
    use wasi::http::types::{ErrorCode, FutureIncomingResponse, OutgoingRequest, RequestOptions};

    struct Denied;
    impl outgoing_handler::Guest for Denied {
        fn handle(
            _: OutgoingRequest,
            _: Option<RequestOptions>,
        ) -> Result<FutureIncomingResponse, ErrorCode> {
            Err(ErrorCode::HttpRequestDenied)
        }
    }
    export!(Denied);
}
