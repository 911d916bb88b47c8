//! `wash pull`: a component out of a registry. Every digest is checked (the manifest's when
//! the reference pins one, the component's always), an optional verifier sees the bytes, and
//! only then is the file written, through a temporary file and a rename: a mismatch or a
//! refusal leaves nothing behind.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use oci_client::RegistryOperation;
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::{OciDescriptor, OciImageManifest};
use oci_client::secrets::RegistryAuth;
use sha2::{Digest, Sha256};

use super::{ClientOptions, ComponentRef, OciError, ProgressHandle, fetch, layout};
use crate::artifact;

/// A check on the component's bytes before anything is written (`--verify-key`): `Err(reason)`
/// refuses the component.
pub type Verifier<'a> = dyn Fn(&[u8]) -> Result<(), String> + Send + Sync + 'a;

/// How to pull.
#[derive(Clone)]
pub struct PullOptions<'a> {
    /// Protocol policy.
    pub client: ClientOptions,
    /// Called on the component's bytes before they are written or used.
    pub verifier: Option<&'a Verifier<'a>>,
    /// Where download progress goes.
    pub progress: ProgressHandle,
}

impl Default for PullOptions<'_> {
    /// The default protocol policy, no verifier, no progress display.
    fn default() -> Self {
        PullOptions {
            client: ClientOptions::default(),
            verifier: None,
            progress: std::sync::Arc::new(super::NoProgress),
        }
    }
}

/// What a pull fetched.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Pulled {
    /// The reference pulled.
    pub reference: String,
    /// The manifest digest.
    pub digest: String,
    /// The component's digest.
    pub layer_digest: String,
    /// The layer's media type (`application/wasm`, or the deprecated wasm-to-oci one).
    pub media_type: String,
    /// The component's size.
    pub size: u64,
    /// Where it was written.
    pub path: PathBuf,
    /// The manifest's annotations.
    pub annotations: std::collections::BTreeMap<String, String>,
    /// Served from the local cache: no component bytes were downloaded.
    pub cached: bool,
}

/// A resolved manifest: what the reference points at.
pub(crate) struct Resolved {
    pub client: oci_client::Client,
    pub auth: RegistryAuth,
    pub digest: String,
    pub manifest: OciImageManifest,
    pub layer: OciDescriptor,
}

/// Pulls `reference` into `dest`.
pub async fn pull(
    reference: &ComponentRef,
    dest: &Path,
    options: &PullOptions<'_>,
) -> Result<Pulled, OciError> {
    let resolved = resolve(reference, &options.client).await?;
    let bytes = download(&resolved, reference, options).await?;
    check(reference, &bytes, options)?;
    artifact::write_atomic(dest, &bytes)?;
    Ok(pulled(
        reference,
        &resolved,
        dest,
        bytes.len() as u64,
        false,
    ))
}

pub(crate) fn pulled(
    reference: &ComponentRef,
    r: &Resolved,
    path: &Path,
    size: u64,
    cached: bool,
) -> Pulled {
    Pulled {
        reference: reference.to_string(),
        digest: r.digest.clone(),
        layer_digest: r.layer.digest.clone(),
        media_type: r.layer.media_type.clone(),
        size,
        path: path.to_path_buf(),
        annotations: r.manifest.annotations.clone().unwrap_or_default(),
        cached,
    }
}

/// Runs the verifier, if any.
pub(crate) fn check(
    reference: &ComponentRef,
    bytes: &[u8],
    options: &PullOptions<'_>,
) -> Result<(), OciError> {
    if let Some(verify) = options.verifier {
        verify(bytes).map_err(|reason| OciError::Rejected {
            reference: reference.to_string(),
            reason,
        })?;
    }
    Ok(())
}

