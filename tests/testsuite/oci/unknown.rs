//! Pushing a file wash knows nothing of (never pushed, not just built): it goes up as it is
//! read, its digest learnt on the way, and is committed only once found valid.

use super::*;

/// A fresh `WASH_HOME`: nothing pushed or validated before.
fn wash_at(home: &Path, docker: &Path) -> Command {
    let mut cmd = wash_in(docker);
    cmd.env("WASH_HOME", home);
    cmd
}

#[test]
fn an_invalid_component_is_refused_and_nothing_is_committed() {
    let registry = Registry::start();
    let tmp = temp_dir();
    let bad = with_a_bad_function_body(&std::fs::read(&cli_hello().wasm).unwrap());
    let file = tmp.path().join("bad.wasm");
    std::fs::write(&file, &bad).unwrap();
    let out = run(
        wash_at(&tmp.path().join("home"), tmp.path())
            .args(["push", &registry.reference("bad:1")])
            .arg(&file),
        false,
    );
    let err = stderr(&out);
    assert!(
        err.contains("is not a valid WebAssembly component"),
        "{err}"
    );
    assert!(err.contains("bad.wasm"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(registry.status_of("/v2/bad/manifests/1"), 404);
    let digest = wash::artifact::sha256_digest(&bad);
    assert_eq!(registry.status_of(&format!("/v2/bad/blobs/{digest}")), 404);
}

#[test]
fn a_file_the_registry_has_is_not_committed_again_and_pulls_back_whole() {
    let registry = Registry::start();
    let tmp = temp_dir();
    let file = tmp.path().join("big.wasm");
    let bytes = padded_component(&std::fs::read(&cli_hello().wasm).unwrap(), 8, 2);
    std::fs::write(&file, &bytes).unwrap();
    let push = |home: &str, tag: &str| {
        json(&run(
            wash_at(&tmp.path().join(home), tmp.path())
                .args(["push", "--json", &registry.reference(tag)])
                .arg(&file),
            true,
        ))
    };
    let first = push("first", "big:1");
    assert_eq!(first["blobs_uploaded"], 2, "{first}");
    assert!(
        first["uploaded_bytes"].as_u64().unwrap() > bytes.len() as u64,
        "{first}"
    );
    // Another machine (another WASH_HOME: no record, nothing known valid) pushes the same file.
    let second = push("second", "big:2");
    assert_eq!(second["layer_digest"], first["layer_digest"]);
    assert!(
        second["uploaded_bytes"].as_u64().unwrap() < 4096,
        "{second}"
    );
    for tag in ["big:1", "big:2"] {
        let dest = tmp.path().join(format!("{tag}.wasm").replace(':', "-"));
        pull_to(tmp.path(), &registry.reference(tag), &dest);
        assert_eq!(std::fs::read(&dest).unwrap(), bytes, "{tag}");
    }
}
