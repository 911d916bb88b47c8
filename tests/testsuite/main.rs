//! wash's integration tests: one test binary, one module per command. They drive the real
//! `wash` binary, build real components from the templates, and run them on real wasmtime.
//!
//! Snapshots live in `tests/snapshots/`; `INSTA_UPDATE=always cargo test` rewrites them.

mod support;

mod blobstore;
mod build;
mod call;
mod capabilities;
mod cli;
mod composition;
mod crash;
mod deploy;
mod dev;
mod guide;
mod help;
mod inspect;
mod keyvalue;
mod lattice;
mod layout;
mod malformed;
mod messaging;
mod modes;
mod new;
mod oci;
mod plugins;
mod registry;
mod run;
mod sandbox;
mod schema;
mod sdk;
mod servers;
mod sign;
mod virt;
mod wit;
