//! A registry that misbehaves (issue 16): an HTTP/1.1 reverse proxy on 127.0.0.1 in front of a
//! real registry. It forwards each request (as HTTP/1.0, so the registry answers with a plain
//! body and closes), then hands the answer to the client mangled as its [`Mode`] says, with
//! `Connection: close`. Threads and `TcpStream`s only, like [`crate::registry::Tripwire`].

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the proxy misbehaves. "Blob" means a `GET …/blobs/…` the registry answered 200, and
/// "manifest" a `GET …/manifests/…` it answered 200.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Forwards everything untouched.
    Pass,
    /// Announces the blob's length, sends half of it, and closes.
    TruncateBlob,
    /// Sends the blob at its length with one byte flipped: another digest.
    CorruptBlob,
    /// Sends the blob with 1000 more bytes than it has, announcing that length or not (then
    /// the body ends when the connection closes).
    LongBlob { announce: bool },
    /// Rewrites the manifest's component layer `size` to this.
    LayerSize(i64),
    /// Answers every blob GET 404 `BLOB_UNKNOWN`, as for a blob the registry lost.
    MissingBlob,
    /// Answers 500 to the first `count` requests whose path contains `path`, then forwards.
    FailFirst { path: &'static str, count: usize },
    /// Reads a request whose path contains `path` and never answers.
    Stall { path: &'static str },
    /// Sends a blob's head and half its body, then nothing.
    StallBody,
    /// Serves, for the manifest, `bytes` bytes of valid JSON, announcing the length or not
    /// (then the body ends when the connection closes).
    HugeManifest { bytes: u64, announce: bool },
}

/// A running proxy; it stops (and lets go of stalled connections) when dropped.
pub struct Hostile {
    /// `127.0.0.1:<port>`, to pull from.
    pub host: String,
    state: Arc<State>,
}

struct State {
    target: String,
    mode: Mutex<Mode>,
    /// The path of every request, in order.
    paths: Mutex<Vec<String>>,
    /// Manifest body bytes [`Mode::HugeManifest`] got into the socket.
    huge_sent: AtomicU64,
    stop: AtomicBool,
}

impl Hostile {
    /// A proxy in front of the registry at `target` (`127.0.0.1:<port>`).
    pub fn start(target: &str, mode: Mode) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let state = Arc::new(State {
            target: target.to_string(),
            mode: Mutex::new(mode),
            paths: Mutex::new(Vec::new()),
            huge_sent: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let shared = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if shared.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                let state = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(&state, client);
                });
            }
        });
        Hostile { host, state }
    }

    /// Changes how it misbehaves from the next request on ([`Mode::Pass`]: the registry heals).
    pub fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    /// How many requests had `part` in their path.
    pub fn requests(&self, part: &str) -> usize {
        let paths = self.state.paths.lock().unwrap();
        paths.iter().filter(|p| p.contains(part)).count()
    }

    /// Manifest bytes a [`Mode::HugeManifest`] got into the socket before the client hung up.
    pub fn huge_sent(&self) -> u64 {
        self.state.huge_sent.load(Ordering::SeqCst)
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(&self.host);
    }
}

/// A request's line, headers and body.
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A registry's answer.
struct Response {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The status line and headers, with `Content-Length: length` (none if `None`) and
    /// `Connection: close`.
    fn head(&self, length: Option<u64>) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason);
        for (k, v) in &self.headers {
            let hop = [
                "content-length",
                "connection",
                "keep-alive",
                "transfer-encoding",
            ];
            if !hop.iter().any(|h| k.eq_ignore_ascii_case(h)) {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        if let Some(length) = length {
            head.push_str(&format!("Content-Length: {length}\r\n"));
        }
        head.push_str("Connection: close\r\n\r\n");
        head.into_bytes()
    }
}

