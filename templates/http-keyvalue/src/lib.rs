//! `{{project-name}}`: an HTTP counter kept in wasi:keyvalue. `wash dev` serves it, with the
//! store in `target/wasmcloud/dev/keyvalue/` (it survives rebuilds and restarts).

use std::io::Write as _;

use wash::wasi::keyvalue::{atomics, store};
use wasip2::exports::http::incoming_handler::Guest;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Counter;

wasip2::http::proxy::export!(Counter);

impl Guest for Counter {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        // One count per path: `/` and `/docs` are counted apart.
        let key = request.path_with_query().unwrap_or_default();
        let (status, text) = match count(&key) {
            Ok(n) => (200, format!("{key} has been visited {n} time(s)\n")),
            Err(e) => (500, format!("the key-value store failed: {e:?}\n")),
        };
        let headers = Fields::from_list(&[(
            "content-type".to_string(),
            b"text/plain; charset=utf-8".to_vec(),
        )])
        .unwrap_or_else(|_| Fields::new());
        let response = OutgoingResponse::new(headers);
        let _ = response.set_status_code(status);
        let Ok(body) = response.body() else { return };
        ResponseOutparam::set(response_out, Ok(response));
        // A client that hung up cannot be answered: nothing to do but stop.
        if let Ok(mut out) = body.write() {
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
        let _ = OutgoingBody::finish(body, None);
    }
}

/// Adds one to the count of `key` in the bucket `default` and returns it. (Named, not `""`:
/// wasmCloud's host passes the name to NATS as it is, and NATS has no bucket `""`.)
fn count(key: &str) -> Result<u64, store::Error> {
    let bucket = store::open("default")?;
    atomics::increment(&bucket, key, 1)
}
