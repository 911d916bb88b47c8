//! Malformed input through every command that takes a wasm file: truncations at many offsets,
//! wrong magic, version and layer, bad section lengths, huge declared sizes, flipped bytes, a
//! core module where a component is expected, text where binary is. Each must exit non-zero
//! (never 101, never "panicked"), within a bound, with a short error that names the file, and
//! leave no output behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::registry::{Registry, leb};
use crate::support::*;

/// One malformed input: a name for the report and its bytes.
struct Case {
    name: String,
    bytes: Vec<u8>,
}

/// Reads the LEB128 at `at`: its value and its length in bytes.
fn read_leb(bytes: &[u8], at: usize) -> (u64, usize) {
    let (mut v, mut shift, mut n) = (0u64, 0, 0);
    loop {
        let b = bytes[at + n];
        v |= u64::from(b & 0x7f) << shift;
        n += 1;
        if b & 0x80 == 0 {
            return (v, n);
        }
        shift += 7;
    }
}

/// `valid` with its first section's length replaced by `len`.
fn with_first_section_len(valid: &[u8], len: u64) -> Vec<u8> {
    let (_, n) = read_leb(valid, 9);
    let mut out = valid[..9].to_vec();
    leb(&mut out, len);
    out.extend_from_slice(&valid[9 + n..]);
    out
}

/// A small deterministic generator (xorshift64*), so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn is_valid(bytes: &[u8]) -> bool {
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::default())
        .validate_all(bytes)
        .is_ok()
}

/// The corpus, made from a real component (`valid`) and a real core module.
fn corpus(valid: &[u8], module: &[u8]) -> Vec<Case> {
    let case = |name: &str, bytes: Vec<u8>| Case {
        name: name.to_string(),
        bytes,
    };
    let mut cases = vec![
        case("empty", Vec::new()),
        case("text", b"not webassembly at all\n".to_vec()),
        case("wat-text", b"(component (core module))\n".to_vec()),
        case("core-module", module.to_vec()),
        case("magic-only", b"\0asm".to_vec()),
    ];
    let mut patched = |name: &str, at: usize, with: &[u8]| {
        let mut b = valid.to_vec();
        b[at..at + with.len()].copy_from_slice(with);
        cases.push(case(name, b));
    };
    patched("wrong-magic", 1, b"w");
    patched("wrong-version", 4, &[0x0e, 0x00]);
    patched("wrong-layer", 6, &[0x02, 0x00]);
    patched("module-layer", 6, &[0x00, 0x00]);
    let (first_len, _) = read_leb(valid, 9);
    cases.push(case(
        "section-length-huge",
        with_first_section_len(valid, u64::from(u32::MAX)),
    ));
    cases.push(case(
        "section-length-short",
        with_first_section_len(valid, first_len.saturating_sub(1)),
    ));
    cases.push(case(
        "section-length-past-end",
        with_first_section_len(valid, valid.len() as u64 + 1000),
    ));
    cases.push(case(
        "section-length-overlong-leb",
        with_first_section_len(valid, u64::MAX),
    ));
    // A custom section that declares 4 GiB and holds 4 bytes.
    let mut huge_custom = valid.to_vec();
    huge_custom.push(0);
    leb(&mut huge_custom, u64::from(u32::MAX));
    huge_custom.extend_from_slice(&[3, b'b', b'i', b'g']);
    cases.push(case("custom-section-huge", huge_custom));
    // A component type section that declares u32::MAX entries and holds none.
    let mut huge_count = valid[..8].to_vec();
    let mut body = Vec::new();
    leb(&mut body, u64::from(u32::MAX));
    huge_count.push(7);
    leb(&mut huge_count, body.len() as u64);
    huge_count.extend(body);
    cases.push(case("type-count-huge", huge_count));
    // A core module whose memory declares more pages than exist.
    cases.push(case(
        "module-memory-huge",
        wat::parse_str("(module (memory 70000))").unwrap(),
    ));
    let mut tail = valid.to_vec();
    tail.extend_from_slice(&[0xff; 64]);
    cases.push(case("garbage-tail", tail));

    // Truncations: the header's edges, then offsets spread through the file.
    let mut offsets = vec![1, 3, 4, 7, 8, 9, 10, 11, 16, valid.len() - 1];
    let spread = 40;
    offsets.extend((1..spread).map(|i| valid.len() * i / spread));
    offsets.sort_unstable();
    offsets.dedup();
    for at in offsets {
        let cut = valid[..at].to_vec();
        if !is_valid(&cut) {
            cases.push(case(&format!("truncated-at-{at}"), cut));
        }
    }
    // Flipped bytes, in the header's neighbourhood and anywhere.
    let mut rng = Rng(0x005e_ed0f_da7a);
    let mut flips = 0;
    while flips < 30 {
        let mut b = valid.to_vec();
        let at = if flips % 3 == 0 {
            8 + rng.below(64)
        } else {
            rng.below(b.len())
        };
        b[at] ^= 1 << rng.below(8) | 1;
        if !is_valid(&b) {
            cases.push(case(&format!("flipped-at-{at}"), b));
            flips += 1;
        }
    }
    cases
}

