//! The config's errors (key path, problem, fix), its agreement with docs/config.md, and the
//! docs' example.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

use super::*;
use crate::virt::{Capability, StdioPolicy};

const MANIFEST: &str = "/ws/app/Cargo.toml";
const DOCS: &str = include_str!("../../docs/config.md");

fn read(table: Value) -> Result<WasmcloudConfig, ConfigError> {
    WasmcloudConfig::from_metadata(&json!({ "wasmcloud": table }), Path::new(MANIFEST))
}

/// The error for `table`, as the user reads it: message and hint.
fn error(table: Value) -> (String, String) {
    let err = read(table).expect_err("malformed");
    let hint = err.hint().expect("every config error has a fix");
    assert!(!err.to_string().contains("help:"), "{err}");
    (err.to_string(), hint)
}

fn msg(key: &str, rest: &str) -> String {
    format!("`{MANIFEST}`: `package.metadata.wasmcloud{key}`{rest}")
}

#[test]
fn a_package_without_the_table_has_the_defaults() {
    let none = WasmcloudConfig::from_metadata(&Value::Null, Path::new(MANIFEST)).unwrap();
    assert_eq!(none, WasmcloudConfig::default());
    assert_eq!(none.namespace(), DEFAULT_NAMESPACE);
    assert_eq!(read(json!({})).unwrap(), WasmcloudConfig::default());
}

#[test]
fn unknown_keys_get_a_suggestion_when_one_is_close() {
    let (m, h) = error(json!({ "virt": { "alow-env": ["HOME"] } }));
    assert_eq!(m, msg(".virt.alow-env", " is not a setting wash knows"));
    assert_eq!(h, "did you mean `allow-env`?");
    // snake_case, a swapped pair, a missing letter.
    let (_, h) = error(json!({ "virt": { "allow_env": [] } }));
    assert_eq!(h, "did you mean `allow-env`?");
    let (_, h) = error(json!({ "virt": { "dney": [] } }));
    assert_eq!(h, "did you mean `deny`?");
    let (m, h) = error(json!({ "registry": { "referense": "x" } }));
    assert_eq!(
        m,
        msg(".registry.referense", " is not a setting wash knows")
    );
    assert_eq!(h, "did you mean `reference`?");
    let (_, h) = error(json!({ "sign": { "key": "release" } }));
    assert_eq!(h, "did you mean `keys`?");
}

#[test]
fn unknown_top_level_keys_are_named_with_the_keys_there_are() {
    let (m, h) = error(json!({ "namspace": "acme" }));
    assert_eq!(m, msg(".namspace", " is not a setting wash knows"));
    assert_eq!(h, "did you mean `namespace`?");
    let (m, h) = error(json!({ "flavour": "mild" }));
    assert_eq!(m, msg(".flavour", " is not a setting wash knows"));
    assert_eq!(
        h,
        "the keys here are `namespace`, `host-imports`, `compose`, `virt`, `sign`, `registry`, \
         `dev`, `deploy`, `plugins` (see docs/config.md)"
    );
}

#[test]
fn a_denied_name_that_is_no_capability_names_its_index_and_the_choices() {
    let (m, h) = error(json!({ "virt": { "deny": ["clocks", "clock"] } }));
    assert_eq!(
        m,
        msg(
            ".virt.deny[1]",
            ": `clock` is not a capability wash can deny"
        )
    );
    assert_eq!(h, "write one of clocks, random, sockets, http, exit");
}

