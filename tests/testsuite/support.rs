//! Helpers shared by the tests: running `wash`, and components built once per test run.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The `wash` binary cargo built for these tests, with a clean, predictable environment.
pub fn wash() -> Command {
    with_test_env(Command::new(env!("CARGO_BIN_EXE_wash")))
}

/// The `cargo-wasmcloud` binary, as cargo runs it (`cargo-wasmcloud wasmcloud <command>`).
pub fn cargo_wasmcloud() -> Command {
    let mut cmd = with_test_env(Command::new(env!("CARGO_BIN_EXE_cargo-wasmcloud")));
    cmd.arg("wasmcloud");
    cmd
}

fn with_test_env(mut cmd: Command) -> Command {
    cmd.env("WASH_HOME", scratch().join("wash-home"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("CARGO_TARGET_DIR", shared_target_dir())
        .env_remove("RUSTC")
        .env_remove("CARGO");
    cmd
}

/// Scratch space for test projects that survives between test runs, so the wasm builds in it
/// are incremental. It is outside this repository: a project inside wash's own workspace
/// folder would be taken by cargo for a stray member of it.
pub fn scratch() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        env!("CARGO_MANIFEST_DIR").hash(&mut h);
        let dir = std::env::temp_dir().join(format!("wash-tests-{:016x}", h.finish()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
    .clone()
}

/// One cargo target dir for every wasm build in the test run: dependencies compile once.
pub fn shared_target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wasm-target")
}

/// A fresh, empty folder for one test.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("wash-test-")
        .tempdir_in(scratch())
        .unwrap()
}

/// Runs and returns the output, panicking with both streams if the exit status is not `ok`.
pub fn run(cmd: &mut Command, ok: bool) -> Output {
    let out = cmd.output().expect("wash runs");
    if out.status.success() != ok {
        panic!(
            "expected {} from {cmd:?}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            if ok { "success" } else { "failure" },
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A project scaffolded and built by wash itself.
pub struct Fixture {
    /// The project folder.
    pub dir: PathBuf,
    /// The component `wash build` placed.
    pub wasm: PathBuf,
}

/// Scaffolds `template` as `name` (into a stable folder, so rebuilds are incremental) and
/// builds it with `wash build --json`.
fn scaffold_and_build(template: &str, name: &str) -> Fixture {
    let dir = scratch().join("fixtures").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    run(wash().args(["new", "--template", template]).arg(&dir), true);
    let wasm = build_json(&dir);
    Fixture { dir, wasm }
}

/// `wash build --json` in `dir`; returns the one component's path.
pub fn build_json(dir: &Path) -> PathBuf {
    let out = run(wash().args(["build", "--json"]).current_dir(dir), true);
    let line = stdout(&out);
    let v: serde_json::Value = serde_json::from_str(line.trim())
        .unwrap_or_else(|e| panic!("`wash build --json` printed `{line}`: {e}"));
    PathBuf::from(v["path"].as_str().expect("path in build JSON"))
}

/// The `http-hello` template, built.
pub fn http_hello() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| scaffold_and_build("http-hello", "http-fixture"))
}

/// The `cli-hello` template, built.
pub fn cli_hello() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| scaffold_and_build("cli-hello", "cli-fixture"))
}

/// `tests/fixtures/cli-probe`, a plain cargo crate with no wash config, built by wash.
pub fn cli_probe() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli-probe");
        let wasm = build_json(&dir);
        Fixture { dir, wasm }
    })
}

/// `tests/fixtures/net-probe`: tries a TCP connection and an outgoing HTTP request.
pub fn net_probe() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/net-probe");
        let wasm = build_json(&dir);
        Fixture { dir, wasm }
    })
}

/// `tests/fixtures/http-limits`: an HTTP component with runaway routes (`/spin`, `/grow`).
pub fn http_limits() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/http-limits");
        let wasm = build_json(&dir);
        Fixture { dir, wasm }
    })
}

/// `tests/fixtures/greeter`, written with wash-sdk: WIT derived from its Rust trait.
pub fn greeter() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/greeter");
        let wasm = build_json(&dir);
        Fixture { dir, wasm }
    })
}

/// `tests/fixtures/kv-probe`: a command that uses wasi:logging, wasi:config and wasi:keyvalue.
pub fn kv_probe() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kv-probe");
        let wasm = build_json(&dir);
        Fixture { dir, wasm }
    })
}

/// `tests/fixtures/blob-probe`: a command that exercises every wasi:blobstore call.
pub fn blob_probe() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blob-probe");
        let wasm = build_json(&dir);
        Fixture { dir, wasm }
    })
}

