//! Crash safety: wash killed (SIGKILL, no chance to clean up) at random moments while it
//! writes. Afterwards every output holds the previous complete file or the new complete one,
//! never part of one; the key store and the pull cache hold only whole entries; the temporary
//! files a killed run left are removed by the next run. And two runs at once of the same build
//! or pull both succeed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::registry::{Registry, padded_component};
use crate::support::*;

/// A small deterministic generator (xorshift64*), seeded from the clock and printed, so a
/// failure can be replayed with `WASH_CRASH_SEED`.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("WASH_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        report(&format!("crash test seed: WASH_CRASH_SEED={seed}"));
        Rng(seed)
    }
    fn below(&mut self, n: Duration) -> Duration {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let r = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        Duration::from_micros(r % (n.as_micros() as u64).max(1))
    }
}

/// Starts `cmd` and SIGKILLs it after `after`; whether it had finished on its own first.
fn kill_after(cmd: &mut Command, after: Duration) -> bool {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + after;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

/// How long `cmd` takes when left alone (it must succeed).
fn time(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    run(cmd, true);
    start.elapsed()
}

/// The files in `dir` a killed run left and a later one should have removed.
fn temps(dir: &Path) -> Vec<String> {
    entries(dir)
        .into_iter()
        .filter(|n| n.starts_with(".wash-tmp-") || n.starts_with(".wash-key-"))
        .collect()
}

/// Kills `wash ARGS… -o OUT` many times at random moments; `OUT` must always hold `old` or
/// exactly what an uninterrupted run writes.
fn kill_a_writer(name: &str, args: &[&str], keys: &Path, rng: &mut Rng) -> (usize, usize) {
    let tmp = temp_dir();
    let old = std::fs::read(&greeter().wasm).unwrap();
    let reference = tmp.path().join("reference.wasm");
    let wash_to = |out: &Path| {
        let mut cmd = wash();
        cmd.env("WASH_KEYS_DIR", keys).args(args).arg("-o").arg(out);
        cmd
    };
    let full = time(&mut wash_to(&reference)) + Duration::from_millis(20);
    let new = std::fs::read(&reference).unwrap();
    assert_ne!(new, old);
    let out_dir = tmp.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = out_dir.join("out.wasm");
    let (mut killed, tries) = (0, 30);
    for i in 0..tries {
        std::fs::write(&out, &old).unwrap();
        if !kill_after(&mut wash_to(&out), rng.below(full)) {
            killed += 1;
        }
        let now = std::fs::read(&out).unwrap();
        assert!(
            now == old || now == new,
            "wash {name} killed (try {i}) left {} bytes at its output: neither the old file \
             ({} bytes) nor the new one ({} bytes)",
            now.len(),
            old.len(),
            new.len()
        );
    }
    // The next run finishes the job and sweeps away what the killed ones left.
    run(&mut wash_to(&out), true);
    assert_eq!(std::fs::read(&out).unwrap(), new);
    assert_eq!(temps(&out_dir), Vec::<String>::new(), "wash {name}");
    (killed, tries)
}

/// A root that imports `acme:demo/api` and a plug (padded to 4 MiB) that exports it.
pub(crate) fn compose_pair(dir: &Path) -> (String, String) {
    let root = wat_file(
        dir,
        "root.wasm",
        r#"(component
            (import "acme:demo/api@0.1.0" (instance $i (export "f" (func (result u32)))))
            (export "acme:demo/api@0.1.0" (instance $i)))"#,
    );
    let plug = wat::parse_str(
        r#"(component
            (core module $m (func (export "f") (result i32) i32.const 7))
            (core instance $mi (instantiate $m))
            (func $f (result u32) (canon lift (core func $mi "f")))
            (instance $inst (export "f" (func $f)))
            (export "acme:demo/api@0.1.0" (instance $inst)))"#,
    )
    .unwrap();
    let plug_path = dir.join("plug.wasm");
    std::fs::write(&plug_path, padded_component(&plug, 4, 3)).unwrap();
    (root.display().to_string(), plug_path.display().to_string())
}

