//! `wash run` and `wash dev` hosting wasmcloud:messaging (issue 12): real components
//! (`tests/fixtures/msg-greeter`, `tests/fixtures/msg-http`) exchanging messages in-process and
//! over a real `nats-server`, separate wash processes talking through it, a plain NATS client
//! talking to a component, and the start-up errors.

use std::path::Path;
use std::time::Duration;

use crate::run::Server as HttpServer;
use crate::servers;
use crate::support::*;

/// A running `wash` (`run` or `dev`) that serves no HTTP.
type Wash = Watched;

/// The body of an HTTP/1.0 response, and its status line.
fn split(response: &str) -> (&str, &str) {
    let status = response.lines().next().unwrap_or_default();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, body)
}

/// A NATS request from outside wash, as any other NATS client would make it.
fn nats_request(url: &str, subject: &str, body: &str, timeout: Duration) -> Result<String, String> {
    let tokio = tokio::runtime::Runtime::new().unwrap();
    tokio.block_on(async {
        let client = async_nats::connect(url).await.map_err(|e| e.to_string())?;
        let request = async_nats::Request::new()
            .payload(body.to_string().into())
            .timeout(Some(timeout));
        let answer = client
            .send_request(subject.to_string(), request)
            .await
            .map_err(|e| e.to_string())?;
        Ok(String::from_utf8_lossy(&answer.payload).into_owned())
    })
}

/// (a) One component is both sides: its HTTP handler sends a request on `echo.x`, its message
/// handler answers it, all inside one wash process.
#[test]
fn a_component_asks_itself_in_process() {
    let f = msg_http();
    let mut cmd = wash();
    cmd.args(["run", "--subscribe", "echo.*"]).arg(&f.wasm);
    let server = HttpServer::start_cmd(cmd);
    let response = server.get("/ask/echo.x?hello");
    let (status, body) = split(&response);
    assert_eq!(status, "HTTP/1.0 200 OK", "{response}");
    assert_eq!(body, "echo echo.x: hello");
    // `*` is one token: `echo.x.y` has no subscriber.
    let response = server.get("/ask/echo.x.y?hello");
    let (status, body) = split(&response);
    assert_eq!(status, "HTTP/1.0 502 Bad Gateway", "{response}");
    assert_eq!(body, "request failed: no responders for `echo.x.y`\n");
    assert!(server.interrupt().success());
}

/// The built crate's `dev.subscriptions` (`["echo.*"]` in its Cargo.toml) apply when no
/// `--subscribe` is given; the start-up report names the backend and the subjects.
#[test]
fn a_built_crate_subscribes_to_its_cargo_toml_subjects() {
    let f = msg_http();
    let mut run = Wash::start({
        let mut cmd = wash();
        cmd.args(["run", "--addr", "127.0.0.1:0"])
            .current_dir(&f.dir);
        cmd
    });
    let hosting = run.wait_for("Hosting messaging");
    assert_eq!(
        hosting.trim(),
        "Hosting messaging: in-process (subscribed: echo.*)"
    );
    let subscribed = run.wait_for("Subscribed");
    assert_eq!(subscribed.trim(), "Subscribed to echo.*");
    let serving = run.wait_for("Serving http://");
    let addr = serving.split("http://").nth(1).unwrap().split('/').next();
    let response = http_get(addr.unwrap(), "/ask/echo.from-toml?hi");
    assert_eq!(split(&response).1, "echo echo.from-toml: hi", "{response}");
    assert!(run.interrupt().success());
}

fn http_get(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    response
}

/// `wash run --messaging URL --subscribe 'greet.*' msg-greeter.wasm`, once subscribed.
fn responder(nats: &servers::Server) -> Wash {
    let f = msg_greeter();
    let mut cmd = wash();
    cmd.args(["run", "--messaging", &nats.url, "--subscribe", "greet.*"])
        .arg(&f.wasm);
    let mut responder = Wash::start(cmd);
    let hosting = responder.wait_for("Hosting messaging");
    assert_eq!(
        hosting.trim(),
        format!(
            "Hosting messaging: NATS at {} (subscribed: greet.*)",
            nats.url
        )
    );
    let subscribed = responder.wait_for("Subscribed");
    assert_eq!(subscribed.trim(), "Subscribed to greet.* (Ctrl-C to stop)");
    responder
}

/// (b) Two wash processes, a requester (HTTP) and a responder (a message handler only), talk
/// through a real NATS server; (c) a plain NATS client gets the same answers; a handler's error
/// is reported by wash, which goes on serving.
#[test]
fn two_components_exchange_messages_over_nats() {
    let nats = servers::nats();
    let mut responder = responder(&nats);

    let mut cmd = wash();
    cmd.args(["run", "--messaging", &nats.url])
        .arg(&msg_http().wasm);
    let requester = HttpServer::start_cmd(cmd);
    let response = requester.get("/ask/greet.ann?hi");
    let (status, body) = split(&response);
    assert_eq!(status, "HTTP/1.0 200 OK", "{response}");
    assert_eq!(body, "Hello, ann! (you said: hi)");

    // From outside wash: a NATS request to the responder's subject.
    let answer = nats_request(&nats.url, "greet.bob", "yo", Duration::from_secs(10));
    assert_eq!(answer.as_deref(), Ok("Hello, bob! (you said: yo)"));

    // A handler that fails: wash reports it, the requester times out, the next one is served.
    let failed = nats_request(&nats.url, "greet.fail", "", Duration::from_millis(500));
    assert!(failed.is_err(), "{failed:?}");
    let warning = responder.wait_for("message on greet.fail");
    assert!(
        warning.contains("the handler returned an error: refusing to greet `greet.fail`"),
        "{warning}"
    );
    let response = requester.get("/ask/greet.cy?again");
    assert_eq!(split(&response).1, "Hello, cy! (you said: again)");

    // Nobody subscribed: NATS says so at once.
    let response = requester.get("/ask/nobody.home");
    assert_eq!(
        split(&response).1,
        "request failed: no responders for `nobody.home`\n"
    );
    assert!(requester.interrupt().success());
    assert!(responder.interrupt().success());
}

