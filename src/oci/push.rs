//! `wash push`: a component into a registry. Blobs the registry already has are not sent again
//! (a HEAD per blob first); the component goes up in chunks; the manifest is written last, so
//! an interrupted push leaves no tag behind.

use std::path::Path;

use futures_util::StreamExt;
use oci_client::RegistryOperation;
use oci_client::manifest::OciImageManifest;

use super::layout::{self, PackageInfo};
use super::{ClientOptions, ComponentRef, MANIFEST_MEDIA_TYPE, OciError, ProgressHandle};
use crate::inspect;

/// The size of each stream item handed to oci-client (its own chunk limit for chunked uploads).
const CHUNK: usize = 4 * 1024 * 1024;

/// Components up to this size go up in one streamed request; larger ones in 4 MiB chunks.
/// The distribution registry re-reads what it has on every chunk, so chunks cost about half
/// the throughput on a 30 MB component (bench/oci-push-pull.sh); they are for blobs too big for
/// one request through proxies with body-size limits.
pub const DEFAULT_CHUNKED_ABOVE: u64 = 64 * 1024 * 1024;

/// How to push.
#[derive(Clone)]
pub struct PushOptions {
    /// Protocol policy.
    pub client: ClientOptions,
    /// `--annotation KEY=VALUE`, applied last.
    pub annotations: Vec<(String, String)>,
    /// The crate the component was built from, when known: annotations and the default tag.
    pub package: Option<PackageInfo>,
    /// Where upload progress goes.
    pub progress: ProgressHandle,
    /// Components larger than this many bytes upload in chunks ([`DEFAULT_CHUNKED_ABOVE`]).
    pub chunked_above: u64,
    /// The file's size and modification time just before its bytes were read
    /// ([`crate::artifact::stamp`]): a successful push is then recorded, and an unchanged file
    /// can be re-pushed without reading it ([`push_unchanged`]). `None` records nothing.
    pub read_at: Option<(u64, u128)>,
    /// The component's digest, when the caller knows it (it has just built the file): then,
    /// as for a file pushed before, the file is read as it uploads, and must hash to it.
    pub digest: Option<String>,
}

/// What a push did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Pushed {
    /// The reference pushed (with the tag that was used).
    pub reference: String,
    /// The manifest digest: `REGISTRY/REPO@DIGEST` pulls exactly this.
    pub digest: String,
    /// The component layer's digest.
    pub layer_digest: String,
    /// The component's size in bytes.
    pub size: u64,
    /// Bytes sent in blob uploads (0 when the registry had everything).
    pub uploaded_bytes: u64,
    /// Blobs uploaded (of 2: component and config).
    pub blobs_uploaded: usize,
    /// The tag already pointed at this component with these annotations: nothing was sent.
    pub unchanged: bool,
}

/// Parses `KEY=VALUE` annotations.
pub fn parse_annotation(text: &str) -> Result<(String, String), OciError> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(OciError::BadAnnotation(text.to_string())),
    }
}

/// The reference a push writes: the one given if it has a tag or digest, else tagged with the
/// crate's version, else `latest`.
pub fn resolve_tag(reference: &ComponentRef, package: Option<&PackageInfo>) -> ComponentRef {
    if reference.has_explicit_tag() || reference.digest().is_some() {
        return reference.clone();
    }
    match package {
        Some(p) if !p.version.is_empty() => reference.with_tag(&p.version),
        _ => reference.with_tag("latest"),
    }
}

