//! Which imports `wash run` provides, and for each one it does not, what would: so a component
//! that cannot be linked fails with one list of what is missing instead of wasmtime's first
//! "matching implementation was not found in the linker".

use wasmtime::Engine;
use wasmtime::component::Component;

use super::{blobstore, config, keyvalue, logging, messaging};

/// WASI 0.2 interfaces from wasmtime-wasi and wasmtime-wasi-http, by package; any `0.2.x`
/// matches (wasmtime links semver-compatible versions).
const WASI_P2: &[(&str, &[&str])] = &[
    (
        "wasi:cli",
        &[
            "environment",
            "exit",
            "stdin",
            "stdout",
            "stderr",
            "terminal-input",
            "terminal-output",
            "terminal-stdin",
            "terminal-stdout",
            "terminal-stderr",
        ],
    ),
    ("wasi:clocks", &["monotonic-clock", "wall-clock"]),
    ("wasi:filesystem", &["types", "preopens"]),
    ("wasi:io", &["error", "poll", "streams"]),
    ("wasi:random", &["random", "insecure", "insecure-seed"]),
    (
        "wasi:sockets",
        &[
            "network",
            "instance-network",
            "udp",
            "udp-create-socket",
            "tcp",
            "tcp-create-socket",
            "ip-name-lookup",
        ],
    ),
    ("wasi:http", &["types", "outgoing-handler"]),
];

/// Packages wasmCloud hosts that `wash run` does not yet.
const NOT_YET: &[&str] = &[
    "wasi:otel",
    "wasmcloud:blobstore",
    "wasmcloud:keyvalue",
    "wasmcloud:postgres",
    "wasmcloud:secrets",
];

/// The interfaces hosted at one exact version (src/run/host/).
fn hosted() -> impl Iterator<Item = &'static str> {
    [config::INTERFACE, logging::INTERFACE]
        .into_iter()
        .chain(keyvalue::INTERFACES)
        .chain(blobstore::INTERFACES)
        .chain(messaging::INTERFACES)
}

/// An import the linker has no implementation for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingImport {
    /// The import's name (`wasi:blobstore/container@0.2.0-draft`).
    pub name: String,
    /// What would provide it.
    pub provider: String,
}

/// The component's imports, by name.
pub fn imports(engine: &Engine, component: &Component) -> Vec<String> {
    component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .collect()
}

/// The imports of `names` that `wash run` does not provide, each with what would.
pub fn missing(names: &[String]) -> Vec<MissingImport> {
    names
        .iter()
        .filter(|n| !provided(n))
        .map(|n| MissingImport {
            name: n.clone(),
            provider: provider(n),
        })
        .collect()
}

/// Whether `wash run`'s linker provides the import `name`.
pub fn provided(name: &str) -> bool {
    if hosted().any(|h| h == name) {
        return true;
    }
    let (path, version) = name.split_once('@').unwrap_or((name, ""));
    let Some((package, interface)) = path.split_once('/') else {
        return false;
    };
    let p2 = version
        .strip_prefix("0.2.")
        .is_some_and(|patch| !patch.is_empty() && patch.bytes().all(|b| b.is_ascii_digit()));
    p2 && WASI_P2
        .iter()
        .any(|(p, interfaces)| *p == package && interfaces.contains(&interface))
}

fn provider(name: &str) -> String {
    let (path, _) = name.split_once('@').unwrap_or((name, ""));
    let package = path.split('/').next().unwrap_or(path);
    if NOT_YET.contains(&package) || path == "wasi:keyvalue/watcher" {
        return "hosted by wasmCloud, not yet by `wash run`".into();
    }
    if let Some(other) = hosted().find(|h| h.split('@').next() == Some(path)) {
        return format!("`wash run` hosts `{other}`; build against that version");
    }
    if package.starts_with("wasi:") {
        return "a WASI interface `wash run` does not host".into();
    }
    "plug a component that exports it with `wash compose`, or list it in `host-imports` if \
     your platform provides it"
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasi_0_2_and_the_hosted_interfaces_are_provided() {
        for name in [
            "wasi:cli/environment@0.2.0",
            "wasi:io/streams@0.2.6",
            "wasi:http/outgoing-handler@0.2.3",
            "wasi:keyvalue/atomics@0.2.0-draft",
            "wasi:config/store@0.2.0-rc.1",
            "wasi:logging/logging@0.1.0-draft",
            "wasi:blobstore/container@0.2.0-draft",
            "wasi:blobstore/types@0.2.0-draft",
            "wasi:blobstore/blobstore@0.2.0-draft",
            "wasmcloud:messaging/consumer@0.2.0",
            "wasmcloud:messaging/types@0.2.0",
        ] {
            assert!(provided(name), "{name}");
        }
        for name in [
            "wasi:cli/environment@0.3.0",
            "wasi:keyvalue/store@0.2.0-draft2",
            "wasi:http/incoming-handler@0.2.0",
            "wasi:blobstore/container@0.2.0-draft2",
            "wasmcloud:blobstore/blobstore@0.1.0",
            "wasmcloud:messaging/consumer@0.1.0",
            "acme:kv/store",
            "greet",
        ] {
            assert!(!provided(name), "{name}");
        }
    }

    #[test]
    fn each_missing_import_says_what_would_provide_it() {
        let names: Vec<String> = [
            "wasi:io/poll@0.2.0",
            "wasmcloud:postgres/query@0.2.0",
            "wasi:blobstore/container@0.2.1",
            "wasi:keyvalue/store@0.2.0-draft2",
            "wasi:nn/graph@0.2.0",
            "acme:kv/store@1.0.0",
        ]
        .map(String::from)
        .into();
        let found: Vec<(String, String)> = missing(&names)
            .into_iter()
            .map(|m| (m.name, m.provider))
            .collect();
        let expect = |n: &str, p: &str| (n.to_string(), p.to_string());
        assert_eq!(
            found,
            [
                expect(
                    "wasmcloud:postgres/query@0.2.0",
                    "hosted by wasmCloud, not yet by `wash run`"
                ),
                expect(
                    "wasi:blobstore/container@0.2.1",
                    "`wash run` hosts `wasi:blobstore/container@0.2.0-draft`; build against \
                     that version"
                ),
                expect(
                    "wasi:keyvalue/store@0.2.0-draft2",
                    "`wash run` hosts `wasi:keyvalue/store@0.2.0-draft`; build against that \
                     version"
                ),
                expect(
                    "wasi:nn/graph@0.2.0",
                    "a WASI interface `wash run` does not host"
                ),
                expect(
                    "acme:kv/store@1.0.0",
                    "plug a component that exports it with `wash compose`, or list it in \
                     `host-imports` if your platform provides it"
                ),
            ]
        );
    }

    #[test]
    fn the_host_wit_is_the_sdk_wit() {
        for file in [
            "keyvalue.wit",
            "logging.wit",
            "blobstore.wit",
            "io.wit",
            "messaging.wit",
        ] {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let host = std::fs::read_to_string(root.join("src/run/host/wit/deps").join(file));
            let sdk = std::fs::read_to_string(root.join("crates/wash-sdk/wit/deps").join(file));
            assert_eq!(host.unwrap(), sdk.unwrap(), "{file} differs");
        }
    }
}