/// (d) An unreachable NATS stops wash before the component starts, naming the flag and the
/// Cargo.toml key.
#[test]
fn an_unreachable_nats_is_a_start_up_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = run(
        wash()
            .args(["run", "--messaging", &format!("nats://{closed}")])
            .args(["--subscribe", "greet.*"])
            .arg(&msg_greeter().wasm),
        false,
    );
    let err = stderr(&out);
    assert!(!err.contains("Subscribed"), "{err}");
    let mut settings = redactions();
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    settings.bind(|| insta::assert_snapshot!("messaging-nats-unreachable", err));
}

#[test]
fn a_handler_with_no_subscriptions_is_told_how_to_subscribe() {
    let out = run(wash().arg("run").arg(&msg_greeter().wasm), false);
    let err = stderr(&out);
    assert!(
        err.contains("Hosting messaging: in-process (subscribed to nothing: pass `--subscribe"),
        "{err}"
    );
    assert!(
        err.contains("it is subscribed to nothing, so no message would ever reach it"),
        "{err}"
    );
    assert!(
        err.contains("help: pass `--subscribe SUBJECT` (repeatable)"),
        "{err}"
    );
}

#[test]
fn a_subject_that_breaks_nats_rules_is_refused_by_the_flag() {
    let out = run(
        wash()
            .args(["run", "--subscribe", "greet.>.x"])
            .arg(&msg_greeter().wasm),
        false,
    );
    let err = stderr(&out);
    assert!(
        err.contains("cannot subscribe to `greet.>.x`: `>` can only be the last token"),
        "{err}"
    );
}

/// A copy of msg-greeter under another name, so its build does not replace the fixture's.
fn greeter_copy(dir: &Path) {
    let src = msg_greeter().dir.clone();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/wash-sdk");
    for file in ["Cargo.toml", "Cargo.lock", "src/lib.rs"] {
        let text = std::fs::read_to_string(src.join(file))
            .unwrap()
            .replace("../../../crates/wash-sdk", &sdk.display().to_string())
            .replace("\"msg-greeter\"", "\"msg-greeter-dev\"");
        std::fs::write(dir.join(file), text).unwrap();
    }
}

/// `wash dev` keeps the subscriptions across a hot swap: after an edit, the next message is
/// answered by the new build; when the crate's `subscriptions` change, it subscribes anew. The
/// backend and subjects come from Cargo.toml's `[package.metadata.wasmcloud.dev]`.
#[test]
fn wash_dev_swaps_a_message_handler_behind_its_subscriptions() {
    let nats = servers::nats();
    let tmp = temp_dir();
    let dir = tmp.path().join("greeter");
    greeter_copy(&dir);
    let manifest = dir.join("Cargo.toml");
    let toml = std::fs::read_to_string(&manifest).unwrap().replace(
        "[workspace]",
        &format!(
            "[package.metadata.wasmcloud.dev]\nmessaging = \"{}\"\nsubscriptions = [\"greet.*\"]\n\n[workspace]",
            nats.url
        ),
    );
    std::fs::write(&manifest, toml).unwrap();
    let mut dev = Wash::start({
        let mut cmd = wash();
        cmd.arg("dev").current_dir(&dir);
        cmd
    });
    let hosting = dev.wait_for("Hosting messaging");
    assert!(
        hosting.contains(&format!("NATS at {}", nats.url)),
        "{hosting}"
    );
    dev.wait_for("Subscribed to greet.*");
    let ask = |subject: &str| nats_request(&nats.url, subject, "1", Duration::from_secs(10));
    assert_eq!(ask("greet.dev").as_deref(), Ok("Hello, dev! (you said: 1)"));

    let lib = dir.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, text.replace("\"Hello, ", "\"Howdy, ")).unwrap();
    dev.wait_for("Rebuilt");
    assert_eq!(ask("greet.dev").as_deref(), Ok("Howdy, dev! (you said: 1)"));
    // The subscriptions were kept, not made again.
    let subscribed = dev.seen.iter().filter(|l| l.contains("Subscribed")).count();
    assert_eq!(subscribed, 1, "{}", dev.seen.join("\n"));

    // New subjects in Cargo.toml: subscribed anew, the old ones dropped.
    let toml = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, toml.replace("[\"greet.*\"]", "[\"hi.*\"]")).unwrap();
    dev.wait_for("Subscribed to hi.*");
    dev.wait_for("Rebuilt");
    assert_eq!(
        ask("hi.there").as_deref(),
        Ok("Howdy, there! (you said: 1)")
    );
    let gone = ask("greet.dev").unwrap_err();
    assert!(gone.contains("no responders"), "{gone}");
    assert!(dev.interrupt().success());
}
