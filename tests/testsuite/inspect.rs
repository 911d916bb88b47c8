//! `wash inspect`: world, WIT, size, digest and metadata of real components, and clear errors
//! for files that are not components.

use crate::support::*;

#[test]
fn summary_of_the_http_template() {
    let f = http_hello();
    let out = run(wash().arg("inspect").arg(&f.wasm), true);
    let text = stdout(&out);
    assert!(
        text.contains("exports  wasi:http/incoming-handler@0.2."),
        "{text}"
    );
    assert!(text.contains("language: Rust"), "{text}");
    // Producer versions vary by toolchain; the rest of the layout is the snapshot.
    let mut settings = redactions();
    settings.add_filter(r"(processed-by: [\w-]+) [^\n]*", "$1 [VERSION]");
    settings.add_filter(r"(sdk: [\w-]+) [^\n]*", "$1 [VERSION]");
    settings.bind(|| insta::assert_snapshot!("inspect-http-hello", text));
}

#[test]
fn json_has_world_size_and_digest() {
    let f = cli_hello();
    let out = run(wash().arg("inspect").arg("--json").arg(&f.wasm), true);
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let bytes = std::fs::read(&f.wasm).unwrap();
    assert_eq!(v["size"], bytes.len() as u64);
    assert_eq!(v["digest"], wash::artifact::sha256_digest(&bytes));
    let exports: Vec<&str> = v["world"]["exports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert_eq!(exports.len(), 1);
    assert!(exports[0].starts_with("wasi:cli/run@0.2."), "{exports:?}");
    assert!(
        v["world"]["imports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i.as_str().unwrap().starts_with("wasi:cli/stdout@"))
    );
    assert!(v.get("wit").is_none());
}

#[test]
fn wit_prints_a_parseable_world() {
    let f = http_hello();
    let out = run(wash().arg("inspect").arg("--wit").arg(&f.wasm), true);
    let wit = stdout(&out);
    assert!(
        wit.contains("export wasi:http/incoming-handler@0.2."),
        "{wit}"
    );
    let mut resolve = wit_parser::Resolve::default();
    resolve
        .push_str("component.wit", &wit)
        .expect("wash inspect --wit output parses");
}

#[test]
fn cargo_wasmcloud_inspects_the_same() {
    let f = cli_hello();
    let a = run(wash().args(["inspect", "--json"]).arg(&f.wasm), true);
    let b = run(
        cargo_wasmcloud().args(["inspect", "--json"]).arg(&f.wasm),
        true,
    );
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn files_that_are_not_components_get_clear_errors() {
    let tmp = temp_dir();
    let junk = tmp.path().join("junk.wasm");
    std::fs::write(&junk, b"this is not wasm").unwrap();
    let module = wat_file(tmp.path(), "core-module.wasm", "(module)");
    let truncated = tmp.path().join("truncated.wasm");
    let full = std::fs::read(&cli_hello().wasm).unwrap();
    std::fs::write(&truncated, &full[..full.len() / 2]).unwrap();
    let missing = tmp.path().join("missing.wasm");

    let settings = redactions();
    for (name, path) in [
        ("junk", &junk),
        ("core-module", &module),
        ("truncated", &truncated),
        ("missing", &missing),
    ] {
        let out = run(wash().arg("inspect").arg(path), false);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.contains(&format!("{name}.wasm")), "{err}");
        settings.bind(|| insta::assert_snapshot!(format!("inspect-error-{name}"), err));
    }
}

#[test]
fn validation_is_kept_by_digest() {
    let tmp = temp_dir();
    let home = tmp.path().join("home");
    let entry = |bytes: &[u8]| {
        let digest = wash::artifact::sha256_digest(bytes);
        home.join("cache/valid")
            .join(env!("CARGO_PKG_VERSION"))
            .join(digest.trim_start_matches("sha256:"))
    };
    // A component whose structure is sound but whose one function body is not.
    let bad = wat_file(
        tmp.path(),
        "bad-body.wasm",
        "(component (core module (func (result i32) i64.const 1)))",
    );
    let bad_bytes = std::fs::read(&bad).unwrap();
    let out = run(
        wash().env("WASH_HOME", &home).arg("inspect").arg(&bad),
        false,
    );
    assert!(stderr(&out).contains("bad-body.wasm"), "{}", stderr(&out));
    assert!(
        !entry(&bad_bytes).exists(),
        "an invalid component was recorded"
    );

    // A valid one is recorded under its digest, and inspected the same the second time.
    let good = cli_hello();
    let good_bytes = std::fs::read(&good.wasm).unwrap();
    let first = run(
        wash()
            .env("WASH_HOME", &home)
            .arg("inspect")
            .arg(&good.wasm),
        true,
    );
    assert!(entry(&good_bytes).is_file());
    let again = run(
        wash()
            .env("WASH_HOME", &home)
            .arg("inspect")
            .arg(&good.wasm),
        true,
    );
    assert_eq!(first.stdout, again.stdout);

    // The record is what spares the work: with one for the bad bytes, their bodies are not
    // validated again (the record is trusted as `$WASH_HOME` is).
    std::fs::write(entry(&bad_bytes), b"").unwrap();
    run(
        wash().env("WASH_HOME", &home).arg("inspect").arg(&bad),
        true,
    );
}
