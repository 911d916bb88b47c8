//! The targets: one per input wash parses, each with its generator and the properties it
//! checks beyond not panicking. Inputs that carry several things (a mode, several files) are
//! framed with [`parts`]; the first part's first byte picks the mode.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use wash::hint::Hint;
use wash::sign::{KeyStore, SigningKey, TrustedKey, VerifyPolicy};

use crate::input::{Gen, parts, seeds};

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

// ---------------------------------------------------------------------------------------------
// inspect

fn inspect(bytes: &[u8]) {
    let options = wash::inspect::InspectOptions {
        wit: false,
        keys: &keys().trusted,
    };
    match wash::inspect::inspect_bytes(Path::new("fuzz.wasm"), bytes, &options) {
        Ok(i) => {
            assert!(valid(bytes), "inspect accepted an invalid component");
            assert_eq!(i.size, bytes.len() as u64);
            let top: BTreeSet<String> = wash::artifact::component_imports(bytes)
                .into_iter()
                .collect();
            for import in &i.world.imports {
                assert!(
                    top.contains(import),
                    "world import `{import}` is not a top-level import ({top:?})"
                );
            }
            serde_json::to_string(&i).expect("an inspection serializes");
        }
        Err(e) => describe_error(&e),
    }
    fn check(parts: &[wash::inspect::Part], len: usize) {
        for p in parts {
            assert!(p.size as usize <= len, "a part larger than its file");
            check(&p.parts, len);
        }
    }
    check(&wash::inspect::composition::parts(bytes), bytes.len());
    let _ = wash::artifact::component_exports(bytes);
    let _ = wash::virt::read_report(bytes);
}

// ---------------------------------------------------------------------------------------------
// wit

fn gen_wit(g: &mut Gen) -> Vec<u8> {
    if g.rng.one_in(5) {
        let lib = g.library();
        let text = format!("package fuzz:lib@0.1.0;\n{}", lib.body);
        let mut out = vec![1];
        out.extend(g.text(&[text]));
        out
    } else {
        let mut out = vec![0];
        out.extend(g.component());
        out
    }
}

fn wit(input: &[u8]) {
    let (mode, payload) = mode_and_payload(input);
    if mode % 2 == 1 {
        if let Ok(text) = std::str::from_utf8(payload) {
            let _ = wash::wit::check_parses(text);
        }
        return;
    }
    let options = wash::inspect::InspectOptions {
        wit: true,
        keys: &[],
    };
    match wash::inspect::inspect_bytes(Path::new("fuzz.wasm"), payload, &options) {
        Ok(i) => {
            let wit = i.wit.expect("--wit asked for the WIT");
            let mut resolve = wit_parser::Resolve::default();
            if let Err(e) = resolve.push_str("inspect.wit", &wit) {
                panic!("the WIT inspect prints does not parse: {e:#}\n{wit}");
            }
        }
        Err(e) => describe_error(&e),
    }
}

// ---------------------------------------------------------------------------------------------
// sign

fn gen_sign(g: &mut Gen) -> Vec<u8> {
    let mode = g.rng.below(2) as u8;
    let mut bytes = g.valid_component();
    if g.rng.coin() {
        let k = keys();
        let signers: &[&SigningKey] = match g.rng.below(3) {
            0 => &[&k.a],
            1 => &[&k.b],
            _ => &[&k.a, &k.b],
        };
        for key in signers {
            if let Ok(signed) = wash::sign::sign_bytes(&bytes, std::slice::from_ref(*key)) {
                bytes = signed.bytes;
            }
        }
    }
    if g.rng.coin() {
        bytes = g.mutated(bytes);
    }
    let mut out = vec![mode];
    out.extend(bytes);
    out
}

