//! Write WebAssembly components as Rust traits.
//!
//! ```ignore
//! #[wash::interface]
//! pub trait Greet { fn greet(who: Person) -> String; }
//!
//! #[derive(wash::Type)]
//! pub struct Person { pub name: String, pub age: Option<u8> }
//!
//! struct Component;
//!
//! #[wash::export]
//! impl Greet for Component {
//!     fn greet(who: Person) -> String { format!("Hello, {}!", who.name) }
//! }
//! ```
//!
//! At compile time the macros read the crate's sources, derive its WIT (the same text
//! `wash wit` prints), and generate the component bindings with wit-bindgen. Nothing is
//! hand-written: no `wit/` folder, no `world.wit`.

#![no_std]

extern crate alloc;

pub use wash_macros::{Flags, Type, export, imports, interface, resource};

/// HTTP for components (feature `http`): wstd's `http` module — `Request`, `Response`, `Body`
/// (with `Body::from_json` and `body.json()`), `StatusCode`, the outgoing `Client` — served by
/// [`http_server`]:
///
/// ```ignore
/// use wash::http::{Body, Error, Request, Response};
///
/// #[wash::http_server]
/// async fn main(_request: Request<Body>) -> Result<Response<Body>, Error> {
///     Ok(Response::new("Hello\n".into()))
/// }
/// ```
///
/// As `#[wstd::http_server]`, except that a response the client stops reading is let go
/// instead of panicking inside the component.
#[cfg(feature = "http")]
pub mod http {
    pub use wstd::http::*;
}
#[cfg(feature = "http")]
pub use wash_macros::http_server;
#[doc(hidden)]
pub use wit_bindgen;
#[cfg(feature = "http")]
#[doc(hidden)]
pub use wstd as __wstd;

/// WASI interfaces, from the WIT pinned in this crate's `wit/` folder, one Cargo feature each:
/// `keyvalue` (`wasi:keyvalue@0.2.0-draft`), `config` (`wasi:config@0.2.0-rc.1`), `logging`
/// (`wasi:logging@0.1.0-draft`), `blobstore` (`wasi:blobstore@0.2.0-draft`).
pub mod wasi {
    /// `wasi:keyvalue`: `store::open(name)?.get(key)`, `atomics::increment`, `batch`.
    #[cfg(feature = "keyvalue")]
    pub mod keyvalue {
        mod bindings {
            wit_bindgen::generate!({
                path: "wit",
                world: "wash:sdk/keyvalue",
                generate_all,
            });
        }
        pub use bindings::wasi::keyvalue::*;
    }

    /// `wasi:config`: `store::get(key)`, `store::get_all()`.
    #[cfg(feature = "config")]
    pub mod config {
        mod bindings {
            wit_bindgen::generate!({
                path: "wit",
                world: "wash:sdk/config",
                generate_all,
            });
        }
        pub use bindings::wasi::config::*;
    }

    /// `wasi:logging`: `logging::log(Level::Info, "context", "message")`.
    #[cfg(feature = "logging")]
    pub mod logging {
        mod bindings {
            wit_bindgen::generate!({
                path: "wit",
                world: "wash:sdk/logging",
                generate_all,
            });
        }
        pub use bindings::wasi::logging::*;
    }

    /// `wasi:blobstore`: `blobstore::create_container(name)?`, then objects in it through
    /// `container::Container`, their bodies through `wasi:io` streams
    /// ([`streams`](self::blobstore::streams)). [`write_all`](self::blobstore::write_all) and
    /// [`read_all`](self::blobstore::read_all) do the stream work for a whole object.
    #[cfg(feature = "blobstore")]
    pub mod blobstore {
        mod bindings {
            wit_bindgen::generate!({
                path: "wit",
                world: "wash:sdk/blobstore",
                generate_all,
            });
        }
        pub use bindings::wasi::blobstore::*;
        /// The `wasi:io@0.2.1` streams object bodies travel through.
        pub use bindings::wasi::io::streams;

        use alloc::format;
        use alloc::string::String;
        use alloc::vec::Vec;

        /// What a failed stream operation says.
        fn stream_error(e: streams::StreamError) -> types::Error {
            match e {
                streams::StreamError::LastOperationFailed(e) => e.to_debug_string(),
                streams::StreamError::Closed => String::from("the stream was closed"),
            }
        }

        /// Stores `data` as the object `name` in `container`: one outgoing value, its body
        /// written through its stream in the chunks the stream accepts, then finished.
        pub fn write_all(
            container: &container::Container,
            name: &str,
            data: &[u8],
        ) -> Result<(), types::Error> {
            let value = types::OutgoingValue::new_outgoing_value();
            {
                let body = value
                    .outgoing_value_write_body()
                    .map_err(|()| String::from("the body of a new outgoing value was taken"))?;
                // `blocking-write-and-flush` takes at most 4096 bytes a call.
                for chunk in data.chunks(4096) {
                    body.blocking_write_and_flush(chunk)
                        .map_err(|e| format!("writing `{name}`: {}", stream_error(e)))?;
                }
            }
            container.write_data(name, &value)?;
            types::OutgoingValue::finish(value)
        }

