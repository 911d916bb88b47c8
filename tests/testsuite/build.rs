//! `wash build`: real cargo builds for wasm32-wasip2, the placed component, and the refusals.

use std::path::Path;

use crate::support::*;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn places_a_valid_component_in_target_wasmcloud() {
    let f = http_hello();
    assert_eq!(
        f.wasm,
        shared_target_dir().join("wasmcloud/http-fixture.wasm")
    );
    let bytes = std::fs::read(&f.wasm).unwrap();
    assert!(wasmparser::Parser::is_component(&bytes));
    wasmparser::Validator::new()
        .validate_all(&bytes)
        .expect("valid component");
}

#[test]
fn json_reports_path_size_and_digest_of_the_file() {
    let f = cli_hello();
    let out = run(wash().args(["build", "--json"]).current_dir(&f.dir), true);
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let bytes = std::fs::read(&f.wasm).unwrap();
    assert_eq!(v["reason"], "component-built");
    assert_eq!(v["name"], "cli-fixture");
    assert_eq!(v["size"], bytes.len() as u64);
    assert_eq!(v["digest"], wash::artifact::sha256_digest(&bytes));
}

#[test]
fn plain_cargo_crate_needs_no_config() {
    // The probe has no [package.metadata.wasmcloud] and no extra files.
    let f = cli_probe();
    assert!(f.wasm.ends_with("wasmcloud/cli-probe.wasm"));
    let manifest = std::fs::read_to_string(f.dir.join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("wasmcloud"));
}

#[test]
fn manifest_path_and_package_flags() {
    let f = cli_hello();
    let manifest = f.dir.join("Cargo.toml");
    let out = run(
        wash()
            .args(["build", "--json", "-p", "cli-fixture", "--manifest-path"])
            .arg(&manifest),
        true,
    );
    assert!(stdout(&out).contains("cli-fixture.wasm"));

    let out = run(
        wash()
            .args(["build", "-p", "nope", "--manifest-path"])
            .arg(&manifest),
        false,
    );
    let err = stderr(&out);
    assert!(
        err.contains("package `nope` is not a member of the workspace")
            && err.contains("`cli-fixture`"),
        "{err}"
    );
}

#[test]
fn workspace_builds_every_member() {
    let tmp = temp_dir();
    let root = tmp.path();
    write(
        &root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"3\"\n",
    );
    for name in ["a", "b"] {
        write(
            &root.join(name).join("Cargo.toml"),
            &format!("[package]\nname = \"ws-{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n"),
        );
        write(&root.join(name).join("src/main.rs"), "fn main() {}\n");
    }
    let out = run(
        wash()
            .args(["build", "--workspace", "--json"])
            .current_dir(root),
        true,
    );
    let names: Vec<String> = stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(names, ["ws-a", "ws-b"]);
}

#[test]
fn cargo_errors_reach_the_user_unchanged() {
    let tmp = temp_dir();
    write(
        &tmp.path().join("Cargo.toml"),
        "[package]\nname = \"broken\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    write(
        &tmp.path().join("src/main.rs"),
        "fn main() { let x: u32 = not_defined; }\n",
    );
    let out = run(wash().arg("build").current_dir(tmp.path()), false);
    let err = stderr(&out);
    assert!(
        err.contains("error[E0425]: cannot find value `not_defined`"),
        "{err}"
    );
    assert!(err.contains("src/main.rs:1:"), "{err}");
    assert!(
        err.contains("error: failed to build the component"),
        "{err}"
    );
}