/// `tests/fixtures/msg-greeter`: a message handler (wasmcloud:messaging) and nothing else.
pub fn msg_greeter() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/msg-greeter");
        let wasm = build_json(&dir);
        Fixture { dir, wasm }
    })
}

/// `tests/fixtures/msg-http`: an HTTP component that sends messaging requests and handles
/// messages too.
pub fn msg_http() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/msg-http");
        let wasm = build_json(&dir);
        Fixture { dir, wasm }
    })
}

/// Writes a WAT text as a binary file and returns its path.
pub fn wat_file(dir: &Path, name: &str, wat: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, wat::parse_str(wat).unwrap()).unwrap();
    path
}

/// insta settings that hide what varies between machines and runs.
pub fn redactions() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(r"sha256:[0-9a-f]{64}", "sha256:[DIGEST]");
    s.add_filter(r"\d+(\.\d+)? (B|KiB|MiB) \(\d+ bytes\)", "[SIZE]");
    s.add_filter(
        &regex_escape(&shared_target_dir().display().to_string()),
        "[TARGET]",
    );
    s.add_filter(&regex_escape(&scratch().display().to_string()), "[SCRATCH]");
    s.add_filter(r"wash-test-[A-Za-z0-9]+", "[TMP]");
    s.add_filter(r"@0\.2\.\d+", "@0.2.[PATCH]");
    s.add_filter(r"at offset 0x[0-9a-f]+", "at offset [OFFSET]");
    s
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// `wash` with no home at all (no `HOME`, `WASH_HOME`, `WASH_KEYS_DIR` or `DOCKER_CONFIG`),
/// run in `dir/cwd` with `dir/tmp` as its temp dir. Both start empty; [`entries`] shows what
/// wash left in them.
pub fn wash_without_home(dir: &Path) -> Command {
    let (cwd, tmp) = (dir.join("cwd"), dir.join("tmp"));
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let mut cmd = wash();
    cmd.current_dir(cwd).env("TMPDIR", tmp);
    for var in [
        "HOME",
        "WASH_HOME",
        "WASH_KEYS_DIR",
        "DOCKER_CONFIG",
        "WASH_REGISTRY_PASSWORD",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// The names in `dir`, sorted (hidden ones too).
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A long-running `wash` (`run`, `dev`) whose stderr lines arrive as it prints them; killed on
/// drop unless [`Watched::interrupt`] stopped it.
pub struct Watched {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    /// Every line read so far.
    pub seen: Vec<String>,
}

impl Watched {
    /// Starts `cmd` with stdout discarded and stderr watched.
    #[allow(clippy::zombie_processes)] // waited for on drop, or by `interrupt`
    pub fn start(mut cmd: Command) -> Watched {
        use std::io::BufRead as _;
        let mut child = cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watched {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a stderr line containing `text` (a build under load can take minutes).
    pub fn wait_for(&mut self, text: &str) -> String {
        use std::sync::mpsc::RecvTimeoutError;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no `{text}` from wash; it said:\n{}", self.seen.join("\n"))
                }
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "wash exited before `{text}`; it said:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Takes in the lines printed so far without waiting.
    pub fn drain(&mut self) {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
    }

    /// How many lines read so far contain `text`.
    pub fn count(&self, text: &str) -> usize {
        self.seen.iter().filter(|l| l.contains(text)).count()
    }

    /// Ctrl-C (SIGINT), then waits for the exit.
    pub fn interrupt(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success());
        self.child.wait().unwrap()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port free when asked (the listener is closed again): for a server to bind, or as
/// a port nothing listens on.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A figure a test measured (kills survived, inputs tried), on stderr: `cargo test` shows it
/// with `--nocapture`, and the closing notes report it.
#[allow(clippy::print_stderr)] // test output, not wash's
pub fn report(text: &str) {
    eprintln!("{text}");
}

/// `wasm` with the last instruction of its first function body (`end`) made a `nop`: every
/// section as it was, the body invalid.
pub fn with_a_bad_function_body(wasm: &[u8]) -> Vec<u8> {
    let end = wasmparser::Parser::new(0)
        .parse_all(wasm)
        .find_map(|p| match p.unwrap() {
            wasmparser::Payload::CodeSectionEntry(body) => Some(body.range().end),
            _ => None,
        })
        .expect("a function body");
    let mut bad = wasm.to_vec();
    let last = usize::try_from(end).unwrap() - 1;
    assert_eq!(bad[last], 0x0b, "a body ends with `end`");
    bad[last] = 0x01;
    assert!(wasmparser::Validator::new().validate_all(&bad).is_err());
    bad
}
