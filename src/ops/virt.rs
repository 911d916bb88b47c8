//! `wash virt`: a component virtualized into another file.

use std::path::PathBuf;

use super::{OpError, failed};
use crate::artifact;
use crate::hint::Advice;
use crate::virt::{self, VirtOptions, VirtReport};

/// What to virtualize, how, and where to.
#[derive(Debug, Clone, Default)]
pub struct VirtRequest {
    /// The component.
    pub input: PathBuf,
    /// Where to write the result; default `<input>.virt.wasm`.
    pub output: Option<PathBuf>,
    /// What to answer inside.
    pub options: VirtOptions,
}

/// What virtualizing did.
#[derive(Debug, Clone)]
pub struct VirtOutcome {
    /// The file written.
    pub path: PathBuf,
    /// Its size.
    pub size: u64,
    /// The input's size.
    pub input_size: u64,
    /// Its digest.
    pub digest: String,
    /// What was answered inside.
    pub report: VirtReport,
    /// The input carried signatures, which do not cover the output.
    pub input_was_signed: bool,
}

/// Virtualizes the component and writes the result.
pub fn virt(request: &VirtRequest) -> Result<VirtOutcome, OpError> {
    let output = request
        .output
        .clone()
        .unwrap_or_else(|| request.input.with_extension("virt.wasm"));
    if output == request.input {
        return Err(Advice::new(
            format!("`{}` is the input", output.display()),
            "write the result to another file (`-o PATH`)",
        )
        .into());
    }
    let input = artifact::read(&request.input)?;
    let done = virt::virtualize(&input, &request.options).map_err(failed(format!(
        "failed to virtualize `{}`",
        request.input.display()
    )))?;
    artifact::write_atomic(&output, &done.bytes)?;
    Ok(VirtOutcome {
        size: done.bytes.len() as u64,
        input_size: input.len() as u64,
        digest: artifact::sha256_digest(&done.bytes),
        report: done.report,
        input_was_signed: crate::sign::signatures(&input).is_ok_and(|s| !s.is_empty()),
        path: output,
    })
}
