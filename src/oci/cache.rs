//! The local content-addressed cache of pulled components:
//! `$WASH_HOME/cache/oci/blobs/sha256/<hex>.wasm`. A file's name is its digest, so entries never
//! go stale and concurrent wash runs that fetch the same component write the same bytes to the
//! same name (each through its own temporary file and an atomic rename). A reference is always
//! resolved against the registry (tags move); only the component bytes come from the cache.

use std::path::{Path, PathBuf};

use super::pull::{self, PullOptions, Pulled};
use super::{ComponentRef, OciError};
use crate::artifact;
use crate::home::HomeError;

/// `$WASH_HOME/cache/oci/blobs`.
pub fn cache_dir() -> Result<PathBuf, HomeError> {
    Ok(crate::home::wash_home()?
        .join("cache")
        .join("oci")
        .join("blobs"))
}

/// The file in the cache at `cache` (see [`cache_dir`]) for a `sha256:<hex>` digest (`None`
/// for other algorithms or odd text).
pub fn path_for(cache: &Path, digest: &str) -> Option<PathBuf> {
    let hex = digest.strip_prefix("sha256:")?;
    let ok = hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit());
    ok.then(|| cache.join("sha256").join(format!("{hex}.wasm")))
}

/// Resolves `reference` and returns the component's cache file, downloading it only when the
/// cache does not hold it. Cached bytes are re-hashed and go through the verifier like fresh ones.
pub async fn pull_cached(
    reference: &ComponentRef,
    options: &PullOptions<'_>,
) -> Result<Pulled, OciError> {
    let cache = cache_dir().map_err(OciError::NoCache)?;
    let resolved = pull::resolve(reference, &options.client).await?;
    let path = path_for(&cache, &resolved.layer.digest).ok_or_else(|| OciError::NotWasm {
        reference: reference.to_string(),
        problem: format!(
            "its layer digest `{}` is not a sha256 digest",
            resolved.layer.digest
        ),
    })?;
    if let Ok(bytes) = std::fs::read(&path)
        && artifact::sha256_digest(&bytes) == resolved.layer.digest
    {
        pull::check(reference, &bytes, options)?;
        return Ok(pull::pulled(
            reference,
            &resolved,
            &path,
            bytes.len() as u64,
            true,
        ));
    }
    let bytes = pull::download(&resolved, reference, options).await?;
    pull::check(reference, &bytes, options)?;
    artifact::write_atomic(&path, &bytes)?;
    Ok(pull::pulled(
        reference,
        &resolved,
        &path,
        bytes.len() as u64,
        false,
    ))
}
