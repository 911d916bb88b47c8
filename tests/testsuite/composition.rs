//! Composition: components calling each other through interfaces derived from Rust, plugged
//! together by `wash build` (a workspace, or `compose.plugs`) and by `wash compose`, and the
//! `composed-app` template served end to end.

use std::path::Path;

use crate::support::*;

mod plugs;
use plugs::{compose_config_names_a_plug_file, plugs_from_a_registry};

/// A workspace of the two fixtures, as `wash new` would lay it out: `greet-caller` lists
/// `greeter` as a Cargo dependency and calls it through `wash::imports!()`.
pub(crate) fn two_crate_workspace() -> tempfile::TempDir {
    let tmp = temp_dir();
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/wash-sdk");
    for member in ["greeter", "greet-caller"] {
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(member);
        let to = tmp.path().join(member);
        std::fs::create_dir_all(to.join("src")).unwrap();
        let manifest = std::fs::read_to_string(from.join("Cargo.toml"))
            .unwrap()
            .replace("../../../crates/wash-sdk", &sdk.display().to_string())
            .replace("\n[workspace]\n", "\n");
        std::fs::write(to.join("Cargo.toml"), manifest).unwrap();
        for file in std::fs::read_dir(from.join("src")).unwrap() {
            let file = file.unwrap().path();
            std::fs::copy(&file, to.join("src").join(file.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(
        tmp.path().join("Cargo.toml"),
        "[workspace]\nmembers = [\"greeter\", \"greet-caller\"]\nresolver = \"3\"\n",
    )
    .unwrap();
    tmp
}

/// The workspace tests share one target dir of their own and run in turn: their `greeter`
/// copies would otherwise overwrite the greeter fixture's `greeter.wasm`, and each other's.
#[test]
fn workspace_builds_compose_and_wash_compose_plugs() {
    let target = shared_target_dir().with_file_name("wasm-target-workspace");
    one_build_composes_a_dependency_into_its_importer(&target);
    an_import_nothing_provides_is_named(&target);
    wash_compose_plugs_and_plans(&target);
    compose_config_names_a_plug_file(&target);
    plugs_from_a_registry(&target);
    a_build_that_changes_nothing_reuses_its_steps(&target);
}

/// A `wash build` whose inputs have not changed leaves the composed, virtualized and signed
/// component as it is, and says the same of it, without running those steps again; a change in
/// anything they read (the configuration, the signing key, the file itself) runs them again.
fn a_build_that_changes_nothing_reuses_its_steps(target: &Path) {
    let ws = two_crate_workspace();
    let keys = ws.path().join("keys");
    let other_keys = ws.path().join("other-keys");
    for dir in [&keys, &other_keys] {
        run(
            wash().args(["keys", "new", "t"]).env("WASH_KEYS_DIR", dir),
            true,
        );
    }
    let manifest = ws.path().join("greet-caller/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let configured = |level: &str| {
        format!(
            "{text}\n[package.metadata.wasmcloud.virt]\nenv = {{ LEVEL = \"{level}\" }}\n\n\
             [package.metadata.wasmcloud.sign]\nkeys = [\"t\"]\n"
        )
    };
    std::fs::write(&manifest, configured("info")).unwrap();
    let build = |keys: &Path| {
        let out = run(
            wash()
                .args(["build", "-v", "--json", "-p", "greet-caller"])
                .current_dir(ws.path())
                .env("WASH_KEYS_DIR", keys)
                .env("CARGO_TARGET_DIR", target),
            true,
        );
        (built(&out, "greet-caller"), stderr(&out))
    };
    let ran_steps = |err: &str| {
        [
            "composing greet-caller",
            "virtualizing greet-caller",
            "signing greet-caller",
        ]
        .iter()
        .all(|step| err.contains(step))
    };
    let verifies = |keys: &Path| {
        wash()
            .args(["verify", "--key", "t"])
            .arg(target.join("wasmcloud/greet-caller.wasm"))
            .env("WASH_KEYS_DIR", keys)
            .output()
            .unwrap()
            .status
            .success()
    };

    let (first, err) = build(&keys);
    assert!(ran_steps(&err), "{err}");
    assert_eq!(first["composed_from"], serde_json::json!(["greeter"]));
    let (again, err) = build(&keys);
    assert_eq!(again, first);
    for step in ["composing", "virtualizing", "signing"] {
        assert!(!err.contains(step), "{step} again: {err}");
    }
    assert!(verifies(&keys));

    // Another value in the configuration: the steps run again, and make another component.
    std::fs::write(&manifest, configured("debug")).unwrap();
    let (changed, err) = build(&keys);
    assert!(ran_steps(&err), "{err}");
    assert_ne!(changed["digest"], first["digest"]);

    // The finished file altered by hand: made again, the same as before.
    let path = target.join("wasmcloud/greet-caller.wasm");
    std::fs::write(&path, b"not what wash made").unwrap();
    let (remade, err) = build(&keys);
    assert!(ran_steps(&err), "{err}");
    assert_eq!(remade, changed);
    assert!(verifies(&keys));

    // Another key under the same name signs anew.
    let (resigned, err) = build(&other_keys);
    assert!(err.contains("signing greet-caller"), "{err}");
    assert_ne!(resigned["signed_by"], changed["signed_by"]);
    assert!(verifies(&other_keys));
    assert!(!verifies(&keys));
}

fn one_build_composes_a_dependency_into_its_importer(target: &Path) {
    let ws = two_crate_workspace();
    let out = run(
        wash()
            .args(["build", "--json"])
            .current_dir(ws.path())
            .env("CARGO_TARGET_DIR", target),
        true,
    );
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let caller = lines
        .iter()
        .find(|v| v["name"] == "greet-caller")
        .expect("caller built");
    assert_eq!(caller["composed_from"], serde_json::json!(["greeter"]));
    let greeter = lines
        .iter()
        .find(|v| v["name"] == "greeter")
        .expect("greeter built");
    assert_eq!(greeter["composed_from"], serde_json::json!([]));

    // The composed component no longer imports the greeter interface...
    let caller_wasm = caller["path"].as_str().unwrap();
    let inspect = stdout(&run(wash().args(["inspect", "--json", caller_wasm]), true));
    let v: serde_json::Value = serde_json::from_str(inspect.trim()).unwrap();
    let imports = v["world"]["imports"].as_array().unwrap();
    assert!(
        imports
            .iter()
            .all(|i| i.as_str().unwrap().starts_with("wasi:")),
        "{imports:?}"
    );
    // ...the greeter still exports it on its own...
    let inspect = stdout(&run(
        wash().args(["inspect", greeter["path"].as_str().unwrap()]),
        true,
    ));
    assert!(
        inspect.contains("exports  acme:greeter/greet@0.1.0"),
        "{inspect}"
    );
    // ...and the call crosses from one component into the other.
    let out = run(wash().args(["run", caller_wasm, "--", "Grace"]), true);
    assert_eq!(stdout(&out), "Hello, Grace (7)!\nHELLO, A | HELLO, B (2)\n");

    // Selecting the caller builds the member it depends on too, as cargo builds a package's
    // dependencies, and plugs it in (issue 11).
    let caller = build_caller_with(&ws, target, "");
    assert_eq!(caller["composed_from"], serde_json::json!(["greeter"]));
    // `wash run -p greet-caller` runs that app, the greeter inside.
    let out = run(
        wash()
            .args(["run", "-p", "greet-caller", "--", "Ida"])
            .current_dir(ws.path())
            .env("CARGO_TARGET_DIR", target),
        true,
    );
    assert!(
        stdout(&out).starts_with("Hello, Ida (7)!"),
        "{}",
        stdout(&out)
    );
}

fn an_import_nothing_provides_is_named(target: &Path) {
    // The greeter made a plain library: it still compiles into the caller, but no component of
    // the build exports its interface any more.
    let ws = two_crate_workspace();
    let manifest = ws.path().join("greeter/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace(
            r#"crate-type = ["cdylib", "rlib"]"#,
            r#"crate-type = ["rlib"]"#,
        ),
    )
    .unwrap();
    let err = stderr(&build_caller_fails(&ws, target));
    assert!(
        err.contains("package `greet-caller` imports what no component of this build exports: acme:greeter/greet@0.1.0"),
        "{err}"
    );
    assert!(
        err.contains("host-imports = [\"acme:greeter/greet@0.1.0\"]"),
        "{err}"
    );
}

fn wash_compose_plugs_and_plans(target: &Path) {
    let ws = two_crate_workspace();
    // Build each on its own: the caller alone keeps its import (declared as host-provided).
    let caller = build_caller_with(
        &ws,
        target,
        "[package.metadata.wasmcloud]\nhost-imports = [\"acme:greeter/*\"]",
    );
    let caller = caller["path"].as_str().unwrap().to_string();
    let greeter = greeter().wasm.display().to_string();

    // Nothing was composed into anything: two apps, and `wash run` asks which (cargo's way).
    let out = run(
        wash()
            .arg("run")
            .current_dir(ws.path())
            .env("CARGO_TARGET_DIR", target),
        false,
    );
    let err = stderr(&out);
    assert!(
        err.contains("the build produced several components no other one was composed with: `"),
        "{err}"
    );
    assert!(err.contains("help: select one with `-p NAME`"), "{err}");

    let out = run(
        wash().args([
            "compose",
            &caller,
            "--plug",
            &greeter,
            "--dry-run",
            "--json",
        ]),
        true,
    );
    let plan: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(plan["links"][0]["import"], "acme:greeter/greet@0.1.0");
    assert_eq!(plan["links"][0]["provider"], greeter.as_str());

    let tmp = temp_dir();
    let composed = tmp.path().join("app.wasm");
    run(
        wash()
            .args(["compose", &caller, "--plug", &greeter, "-o"])
            .arg(&composed),
        true,
    );
    let out = run(wash().arg("run").arg(&composed).args(["--", "Lin"]), true);
    assert!(
        stdout(&out).starts_with("Hello, Lin (7)!"),
        "{}",
        stdout(&out)
    );
    // No instance names are recorded (the output is as small as wac's); inspect names the
    // nested components by their code, the crates'.
    let out = run(wash().args(["inspect", "--json"]).arg(&composed), true);
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let mut names: Vec<&str> = v["composition"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["greet_caller", "greeter"], "{v}");

    // A plug that satisfies nothing is a mistake worth naming.
    let out = run(
        wash().args([
            "compose",
            &caller,
            "--plug",
            &greeter,
            "--plug",
            &cli_hello().wasm.display().to_string(),
            "--dry-run",
        ]),
        false,
    );
    let err = stderr(&out);
    assert!(err.contains("satisfies none of the imports"), "{err}");

    // A workspace member is a plug by its name: the component `wash build` placed for it.
    let plan = |plug: &str, ok: bool| {
        run(
            wash()
                .args(["compose", &caller, "--plug", plug, "--dry-run", "--json"])
                .current_dir(ws.path())
                .env("CARGO_TARGET_DIR", target),
            ok,
        )
    };
    // (The earlier steps built the workspace, greeter included, into this target dir.)
    let v: serde_json::Value = serde_json::from_str(stdout(&plan("greeter", true)).trim()).unwrap();
    assert_eq!(v["links"][0]["provider"], "greeter");
    let err = stderr(&plan("no-such-member", false));
    assert!(
        err.contains("no member of this workspace has that name"),
        "{err}"
    );
}

#[test]
fn composed_app_template_builds_once_and_serves_the_greeters_answer() {
    let tmp = temp_dir();
    let app = tmp.path().join("hello-app");
    // Its own target dir: the template's `greeter` would otherwise replace the greeter
    // fixture's `wasmcloud/greeter.wasm` under other tests' feet.
    let target = shared_target_dir().with_file_name("wasm-target-composed-app");
    run(
        wash().args(["new", "--template", "composed-app"]).arg(&app),
        true,
    );

    // Nothing but Rust and Cargo.toml files: no WIT, wac, YAML or extra TOML.
    let mut files = Vec::new();
    let mut stack = vec![app.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            // `vendor/` is wash-sdk's copy (wash new vendors it), not the user's configuration.
            if p == app.join("vendor") {
                continue;
            }
            if p.is_dir() {
                stack.push(p)
            } else {
                files.push(p)
            }
        }
    }
    let names: Vec<String> = files
        .iter()
        .map(|p| p.strip_prefix(&app).unwrap().display().to_string())
        .collect();
    for f in &files {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        assert!(
            !["wit", "wac", "yaml", "yml"].contains(&ext),
            "unexpected {f:?} in {names:?}"
        );
        if ext == "toml" {
            assert_eq!(
                f.file_name().unwrap(),
                "Cargo.toml",
                "extra TOML file {f:?}"
            );
        }
    }
    assert_eq!(
        files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "toml"))
            .count(),
        3,
        "{names:?}"
    );

    // One `wash build` builds both, and composes the greeter into the front.
    let out = run(
        wash()
            .args(["build", "--json"])
            .current_dir(&app)
            .env("CARGO_TARGET_DIR", &target),
        true,
    );
    let front: serde_json::Value = built(&out, "front");
    assert_eq!(front["composed_from"], serde_json::json!(["greeter"]));

    // `wash run` (no path) serves the composed front; the greeting comes from the greeter.
    let mut cmd = wash();
    cmd.arg("run")
        .current_dir(&app)
        .env("CARGO_TARGET_DIR", &target);
    let server = crate::run::Server::start_cmd(cmd);
    let response = server.get("/Ada");
    assert!(response.starts_with("HTTP/1.0 200 OK\r\n"), "{response}");
    assert!(
        response.ends_with("\r\n\r\nHello, Ada, from the greeter component!\n"),
        "{response}"
    );
    assert!(server.interrupt().success());

    // One idea of "the app" (issue 11): selecting the front builds the greeter it depends on,
    // as cargo builds a package's dependencies, and composes it in...
    let out = run(
        wash()
            .args(["build", "--json", "-p", "front"])
            .current_dir(&app)
            .env("CARGO_TARGET_DIR", &target),
        true,
    );
    let front: serde_json::Value = built(&out, "front");
    assert_eq!(front["composed_from"], serde_json::json!(["greeter"]));
    // Nothing changed since the last build, so cargo compiles nothing: the greeter's two builds
    // (with `import`, as the front's dependency, and as its own component) keep their own files.
    let err = stderr(&out);
    assert!(!err.contains("Compiling"), "{err}");
    // ...and `wash push` at the workspace root pushes the front, the greeter inside.
    let registry = crate::registry::Registry::start();
    let docker = temp_dir();
    let reference = registry.reference("hello-app:0.1.0");
    let out = run(
        wash()
            .args(["push", "--json", &reference])
            .current_dir(&app)
            .env("DOCKER_CONFIG", docker.path())
            .env("CARGO_TARGET_DIR", &target),
        true,
    );
    let pushed: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(pushed["reason"], "component-pushed");
    let out = run(
        wash()
            .args(["inspect", "--json", &reference])
            .env("DOCKER_CONFIG", docker.path()),
        true,
    );
    let inspected: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let exports = inspected["world"]["exports"].to_string();
    assert!(exports.contains("wasi:http/incoming-handler"), "{exports}");
    let imports = inspected["world"]["imports"].to_string();
    assert!(!imports.contains("greeter"), "{imports}");
}

