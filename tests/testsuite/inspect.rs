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
