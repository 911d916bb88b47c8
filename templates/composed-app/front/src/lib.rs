//! The HTTP front: answers `GET /NAME` with the greeter component's greeting.

use wash::http::{Body, Error, Request, Response};

// `imports::greeter::greet::greet` calls the greeter component through its interface.
wash::imports!();

#[wash::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    let name = match request.uri().path().trim_start_matches('/').split('/').next() {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => "world".to_string(),
    };
    let greeting = imports::greeter::greet::greet(greeter::Person { name });
    Ok(Response::new(format!("{greeting}\n").into()))
}
