//! The HTTP front: answers `GET /NAME` with the greeter component's greeting.

use std::io::Write as _;

use wasip2::exports::http::incoming_handler::Guest;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

// `imports::greeter::greet::greet` calls the greeter component through its interface.
wash::imports!();

struct Front;

wasip2::http::proxy::export!(Front);

impl Guest for Front {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        let name = path
            .trim_start_matches('/')
            .split(['?', '/'])
            .next()
            .filter(|n| !n.is_empty())
            .unwrap_or("world")
            .to_string();
        let greeting = imports::greeter::greet::greet(greeter::Person { name });

        let headers = Fields::from_list(&[(
            "content-type".to_string(),
            b"text/plain; charset=utf-8".to_vec(),
        )])
        .expect("valid header");
        let response = OutgoingResponse::new(headers);
        let body = response.body().expect("body is taken once");
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = body.write().expect("stream is taken once");
        out.write_all(format!("{greeting}\n").as_bytes())
            .expect("response body is writable");
        out.flush().expect("response body is writable");
        drop(out);
        OutgoingBody::finish(body, None).expect("body finishes once");
    }
}
