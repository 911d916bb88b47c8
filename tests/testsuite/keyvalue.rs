//! `wasi:keyvalue` on real NATS JetStream and Redis servers (issue 12): the kv-probe command
//! and the `http-keyvalue` template write, count and list through each backend, a second run
//! reads back what the first wrote, and the data is checked in the server with another
//! client. The backend comes from `--keyvalue` or from Cargo.toml's `dev.keyvalue`; an
//! unreachable server or an unknown scheme stops `wash run` before the component starts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::run::Server as WashServer;
use crate::servers::{self, Server};
use crate::support::*;

/// `wash run --keyvalue BACKEND kv-probe.wasm`.
fn probe(backend: &str, ok: bool) -> Output {
    let f = kv_probe();
    run(wash().args(["run", "--keyvalue", backend]).arg(&f.wasm), ok)
}

fn line<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no `{key}=` line in:\n{out}"))
}

/// What kv-probe prints on its first and second run against an empty store.
fn assert_two_probe_runs(backend: &str, hosting: &str) {
    let first = probe(backend, true);
    let out = stdout(&first);
    assert_eq!(line(&out, "runs"), "1");
    assert_eq!(line(&out, "get-many"), "a:1,b:2,none");
    assert_eq!(line(&out, "keys"), "a,b,runs cursor=None");
    let err = stderr(&first);
    assert!(
        err.contains(&format!("Hosting keyvalue: {hosting}")),
        "{err}"
    );
    // A second process reads back what the first wrote.
    let second = stdout(&probe(backend, true));
    assert_eq!(line(&second, "runs"), "2");
    assert_eq!(line(&second, "get-many"), "a:1,b:2,none");
}

/// `key` in the NATS KV bucket `bucket`, read with the NATS client, not through wash.
pub fn nats_get(url: &str, bucket: &str, key: &str) -> Option<String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = async_nats::connect(url).await.unwrap();
        let js = async_nats::jetstream::new(client);
        let kv = js.get_key_value(bucket).await.unwrap();
        let value = kv.get(key).await.unwrap();
        value.map(|v| String::from_utf8_lossy(&v).into_owned())
    })
}

/// `n` as wasmCloud's host stores a counter in NATS KV, as [`nats_get`] reads it.
pub fn be(n: u64) -> String {
    String::from_utf8_lossy(&n.to_be_bytes()).into_owned()
}

/// `GET key` with `redis-cli`, not through wash (empty when absent).
fn redis_get(server: &Server, key: &str) -> String {
    let port = server.addr.rsplit(':').next().unwrap();
    let out = Command::new("redis-cli")
        .args(["-p", port, "--raw", "GET", key])
        .output()
        .expect("redis-cli runs (it comes with redis-server)");
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim_end().to_string()
}

#[test]
fn kv_probe_reads_back_what_it_wrote_through_nats() {
    let nats = servers::nats();
    assert_two_probe_runs(&nats.url, &format!("NATS JetStream KV at {}", nats.url));
    // In the server, under the bucket `default`; the counter as wasmCloud's host keeps one.
    assert_eq!(nats_get(&nats.url, "default", "runs"), Some(be(2)));
    assert_eq!(nats_get(&nats.url, "default", "a").as_deref(), Some("1"));
}

#[test]
fn kv_probe_reads_back_what_it_wrote_through_redis() {
    let redis = servers::redis();
    assert_two_probe_runs(&redis.url, &format!("Redis at {}", redis.url));
    // `{bucket}:{key}`, as wasmCloud's Redis backend keeps them; counters are Redis integers.
    assert_eq!(redis_get(&redis, "default:runs"), "2");
    assert_eq!(redis_get(&redis, "default:b"), "2");
    assert_eq!(redis_get(&redis, "runs"), "");
}

fn unreachable_settings() -> insta::Settings {
    let mut settings = redactions();
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    settings
}

