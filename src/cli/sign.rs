//! `wash sign`: embedded signatures added to a component.

use std::path::PathBuf;
use std::process::ExitCode;

use super::shell::Shell;
use crate::message;
use crate::ops::sign::{SignRequest, sign};

/// Sign a component (or module) with one or more keys; earlier signatures stay valid
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The signature is embedded in the file (WebAssembly signatures format, \
as wasmsign2 writes it). Keys are names from `wash keys list`."
)]
pub struct SignArgs {
    /// The .wasm file to sign
    input: PathBuf,
    /// Where to write the signed file [default: sign the input in place]
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// A key to sign with (repeatable: one signature per key)
    #[arg(short, long = "key", value_name = "NAME", required = true)]
    keys: Vec<String>,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

pub fn exec(shell: &Shell, args: SignArgs) -> anyhow::Result<ExitCode> {
    let request = SignRequest {
        input: args.input,
        output: args.output,
        keys: args.keys,
    };
    let signed = sign(&request)?;
    if args.json {
        shell.json(&message::Signed {
            path: &signed.path,
            digest: &signed.digest,
            signed_by: &signed.added,
            already_signed_by: &signed.already,
        });
        return Ok(ExitCode::SUCCESS);
    }
    for k in &signed.keys {
        let (verb, note) = if signed.added.contains(&k.name) {
            ("Signed", "")
        } else {
            ("Unchanged", ", already signed")
        };
        shell.status(
            verb,
            format!(
                "{} with `{}` (key id {}{note})",
                signed.path.display(),
                k.name,
                k.key_id
            ),
        );
    }
    Ok(ExitCode::SUCCESS)
}