/// Each malformed value: the path, the problem, today's fix.
#[test]
fn malformed_values_name_the_path_and_the_fix() {
    let cases: &[(Value, &str, &str, &str)] = &[
        (
            json!(3),
            "",
            " must be a table, not 3",
            "write `[package.metadata.wasmcloud]` as a section",
        ),
        (
            json!({ "namespace": 3 }),
            ".namespace",
            " must be a string, not 3",
            "write `namespace = \"acme\"`",
        ),
        (
            json!({ "namespace": "Acme Corp" }),
            ".namespace",
            ": `Acme Corp` is not a WIT namespace (lowercase words joined by `-`)",
            "write e.g. `namespace = \"acme\"` or `namespace = \"my-org\"`",
        ),
        (
            json!({ "host-imports": "acme:kv/store" }),
            ".host-imports",
            " must be a list of strings, not \"acme:kv/store\"",
            "write `host-imports = [\"acme:kv/store\"]`",
        ),
        (
            json!({ "compose": { "plugs": [1] } }),
            ".compose.plugs[0]",
            " must be a string, not 1",
            "write `[package.metadata.wasmcloud.compose]` with `plugs = [\"../greeter/greeter.wasm\"]`",
        ),
        (
            json!({ "virt": "yes" }),
            ".virt",
            " must be a table, not \"yes\"",
            "write `[package.metadata.wasmcloud.virt]` as a section",
        ),
        (
            json!({ "virt": { "env": { "LOG_LEVEL": 2 } } }),
            ".virt.env.LOG_LEVEL",
            " must be a string, not 2",
            "write `env = { LOG_LEVEL = \"info\" }`",
        ),
        (
            json!({ "virt": { "env": ["A"] } }),
            ".virt.env",
            " must be a table of strings, not a list",
            "write `env = { LOG_LEVEL = \"info\" }`",
        ),
        (
            json!({ "virt": { "allow-env": "HOME" } }),
            ".virt.allow-env",
            " must be a list of strings, not \"HOME\"",
            "write `allow-env = [\"HOME\"]`",
        ),
        (
            json!({ "virt": { "stdout": "block" } }),
            ".virt.stdout",
            " must be \"allow\", \"ignore\" or \"deny\", not \"block\"",
            "write `stdout = \"allow\"` (or \"ignore\", \"deny\")",
        ),
        (
            json!({ "virt": { "stdin": true } }),
            ".virt.stdin",
            " must be \"allow\", \"ignore\" or \"deny\", not true",
            "write `stdin = \"allow\"` (or \"ignore\", \"deny\")",
        ),
        (
            json!({ "virt": { "deny": "clocks" } }),
            ".virt.deny",
            " must be a list of capability names, not \"clocks\"",
            "write e.g. `deny = [\"clocks\", \"sockets\"]` (clocks, random, sockets, http, exit)",
        ),
        (
            json!({ "virt": { "deny": [7] } }),
            ".virt.deny[0]",
            " must be a string, not 7",
            "write e.g. `deny = [\"clocks\", \"sockets\"]` (clocks, random, sockets, http, exit)",
        ),
        (
            json!({ "virt": { "mount": { "data": "assets" } } }),
            ".virt.mount.data",
            ": guest path `data` is not absolute",
            "write `mount = { \"/data\" = \"assets\" }` (guest path = host directory)",
        ),
        (
            json!({ "virt": { "mount": { "/data": 1 } } }),
            ".virt.mount.\"/data\"",
            " must be a string, not 1",
            "write `mount = { \"/data\" = \"assets\" }` (guest path = host directory)",
        ),
    ];
    check(cases);
}

#[test]
fn malformed_sign_and_registry_tables_name_the_path_and_the_fix() {
    let sign = "write `[package.metadata.wasmcloud.sign]` with `keys = [\"release\"]` (names from `wash keys list`)";
    let registry = "write `[package.metadata.wasmcloud.registry]` with `reference = \"ghcr.io/acme/hello\"` (and optionally `insecure = true`)";
    let cases: &[(Value, &str, &str, &str)] = &[
        (
            json!({ "sign": [] }),
            ".sign",
            " must be a table, not a list",
            sign,
        ),
        (json!({ "sign": {} }), ".sign.keys", " is missing", sign),
        (
            json!({ "sign": { "keys": [] } }),
            ".sign.keys",
            " must be a non-empty list of key names, not an empty list",
            sign,
        ),
        (
            json!({ "sign": { "keys": ["release", "a b"] } }),
            ".sign.keys[1]",
            ": `a b` is not a key name (letters, digits, `.`, `_` and `-`, starting with a letter or digit)",
            sign,
        ),
        (
            json!({ "registry": {} }),
            ".registry.reference",
            " is missing",
            registry,
        ),
        (
            json!({ "registry": { "reference": "" } }),
            ".registry.reference",
            " must be a non-empty string, not \"\"",
            registry,
        ),
        (
            json!({ "registry": { "reference": "r", "insecure": "yes" } }),
            ".registry.insecure",
            " must be `true` or `false`, not \"yes\"",
            registry,
        ),
    ];
    check(cases);
}

