//! What every command shares: the `--json` schema (a `reason` tag on every line, one snapshot
//! of each message's shape), the global flags (`-q`, `-v`, `--color`, `NO_COLOR`), exit codes
//! (1 for errors, 2 for usage), hints printed from the error chain, and keys resolved before
//! any network call.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

use crate::support::*;

/// The shape of a JSON value: each leaf replaced by its type, lists by their first element's
/// shape. This is the schema a consumer relies on, free of paths, digests and sizes.
fn shape(v: &Value) -> Value {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "bool".into(),
        Value::Number(_) => "number".into(),
        Value::String(_) => "string".into(),
        Value::Array(items) => Value::Array(items.first().map(shape).into_iter().collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
    }
}

/// Every stdout line of a successful run, parsed.
fn json_lines(cmd: &mut Command) -> Vec<Value> {
    let out = run(cmd, true);
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

/// A component that imports `acme:demo/api`, and one that exports it.
const ROOT_WAT: &str = r#"(component (import "acme:demo/api" (instance (export "f" (func)))))"#;
const PLUG_WAT: &str = r#"(component
  (core module $m (func (export "f")))
  (core instance $i (instantiate $m))
  (func $f (canon lift (core func $i "f")))
  (instance $api (export "f" (func $f)))
  (export "acme:demo/api" (instance $api)))"#;

#[test]
fn every_json_line_is_a_tagged_message_of_a_documented_shape() {
    let tmp = temp_dir();
    let keys = tmp.path().join("keys");
    let with_keys = |args: &[&str]| {
        let mut cmd = wash();
        cmd.env("WASH_KEYS_DIR", &keys)
            .args(args)
            .current_dir(tmp.path());
        cmd
    };
    let mut messages: BTreeMap<String, Value> = BTreeMap::new();
    let mut record = |lines: Vec<Value>| {
        for line in lines {
            let reason = line["reason"]
                .as_str()
                .unwrap_or_else(|| panic!("untagged line: {line}"))
                .to_string();
            messages.entry(reason.clone()).or_insert_with(|| {
                let mut shape = shape(&line);
                shape["reason"] = reason.into();
                shape
            });
        }
    };
    let app = greeter().wasm.display().to_string();
    let signed = tmp.path().join("signed.wasm").display().to_string();
    let virt = tmp.path().join("virt.wasm").display().to_string();
    record(json_lines(wash().args(["new", "--list", "--json"])));
    record(json_lines(
        wash()
            .args(["new", "--json", "--template", "cli-hello"])
            .arg(tmp.path().join("made")),
    ));
    record(json_lines(
        wash().args(["build", "--json"]).current_dir(&greeter().dir),
    ));
    record(json_lines(wash().args(["inspect", "--json", &app])));
    record(json_lines(wash().args(["call", "--json", &app, "--list"])));
    record(json_lines(wash().args([
        "call",
        "--json",
        &app,
        "greet",
        "{name: \"A\", age: none}",
    ])));
    record(json_lines(
        wash().args(["wit", "--json"]).current_dir(&greeter().dir),
    ));
    record(json_lines(&mut with_keys(&["keys", "new", "--json", "k"])));
    record(json_lines(&mut with_keys(&["keys", "list", "--json"])));
    record(json_lines(&mut with_keys(&[
        "sign", "--json", "-k", "k", &app, "-o", &signed,
    ])));
    record(json_lines(&mut with_keys(&["verify", "--json", &signed])));
    record(json_lines(
        wash().args(["virt", "--json", "--env", "A=b", &app, "-o", &virt]),
    ));
    let root = wat_file(tmp.path(), "root.wasm", ROOT_WAT)
        .display()
        .to_string();
    let plug = wat_file(tmp.path(), "plug.wasm", PLUG_WAT)
        .display()
        .to_string();
    record(json_lines(wash().args([
        "compose",
        "--json",
        "--dry-run",
        &root,
        "--plug",
        &plug,
    ])));
    let registry = crate::registry::Registry::start();
    let reference = registry.reference("shape:1");
    record(json_lines(
        wash().args(["push", "--json", &reference, &app]),
    ));
    record(json_lines(
        wash()
            .args(["pull", "--json", &reference, "-o"])
            .arg(tmp.path().join("pulled.wasm")),
    ));
    record(json_lines(wash().args(["deploy", "--json", &reference])));
    let nats = crate::servers::nats();
    let _host = crate::lattice::StandIn::start(&nats.url, "HOST", "default");
    record(json_lines(wash().args([
        "deploy",
        "--json",
        "--lattice",
        &nats.url,
        "--lattice-wait",
        "1",
        "--stop",
        "--name",
        "shape",
    ])));
    // A plugin, in a wash home of its own (an installed plugin is seen by every wash sharing it).
    let plugin_home = tmp.path().join("plugin-home");
    let context = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/plugins/wash-context/wash-context"
    );
    record(json_lines(
        wash()
            .env("WASH_HOME", &plugin_home)
            .args(["plugin", "install", "--json", context]),
    ));
    let reasons: Vec<&str> = messages.keys().map(String::as_str).collect();
    assert_eq!(
        reasons,
        [
            "call-result",
            "component-built",
            "component-pulled",
            "component-pushed",
            "component-signed",
            "component-virtualized",
            "composition",
            "deployment",
            "function",
            "inspection",
            "key",
            "plugin",
            "project-created",
            "rollout",
            "template",
            "verification",
            "wit",
        ]
    );
    // Every reason is documented.
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/commands.md")).unwrap();
    for reason in &reasons {
        assert!(
            docs.contains(&format!("`{reason}`")),
            "docs/commands.md lacks `{reason}`"
        );
    }
    for (reason, shape) in &messages {
        redactions().bind(|| {
            insta::assert_json_snapshot!(format!("json-{reason}"), shape);
        });
    }
}