        /// The whole object `name` in `container`.
        pub fn read_all(
            container: &container::Container,
            name: &str,
        ) -> Result<Vec<u8>, types::Error> {
            let value = container.get_data(name, 0, u64::MAX)?;
            types::IncomingValue::incoming_value_consume_sync(value)
        }
    }
}

/// wasmCloud interfaces, from the WIT pinned in this crate's `wit/` folder: `messaging`
/// (`wasmcloud:messaging@0.2.0`), behind the Cargo feature of the same name.
pub mod wasmcloud {
    /// `wasmcloud:messaging`: `consumer::request(subject, body, timeout_ms)` and
    /// `consumer::publish(&msg)` to send; to receive, implement [`handler::Guest`] and export
    /// it with [`messaging_handler!`](crate::messaging_handler):
    ///
    /// ```ignore
    /// use wash::wasmcloud::messaging::{consumer, handler, types::BrokerMessage};
    ///
    /// struct Echo;
    ///
    /// impl handler::Guest for Echo {
    ///     fn handle_message(msg: BrokerMessage) -> Result<(), String> {
    ///         let Some(reply_to) = msg.reply_to else { return Ok(()) };
    ///         consumer::publish(&BrokerMessage { subject: reply_to, body: msg.body, reply_to: None })
    ///     }
    /// }
    ///
    /// wash::messaging_handler!(Echo);
    /// ```
    ///
    /// `wash run --subscribe SUBJECT` (or `subscriptions` in `[package.metadata.wasmcloud.dev]`)
    /// says which messages reach it; each is handled by a fresh instance.
    #[cfg(feature = "messaging")]
    pub mod messaging {
        #[doc(hidden)]
        pub mod bindings {
            wit_bindgen::generate!({
                path: "wit",
                world: "wash:sdk/messaging",
                generate_all,
                pub_export_macro: true,
                export_macro_name: "export_messaging_handler",
            });
        }
        pub use bindings::exports::wasmcloud::messaging::handler;
        pub use bindings::wasmcloud::messaging::{consumer, types};
    }
}

/// Exports a type that implements `wash::wasmcloud::messaging::handler::Guest` as the
/// component's `wasmcloud:messaging/handler` (feature `messaging`).
#[cfg(feature = "messaging")]
#[macro_export]
macro_rules! messaging_handler {
    ($ty:ident) => {
        $crate::__export_messaging_impl!($ty with_types_in $crate::wasmcloud::messaging::bindings);
    };
}

/// wash plugins: a component wash runs as `wash NAME` and calls around builds and pushes,
/// sandboxed with only what the user granted at install time (docs/plugins.md). Implement
/// [`Plugin`](plugin::Plugin) and export it with [`plugin!`](crate::plugin!):
///
/// ```ignore
/// use wash::plugin::{Context, Component, Hook, Metadata, Plugin};
///
/// struct SizeBudget;
///
/// impl Plugin for SizeBudget {
///     fn metadata() -> Metadata {
///         Metadata {
///             name: "size-budget".into(),
///             version: env!("CARGO_PKG_VERSION").into(),
///             description: "Fails a build whose component is over budget".into(),
///             usage: String::new(),
///             hooks: vec![Hook::AfterBuild],
///         }
///     }
///
///     fn after_build(_: Context, built: Component) -> Result<(), String> {
///         if built.size > 2 << 20 { Err(format!("{} bytes is over budget", built.size)) } else { Ok(()) }
///     }
/// }
///
/// wash::plugin!(SizeBudget);
/// ```
#[cfg(feature = "plugin")]
pub mod plugin {
    use alloc::format;
    use alloc::string::String;
    use alloc::vec::Vec;

    #[doc(hidden)]
    pub mod bindings {
        wit_bindgen::generate!({
            path: "wit",
            world: "wash:sdk/plugin",
            generate_all,
            pub_export_macro: true,
            export_macro_name: "export_plugin",
        });
    }
    #[doc(hidden)]
    pub use bindings::exports::wash::plugin::plugin::Guest;
    pub use bindings::wash::plugin::types::{BuildPlan, Component, Context, Hook, Metadata, Push};

    /// A wash plugin. Only [`metadata`](Plugin::metadata) is required; wash calls a hook only
    /// when the metadata lists it, and an `Err` from a hook stops the build or push with that
    /// message.
    pub trait Plugin {
        /// What the plugin is: its subcommand name, version, one-line description, the usage
        /// `wash NAME --help` prints, and the hooks wash is to call. Asked once, at install.
        fn metadata() -> Metadata;

