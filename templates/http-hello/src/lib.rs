//! `{{project-name}}`: an HTTP component. `wash build` builds it, `wash run` serves it.

use wash::http::{Body, Error, Request, Response};

#[wash::http_server]
async fn main(_request: Request<Body>) -> Result<Response<Body>, Error> {
    let response = Response::builder()
        .header("content-type", "text/plain; charset=utf-8")
        .body("Hello from {{project-name}}\n".into())?;
    Ok(response)
}
