//! Outgoing HTTP, as granted: a request to a host `--allow-http` names is sent; any other is
//! refused as `HTTP-request-denied` before a connection is made. Nothing is granted by default.

use std::future::Future;
use std::sync::Arc;

use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};

/// The hosts a component may send HTTP requests to: `*`, `HOST` (any port) or `HOST:PORT`.
#[derive(Debug, Clone, Default)]
pub struct HttpPolicy {
    allowed: Arc<Vec<String>>,
}

impl HttpPolicy {
    /// A policy allowing these hosts.
    pub fn allowing(hosts: &[String]) -> HttpPolicy {
        HttpPolicy {
            allowed: Arc::new(hosts.iter().map(|h| h.to_ascii_lowercase()).collect()),
        }
    }

    /// Whether a request to `host` (`port`: explicit, or the scheme's) may be sent.
    pub fn allows(&self, host: &str, port: u16) -> bool {
        let host = host.to_ascii_lowercase();
        self.allowed.iter().any(|pattern| {
            if pattern == "*" {
                return true;
            }
            match pattern.rsplit_once(':') {
                Some((h, p)) if !h.ends_with(']') || pattern.starts_with('[') => {
                    h == host && p.parse::<u16>().is_ok_and(|p| p == port)
                }
                _ => *pattern == host,
            }
        })
    }
}

type OutgoingResponse = wasmtime_wasi_http::Result<(
    ::http::Response<WasiBody>,
    Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
)>;

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: ::http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Box<dyn Future<Output = OutgoingResponse> + Send> {
        let uri = request.uri();
        let https = uri.scheme_str() == Some("https");
        let allowed = uri.host().is_some_and(|host| {
            let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
            self.allows(host.trim_start_matches('[').trim_end_matches(']'), port)
        });
        if !allowed {
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_with_or_without_a_port() {
        let policy = HttpPolicy::allowing(&["api.example.com".into(), "127.0.0.1:8080".into()]);
        assert!(policy.allows("api.example.com", 443));
        assert!(policy.allows("API.example.com", 80));
        assert!(policy.allows("127.0.0.1", 8080));
        assert!(!policy.allows("127.0.0.1", 8081));
        assert!(!policy.allows("example.com", 443));
        assert!(HttpPolicy::allowing(&["*".into()]).allows("anything", 1));
        assert!(!HttpPolicy::default().allows("anything", 80));
    }
}