fn sign(input: &[u8]) {
    let (mode, bytes) = mode_and_payload(input);
    let k = keys();
    let a = &k.a.public;
    let b = &k.b.public;
    if let Err(e) = wash::sign::signatures(bytes) {
        describe_error(&e);
    }
    for policy in [
        VerifyPolicy::any(vec![a.clone()]),
        VerifyPolicy {
            keys: vec![a.clone(), b.clone()],
            require_all: true,
        },
    ] {
        if let Err(e) = wash::sign::verify_bytes(bytes, &policy) {
            describe_error(&e);
        }
    }
    let _ = wash::sign::check_signatures(bytes, &k.trusted);
    if mode % 2 == 0 {
        return;
    }
    let signed = match wash::sign::sign_bytes(bytes, std::slice::from_ref(&k.a)) {
        Ok(signed) => signed,
        Err(e) => return describe_error(&e),
    };
    if signed.changed() {
        assert!(
            valid(&signed.bytes),
            "a signed component no longer validates"
        );
    }
    if let Err(e) = wash::sign::verify_bytes(&signed.bytes, &VerifyPolicy::any(vec![a.clone()])) {
        panic!("a component just signed does not verify: {e}");
    }
    let statuses = wash::sign::check_signatures(&signed.bytes, &k.trusted);
    assert!(
        statuses
            .iter()
            .any(|s| s.status == wash::sign::SignatureState::Verified
                && s.key.as_deref() == Some(a.info.name.as_str())),
        "inspect does not show the signature just made as verified: {statuses:?}"
    );
    let again = wash::sign::sign_bytes(&signed.bytes, std::slice::from_ref(&k.a))
        .expect("re-signing a signed component");
    assert!(
        !again.changed(),
        "re-signing with the same key changed the file"
    );
    assert_eq!(again.bytes, signed.bytes);
    let both = wash::sign::sign_bytes(&signed.bytes, std::slice::from_ref(&k.b))
        .expect("a second signer signs");
    let all = VerifyPolicy {
        keys: vec![a.clone(), b.clone()],
        require_all: true,
    };
    if let Err(e) = wash::sign::verify_bytes(&both.bytes, &all) {
        panic!("a second signature broke the first: {e}");
    }
}

// ---------------------------------------------------------------------------------------------
// compose

fn gen_compose(g: &mut Gen) -> Vec<u8> {
    let lib = g.library();
    let n = g.rng.range(1, 4);
    let mut framed = vec![vec![g.rng.below(4) as u8]];
    let mut root_imports = Vec::new();
    for k in 0..n {
        let mut spec = g.world_spec(&lib);
        // Few WASI imports: the point is how the components meet each other.
        spec.wasi_imports.truncate(1);
        if k == 0 {
            root_imports = spec.lib_imports.clone();
        } else if !root_imports.is_empty() && !g.rng.one_in(4) {
            // Most plugs export what the root (or another plug) imports, and import the rest:
            // chains, cycles and ambiguities follow.
            let export = *g.rng.pick(&root_imports);
            spec.lib_exports = vec![export];
            spec.lib_imports = (0..lib.interfaces)
                .filter(|i| *i != export && g.rng.coin())
                .collect();
        }
        let bytes = match g.wit_component(&lib, &spec) {
            Some(b) if !g.rng.one_in(8) => b,
            _ => g.valid_component(),
        };
        framed.push(bytes);
    }
    if g.rng.one_in(4) {
        let i = g.rng.range(1, framed.len() - 1);
        framed[i] = g.mutated(std::mem::take(&mut framed[i]));
    }
    let input = parts::encode(&framed);
    if g.rng.one_in(8) {
        g.mutated(input)
    } else {
        input
    }
}

