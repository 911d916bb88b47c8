//! `wash inspect`: a component file, or a registry reference pulled through the cache, with its
//! signatures checked against the local keys.

use super::{OpError, failed};
use crate::inspect::{self, InspectOptions, Inspection};
use crate::oci::{ProgressHandle, Pulled};
use crate::sign::KeyStore;

/// What to inspect.
#[derive(Debug, Clone, Default)]
pub struct InspectRequest {
    /// A component file, or `REGISTRY/REPOSITORY[:TAG]`.
    pub component: String,
    /// Also render the full WIT.
    pub wit: bool,
    /// Plain HTTP for a reference's registry.
    pub insecure: bool,
}

/// Inspects the component; for a reference, what was pulled comes back too (and the inspection
/// names the reference, not the cache file).
pub fn inspect(
    request: &InspectRequest,
    progress: ProgressHandle,
) -> Result<(Inspection, Option<Pulled>), OpError> {
    let word = &request.component;
    let found = super::locate_file_or_reference(word, request.insecure, None, progress)?;
    // Inspecting must not fail for want of keys: an unreadable store counts as empty.
    let keys = KeyStore::open_default().trusted().unwrap_or_default();
    let options = InspectOptions {
        wit: request.wit,
        keys: &keys,
    };
    let mut inspection = inspect::inspect_file(&found.path, &options)
        .map_err(failed(format!("failed to inspect `{word}`")))?;
    if found.pulled.is_some() {
        inspection.path = request.component.clone().into();
    }
    Ok((inspection, found.pulled))
}
