//! `wash keys`: the ed25519 keys wash signs with and verifies against.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::shell::Shell;
use crate::message::Key;
use crate::sign::{KeyInfo, KeyStore};

/// Create, import and list the ed25519 keys components are signed with
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Keys live in $WASH_KEYS_DIR, else $WASH_HOME/keys (~/.wash/keys): \
NAME.pub (OpenSSH public key) and NAME.key (PKCS#8 PEM secret key, mode 0600)."
)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, clap::Subcommand)]
enum KeysCommand {
    /// Generate a new key pair
    New {
        /// The key's name (letters, digits, `.`, `_`, `-`)
        name: String,
        /// Print the key as JSON
        #[arg(long)]
        json: bool,
    },
    /// List the keys in the store
    List {
        /// Print one JSON object per key
        #[arg(long)]
        json: bool,
    },
    /// Show a key's public key, key id and fingerprint
    Show {
        /// The key's name
        name: String,
        /// Also print the secret key (PKCS#8 PEM). Keep it secret.
        #[arg(long)]
        secret: bool,
        /// Print the key as JSON
        #[arg(long)]
        json: bool,
    },
    /// Import a key: an OpenSSH ed25519 private key (it can then sign) or a public key (it can
    /// then verify)
    Import {
        /// The key file, e.g. ~/.ssh/id_ed25519 or a signer's .pub file
        file: PathBuf,
        /// The name to store it under [default: the file's name without extension]
        #[arg(long)]
        name: Option<String>,
        /// Print the key as JSON
        #[arg(long)]
        json: bool,
    },
}

pub fn exec(shell: &Shell, args: KeysArgs) -> anyhow::Result<ExitCode> {
    let store = KeyStore::open_default();
    match args.command {
        KeysCommand::New { name, json } => {
            let info = store
                .create(&name)
                .with_context(|| format!("failed to create key `{name}`"))?;
            report_added(shell, store.dir()?, &info, "Created", json);
        }
        KeysCommand::Import { file, name, json } => {
            let name = match name {
                Some(n) => n,
                None => file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            };
            let info = store
                .import(&file, &name)
                .with_context(|| format!("failed to import `{}`", file.display()))?;
            report_added(shell, store.dir()?, &info, "Imported", json);
        }
        KeysCommand::List { json } => {
            let keys = store.list().context("failed to list keys")?;
            if json {
                for k in &keys {
                    shell.json(&Key {
                        info: k,
                        secret_key: None,
                    });
                }
            } else if keys.is_empty() {
                shell.status(
                    "Keys",
                    format!(
                        "none in `{}`; create one with `wash keys new NAME`",
                        store.dir()?.display()
                    ),
                );
            } else {
                for k in &keys {
                    let role = if k.can_sign { "sign" } else { "verify" };
                    shell.out(format!(
                        "{:<20} {}  {}  {role}",
                        k.name, k.key_id, k.fingerprint
                    ));
                }
            }
        }
        KeysCommand::Show { name, secret, json } => {
            let (key, secret) = store
                .show(&name, secret)
                .with_context(|| format!("failed to read key `{name}`"))?;
            if json {
                shell.json(&Key {
                    info: &key,
                    secret_key: secret.as_deref(),
                });
            } else {
                shell.out(render(&key));
                if let Some(s) = secret {
                    shell.out(s.trim_end());
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn report_added(shell: &Shell, dir: &Path, info: &KeyInfo, verb: &str, json: bool) {
    if json {
        shell.json(&Key {
            info,
            secret_key: None,
        });
        return;
    }
    let kind = if info.can_sign {
        "key pair"
    } else {
        "public key"
    };
    shell.status(
        verb,
        format!(
            "{kind} `{}` in `{}` (key id {})",
            info.name,
            dir.display(),
            info.key_id
        ),
    );
    shell.out(render(info));
}

fn render(k: &KeyInfo) -> String {
    [
        ("name", k.name.as_str()),
        ("algorithm", k.algorithm),
        ("key id", k.key_id.as_str()),
        ("fingerprint", k.fingerprint.as_str()),
        ("public key", k.public_key.as_str()),
        ("can sign", if k.can_sign { "yes" } else { "no" }),
    ]
    .iter()
    .map(|(l, v)| format!("{l:>11}  {v}"))
    .collect::<Vec<_>>()
    .join("\n")
}