fn compose(input: &[u8]) {
    let framed = parts::decode(input, 6);
    let Some((flags, files)) = framed.split_first() else {
        return;
    };
    let Some((root, plugs)) = files.split_first() else {
        return;
    };
    let flags = flags.first().copied().unwrap_or(0);
    let options = wash::compose::ComposeOptions {
        dry_run: flags & 1 == 1,
        allow_unused_plugs: flags & 2 == 2,
        ..Default::default()
    };
    let plugs = plugs
        .iter()
        .enumerate()
        .map(|(i, b)| wash::compose::Plug {
            name: format!("plug{i}"),
            bytes: b.to_vec(),
        })
        .collect();
    let composition = match wash::compose::compose(root.to_vec(), plugs, &options) {
        Ok(c) => c,
        Err(e) => return describe_error(&e),
    };
    let root_imports: BTreeSet<String> = wash::artifact::component_imports(root)
        .into_iter()
        .collect();
    let handled: BTreeSet<String> = composition
        .links
        .iter()
        .filter(|l| l.consumer == "root")
        .map(|l| l.import.clone())
        .chain(
            composition
                .open_imports
                .iter()
                .filter(|o| o.consumer == "root")
                .map(|o| o.import.clone()),
        )
        .collect();
    assert_eq!(
        root_imports, handled,
        "the root's imports are not each linked or left open"
    );
    match &composition.bytes {
        None => assert!(options.dry_run, "no component encoded"),
        Some(bytes) => {
            if let Err(e) = wash::artifact::validate_component(bytes) {
                panic!("the composed component does not validate: {e}");
            }
            let imports: BTreeSet<String> = wash::artifact::component_imports(bytes)
                .into_iter()
                .collect();
            let open: BTreeSet<String> = composition
                .open_import_names()
                .into_iter()
                .map(String::from)
                .collect();
            // wac-graph merges semver-compatible imports into one (the newest), so an open
            // import may appear in the output at a later compatible version.
            assert!(
                imports.is_subset(&open),
                "the composition imports {imports:?}, not among its open imports {open:?}"
            );
            for name in &open {
                assert!(
                    imports.iter().any(|i| semver_compatible(i, name)),
                    "open import `{name}` is not imported by the composition ({imports:?})"
                );
            }
        }
    }
}

/// `a:b/c@0.2.6` and `a:b/c@0.2.3` (same name, same `0.minor` or major).
fn semver_compatible(a: &str, b: &str) -> bool {
    let split = |s: &str| -> (String, Option<(u64, u64)>) {
        match s.split_once('@') {
            None => (s.to_string(), None),
            Some((name, version)) => {
                let mut nums = version
                    .split(['.', '-', '+'])
                    .map(|n| n.parse::<u64>().unwrap_or(u64::MAX));
                let major = nums.next().unwrap_or(0);
                let minor = nums.next().unwrap_or(0);
                let key = if major == 0 { (0, minor) } else { (major, 0) };
                (name.to_string(), Some(key))
            }
        }
    };
    split(a) == split(b)
}

// ---------------------------------------------------------------------------------------------
// virt

fn gen_virt(g: &mut Gen) -> Vec<u8> {
    let mode = g.rng.below(256) as u8;
    let bytes = if g.rng.coin() {
        let lib = g.library();
        let mut spec = g.world_spec(&lib);
        if spec.wasi_imports.is_empty() {
            spec.wasi_imports.push("wasi:cli/environment");
        }
        match g.wit_component(&lib, &spec) {
            Some(b) if g.rng.one_in(4) => g.mutated(b),
            Some(b) => b,
            None => g.component(),
        }
    } else {
        g.component()
    };
    let mut out = vec![mode];
    out.extend(bytes);
    out
}

fn virt_options(mode: u8) -> wash::virt::VirtOptions {
    use wash::virt::{Capability, Mount, StdioPolicy, VirtOptions};
    let mount = || Mount {
        guest: "/data".into(),
        host: data_dir().join("data"),
    };
    match mode % 6 {
        0 => VirtOptions {
            env: vec![("A".into(), "1".into())],
            allow_env: vec!["HOME".into()],
            ..VirtOptions::default()
        },
        1 => VirtOptions {
            deny: Capability::ALL.into_iter().collect(),
            ..VirtOptions::default()
        },
        2 => VirtOptions {
            stdout: StdioPolicy::Ignore,
            stderr: StdioPolicy::Deny,
            ..VirtOptions::default()
        },
        3 => VirtOptions {
            mounts: vec![mount()],
            ..VirtOptions::default()
        },
        4 => VirtOptions {
            stdin: StdioPolicy::Deny,
            env: vec![("B".into(), "two words".into())],
            deny: [Capability::Clocks].into_iter().collect(),
            ..VirtOptions::default()
        },
        _ => VirtOptions {
            env: vec![("A".into(), "1".into())],
            allow_env: vec!["*".into()],
            stdin: StdioPolicy::Ignore,
            stdout: StdioPolicy::Deny,
            mounts: vec![mount()],
            deny: Capability::ALL.into_iter().collect(),
            ..VirtOptions::default()
        },
    }
}