fn check(cases: &[(Value, &str, &str, &str)]) {
    for (table, key, problem, fix) in cases {
        let (m, h) = error(table.clone());
        assert_eq!(m, msg(key, problem), "for {table}");
        assert_eq!(&h, fix, "for {table}");
    }
}

#[test]
fn mount_host_paths_are_relative_to_the_manifest() {
    let config = read(json!({ "virt": { "mount": { "/etc/app": "config" } } })).unwrap();
    let virt = config.virt.unwrap();
    assert_eq!(virt.mounts[0].guest, "/etc/app");
    assert_eq!(virt.mounts[0].host, Path::new("/ws/app/config"));
}

/// The `toml` block of docs/config.md, as `cargo metadata` would give `package.metadata`.
fn docs_example() -> Value {
    let start = DOCS
        .find("```toml\n")
        .expect("docs/config.md has a toml example")
        + 8;
    let len = DOCS[start..].find("```").expect("the example ends");
    let doc: toml_edit::Document<String> = DOCS[start..start + len]
        .to_string()
        .parse()
        .expect("the example is TOML");
    let root = to_json(doc.as_item());
    root["package"]["metadata"].clone()
}

fn to_json(item: &toml_edit::Item) -> Value {
    if let Some(table) = item.as_table_like() {
        return Value::Object(
            table
                .iter()
                .map(|(k, v)| (k.to_string(), to_json(v)))
                .collect(),
        );
    }
    match item.as_value().expect("a value") {
        toml_edit::Value::String(s) => Value::from(s.value().as_str()),
        toml_edit::Value::Integer(i) => Value::from(*i.value()),
        toml_edit::Value::Boolean(b) => Value::from(*b.value()),
        toml_edit::Value::Array(a) => a
            .iter()
            .map(|v| to_json(&toml_edit::Item::Value(v.clone())))
            .collect(),
        other => panic!("the example has no {}", other.type_name()),
    }
}

#[test]
fn the_example_in_the_docs_parses() {
    let config =
        WasmcloudConfig::from_metadata(&docs_example(), Path::new(MANIFEST)).expect("it parses");
    assert_eq!(config.namespace(), "acme");
    assert!(config.is_host_import("acme:kv/store@1.0.0"));
    assert!(config.is_host_import("wasmcloud:messaging/consumer@0.2.0"));
    assert!(!config.is_host_import("wasmcloud:postgres/query@0.1.1-draft"));
    assert_eq!(config.compose_plugs, ["../vendor/kv.wasm"]);
    let virt = config.virt.expect("virt");
    assert_eq!(virt.env, [("LOG_LEVEL".to_string(), "info".to_string())]);
    assert_eq!(virt.allow_env, ["HOME"]);
    assert_eq!(virt.stdin, StdioPolicy::Deny);
    assert_eq!(virt.stdout, StdioPolicy::Allow);
    assert_eq!(
        virt.deny,
        BTreeSet::from([Capability::Clocks, Capability::Sockets])
    );
    assert_eq!(virt.mounts[0].host, Path::new("/ws/app/config"));
    assert_eq!(
        config.dev_config,
        [("greeting".to_string(), "hello".to_string())]
    );
    assert_eq!(
        config.dev_keyvalue,
        Some(KeyValueBackend::Nats("nats://127.0.0.1:4222".into()))
    );
    assert_eq!(
        config.dev_blobstore,
        Some(BlobstoreBackend::Files("/ws/app/state/blobs".into()))
    );
    assert_eq!(
        config.dev_messaging,
        Some(MessagingBackend::Nats("nats://127.0.0.1:4222".into()))
    );
    assert_eq!(config.dev_subscriptions, ["orders.>", "ping"]);
    assert_eq!(config.sign.expect("sign").keys, ["release"]);
    let registry = config.registry.expect("registry");
    assert_eq!(registry.reference, "ghcr.io/acme/hello");
    assert!(!registry.insecure);
}

