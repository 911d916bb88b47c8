//! `wash run`: command components with exactly the grants asked for, and HTTP components
//! served on a real socket answering real requests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};

use crate::support::*;

fn probe(args: &[&str], extra: &[&str]) -> String {
    let f = cli_probe();
    let out = run(
        wash()
            .arg("run")
            .arg(&f.wasm)
            .args(extra)
            .arg("--")
            .args(args),
        true,
    );
    stdout(&out)
}

#[test]
fn cli_template_prints_its_greeting_with_args() {
    let f = cli_hello();
    let out = run(wash().arg("run").arg(&f.wasm).args(["--", "Alice"]), true);
    assert_eq!(stdout(&out), "Hello, Alice, from cli-fixture!\n");
}

#[test]
fn without_a_path_it_builds_the_current_crate_first() {
    let f = cli_hello();
    let out = run(wash().arg("run").current_dir(&f.dir), true);
    assert_eq!(stdout(&out), "Hello, world, from cli-fixture!\n");
}

#[test]
fn environment_is_only_what_was_given() {
    // The test process has PATH and HOME; the component must not see them.
    let out = probe(
        &["env", "GREETING", "PATH", "HOME"],
        &["--env", "GREETING=hi there"],
    );
    assert_eq!(
        out,
        "env GREETING=hi there\nenv PATH unset\nenv HOME unset\nenv count=1\n"
    );
}

#[test]
fn files_only_through_dir_grants() {
    let tmp = temp_dir();
    std::fs::write(tmp.path().join("in.txt"), "granted content").unwrap();
    let grant = format!("{}::/data", tmp.path().display());

    assert_eq!(
        probe(&["read", "/data/in.txt"], &["--dir", &grant]),
        "read ok granted content\n"
    );
    let denied = probe(&["read", "/data/in.txt"], &[]);
    assert!(denied.starts_with("read failed"), "{denied}");
    let absolute = probe(
        &["read", &tmp.path().join("in.txt").display().to_string()],
        &[],
    );
    assert!(absolute.starts_with("read failed"), "{absolute}");

    assert_eq!(
        probe(&["write", "/data/out.txt", "written"], &["--dir", &grant]),
        "write ok\n"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("out.txt")).unwrap(),
        "written"
    );
}

#[test]
fn exit_codes_pass_through() {
    let f = cli_probe();
    // WASI 0.2's `exit` carries only success or failure: any non-zero code arrives as 1.
    let out = run(
        wash().arg("run").arg(&f.wasm).args(["--", "exit", "3"]),
        false,
    );
    assert_eq!(out.status.code(), Some(1));
    run(
        wash().arg("run").arg(&f.wasm).args(["--", "exit", "0"]),
        true,
    );
    let out = run(wash().arg("run").arg(&f.wasm).args(["--", "panic"]), false);
    let err = stderr(&out);
    assert!(err.contains("probe asked to panic"), "{err}");
    assert!(err.contains("error: failed to run"), "{err}");
}

#[test]
fn a_component_with_nothing_to_run_is_refused() {
    let tmp = temp_dir();
    let empty = wat_file(tmp.path(), "empty.wasm", "(component)");
    let out = run(wash().arg("run").arg(&empty), false);
    let err = stderr(&out);
    assert!(
        err.contains("exports none of `wasi:cli/run`, `wasi:http/incoming-handler` and"),
        "{err}"
    );
}

