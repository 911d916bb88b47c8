//! Interoperability with the upstream `wasmsign2` command-line tool, both ways.

use std::process::Command;

use super::{Keys, wat_component};
use crate::support::*;

/// Runs the `wasmsign2` tool and asserts it succeeded.
fn wasmsign2(args: &[&std::ffi::OsStr]) {
    let out = Command::new("wasmsign2").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "wasmsign2 {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The upstream `wasmsign2` tool (installed by `scripts/test.sh`) verifies what wash signs, and
/// wash verifies what it signs.
#[test]
fn interop_with_the_wasmsign2_tool() {
    let ok = Command::new("wasmsign2").arg("--version").output();
    assert!(
        ok.is_ok_and(|o| o.status.success()),
        "the `wasmsign2` tool is not on PATH; `bash scripts/test.sh` installs it \
         (`cargo install --locked wasmsign2-cli`)"
    );
    let keys = Keys::new();
    keys.create(&["alice"]);
    let component = wat_component(keys.tmp.path());

    // wash signs, wasmsign2 verifies (wash's public keys are OpenSSH lines: --ssh).
    let signed = keys.path("by-wash.wasm");
    keys.sign(&component, &signed, &["alice"]);
    let alice = keys.dir().join("alice.pub");
    wasmsign2(&[
        "verify".as_ref(),
        "--ssh".as_ref(),
        "-K".as_ref(),
        alice.as_ref(),
        "-i".as_ref(),
        signed.as_ref(),
    ]);

    // wasmsign2 makes a key pair and signs; wash verifies with its public key file.
    let (sk, pk) = (keys.path("ws.sk"), keys.path("ws.pk"));
    wasmsign2(&[
        "keygen".as_ref(),
        "-k".as_ref(),
        sk.as_ref(),
        "-K".as_ref(),
        pk.as_ref(),
    ]);
    let by_tool = keys.path("by-wasmsign2.wasm");
    wasmsign2(&[
        "sign".as_ref(),
        "-i".as_ref(),
        component.as_ref(),
        "-o".as_ref(),
        by_tool.as_ref(),
        "-k".as_ref(),
        sk.as_ref(),
        "-K".as_ref(),
        pk.as_ref(),
    ]);
    keys.verify(&by_tool, &["--key", pk.to_str().unwrap()], true);
    // Its key id is the one wash computes for the same key, so inspect can name it once imported.
    run(
        keys.wash()
            .args(["keys", "import", "--name", "tool"])
            .arg(&pk),
        true,
    );
    let out = run(keys.wash().args(["inspect", "--json"]).arg(&by_tool), true);
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["signatures"][0]["key"], "tool");
    assert_eq!(v["signatures"][0]["status"], "verified");

    // A second signer on the tool's file: both stay valid for both tools.
    let both = keys.path("both.wasm");
    keys.sign(&by_tool, &both, &["alice"]);
    keys.verify(&both, &["--all", "--key", "alice", "--key", "tool"], true);
    wasmsign2(&[
        "verify".as_ref(),
        "-K".as_ref(),
        pk.as_ref(),
        "-i".as_ref(),
        both.as_ref(),
    ]);
}