#[test]
fn quiet_prints_no_status_and_verbose_prints_timings() {
    let fixture = cli_hello();
    let out = run(wash().args(["-q", "build"]).current_dir(&fixture.dir), true);
    assert_eq!(stderr(&out), "", "-q printed on stderr");
    let out = run(wash().args(["build", "-v"]).current_dir(&fixture.dir), true);
    let err = stderr(&out);
    assert!(err.contains("Finished"), "{err}");
    assert!(err.contains(" ms"), "{err}");
    assert!(err.contains("Component"), "{err}");
}

#[test]
fn color_is_asked_for_or_refused_and_no_color_is_honoured() {
    let missing = "no-such-file.wasm";
    let err_with = |args: &[&str], no_color: bool| {
        let mut cmd = wash();
        if !no_color {
            cmd.env_remove("NO_COLOR");
        }
        stderr(&run(cmd.args(args).arg("inspect").arg(missing), false))
    };
    assert!(err_with(&["--color", "always"], false).contains("\x1b["));
    assert!(!err_with(&["--color", "never"], false).contains("\x1b["));
    // Not a terminal: no colour under `auto`.
    assert!(!err_with(&[], false).contains("\x1b["));
    assert!(!err_with(&["--color", "auto"], true).contains("\x1b["));
}

#[test]
fn exit_codes_tell_errors_from_usage_errors() {
    let out = wash()
        .args(["inspect", "no-such-file.wasm"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = wash().args(["inspect", "--no-such-flag"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = wash().arg("no-such-command").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn a_hint_is_printed_once_after_the_causes() {
    let tmp = temp_dir();
    let core = wat_file(tmp.path(), "core.wasm", "(module)");
    let out = run(wash().arg("inspect").arg(&core), false);
    let err = stderr(&out);
    let help = err
        .find("help: build it for `wasm32-wasip2`")
        .expect("a hint");
    assert!(err.find("Caused by:").unwrap() < help, "{err}");
    assert_eq!(err.matches("help:").count(), 1, "{err}");
}

#[test]
fn verify_keys_are_resolved_before_the_registry_is_asked() {
    // Nothing listens on port 9: were the key looked up after connecting, this would say the
    // registry is unreachable instead of naming the key.
    let tmp = temp_dir();
    for args in [
        &["pull", "--verify-key", "no-such-key", "127.0.0.1:9/app:1"][..],
        &["run", "--verify-key", "no-such-key", "127.0.0.1:9/app:1"][..],
    ] {
        let out = run(
            wash()
                .env("WASH_KEYS_DIR", tmp.path().join("keys"))
                .args(args)
                .current_dir(tmp.path()),
            false,
        );
        let err = stderr(&out);
        assert!(err.contains("no key named `no-such-key`"), "{err}");
        assert!(!err.contains("could not reach"), "{err}");
        assert!(
            err.contains("help: create one with `wash keys new no-such-key`"),
            "{err}"
        );
    }
}