        /// `wash NAME ARGS…` (ARGS without the name). Print with `println!`; an `Err` is
        /// printed as wash's error and exits 1.
        fn run(context: Context, args: Vec<String>) -> Result<(), String> {
            let _ = (context, args);
            Err(format!(
                "`{}` has no subcommand; it takes part in builds and pushes",
                Self::metadata().name
            ))
        }

        /// Before cargo runs.
        fn before_build(context: Context, plan: BuildPlan) -> Result<(), String> {
            let _ = (context, plan);
            Ok(())
        }

        /// After each component is finished.
        fn after_build(context: Context, component: Component) -> Result<(), String> {
            let _ = (context, component);
            Ok(())
        }

        /// Before a component goes to a registry.
        fn before_push(context: Context, push: Push) -> Result<(), String> {
            let _ = (context, push);
            Ok(())
        }

        /// After a push (`push.digest` is the manifest digest).
        fn after_push(context: Context, push: Push) -> Result<(), String> {
            let _ = (context, push);
            Ok(())
        }
    }
}

/// Exports a type that implements `wash::plugin::Plugin` as the component's
/// `wash:plugin/plugin` (feature `plugin`).
#[cfg(feature = "plugin")]
#[macro_export]
macro_rules! plugin {
    ($ty:ident) => {
        impl $crate::plugin::Guest for $ty {
            fn describe() -> $crate::plugin::Metadata {
                <$ty as $crate::plugin::Plugin>::metadata()
            }
            fn run(
                context: $crate::plugin::Context,
                args: ::std::vec::Vec<::std::string::String>,
            ) -> ::core::result::Result<(), ::std::string::String> {
                <$ty as $crate::plugin::Plugin>::run(context, args)
            }
            fn before_build(
                context: $crate::plugin::Context,
                plan: $crate::plugin::BuildPlan,
            ) -> ::core::result::Result<(), ::std::string::String> {
                <$ty as $crate::plugin::Plugin>::before_build(context, plan)
            }
            fn after_build(
                context: $crate::plugin::Context,
                component: $crate::plugin::Component,
            ) -> ::core::result::Result<(), ::std::string::String> {
                <$ty as $crate::plugin::Plugin>::after_build(context, component)
            }
            fn before_push(
                context: $crate::plugin::Context,
                push: $crate::plugin::Push,
            ) -> ::core::result::Result<(), ::std::string::String> {
                <$ty as $crate::plugin::Plugin>::before_push(context, push)
            }
            fn after_push(
                context: $crate::plugin::Context,
                push: $crate::plugin::Push,
            ) -> ::core::result::Result<(), ::std::string::String> {
                <$ty as $crate::plugin::Plugin>::after_push(context, push)
            }
        }
        $crate::__export_plugin_impl!($ty with_types_in $crate::plugin::bindings);
    };
}

use alloc::string::String;
use alloc::vec::Vec;

/// Converts between the user's types and the ones wit-bindgen generates, field by field and
/// through containers. Implemented by `#[wash::export]` for each derived type.
#[doc(hidden)]
pub trait Convert<T> {
    /// The converted value.
    fn convert(self) -> T;
}

macro_rules! identity {
    ($($t:ty),*) => {$(
        impl Convert<$t> for $t {
            #[inline]
            fn convert(self) -> $t { self }
        }
    )*};
}
identity!(
    bool,
    u8,
    u16,
    u32,
    u64,
    i8,
    i16,
    i32,
    i64,
    f32,
    f64,
    char,
    String,
    ()
);

impl<A: Convert<B>, B> Convert<Vec<B>> for Vec<A> {
    fn convert(self) -> Vec<B> {
        self.into_iter().map(Convert::convert).collect()
    }
}

impl<A: Convert<B>, B> Convert<Option<B>> for Option<A> {
    fn convert(self) -> Option<B> {
        self.map(Convert::convert)
    }
}

impl<A: Convert<C>, B: Convert<D>, C, D> Convert<Result<C, D>> for Result<A, B> {
    fn convert(self) -> Result<C, D> {
        match self {
            Ok(a) => Ok(a.convert()),
            Err(b) => Err(b.convert()),
        }
    }
}

macro_rules! tuples {
    ($(($($a:ident $b:ident $i:tt),+))*) => {$(
        impl<$($a: Convert<$b>, $b),+> Convert<($($b,)+)> for ($($a,)+) {
            fn convert(self) -> ($($b,)+) { ($(self.$i.convert(),)+) }
        }
    )*};
}
tuples! {
    (A1 B1 0)
    (A1 B1 0, A2 B2 1)
    (A1 B1 0, A2 B2 1, A3 B3 2)
    (A1 B1 0, A2 B2 1, A3 B3 2, A4 B4 3)
    (A1 B1 0, A2 B2 1, A3 B3 2, A4 B4 3, A5 B5 4)
    (A1 B1 0, A2 B2 1, A3 B3 2, A4 B4 3, A5 B5 4, A6 B6 5)
}
