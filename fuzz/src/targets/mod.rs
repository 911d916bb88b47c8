//! The targets: one per input wash parses, each with its generator and the properties it
//! checks beyond not panicking. Inputs that carry several things (a mode, several files) are
//! framed with [`parts`]; the first part's first byte picks the mode.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use wash::hint::Hint;
use wash::sign::{KeyStore, SigningKey, TrustedKey, VerifyPolicy};

use crate::input::{Gen, parts, seeds};

mod text;
mod wasm;

use text::*;
use wasm::*;

/// One fuzz target.
pub struct Target {
    /// Its name on the command line and in file names.
    pub name: &'static str,
    /// What it runs and asserts, for `--list` and the README.
    pub about: &'static str,
    /// Makes an input.
    pub generate: fn(&mut Gen) -> Vec<u8>,
    /// Runs wash on an input; a failed property panics.
    pub execute: fn(&[u8]),
}

/// Every target, in the order `run.sh` runs them.
pub static TARGETS: &[Target] = &[
    Target {
        name: "inspect",
        about: "inspect_bytes, composition::parts, the top-level import/export scan and \
                read_report on any component: a success is a valid component, nested parts are \
                no larger than the file, the world's imports are among the top-level imports",
        generate: |g| g.component(),
        execute: inspect,
    },
    Target {
        name: "wit",
        about: "inspect --wit's decoding and printing: the WIT printed for a component parses \
                back; wit::check_parses on mutated WIT text",
        generate: gen_wit,
        execute: wit,
    },
    Target {
        name: "sign",
        about: "signatures, verify_bytes and check_signatures on any bytes; sign_bytes then \
                verify: a signed component verifies with its key, still validates, re-signing \
                is a no-op, and a second signer keeps the first valid",
        generate: gen_sign,
        execute: sign,
    },
    Target {
        name: "compose",
        about: "compose (planning and encoding) on a root and plugs sharing interfaces: the \
                output validates, its imports are the open imports, every root import is \
                linked or open",
        generate: gen_compose,
        execute: compose,
    },
    Target {
        name: "virt",
        about: "virtualize with six option sets, and read_report: the output validates and \
                carries the report it returned",
        generate: gen_virt,
        execute: virt,
    },
    Target {
        name: "oci",
        about: "OCI manifests (component_layer), config blobs, references (ComponentRef), \
                annotations and cache paths: one wasm layer is accepted, configs round-trip, a \
                cache path never leaves the cache",
        generate: gen_oci,
        execute: oci,
    },
    Target {
        name: "config",
        about: "WasmcloudConfig::from_metadata on TOML from the docs' examples, mutated as text \
                and as a tree: errors name the manifest and carry a fix",
        generate: gen_config,
        execute: config,
    },
    Target {
        name: "template",
        about: "wash new from a template folder of generated names, contents and symbolic \
                links: files land inside the project only, nothing outside the template is \
                copied, a failure leaves nothing behind",
        generate: gen_template,
        execute: template,
    },
    Target {
        name: "plugin",
        about: "plugin.json (Manifest) and --grant values (Grants::parse): manifests \
                round-trip, granted folders are absolute folders, guest paths absolute",
        generate: gen_plugin,
        execute: plugin,
    },
];

// ---------------------------------------------------------------------------------------------
// Shared fixtures, made once per process.

struct Keys {
    a: SigningKey,
    b: SigningKey,
    trusted: Vec<TrustedKey>,
    _dir: tempfile::TempDir,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary key store");
        let store = KeyStore::at(dir.path());
        store.create("fuzz-a").expect("key a");
        store.create("fuzz-b").expect("key b");
        Keys {
            a: store.signing("fuzz-a").expect("key a signs"),
            b: store.signing("fuzz-b").expect("key b signs"),
            trusted: store.trusted().expect("the keys"),
            _dir: dir,
        }
    })
}

/// A folder with a file in it, for mounts and grants.
fn data_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir(dir.path().join("data")).expect("data folder");
        std::fs::write(dir.path().join("data/hello.txt"), "hello").expect("a file");
        dir
    })
    .path()
}

fn describe_error<E: std::fmt::Display + Hint>(e: &E) {
    let _ = e.to_string();
    let _ = e.hint();
}

fn valid(bytes: &[u8]) -> bool {
    wash::artifact::validate_component(bytes).is_ok()
}

fn mode_and_payload(input: &[u8]) -> (u8, &[u8]) {
    match input.split_first() {
        Some((mode, rest)) => (*mode, rest),
        None => (0, input),
    }
}