#[test]
fn a_crate_without_a_component_target_is_refused() {
    let tmp = temp_dir();
    write(
        &tmp.path().join("Cargo.toml"),
        "[package]\nname = \"only-rlib\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    write(&tmp.path().join("src/lib.rs"), "pub fn f() {}\n");
    let out = run(wash().arg("build").current_dir(tmp.path()), false);
    let err = stderr(&out);
    assert!(
        err.contains("package `only-rlib` built no WebAssembly component"),
        "{err}"
    );
    assert!(err.contains("crate-type = [\"cdylib\"]"), "{err}");
}

#[test]
fn no_cargo_toml_is_a_clear_error() {
    let tmp = temp_dir();
    let out = run(wash().arg("build").current_dir(tmp.path()), false);
    let err = stderr(&out);
    assert!(err.contains("could not read the Cargo project"), "{err}");
    assert!(err.contains("could not find `Cargo.toml`"), "{err}");
}

#[cfg(unix)]
#[test]
fn missing_wasm_target_names_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    // A rustc whose sysroot has no wasm32-wasip2 standard library. A fresh target dir means
    // wash has no record of an earlier good build, so it checks before running cargo.
    let tmp = temp_dir();
    let fake = tmp.path().join("fake-rustc");
    std::fs::write(&fake, "#!/bin/sh\necho /nonexistent/sysroot\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let project = tmp.path().join("p");
    write(
        &project.join("Cargo.toml"),
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    write(&project.join("src/main.rs"), "fn main() {}\n");
    let out = run(
        wash()
            .arg("build")
            .current_dir(&project)
            .env("RUSTC", &fake)
            .env("CARGO_TARGET_DIR", tmp.path().join("target")),
        false,
    );
    let err = stderr(&out);
    redactions().bind(|| insta::assert_snapshot!("build-missing-target", err));
    assert!(err.contains("rustup target add wasm32-wasip2"));
}

#[test]
fn imports_nobody_provides_are_left_open_with_a_warning_unless_strict() {
    // A plain wit-bindgen crate: its hand-written WIT imports `acme:foreign/ledger`, which
    // nothing in the workspace exports. `cargo build` builds it; so does `wash build`.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/foreign-import");
    let out = run(wash().args(["build", "--json"]).current_dir(&fixture), true);
    let err = stderr(&out);
    assert!(
        err.contains(
            "warning: `foreign-import` leaves open imports that nothing in this build provides: \
             `acme:foreign/ledger@0.1.0`"
        ),
        "{err}"
    );
    assert!(
        err.contains("host-imports") && err.contains("compose.strict"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(
        v["open_imports"],
        serde_json::json!(["acme:foreign/ledger@0.1.0"])
    );
    let wasm = std::fs::read(v["path"].as_str().unwrap()).unwrap();
    assert!(
        wash::artifact::component_imports(&wasm).contains(&"acme:foreign/ledger@0.1.0".into()),
        "the import is kept"
    );
    // Listed as the host's, it is no longer reported.
    let tmp = temp_dir();
    let copy = |name: &str, extra: &str| {
        let dir = tmp.path().join(name);
        for file in ["src/lib.rs", "wit/world.wit"] {
            write(
                &dir.join(file),
                &std::fs::read_to_string(fixture.join(file)).unwrap(),
            );
        }
        let manifest = std::fs::read_to_string(fixture.join("Cargo.toml"))
            .unwrap()
            .replace("name = \"foreign-import\"", &format!("name = \"{name}\""));
        write(&dir.join("Cargo.toml"), &format!("{manifest}\n{extra}"));
        dir
    };
    let hosted = copy(
        "foreign-hosted",
        "[package.metadata.wasmcloud]\nhost-imports = [\"acme:foreign/ledger\"]\n",
    );
    let out = run(wash().arg("build").current_dir(&hosted), true);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    // `strict = true`: the same import is an error.
    let strict = copy(
        "foreign-strict",
        "[package.metadata.wasmcloud.compose]\nstrict = true\n",
    );
    let out = run(wash().arg("build").current_dir(&strict), false);
    assert!(
        stderr(&out).contains(
            "package `foreign-strict` imports what no component of this build exports: \
             acme:foreign/ledger@0.1.0"
        ),
        "{}",
        stderr(&out)
    );
}

/// The names `wash build --workspace --json` reports, in order.
fn built_names(root: &Path) -> Vec<String> {
    let out = run(
        wash()
            .args(["build", "--workspace", "--json"])
            .current_dir(root),
        true,
    );
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["name"].to_string())
        .map(|n| n.trim_matches('"').to_string())
        .collect()
}

/// wash keeps cargo's description of the workspace between runs (a no-op build starts one
/// process, cargo); every change that would change that description is seen by the next build.
#[test]
fn workspace_changes_are_seen_by_the_next_build() {
    let tmp = temp_dir();
    let root = tmp.path();
    write(
        &root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"3\"\n",
    );
    let member = |name: &str| {
        write(
            &root.join("crates").join(name).join("Cargo.toml"),
            &format!("[package]\nname = \"wc-{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n"),
        );
        write(
            &root.join("crates").join(name).join("src/main.rs"),
            "fn main() {}\n",
        );
    };
    member("a");
    assert_eq!(built_names(root), ["wc-a"]);
    assert_eq!(built_names(root), ["wc-a"], "the no-op build");
    // A new member through the glob, with no edit to the workspace's Cargo.toml.
    member("b");
    assert_eq!(built_names(root), ["wc-a", "wc-b"]);
    // A renamed package.
    let manifest = root.join("crates/b/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("wc-b", "wc-renamed")).unwrap();
    assert_eq!(built_names(root), ["wc-a", "wc-renamed"]);
    // A member taken out of the workspace.
    write(
        &root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"crates/a\"]\nresolver = \"3\"\n",
    );
    assert_eq!(built_names(root), ["wc-a"]);
    // Configuration that moves the target directory (read by cargo, not by wash).
    let in_a = || {
        let out = run(
            wash()
                .env_remove("CARGO_TARGET_DIR")
                .args(["build", "--json"])
                .current_dir(root.join("crates/a")),
            true,
        );
        stdout(&out)
    };
    assert!(in_a().contains(&format!("{}", root.join("target/wasmcloud").display())));
    write(
        &root.join(".cargo/config.toml"),
        "[build]\ntarget-dir = \"elsewhere\"\n",
    );
    let out = in_a();
    assert!(
        out.contains(&format!("{}", root.join("elsewhere/wasmcloud").display())),
        "{out}"
    );
}
