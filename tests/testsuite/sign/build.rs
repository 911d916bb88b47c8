//! `[package.metadata.wasmcloud.sign]`: `wash build` signs each finished component last.

use std::path::{Path, PathBuf};

use super::Keys;
use crate::support::*;

/// `[package.metadata.wasmcloud.sign]`: `wash build` signs as its last step — after
/// virtualization here — and a no-op rebuild leaves the signed file as it was.
#[test]
fn build_signs_the_finished_component() {
    let keys = Keys::new();
    keys.create(&["release"]);
    let project = keys.path("signed-probe");
    let probe = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli-probe");
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::copy(probe.join("src/main.rs"), project.join("src/main.rs")).unwrap();
    let manifest = project.join("Cargo.toml");
    let text = "[package]\nname = \"signed-probe\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                [workspace]\n\n[package.metadata.wasmcloud.virt]\nenv = { GREETING = \"hi\" }\n";
    std::fs::write(
        &manifest,
        format!("{text}\n[package.metadata.wasmcloud.sign]\nkeys = [\"release\"]\n"),
    )
    .unwrap();
    let build = || {
        let out = run(
            keys.wash().args(["build", "--json"]).current_dir(&project),
            true,
        );
        serde_json::from_str::<serde_json::Value>(stdout(&out).trim()).unwrap()
    };
    let v = build();
    let wasm = PathBuf::from(v["path"].as_str().unwrap());
    let release = stdout(&run(
        keys.wash().args(["keys", "show", "release", "--json"]),
        true,
    ));
    let release: serde_json::Value = serde_json::from_str(release.trim()).unwrap();
    assert_eq!(v["signed_by"], serde_json::json!([release["key_id"]]));
    let bytes = std::fs::read(&wasm).unwrap();
    assert_eq!(v["digest"], wash::artifact::sha256_digest(&bytes));
    keys.verify(&wasm, &["--key", "release"], true);

    // The signature covers the virtualized component, which runs with the baked-in env.
    let out = run(
        wash().arg("run").arg(&wasm).args(["--", "env", "GREETING"]),
        true,
    );
    assert!(
        stdout(&out).starts_with("env GREETING=hi\n"),
        "{}",
        stdout(&out)
    );

    let again = build();
    assert_eq!(again["digest"], v["digest"], "a rebuild signs identically");
    keys.verify(&wasm, &["--key", "release"], true);

    // A key the config names but the store lacks: the error names the manifest and the key.
    std::fs::write(
        &manifest,
        format!("{text}\n[package.metadata.wasmcloud.sign]\nkeys = [\"ci\"]\n"),
    )
    .unwrap();
    let err = stderr(&run(keys.wash().arg("build").current_dir(&project), false));
    assert!(
        err.contains("`package.metadata.wasmcloud.sign.keys` names a key that cannot sign"),
        "{err}"
    );
    assert!(err.contains("no key named `ci`"), "{err}");
    assert!(err.contains("wash keys new ci"), "{err}");

    std::fs::write(
        &manifest,
        format!("{text}\n[package.metadata.wasmcloud.sign]\nkey = \"release\"\n"),
    )
    .unwrap();
    let err = stderr(&run(keys.wash().arg("build").current_dir(&project), false));
    assert!(
        err.contains("`package.metadata.wasmcloud.sign.key` is not a setting wash knows"),
        "{err}"
    );
}

/// A workspace build composes the caller with the greeter, then signs: the signature covers
/// the composed component (a signature made before composing would not survive it).
#[test]
fn build_signs_after_composing() {
    let keys = Keys::new();
    keys.create(&["release"]);
    let ws = crate::composition::two_crate_workspace();
    let manifest = ws.path().join("greet-caller/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        format!("{text}\n[package.metadata.wasmcloud.sign]\nkeys = [\"release\"]\n"),
    )
    .unwrap();
    // Its own target dir: the workspace's `greeter` would replace the greeter fixture's.
    let target = shared_target_dir().with_file_name("wasm-target-sign");
    let out = run(
        keys.wash()
            .args(["build", "--json"])
            .current_dir(ws.path())
            .env("CARGO_TARGET_DIR", &target),
        true,
    );
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let caller = lines.iter().find(|v| v["name"] == "greet-caller").unwrap();
    let greeter = lines.iter().find(|v| v["name"] == "greeter").unwrap();
    assert_eq!(caller["composed_from"], serde_json::json!(["greeter"]));
    assert_eq!(caller["signed_by"].as_array().unwrap().len(), 1);
    assert_eq!(
        greeter["signed_by"],
        serde_json::json!([]),
        "not configured"
    );
    let caller_wasm = PathBuf::from(caller["path"].as_str().unwrap());
    keys.verify(&caller_wasm, &["--key", "release"], true);
    let err = keys.verify(
        Path::new(greeter["path"].as_str().unwrap()),
        &["--key", "release"],
        false,
    );
    assert!(err.contains("not signed"), "{err}");
    let out = run(
        wash().arg("run").arg(&caller_wasm).args(["--", "Ada"]),
        true,
    );
    assert!(
        stdout(&out).starts_with("Hello, Ada (7)!"),
        "{}",
        stdout(&out)
    );
}
