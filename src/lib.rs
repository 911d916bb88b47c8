//! wash: one cargo-like tool to build, run, inspect and ship WebAssembly components.
//!
//! Every capability lives in its own module and returns typed errors and data; only [`cli`]
//! talks to the terminal. The `wash` and `cargo-wasmcloud` binaries, and the integration tests,
//! all go through these same functions.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod artifact;
pub mod build;
pub mod cli;
pub mod compose;
pub mod config;
pub mod hint;
pub mod home;
pub mod inspect;
pub mod oci;
pub mod project;
pub mod run;
pub mod sign;
pub mod template;
pub mod virt;
pub mod wit;