#[test]
fn an_unreachable_server_stops_the_run_before_the_component_starts() {
    for scheme in ["nats", "redis"] {
        let url = format!("{scheme}://127.0.0.1:{}", free_port());
        let started = Instant::now();
        let out = probe(&url, false);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "took {:?}",
            started.elapsed()
        );
        assert!(
            stdout(&out).is_empty(),
            "the component ran: {}",
            stdout(&out)
        );
        let err = stderr(&out);
        assert!(
            err.contains(&format!("cannot connect the keyvalue backend to `{url}`")),
            "{err}"
        );
        assert!(!err.contains("Hosting"), "{err}");
        unreachable_settings()
            .bind(|| insta::assert_snapshot!(format!("keyvalue-{scheme}-unreachable"), err));
    }
}

/// A server that accepts connections and never answers: start-up gives up within seconds.
#[test]
fn a_silent_server_is_an_error_within_seconds_not_a_hang() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    for (scheme, what) in [("nats", "NATS"), ("redis", "Redis")] {
        let started = Instant::now();
        let out = probe(&format!("{scheme}://{addr}"), false);
        let took = started.elapsed();
        assert!(took < Duration::from_secs(20), "took {took:?}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "cannot connect the keyvalue backend to `{scheme}://{addr}`"
            )),
            "{err}"
        );
        assert!(
            err.contains(&format!("no {what} answer within 5s")),
            "{err}"
        );
    }
}

#[test]
fn an_unknown_scheme_names_the_flag_and_the_choices() {
    let out = probe("etcd://127.0.0.1:2379", false);
    let err = stderr(&out);
    assert!(
        err.contains(
            "invalid value 'etcd://127.0.0.1:2379' for '--keyvalue <DIR|URL>': \
             `etcd://127.0.0.1:2379`: no keyvalue backend speaks `etcd://`; use a folder, \
             `nats://HOST:PORT` or `redis://HOST:PORT`"
        ),
        "{err}"
    );
}

/// A new `http-keyvalue` project named `name` in `dir`.
fn counter_app(dir: &Path, name: &str) -> PathBuf {
    let app = dir.join(name);
    run(
        wash()
            .args(["new", "--template", "http-keyvalue"])
            .arg(&app),
        true,
    );
    app
}

/// `wash run ARGS…` in `cwd`, serving on a free port.
fn serve(cwd: &Path, args: &[&str]) -> WashServer {
    let mut cmd = wash();
    cmd.arg("run").args(args).current_dir(cwd);
    WashServer::start_cmd(cmd)
}

/// The count the template answers `path` with (`/ has been visited N time(s)`).
fn count(server: &WashServer, path: &str) -> u64 {
    let response = server.get(path);
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    let prefix = format!("{path} has been visited ");
    body.strip_prefix(&prefix)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected answer: {response}"))
}

