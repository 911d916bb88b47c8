//! `wash call`: exported functions called with WAVE arguments, on derived interfaces (records,
//! variants, enums, flags, options, results, lists, resources) and hand-written ones.

use serde_json::Value;

use crate::support::*;

fn call(args: &[&str]) -> std::process::Output {
    let mut cmd = wash();
    cmd.arg("call").args(args);
    cmd.output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = call(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn derived_interfaces_are_called_with_wave_and_answer_in_wave() {
    let g = greeter().wasm.display().to_string();
    let list = ok(&[&g, "--list"]);
    assert_eq!(
        list,
        "acme:greeter/greet@0.1.0/greet(who: record { name: string, age: option<u8> }) -> string\n\
         acme:greeter/greet@0.1.0/greet-all(people: list<record { name: string, age: option<u8> }>, \
         style: enum { plain, shouting }, options: flags { with-age, exclaim }) -> \
         result<list<string>, variant { nobody-there, too-many(u32) }>\n"
    );
    // Full name, without version, or by a unique short name.
    for name in [
        "acme:greeter/greet@0.1.0/greet",
        "acme:greeter/greet/greet",
        "greet/greet",
        "greet",
    ] {
        assert_eq!(
            ok(&[&g, name, "{name: \"Ada\", age: some(36)}"]),
            "\"Hello, Ada (36)!\"\n"
        );
    }
    assert_eq!(
        ok(&[
            &g,
            "greet-all",
            "[{name: \"Ada\", age: some(36)}, {name: \"Bob\", age: none}]",
            "shouting",
            "{with-age, exclaim}"
        ]),
        "ok([\"HELLO, ADA (36)!\", \"HELLO, BOB!\"])\n"
    );
    assert_eq!(
        ok(&[&g, "greet-all", "[]", "plain", "{}"]),
        "err(nobody-there)\n"
    );
    let v: Value =
        serde_json::from_str(ok(&["--json", &g, "greet", "{name: \"A\", age: none}"]).trim())
            .unwrap();
    assert_eq!(v["reason"], "call-result");
    assert_eq!(v["function"], "acme:greeter/greet@0.1.0/greet");
    assert_eq!(v["result"], "\"Hello, A!\"");
    // The crate here, built first.
    let out = run(
        wash()
            .args(["call", ".", "greet", "{name: \"B\", age: none}"])
            .current_dir(&greeter().dir),
        true,
    );
    assert_eq!(stdout(&out), "\"Hello, B!\"\n");
}

#[test]
fn a_wrong_call_names_the_parameter_the_type_or_the_functions_there_are() {
    let g = greeter().wasm.display().to_string();
    let out = call(&[&g, "greet", "42"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("argument `who` of `acme:greeter/greet@0.1.0/greet` must be a `record { name: string, age: option<u8> }`; `42` is not one"),
        "{err}"
    );
    let err = stderr(&call(&[&g, "greet"]));
    assert!(err.contains("takes 1 argument(s), 0 given"), "{err}");
    let err = stderr(&call(&[&g, "nope"]));
    assert!(
        err.contains("`nope` is not a function this component exports"),
        "{err}"
    );
    assert!(
        err.contains(
            "help: it exports: acme:greeter/greet@0.1.0/greet, acme:greeter/greet@0.1.0/greet-all"
        ),
        "{err}"
    );
    for err in [
        stderr(&call(&[&g, "greet", "{name: \"x\""])),
        stderr(&call(&[&g])),
    ] {
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn resources_are_made_with_their_constructor_and_their_methods_called() {
    let tmp = temp_dir();
    let dir = tmp.path().join("call-counters");
    crate::sdk::sdk_crate(
        &dir,
        "call-counters",
        "[lib]\ncrate-type = [\"cdylib\"]\n[package.metadata.wasmcloud]\nnamespace = \"acme\"\n",
        "",
        "src/lib.rs",
        r#"use std::cell::Cell;

#[wash::interface]
pub trait Tally {
    fn make(start: u32) -> Counter;
}

#[wash::resource]
pub struct Counter { value: Cell<u32> }

#[wash::resource]
impl Counter {
    pub fn new(start: u32) -> Self { Counter { value: Cell::new(start) } }
    pub fn increment(&self, by: u32) -> u32 { self.value.set(self.value.get() + by); self.value.get() }
}

struct Component;

#[wash::export]
impl Tally for Component {
    fn make(start: u32) -> Counter { Counter::new(start) }
}
"#,
    );
    let wasm = build_json(&dir).display().to_string();
    let list = ok(&[&wasm, "--list"]);
    assert!(
        list.contains("acme:call-counters/tally@0.1.0/counter.new(start: u32) -> own<resource>"),
        "{list}"
    );
    assert!(
        list.contains("counter.increment(self: borrow<resource>, by: u32) -> u32"),
        "{list}"
    );
    assert_eq!(ok(&[&wasm, "counter.increment", "2", "--new", "5"]), "7\n");
    let err = stderr(&call(&[&wasm, "counter.increment", "2"]));
    assert!(
        err.contains(
            "is a method of the resource `counter`: give the constructor's arguments with `--new`"
        ),
        "{err}"
    );
}

#[test]
fn hand_written_interfaces_are_called_too() {
    // cli-probe: a plain crate; its `wasi:cli/run` export is a function like any other.
    let probe = cli_probe().wasm.display().to_string();
    let list = ok(&[&probe, "--list"]);
    let run_fn = list
        .lines()
        .find(|l| l.starts_with("wasi:cli/run@"))
        .unwrap_or_else(|| panic!("{list}"));
    assert!(run_fn.ends_with("/run() -> result"), "{run_fn}");
    assert_eq!(ok(&[&probe, "run"]), "args []\nok\n");
}

#[test]
fn a_registry_reference_is_called_and_capabilities_are_given_as_to_wash_run() {
    // From a registry, through the pull cache.
    let registry = crate::registry::Registry::start();
    let reference = registry.reference("call/greeter:0.1.0");
    run(wash().args(["push", &reference]).arg(&greeter().wasm), true);
    assert_eq!(
        ok(&[&reference, "greet", "{name: \"Reg\", age: none}"]),
        "\"Hello, Reg!\"\n"
    );
    // The capability flags of `wash run`: wasi:config and a keyvalue store of the caller's choice.
    let tmp = temp_dir();
    let store = tmp.path().join("kv");
    let probe = kv_probe().wasm.display().to_string();
    let out = ok(&[
        &probe,
        "run",
        "--config",
        "greeting=from-call",
        "--keyvalue",
        store.to_str().unwrap(),
    ]);
    assert!(out.contains("greeting=from-call\n"), "{out}");
    assert!(out.contains("runs=1\n"), "{out}");
    assert!(out.ends_with("ok\n"), "{out}");
    assert!(store.is_dir(), "the store the flag named was used");
}
