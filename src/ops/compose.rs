//! `wash compose`: a root component file and plugs named by path, workspace member or registry
//! reference, composed by the pure core into one component file.

use std::path::PathBuf;

use super::{OpError, failed};
use crate::artifact;
use crate::compose::{self, ComposeOptions, Composition, Plug};
use crate::hint::Advice;
use crate::oci::{ProgressHandle, PullOptions};
use crate::source::{self, Members};

/// What to compose, and where to write it.
#[derive(Debug, Clone, Default)]
pub struct ComposeRequest {
    /// The component whose imports are satisfied and whose exports the result keeps.
    pub root: PathBuf,
    /// The plugs, as the user named them (see [`crate::source`] for the rules).
    pub plugs: Vec<String>,
    /// Where to write the result; `None` with `dry_run`.
    pub output: Option<PathBuf>,
    /// Only plan.
    pub dry_run: bool,
}

/// Finds the plugs, composes, and writes the result (unless a dry run). The composition comes
/// back with its plan and bytes.
pub fn compose(request: &ComposeRequest, progress: ProgressHandle) -> Result<Composition, OpError> {
    if let Some(out) = &request.output
        && (request.plugs.iter().any(|p| std::path::Path::new(p) == out) || &request.root == out)
    {
        return Err(Advice::new(
            format!("`{}` is an input", out.display()),
            "write the composition to another file",
        )
        .into());
    }
    // The root is read while the plugs are found and read.
    let (root, plugs) = std::thread::scope(|scope| {
        let root = scope.spawn(|| artifact::read(&request.root));
        let plugs = locate_plugs(request, progress);
        (root.join().expect("reading does not panic"), plugs)
    });
    let (root, plugs) = (root?, plugs?);
    let options = ComposeOptions {
        dry_run: request.dry_run,
        allow_unused_plugs: false,
        // Validated below, while the file is written.
        caller_validates: request.output.is_some(),
        ..ComposeOptions::default()
    };
    let failed_to = || failed(format!("failed to compose `{}`", request.root.display()));
    let composition = compose::compose(root, plugs, &options).map_err(failed_to())?;
    if let (Some(out), Some(bytes)) = (&request.output, &composition.bytes) {
        let valid = || compose::validate(bytes, compose::OUTPUT_FEATURES);
        artifact::write_atomic_if(out, bytes, valid)?
            .map_err(|e| compose::ComposeError::Graph { source: e.into() })
            .map_err(failed_to())?;
    }
    Ok(composition)
}

/// Finds and reads each plug: a file, a registry reference (pulled through the cache), or a
/// workspace member.
fn locate_plugs(request: &ComposeRequest, progress: ProgressHandle) -> Result<Vec<Plug>, OpError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let ctx = source::Context {
        base: &cwd,
        members: Members::Here,
        pull: PullOptions {
            client: crate::oci::ClientOptions::from_env(false)?,
            progress,
            ..Default::default()
        },
    };
    request
        .plugs
        .iter()
        .map(|spec| {
            let found = source::locate(spec, &ctx)?;
            Ok(Plug {
                name: spec.clone(),
                bytes: found.read()?,
            })
        })
        .collect::<Result<Vec<_>, OpError>>()
}
