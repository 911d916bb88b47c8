//! `wash keys`, `wash sign`, `wash verify`: signatures embedded in real components, checked
//! by tampering with every section, by the upstream `wasmsign2` tool, and through `wash build`
//! and `wash inspect`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

mod build;
mod interop;

/// A throwaway OpenSSH ed25519 key made for these tests with `ssh-keygen -t ed25519 -N ""`.
const OPENSSH_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACBIwbiQlFXIg/bqM0CEoMziXXPQRXqULUGbTYxFuogrZgAAAJANFgB+DRYA
fgAAAAtzc2gtZWQyNTUxOQAAACBIwbiQlFXIg/bqM0CEoMziXXPQRXqULUGbTYxFuogrZg
AAAEDQZtBCUG0CDYhbC+rjS8YKUGjp1cDxdLxHwSLwvNONe0jBuJCUVciD9uozQISgzOJd
c9BFepQtQZtNjEW6iCtmAAAACXdhc2gtdGVzdAECAwQ=
-----END OPENSSH PRIVATE KEY-----
";
/// Its public half and the fingerprint `ssh-keygen -l` prints for it.
const OPENSSH_PUB: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEjBuJCUVciD9uozQISgzOJdc9BFepQtQZtNjEW6iCtm wash-test\n";
const OPENSSH_FINGERPRINT: &str = "SHA256:aH62ih9yP38qBW6qhjYhRPYhIi17T3p7FOaeEr0ZpTY";
/// The same kind of key, encrypted with the passphrase `secret`.
const OPENSSH_ENCRYPTED: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABAQvEP/RB
9jGpQFyDBJ8wcVAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIEbBx37HQ3Es/+oY
gdHub0jTeEdTF/b3lLVWl4xXuhFBAAAAkMgmrL6HzpaPQ8Y6MNgOQ3mi/j51Q4cbPiF8Ds
MvR899R8iSbmVVjNSSh7me7b/L/FRvqCNcJ6WKL3fE+xzjSzfSwcqE+x9HalIrkpzrrWrV
zP++sAdIO6JBz3o3VDb/bA818kjI2kAqtNC4e1tESefJPZ6579i9v99Jw95fr8QJajiyc0
HHhZ2nBEpV9w31Gg==
-----END OPENSSH PRIVATE KEY-----
";

/// A scratch folder with its own key store.
pub(super) struct Keys {
    pub(super) tmp: tempfile::TempDir,
}

impl Keys {
    pub(super) fn new() -> Keys {
        Keys { tmp: temp_dir() }
    }

    pub(super) fn dir(&self) -> PathBuf {
        self.tmp.path().join("keys")
    }

    pub(super) fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// `wash` with `WASH_KEYS_DIR` pointing at this store.
    pub(super) fn wash(&self) -> Command {
        let mut cmd = wash();
        cmd.env("WASH_KEYS_DIR", self.dir());
        cmd
    }

    pub(super) fn create(&self, names: &[&str]) {
        for name in names {
            run(self.wash().args(["keys", "new", name]), true);
        }
    }

    pub(super) fn sign(&self, input: &Path, output: &Path, keys: &[&str]) {
        let mut cmd = self.wash();
        cmd.arg("sign").arg(input).arg("-o").arg(output);
        for k in keys {
            cmd.args(["--key", k]);
        }
        run(&mut cmd, true);
    }

    pub(super) fn verify(&self, file: &Path, args: &[&str], ok: bool) -> String {
        let out = run(self.wash().arg("verify").arg(file).args(args), ok);
        if ok { stdout(&out) } else { stderr(&out) }
    }
}

/// A small component written in the component text format: an import, a nested core module
/// with memory, code and data, a core instance, a lifted function, an export and custom
/// sections — most kinds of component section.
pub(super) fn wat_component(dir: &Path) -> PathBuf {
    wat_file(
        dir,
        "component.wasm",
        r#"(component
            (import "host:demo/log" (instance $log
                (export "log" (func (param "msg" string)))))
            (core module $m
                (memory (export "memory") 1)
                (func (export "answer") (result i32) i32.const 42)
                (data (i32.const 0) "signed bytes")
                (@custom "wash-test-inner" "a custom section inside the core module"))
            (core instance $i (instantiate $m))
            (func $answer (result u32) (canon lift (core func $i "answer")))
            (export "answer" (func $answer))
            (@custom "wash-test" "a custom section of the component"))"#,
    )
}

