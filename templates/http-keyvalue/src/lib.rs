//! `{{project-name}}`: an HTTP counter kept in wasi:keyvalue. `wash dev` serves it, with the
//! store in `target/wasmcloud/dev/keyvalue/` (it survives rebuilds and restarts).

use wash::wasi::keyvalue::{atomics, store};
use wash::http::{Body, Error, Request, Response, StatusCode};

#[wash::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    // One count per path (and query): `/` and `/docs` are counted apart.
    let key = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_string();
    let (status, text) = match count(&key) {
        Ok(n) => (StatusCode::OK, format!("{key} has been visited {n} time(s)\n")),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the key-value store failed: {e:?}\n"),
        ),
    };
    let response = Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(text.into())?;
    Ok(response)
}

/// Adds one to the count of `key` in the bucket `default` and returns it. (Named, not `""`:
/// wasmCloud's host passes the name to NATS as it is, and NATS has no bucket `""`.)
fn count(key: &str) -> Result<u64, store::Error> {
    let bucket = store::open("default")?;
    atomics::increment(&bucket, key, 1)
}
