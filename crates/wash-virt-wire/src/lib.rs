//! The configuration formats of wash's virtual adapters, written once: `wash virt` encodes the
//! environment ([`env`]) and the embedded files and stream policies ([`io`]) into blobs that a
//! generated component serves to the adapters (`crates/wash-virt-adapter`), which decode them
//! with this same crate.
//!
//! The crate is `no_std`. Decoding borrows from the blob and never allocates, so the adapters
//! pay only for what they keep; encoding needs the `alloc` feature (on by default). The
//! adapters decode with `decode_trusted`, which skips checking that strings are UTF-8 (wash
//! wrote them from Rust strings) and so keeps a UTF-8 validator out of every adapter.
//!
//! Every number is a little-endian `u32`; a string or a byte string is its length, then its
//! bytes. Decoding is total: a blob cut short reads as zeros and empty strings, and a list
//! ends where the blob does.
//!
//! ```
//! use wash_virt_wire::env;
//!
//! let blob = env::encode(&[("LOG_LEVEL", "info")], &["HOME"]);
//! let config = env::EnvConfig::decode(&blob);
//! assert_eq!(config.vars().collect::<Vec<_>>(), [("LOG_LEVEL", "info")]);
//! assert!(config.allows("HOME") && !config.allows("PATH"));
//! ```

#![no_std]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod env;
pub mod io;
mod read;
#[cfg(feature = "alloc")]
mod write;

pub use read::Seq;