/// Pushes the component at `path` to `reference`.
///
/// An unchanged file whose last push the registry still holds ([`super::record`]) is not even
/// read. A component whose digest is known (a push was recorded for the file as it is, or the
/// caller just built it) and the registry lacks goes up as it is read, and what is read must
/// hash to that digest. Any other is read and hashed at once and checked to be valid before any
/// of it is sent. Either way, what the config says of it is decoded while it uploads, and the
/// config goes up beside it; the manifest goes last.
pub async fn push(
    reference: &ComponentRef,
    path: &Path,
    options: &PushOptions,
) -> Result<Pushed, OciError> {
    let reference = resolve_tag(reference, options.package.as_ref());
    // Making the HTTP client loads the system's TLS roots: done on another thread meanwhile.
    let making = {
        let (reference, client_options) = (reference.clone(), options.client.clone());
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let monolithic = size <= options.chunked_above;
        std::thread::spawn(move || super::client_with(&reference, &client_options, monolithic))
    };
    let (session, layer) = match super::record::load(path, options) {
        Some(recorded) => {
            let session = Session::open(&reference, options, making).await?;
            let layer = match session.recorded_state(&recorded).await? {
                Recorded::Unchanged(pushed) => return Ok(pushed),
                Recorded::Stale {
                    layer_missing: true,
                    digest,
                    size,
                } if crate::artifact::known_valid(&digest) => Layer::Known { digest, size },
                Recorded::Stale { .. } => Layer::read(path)?,
            };
            (session, layer)
        }
        None => match options
            .digest
            .as_ref()
            .filter(|d| crate::artifact::known_valid(d))
        {
            Some(digest) => {
                let session = Session::open(&reference, options, making).await?;
                let layer = match session.has_blob(digest).await? {
                    true => Layer::read(path)?,
                    false => Layer::Known {
                        digest: digest.clone(),
                        size: crate::artifact::size(path)?,
                    },
                };
                (session, layer)
            }
            // A file wash knows nothing of goes up as it is read, its digest learnt on the
            // way, unless it is big enough to go in chunks.
            None if crate::artifact::size(path)? <= options.chunked_above => {
                let http = std::thread::spawn(|| super::fetch::http_client(None));
                check_kind(path)?;
                let session = Session::open(&reference, options, making).await?;
                (session, Layer::Unread { http })
            }
            None => {
                let layer = Layer::read(path)?;
                (Session::open(&reference, options, making).await?, layer)
            }
        },
    };
    session.send(path, layer).await
}

/// A client signed in to push to one reference, with the request it serves.
struct Session<'a> {
    client: oci_client::Client,
    auth: oci_client::secrets::RegistryAuth,
    /// The bearer token signing in gave, if any.
    token: Option<String>,
    reference: ComponentRef,
    options: &'a PushOptions,
}

/// The component's bytes, as [`Session::send`] gets them.
enum Layer {
    /// Read and hashed.
    Read { bytes: Vec<u8>, digest: String },
    /// Not read yet, and missing from the registry: its digest and size are known (from the
    /// push recorded for the file as it still is, or from the build that just wrote it), and
    /// bytes with that digest were found valid. It is read as it uploads.
    Known { digest: String, size: u64 },
    /// Not read yet, its digest unknown: it is read, hashed and checked as it uploads through
    /// this client ([`super::upload`]), and committed once found valid.
    Unread {
        http: std::thread::JoinHandle<Result<reqwest::Client, reqwest::Error>>,
    },
}

impl Layer {
    fn read(path: &Path) -> Result<Layer, OciError> {
        let (bytes, digest) = crate::artifact::read_hashed(path)?;
        Ok(Layer::Read { bytes, digest })
    }
}

/// What the registry holds of a recorded push.
enum Recorded {
    /// All of it, under the tag asked for.
    Unchanged(Pushed),
    /// Not all: the layer (`digest`, `size` bytes) may be missing too.
    Stale {
        layer_missing: bool,
        digest: String,
        size: u64,
    },
}

