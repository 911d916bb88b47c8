//! `--verify-key` on `wash pull` and `wash run REF`: the signature check runs on the pulled
//! bytes, before anything is written or cached.

use super::*;

#[test]
fn pull_and_run_take_only_components_signed_by_the_given_key() {
    let registry = Registry::start();
    let tmp = temp_dir();
    let keys = tmp.path().join("keys");
    let with_keys = || {
        let mut cmd = wash_in(tmp.path());
        cmd.env("WASH_KEYS_DIR", &keys)
            .env("WASH_HOME", tmp.path().join("home"));
        cmd
    };
    for name in ["alice", "mallory"] {
        run(with_keys().args(["keys", "new", name]), true);
    }
    let signed = tmp.path().join("signed.wasm");
    run(
        with_keys()
            .arg("sign")
            .arg(&cli_hello().wasm)
            .arg("-o")
            .arg(&signed)
            .args(["--key", "alice"]),
        true,
    );
    let signed_ref = registry.reference("hello:signed");
    let unsigned_ref = registry.reference("hello:unsigned");
    run(with_keys().args(["push", &signed_ref]).arg(&signed), true);
    run(
        with_keys()
            .args(["push", &unsigned_ref])
            .arg(&cli_hello().wasm),
        true,
    );

    // Signed by the key asked for: pulled byte for byte, and runs.
    let dest = tmp.path().join("ok.wasm");
    run(
        with_keys()
            .args(["pull", &signed_ref, "--verify-key", "alice", "-o"])
            .arg(&dest),
        true,
    );
    assert_eq!(
        std::fs::read(&dest).unwrap(),
        std::fs::read(&signed).unwrap()
    );
    let out = run(
        with_keys().args(["run", &signed_ref, "--verify-key", "alice", "--", "Bo"]),
        true,
    );
    assert!(stdout(&out).contains("Hello, Bo"), "{}", stdout(&out));

    // Signed by someone else, or not at all: refused, nothing written.
    for (reference, expect) in [(&signed_ref, "mallory"), (&unsigned_ref, "not signed")] {
        let dest = tmp.path().join("refused.wasm");
        let out = run(
            with_keys()
                .args(["pull", reference, "--verify-key", "mallory", "-o"])
                .arg(&dest),
            false,
        );
        assert!(stderr(&out).contains(expect), "{}", stderr(&out));
        assert!(!dest.exists());
    }
}
