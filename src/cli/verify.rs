//! `wash verify`: a component's embedded signatures checked against trusted public keys.

use std::path::PathBuf;
use std::process::ExitCode;

use super::shell::Shell;
use crate::message::Verification;
use crate::ops::verify::{VerifyRequest, failure_report, verify};
use crate::sign::Outcome;

/// Check a component's embedded signatures against trusted public keys
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without --key or --keys-dir, the keys of the local store \
($WASH_KEYS_DIR, else $WASH_HOME/keys) are trusted. Exits with 1 when verification fails."
)]
pub struct VerifyArgs {
    /// The .wasm file to verify
    input: PathBuf,
    /// A trusted public key: a key name, or a public key file (OpenSSH .pub, PEM, raw);
    /// repeatable
    #[arg(short, long = "key", value_name = "NAME|FILE")]
    keys: Vec<String>,
    /// Trust every public key (`*.pub`) in this folder
    #[arg(long, value_name = "DIR")]
    keys_dir: Vec<PathBuf>,
    /// Require a valid signature from every trusted key, not just one
    #[arg(long)]
    all: bool,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

pub fn exec(shell: &Shell, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let request = VerifyRequest {
        input: args.input,
        keys: args.keys,
        keys_dirs: args.keys_dir,
        all: args.all,
    };
    let report = match verify(&request) {
        Ok(report) => report,
        Err(err) => {
            // Machine readers get the per-key findings on stdout too; the exit code says it
            // failed.
            let failed = failure_report(&err);
            if let (true, Some(report)) = (args.json, failed) {
                shell.json(&Verification {
                    path: &request.input,
                    verified: false,
                    signatures: &report.signatures,
                    keys: &report.keys,
                });
            }
            return Err(err.into());
        }
    };
    if args.json {
        shell.json(&Verification {
            path: &request.input,
            verified: true,
            signatures: &report.signatures,
            keys: &report.keys,
        });
        return Ok(ExitCode::SUCCESS);
    }
    for k in &report.keys {
        let (verb, what) = match k.outcome {
            Outcome::Verified => ("Verified", "signed by"),
            Outcome::Modified => ("Modified", "changed since signed by"),
            Outcome::NotSigned => ("Unsigned", "not signed by"),
        };
        shell.status(
            verb,
            format!(
                "{} {what} `{}` (key id {})",
                request.input.display(),
                k.name,
                k.key_id
            ),
        );
    }
    Ok(ExitCode::SUCCESS)
}
