//! `wash virt` and `[package.metadata.wasmcloud.virt]`: WASI answered inside the component.
//! Every output is run in wasmtime with no grants beyond what each test names, and validated.

use std::path::{Path, PathBuf};

use crate::support::*;

/// `wash virt` of the cli-probe fixture with `args`, into `dir`; returns the output path.
fn virt(dir: &Path, args: &[&str]) -> PathBuf {
    let out = dir.join("virt.wasm");
    run(
        wash()
            .arg("virt")
            .arg(&cli_probe().wasm)
            .arg("-o")
            .arg(&out)
            .args(args),
        true,
    );
    out
}

fn imports(wasm: &Path) -> Vec<String> {
    let out = run(wash().args(["inspect", "--json"]).arg(wasm), true);
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    v["world"]["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_string())
        .collect()
}

fn probe(wasm: &Path, run_args: &[&str], probe: &[&str], ok: bool) -> std::process::Output {
    run(
        wash()
            .arg("run")
            .arg(wasm)
            .args(run_args)
            .arg("--")
            .args(probe),
        ok,
    )
}

#[test]
fn baked_env_and_allowed_host_vars_are_all_the_component_sees() {
    let tmp = temp_dir();
    let out = virt(
        tmp.path(),
        &["--env", "GREETING=hi there", "--allow-env", "KEEP"],
    );
    let o = probe(
        &out,
        &["--env", "KEEP=kept", "--env", "DROP=dropped"],
        &["env", "GREETING", "KEEP", "DROP"],
        true,
    );
    assert_eq!(
        stdout(&o),
        "env GREETING=hi there\nenv KEEP=kept\nenv DROP unset\nenv count=2\n"
    );
    // Without an allow list the host's variables are hidden entirely.
    let out = virt(tmp.path(), &["--env", "A=1"]);
    let o = probe(&out, &["--env", "B=2"], &["env", "A", "B"], true);
    assert_eq!(stdout(&o), "env A=1\nenv B unset\nenv count=1\n");
}

#[test]
fn denied_capabilities_trap_and_are_no_longer_imported() {
    let tmp = temp_dir();
    let before = imports(&cli_probe().wasm);
    assert!(before.iter().any(|i| i.starts_with("wasi:cli/exit@")));
    assert!(
        before
            .iter()
            .any(|i| i.starts_with("wasi:clocks/wall-clock@"))
    );

    let out = virt(tmp.path(), &["--deny", "exit,clocks", "--deny", "http"]);
    let after = imports(&out);
    assert!(
        !after.iter().any(|i| i.starts_with("wasi:cli/exit@")),
        "{after:?}"
    );
    // `wall-clock` stays imported for its `datetime` type, which `wasi:filesystem` uses; the
    // component's calls go to the adapter (the `time` probe below traps).
    // Only 0.2.x versions the component itself uses: nothing of the adapters' own release.
    assert!(!after.iter().any(|i| i.ends_with("@0.2.12")), "{after:?}");

    let o = probe(&out, &[], &["exit", "3"], false);
    assert!(stderr(&o).contains("unreachable"), "{}", stderr(&o));
    assert_ne!(o.status.code(), Some(3));
    let o = probe(&out, &[], &["time"], false);
    assert!(stderr(&o).contains("unreachable"), "{}", stderr(&o));
    // What is not denied still works.
    let o = probe(&out, &["--env", "X=1"], &["env", "X"], true);
    assert_eq!(stdout(&o), "env X unset\nenv count=0\n");
}

/// Denied sockets and http return their interfaces' errors (not traps), and the component no
/// longer imports the functions that would reach the host's network.
#[test]
fn denied_sockets_and_http_return_access_denied_errors() {
    let tmp = temp_dir();
    let net = &net_probe().wasm;
    let before = imports(net);
    let out = tmp.path().join("net.wasm");
    run(
        wash()
            .arg("virt")
            .arg(net)
            .arg("-o")
            .arg(&out)
            .args(["--deny", "sockets,http"]),
        true,
    );
    let after = imports(&out);
    for gone in [
        "wasi:http/outgoing-handler@",
        "wasi:sockets/tcp-create-socket@",
        "wasi:sockets/instance-network@",
        "wasi:sockets/ip-name-lookup@",
    ] {
        assert!(before.iter().any(|i| i.starts_with(gone)), "{before:?}");
        assert!(!after.iter().any(|i| i.starts_with(gone)), "{after:?}");
    }
    let said = |args: &[&str]| stdout(&run(wash().arg("run").arg(&out).arg("--").args(args), true));
    assert_eq!(
        said(&["http"]),
        "http failed ErrorCode::HttpRequestDenied\n"
    );
    assert_eq!(said(&["connect"]), "connect failed PermissionDenied\n");
}

#[test]
fn the_component_does_not_import_http_so_denying_it_warns() {
    let tmp = temp_dir();
    let out = tmp.path().join("v.wasm");
    let o = run(
        wash()
            .arg("virt")
            .arg(&cli_probe().wasm)
            .arg("-o")
            .arg(&out)
            .args(["--deny", "http,sockets", "--json"]),
        true,
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(
        v["report"]["not_imported"],
        serde_json::json!(["sockets", "http"])
    );
    assert!(v["added"].as_i64().unwrap() > 0);
}

#[test]
fn a_denied_stream_traps_when_used() {
    let tmp = temp_dir();
    let out = virt(tmp.path(), &["--stdout", "deny"]);
    let o = probe(&out, &[], &["env", "X"], false);
    assert!(stderr(&o).contains("unreachable"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

/// A component of WASI 0.2.0 (the adapters are built against a later 0.2 release): its
/// `exit` is denied, and its `monotonic-clock` (whose `pollable` is a `wasi:io@0.2.0`
/// resource) is virtualized at 0.2.0 too.
#[test]
fn components_of_an_older_wasi_patch_release_are_virtualized_at_their_version() {
    let tmp = temp_dir();
    let wit = r#"
        package test:old;
        world old {
          import wasi:clocks/monotonic-clock@0.2.0;
          import wasi:cli/exit@0.2.0;
          export wasi:cli/run@0.2.0;
        }
        package wasi:io@0.2.0 { interface poll { resource pollable; } }
        package wasi:clocks@0.2.0 {
          interface monotonic-clock {
            use wasi:io/poll@0.2.0.{pollable};
            subscribe-duration: func(when: u64) -> pollable;
          }
        }
        package wasi:cli@0.2.0 {
          interface exit { exit: func(status: result); }
          interface run { run: func() -> result; }
        }
    "#;
    let mut module = wat::parse_str(
        r#"(module
            (import "wasi:clocks/monotonic-clock@0.2.0" "subscribe-duration" (func (param i64) (result i32)))
            (import "wasi:cli/exit@0.2.0" "exit" (func $exit (param i32)))
            (func (export "wasi:cli/run@0.2.0#run") (result i32)
              (call $exit (i32.const 1))
              (i32.const 0)))"#,
    )
    .unwrap();
    let mut resolve = wit_parser::Resolve::default();
    let pkg = resolve.push_str("old.wit", wit).unwrap();
    let world = resolve.select_world(&[pkg], Some("old")).unwrap();
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .unwrap();
    let component = wit_component::ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .encode()
        .unwrap();
    let old = tmp.path().join("old.wasm");
    std::fs::write(&old, component).unwrap();
    // As built, it exits with status 1.
    let o = run(wash().arg("run").arg(&old), false);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));

    let out = tmp.path().join("old.virt.wasm");
    run(
        wash().arg("virt").arg(&old).args(["--deny", "exit,clocks"]),
        true,
    );
    let after = imports(&out);
    assert_eq!(after, ["wasi:io/poll@0.2.0"]);
    let o = run(wash().arg("run").arg(&out), false);
    assert!(stderr(&o).contains("unreachable"), "{}", stderr(&o));
}

#[test]
fn cargo_toml_virt_is_applied_by_wash_build() {
    let tmp = temp_dir();
    let dir = tmp.path();
    let probe_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli-probe");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::copy(probe_dir.join("src/main.rs"), dir.join("src/main.rs")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"virt-probe\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
         [package.metadata.wasmcloud.virt]\nenv = { GREETING = \"from Cargo.toml\" }\n\
         deny = [\"exit\"]\nmount = { \"/etc/app\" = \"config\" }\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::write(dir.join("config/app.toml"), "level = 2").unwrap();
    let wasm = build_json(dir);
    let o = probe(&wasm, &[], &["env", "GREETING"], true);
    assert_eq!(stdout(&o), "env GREETING=from Cargo.toml\nenv count=1\n");
    // The mount's host path is relative to Cargo.toml.
    let o = probe(&wasm, &[], &["read", "/etc/app/app.toml"], true);
    assert_eq!(stdout(&o), "read ok level = 2\n");
    let o = probe(&wasm, &[], &["exit", "3"], false);
    assert!(stderr(&o).contains("unreachable"), "{}", stderr(&o));
    // A second build virtualizes the fresh cargo output again, not the virtualized file.
    let again = build_json(dir);
    let o = probe(&again, &[], &["env", "GREETING"], true);
    assert_eq!(stdout(&o), "env GREETING=from Cargo.toml\nenv count=1\n");

    // A misspelled capability names the field and the choices.
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        manifest.replace("\"exit\"", "\"time\""),
    )
    .unwrap();
    let o = run(wash().arg("build").current_dir(dir), false);
    redactions().bind(|| {
        insta::assert_snapshot!("virt-config-unknown-capability", scrub(&stderr(&o), dir))
    });
}

#[test]
fn bad_input_and_unsupported_options_are_clear_errors() {
    let tmp = temp_dir();
    let core = wat_file(tmp.path(), "core.wasm", "(module)");
    let o = run(wash().arg("virt").arg(&core), false);
    assert!(!tmp.path().join("core.virt.wasm").exists());
    redactions()
        .bind(|| insta::assert_snapshot!("virt-error-core-module", scrub(&stderr(&o), tmp.path())));
    // Files need wasi:io made inside the component; an HTTP component's streams cannot pass
    // through it yet, and the error says so instead of producing something half-working.
    std::fs::create_dir_all(tmp.path().join("assets")).unwrap();
    let o = run(
        wash()
            .arg("virt")
            .arg(&http_hello().wasm)
            .arg("-o")
            .arg(tmp.path().join("m.wasm"))
            .arg("--mount")
            .arg(format!("/data={}", tmp.path().join("assets").display())),
        false,
    );
    assert!(!tmp.path().join("m.wasm").exists());
    assert!(stderr(&o).contains("wasi:http/"), "{}", stderr(&o));
    assert!(stderr(&o).contains("not supported yet"), "{}", stderr(&o));
    // A mount of a folder that is not there names it.
    let o = run(
        wash()
            .arg("virt")
            .arg(&cli_probe().wasm)
            .arg("-o")
            .arg(tmp.path().join("m.wasm"))
            .args(["--mount", "/data=/no/such/dir"]),
        false,
    );
    assert!(stderr(&o).contains("/no/such/dir"), "{}", stderr(&o));
    assert!(!tmp.path().join("m.wasm").exists());
}

#[test]
fn mounted_directories_are_embedded_read_only() {
    let tmp = temp_dir();
    let assets = tmp.path().join("assets");
    std::fs::create_dir_all(assets.join("sub")).unwrap();
    std::fs::write(assets.join("a.txt"), "hello file\n").unwrap();
    std::fs::write(assets.join("sub/b.txt"), "nested\n").unwrap();
    let out = virt(
        tmp.path(),
        &["--mount", &format!("/data={}", assets.display())],
    );
    // The host folder is gone: the files live in the component now.
    std::fs::remove_dir_all(&assets).unwrap();
    let read = |path: &str| stdout(&probe(&out, &[], &["read", path], true));
    assert_eq!(read("/data/a.txt"), "read ok hello file\n");
    assert_eq!(read("/data/sub/b.txt"), "read ok nested\n");
    assert_eq!(read("/data/sub/../a.txt"), "read ok hello file\n");
    assert!(read("/data/../etc/passwd").starts_with("read failed"));
    assert!(read("/data/missing").starts_with("read failed No such file"));
    let o = probe(&out, &[], &["write", "/data/new.txt", "x"], true);
    assert!(
        stdout(&o).starts_with("write failed Read-only"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn an_ignored_stream_swallows_output() {
    let tmp = temp_dir();
    let out = virt(tmp.path(), &["--stdout", "ignore", "--env", "X=1"]);
    let o = probe(&out, &[], &["env", "X"], true);
    assert_eq!(stdout(&o), "");
    let v = run(wash().args(["inspect", "--json"]).arg(&out), true);
    let v: serde_json::Value = serde_json::from_str(stdout(&v).trim()).unwrap();
    assert_eq!(v["virt"]["ignore_stdio"], serde_json::json!(["stdout"]));
}

fn scrub(text: &str, dir: &Path) -> String {
    text.lines()
        .filter(|l| {
            !l.trim_start().starts_with("Finished") && !l.trim_start().starts_with("Compiling")
        })
        .collect::<Vec<_>>()
        .join("\n")
        .replace(&dir.display().to_string(), "[DIR]")
}

#[test]
fn inspect_shows_the_nested_components_and_what_was_virtualized() {
    let tmp = temp_dir();
    let once = virt(tmp.path(), &["--env", "A=1", "--deny", "exit"]);
    let twice = tmp.path().join("twice.wasm");
    run(
        wash()
            .arg("virt")
            .arg(&once)
            .arg("-o")
            .arg(&twice)
            .args(["--stdout", "deny"]),
        true,
    );
    let out = run(wash().args(["inspect", "--json"]).arg(&twice), true);
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let names = |parts: &serde_json::Value| -> Vec<String> {
        parts
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    // The outer virtualization wraps the first one, which wraps the probe.
    let outer = &v["composition"];
    assert_eq!(
        names(outer),
        [
            "wash-virt:env-config",
            "wash-virt:env",
            "wash-virt:deny-stdio",
            "component"
        ]
    );
    let inner = &outer[3]["parts"];
    assert_eq!(
        names(inner),
        [
            "wash-virt:env-config",
            "wash-virt:env",
            "wash-virt:deny-exit",
            "component"
        ]
    );
    assert_eq!(v["virt"]["deny_stdio"], serde_json::json!(["stdout"]));
    // The text form lists the same.
    let out = run(wash().arg("inspect").arg(&once), true);
    let text = stdout(&out);
    assert!(text.contains("composed of  wash-virt:env-config"), "{text}");
    assert!(text.contains("env baked in: A"), "{text}");
    assert!(text.contains("denied: exit"), "{text}");
}