impl<'a> Session<'a> {
    async fn open(
        reference: &ComponentRef,
        options: &'a PushOptions,
        making: std::thread::JoinHandle<oci_client::Client>,
    ) -> Result<Session<'a>, OciError> {
        let auth = super::auth::credentials(reference.registry())?;
        let client = making.join().expect("making an HTTP client does not panic");
        let mut session = Session {
            client,
            auth,
            token: None,
            reference: reference.clone(),
            options,
        };
        session.token = session
            .client
            .auth(reference.as_oci(), &session.auth, RegistryOperation::Push)
            .await
            .map_err(|e| session.fail(e))?;
        Ok(session)
    }

    fn fail(&self, e: oci_client::errors::OciDistributionError) -> OciError {
        OciError::from_client(e, &self.reference, &self.options.client)
    }

    fn oci_ref(&self) -> &oci_client::Reference {
        self.reference.as_oci()
    }

    /// Whether the tag still holds the `recorded` push, and the registry its blobs.
    async fn recorded_state(&self, recorded: &OciImageManifest) -> Result<Recorded, OciError> {
        let [layer] = recorded.layers.as_slice() else {
            return Ok(Recorded::Stale {
                layer_missing: false,
                digest: String::new(),
                size: 0,
            });
        };
        let (manifest, has_config, has_layer) = futures_util::join!(
            self.client
                .pull_manifest_raw(self.oci_ref(), &self.auth, &[MANIFEST_MEDIA_TYPE]),
            self.has_blob(&recorded.config.digest),
            self.has_blob(&layer.digest),
        );
        let (has_config, has_layer) = (has_config?, has_layer?);
        let size = u64::try_from(layer.size).unwrap_or(0);
        if has_layer
            && let Ok((bytes, digest)) = manifest
            && tag_holds(self, &bytes, recorded, Some(has_config)).await
        {
            return Ok(Recorded::Unchanged(Pushed {
                reference: self.reference.to_string(),
                digest,
                layer_digest: layer.digest.clone(),
                size,
                uploaded_bytes: 0,
                blobs_uploaded: 0,
                unchanged: true,
            }));
        }
        Ok(Recorded::Stale {
            layer_missing: !has_layer,
            digest: layer.digest.clone(),
            size,
        })
    }

    /// Whether the registry has the blob `digest` in this repository.
    async fn has_blob(&self, digest: &str) -> Result<bool, OciError> {
        self.client
            .blob_exists(self.oci_ref(), digest)
            .await
            .map_err(|e| self.fail(e))
    }

    /// Sends what the registry lacks of the component, its config beside it, then the manifest.
    async fn send(&self, path: &Path, layer: Layer) -> Result<Pushed, OciError> {
        let (uploaded_layer, (artifact, uploaded_config)) = match layer {
            Layer::Read { bytes, digest } => {
                // Nothing invalid is sent: validation (skipped for bytes already validated)
                // comes first.
                inspect::check_component(path, &bytes, &digest)?;
                let layer = bytes::Bytes::from(bytes);
                let layer_missing = !self.has_blob(&digest).await?;
                let inspecting = inspect_beside(path, layer.clone(), digest.clone());
                let upload = async {
                    if !layer_missing {
                        return Ok(None);
                    }
                    let size = layer.len() as u64;
                    let pieces = (0..layer.len())
                        .step_by(CHUNK)
                        .map(move |at| Ok(layer.slice(at..(at + CHUNK).min(layer.len()))));
                    let stream = futures_util::stream::iter(pieces.collect::<Vec<_>>());
                    self.upload_layer(&digest, size, stream).await.map(Some)
                };
                let config = async {
                    let inspection = inspecting.await.expect("inspecting does not panic")?;
                    self.config_for(path, &inspection, layer_missing).await
                };
                futures_util::try_join!(upload, config)?
            }
            Layer::Known { digest, size } => {
                let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
                let reading = {
                    let path = path.to_path_buf();
                    tokio::task::spawn_blocking(move || {
                        crate::artifact::read_in_pieces(&path, |piece| {
                            let _ = sender.send(piece);
                        })
                    })
                };
                let stream = futures_util::stream::poll_fn(move |cx| {
                    receiver.poll_recv(cx).map(|piece| piece.map(Ok))
                });
                let upload = async { self.upload_layer(&digest, size, stream).await.map(Some) };
                let config = async {
                    let (bytes, actual) = reading.await.expect("reading does not panic")?;
                    if actual != digest {
                        return Err(OciError::ChangedWhilePushed {
                            path: path.to_path_buf(),
                        });
                    }
                    inspect::check_component(path, &bytes, &actual)?;
                    let inspection = inspect_beside(path, bytes.into(), actual)
                        .await
                        .expect("inspecting does not panic")?;
                    self.config_for(path, &inspection, true).await
                };
                futures_util::try_join!(upload, config)?
            }
            Layer::Unread { http } => {
                let http = http
                    .join()
                    .expect("making an HTTP client does not panic")
                    .map_err(|e| self.fail(e.into()))?;
                self.send_unread(path, &http).await?
            }
        };
        self.finish(path, artifact, uploaded_layer, uploaded_config)
            .await
    }

    /// Sends a component whose digest is learnt as it uploads ([`super::upload`]); then its
    /// config.
    async fn send_unread(
        &self,
        path: &Path,
        http: &reqwest::Client,
    ) -> Result<(Option<u64>, (layout::Artifact, Config)), OciError> {
        let uploader = super::upload::Uploader::new(
            http,
            &self.reference,
            &self.options.client,
            &self.auth,
            self.token.as_deref(),
        );
        let streamed = super::upload::stream_file(
            &uploader,
            path,
            &self.options.progress,
            |digest| async move { self.has_blob(&digest).await },
            |e| self.fail(e),
        )
        .await?;
        let layer_missing = streamed.uploaded.is_some();
        let config = self
            .config_for(path, &streamed.inspection, layer_missing)
            .await?;
        Ok((streamed.uploaded, config))
    }

    /// The artifact of the component `inspection` describes; then, unless the tag already
    /// holds it (only possible when the registry had its layer), its config uploaded.
    async fn config_for(
        &self,
        path: &Path,
        inspection: &inspect::Inspection,
        layer_missing: bool,
    ) -> Result<(layout::Artifact, Config), OciError> {
        let artifact = artifact(path, inspection, self.options);
        if !layer_missing
            && let Ok((bytes, digest)) = self
                .client
                .pull_manifest_raw(self.oci_ref(), &self.auth, &[MANIFEST_MEDIA_TYPE])
                .await
            && tag_holds(self, &bytes, &artifact.manifest, None).await
        {
            return Ok((artifact, Config::Held { manifest: digest }));
        }
        let uploaded = upload_config(&self.client, self.oci_ref(), &artifact)
            .await
            .map_err(|e| self.fail(e))?;
        Ok((artifact, Config::Sent { uploaded }))
    }

    /// Writes the manifest (unless the tag holds it already) and records the push.
    async fn finish(
        &self,
        path: &Path,
        artifact: layout::Artifact,
        uploaded_layer: Option<u64>,
        config: Config,
    ) -> Result<Pushed, OciError> {
        let (digest, uploaded_config, unchanged) = match config {
            Config::Held { manifest } => (manifest, None, true),
            Config::Sent { uploaded } => {
                self.client
                    .push_manifest_raw(
                        self.oci_ref(),
                        artifact.manifest_bytes.clone(),
                        http::HeaderValue::from_static(MANIFEST_MEDIA_TYPE),
                    )
                    .await
                    .map_err(|e| self.fail(e))?;
                (artifact.manifest_digest(), uploaded, false)
            }
        };
        let options = self.options;
        super::record::store(path, options.read_at, options, &artifact.manifest);
        let uploaded = [uploaded_layer, uploaded_config].into_iter().flatten();
        let (uploaded_bytes, blobs_uploaded) =
            uploaded.fold((0, 0), |(b, n), size| (b + size, n + 1));
        let layer = &artifact.manifest.layers[0];
        Ok(Pushed {
            reference: self.reference.to_string(),
            digest,
            unchanged,
            layer_digest: layer.digest.clone(),
            size: u64::try_from(layer.size).unwrap_or(0),
            uploaded_bytes,
            blobs_uploaded,
        })
    }

    /// Uploads the component layer from `pieces` (`size` bytes in all), with progress; the
    /// bytes sent.
    async fn upload_layer(
        &self,
        digest: &str,
        size: u64,
        pieces: impl futures_util::Stream<Item = oci_client::errors::Result<bytes::Bytes>>
        + Send
        + 'static,
    ) -> Result<u64, OciError> {
        let progress = &self.options.progress;
        progress.start("component", size);
        let counted = progress.clone();
        let stream = pieces.inspect(move |c| {
            if let Ok(c) = c {
                counted.advance(c.len() as u64);
            }
        });
        let result = self
            .client
            .push_blob_stream(self.oci_ref(), stream, digest, Some(size))
            .await;
        progress.finish();
        result.map(|_| size).map_err(|e| self.fail(e))
    }
}

