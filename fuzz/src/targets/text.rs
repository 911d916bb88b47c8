//! The targets that read text: OCI manifests, configs and references, Cargo.toml metadata,
//! templates and plugin manifests.

use super::*;

// ---------------------------------------------------------------------------------------------
// oci

/// References, good and bad, for the `reference` mode.
pub(super) const REFERENCES: &[&str] = &[
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

pub(super) fn gen_oci(g: &mut Gen) -> Vec<u8> {
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

pub(super) fn oci(input: &[u8]) {
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
            agrees_with_oci_client(text);
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

/// wash parses references by hand (`src/oci/reference/grammar.rs`); oci-client by regular
/// expression. They agree, but for the refusals wash adds: a non-ASCII tag, and an upper-case
/// repository under a defaulted registry (which oci-client cannot print back and re-parse).
fn agrees_with_oci_client(text: &str) {
    use std::str::FromStr;
    let trimmed = text.strip_prefix("oci://").unwrap_or(text);
    let theirs = oci_client::Reference::from_str(trimmed)
        .and_then(|r| oci_client::Reference::from_str(&r.whole()).map(|_| r));
    match (wash::oci::ComponentRef::parse(text), theirs) {
        (Ok(ours), Ok(theirs)) => {
            assert_eq!(ours.registry(), theirs.resolve_registry(), "`{text}`");
            assert_eq!(ours.repository(), theirs.repository(), "`{text}`");
            assert_eq!(ours.digest(), theirs.digest(), "`{text}`");
            assert_eq!(ours.to_string(), theirs.whole(), "`{text}`");
        }
        (Err(_), Err(_)) => {}
        (Err(_), Ok(_)) if !trimmed.is_ascii() => {}
        (ours, theirs) => panic!("`{text}`: wash {ours:?}, oci-client {theirs:?}"),
    }
}

/// A digest's cache file is a file of the cache's `sha256` folder, whatever the digest says.
pub(super) fn cache_path(digest: &str) {
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
pub(super) fn json_tree_mutation(g: &mut Gen, seed: &str) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_str(seed).expect("the seeds are JSON");
    for _ in 0..g.rng.range(1, 3) {
        mutate_json(g, &mut value);
    }
    serde_json::to_vec(&value).unwrap_or_default()
}

pub(super) fn random_json(g: &mut Gen) -> serde_json::Value {
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

pub(super) fn mutate_json(g: &mut Gen, value: &mut serde_json::Value) {
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

pub(super) fn config_seeds() -> &'static [String] {
    static SEEDS: OnceLock<Vec<String>> = OnceLock::new();
    SEEDS.get_or_init(|| seeds::toml_blocks(seeds::CONFIG_DOC))
}

pub(super) fn gen_config(g: &mut Gen) -> Vec<u8> {
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
pub(super) fn mutate_config(g: &mut Gen, value: &mut serde_json::Value) {
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

pub(super) fn config(input: &[u8]) {
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
pub(super) const TEMPLATE_PATHS: &[&str] = &[
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

pub(super) const TEMPLATE_NAMES: &[&str] = &[
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

pub(super) fn gen_template(g: &mut Gen) -> Vec<u8> {
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

pub(super) fn template(input: &[u8]) {
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

pub(super) const GRANTS: &[&str] = &[
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

pub(super) fn gen_plugin(g: &mut Gen) -> Vec<u8> {
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

pub(super) fn plugin(input: &[u8]) {
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
