//! A blob upload that starts before its digest is known, as skopeo and containerd push: a POST
//! opens the upload, one PATCH streams every byte while they are read and hashed, and a PUT
//! naming the digest commits them. Until that PUT the registry holds no blob, so an upload
//! given up on (the bytes proved invalid, or the registry turned out to have them) leaves
//! nothing behind but an unfinished upload, which it is told to discard.
//!
//! oci-client's own digest-less upload sends a PATCH per piece, which the distribution
//! registry serves at half the throughput of one streamed request; so wash makes these three
//! requests itself, with the token oci-client's sign-in returned.

use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};

use super::{ClientOptions, ComponentRef};

/// Uploads to one repository, signed in.
pub(super) struct Uploader<'a> {
    http: &'a reqwest::Client,
    /// `SCHEME://REGISTRY`, which relative `Location`s are resolved against.
    origin: String,
    /// `/v2/REPOSITORY`.
    repository: String,
    auth: &'a RegistryAuth,
    /// The bearer token oci-client's `auth` returned, if any.
    token: Option<&'a str>,
}

impl<'a> Uploader<'a> {
    pub(super) fn new(
        http: &'a reqwest::Client,
        reference: &ComponentRef,
        options: &ClientOptions,
        auth: &'a RegistryAuth,
        token: Option<&'a str>,
    ) -> Uploader<'a> {
        let oci = reference.as_oci();
        Uploader {
            http,
            origin: format!(
                "{}://{}",
                super::scheme(reference, options),
                oci.resolve_registry()
            ),
            repository: format!("/v2/{}", oci.repository()),
            auth,
            token,
        }
    }

    fn signed(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match (self.token, self.auth) {
            (Some(token), _) => request.bearer_auth(token),
            (None, RegistryAuth::Basic(user, password)) => request.basic_auth(user, Some(password)),
            _ => request,
        }
    }

    /// Opens an upload; where its bytes go.
    pub(super) async fn open(&self) -> Result<String, OciDistributionError> {
        let url = format!("{}{}/blobs/uploads/", self.origin, self.repository);
        let request = self.http.post(&url).header(CONTENT_LENGTH, 0);
        self.location(
            self.signed(request).send().await?,
            &url,
            StatusCode::ACCEPTED,
        )
        .await
    }

    /// Streams all of the blob's bytes to the upload at `location` in one request; where the
    /// upload goes on.
    pub(super) async fn send(
        &self,
        location: &str,
        body: reqwest::Body,
    ) -> Result<String, OciDistributionError> {
        let request = self
            .http
            .patch(location)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(body);
        self.location(
            self.signed(request).send().await?,
            location,
            StatusCode::ACCEPTED,
        )
        .await
    }

    /// Commits the bytes sent to the upload at `location` as the blob `digest`; the registry
    /// checks that they hash to it.
    pub(super) async fn commit(
        &self,
        location: &str,
        digest: &str,
    ) -> Result<(), OciDistributionError> {
        let mut url = reqwest::Url::parse(location).map_err(|e| bad_location(location, e))?;
        url.query_pairs_mut().append_pair("digest", digest);
        let request = self.http.put(url.as_str()).header(CONTENT_LENGTH, 0);
        let response = self.signed(request).send().await?;
        match response.status() {
            StatusCode::CREATED => Ok(()),
            status => Err(super::fetch::error_response(response, status, location).await),
        }
    }

    /// Asks the registry to discard the unfinished upload at `location` (best effort: one it
    /// keeps, it purges in time).
    pub(super) async fn discard(&self, location: &str) {
        let _ = self.signed(self.http.delete(location)).send().await;
    }

    /// The absolute `Location` of a response with the `expected` status.
    async fn location(
        &self,
        response: reqwest::Response,
        url: &str,
        expected: StatusCode,
    ) -> Result<String, OciDistributionError> {
        let status = response.status();
        if status != expected {
            return Err(super::fetch::error_response(response, status, url).await);
        }
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .ok_or_else(|| {
                OciDistributionError::SpecViolationError(format!(
                    "the registry answered {url} with no Location for the upload"
                ))
            })?;
        let base = reqwest::Url::parse(&self.origin).map_err(|e| bad_location(&self.origin, e))?;
        let absolute = base.join(location).map_err(|e| bad_location(location, e))?;
        Ok(absolute.into())
    }
}

fn bad_location(location: &str, e: impl std::fmt::Display) -> OciDistributionError {
    OciDistributionError::SpecViolationError(format!(
        "the registry gave an upload location that is not a URL ({location}: {e})"
    ))
}

/// What [`stream_file`] did: the component's inspection (its digest among it), and the bytes
/// it uploaded (`None` when the registry turned out to have them already).
pub(super) struct Streamed {
    pub inspection: crate::inspect::Inspection,
    pub uploaded: Option<u64>,
}

