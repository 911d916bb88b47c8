//! Components written as Rust traits with wash-sdk: the WIT derived at build time is the one
//! embedded in the component, written beside it, and printed by `wash wit`; the exported
//! functions really run, with every kind of type converted both ways.

use std::path::Path;

use wasmtime::component::{Component, Linker, ResourceTable, Val};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::support::*;

struct Host {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Calls `interface#func` of the component with `args` and returns its result.
fn call(wasm: &Path, interface: &str, func: &str, args: &[Val]) -> Val {
    let engine = Engine::default();
    let component = Component::from_file(&engine, wasm).unwrap();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let mut store = Store::new(
        &engine,
        Host {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
        },
    );
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let iface = instance
        .get_export_index(&mut store, None, interface)
        .expect("interface exported");
    let f = instance
        .get_export_index(&mut store, Some(&iface), func)
        .expect("function exported");
    let f = instance.get_func(&mut store, f).unwrap();
    let mut results = [Val::Bool(false)];
    f.call(&mut store, args, &mut results).unwrap();
    f.post_return(&mut store).unwrap();
    results[0].clone()
}

fn person(name: &str, age: Option<u8>) -> Val {
    Val::Record(vec![
        ("name".into(), Val::String(name.into())),
        ("age".into(), Val::Option(age.map(|a| Box::new(Val::U8(a))))),
    ])
}

const GREET: &str = "acme:greeter/greet@0.1.0";

#[test]
fn exported_functions_run_with_records_options_enums_flags_and_variants() {
    let f = greeter();
    assert_eq!(
        call(&f.wasm, GREET, "greet", &[person("Ada", Some(36))]),
        Val::String("Hello, Ada (36)!".into())
    );
    assert_eq!(
        call(&f.wasm, GREET, "greet", &[person("Bo", None)]),
        Val::String("Hello, Bo!".into())
    );

    let people = Val::List(vec![person("Ada", Some(36)), person("Bo", None)]);
    let out = call(
        &f.wasm,
        GREET,
        "greet-all",
        &[
            people.clone(),
            Val::Enum("shouting".into()),
            Val::Flags(vec!["with-age".into(), "exclaim".into()]),
        ],
    );
    let expected = Val::List(vec![
        Val::String("HELLO, ADA (36)!".into()),
        Val::String("HELLO, BO!".into()),
    ]);
    assert_eq!(out, Val::Result(Ok(Some(Box::new(expected)))));

    let out = call(
        &f.wasm,
        GREET,
        "greet-all",
        &[people, Val::Enum("plain".into()), Val::Flags(vec![])],
    );
    let expected = Val::List(vec![
        Val::String("Hello, Ada".into()),
        Val::String("Hello, Bo".into()),
    ]);
    assert_eq!(out, Val::Result(Ok(Some(Box::new(expected)))));

    let none = call(
        &f.wasm,
        GREET,
        "greet-all",
        &[
            Val::List(vec![]),
            Val::Enum("plain".into()),
            Val::Flags(vec![]),
        ],
    );
    assert_eq!(
        none,
        Val::Result(Err(Some(Box::new(Val::Variant(
            "nobody-there".into(),
            None
        )))))
    );
    let many = Val::List((0..5).map(|i| person(&format!("p{i}"), None)).collect());
    let too_many = call(
        &f.wasm,
        GREET,
        "greet-all",
        &[many, Val::Enum("plain".into()), Val::Flags(vec![])],
    );
    assert_eq!(
        too_many,
        Val::Result(Err(Some(Box::new(Val::Variant(
            "too-many".into(),
            Some(Box::new(Val::U32(5)))
        )))))
    );
}

#[test]
fn embedded_written_and_printed_wit_agree() {
    let f = greeter();
    let out = run(
        wash()
            .args(["wit", "--manifest-path"])
            .arg(f.dir.join("Cargo.toml")),
        true,
    );
    let printed = stdout(&out);
    let written =
        std::fs::read_to_string(shared_target_dir().join("wasmcloud/wit/greeter.wit")).unwrap();
    assert_eq!(printed.trim_end(), written.trim_end());
    redactions().bind(|| insta::assert_snapshot!("sdk-greeter-derived-wit", written));

    let out = run(wash().args(["inspect", "--wit"]).arg(&f.wasm), true);
    let embedded = stdout(&out);
    assert!(
        embedded.contains("export acme:greeter/greet@0.1.0;"),
        "{embedded}"
    );
    assert!(
        embedded.contains("package acme:greeter@0.1.0 {"),
        "{embedded}"
    );
    for line in [
        "record person {",
        "flags options {",
        "variant greet-error {",
        "greet-all: func(people: list<person>, style: style, options: options) -> result<list<string>, greet-error>;",
    ] {
        assert!(
            embedded.contains(line),
            "`{line}` not embedded:\n{embedded}"
        );
    }
}

#[test]
fn changing_the_trait_changes_the_component_wit_on_the_next_build() {
    let tmp = temp_dir();
    let src = greeter().dir.clone();
    let dir = tmp.path().join("greeter-edit");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/wash-sdk");
    let manifest = std::fs::read_to_string(src.join("Cargo.toml"))
        .unwrap()
        .replace("../../../crates/wash-sdk", &sdk.display().to_string())
        .replace("name = \"greeter\"", "name = \"greeter-edit\"");
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    let lib = std::fs::read_to_string(src.join("src/lib.rs")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), &lib).unwrap();

    let wasm = build_json(&dir);
    let before = stdout(&run(wash().args(["inspect", "--wit"]).arg(&wasm), true));
    assert!(!before.contains("farewell"), "{before}");

