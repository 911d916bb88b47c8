//! After placing: the steps that rewrite a placed component, each keeping the previous
//! one's work.

use super::{BuildError, BuildStep, BuiltComponent, Reporter, record_digest, workspace};
use crate::artifact;
use crate::project::Project;

/// What follows placing, in the order that keeps each step's work: compose (plugging other
/// components in), then virtualize (answering what is left of WASI inside), then sign (last:
/// any later change to the bytes would invalidate the signature).
pub(super) fn finish(
    project: &Project,
    built: Vec<BuiltComponent>,
    reporter: &dyn Reporter,
) -> Result<Vec<BuiltComponent>, BuildError> {
    let built = workspace::compose_built(project, built, reporter)?;
    let built = virtualize_built(project, built, reporter)?;
    super::signing::sign_built(project, built, reporter)
}

/// Applies `[package.metadata.wasmcloud.virt]` to each component whose package has it.
fn virtualize_built(
    project: &Project,
    mut built: Vec<BuiltComponent>,
    reporter: &dyn Reporter,
) -> Result<Vec<BuiltComponent>, BuildError> {
    for c in &mut built {
        let Some(package) = project.packages().find(|p| p.name.as_str() == c.package) else {
            continue;
        };
        let Some(options) = crate::project::WasmcloudConfig::of(package)?.virt else {
            continue;
        };
        reporter.step(BuildStep::Virtualizing(&c.name));
        let bytes = artifact::read(&c.path)?;
        let done =
            crate::virt::virtualize(&bytes, &options).map_err(|source| BuildError::Virt {
                package: c.package.clone(),
                manifest: package.manifest_path.clone().into(),
                source,
            })?;
        artifact::write_atomic(&c.path, &done.bytes)?;
        c.size = done.bytes.len() as u64;
        c.digest = artifact::sha256_digest(&done.bytes);
        record_digest(&c.path, &c.digest);
    }
    Ok(built)
}
