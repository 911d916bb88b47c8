//! `wash pull`: a component out of an OCI registry, every digest checked.

use std::path::PathBuf;
use std::process::ExitCode;

use super::progress::TransferBar;
use super::shell::{Shell, human_size};
use crate::ops::pull::{PullRequest, pull};

/// Pull a component from an OCI registry
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Accepts the CNCF Wasm layout (`application/wasm` layer) and the older \
`application/vnd.module.wasm.content.layer.v1+wasm` layer. Every digest is checked and the file \
is written through a temporary file: a mismatch leaves nothing behind."
)]
pub struct PullArgs {
    /// What to pull: REGISTRY/REPOSITORY[:TAG|@DIGEST]
    reference: String,
    /// Where to write the component; default: ./<repository name>.wasm
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Refuse the component unless it is signed by this public key (repeatable)
    #[arg(long = "verify-key", value_name = "KEY")]
    verify_keys: Vec<String>,
    /// Use plain HTTP for this registry
    #[arg(long)]
    insecure: bool,
    /// Print the result (path, digests, size) as one JSON object
    #[arg(long)]
    json: bool,
}

pub fn exec(shell: &Shell, args: PullArgs) -> anyhow::Result<ExitCode> {
    let request = PullRequest {
        reference: args.reference,
        output: args.output,
        verify_keys: args.verify_keys,
        insecure: args.insecure,
    };
    let pulled = pull(&request, TransferBar::handle(shell))?;
    if args.json {
        shell.json(&pulled);
    } else {
        shell.status(
            "Pulled",
            format!(
                "{} → {} ({}, {})",
                pulled.reference,
                pulled.path.display(),
                human_size(pulled.size),
                pulled.layer_digest
            ),
        );
    }
    Ok(ExitCode::SUCCESS)
}