fn virt(input: &[u8]) {
    let (mode, bytes) = mode_and_payload(input);
    let _ = wash::virt::read_report(bytes);
    match wash::virt::virtualize(bytes, &virt_options(mode)) {
        Ok(v) => {
            if let Err(e) = wash::artifact::validate_component(&v.bytes) {
                panic!("the virtualized component does not validate: {e}");
            }
            assert_eq!(
                wash::virt::read_report(&v.bytes).as_ref(),
                Some(&v.report),
                "the recorded report is not the one returned"
            );
            let imports = wash::artifact::component_imports(bytes);
            for done in &v.report.virtualized {
                assert!(
                    imports.contains(&done.import),
                    "virtualized `{}`, which the component does not import",
                    done.import
                );
            }
        }
        Err(e) => describe_error(&e),
    }
}

// ---------------------------------------------------------------------------------------------
// oci

/// References, good and bad, for the `reference` mode.
const REFERENCES: &[&str] = &[
    "ghcr.io/acme/hello:1.0",
    "localhost:5000/hello@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
    "oci://127.0.0.1:5000/a/b/c:latest",
    "[::1]:5000/x:y",
    "hello",
    "docker.io/library/hello",
    "a.b/c/../d:tag",
    "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
    "org.opencontainers.image.title=hello",
    "registry.example.com:443/ns/app@sha256:../../etc",
];

fn gen_oci(g: &mut Gen) -> Vec<u8> {
    let mode = g.rng.below(4) as u8;
    let seed = match mode {
        0 => seeds::OCI_MANIFEST.to_string(),
        1 => seeds::OCI_CONFIG.to_string(),
        _ => g.rng.pick(REFERENCES).to_string(),
    };
    let body = if mode < 2 && g.rng.coin() {
        json_tree_mutation(g, &seed)
    } else {
        g.text(&[seed])
    };
    let mut out = vec![mode];
    out.extend(body);
    out
}

fn oci(input: &[u8]) {
    use oci_client::manifest::OciImageManifest;
    use wash::oci::layout::{WasmConfig, component_layer};
    let (mode, payload) = mode_and_payload(input);
    match mode % 4 {
        0 => {
            let Ok(manifest) = serde_json::from_slice::<OciImageManifest>(payload) else {
                return;
            };
            if let Ok(layer) = component_layer(&manifest) {
                assert_eq!(
                    manifest.layers.len(),
                    1,
                    "accepted a manifest of several layers"
                );
                assert!(
                    layer.media_type == "application/wasm"
                        || layer.media_type == "application/vnd.module.wasm.content.layer.v1+wasm",
                    "accepted a `{}` layer",
                    layer.media_type
                );
                cache_path(&layer.digest);
            }
        }
        1 => {
            let Ok(config) = serde_json::from_slice::<WasmConfig>(payload) else {
                return;
            };
            let text = serde_json::to_vec(&config).expect("a config serializes");
            let back: WasmConfig = serde_json::from_slice(&text).expect("a config reparses");
            assert_eq!(back, config, "a config does not round-trip");
        }
        _ => {
            let Ok(text) = std::str::from_utf8(payload) else {
                return;
            };
            let _ = wash::oci::ComponentRef::looks_like_reference(text);
            let _ = wash::oci::reference::is_loopback_host(text);
            let _ = wash::oci::push::parse_annotation(text);
            cache_path(text);
            match wash::oci::ComponentRef::parse(text) {
                Ok(r) => {
                    let shown = r.to_string();
                    let _ = (r.registry(), r.short_name(), r.is_loopback(), r.digest());
                    let tagged = r.with_tag("1.0");
                    assert!(tagged.has_explicit_tag());
                    let again = wash::oci::ComponentRef::parse(&shown).unwrap_or_else(|e| {
                        panic!("`{shown}` (from `{text}`) does not parse: {e}")
                    });
                    assert_eq!(again.registry(), r.registry());
                    assert_eq!(again.repository(), r.repository());
                    assert_eq!(again.digest(), r.digest());
                }
                Err(e) => describe_error(&e),
            }
        }
    }
}

/// A digest's cache file is a file of the cache's `sha256` folder, whatever the digest says.
fn cache_path(digest: &str) {
    let cache = Path::new("/cache/blobs");
    if let Some(path) = wash::oci::cache::path_for(cache, digest) {
        assert_eq!(
            path.parent(),
            Some(cache.join("sha256").as_path()),
            "digest `{digest}` leads out of the cache: {}",
            path.display()
        );
    }
}

