//! Re-pushing: what a push of something the registry already holds sends, and when the record
//! of the last push lets wash skip reading the file.

use super::*;

#[test]
fn a_repush_uploads_nothing_and_a_new_tag_only_the_config() {
    let registry = Registry::start();
    let tmp = temp_dir();
    let wasm = &cli_hello().wasm;
    let push = |tag: &str| {
        json(&run(
            wash_in(tmp.path())
                .args(["push", "--json", &registry.reference(tag)])
                .arg(wasm),
            true,
        ))
    };
    let first = push("hello:1.0");
    assert_eq!(first["unchanged"], false);
    assert!(first["uploaded_bytes"].as_u64().unwrap() > first["size"].as_u64().unwrap());
    let again = push("hello:1.0");
    assert_eq!(again["unchanged"], true);
    assert_eq!(again["uploaded_bytes"], 0);
    assert_eq!(again["blobs_uploaded"], 0);
    assert_eq!(again["digest"], first["digest"]);
    // Same component under a new tag: the component blob is already there.
    let other = push("hello:2.0");
    assert_eq!(other["unchanged"], false);
    assert!(other["blobs_uploaded"].as_u64().unwrap() <= 1, "{other}");
    assert!(other["uploaded_bytes"].as_u64().unwrap() < 4096, "{other}");
}

/// A re-push of a file unchanged since its last push does not read it (the last push is
/// recorded); every change that could change what would be pushed is seen.
#[test]
fn a_repush_record_is_used_only_while_file_request_and_registry_are_as_they_were() {
    let mut registry = Registry::start();
    let tmp = temp_dir();
    let file = tmp.path().join("app.wasm");
    std::fs::copy(&cli_hello().wasm, &file).unwrap();
    let reference = registry.reference("app:1");
    let push = |extra: &[&str]| {
        json(&run(
            wash_in(tmp.path())
                .args(["push", "--json", &reference])
                .arg(&file)
                .args(extra),
            true,
        ))
    };
    assert_eq!(push(&[])["unchanged"], false);
    assert_eq!(push(&[])["unchanged"], true);
    // Other annotations: a new manifest.
    assert_eq!(push(&["-a", "team=blue"])["unchanged"], false);
    assert_eq!(push(&["-a", "team=blue"])["unchanged"], true);
    // Other bytes: a new component, and what is pulled is the new one.
    let changed = padded_component(&std::fs::read(&cli_hello().wasm).unwrap(), 1, 9);
    std::fs::write(&file, &changed).unwrap();
    let pushed = push(&["-a", "team=blue"]);
    assert_eq!(pushed["unchanged"], false);
    assert!(
        pushed["uploaded_bytes"].as_u64().unwrap() > 1 << 20,
        "{pushed}"
    );
    let dest = tmp.path().join("pulled.wasm");
    pull_to(tmp.path(), &reference, &dest);
    assert_eq!(std::fs::read(&dest).unwrap(), changed);
    // A registry that lost everything (same address, empty storage): pushed again in full,
    // under the recorded digest as the file is read (and checked against it).
    registry.wipe();
    let again = push(&["-a", "team=blue"]);
    assert_eq!(again["unchanged"], false);
    assert_eq!(again["blobs_uploaded"], 2, "{again}");
    assert!(
        again["uploaded_bytes"].as_u64().unwrap() > changed.len() as u64,
        "{again}"
    );
    pull_to(tmp.path(), &reference, &dest);
    assert_eq!(std::fs::read(&dest).unwrap(), changed);
}