    let edited = lib
        .replace(
            "    fn greet(who: Person) -> String;\n",
            "    fn greet(who: Person) -> String;\n    fn farewell(who: Person, times: u16) -> String;\n",
        )
        .replace(
            "impl Greet for Component {\n",
            "impl Greet for Component {\n    fn farewell(who: Person, times: u16) -> String { format!(\"Bye, {}\", who.name).repeat(times as usize) }\n",
        );
    assert_ne!(edited, lib);
    std::fs::write(dir.join("src/lib.rs"), edited).unwrap();
    let wasm = build_json(&dir);
    let after = stdout(&run(wash().args(["inspect", "--wit"]).arg(&wasm), true));
    assert!(
        after.contains("farewell: func(who: person, times: u16) -> string;"),
        "{after}"
    );
    assert_eq!(
        call(
            &wasm,
            "acme:greeter-edit/greet@0.1.0",
            "farewell",
            &[person("Ada", None), Val::U16(2)]
        ),
        Val::String("Bye, AdaBye, Ada".into())
    );
}

#[test]
fn unsupported_rust_fails_the_build_at_its_span() {
    let tmp = temp_dir();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/wash-sdk");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"bad-types\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n[dependencies]\nwash = {{ package = \"wash-sdk\", path = \"{}\" }}\n",
            sdk.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "#[wash::interface]\npub trait Store {\n    fn put(entries: std::collections::HashMap<String, String>);\n}\n",
    )
    .unwrap();
    let out = run(wash().arg("build").current_dir(dir), false);
    let err = stderr(&out);
    assert!(
        err.contains("error: WIT has no map type; use `Vec<(K, V)>`"),
        "{err}"
    );
    assert!(
        err.contains("src/lib.rs:3:21"),
        "rustc should point at the type: {err}"
    );
}

/// A workspace of the two fixtures, as `wash new` would lay it out: `greet-caller` lists
/// `greeter` as a Cargo dependency and calls it through `wash::imports!()`.
fn two_crate_workspace() -> tempfile::TempDir {
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
}

fn compose_config_names_a_plug_file(target: &Path) {
    let ws = two_crate_workspace();
    let manifest = ws.path().join("greet-caller/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let plug = greeter().wasm.display().to_string();
    std::fs::write(
        &manifest,
        format!("{text}\n[package.metadata.wasmcloud.compose]\nplugs = [\"{plug}\"]\n"),
    )
    .unwrap();
    let out = run(
        wash()
            .args(["build", "--json", "-p", "greet-caller"])
            .current_dir(ws.path())
            .env("CARGO_TARGET_DIR", target),
        true,
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["composed_from"], serde_json::json!([plug]));
    let out = run(
        wash().args(["run", v["path"].as_str().unwrap(), "--", "Kay"]),
        true,
    );
    assert!(
        stdout(&out).starts_with("Hello, Kay (7)!"),
        "{}",
        stdout(&out)
    );

    std::fs::write(
        &manifest,
        format!("{text}\n[package.metadata.wasmcloud.compose]\nplugs = [\"missing.wasm\"]\n"),
    )
    .unwrap();
    let out = run(
        wash()
            .args(["build", "-p", "greet-caller"])
            .current_dir(ws.path())
            .env("CARGO_TARGET_DIR", target),
        false,
    );
    let err = stderr(&out);
    assert!(
        err.contains("`package.metadata.wasmcloud.compose.plugs` names `missing.wasm`"),
        "{err}"
    );
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
}

fn an_import_nothing_provides_is_named(target: &Path) {
    let ws = two_crate_workspace();
    let out = run(
        wash()
            .args(["build", "-p", "greet-caller"])
            .current_dir(ws.path())
            .env("CARGO_TARGET_DIR", target),
        false,
    );
    let err = stderr(&out);
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
    let caller_manifest = ws.path().join("greet-caller/Cargo.toml");
    let text = std::fs::read_to_string(&caller_manifest).unwrap();
    std::fs::write(
        &caller_manifest,
        format!("{text}\n[package.metadata.wasmcloud]\nhost-imports = [\"acme:greeter/*\"]\n"),
    )
    .unwrap();
    let out = run(
        wash()
            .args(["build", "--json", "-p", "greet-caller"])
            .current_dir(ws.path())
            .env("CARGO_TARGET_DIR", target),
        true,
    );
    let caller: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let caller = caller["path"].as_str().unwrap().to_string();
    let greeter = greeter().wasm.display().to_string();

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
    let front: serde_json::Value = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["name"] == "front")
        .expect("front built");
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
}

#[test]
fn wasi_keyvalue_config_and_logging_come_from_pinned_wit() {
    let tmp = temp_dir();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/wash-sdk");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"wasi-user\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nwash = {{ package = \"wash-sdk\", path = \"{}\", features = [\"keyvalue\", \"config\", \"logging\"] }}\n",
            sdk.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        r#"use wash::wasi::{config, keyvalue, logging};
fn main() {
    logging::logging::log(logging::logging::Level::Info, "probe", "starting");
    let greeting = config::store::get("greeting").ok().flatten().unwrap_or_default();
    if let Ok(bucket) = keyvalue::store::open("default") {
        let _ = bucket.set("k", greeting.as_bytes());
    }
}
"#,
    )
    .unwrap();
    let wasm = build_json(dir);
    let out = run(wash().args(["inspect", "--json"]).arg(&wasm), true);
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let imports: Vec<&str> = v["world"]["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    for expected in [
        "wasi:keyvalue/store@0.2.0-draft",
        "wasi:config/store@0.2.0-rc.1",
        "wasi:logging/logging@0.1.0-draft",
    ] {
        assert!(imports.contains(&expected), "{expected} not in {imports:?}");
    }
    // Only what the code uses is imported.
    assert!(
        !imports.iter().any(|i| i.starts_with("wasi:keyvalue/batch")),
        "{imports:?}"
    );
}
