//! `wash verify`: a component's embedded signatures checked against trusted public keys.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::shell::Shell;
use crate::artifact;
use crate::sign::{self, KeyStore, Outcome, TrustedKey, VerifyPolicy};

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
    let store = KeyStore::open_default();
    let mut keys: Vec<TrustedKey> = Vec::new();
    for k in &args.keys {
        keys.push(trusted_key(&store, k)?);
    }
    for dir in &args.keys_dir {
        let found = KeyStore::at(dir).trusted()?;
        if found.is_empty() {
            anyhow::bail!("`{}` holds no public keys (`*.pub` files)", dir.display());
        }
        keys.extend(found);
    }
    if args.keys.is_empty() && args.keys_dir.is_empty() {
        keys = store.trusted()?;
    }
    let policy = VerifyPolicy {
        keys,
        require_all: args.all,
    };
    let bytes = artifact::read(&args.input)?;
    let result = sign::verify_bytes(&bytes, &policy);
    if let (true, Err(sign::VerifyError::Failed { report, .. })) = (args.json, &result) {
        // Machine readers get the per-key findings on stdout too; the exit code says it failed.
        shell.json(&serde_json::json!({
            "path": args.input,
            "verified": false,
            "signatures": report.signatures,
            "keys": report.keys,
        }));
    }
    let report =
        result.with_context(|| format!("`{}` failed verification", args.input.display()))?;
    if args.json {
        shell.json(&serde_json::json!({
            "path": args.input,
            "verified": true,
            "signatures": report.signatures,
            "keys": report.keys,
        }));
    } else {
        for k in &report.keys {
            let verb = match k.outcome {
                Outcome::Verified => "Verified",
                Outcome::Modified => "Modified",
                Outcome::NotSigned => "Unsigned",
            };
            let what = match k.outcome {
                Outcome::Verified => "signed by",
                Outcome::Modified => "changed since signed by",
                Outcome::NotSigned => "not signed by",
            };
            shell.status(
                verb,
                format!(
                    "{} {what} `{}` (key id {})",
                    args.input.display(),
                    k.name,
                    k.key_id
                ),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The public key a `--key`/`--verify-key` value names: a file, or a key in the store.
pub(super) fn trusted_key(store: &KeyStore, value: &str) -> anyhow::Result<TrustedKey> {
    Ok(if looks_like_path(value) {
        TrustedKey::from_file(Path::new(value))?
    } else {
        store.public(value)?
    })
}

/// A `--key` value names a file when it has a folder part (`./alice.pub`) or is an existing
/// file; otherwise it is a key name in the store.
fn looks_like_path(value: &str) -> bool {
    value.contains(std::path::MAIN_SEPARATOR) || value.contains('/') || Path::new(value).is_file()
}