/// A running `wash run` of an HTTP component, stopped with SIGINT (as Ctrl-C).
pub struct Server {
    child: Child,
    addr: String,
    /// What it printed on stderr after `Serving …`.
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

/// A server a failing test leaves behind would keep serving: it is stopped on drop.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(wasm: &std::path::Path) -> Server {
        let mut cmd = wash();
        cmd.arg("run").arg(wasm);
        Server::start_cmd(cmd)
    }

    /// Starts `cmd` (a `wash run …`) on a free port and waits until it serves.
    #[allow(clippy::zombie_processes)] // waited for on drop, or by `interrupt`
    pub fn start_cmd(mut cmd: std::process::Command) -> Server {
        let mut child = cmd
            .args(["--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            if stderr.read_line(&mut line).unwrap() == 0 {
                panic!("wash run exited before serving: {:?}", child.wait());
            }
            if let Some(rest) = line.trim().strip_prefix("Serving http://") {
                let addr = rest.split('/').next().unwrap().to_string();
                // Keep draining stderr so the server never blocks on a full pipe.
                let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
                let sink = log.clone();
                std::thread::spawn(move || {
                    let mut line = String::new();
                    while stderr.read_line(&mut line).is_ok_and(|n| n > 0) {
                        sink.lock().unwrap().push_str(&line);
                        line.clear();
                    }
                });
                return Server { child, addr, log };
            }
        }
    }

    pub fn get(&self, path: &str) -> String {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        // HTTP/1.0, so the body is not chunked and can be compared as it is.
        write!(s, "GET {path} HTTP/1.0\r\nHost: {}\r\n\r\n", self.addr).unwrap();
        let mut response = String::new();
        s.read_to_string(&mut response).unwrap();
        response
    }

    /// Waits (up to a minute) until its stderr contains `text`, and returns all of it.
    pub fn wait_for_log(&self, text: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let log = self.log.lock().unwrap().clone();
            if log.contains(text) || std::time::Instant::now() > deadline {
                return log;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    pub fn interrupt(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            std::process::Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        self.child.wait().unwrap()
    }
}

#[test]
fn http_template_answers_real_requests_and_stops_on_ctrl_c() {
    let f = http_hello();
    let server = Server::start(&f.wasm);
    for path in ["/", "/another/path?x=1"] {
        let response = server.get(path);
        assert!(response.starts_with("HTTP/1.0 200 OK\r\n"), "{response}");
        assert!(
            response
                .to_ascii_lowercase()
                .contains("content-type: text/plain"),
            "{response}"
        );
        assert!(
            response.ends_with("\r\n\r\nHello from http-fixture\n"),
            "{response}"
        );
    }
    let status = server.interrupt();
    assert!(
        status.success(),
        "Ctrl-C should stop the server cleanly: {status}"
    );
}

#[test]
fn busy_address_is_a_clear_error() {
    let f = http_hello();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run(
        wash().arg("run").arg(&f.wasm).args(["--addr", &addr]),
        false,
    );
    let err = stderr(&out);
    assert!(err.contains(&format!("cannot listen on `{addr}`")), "{err}");
}

/// A one-request-at-a-time HTTP server on loopback answering `200 hi`, for as long as the test
/// runs (its thread ends with the process).
fn tiny_http_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(16) {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nhi");
        }
    });
    addr
}

#[test]
fn outgoing_http_and_sockets_are_denied_unless_granted() {
    let probe = &net_probe().wasm;
    let addr = tiny_http_server();
    let out_of = |grants: &[&str], probe_args: &[&str]| {
        let out = run(
            wash()
                .arg("run")
                .arg(probe)
                .args(grants)
                .arg("--")
                .args(probe_args),
            true,
        );
        stdout(&out).trim().to_string()
    };
    // Outgoing HTTP: denied by default, sent to a granted host, denied to any other.
    assert_eq!(
        out_of(&[], &["get", &addr]),
        "get failed ErrorCode::HttpRequestDenied"
    );
    assert_eq!(
        out_of(&["--allow-http", &addr], &["get", &addr]),
        "get status 200"
    );
    assert_eq!(
        out_of(&["--allow-http", "*"], &["get", &addr]),
        "get status 200"
    );
    assert_eq!(
        out_of(&["--allow-http", "example.com"], &["get", &addr]),
        "get failed ErrorCode::HttpRequestDenied"
    );
    // Sockets: denied by default, open with `--allow-net`.
    assert!(
        out_of(&[], &["connect-to", &addr]).starts_with("connect failed"),
        "a socket was opened without --allow-net"
    );
    assert_eq!(
        out_of(&["--allow-net"], &["connect-to", &addr]),
        "connect ok"
    );
}