/// `wash build -p greet-caller` in the workspace, which must fail.
fn build_caller_fails(ws: &tempfile::TempDir, target: &Path) -> std::process::Output {
    run(
        wash()
            .args(["build", "-p", "greet-caller"])
            .current_dir(ws.path())
            .env("CARGO_TARGET_DIR", target),
        false,
    )
}

/// Appends `config` to the workspace's `greet-caller/Cargo.toml`, builds that package (and the
/// greeter it depends on), and returns the caller's `--json` line.
fn build_caller_with(ws: &tempfile::TempDir, target: &Path, config: &str) -> serde_json::Value {
    configure_caller(ws, config);
    let out = run(
        wash()
            .args(["build", "--json", "-p", "greet-caller"])
            .current_dir(ws.path())
            .env("CARGO_TARGET_DIR", target),
        true,
    );
    built(&out, "greet-caller")
}

/// Appends `config` to the workspace's `greet-caller/Cargo.toml`.
fn configure_caller(ws: &tempfile::TempDir, config: &str) {
    let manifest = ws.path().join("greet-caller/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("{text}\n{config}\n")).unwrap();
}

/// The `wash build --json` line of the component named `name`.
fn built(out: &std::process::Output, name: &str) -> serde_json::Value {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no component `{name}` in {}", stdout(out)))
}
