//! `wash sign`: embedded signatures added to a component.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::shell::Shell;
use crate::artifact;
use crate::sign::{self, KeyStore};

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
    let store = KeyStore::open_default();
    let keys = args
        .keys
        .iter()
        .map(|k| store.signing(k))
        .collect::<Result<Vec<_>, _>>()?;
    let bytes = artifact::read(&args.input)?;
    let signed = sign::sign_bytes(&bytes, &keys)
        .with_context(|| format!("failed to sign `{}`", args.input.display()))?;
    let out = args.output.as_ref().unwrap_or(&args.input);
    if signed.changed() || out != &args.input {
        artifact::write_atomic(out, &signed.bytes)?;
    }
    if args.json {
        shell.json(&serde_json::json!({
            "path": out,
            "digest": artifact::sha256_digest(&signed.bytes),
            "signed_by": signed.added,
            "already_signed_by": signed.already,
        }));
    } else {
        for k in &keys {
            let name = &k.public.info.name;
            let verb = if signed.added.contains(name) {
                "Signed"
            } else {
                "Unchanged"
            };
            let note = if verb == "Signed" {
                ""
            } else {
                ", already signed"
            };
            shell.status(
                verb,
                format!(
                    "{} with `{name}` (key id {}{note})",
                    out.display(),
                    k.public.info.key_id
                ),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
