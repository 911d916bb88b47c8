//! `wash run` hosting wasi:keyvalue, wasi:config and wasi:logging (issue 12): a real component
//! (`tests/fixtures/kv-probe`) on real wasmtime; and the one error for imports nothing hosts.

use std::path::Path;
use std::process::Output;

use crate::support::*;

/// `wash run ARGS… kv-probe.wasm` with its keyvalue store in `kv`.
fn probe(kv: &Path, args: &[&str]) -> Output {
    let f = kv_probe();
    run(
        wash()
            .arg("run")
            .arg("--keyvalue")
            .arg(kv)
            .args(args)
            .arg(&f.wasm),
        true,
    )
}

fn line<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no `{key}=` line in:\n{out}"))
}

#[test]
fn a_counter_in_the_default_bucket_persists_across_runs() {
    let tmp = temp_dir();
    let kv = tmp.path().join("kv");
    let first = stdout(&probe(&kv, &[]));
    assert_eq!(line(&first, "runs"), "1");
    assert_eq!(line(&first, "get-many"), "a:1,b:2,none");
    assert_eq!(line(&first, "keys"), "a,b,runs cursor=None");
    let second = probe(&kv, &[]);
    assert_eq!(line(&stdout(&second), "runs"), "2");
    // Decimal text, as wasmCloud's backends keep counters.
    let file = std::fs::read_to_string(kv.join("default.json")).unwrap();
    assert!(
        file.contains("\"runs\": {\n    \"text\": \"2\"\n  }"),
        "{file}"
    );
    let err = stderr(&second);
    assert!(err.contains("Hosting keyvalue: files in "), "{err}");
}

#[test]
fn config_flags_reach_the_component() {
    let tmp = temp_dir();
    let out = stdout(&probe(tmp.path(), &[]));
    assert_eq!(line(&out, "greeting"), "<none>");
    let out = probe(tmp.path(), &["--config", "greeting=hi", "--config", "x=1"]);
    assert_eq!(line(&stdout(&out), "greeting"), "hi");
    assert_eq!(line(&stdout(&out), "config-keys"), "greeting,x");
    assert!(
        stderr(&out).contains("Hosting config: 2 values (greeting, x)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn log_lines_go_to_stderr_filtered_by_level() {
    let tmp = temp_dir();
    let err = stderr(&probe(tmp.path(), &[]));
    assert!(err.contains("  INFO kv-probe: starting\n"), "{err}");
    assert!(err.contains("  INFO kv-probe: incremented to 1\n"), "{err}");
    assert!(!err.contains("DEBUG"), "{err}");
    let err = stderr(&probe(tmp.path(), &["--log-level", "debug"]));
    assert!(err.contains(" DEBUG kv-probe: a debug detail\n"), "{err}");
    let err = stderr(&probe(tmp.path(), &["--log-level", "warn"]));
    assert!(!err.contains("kv-probe:"), "{err}");
}

#[test]
fn a_built_crate_gets_its_dev_config_and_a_store_in_its_target_dir() {
    let f = kv_probe();
    let out = run(wash().arg("run").current_dir(&f.dir), true);
    assert_eq!(line(&stdout(&out), "greeting"), "from-cargo-toml");
    assert_eq!(line(&stdout(&out), "config-keys"), "flavour,greeting");
    let err = stderr(&out);
    let dir = shared_target_dir().join("wasmcloud/dev/keyvalue");
    assert!(
        err.contains(&format!("Hosting keyvalue: files in {}", dir.display())),
        "{err}"
    );
    assert!(dir.join("default.json").is_file());
    // Flags override Cargo.toml.
    let out = run(
        wash()
            .args(["run", "--config", "greeting=flag"])
            .current_dir(&f.dir),
        true,
    );
    assert_eq!(line(&stdout(&out), "greeting"), "flag");
    assert_eq!(line(&stdout(&out), "config-keys"), "flavour,greeting");
}

#[test]
fn imports_nothing_hosts_fail_with_one_error_naming_each() {
    let tmp = temp_dir();
    let wasm = wat_file(
        tmp.path(),
        "needs-more.wasm",
        r#"(component
  (import "acme:kv/store@1.0.0" (instance (export "ping" (func))))
  (import "wasmcloud:postgres/query@0.2.0" (instance (export "ping" (func))))
  (import "wasi:keyvalue/store@0.2.0-draft" (instance))
  (core module $m (func (export "run") (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $runner (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $runner))
)"#,
    );
    let out = run(wash().arg("run").arg(&wasm), false);
    let err = stderr(&out);
    assert!(!err.contains("matching implementation"), "{err}");
    assert!(
        err.contains(
            "imports what `wash run` does not provide:\n  \
             - acme:kv/store@1.0.0: plug a component that exports it with `wash compose`, or \
             list it in `host-imports` if your platform provides it\n  \
             - wasmcloud:postgres/query@0.2.0: hosted by wasmCloud, not yet by `wash run`\n"
        ),
        "{err}"
    );
    // Nothing is reported as hosted for a component that cannot run.
    assert!(!err.contains("Hosting"), "{err}");
    assert!(!err.contains("- wasi:keyvalue"), "{err}");
    assert!(err.contains("help: docs/capabilities.md lists"), "{err}");
}

/// The `http-keyvalue` template, as a new user meets it: no WIT or config file, served by
/// `wash run`, its counter kept in the embedded store across requests and restarts.
#[test]
fn http_keyvalue_template_counts_in_the_embedded_store_across_restarts() {
    let tmp = temp_dir();
    let app = tmp.path().join("counter");
    run(
        wash()
            .args(["new", "--template", "http-keyvalue"])
            .arg(&app),
        true,
    );
    let files: Vec<String> = std::fs::read_dir(&app)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files
            .iter()
            // `vendor/` is wash-sdk's copy (wash new vendors it), not configuration.
            .all(|f| ["Cargo.toml", "src", "vendor"].contains(&f.as_str())),
        "{files:?}"
    );
    let serve = || {
        let mut cmd = wash();
        cmd.arg("run").current_dir(&app);
        crate::run::Server::start_cmd(cmd)
    };
    // `/ has been visited N time(s)`: N. The store is the shared test target dir's, kept from
    // earlier test runs, so counts are checked relative to the first.
    let count = |server: &crate::run::Server, path: &str| -> u64 {
        let response = server.get(path);
        let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
        let prefix = format!("{path} has been visited ");
        body.strip_prefix(&prefix)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unexpected answer: {response}"))
    };
    let server = serve();
    let first = count(&server, "/");
    assert_eq!(count(&server, "/"), first + 1);
    let docs = count(&server, "/docs");
    assert!(docs >= 1);
    assert!(server.interrupt().success());
    // A restart reads the same store: the count goes on.
    let server = serve();
    assert_eq!(count(&server, "/"), first + 2);
    assert!(server.interrupt().success());
}