/// A JSON document with one value replaced, removed, duplicated or retyped.
fn json_tree_mutation(g: &mut Gen, seed: &str) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_str(seed).expect("the seeds are JSON");
    for _ in 0..g.rng.range(1, 3) {
        mutate_json(g, &mut value);
    }
    serde_json::to_vec(&value).unwrap_or_default()
}

fn random_json(g: &mut Gen) -> serde_json::Value {
    use serde_json::json;
    match g.rng.below(10) {
        0 => json!(null),
        1 => json!(g.rng.coin()),
        2 => json!(-1),
        3 => json!(u64::MAX),
        4 => json!(1e300),
        5 => json!(""),
        6 => json!("../../etc/passwd"),
        7 => json!([]),
        8 => json!({}),
        _ => json!("sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"),
    }
}

fn mutate_json(g: &mut Gen, value: &mut serde_json::Value) {
    use serde_json::Value;
    let descend = g.rng.range(0, 3) > 0;
    match value {
        Value::Object(map) if !map.is_empty() && descend => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = g.rng.pick(&keys).clone();
            match g.rng.below(6) {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    map.insert(format!("{key}x"), random_json(g));
                }
                _ => {
                    if let Some(v) = map.get_mut(&key) {
                        mutate_json(g, v);
                    }
                }
            }
        }
        Value::Array(items) if !items.is_empty() && descend => {
            let i = g.rng.below(items.len());
            match g.rng.below(4) {
                0 => {
                    let copy = items[i].clone();
                    items.push(copy);
                }
                1 => {
                    items.remove(i);
                }
                _ => mutate_json(g, &mut items[i]),
            }
        }
        _ => *value = random_json(g),
    }
}

// ---------------------------------------------------------------------------------------------
// config

fn config_seeds() -> &'static [String] {
    static SEEDS: OnceLock<Vec<String>> = OnceLock::new();
    SEEDS.get_or_init(|| seeds::toml_blocks(seeds::CONFIG_DOC))
}

fn gen_config(g: &mut Gen) -> Vec<u8> {
    let seeds = config_seeds();
    if g.rng.coin() {
        return g.text(seeds);
    }
    let text = g.rng.pick(seeds).clone();
    let Ok(doc) = text.parse::<toml::Table>() else {
        return text.into_bytes();
    };
    let mut value = serde_json::to_value(&doc).unwrap_or_default();
    for _ in 0..g.rng.range(1, 3) {
        mutate_config(g, &mut value);
    }
    // Back to TOML where it can be (JSON `null` cannot).
    toml::to_string(&value)
        .map(String::into_bytes)
        .unwrap_or_else(|_| text.into_bytes())
}

/// Config-shaped mutations: keys misspelt or removed, values of the wrong type or odd text.
fn mutate_config(g: &mut Gen, value: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let descend = g.rng.range(0, 3) > 0;
    match value {
        Value::Object(map) if !map.is_empty() && descend => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = g.rng.pick(&keys).clone();
            match g.rng.below(6) {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    // A misspelling "did you mean" has to find: a letter dropped or swapped.
                    let mut chars: Vec<char> = key.chars().collect();
                    if chars.len() > 1 {
                        let i = g.rng.below(chars.len() - 1);
                        chars.swap(i, i + 1);
                    }
                    if let Some(v) = map.remove(&key) {
                        map.insert(chars.into_iter().collect(), v);
                    }
                }
                _ => {
                    if let Some(v) = map.get_mut(&key) {
                        mutate_config(g, v);
                    }
                }
            }
        }
        Value::Array(items) if !items.is_empty() && descend => {
            let i = g.rng.below(items.len());
            mutate_config(g, &mut items[i]);
        }
        _ => {
            *value = match g.rng.below(9) {
                0 => json!(true),
                1 => json!(-7),
                2 => json!(1.5),
                3 => json!(["a", 1]),
                4 => json!({"k": "v"}),
                5 => json!(""),
                6 => json!("../outside"),
                7 => json!("wasi:*"),
                _ => json!("\u{e9}\u{301}*:/@1.0.0"),
            }
        }
    }
}