fn serve(state: &State, mut client: TcpStream) -> std::io::Result<()> {
    let request = read_request(&mut client)?;
    state.paths.lock().unwrap().push(request.path.clone());
    let mode = {
        let mut mode = state.mode.lock().unwrap();
        let current = mode.clone();
        if let Mode::FailFirst { path, count } = &mut *mode
            && request.path.contains(*path)
            && *count > 0
        {
            *count -= 1;
        }
        current
    };
    let get = request.method == "GET";
    let is_blob = get && request.path.contains("/blobs/");
    let is_manifest = get && request.path.contains("/manifests/");
    match &mode {
        Mode::FailFirst { path, count } if *count > 0 && request.path.contains(*path) => {
            let body = br#"{"errors":[{"code":"UNKNOWN","message":"hostile: induced failure"}]}"#;
            let answer = Response {
                status: 500,
                reason: "Internal Server Error".into(),
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: body.to_vec(),
            };
            return send(&mut client, &answer, &request);
        }
        Mode::Stall { path } if request.path.contains(*path) => return stall(state, client),
        Mode::MissingBlob if is_blob => {
            let body =
                br#"{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}"#;
            let answer = Response {
                status: 404,
                reason: "Not Found".into(),
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: body.to_vec(),
            };
            return send(&mut client, &answer, &request);
        }
        _ => {}
    }
    let mut answer = forward(&state.target, &request)?;
    let ok = answer.status == 200;
    match mode {
        Mode::TruncateBlob if is_blob && ok => {
            let half = answer.body.len() / 2;
            client.write_all(&answer.head(Some(answer.body.len() as u64)))?;
            client.write_all(&answer.body[..half])?;
            client.flush()?;
            return client.shutdown(std::net::Shutdown::Both);
        }
        Mode::CorruptBlob if is_blob && ok => {
            let mid = answer.body.len() / 2;
            answer.body[mid] ^= 0xff;
        }
        Mode::LongBlob { announce } if is_blob && ok => {
            answer.body.extend(std::iter::repeat_n(0u8, 1000));
            if !announce {
                client.write_all(&answer.head(None))?;
                client.write_all(&answer.body)?;
                return client.shutdown(std::net::Shutdown::Both);
            }
        }
        Mode::LayerSize(size) if is_manifest && ok => {
            let mut manifest: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
            manifest["layers"][0]["size"] = size.into();
            answer.body = serde_json::to_vec(&manifest).unwrap();
            answer.headers.retain(|(k, _)| k != "Docker-Content-Digest");
        }
        Mode::StallBody if is_blob && ok => {
            client.write_all(&answer.head(Some(answer.body.len() as u64)))?;
            client.write_all(&answer.body[..answer.body.len() / 2])?;
            client.flush()?;
            return stall(state, client);
        }
        Mode::HugeManifest { bytes, announce } if is_manifest && ok => {
            answer.headers.retain(|(k, _)| k != "Docker-Content-Digest");
            client.write_all(&answer.head(announce.then_some(bytes)))?;
            return send_huge(state, client, bytes);
        }
        _ => {}
    }
    send(&mut client, &answer, &request)
}

fn send(client: &mut TcpStream, answer: &Response, request: &Request) -> std::io::Result<()> {
    if request.method == "HEAD" {
        // No body, and the length the registry announced for it.
        let length = answer.header("Content-Length").and_then(|v| v.parse().ok());
        client.write_all(&answer.head(length))?;
    } else {
        client.write_all(&answer.head(Some(answer.body.len() as u64)))?;
        client.write_all(&answer.body)?;
    }
    client.flush()?;
    client.shutdown(std::net::Shutdown::Write)
}

/// Holds the connection open, saying nothing, until the proxy stops.
fn stall(state: &State, client: TcpStream) -> std::io::Result<()> {
    while !state.stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(client);
    Ok(())
}

/// `{"schemaVersion":2,"annotations":{"pad":"xxx…"}}`, `bytes` long, until the client hangs up.
fn send_huge(state: &State, mut client: TcpStream, bytes: u64) -> std::io::Result<()> {
    let open = br#"{"schemaVersion":2,"annotations":{"pad":""#;
    let close = br#""}}"#;
    client.write_all(open)?;
    let mut left = bytes - (open.len() + close.len()) as u64;
    let block = vec![b'x'; 64 * 1024];
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        client.write_all(&block[..n])?;
        state.huge_sent.fetch_add(n as u64, Ordering::SeqCst);
        left -= n as u64;
    }
    client.write_all(close)?;
    client.shutdown(std::net::Shutdown::Write)
}

fn read_request(client: &mut TcpStream) -> std::io::Result<Request> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let headers = read_headers(&mut reader)?;
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Request {
        method,
        path,
        headers,
        body,
    })
}

fn read_headers(reader: &mut impl BufRead) -> std::io::Result<Vec<(String, String)>> {
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
            return Ok(headers);
        }
        if let Some((k, v)) = line.trim_end().split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
}

/// Sends the request to the registry as HTTP/1.0 and reads its whole answer.
fn forward(target: &str, request: &Request) -> std::io::Result<Response> {
    let mut server = TcpStream::connect(target)?;
    let mut head = format!("{} {} HTTP/1.0\r\n", request.method, request.path);
    for (k, v) in &request.headers {
        let hop = [
            "connection",
            "keep-alive",
            "transfer-encoding",
            "content-length",
        ];
        if !hop.iter().any(|h| k.eq_ignore_ascii_case(h)) {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        request.body.len()
    ));
    server.write_all(head.as_bytes())?;
    server.write_all(&request.body)?;
    let mut reader = BufReader::new(server);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let mut parts = status_line.trim_end().splitn(3, ' ');
    let _version = parts.next();
    let status = parts.next().unwrap_or("0").parse().unwrap_or(0);
    let reason = parts.next().unwrap_or_default().to_string();
    let headers = read_headers(&mut reader)?;
    assert!(
        !headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v != "identity"),
        "the registry answered an HTTP/1.0 request with a chunked body"
    );
    let mut body = Vec::new();
    if request.method != "HEAD" {
        reader.read_to_end(&mut body)?;
    }
    Ok(Response {
        status,
        reason,
        headers,
        body,
    })
}