/// Fetches and checks the manifest: its digest when the reference pins one, its layout always.
pub(crate) async fn resolve(
    reference: &ComponentRef,
    options: &ClientOptions,
) -> Result<Resolved, OciError> {
    let fail = |e| OciError::from_client(e, reference, options);
    // Each HTTP client loads the system's TLS roots: make the manifest's while oci-client's
    // two are made (push.rs does the same with hashing).
    let http = {
        let options = options.clone();
        std::thread::spawn(move || fetch::http_client(Some(options.timeout)))
    };
    let client = super::client_for(reference, options);
    let http = http
        .join()
        .expect("making an HTTP client does not panic")
        .map_err(|e| fail(OciDistributionError::RequestError(e)))?;
    let auth = super::auth::credentials(reference.registry())?;
    let token = client
        .auth(reference.as_oci(), &auth, RegistryOperation::Pull)
        .await
        .map_err(fail)?;
    let bytes =
        fetch::retrying(|| fetch::manifest(&http, reference, &auth, token.as_deref(), options))
            .await?;
    let digest = artifact::sha256_digest(&bytes);
    if let Some(pinned) = reference.digest()
        && pinned != digest
    {
        return Err(OciError::DigestMismatch {
            reference: reference.to_string(),
            expected: pinned.to_string(),
            actual: digest,
        });
    }
    let not_wasm = |problem: String| OciError::NotWasm {
        reference: reference.to_string(),
        problem,
    };
    let manifest: OciImageManifest = serde_json::from_slice(&bytes)
        .map_err(|e| not_wasm(format!("its manifest is not an OCI image manifest ({e})")))?;
    let layer = layout::component_layer(&manifest)
        .map_err(not_wasm)?
        .clone();
    if layer.size < 0 {
        return Err(not_wasm(format!(
            "its manifest gives the component a size of {} bytes",
            layer.size
        )));
    }
    Ok(Resolved {
        client,
        auth,
        digest,
        manifest,
        layer,
    })
}

/// At most this much memory is reserved up front for a component, whatever size its manifest
/// declares (an untrusted number); a larger one grows the buffer as its bytes arrive.
const MAX_PREALLOCATION: u64 = 16 * 1024 * 1024;

/// Streams the component layer into memory, hashing as it comes. It stops at the size the
/// manifest declares: a response that announces or sends another size, or bytes that do not
/// hash to the layer's digest, are an error and nothing is kept. A 404 means the manifest names
/// a blob the registry does not have ([`OciError::BlobMissing`]).
pub(crate) async fn download(
    r: &Resolved,
    reference: &ComponentRef,
    options: &PullOptions<'_>,
) -> Result<Vec<u8>, OciError> {
    let fail = |e| OciError::from_client(e, reference, &options.client);
    let missing_or = |e: OciDistributionError| {
        if is_not_found(&e) {
            OciError::BlobMissing {
                registry: reference.registry().to_string(),
                reference: reference.to_string(),
                digest: r.layer.digest.clone(),
            }
        } else {
            fail(e)
        }
    };
    let _ = &r.auth;
    let expected = u64::try_from(r.layer.size).unwrap_or(0);
    let size_mismatch = |actual: String| OciError::SizeMismatch {
        reference: reference.to_string(),
        expected,
        actual,
    };
    let mut stream = fetch::retrying(|| async move {
        r.client
            .pull_blob_stream(reference.as_oci(), &r.layer)
            .await
            .map_err(missing_or)
    })
    .await?;
    if let Some(announced) = stream.content_length
        && announced != expected
    {
        return Err(size_mismatch(format!("announced {announced} bytes")));
    }
    options.progress.start("component", expected);
    let mut bytes = Vec::with_capacity(expected.min(MAX_PREALLOCATION) as usize);
    let mut hasher = Sha256::new();
    let result = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| fail(e.into()))?;
            if (bytes.len() + chunk.len()) as u64 > expected {
                return Err(size_mismatch(format!("sent more than {expected} bytes")));
            }
            hasher.update(&chunk);
            bytes.extend_from_slice(&chunk);
            options.progress.advance(chunk.len() as u64);
        }
        Ok::<(), OciError>(())
    }
    .await;
    options.progress.finish();
    result?;
    let actual = format!("sha256:{:x}", hasher.finalize());
    if bytes.len() as u64 != expected {
        return Err(size_mismatch(format!("sent {} bytes", bytes.len())));
    }
    if actual != r.layer.digest {
        return Err(OciError::DigestMismatch {
            reference: reference.to_string(),
            expected: r.layer.digest.clone(),
            actual,
        });
    }
    Ok(bytes)
}

/// Whether the registry answered 404 (with or without an OCI error body).
fn is_not_found(e: &OciDistributionError) -> bool {
    match e {
        OciDistributionError::ServerError { code, .. } => *code == 404,
        OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| {
            matches!(
                e.code,
                OciErrorCode::BlobUnknown | OciErrorCode::ManifestBlobUnknown
            )
        }),
        _ => false,
    }
}