fn config(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let Ok(doc) = text.parse::<toml::Table>() else {
        return;
    };
    let Ok(doc) = serde_json::to_value(&doc) else {
        return;
    };
    let metadata = match doc.pointer("/package/metadata") {
        Some(m) => m.clone(),
        None => serde_json::json!({ "wasmcloud": doc }),
    };
    let manifest = Path::new("/work/app/Cargo.toml");
    match wash::config::WasmcloudConfig::from_metadata(&metadata, manifest) {
        Ok(config) => {
            if let Some(virt) = &config.virt {
                for m in &virt.mounts {
                    assert!(m.host.is_absolute(), "a mount resolved to a relative path");
                }
            }
            let _ = config.namespace();
            let _ = config.is_host_import("wasi:cli/environment@0.2.6");
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains("Cargo.toml"),
                "the error does not name the manifest: {message}"
            );
            assert!(
                e.hint().is_some_and(|h| !h.is_empty()),
                "no fix for: {message}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// template

/// Template file names: placeholders, hidden and skipped folders, odd components.
const TEMPLATE_PATHS: &[&str] = &[
    "Cargo.toml",
    "src/lib.rs",
    "src/{{crate_name}}.rs",
    "{{project-name}}/README.md",
    "{{project-name}}{{crate_name}}/x",
    ".git/config",
    "target/debug/x",
    "a/.hidden",
    "{{wash-sdk-path}}",
    "{{",
    "}}/{{project-name}}",
    "a b/c\u{e9}",
];

const TEMPLATE_NAMES: &[&str] = &[
    "hello",
    "my-component",
    "my_component",
    "a",
    "self",
    "9lives",
    "-x",
    "",
    "x.y",
    "x/y",
    "..",
    "\u{e9}t\u{e9}",
];

fn gen_template(g: &mut Gen) -> Vec<u8> {
    let mut framed = vec![g.rng.pick(TEMPLATE_NAMES).as_bytes().to_vec()];
    if g.rng.one_in(4) {
        let name = std::mem::take(&mut framed[0]);
        framed[0] = g.mutated(name);
    }
    for _ in 0..g.rng.range(0, 5) {
        // kind: 0 file, 1 executable, 2 link (contents = target)
        let kind = g.rng.below(3) as u8;
        let mut path = g.rng.pick(TEMPLATE_PATHS).as_bytes().to_vec();
        if g.rng.one_in(5) {
            path = g.mutated(path);
        }
        let mut entry = vec![kind];
        entry.extend(path);
        framed.push(entry);
        let contents: Vec<u8> = match kind {
            2 => g
                .rng
                .pick(&[
                    "../secret.txt",
                    "/etc/hostname",
                    "Cargo.toml",
                    "src",
                    "../tpl/Cargo.toml",
                    "../../",
                ])
                .as_bytes()
                .to_vec(),
            _ => match g.rng.below(4) {
                0 => b"name = \"{{project-name}}\"\n{{crate_name}} {{wash-sdk-path}}".to_vec(),
                1 => vec![0xff, 0xfe, b'{', b'{'],
                2 => Vec::new(),
                _ => b"fn main() { println!(\"{}\", \"{{project-name}}\"); }".to_vec(),
            },
        };
        framed.push(contents);
    }
    parts::encode(&framed)
}

fn template(input: &[u8]) {
    use std::os::unix::ffi::OsStrExt;
    use wash::template::{NewOptions, TemplateSource, generate, validate_package_name};

    let framed = parts::decode(input, 13);
    let Some((name, entries)) = framed.split_first() else {
        return;
    };
    let name = String::from_utf8_lossy(name).into_owned();
    if validate_package_name(&name).is_ok() {
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "accepted the package name `{name}`"
        );
    }
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let root = tmp.path();
    std::fs::write(root.join("secret.txt"), "SECRET").expect("the secret");
    let tpl = root.join("tpl");
    std::fs::create_dir(&tpl).expect("the template folder");
    for pair in entries.chunks(2) {
        let [entry, contents] = pair else { break };
        let Some((kind, path)) = entry.split_first() else {
            continue;
        };
        let rel = Path::new(std::ffi::OsStr::from_bytes(path));
        // Only names a folder can hold: a template is read from one.
        if rel.as_os_str().is_empty()
            || rel.is_absolute()
            || rel
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            continue;
        }
        let file = tpl.join(rel);
        if let Some(dir) = file.parent()
            && std::fs::create_dir_all(dir).is_err()
        {
            continue;
        }
        let _ = match kind % 3 {
            2 => std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(contents), &file),
            1 => std::fs::write(&file, contents).and_then(|_| {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755))
            }),
            _ => std::fs::write(&file, contents),
        };
    }
    let out = root.join("out");
    let dest = out.join("proj");
    let result = generate(&NewOptions {
        path: dest.clone(),
        name: Some(name),
        source: TemplateSource::Path(tpl.clone()),
    });
    for entry in std::fs::read_dir(root)
        .expect("the temporary folder")
        .flatten()
    {
        let path = entry.path();
        assert!(
            path == out || path == tpl || path == root.join("secret.txt"),
            "wash new wrote outside its destination: {}",
            path.display()
        );
    }
    match result {
        Ok(created) => {
            for file in &created.files {
                assert!(
                    file.components()
                        .all(|c| matches!(c, std::path::Component::Normal(_))),
                    "a file outside the project: {}",
                    file.display()
                );
                let path = dest.join(file);
                let meta = std::fs::symlink_metadata(&path)
                    .unwrap_or_else(|e| panic!("listed `{}` was not written: {e}", file.display()));
                assert!(
                    !meta.file_type().is_symlink(),
                    "a link was copied as a link"
                );
                if meta.is_file() {
                    let contents = std::fs::read(&path).expect("a written file");
                    assert!(
                        contents != b"SECRET",
                        "a file from outside the template was copied: {}",
                        file.display()
                    );
                }
            }
        }
        Err(e) => {
            describe_error(&e);
            assert!(
                !out.exists(),
                "a failed wash new left {} behind",
                out.display()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// plugin

const GRANTS: &[&str] = &[
    "project",
    "project=x",
    "read=data",
    "dir=data::/data",
    "read=data::rel",
    "read=data::",
    "dir=missing",
    "read=/",
    "read=..",
    "env=TOKEN",
    "env=",
    "env=A=B",
    "http=example.com:443",
    "http=*",
    "net",
    "=",
    "read=data::/a::/b",
];

fn gen_plugin(g: &mut Gen) -> Vec<u8> {
    if g.rng.coin() {
        let body = if g.rng.coin() {
            json_tree_mutation(g, seeds::PLUGIN_MANIFEST)
        } else {
            g.text(&[seeds::PLUGIN_MANIFEST.to_string()])
        };
        let mut out = vec![0];
        out.extend(body);
        out
    } else {
        let lines: Vec<String> = (0..g.rng.range(0, 4))
            .map(|_| g.rng.pick(GRANTS).to_string())
            .collect();
        let mut text = lines.join("\n").into_bytes();
        if g.rng.one_in(3) {
            text = g.mutated(text);
        }
        let mut out = vec![1];
        out.extend(text);
        out
    }
}

fn plugin(input: &[u8]) {
    use wash::plugin::{Grants, Manifest};
    let (mode, payload) = mode_and_payload(input);
    if mode % 2 == 0 {
        let Ok(manifest) = serde_json::from_slice::<Manifest>(payload) else {
            return;
        };
        let _ = manifest.grants.describe();
        let text = serde_json::to_vec(&manifest).expect("a manifest serializes");
        let back: Manifest = serde_json::from_slice(&text).expect("a written manifest reparses");
        assert_eq!(back, manifest, "plugin.json does not round-trip");
        return;
    }
    let Ok(text) = std::str::from_utf8(payload) else {
        return;
    };
    let values: Vec<String> = text.split('\n').map(String::from).collect();
    match Grants::parse(&values, data_dir()) {
        Ok(grants) => {
            for d in &grants.dirs {
                assert!(
                    d.host.is_absolute() && d.host.is_dir(),
                    "granted {:?}",
                    d.host
                );
                assert!(d.guest.starts_with('/'), "guest path `{}`", d.guest);
            }
            for e in &grants.env {
                assert!(!e.is_empty() && !e.contains('='), "env grant `{e}`");
            }
            let described = grants.describe().len();
            let expected = usize::from(grants.project)
                + grants.dirs.len()
                + grants.env.len()
                + grants.http.len();
            assert_eq!(described, expected);
        }
        Err(e) => describe_error(&e),
    }
}