#[test]
fn sign_virt_and_compose_killed_mid_write_leave_old_or_new() {
    let keys = temp_dir();
    run(
        wash()
            .env("WASH_KEYS_DIR", keys.path())
            .args(["keys", "new", "crash"]),
        true,
    );
    let app = greeter().wasm.display().to_string();
    let (root, plug) = compose_pair(keys.path());
    let mut rng = Rng::new();
    let mut report = Vec::new();
    for (name, args) in [
        ("sign", vec!["sign", &app, "-k", "crash"]),
        ("virt", vec!["virt", &app, "--env", "A=b"]),
        ("compose", vec!["compose", &root, "--plug", &plug]),
    ] {
        let (killed, tries) = kill_a_writer(name, &args, keys.path(), &mut rng);
        report.push(format!("{name}: {killed} of {tries} runs killed"));
    }
    crate::support::report(&report.join("; "));
}

#[test]
fn keys_new_killed_leaves_whole_keys_or_none() {
    let keys = temp_dir();
    let dir = keys.path();
    let app = greeter().wasm.display().to_string();
    let keys_cmd = |args: &[&str]| {
        let mut cmd = wash();
        cmd.env("WASH_KEYS_DIR", dir).args(args);
        cmd
    };
    let full = time(&mut keys_cmd(&["keys", "new", "warmup"])) + Duration::from_millis(10);
    let mut rng = Rng::new();
    let mut killed = 0;
    for i in 0..30 {
        let name = format!("k{i}");
        if !kill_after(&mut keys_cmd(&["keys", "new", &name]), rng.below(full)) {
            killed += 1;
        }
    }
    // Every key the store lists signs, and what it signs verifies with the same name; a name
    // it does not list left no file behind.
    let out = run(&mut keys_cmd(&["keys", "list", "--json"]), true);
    let listed: Vec<String> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect();
    let signed = keys.path().join("..").join(format!(
        "crash-signed-{}.wasm",
        dir.file_name().unwrap().to_str().unwrap()
    ));
    for i in 0..30 {
        let name = format!("k{i}");
        if listed.contains(&name) {
            run(
                keys_cmd(&["sign", &app, "-k", &name, "-o"]).arg(&signed),
                true,
            );
            run(keys_cmd(&["verify", "--key", &name]).arg(&signed), true);
        } else {
            let left: Vec<String> = entries(dir)
                .into_iter()
                .filter(|e| e.starts_with(&format!("{name}.")))
                .collect();
            assert!(left.is_empty(), "key {name}: not listed, yet {left:?}");
        }
        // Asking again either makes the key or says it exists: never a half state.
        let again = keys_cmd(&["keys", "new", &name]).output().unwrap();
        assert!(
            again.status.success() || stderr(&again).contains("already"),
            "{name}: {}",
            stderr(&again)
        );
    }
    let _ = std::fs::remove_file(&signed);
    assert_eq!(temps(dir), Vec::<String>::new());
    report(&format!(
        "keys new: {killed} of 30 runs killed, {} keys listed",
        listed.len()
    ));
}