/// The `http-keyvalue` template end to end on NATS: the counter goes on across requests and
/// across a restart of wash, and the server holds it.
#[test]
fn http_keyvalue_template_counts_in_nats_across_restarts() {
    let nats = servers::nats();
    let tmp = temp_dir();
    let app = counter_app(tmp.path(), "nats-counter");
    let server = serve(&app, &["--keyvalue", &nats.url]);
    assert_eq!(count(&server, "/"), 1);
    assert_eq!(count(&server, "/"), 2);
    // A key outside NATS's alphabet is escaped, not refused.
    assert_eq!(count(&server, "/q?x=1"), 1);
    assert!(server.interrupt().success());
    let server = serve(&app, &["--keyvalue", &nats.url]);
    assert_eq!(count(&server, "/"), 3);
    assert_eq!(count(&server, "/q?x=1"), 2);
    assert!(server.interrupt().success());
    // Counters are kept as wasmCloud's host keeps them in NATS: 8 bytes, big-endian.
    assert_eq!(nats_get(&nats.url, "default", "/"), Some(be(3)));
    assert_eq!(nats_get(&nats.url, "default", "/q=3Fx=3D1"), Some(be(2)));

    // Two processes counting at once: each increment is a compare-and-swap retried on
    // conflict, so no count is lost or given twice.
    let servers = [
        serve(&app, &["--keyvalue", &nats.url]),
        serve(&app, &["--keyvalue", &nats.url]),
    ];
    let mut counts: Vec<u64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|i| {
                let server = &servers[i % 2];
                scope.spawn(move || (0..3).map(|_| count(server, "/race")).collect::<Vec<_>>())
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    counts.sort();
    assert_eq!(counts, (1..=24).collect::<Vec<u64>>());
    for server in servers {
        assert!(server.interrupt().success());
    }
}

/// `keyvalue = "redis://…"` in Cargo.toml selects Redis; `--keyvalue` wins over it; a
/// relative folder there is relative to the crate.
#[test]
fn cargo_toml_selects_the_backend_and_the_flag_wins() {
    let redis = servers::redis();
    let tmp = temp_dir();
    let app = counter_app(tmp.path(), "redis-counter");
    let manifest = app.join("Cargo.toml");
    let original = std::fs::read_to_string(&manifest).unwrap();
    let with_key = |value: &str| {
        let text =
            format!("{original}\n[package.metadata.wasmcloud.dev]\nkeyvalue = \"{value}\"\n");
        std::fs::write(&manifest, text).unwrap();
    };
    with_key(&redis.url);
    let server = serve(&app, &[]);
    assert_eq!(count(&server, "/"), 1);
    assert_eq!(count(&server, "/"), 2);
    assert!(server.interrupt().success());
    assert_eq!(redis_get(&redis, "default:/"), "2");

    // The flag wins: a fresh folder, and Redis untouched.
    let flag_dir = tmp.path().join("flag-kv");
    let server = serve(&app, &["--keyvalue", flag_dir.to_str().unwrap()]);
    assert_eq!(count(&server, "/"), 1);
    assert!(server.interrupt().success());
    assert!(flag_dir.join("default.json").is_file());
    assert_eq!(redis_get(&redis, "default:/"), "2");

    // A relative folder in Cargo.toml is the crate's, wherever wash runs from.
    with_key("state/kv");
    let server = serve(tmp.path(), &["--manifest-path", manifest.to_str().unwrap()]);
    assert_eq!(count(&server, "/"), 1);
    assert!(server.interrupt().success());
    assert!(app.join("state/kv/default.json").is_file());
}

/// A `redis-server` on a given port, killed on drop (the test restarts one where another was).
struct RedisOnPort(std::process::Child);

impl RedisOnPort {
    fn start(port: &str) -> RedisOnPort {
        let child = Command::new("redis-server")
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                port,
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(25));
        }
        RedisOnPort(child)
    }
}

impl Drop for RedisOnPort {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Redis going away fails the calls made meanwhile (an HTTP 500 from the template, not a
/// crash); once it is back, the next call reconnects.
#[test]
fn redis_calls_work_again_once_the_server_is_back() {
    let redis = servers::redis();
    let port = redis.addr.rsplit(':').next().unwrap().to_string();
    let tmp = temp_dir();
    let app = counter_app(tmp.path(), "redis-return");
    let server = serve(&app, &["--keyvalue", &redis.url]);
    assert_eq!(count(&server, "/"), 1);
    drop(redis);
    let response = server.get("/");
    assert!(response.starts_with("HTTP/1.0 500"), "{response}");
    assert!(
        response.contains("Redis bucket `default`: INCRBY `/`"),
        "{response}"
    );
    let _back = RedisOnPort::start(&port);
    // The restarted server kept nothing (no persistence): counting starts again.
    assert_eq!(count(&server, "/"), 1);
    assert_eq!(count(&server, "/"), 2);
    assert!(server.interrupt().success());
}