/// Refuses a file that does not begin as a component does, before any of it is sent.
fn check_kind(path: &Path) -> Result<(), OciError> {
    use std::io::Read;
    let mut start = Vec::with_capacity(8);
    std::fs::File::open(path)
        .and_then(|file| file.take(8).read_to_end(&mut start))
        .map_err(|source| crate::artifact::ArtifactError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(inspect::check_kind(path, &start)?)
}

/// What became of the config.
enum Config {
    /// Not sent: the tag already holds this component, under the manifest with this digest.
    Held { manifest: String },
    /// Sent if the registry lacked it (`uploaded` bytes).
    Sent { uploaded: Option<u64> },
}

/// Decodes what the config and manifest say of the component, on a blocking thread.
fn inspect_beside(
    path: &Path,
    layer: bytes::Bytes,
    digest: String,
) -> tokio::task::JoinHandle<Result<inspect::Inspection, inspect::InspectError>> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        inspect::inspect_hashed(&path, &layer, digest, &Default::default())
    })
}

/// The OCI artifact of the component `layer`: its layer, config and manifest, annotated from
/// what the component says about itself and the crate (or, without one, the file's name as the
/// title).
fn artifact(
    path: &Path,
    inspection: &inspect::Inspection,
    options: &PushOptions,
) -> layout::Artifact {
    let created = layout::created_now();
    let package = options.package.clone().or_else(|| {
        Some(PackageInfo {
            name: path.file_stem()?.to_string_lossy().into_owned(),
            ..PackageInfo::default()
        })
    });
    let annotations =
        layout::annotations(inspection, package.as_ref(), &created, &options.annotations);
    layout::assemble(inspection, annotations, &created)
}

