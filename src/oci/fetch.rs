//! The bounds a pull puts on a registry that misbehaves (issue 16): the manifest GET, which
//! wash makes itself so it can stop reading at [`MAX_MANIFEST_SIZE`] (oci-client reads any
//! body whole, so a registry could make it allocate without limit), and [`retrying`], which
//! repeats an idempotent GET the registry failed on its side (5xx, 429) a bounded number of
//! times, as containerd and cosign do.

use std::future::Future;
use std::time::Duration;

use oci_client::errors::{OciDistributionError, OciEnvelope};
use oci_client::secrets::RegistryAuth;

use super::{ClientOptions, ComponentRef, MANIFEST_MEDIA_TYPE, OciError};

/// The largest manifest wash reads (containerd's limit). A component's manifest is about 1 KiB.
pub const MAX_MANIFEST_SIZE: u64 = 4 * 1024 * 1024;

/// How many times a GET the registry failed on its side is tried in all.
pub const ATTEMPTS: u32 = 3;

/// The wait before the second attempt; it doubles for each one after.
const BACKOFF: Duration = Duration::from_millis(250);

/// How much of an error response's body is kept (for the registry's error message).
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// Runs `attempt` until it succeeds, fails for good, or has failed [`ATTEMPTS`] times with an
/// error the registry may recover from ([`OciError::ServerFailed`]). Only for requests that
/// change nothing (GETs): trying one again is always safe.
pub(crate) async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T, OciError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, OciError>>,
{
    let mut tried = 1;
    loop {
        match attempt().await {
            Err(OciError::ServerFailed { .. }) if tried < ATTEMPTS => {
                tokio::time::sleep(BACKOFF * 2u32.pow(tried - 1)).await;
                tried += 1;
            }
            Err(OciError::ServerFailed {
                registry,
                reference,
                status,
                ..
            }) => {
                return Err(OciError::ServerFailed {
                    registry,
                    reference,
                    status,
                    attempts: tried,
                });
            }
            other => return other,
        }
    }
}

/// The raw manifest `reference` names, as one of the [`MANIFEST_MEDIA_TYPE`], read up to
/// [`MAX_MANIFEST_SIZE`]. `token` is the bearer token oci-client's `auth` returned, if any.
pub(crate) async fn manifest(
    http: &reqwest::Client,
    reference: &ComponentRef,
    auth: &RegistryAuth,
    token: Option<&str>,
    options: &ClientOptions,
) -> Result<Vec<u8>, OciError> {
    let fail = |e| OciError::from_client(e, reference, options);
    let oci = reference.as_oci();
    let url = format!(
        "{scheme}://{registry}/v2/{repository}/manifests/{name}{ns}",
        scheme = super::scheme(reference, options),
        registry = oci.resolve_registry(),
        repository = oci.repository(),
        name = oci.digest().or(oci.tag()).unwrap_or("latest"),
        ns = oci
            .namespace()
            .map(|ns| format!("?ns={ns}"))
            .unwrap_or_default(),
    );
    let mut request = http
        .get(&url)
        .header(reqwest::header::ACCEPT, MANIFEST_MEDIA_TYPE);
    request = match (token, auth) {
        (Some(token), _) => request.bearer_auth(token),
        (None, RegistryAuth::Basic(user, password)) => request.basic_auth(user, Some(password)),
        _ => request,
    };
    let mut response = request
        .send()
        .await
        .map_err(|e| fail(OciDistributionError::RequestError(e)))?;
    let status = response.status();
    if status != reqwest::StatusCode::OK {
        let body = read_capped(&mut response, MAX_ERROR_BODY)
            .await
            .map_err(fail)?
            .unwrap_or_default();
        return Err(fail(status_error(status, &body, &url)));
    }
    let too_large = |size| OciError::ManifestTooLarge {
        registry: reference.registry().to_string(),
        reference: reference.to_string(),
        size,
    };
    if let Some(size) = response.content_length()
        && size > MAX_MANIFEST_SIZE
    {
        return Err(too_large(Some(size)));
    }
    read_capped(&mut response, MAX_MANIFEST_SIZE)
        .await
        .map_err(fail)?
        .ok_or_else(|| too_large(None))
}

/// The body, or `None` once it passes `limit` bytes (the rest is not read).
async fn read_capped(
    response: &mut reqwest::Response,
    limit: u64,
) -> Result<Option<Vec<u8>>, OciDistributionError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// The error a response with an unexpected `status` reports, its body read for the registry's
/// message (up to [`MAX_ERROR_BODY`]).
pub(crate) async fn error_response(
    mut response: reqwest::Response,
    status: reqwest::StatusCode,
    url: &str,
) -> OciDistributionError {
    match read_capped(&mut response, MAX_ERROR_BODY).await {
        Ok(body) => status_error(status, &body.unwrap_or_default(), url),
        Err(e) => e,
    }
}

/// A non-200 answer as oci-client would report it, so [`OciError::from_client`] sorts both alike.
fn status_error(status: reqwest::StatusCode, body: &[u8], url: &str) -> OciDistributionError {
    let url = url.to_string();
    if status == reqwest::StatusCode::UNAUTHORIZED {
        return OciDistributionError::UnauthorizedError { url };
    }
    if status.is_client_error()
        && let Ok(envelope) = serde_json::from_slice::<OciEnvelope>(body)
    {
        return OciDistributionError::RegistryError { envelope, url };
    }
    OciDistributionError::ServerError {
        code: status.as_u16(),
        url,
        message: String::from_utf8_lossy(body).into_owned(),
    }
}

/// The HTTP client for the requests wash makes itself ([`manifest`], and uploads): wash's user
/// agent and connect timeout, and this read timeout (none for uploads: see
/// [`ClientOptions::timeout`]).
pub(crate) fn http_client(
    read_timeout: Option<Duration>,
) -> Result<reqwest::Client, reqwest::Error> {
    // reqwest is built without a bundled crypto provider; ring is the one wash ships.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let builder = reqwest::Client::builder()
        .user_agent(super::USER_AGENT)
        .connect_timeout(super::CONNECT_TIMEOUT);
    match read_timeout {
        Some(timeout) => builder.read_timeout(timeout),
        None => builder,
    }
    .build()
}
