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

/// Pushes the component at `path` (already read into `component`) to `reference`.
pub async fn push(
    reference: &ComponentRef,
    path: &Path,
    component: bytes::Bytes,
    options: &PushOptions,
) -> Result<Pushed, OciError> {
    let reference = resolve_tag(reference, options.package.as_ref());
    let size = component.len() as u64;
    // Making the HTTP client loads the system's TLS roots (oci-client builds two reqwest
    // clients), about as long as hashing a 30 MB component: do both at once.
    let client = {
        let (reference, client_options) = (reference.clone(), options.client.clone());
        let monolithic = size <= options.chunked_above;
        std::thread::spawn(move || super::client_with(&reference, &client_options, monolithic))
    };
    let artifact = artifact(path, component, options)?;
    let oci_ref = reference.as_oci();
    let fail = |e| OciError::from_client(e, &reference, &options.client);
    let client = client.join().expect("making an HTTP client does not panic");
    let auth = super::auth::credentials(reference.registry())?;
    client
        .auth(oci_ref, &auth, RegistryOperation::Push)
        .await
        .map_err(fail)?;

    if let Some(digest) = unchanged(&client, &reference, &auth, &artifact.manifest).await? {
        super::record::store(path, options.read_at, options, &artifact.manifest);
        return Ok(Pushed {
            reference: reference.to_string(),
            digest,
            layer_digest: artifact.layer_digest().to_string(),
            size,
            uploaded_bytes: 0,
            blobs_uploaded: 0,
            unchanged: true,
        });
    }

    let layer_digest = artifact.layer_digest().to_string();
    let layer = upload_layer(&client, oci_ref, &artifact, &options.progress)
        .await
        .map_err(fail)?;
    let config = upload_config(&client, oci_ref, &artifact)
        .await
        .map_err(fail)?;
    let uploaded = [layer, config].into_iter().flatten();
    let (uploaded_bytes, blobs_uploaded) = uploaded.fold((0, 0), |(b, n), size| (b + size, n + 1));
    client
        .push_manifest_raw(
            oci_ref,
            artifact.manifest_bytes.clone(),
            http::HeaderValue::from_static(MANIFEST_MEDIA_TYPE),
        )
        .await
        .map_err(fail)?;
    super::record::store(path, options.read_at, options, &artifact.manifest);
    Ok(Pushed {
        reference: reference.to_string(),
        digest: artifact.manifest_digest(),
        layer_digest,
        size,
        uploaded_bytes,
        blobs_uploaded,
        unchanged: false,
    })
}

/// Re-pushes `path` without reading it when the last push recorded for it still applies (same
/// file, same request; see [`super::record`]) and the registry still holds that manifest and its
/// blobs: `None` when any of that is not so, and an ordinary [`push`] is needed.
pub async fn push_unchanged(
    reference: &ComponentRef,
    path: &Path,
    options: &PushOptions,
) -> Result<Option<Pushed>, OciError> {
    let Some(manifest) = super::record::load(path, options) else {
        return Ok(None);
    };
    let [layer] = manifest.layers.as_slice() else {
        return Ok(None);
    };
    let reference = resolve_tag(reference, options.package.as_ref());
    let client = super::client_with(&reference, &options.client, true);
    let auth = super::auth::credentials(reference.registry())?;
    let fail = |e| OciError::from_client(e, &reference, &options.client);
    client
        .auth(reference.as_oci(), &auth, RegistryOperation::Push)
        .await
        .map_err(fail)?;
    let Some(digest) = unchanged(&client, &reference, &auth, &manifest).await? else {
        return Ok(None);
    };
    Ok(Some(Pushed {
        reference: reference.to_string(),
        digest,
        layer_digest: layer.digest.clone(),
        size: u64::try_from(layer.size).unwrap_or(0),
        uploaded_bytes: 0,
        blobs_uploaded: 0,
        unchanged: true,
    }))
}