/// Runs `cmd`, killing it (and failing) if it runs past `limit`.
fn run_bounded(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wash starts");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{cmd:?} still ran after {limit:?} (a hang); stderr so far:\n{}",
                stderr(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The commands that take a wasm file, each as a function of the input's path and a folder for
/// its outputs.
type Invocation = Box<dyn Fn(&Path, &Path) -> Vec<String> + Sync>;

fn invocations(good: &Path, registry: &str) -> Vec<(&'static str, Invocation)> {
    let good = good.display().to_string();
    let registry = registry.to_string();
    let s = |p: &Path| p.display().to_string();
    let out = |dir: &Path| dir.join("out.wasm").display().to_string();
    let good2 = good.clone();
    vec![
        (
            "inspect",
            Box::new(move |f, _| vec!["inspect".into(), s(f)]),
        ),
        (
            "inspect --wit",
            Box::new(move |f, _| vec!["inspect".into(), "--wit".into(), s(f)]),
        ),
        (
            "compose (root)",
            Box::new(move |f, d| {
                let plug = good.clone();
                vec![
                    "compose".into(),
                    s(f),
                    "--plug".into(),
                    plug,
                    "-o".into(),
                    out(d),
                ]
            }),
        ),
        (
            "compose (plug)",
            Box::new(move |f, d| {
                let root = good2.clone();
                vec![
                    "compose".into(),
                    root,
                    "--plug".into(),
                    s(f),
                    "-o".into(),
                    out(d),
                ]
            }),
        ),
        (
            "virt",
            Box::new(move |f, d| {
                let e = "--env".into();
                vec!["virt".into(), s(f), e, "A=b".into(), "-o".into(), out(d)]
            }),
        ),
        (
            "sign",
            Box::new(move |f, d| {
                let k = "-k".into();
                vec!["sign".into(), s(f), k, "fuzz".into(), "-o".into(), out(d)]
            }),
        ),
        (
            "verify",
            Box::new(move |f, _| vec!["verify".into(), s(f), "--key".into(), "fuzz".into()]),
        ),
        ("run", Box::new(move |f, _| vec!["run".into(), s(f)])),
        (
            "call",
            Box::new(move |f, _| vec!["call".into(), s(f), "greet".into(), "{}".into()]),
        ),
        (
            "push",
            Box::new(move |f, _| {
                let r = format!("{registry}/malformed/case:latest");
                vec!["push".into(), r, s(f)]
            }),
        ),
        (
            "deploy --push",
            Box::new(move |f, d| {
                let r = "--push=127.0.0.1:9/malformed/deploy:latest".into();
                vec![
                    "deploy".into(),
                    s(f),
                    r,
                    "-o".into(),
                    s(&d.join("app.yaml")),
                ]
            }),
        ),
    ]
}

/// What one command did with one case, when it broke a rule.
fn judge(command: &str, case: &Case, file: &Path, out: &Output, dir: &Path) -> Option<String> {
    let err = stderr(out);
    let name = file.file_name().unwrap().to_str().unwrap();
    // `wash sign` signs core modules too, as wasmsign2 does (docs/signatures.md).
    let allowed = command == "sign" && case.name == "core-module";
    let problem = if out.status.success() {
        if allowed {
            return None;
        }
        "succeeded".to_string()
    } else if out.status.code() == Some(101) || err.contains("panicked") {
        "panicked".to_string()
    } else if !err.contains(name) {
        "did not name the file".to_string()
    } else if err.lines().count() > 20 || err.lines().any(|l| l.chars().count() > 300) {
        "printed more than a screen".to_string()
    } else {
        let left: Vec<String> = entries(dir)
            .into_iter()
            .filter(|e| e != name && e != "keys")
            .collect();
        if left.is_empty() {
            return None;
        }
        format!("left {left:?} behind")
    };
    Some(format!(
        "wash {command} on `{}` {problem} (exit {:?}):\n{err}",
        case.name,
        out.status.code()
    ))
}

#[test]
fn malformed_wasm_gets_a_clear_error_from_every_command() {
    let good = greeter().wasm.clone();
    let valid = std::fs::read(&good).unwrap();
    let module = wat::parse_str(r#"(module (func (export "f")))"#).unwrap();
    let cases = corpus(&valid, &module);
    let registry = Registry::start();
    let keys = temp_dir();
    run(
        wash()
            .env("WASH_KEYS_DIR", keys.path())
            .args(["keys", "new", "fuzz"]),
        true,
    );
    let commands = invocations(&good, &registry.host);

    let failures = std::sync::Mutex::new(Vec::new());
    let tried = std::sync::atomic::AtomicUsize::new(0);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work: Vec<(&Case, &(&str, Invocation))> = cases
        .iter()
        .flat_map(|c| commands.iter().map(move |cmd| (c, cmd)))
        .collect();
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some((case, (command, args))) = work.get(i) else {
                        return;
                    };
                    let dir = temp_dir();
                    let file: PathBuf = dir.path().join(format!("case-{}.wasm", case.name));
                    std::fs::write(&file, &case.bytes).unwrap();
                    let out = run_bounded(
                        wash()
                            .env("WASH_KEYS_DIR", keys.path())
                            .args(args(&file, dir.path()))
                            .current_dir(dir.path()),
                        Duration::from_secs(60),
                    );
                    tried.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if let Some(f) = judge(command, case, &file, &out, dir.path()) {
                        failures.lock().unwrap().push(f);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} runs broke a rule ({} inputs × {} commands):\n\n{}",
        failures.len(),
        tried.into_inner(),
        cases.len(),
        commands.len(),
        failures.join("\n")
    );
    report(&format!(
        "malformed corpus: {} inputs × {} commands, all refused cleanly",
        cases.len(),
        commands.len()
    ));
}

/// The inputs `fuzz/` found crashing wash's library, through the commands: a clear answer (an
/// error or a result), never a panic or its message.
#[test]
fn fuzz_regressions_through_the_commands_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let good = greeter().wasm.display().to_string();
    let tmp = temp_dir();
    let out = tmp.path().join("out.wasm").display().to_string();
    let mut tried = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        // A saved input is the wasm, after a byte or so choosing how the target uses it.
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let Some(at) = bytes.windows(4).take(4).position(|w| w == b"\0asm") else {
            continue;
        };
        let file = tmp.path().join(format!("regression-{tried}.wasm"));
        std::fs::write(&file, &bytes[at..]).unwrap();
        let f = file.display().to_string();
        for args in [
            vec!["inspect", &f],
            vec!["inspect", "--wit", &f],
            vec!["virt", &f, "--env", "A=b", "-o", &out],
            vec!["verify", &f],
            vec!["compose", &f, "--plug", &good, "-o", &out],
            vec!["compose", &good, "--plug", &f, "-o", &out],
        ] {
            let result = run_bounded(wash().args(&args), Duration::from_secs(60));
            let err = stderr(&result);
            assert!(
                result.status.code() != Some(101) && !err.contains("panicked"),
                "wash {args:?}:\n{err}"
            );
            tried += 1;
        }
    }
    report(&format!("fuzz regressions: {tried} runs, none panicked"));
}
