//! `wash pull`: a component out of an OCI registry, every digest checked; also the pulling
//! `wash run REF` and `wash inspect REF` do through the local cache.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::push::TransferBar;
use super::shell::{Shell, human_size};
use crate::oci::{self, ClientOptions, ComponentRef, PullOptions};

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
    verify_keys: Vec<PathBuf>,
    /// Use plain HTTP for this registry
    #[arg(long)]
    insecure: bool,
    /// Print the result (path, digests, size) as one JSON object
    #[arg(long)]
    json: bool,
}

/// The signature check `--verify-key` asks for, on the pulled bytes before anything is written
/// or cached: passes when any of the keys (a key name in the store, or a public key file)
/// signed the component, as `wash verify --key` does.
pub(super) fn verify_pulled(bytes: &[u8], keys: &[PathBuf]) -> Result<(), String> {
    let store = crate::sign::KeyStore::open_default();
    let trusted = keys
        .iter()
        .map(|k| super::verify::trusted_key(&store, &k.to_string_lossy()))
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(|e| format!("{e:#}"))?;
    crate::sign::verify_bytes(bytes, &crate::sign::VerifyPolicy::any(trusted))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub fn exec(shell: &Shell, args: PullArgs) -> anyhow::Result<ExitCode> {
    let reference = ComponentRef::parse(&args.reference)?;
    let dest = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.wasm", reference.short_name())));
    let keys = args.verify_keys.clone();
    let verify = move |bytes: &[u8]| verify_pulled(bytes, &keys);
    let options = PullOptions {
        client: ClientOptions {
            insecure: args.insecure,
        },
        verifier: (!args.verify_keys.is_empty()).then_some(&verify as &oci::Verifier<'_>),
        progress: TransferBar::handle(shell),
    };
    let runtime = oci::runtime().context("could not start the async runtime")?;
    let pulled = runtime
        .block_on(oci::pull(&reference, &dest, &options))
        .with_context(|| format!("failed to pull `{}`", args.reference))?;
    if args.json {
        let mut value = serde_json::to_value(&pulled)?;
        value["reason"] = "component-pulled".into();
        shell.json(&value);
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

/// For `wash run` and `wash inspect`: `word` itself when it is a file (or does not read as a
/// registry reference), else the component pulled into the local cache.
pub(super) fn local_or_pulled(
    shell: &Shell,
    word: &Path,
    insecure: bool,
    verify_keys: &[PathBuf],
) -> anyhow::Result<PathBuf> {
    let text = word.to_string_lossy();
    if word.exists() || !ComponentRef::looks_like_reference(&text) {
        if !verify_keys.is_empty() {
            anyhow::bail!(
                "`--verify-key` applies to registry references; `{}` is a local file\n\
                 help: check a local file with `wash verify`",
                word.display()
            );
        }
        return Ok(word.to_path_buf());
    }
    let reference = ComponentRef::parse(&text)?;
    let keys = verify_keys.to_vec();
    let verify = move |bytes: &[u8]| verify_pulled(bytes, &keys);
    let options = PullOptions {
        client: ClientOptions { insecure },
        verifier: (!verify_keys.is_empty()).then_some(&verify as &oci::Verifier<'_>),
        progress: TransferBar::handle(shell),
    };
    let runtime = oci::runtime().context("could not start the async runtime")?;
    let pulled = runtime
        .block_on(oci::cache::pull_cached(&reference, &options))
        .with_context(|| format!("failed to pull `{text}`"))?;
    let verb = if pulled.cached { "Cached" } else { "Pulled" };
    shell.status(
        verb,
        format!("{} ({})", pulled.reference, pulled.layer_digest),
    );
    Ok(pulled.path)
}
