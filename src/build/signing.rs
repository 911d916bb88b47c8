//! The last step of `wash build`: signing each finished component with the keys its package's
//! `[package.metadata.wasmcloud.sign]` names. It runs after every step that changes the bytes
//! (compose, virt), since any change afterwards would invalidate the signature.

use super::{BuildError, BuildStep, BuiltComponent, Reporter, record_digest};
use crate::artifact;
use crate::project::{Project, WasmcloudConfig};
use crate::sign::{self, KeyStore};

/// Signs the components whose package asks for it, in place; the rest pass through.
pub(super) fn sign_built(
    project: &Project,
    mut built: Vec<BuiltComponent>,
    reporter: &dyn Reporter,
) -> Result<Vec<BuiltComponent>, BuildError> {
    let store = KeyStore::open_default();
    for c in &mut built {
        let Some(package) = project.packages().find(|p| p.name.as_str() == c.package) else {
            continue;
        };
        let Some(config) = WasmcloudConfig::of(package)?.sign else {
            continue;
        };
        reporter.step(BuildStep::Signing(&c.name));
        let manifest = package.manifest_path.clone().into_std_path_buf();
        let keys = config
            .keys
            .iter()
            .map(|k| store.signing(k))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| BuildError::SignKey {
                manifest: manifest.clone(),
                source,
            })?;
        let bytes = artifact::read(&c.path)?;
        let signed = sign::sign_bytes(&bytes, &keys).map_err(|source| BuildError::Sign {
            path: c.path.clone(),
            source,
        })?;
        if signed.changed() {
            artifact::write_atomic(&c.path, &signed.bytes)?;
            c.size = signed.bytes.len() as u64;
            c.digest = artifact::sha256_digest(&signed.bytes);
            record_digest(&c.path, &c.digest);
        }
        c.signed_by = keys.iter().map(|k| k.public.info.key_id.clone()).collect();
    }
    Ok(built)
}
