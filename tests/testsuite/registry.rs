//! A real OCI registry for the tests: Debian's `docker-registry` (the CNCF distribution
//! registry) on 127.0.0.1 and a free port, storing into a scratch folder, optionally behind
//! htpasswd auth. Started per test, killed on drop. `scripts/test.sh` installs it.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::support::*;

const REGISTRY_BIN: &str = "/usr/bin/docker-registry";

/// A running registry.
pub struct Registry {
    child: Option<Child>,
    /// `127.0.0.1:<port>`.
    pub host: String,
    dir: tempfile::TempDir,
}

impl Registry {
    /// An open registry.
    pub fn start() -> Registry {
        Registry::launch(None)
    }

    /// A registry that wants `user`/`password` (htpasswd, bcrypt).
    pub fn with_auth(user: &str, password: &str) -> Registry {
        Registry::launch(Some((user, password)))
    }

    fn launch(auth: Option<(&str, &str)>) -> Registry {
        assert!(
            Path::new(REGISTRY_BIN).exists(),
            "{REGISTRY_BIN} is missing: run `bash scripts/test.sh` (it installs docker-registry, skopeo and apache2-utils)"
        );
        let dir = temp_dir();
        let port = free_port();
        let host = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n\
             storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
             http:\n  addr: {host}\n  secret: wash-test\n",
            dir.path().join("storage").display()
        );
        if let Some((user, password)) = auth {
            let htpasswd = dir.path().join("htpasswd");
            let out = Command::new("htpasswd")
                .args(["-Bbn", user, password])
                .output()
                .expect("htpasswd (apache2-utils) runs");
            assert!(out.status.success());
            std::fs::write(&htpasswd, out.stdout).unwrap();
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: wash-test\n    path: {}\n",
                htpasswd.display()
            ));
        }
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let mut registry = Registry {
            child: None,
            host,
            dir,
        };
        registry.restart();
        registry
    }

    /// Stops it, empties its storage and starts it again on the same port: a registry that
    /// lost everything.
    pub fn wipe(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(self.dir.path().join("storage"));
        self.restart();
    }

    /// Starts it (again), on the same port and storage.
    pub fn restart(&mut self) {
        self.stop();
        let log = std::fs::File::create(self.dir.path().join("registry.log")).unwrap();
        let child = Command::new(REGISTRY_BIN)
            .arg("serve")
            .arg(self.dir.path().join("config.yml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("docker-registry starts");
        self.child = Some(child);
        self.wait_ready();
    }

    /// Kills it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Where it stores blobs and repositories.
    pub fn storage(&self) -> PathBuf {
        self.dir.path().join("storage/docker/registry/v2")
    }

    /// `host/repository:tag`.
    pub fn reference(&self, repo_and_tag: &str) -> String {
        format!("{}/{repo_and_tag}", self.host)
    }

    /// The HTTP status of `GET path` (no auth).
    pub fn status_of(&self, path: &str) -> u16 {
        http_status(&self.host, path).unwrap_or(0)
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if http_status(&self.host, "/v2/").is_some() {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("docker-registry exited ({status}): {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("docker-registry did not answer /v2/: {}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `GET path` over plain HTTP/1.0; the status code, or `None` if nothing answers.
fn http_status(host: &str, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(host).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// A TCP relay in front of a registry that cuts every connection, and stops accepting, once
/// `limit` bytes have gone towards the registry: to wash, the registry died mid-upload. It
/// trips on a byte count, not a clock, so the test is deterministic.
pub struct Tripwire {
    /// `127.0.0.1:<port>` to push to.
    pub host: String,
    tripped: Arc<AtomicBool>,
}

impl Tripwire {
    pub fn start(target: &str, limit: u64) -> Tripwire {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let tripped = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let target = target.to_string();
        let flag = tripped.clone();
        std::thread::spawn(move || {
            let mut open: Vec<TcpStream> = Vec::new();
            listener.set_nonblocking(true).unwrap();
            loop {
                if flag.load(Ordering::SeqCst) {
                    for s in &open {
                        let _ = s.shutdown(std::net::Shutdown::Both);
                    }
                    return; // dropping the listener: new connections are refused
                }
                match listener.accept() {
                    Ok((client, _)) => {
                        client.set_nonblocking(false).unwrap();
                        let server = TcpStream::connect(&target).unwrap();
                        open.push(client.try_clone().unwrap());
                        open.push(server.try_clone().unwrap());
                        relay(client, server, sent.clone(), flag.clone(), limit);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Tripwire { host, tripped }
    }

    pub fn tripped(&self) -> bool {
        self.tripped.load(Ordering::SeqCst)
    }
}

fn relay(
    client: TcpStream,
    server: TcpStream,
    sent: Arc<AtomicU64>,
    flag: Arc<AtomicBool>,
    limit: u64,
) {
    let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let (mut s_read, mut c_write) = (server, client);
    std::thread::spawn(move || {
        let mut buf = [0u8; 64 * 1024];
        loop {
            let n = match c_read.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if sent.fetch_add(n as u64, Ordering::SeqCst) + n as u64 > limit {
                flag.store(true, Ordering::SeqCst);
                let _ = c_read.shutdown(std::net::Shutdown::Both);
                let _ = s_write.shutdown(std::net::Shutdown::Both);
                break;
            }
            if s_write.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    });
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut s_read, &mut c_write);
        let _ = c_write.shutdown(std::net::Shutdown::Both);
    });
}

/// A valid component of about `mb` MiB: `base` with a custom section of padding appended
/// (custom sections may appear anywhere in a component).
pub fn padded_component(base: &[u8], mb: usize, seed: u8) -> Vec<u8> {
    let name = b"wash-test-padding";
    let payload_len = mb * 1024 * 1024;
    let mut section = Vec::new();
    leb(&mut section, name.len() as u64);
    section.extend_from_slice(name);
    section.extend((0..payload_len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    let mut out = base.to_vec();
    out.push(0); // custom section id
    leb(&mut out, section.len() as u64);
    out.extend(section);
    out
}

/// Appends `v` as an unsigned LEB128.
pub fn leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