/// The top-level sections of a wasm binary, as (offset of the payload, payload length).
fn sections(bytes: &[u8]) -> Vec<(u8, usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 8;
    while pos < bytes.len() {
        let id = bytes[pos];
        pos += 1;
        let (mut len, mut shift) = (0usize, 0);
        loop {
            let b = bytes[pos];
            pos += 1;
            len |= ((b & 0x7f) as usize) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        out.push((id, pos, len));
        pos += len;
    }
    out
}

#[test]
fn keys_new_list_show_keep_the_secret_secret() {
    let keys = Keys::new();
    let out = run(keys.wash().args(["keys", "new", "alice", "--json"]), true);
    let alice: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(alice["algorithm"], "ed25519");
    assert_eq!(alice["key_id"].as_str().unwrap().len(), 24);
    assert!(
        alice["fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("SHA256:")
    );
    assert_eq!(alice["can_sign"], true);

    let secret_file = keys.dir().join("alice.key");
    let secret = std::fs::read_to_string(&secret_file).unwrap();
    assert!(
        secret.starts_with("-----BEGIN PRIVATE KEY-----"),
        "{secret}"
    );
    let secret_body = secret.lines().nth(1).unwrap().to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&secret_file), 0o600);
        assert_eq!(mode(&keys.dir()), 0o700);
        assert_eq!(mode(&keys.dir().join("alice.pub")), 0o644);
    }
    let public = std::fs::read_to_string(keys.dir().join("alice.pub")).unwrap();
    assert_eq!(public.trim(), alice["public_key"].as_str().unwrap());

    keys.create(&["bob"]);
    let list = stdout(&run(keys.wash().args(["keys", "list"]), true));
    let names: Vec<&str> = list.lines().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(names, ["alice", "bob"]);

    // No command prints the secret unless asked with --secret.
    for args in [
        &["keys", "show", "alice"][..],
        &["keys", "show", "alice", "--json"],
        &["keys", "list", "--json"],
    ] {
        let out = run(keys.wash().args(args), true);
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!all.contains(&secret_body), "{args:?} printed the secret");
        assert!(all.contains(alice["key_id"].as_str().unwrap()), "{all}");
    }
    let shown = stdout(&run(
        keys.wash().args(["keys", "show", "alice", "--secret"]),
        true,
    ));
    assert!(shown.contains(&secret_body), "{shown}");

    // A taken name and an unusable name are refused, and the existing key is untouched.
    let err = stderr(&run(keys.wash().args(["keys", "new", "alice"]), false));
    assert!(err.contains("a key named `alice` already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&secret_file).unwrap(), secret);
    let err = stderr(&run(keys.wash().args(["keys", "new", "../evil"]), false));
    assert!(err.contains("`../evil` is not a valid key name"), "{err}");
}

#[test]
fn keys_import_reads_openssh_keys() {
    let keys = Keys::new();
    let file = keys.path("id_ed25519");
    std::fs::write(&file, OPENSSH_KEY).unwrap();
    let out = run(
        keys.wash().args(["keys", "import", "--json"]).arg(&file),
        true,
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["name"], "id_ed25519");
    assert_eq!(
        v["fingerprint"], OPENSSH_FINGERPRINT,
        "ssh-keygen -l agrees"
    );
    assert_eq!(v["can_sign"], true);
    let pub_line = OPENSSH_PUB.split(' ').nth(1).unwrap();
    assert!(v["public_key"].as_str().unwrap().contains(pub_line));

    // A public key alone can verify, not sign.
    let pub_file = keys.path("colleague.pub");
    std::fs::write(&pub_file, OPENSSH_PUB).unwrap();
    run(keys.wash().args(["keys", "import"]).arg(&pub_file), true);
    let component = wat_component(keys.tmp.path());
    let err = stderr(&run(
        keys.wash()
            .arg("sign")
            .arg(&component)
            .args(["--key", "colleague"]),
        false,
    ));
    assert!(err.contains("key `colleague` has no secret key"), "{err}");

    let signed = keys.path("signed.wasm");
    keys.sign(&component, &signed, &["id_ed25519"]);
    keys.verify(&signed, &["--key", "colleague"], true);

    let enc = keys.path("id_encrypted");
    std::fs::write(&enc, OPENSSH_ENCRYPTED).unwrap();
    let err = stderr(&run(keys.wash().args(["keys", "import"]).arg(&enc), false));
    assert!(err.contains("is encrypted with a passphrase"), "{err}");
    let junk = keys.path("junk.key");
    std::fs::write(&junk, "not a key").unwrap();
    let err = stderr(&run(keys.wash().args(["keys", "import"]).arg(&junk), false));
    assert!(
        err.contains("does not hold an ed25519 secret or public key"),
        "{err}"
    );
}

#[test]
fn sign_and_verify_a_component_with_several_signers() {
    let keys = Keys::new();
    keys.create(&["alice", "bob", "carol"]);
    let component = wat_component(keys.tmp.path());
    let original = std::fs::read(&component).unwrap();
    let signed = keys.path("signed.wasm");
    keys.sign(&component, &signed, &["alice", "bob"]);
    assert_eq!(
        std::fs::read(&component).unwrap(),
        original,
        "-o leaves the input"
    );
    let bytes = std::fs::read(&signed).unwrap();
    wash::artifact::validate_component(&bytes).expect("still a valid component");
    assert!(wash::artifact::is_component(&bytes));

    keys.verify(&signed, &["--key", "alice"], true);
    keys.verify(&signed, &["--all", "--key", "alice", "--key", "bob"], true);
    // Any of the store's keys is enough by default; --all needs carol too.
    keys.verify(&signed, &[], true);
    let err = keys.verify(&signed, &["--all"], false);
    assert!(err.contains("`carol` (key id "), "{err}");
    assert!(err.contains("not signed by every given key"), "{err}");

    let out = run(
        keys.wash()
            .arg("verify")
            .arg(&signed)
            .args(["--json", "--key", "alice", "--key", "carol"]),
        true,
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["signatures"].as_array().unwrap().len(), 2);
    assert_eq!(v["keys"][0]["outcome"], "verified");
    assert_eq!(v["keys"][1]["outcome"], "not-signed");

    let out = run(
        keys.wash()
            .arg("verify")
            .arg(&signed)
            .args(["--json", "--all", "--key", "alice", "--key", "carol"]),
        false,
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["verified"], false);
    assert_eq!(v["keys"][1]["name"], "carol");
    assert_eq!(v["keys"][1]["outcome"], "not-signed");

    // Signing again with a key that already signed changes nothing.
    let before = std::fs::read(&signed).unwrap();
    run(
        keys.wash()
            .arg("sign")
            .arg(&signed)
            .args(["--key", "alice"]),
        true,
    );
    assert_eq!(std::fs::read(&signed).unwrap(), before);
}

#[test]
fn a_second_signer_keeps_the_first_signature_valid() {
    let keys = Keys::new();
    keys.create(&["alice", "bob"]);
    let component = wat_component(keys.tmp.path());
    let once = keys.path("once.wasm");
    let twice = keys.path("twice.wasm");
    keys.sign(&component, &once, &["alice"]);
    keys.sign(&once, &twice, &["bob"]);
    keys.verify(&twice, &["--key", "alice"], true);
    keys.verify(&twice, &["--key", "bob"], true);
    keys.verify(&twice, &["--all"], true);

    // --keys-dir trusts every `*.pub` in another folder: here, bob's public key alone.
    let trusted = keys.path("trusted");
    std::fs::create_dir_all(&trusted).unwrap();
    std::fs::copy(keys.dir().join("bob.pub"), trusted.join("bob.pub")).unwrap();
    let dir = trusted.to_str().unwrap();
    keys.verify(&twice, &["--keys-dir", dir, "--all"], true);
    let err = keys.verify(&component, &["--keys-dir", dir], false);
    assert!(err.contains("not signed"), "{err}");
    let empty = keys.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let err = keys.verify(&twice, &["--keys-dir", empty.to_str().unwrap()], false);
    assert!(err.contains("holds no public keys"), "{err}");
}

#[test]
fn wrong_key_and_missing_signature_are_named() {
    let keys = Keys::new();
    keys.create(&["alice", "mallory"]);
    let component = wat_component(keys.tmp.path());
    let signed = keys.path("signed.wasm");
    keys.sign(&component, &signed, &["alice"]);

    let err = keys.verify(&signed, &["--key", "mallory"], false);
    assert!(err.contains("not signed by `mallory` (key id "), "{err}");

    // Stripping the signature section leaves the unsigned component...
    let bytes = std::fs::read(&signed).unwrap();
    let (id, start, len) = sections(&bytes)[0];
    assert_eq!(id, 0, "the signature is the first section, a custom one");
    let mut stripped = bytes[..8].to_vec();
    stripped.extend_from_slice(&bytes[start + len..]);
    assert_eq!(stripped, std::fs::read(&component).unwrap());
    let stripped_path = keys.path("stripped.wasm");
    std::fs::write(&stripped_path, &stripped).unwrap();
    // ...which no longer verifies.
    let err = keys.verify(&stripped_path, &["--key", "alice"], false);
    let mut settings = redactions();
    settings.add_filter(r"\b[0-9a-f]{24}\b", "[KEY-ID]");
    settings.bind(|| {
        insta::assert_snapshot!("verify-not-signed", err);
        insta::assert_snapshot!(
            "verify-wrong-key",
            keys.verify(&signed, &["--key", "mallory"], false)
        );
    });
}

/// Flip one byte in every section of a signed, Rust-built component in turn: each must fail,
/// and a change outside the signature must be reported as a modification.
#[test]
fn tampering_with_any_section_fails_verification() {
    let keys = Keys::new();
    keys.create(&["alice"]);
    let signed = keys.path("signed.wasm");
    keys.sign(&cli_probe().wasm, &signed, &["alice"]);
    let bytes = std::fs::read(&signed).unwrap();
    let store = wash::sign::KeyStore::at(keys.dir());
    let policy = wash::sign::VerifyPolicy::any_in(&store).unwrap();
    wash::sign::verify_bytes(&bytes, &policy).expect("the untouched file verifies");

    let all = sections(&bytes);
    assert!(all.len() > 5, "a real component has many sections: {all:?}");
    for (n, &(id, start, len)) in all.iter().enumerate() {
        if len == 0 {
            continue;
        }
        let mut tampered = bytes.clone();
        tampered[start + len / 2] ^= 0x01;
        let err = wash::sign::verify_bytes(&tampered, &policy)
            .expect_err(&format!("section {n} (id {id}) tampered, yet it verifies"));
        if n > 0 {
            assert!(
                err.to_string().contains("modified after it was signed"),
                "section {n}: {err}"
            );
        }
    }
    // Every single byte of the signature section, too.
    let (_, start, len) = all[0];
    for i in start..start + len {
        let mut tampered = bytes.clone();
        tampered[i] ^= 0x01;
        assert!(
            wash::sign::verify_bytes(&tampered, &policy).is_err(),
            "byte {i} of the signature section flipped, yet it verifies"
        );
    }
    // And through the CLI, once per section kind: the signature and the first code-bearing one.
    for &(_, start, len) in [all[0], all[1]].iter() {
        let mut tampered = bytes.clone();
        tampered[start + len / 2] ^= 0x01;
        let path = keys.path("tampered.wasm");
        std::fs::write(&path, &tampered).unwrap();
        keys.verify(&path, &["--key", "alice"], false);
    }
    // The signed component still runs: the signature section is an ordinary custom section.
    let out = run(wash().arg("run").arg(&signed).args(["--", "hello"]), true);
    assert_eq!(stdout(&out), "args [\"hello\"]\n");
}

#[test]
fn inspect_says_whether_each_signature_verifies_locally() {
    let keys = Keys::new();
    keys.create(&["alice", "bob"]);
    let component = wat_component(keys.tmp.path());
    let signed = keys.path("signed.wasm");
    keys.sign(&component, &signed, &["alice", "bob"]);
    // Forget bob: his signature is now from an unknown key.
    std::fs::remove_file(keys.dir().join("bob.pub")).unwrap();
    std::fs::remove_file(keys.dir().join("bob.key")).unwrap();

    let json = |file: &Path| -> serde_json::Value {
        let out = run(keys.wash().args(["inspect", "--json"]).arg(file), true);
        serde_json::from_str(stdout(&out).trim()).unwrap()
    };
    let v = json(&signed);
    let sigs = v["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    assert_eq!(sigs[0]["key"], "alice");
    assert_eq!(sigs[0]["status"], "verified");
    assert_eq!(sigs[0]["algorithm"], "ed25519");
    assert_eq!(sigs[1]["key"], serde_json::Value::Null);
    assert_eq!(sigs[1]["status"], "unknown-key");

    let text = stdout(&run(keys.wash().arg("inspect").arg(&signed), true));
    assert!(text.contains("verified by local key `alice`"), "{text}");
    assert!(text.contains("no local key to check it"), "{text}");

    // Modify a byte of the last section: alice's signature no longer holds.
    let mut bytes = std::fs::read(&signed).unwrap();
    let &(_, start, len) = sections(&bytes).last().unwrap();
    bytes[start + len - 1] ^= 0x01;
    let modified = keys.path("modified.wasm");
    std::fs::write(&modified, &bytes).unwrap();
    let v = json(&modified);
    assert_eq!(v["signatures"][0]["status"], "modified");
    let v = json(&component);
    assert_eq!(v["signatures"], serde_json::json!([]));
}

/// Issue 11, "safe homes": without a home, keys are never written under the temp dir or the
/// current directory; the error names `WASH_HOME`. Merely looking for local keys (`wash
/// inspect`) still works, finding none.
#[test]
fn keys_without_a_home_are_refused_and_inspect_still_works() {
    let keys = Keys::new();
    keys.create(&["alice"]);
    let signed = keys.path("signed.wasm");
    keys.sign(&wat_component(keys.tmp.path()), &signed, &["alice"]);
    let tmp = temp_dir();
    let (cwd, tmpdir) = (tmp.path().join("cwd"), tmp.path().join("tmp"));

    for args in [&["keys", "new", "k"][..], &["keys", "list"]] {
        let out = run(wash_without_home(tmp.path()).args(args), false);
        let err = stderr(&out);
        assert!(err.contains("cannot find the key store"), "{err}");
        assert!(
            err.contains("no home directory: `WASH_HOME` is not set and `HOME` is not set"),
            "{err}"
        );
        assert!(err.contains("help: set `WASH_HOME` to"), "{err}");
        assert_eq!(entries(&cwd), Vec::<String>::new());
        assert_eq!(entries(&tmpdir), Vec::<String>::new());
    }

    let out = run(
        wash_without_home(tmp.path())
            .args(["inspect", "--json"])
            .arg(&signed),
        true,
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["signatures"][0]["status"], "unknown-key");
    assert_eq!(entries(&cwd), Vec::<String>::new());
    assert_eq!(entries(&tmpdir), Vec::<String>::new());
}

/// The in-memory API other parts of wash (and the OCI push/pull) verify with.
#[test]
fn verify_bytes_checks_in_memory() {
    let keys = Keys::new();
    keys.create(&["alice", "bob"]);
    let store = wash::sign::KeyStore::at(keys.dir());
    let component = std::fs::read(wat_component(keys.tmp.path())).unwrap();
    let alice = store.signing("alice").unwrap();
    assert!(
        !format!("{alice:?}").contains("PRIVATE"),
        "Debug hides the secret"
    );
    let signed = wash::sign::sign_bytes(&component, &[alice]).unwrap();
    assert_eq!(signed.added, ["alice"]);

    let policy = wash::sign::VerifyPolicy::any(vec![store.public("alice").unwrap()]);
    let report = wash::sign::verify_bytes(&signed.bytes, &policy).unwrap();
    assert_eq!(report.verified().count(), 1);
    let only_bob = wash::sign::VerifyPolicy::any(vec![store.public("bob").unwrap()]);
    assert!(matches!(
        wash::sign::verify_bytes(&signed.bytes, &only_bob),
        Err(wash::sign::VerifyError::Failed { .. })
    ));
    assert!(matches!(
        wash::sign::verify_bytes(&component, &policy),
        Err(wash::sign::VerifyError::NotSigned)
    ));
    assert!(matches!(
        wash::sign::verify_bytes(b"not wasm", &policy),
        Err(wash::sign::VerifyError::NotWasm)
    ));
    let err = wash::sign::sign_bytes(b"\0asm\x0d\0\x01\0\xff", &[store.signing("bob").unwrap()])
        .unwrap_err();
    assert!(err.to_string().contains("not a valid WebAssembly"), "{err}");
}