/// The keys in the first column of the reference table of docs/config.md.
fn documented_keys() -> BTreeSet<String> {
    let table = DOCS
        .split("\n| key |")
        .nth(1)
        .expect("docs/config.md has a `| key |` table");
    table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .flat_map(|l| {
            let cell = l.split('|').nth(1).unwrap_or("");
            cell.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_key_is_documented_and_every_documented_key_exists() {
    let known: BTreeSet<String> = keys().into_iter().collect();
    let documented = documented_keys();
    let undocumented: Vec<_> = known.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&known).collect();
    assert!(
        undocumented.is_empty(),
        "keys missing from docs/config.md's table: {undocumented:?}"
    );
    assert!(
        unknown.is_empty(),
        "docs/config.md documents keys the types do not have: {unknown:?}"
    );
    assert!(known.contains("virt.allow-env") && known.contains("registry.insecure"));
}

#[test]
fn every_key_and_table_has_its_error_texts() {
    let schema: BTreeSet<String> = schema().into_iter().map(|(k, _)| k).collect();
    let helped: BTreeSet<String> = raw::HELP.iter().map(|h| h.key.to_string()).collect();
    assert_eq!(schema, helped);
}

#[test]
fn every_known_key_is_accepted_and_a_slip_of_each_is_refused() {
    for key in keys() {
        let path: Vec<&str> = key.split('.').collect();
        let mut wrong = path.clone();
        let slip = format!("{}x", path[path.len() - 1]);
        *wrong.last_mut().unwrap() = &slip;
        let nest = |keys: &[&str]| {
            keys.iter()
                .rev()
                .fold(json!("\u{0}"), |inner, k| json!({ *k: inner }))
        };
        let err = read(nest(&wrong)).expect_err("a slip is refused");
        assert_eq!(err.problem, Problem::Unknown, "{err}");
        assert_eq!(err.key, wrong.join("."));
        let ok = read(nest(&path)).map_err(|e| e.problem);
        assert!(
            !matches!(ok, Err(Problem::Unknown)),
            "`{key}` is refused as unknown"
        );
    }
}

#[test]
fn near_misses_are_a_few_edits_away() {
    assert_eq!(distance("alow-env", "allow-env"), 1);
    assert_eq!(distance("dney", "deny"), 1);
    assert_eq!(distance("flavour", "virt"), 6);
    assert_eq!(distance("", "env"), 3);
}

#[test]
fn dev_keyvalue_takes_a_url_or_a_folder_relative_to_the_crate() {
    let kv = |value: &str| read(json!({ "dev": { "keyvalue": value } })).map(|c| c.dev_keyvalue);
    assert_eq!(
        kv("redis://127.0.0.1:6379/2").unwrap(),
        Some(KeyValueBackend::Redis("redis://127.0.0.1:6379/2".into()))
    );
    assert_eq!(
        kv("state/kv").unwrap(),
        Some(KeyValueBackend::Files("/ws/app/state/kv".into()))
    );
    assert_eq!(
        kv("/var/kv").unwrap(),
        Some(KeyValueBackend::Files("/var/kv".into()))
    );
    let (message, hint) = error(json!({ "dev": { "keyvalue": "etcd://127.0.0.1:2379" } }));
    assert_eq!(
        message,
        msg(
            ".dev.keyvalue",
            ": no keyvalue backend speaks `etcd://` (`etcd://127.0.0.1:2379`)"
        )
    );
    assert!(
        hint.contains("keyvalue = \"nats://127.0.0.1:4222\""),
        "{hint}"
    );
}

#[test]
fn dev_blobstore_takes_a_nats_url_or_a_folder_relative_to_the_crate() {
    let blobs =
        |value: &str| read(json!({ "dev": { "blobstore": value } })).map(|c| c.dev_blobstore);
    assert_eq!(
        blobs("nats://127.0.0.1:4222").unwrap(),
        Some(BlobstoreBackend::Nats("nats://127.0.0.1:4222".into()))
    );
    assert_eq!(
        blobs("blobs").unwrap(),
        Some(BlobstoreBackend::Files("/ws/app/blobs".into()))
    );
    assert_eq!(
        blobs("/var/blobs").unwrap(),
        Some(BlobstoreBackend::Files("/var/blobs".into()))
    );
    let (message, hint) = error(json!({ "dev": { "blobstore": "s3://bucket" } }));
    assert_eq!(
        message,
        msg(
            ".dev.blobstore",
            ": no blobstore backend speaks `s3://` (`s3://bucket`)"
        )
    );
    assert!(
        hint.contains("blobstore = \"nats://127.0.0.1:4222\""),
        "{hint}"
    );
}

#[test]
fn dev_messaging_and_subscriptions_are_checked_where_they_are_written() {
    let dev = |table: Value| read(json!({ "dev": table }));
    let config =
        dev(json!({ "messaging": "in-process", "subscriptions": ["a.*", "b.> workers"] })).unwrap();
    assert_eq!(config.dev_messaging, Some(MessagingBackend::InProcess));
    assert_eq!(config.dev_subscriptions, ["a.*", "b.> workers"]);
    let (message, hint) = error(json!({ "dev": { "messaging": "redis://127.0.0.1" } }));
    assert_eq!(
        message,
        msg(
            ".dev.messaging",
            ": `redis://127.0.0.1`: no messaging backend speaks `redis://`; use \
             `nats://HOST:PORT` or `in-process`"
        )
    );
    assert!(
        hint.contains("messaging = \"nats://127.0.0.1:4222\""),
        "{hint}"
    );
    let (message, hint) = error(json!({ "dev": { "subscriptions": ["ok", "a.>.b"] } }));
    assert_eq!(
        message,
        msg(
            ".dev.subscriptions[1]",
            ": cannot subscribe to `a.>.b`: `>` can only be the last token"
        )
    );
    assert!(hint.contains("`orders.>`"), "{hint}");
}

#[test]
fn deploy_settings_are_read_and_checked_and_subscriptions_default_to_dev() {
    let c = read(json!({
        "dev": { "subscriptions": ["orders.>"] },
        "deploy": { "name": "hello", "replicas": 3, "hostname": "hello.example.com",
                    "config": { "b": "2", "a": "1" } },
    }))
    .unwrap();
    assert_eq!(c.deploy.name.as_deref(), Some("hello"));
    assert_eq!(c.deploy.replicas, Some(3));
    assert_eq!(c.deploy.hostname.as_deref(), Some("hello.example.com"));
    assert_eq!(
        c.deploy.config,
        [("a".into(), "1".into()), ("b".into(), "2".into())]
    );
    assert_eq!(c.deploy.subscriptions, ["orders.>"]);
    let (m, h) = error(json!({ "deploy": { "name": "Hello_World" } }));
    assert!(
        m.contains("`package.metadata.wasmcloud.deploy.name`: `Hello_World` is not a DNS label"),
        "{m}"
    );
    assert_eq!(h, "write e.g. `name = \"hello-world\"`");
    let (m, _) = error(json!({ "deploy": { "replicas": -1 } }));
    assert!(m.contains("deploy.replicas"), "{m}");
}

#[test]
fn plugin_settings_are_kept_as_they_are_and_must_be_tables() {
    let c = read(json!({
        "plugins": { "size-budget": { "max": "2 MiB", "strict": true } },
    }))
    .unwrap();
    assert_eq!(c.plugins["size-budget"]["max"], "2 MiB");
    assert_eq!(c.plugins["size-budget"]["strict"], true);
    let (m, h) = error(json!({ "plugins": { "size-budget": 3 } }));
    assert!(m.contains("plugins"), "{m}");
    assert!(
        h.contains("[package.metadata.wasmcloud.plugins.size-budget]"),
        "{h}"
    );
}