/// A component of about 24 MiB in the registry, and its bytes.
fn big_component(registry: &Registry, tmp: &Path) -> (String, Vec<u8>) {
    let bytes = padded_component(&std::fs::read(&greeter().wasm).unwrap(), 24, 7);
    let file = tmp.join("big.wasm");
    std::fs::write(&file, &bytes).unwrap();
    let reference = format!("{}/crash/big:1.0.0", registry.host);
    run(wash().args(["push", &reference]).arg(&file), true);
    (reference, bytes)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

#[test]
fn pull_killed_leaves_old_or_new_and_the_cache_holds_only_whole_components() {
    let registry = Registry::start();
    let tmp = temp_dir();
    let (reference, new) = big_component(&registry, tmp.path());
    let old = std::fs::read(&greeter().wasm).unwrap();
    let out_dir = tmp.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = out_dir.join("app.wasm");
    let home = tmp.path().join("home");
    let pull = || {
        let mut cmd = wash();
        cmd.env("WASH_HOME", &home)
            .args(["pull", &reference, "-o"])
            .arg(&out);
        cmd
    };
    let inspect = || {
        let mut cmd = wash();
        cmd.env("WASH_HOME", &home).args(["inspect", &reference]);
        cmd
    };
    let full = time(&mut pull()) + Duration::from_millis(20);
    let mut rng = Rng::new();
    let mut killed = 0;
    let cache = home.join("cache/oci/blobs/sha256");
    for i in 0..20 {
        std::fs::write(&out, &old).unwrap();
        if !kill_after(&mut pull(), rng.below(full)) {
            killed += 1;
        }
        let now = std::fs::read(&out).unwrap();
        assert!(
            now == old || now == new,
            "pull killed (try {i}): partial file"
        );
        // The cache (filled by `inspect REFERENCE`), killed too.
        let _ = std::fs::remove_dir_all(&cache);
        if !kill_after(&mut inspect(), rng.below(full)) {
            killed += 1;
        }
        let cached = if cache.exists() {
            entries(&cache)
        } else {
            Vec::new()
        };
        for entry in cached {
            if let Some(hex) = entry.strip_suffix(".wasm") {
                let bytes = std::fs::read(cache.join(&entry)).unwrap();
                assert_eq!(sha256_hex(&bytes), hex, "a partial cache entry");
            }
        }
    }
    run(&mut pull(), true);
    assert_eq!(std::fs::read(&out).unwrap(), new);
    run(&mut inspect(), true);
    assert_eq!(temps(&out_dir), Vec::<String>::new());
    assert_eq!(temps(&cache), Vec::<String>::new());
    report(&format!("pull and cache fill: {killed} of 40 runs killed"));
}

/// A crate that `wash build` composes nothing into but virtualizes and signs, named for this
/// test alone (the wasm target dir is shared).
fn signed_crate(tmp: &Path, keys: &Path) -> PathBuf {
    let dir = tmp.join("crash-app");
    run(
        wash()
            .args(["new", "--template", "http-hello", "--name", "crash-app"])
            .arg(&dir),
        true,
    );
    let manifest = dir.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str(
        "\n[package.metadata.wasmcloud.virt]\nenv = { A = \"b\" }\n\
         [package.metadata.wasmcloud.sign]\nkeys = [\"crash\"]\n",
    );
    std::fs::write(&manifest, text).unwrap();
    run(
        wash()
            .env("WASH_KEYS_DIR", keys)
            .args(["keys", "new", "crash"]),
        true,
    );
    dir
}

fn edit_greeting(dir: &Path, n: usize) {
    let src = dir.join("src/lib.rs");
    let text = std::fs::read_to_string(&src).unwrap();
    let marker = "/* edit */";
    let text = match text.find(marker) {
        Some(at) => format!("{}{marker} const _EDIT: usize = {n};\n", &text[..at]),
        None => format!("{text}\n{marker} const _EDIT: usize = {n};\n"),
    };
    std::fs::write(&src, text).unwrap();
}

#[test]
fn build_killed_leaves_a_whole_signed_component_and_two_builds_at_once_agree() {
    let tmp = temp_dir();
    let keys = tmp.path().join("keys");
    let dir = signed_crate(tmp.path(), &keys);
    let build = || {
        let mut cmd = wash();
        cmd.env("WASH_KEYS_DIR", &keys)
            .args(["build", "--json"])
            .current_dir(&dir);
        cmd
    };
    let out = run(&mut build(), true);
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let wasm = PathBuf::from(v["path"].as_str().unwrap());
    let check = |when: &str| {
        let bytes = std::fs::read(&wasm).unwrap();
        assert!(
            wasmparser::Validator::new().validate_all(&bytes).is_ok(),
            "{when}: the component at {wasm:?} is not whole"
        );
        run(
            wash()
                .env("WASH_KEYS_DIR", &keys)
                .args(["verify", "--key", "crash"])
                .arg(&wasm),
            true,
        );
    };
    edit_greeting(&dir, 0);
    let full = time(&mut build()) + Duration::from_millis(50);
    let mut rng = Rng::new();
    let mut killed = 0;
    for i in 1..=8 {
        edit_greeting(&dir, i);
        if !kill_after(&mut build(), rng.below(full)) {
            killed += 1;
        }
        check(&format!("build killed (try {i})"));
    }
    // Two builds of the same crate at once: both succeed, with the same whole component.
    edit_greeting(&dir, 100);
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| build().output().unwrap());
        let b = s.spawn(|| build().output().unwrap());
        (a.join().unwrap(), b.join().unwrap())
    });
    for out in [&a, &b] {
        assert!(out.status.success(), "{}", stderr(out));
    }
    check("after two builds at once");
    assert_eq!(temps(wasm.parent().unwrap()), Vec::<String>::new());
    report(&format!("build: {killed} of 8 runs killed"));
}