/// Uploads the config blob unless the registry has it; the bytes sent, if any.
async fn upload_config(
    client: &oci_client::Client,
    oci_ref: &oci_client::Reference,
    artifact: &layout::Artifact,
) -> oci_client::errors::Result<Option<u64>> {
    let digest = &artifact.manifest.config.digest;
    if client.blob_exists(oci_ref, digest).await? {
        return Ok(None);
    }
    client
        .push_blob(oci_ref, artifact.config_bytes.clone(), digest)
        .await?;
    Ok(Some(artifact.config_bytes.len() as u64))
}

/// Whether the tag's manifest (`theirs`, as the registry sent it) holds the component `ours`
/// describes with the same annotations, its creation time aside, and the registry still has
/// its config (`has_ours_config`, when already asked, for `ours`' config). A fresh push's own
/// config differs from the tag's by its creation time, so theirs is asked for then.
async fn tag_holds(
    session: &Session<'_>,
    theirs: &[u8],
    ours: &OciImageManifest,
    has_ours_config: Option<bool>,
) -> bool {
    let Ok(theirs) = serde_json::from_slice::<OciImageManifest>(theirs) else {
        return false;
    };
    let without_created = |m: &OciImageManifest| {
        let mut a = m.annotations.clone().unwrap_or_default();
        a.remove("org.opencontainers.image.created");
        a
    };
    let same = theirs.layers.len() == 1
        && ours.layers.len() == 1
        && theirs.layers[0].digest == ours.layers[0].digest
        && theirs.layers[0].media_type == ours.layers[0].media_type
        && theirs.config.media_type == ours.config.media_type
        && without_created(&theirs) == without_created(ours);
    if !same {
        return false;
    }
    match has_ours_config {
        Some(has) if theirs.config.digest == ours.config.digest => has,
        // Asking failed: not known to hold it, so it is sent again.
        _ => session
            .has_blob(&theirs.config.digest)
            .await
            .unwrap_or(false),
    }
}