#[test]
fn a_runaway_request_hits_its_limit_and_the_others_are_still_served() {
    let mut cmd = wash();
    cmd.arg("run")
        .arg(&http_limits().wasm)
        .args(["--timeout", "1", "--memory-limit", "64"]);
    let server = Server::start_cmd(cmd);
    assert!(server.get("/").ends_with("\r\n\r\nok\n"));
    // A handler that loops forever: stopped at the time limit, answered with a 500.
    let spin = server.get("/spin");
    assert!(spin.starts_with("HTTP/1.0 500"), "{spin}");
    let log = server.wait_for_log("time limit");
    assert!(
        log.contains("GET /spin: the request ran past the time limit of 1s"),
        "{log}"
    );
    // One that allocates without bound: stopped at the memory limit.
    let grow = server.get("/grow");
    assert!(grow.starts_with("HTTP/1.0 500"), "{grow}");
    let log = server.wait_for_log("memory limit");
    assert!(log.contains("the memory limit of 64 MiB"), "{log}");
    // The server carries on.
    assert!(server.get("/").ends_with("\r\n\r\nok\n"));
    assert!(server.interrupt().success());
}

/// More requests at once than the instance pool has slots (100): the ones past it wait for a
/// slot instead of failing for want of one. 120 handlers that spin until the 1 s limit each hold
/// an instance for that long; every one ends at the time limit, none with a pool error.
#[test]
fn requests_past_the_instance_pool_wait_for_a_slot() {
    let mut cmd = wash();
    cmd.args(["-v", "run"])
        .arg(&http_limits().wasm)
        .args(["--timeout", "1"]);
    let server = std::sync::Arc::new(Server::start_cmd(cmd));
    let requests: Vec<_> = (0..120)
        .map(|_| {
            let server = server.clone();
            std::thread::spawn(move || server.get("/spin"))
        })
        .collect();
    for request in requests {
        let response = request.join().unwrap();
        assert!(response.starts_with("HTTP/1.0 500"), "{response}");
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let limited = |log: &str| log.matches("ran past the time limit of 1s").count();
    let mut log = server.wait_for_log("time limit");
    while limited(&log) < 120 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
        log = server.wait_for_log("time limit");
    }
    assert_eq!(limited(&log), 120, "{log}");
    assert!(!log.contains("pool"), "{log}");
    // And it still serves.
    assert!(server.get("/").ends_with("\r\n\r\nok\n"));
}

/// Where the pool's address space cannot be reserved (a small `ulimit -v`), instances are
/// allocated one by one and the component is served all the same.
#[test]
fn under_a_small_address_space_limit_it_still_serves() {
    let base = wash();
    let mut cmd = std::process::Command::new("prlimit");
    cmd.arg("--as=16000000000")
        .arg("--")
        .arg(base.get_program())
        .envs(base.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .arg("run")
        .arg(&http_hello().wasm);
    let server = Server::start_cmd(cmd);
    assert!(
        server
            .get("/")
            .ends_with("\r\n\r\nHello from http-fixture\n")
    );
    assert!(server.interrupt().success());
}

/// `tests/fixtures/http-hangup`, built once.
fn http_hangup() -> &'static std::path::Path {
    static P: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        build_json(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/http-hangup"),
        )
    })
}

#[test]
fn a_client_hanging_up_mid_response_does_not_panic_the_component() {
    let server = Server::start(http_hangup());
    for _ in 0..3 {
        let mut s = TcpStream::connect(&server.addr).unwrap();
        write!(s, "GET /big HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
        let mut first = [0u8; 1024];
        s.read_exact(&mut first).unwrap();
        assert!(first.starts_with(b"HTTP/1.0 200 OK"));
        drop(s);
    }
    // The server carries on, and no instance panicked on the unfinished bodies.
    assert!(server.get("/").ends_with("\r\n\r\nsmall\n"));
    std::thread::sleep(std::time::Duration::from_secs(2));
    let log = server.log.lock().unwrap().clone();
    assert!(!log.contains("panicked"), "{log}");
    assert!(server.interrupt().success());
}
