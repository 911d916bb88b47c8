//! wash: one cargo-like tool to build, run, inspect and ship WebAssembly components.
//!
//! Every capability lives in its own module and returns typed errors and data; only [`cli`]
//! talks to the terminal. The `wash` and `cargo-wasmcloud` binaries, and the integration tests,
//! all go through these same functions.
//!
//! The layers, each using only those below it:
//! - [`cli`]: arguments in, one call, output rendered;
//! - [`ops`]: what a command does when it takes several capabilities (build then push, …),
//!   and [`dev`], the build–serve–watch loop;
//! - [`build`]: the build pipeline (cargo → place → compose → virt → sign);
//! - [`source`]: which component a word names (file, workspace member, registry reference);
//! - the capabilities: [`project`], [`wit`], [`compose`] (the pure core), [`virt`], [`sign`],
//!   [`oci`], [`run`], [`inspect`], [`template`], [`deploy`] (manifests, pure), and the shared [`artifact`], [`hint`],
//!   [`home`], [`message`].

pub mod artifact;
pub mod build;
pub mod cli;
pub mod compose;
pub mod config;
pub mod deploy;
pub mod dev;
pub mod hint;
pub mod home;
pub mod inspect;
pub mod lattice;
pub mod message;
pub mod oci;
pub mod ops;
pub mod plugin;
pub mod project;
pub mod run;
pub mod sign;
pub mod source;
pub mod template;
pub mod toolchain;
pub mod virt;
pub mod wit;