/// Uploads the component at `path` as it is read. On blocking threads meanwhile the bytes are
/// hashed, checked valid (unless bytes with their digest were) and inspected; once the digest
/// is known, `has_blob` asks whether the registry has it (then the upload stops). The upload is
/// committed only once all of that is done and the component found valid; otherwise it is
/// discarded and the error returned: the component's own (invalid, unreadable) before the
/// network's.
pub(super) async fn stream_file<F: Future<Output = Result<bool, super::OciError>>>(
    uploader: &Uploader<'_>,
    path: &std::path::Path,
    progress: &super::ProgressHandle,
    has_blob: impl FnOnce(String) -> F,
    fail: impl Fn(OciDistributionError) -> super::OciError,
) -> Result<Streamed, super::OciError> {
    use futures_util::future::Either;

    let size = crate::artifact::size(path)?;
    progress.start("component", size);
    let (pieces, reading) = read_as_sent(path, progress.clone());
    let opened = std::sync::OnceLock::new();
    let mut upload = Box::pin(async {
        let location = uploader.open().await?;
        let location = opened.get_or_init(|| location);
        let body = reqwest::Body::wrap_stream(pieces);
        uploader.send(location, body).await
    });
    let examined = std::pin::pin!(examine(path, reading, has_blob));
    let (sent, examined) = match futures_util::future::select(upload.as_mut(), examined).await {
        Either::Left((sent, examined)) => (Some(sent), examined.await),
        Either::Right((examined, _)) => (None, examined),
    };
    // The outcome, and where an upload not committed stands (its last location).
    let (outcome, unfinished) = match examined {
        Ok((digest, inspection, false)) => {
            let sent = match sent {
                Some(sent) => sent,
                None => upload.as_mut().await,
            };
            match sent {
                Ok(location) => match uploader.commit(&location, &digest).await {
                    Ok(()) => {
                        let uploaded = Some(size);
                        (
                            Ok(Streamed {
                                inspection,
                                uploaded,
                            }),
                            None,
                        )
                    }
                    Err(e) => (Err(fail(e)), Some(location)),
                },
                Err(e) => (Err(fail(e)), None),
            }
        }
        Ok((_, inspection, true)) => {
            let uploaded = None;
            (
                Ok(Streamed {
                    inspection,
                    uploaded,
                }),
                sent.and_then(Result::ok),
            )
        }
        Err(e) => (Err(e), sent.and_then(Result::ok)),
    };
    drop(upload);
    progress.finish();
    let committed = matches!(
        outcome,
        Ok(Streamed {
            uploaded: Some(_),
            ..
        })
    );
    if let Some(location) = unfinished.as_deref().or(opened.get().map(String::as_str))
        && !committed
    {
        uploader.discard(location).await;
    }
    outcome
}

/// The pieces of the file at `path` as they are read on a blocking thread (each counted as
/// progress when the upload takes it), and that thread: the whole file and its digest.
fn read_as_sent(
    path: &std::path::Path,
    progress: super::ProgressHandle,
) -> (
    impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static,
    Reading,
) {
    use futures_util::StreamExt;

    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<bytes::Bytes>();
    let reading = {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || {
            crate::artifact::read_in_pieces(&path, |piece| {
                let _ = sender.send(piece);
            })
        })
    };
    let pieces = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx)).map(move |p| {
        progress.advance(p.len() as u64);
        Ok(p)
    });
    (pieces, reading)
}

type Reading = tokio::task::JoinHandle<Result<(Vec<u8>, String), crate::artifact::ArtifactError>>;

/// Once the file is read and hashed: its digest, its inspection (once checked valid), and
/// whether the registry has it, asked meanwhile. A registry that cannot say counts as lacking
/// it: the question only saves sending it, and the upload reports the registry's failure.
async fn examine<F: Future<Output = Result<bool, super::OciError>>>(
    path: &std::path::Path,
    reading: Reading,
    has_blob: impl FnOnce(String) -> F,
) -> Result<(String, crate::inspect::Inspection, bool), super::OciError> {
    let (bytes, digest) = reading.await.expect("reading does not panic")?;
    let checking = {
        let (path, digest) = (path.to_path_buf(), digest.clone());
        tokio::task::spawn_blocking(move || {
            crate::inspect::check_component(&path, &bytes, &digest)?;
            crate::inspect::inspect_hashed(&path, &bytes, digest, &Default::default())
        })
    };
    let checked = async {
        let inspected = checking.await.expect("inspecting does not panic");
        inspected.map_err(super::OciError::from)
    };
    let asked = async { Ok(has_blob(digest.clone()).await.unwrap_or(false)) };
    let (present, inspection) = futures_util::try_join!(asked, checked)?;
    Ok((digest, inspection, present))
}