/// The OCI artifact of `component`: its layer, config and manifest, annotated from what the
/// component says about itself and the crate (or, without one, the file's name as the title).
fn artifact(
    path: &Path,
    component: bytes::Bytes,
    options: &PushOptions,
) -> Result<layout::Artifact, OciError> {
    let inspection = inspect::inspect_bytes(path, &component, &Default::default())?;
    let created = layout::created_now();
    let package = options.package.clone().or_else(|| {
        Some(PackageInfo {
            name: path.file_stem()?.to_string_lossy().into_owned(),
            ..PackageInfo::default()
        })
    });
    let annotations = layout::annotations(
        &inspection,
        package.as_ref(),
        &created,
        &options.annotations,
    );
    Ok(layout::assemble(
        component,
        &inspection,
        annotations,
        &created,
    ))
}

/// Uploads the component layer in chunks, with progress, unless the registry has it; the
/// bytes sent, if any.
async fn upload_layer(
    client: &oci_client::Client,
    oci_ref: &oci_client::Reference,
    artifact: &layout::Artifact,
    progress: &ProgressHandle,
) -> oci_client::errors::Result<Option<u64>> {
    let digest = artifact.layer_digest().to_string();
    if client.blob_exists(oci_ref, &digest).await? {
        return Ok(None);
    }
    let size = artifact.layer.len() as u64;
    progress.start("component", size);
    let chunks: Vec<oci_client::errors::Result<bytes::Bytes>> = (0..artifact.layer.len())
        .step_by(CHUNK)
        .map(|at| {
            Ok(artifact
                .layer
                .slice(at..(at + CHUNK).min(artifact.layer.len())))
        })
        .collect();
    let counted = progress.clone();
    let stream = futures_util::stream::iter(chunks).inspect(move |c| {
        if let Ok(c) = c {
            counted.advance(c.len() as u64);
        }
    });
    let result = client
        .push_blob_stream(oci_ref, stream, &digest, Some(size))
        .await;
    progress.finish();
    result.map(|_| Some(size))
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

/// When the tag already holds this component with the same annotations (its creation time
/// aside), that manifest's digest: a re-push then sends nothing at all, not even a new config.
async fn unchanged(
    client: &oci_client::Client,
    reference: &ComponentRef,
    auth: &oci_client::secrets::RegistryAuth,
    ours: &OciImageManifest,
) -> Result<Option<String>, OciError> {
    // The manifest and the blobs ours names are asked for at once. The tag's manifest counts
    // only while its blobs are there too (a registry may have garbage-collected them).
    let oci_ref = reference.as_oci();
    let has = |digest: &str| {
        let digest = digest.to_string();
        async move { client.blob_exists(oci_ref, &digest).await.unwrap_or(false) }
    };
    let (manifest, has_config, has_layer) = futures_util::join!(
        client.pull_manifest_raw(oci_ref, auth, &[MANIFEST_MEDIA_TYPE]),
        has(&ours.config.digest),
        has(&ours.layers[0].digest),
    );
    // No such tag yet (or not readable): push normally, which reports any real problem.
    let Ok((bytes, digest)) = manifest else {
        return Ok(None);
    };
    let Ok(theirs) = serde_json::from_slice::<OciImageManifest>(&bytes) else {
        return Ok(None);
    };
    let without_created = |m: &OciImageManifest| {
        let mut a = m.annotations.clone().unwrap_or_default();
        a.remove("org.opencontainers.image.created");
        a
    };
    let same = theirs.layers.len() == 1
        && theirs.layers[0].digest == ours.layers[0].digest
        && theirs.layers[0].media_type == ours.layers[0].media_type
        && theirs.config.media_type == ours.config.media_type
        && without_created(&theirs) == without_created(ours);
    if !(same && has_layer) {
        return Ok(None);
    }
    // A fresh push's own config differs from the tag's by its creation time: ask for theirs.
    let has_config = if theirs.config.digest == ours.config.digest {
        has_config
    } else {
        has(&theirs.config.digest).await
    };
    if !has_config {
        return Ok(None);
    }
    Ok(Some(digest))
}
