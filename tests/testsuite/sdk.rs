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

/// The component instantiated with WASI (and no grants).
fn instantiate(wasm: &Path) -> (Store<Host>, wasmtime::component::Instance) {
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
    (store, instance)
}

/// Calls `interface#func` of the component with `args` and returns its result.
fn call(wasm: &Path, interface: &str, func: &str, args: &[Val]) -> Val {
    let (mut store, instance) = instantiate(wasm);
    let iface = instance
        .get_export_index(&mut store, None, interface)
        .expect("interface exported");
    let f = instance
        .get_export_index(&mut store, Some(&iface), func)
        .expect("function exported");
    let f = instance.get_func(&mut store, f).unwrap();
    let mut results = [Val::Bool(false)];
    f.call(&mut store, args, &mut results).unwrap();
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
    sdk_crate(
        dir,
        "bad-types",
        "\n[lib]\ncrate-type = [\"cdylib\"]\n",
        "",
        "src/lib.rs",
        "#[wash::interface]\npub trait Store {\n    fn put(entries: std::collections::HashMap<String, String>);\n}\n",
    );
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

#[test]
fn wasi_keyvalue_config_and_logging_come_from_pinned_wit() {
    let tmp = temp_dir();
    let dir = tmp.path();
    sdk_crate(
        dir,
        "wasi-user",
        "",
        ", features = [\"keyvalue\", \"config\", \"logging\"]",
        "src/main.rs",
        r#"use wash::wasi::{config, keyvalue, logging};
fn main() {
    logging::logging::log(logging::logging::Level::Info, "probe", "starting");
    let greeting = config::store::get("greeting").ok().flatten().unwrap_or_default();
    if let Ok(bucket) = keyvalue::store::open("default") {
        let _ = bucket.set("k", greeting.as_bytes());
    }
}
"#,
    );
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

/// A crate in `dir` depending on wash-sdk (with `sdk_extra` inside its dependency table), with
/// `manifest_extra` after `[package]` and one source file.
pub(crate) fn sdk_crate(
    dir: &Path,
    name: &str,
    manifest_extra: &str,
    sdk_extra: &str,
    file: &str,
    source: &str,
) {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/wash-sdk");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n{manifest_extra}\n[dependencies]\nwash = {{ package = \"wash-sdk\", path = \"{}\"{sdk_extra} }}\n",
            sdk.display()
        ),
    )
    .unwrap();
    std::fs::write(dir.join(file), source).unwrap();
}

#[test]
fn exported_resources_run_with_constructor_methods_statics_and_borrows() {
    let tmp = temp_dir();
    let dir = tmp.path();
    sdk_crate(
        dir,
        "counters",
        "[lib]\ncrate-type = [\"cdylib\"]\n[package.metadata.wasmcloud]\nnamespace = \"acme\"\n",
        "",
        "src/lib.rs",
        r#"use std::cell::Cell;

#[wash::interface]
pub trait Counters {
    fn make(start: u32) -> Counter;
    fn peek(c: &Counter) -> u32;
}

#[wash::resource]
pub struct Counter { value: Cell<u32> }

#[wash::resource]
impl Counter {
    pub fn new(start: u32) -> Self { Counter { value: Cell::new(start) } }
    pub fn increment(&self, by: u32) -> u32 { self.value.set(self.value.get() + by); self.value.get() }
    pub fn absorb(&self, other: &Counter) { self.value.set(self.value.get() + other.value.get()) }
    pub fn zero() -> Counter { Counter::new(0) }
}

struct Component;

#[wash::export]
impl Counters for Component {
    fn make(start: u32) -> Counter { Counter::new(start * 10) }
    fn peek(c: &Counter) -> u32 { c.value.get() }
}
"#,
    );
    let wasm = build_json(dir);
    let (mut store, instance) = instantiate(&wasm);
    let iface = instance
        .get_export_index(&mut store, None, "acme:counters/counters@0.1.0")
        .expect("interface exported");
    let mut call = |name: &str, args: &[Val]| -> Option<Val> {
        let idx = instance
            .get_export_index(&mut store, Some(&iface), name)
            .unwrap_or_else(|| panic!("{name} exported"));
        let f = instance.get_func(&mut store, idx).unwrap();
        let mut results = vec![Val::Bool(false); f.ty(&store).results().len()];
        f.call(&mut store, args, &mut results).unwrap();
        results.pop()
    };
    let Some(Val::Resource(c)) = call("[constructor]counter", &[Val::U32(5)]) else {
        panic!("constructor returns a resource")
    };
    assert_eq!(
        call(
            "[method]counter.increment",
            &[Val::Resource(c), Val::U32(2)]
        ),
        Some(Val::U32(7))
    );
    let Some(Val::Resource(made)) = call("make", &[Val::U32(3)]) else {
        panic!("make returns a resource")
    };
    assert_eq!(call("peek", &[Val::Resource(made)]), Some(Val::U32(30)));
    call(
        "[method]counter.absorb",
        &[Val::Resource(c), Val::Resource(made)],
    );
    assert_eq!(call("peek", &[Val::Resource(c)]), Some(Val::U32(37)));
    let Some(Val::Resource(zero)) = call("[static]counter.zero", &[]) else {
        panic!("zero returns a resource")
    };
    assert_eq!(call("peek", &[Val::Resource(zero)]), Some(Val::U32(0)));
}
