//! The local key store: ed25519 key pairs (and public keys of other signers) in one folder,
//! `$WASH_KEYS_DIR`, else `$WASH_HOME/keys` (`~/.wash/keys`).
//!
//! Each key `NAME` is `NAME.pub`, an OpenSSH public-key line (`ssh-ed25519 AAAA… NAME`), and,
//! for keys that can sign, `NAME.key`, the secret key as PKCS#8 PEM (what `openssl` reads),
//! created with mode 0600 in a folder with mode 0700. A key is identified by its name here,
//! and everywhere else by its [key id](KeyInfo::key_id) and [fingerprint](KeyInfo::fingerprint).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use sha2::{Digest, Sha256};

use crate::home::HomeError;

/// Extension of a public key file in the store.
pub const PUBLIC_EXT: &str = "pub";
/// Extension of a secret key file in the store.
pub const SECRET_EXT: &str = "key";

/// The folder keys live in: `$WASH_KEYS_DIR`, else `$WASH_HOME/keys` (`~/.wash/keys`); never
/// a folder under the temp dir or the current directory.
pub fn default_dir() -> Result<PathBuf, HomeError> {
    match std::env::var_os("WASH_KEYS_DIR") {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => Ok(crate::home::wash_home()?.join("keys")),
    }
}

/// What can go wrong with keys.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key name that cannot be a file name in the store.
    #[error("`{name}` is not a valid key name")]
    InvalidName {
        /// The name given.
        name: String,
    },
    /// `keys new`/`keys import` of a name already taken.
    #[error("a key named `{name}` already exists in `{dir}`")]
    Exists {
        /// The name.
        name: String,
        /// The store.
        dir: PathBuf,
    },
    /// No such key in the store.
    #[error(
        "no key named `{name}` in `{dir}`{}",
        if .known.is_empty() { String::new() } else { format!(" (keys there: {})", .known.join(", ")) }
    )]
    NotFound {
        /// The name.
        name: String,
        /// The store.
        dir: PathBuf,
        /// The keys that are there.
        known: Vec<String>,
    },
    /// The key has a public half only: it cannot sign.
    #[error(
        "key `{name}` has no secret key in `{dir}` (only `{name}.pub`): it can verify, not sign"
    )]
    NoSecret {
        /// The name.
        name: String,
        /// The store.
        dir: PathBuf,
    },
    /// A key file that does not hold an ed25519 key wash can read.
    #[error("`{path}` does not hold an ed25519 {kind} key wash can read")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// `public` or `secret`.
        kind: &'static str,
    },
    /// An OpenSSH private key protected by a passphrase.
    #[error("`{path}` is encrypted with a passphrase, which wash cannot read")]
    Encrypted {
        /// The file.
        path: PathBuf,
    },
    /// `WASH_KEYS_DIR` is not set and wash has no home directory to keep keys in.
    #[error("cannot find the key store (`WASH_KEYS_DIR` is not set)")]
    NoHome(#[source] HomeError),
    /// A file could not be read or written.
    #[error("could not {action} `{path}`")]
    Io {
        /// `read`, `write`, `create`, `list`.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl crate::hint::Hint for KeyError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            KeyError::InvalidName { .. } => {
                "use letters, digits, `.`, `_` and `-`, starting with a letter or digit".into()
            }
            KeyError::Exists { name, dir } => format!(
                "choose another name, or delete `{}/{name}.*` first if you really mean to \
                 replace it",
                dir.display()
            ),
            KeyError::NotFound { name, .. } => format!(
                "create one with `wash keys new {name}`, import one with `wash keys import FILE \
                 --name {name}`, or point `WASH_KEYS_DIR` at the folder that holds it"
            ),
            KeyError::NoSecret { .. } => {
                "sign with a key created by `wash keys new` or imported from a private key".into()
            }
            KeyError::Unreadable { .. } => "wash reads OpenSSH ed25519 keys (`ssh-keygen -t \
                ed25519`), PKCS#8 PEM/DER, and wasmsign2's raw key files"
                .into(),
            KeyError::Encrypted { path } => format!(
                "import a decrypted copy: `cp {0} plain && ssh-keygen -p -N \"\" -f plain`, \
                 then delete the copy after the import",
                path.display()
            ),
            KeyError::NoHome(e) => return e.hint(),
            KeyError::Io { .. } => return None,
        })
    }
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> KeyError {
    let path = path.to_path_buf();
    move |source| KeyError::Io {
        action,
        path,
        source,
    }
}

/// A public key with the names people and signatures know it by.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyInfo {
    /// The key's name in the store (or the file it came from).
    pub name: String,
    /// Always `ed25519`.
    pub algorithm: &'static str,
    /// The key id written into each signature: wasmsign2's default,
    /// `HMAC-SHA256(key = public key, "key_id")`, first 12 bytes, as hex.
    pub key_id: String,
    /// The OpenSSH fingerprint, `SHA256:<base64>` (what `ssh-keygen -l` prints).
    pub fingerprint: String,
    /// The public key as an OpenSSH line, `ssh-ed25519 AAAA… name`.
    pub public_key: String,
    /// Whether the store also holds the secret key (the key can sign).
    pub can_sign: bool,
}

/// A public key that signatures are checked against.
#[derive(Clone)]
pub struct TrustedKey {
    /// Its name, key id and fingerprint.
    pub info: KeyInfo,
    pub(crate) key: wasmsign2::PublicKey,
}

impl fmt::Debug for TrustedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TrustedKey").field(&self.info).finish()
    }
}

impl TrustedKey {
    /// Reads a public key file in any format wasmsign2 reads (OpenSSH, PEM, DER, raw). The
    /// key is named after the file.
    pub fn from_file(path: &Path) -> Result<TrustedKey, KeyError> {
        let bytes = std::fs::read(path).map_err(io("read", path))?;
        let key = parse_public(&bytes).ok_or_else(|| KeyError::Unreadable {
            path: path.to_path_buf(),
            kind: "public",
        })?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Ok(TrustedKey::new(name, key, false))
    }

    fn new(name: String, key: wasmsign2::PublicKey, can_sign: bool) -> TrustedKey {
        TrustedKey {
            info: describe(&name, &key, can_sign),
            key,
        }
    }
}

/// A key that can sign. Its `Debug` never shows the secret.
pub struct SigningKey {
    /// The public half, with its names.
    pub public: TrustedKey,
    pub(crate) secret: wasmsign2::SecretKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("public", &self.public)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// The key id wasmsign2 derives from a public key, as raw bytes.
pub(crate) fn key_id_bytes(key: &wasmsign2::PublicKey) -> Vec<u8> {
    let with_id = wasmsign2::PublicKey {
        pk: key.pk,
        key_id: None,
    }
    .attach_default_key_id();
    with_id.key_id().cloned().unwrap_or_default()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The OpenSSH wire form of an ed25519 public key: `string "ssh-ed25519", string key`.
fn openssh_blob(key: &wasmsign2::PublicKey) -> Vec<u8> {
    let mut blob = Vec::with_capacity(51);
    for part in [&b"ssh-ed25519"[..], key.pk.as_ref()] {
        blob.extend_from_slice(&(part.len() as u32).to_be_bytes());
        blob.extend_from_slice(part);
    }
    blob
}

fn describe(name: &str, key: &wasmsign2::PublicKey, can_sign: bool) -> KeyInfo {
    let blob = openssh_blob(key);
    KeyInfo {
        name: name.to_string(),
        algorithm: "ed25519",
        key_id: hex(&key_id_bytes(key)),
        fingerprint: format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(&blob))),
        public_key: format!("ssh-ed25519 {} {name}", STANDARD.encode(&blob)),
        can_sign,
    }
}

fn parse_public(bytes: &[u8]) -> Option<wasmsign2::PublicKey> {
    // OpenSSH first: a raw 33-byte key could also start like text, never the reverse.
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| wasmsign2::PublicKey::from_openssh(s).ok())
        .or_else(|| wasmsign2::PublicKey::from_any(bytes).ok())
}

/// Whether `name` can name a key: `[A-Za-z0-9][A-Za-z0-9._-]*`, at most 64 characters.
pub fn valid_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// A key store: one folder of `NAME.pub` and `NAME.key` files.
#[derive(Debug, Clone)]
pub struct KeyStore {
    /// The folder, or why there is none: a store without a home fails only when used, so
    /// commands that may not need it (`wash verify --key FILE`, a build that signs nothing)
    /// still run without one.
    dir: Result<PathBuf, HomeError>,
}

impl KeyStore {
    /// The store at [`default_dir`]. Without a home directory every use of it is a
    /// [`KeyError::NoHome`] (callers that merely look for local keys treat that as none).
    pub fn open_default() -> KeyStore {
        KeyStore { dir: default_dir() }
    }

    /// The store in `dir` (which need not exist yet).
    pub fn at(dir: impl Into<PathBuf>) -> KeyStore {
        KeyStore {
            dir: Ok(dir.into()),
        }
    }

    /// Its folder.
    pub fn dir(&self) -> Result<&Path, KeyError> {
        self.dir.as_deref().map_err(|e| KeyError::NoHome(e.clone()))
    }

    fn path(&self, name: &str, ext: &str) -> Result<PathBuf, KeyError> {
        Ok(self.dir()?.join(format!("{name}.{ext}")))
    }

    /// Generates a new key pair named `name`.
    pub fn create(&self, name: &str) -> Result<KeyInfo, KeyError> {
        let pair = wasmsign2::KeyPair::generate();
        self.add(name, Some(&pair.sk), &pair.pk)
    }

    /// Imports a key from a file: a secret key (OpenSSH `id_ed25519`, PKCS#8 PEM/DER or
    /// wasmsign2's raw form) becomes a key that signs; a public key (OpenSSH `.pub` line, PEM,
    /// DER, raw) becomes a key that only verifies. The file is only read.
    pub fn import(&self, file: &Path, name: &str) -> Result<KeyInfo, KeyError> {
        check_name(name)?;
        let bytes = std::fs::read(file).map_err(io("read", file))?;
        if let Ok(secret) = wasmsign2::SecretKey::from_any(&bytes) {
            let public = wasmsign2::PublicKey {
                pk: secret.sk.public_key(),
                key_id: None,
            };
            return self.add(name, Some(&secret), &public);
        }
        if openssh_encrypted(&bytes) {
            return Err(KeyError::Encrypted {
                path: file.to_path_buf(),
            });
        }
        match parse_public(&bytes) {
            Some(public) => self.add(name, None, &public),
            None => Err(KeyError::Unreadable {
                path: file.to_path_buf(),
                kind: "secret or public",
            }),
        }
    }

    fn add(
        &self,
        name: &str,
        secret: Option<&wasmsign2::SecretKey>,
        public: &wasmsign2::PublicKey,
    ) -> Result<KeyInfo, KeyError> {
        check_name(name)?;
        let dir = self.dir()?;
        create_private_dir(dir)?;
        let info = describe(name, public, secret.is_some());
        let pub_path = self.path(name, PUBLIC_EXT)?;
        let key_path = self.path(name, SECRET_EXT)?;
        if pub_path.exists() || key_path.exists() {
            return Err(KeyError::Exists {
                name: name.to_string(),
                dir: dir.to_path_buf(),
            });
        }
        if let Some(secret) = secret {
            write_new(&key_path, secret.to_pem().as_bytes(), 0o600)?;
        }
        if let Err(e) = write_new(
            &pub_path,
            format!("{}\n", info.public_key).as_bytes(),
            0o644,
        ) {
            // A failed public write takes the secret with it: `keys new` made nothing.
            let _ = std::fs::remove_file(&key_path);
            return Err(e);
        }
        Ok(info)
    }

    /// Every key in the store, by name.
    pub fn list(&self) -> Result<Vec<KeyInfo>, KeyError> {
        Ok(self.trusted()?.into_iter().map(|k| k.info).collect())
    }

    /// Every public key in the store, by name. A missing folder holds no keys.
    pub fn trusted(&self) -> Result<Vec<TrustedKey>, KeyError> {
        let dir = self.dir()?;
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io("list", dir)(e)),
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let path = e.path();
                let ext = path.extension()?;
                (ext == PUBLIC_EXT || ext == SECRET_EXT)
                    .then(|| path.file_stem()?.to_str().map(str::to_string))?
            })
            .filter(|n| valid_name(n))
            .collect();
        names.sort();
        names.dedup();
        names.iter().map(|n| self.public(n)).collect()
    }

    /// The public key `name`.
    pub fn public(&self, name: &str) -> Result<TrustedKey, KeyError> {
        check_name(name)?;
        let path = self.path(name, PUBLIC_EXT)?;
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            // A secret key whose public file is missing (a `keys new` killed between the two
            // writes) is still a whole key pair: its public half is derived from it.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !self.path(name, SECRET_EXT)?.exists() {
                    return Err(self.not_found(name));
                }
                let public = wasmsign2::PublicKey {
                    pk: self.secret(name)?.sk.public_key(),
                    key_id: None,
                };
                return Ok(TrustedKey::new(name.to_string(), public, true));
            }
            Err(e) => return Err(io("read", &path)(e)),
        };
        let key = parse_public(&bytes).ok_or(KeyError::Unreadable {
            path,
            kind: "public",
        })?;
        let can_sign = self.path(name, SECRET_EXT)?.exists();
        Ok(TrustedKey::new(name.to_string(), key, can_sign))
    }

    /// The key pair `name`, to sign with.
    pub fn signing(&self, name: &str) -> Result<SigningKey, KeyError> {
        let public = self.public(name)?;
        let secret = self.secret(name)?;
        Ok(SigningKey { public, secret })
    }

    /// The public key a `--key`/`--verify-key` value names: a key file when the value has a
    /// folder part (`./alice.pub`) or is an existing file, else a key of this store.
    pub fn resolve(&self, value: &str) -> Result<TrustedKey, KeyError> {
        let looks_like_path = value.contains(std::path::MAIN_SEPARATOR)
            || value.contains('/')
            || Path::new(value).is_file();
        if looks_like_path {
            TrustedKey::from_file(Path::new(value))
        } else {
            self.public(value)
        }
    }

    /// The key `name`, and its secret key as PKCS#8 PEM when `with_secret` (`wash keys show
    /// --secret`).
    pub fn show(
        &self,
        name: &str,
        with_secret: bool,
    ) -> Result<(KeyInfo, Option<String>), KeyError> {
        let key = self.public(name)?;
        let secret = with_secret.then(|| self.secret_pem(name)).transpose()?;
        Ok((key.info, secret))
    }

    /// The secret key `name` as PKCS#8 PEM, for `wash keys show --secret` only.
    pub fn secret_pem(&self, name: &str) -> Result<String, KeyError> {
        Ok(self.secret(name)?.to_pem())
    }

    fn secret(&self, name: &str) -> Result<wasmsign2::SecretKey, KeyError> {
        check_name(name)?;
        let path = self.path(name, SECRET_EXT)?;
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(if self.path(name, PUBLIC_EXT)?.exists() {
                    KeyError::NoSecret {
                        name: name.to_string(),
                        dir: self.dir()?.to_path_buf(),
                    }
                } else {
                    self.not_found(name)
                });
            }
            Err(e) => return Err(io("read", &path)(e)),
        };
        wasmsign2::SecretKey::from_any(&bytes).map_err(|_| KeyError::Unreadable {
            path,
            kind: "secret",
        })
    }

    fn not_found(&self, name: &str) -> KeyError {
        let dir = match self.dir() {
            Ok(dir) => dir.to_path_buf(),
            Err(e) => return e,
        };
        KeyError::NotFound {
            name: name.to_string(),
            dir,
            known: self
                .list()
                .map(|l| l.into_iter().map(|k| format!("`{}`", k.name)).collect())
                .unwrap_or_default(),
        }
    }
}

fn check_name(name: &str) -> Result<(), KeyError> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(KeyError::InvalidName {
            name: name.to_string(),
        })
    }
}

/// Whether `bytes` are an `openssh-key-v1` private key with a cipher other than `none`.
fn openssh_encrypted(bytes: &[u8]) -> bool {
    const BEGIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";
    let Some(body) = std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.split(BEGIN).nth(1))
        .and_then(|s| s.split("-----END").next())
    else {
        return false;
    };
    let b64: String = body.split_whitespace().collect();
    let Ok(raw) = STANDARD.decode(b64) else {
        return false;
    };
    let Some(rest) = raw.strip_prefix(b"openssh-key-v1\0") else {
        return false;
    };
    let Some(len) = rest.get(..4) else {
        return false;
    };
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    rest.get(4..4 + len).is_some_and(|cipher| cipher != b"none")
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), KeyError> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io("create", dir))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), KeyError> {
    std::fs::create_dir_all(dir).map_err(io("create", dir))
}

/// Writes a new file whole, with `mode` from its creation on (a secret is never readable by
/// others, not even for a moment), and never over an existing file.
/// The start of the name of a key file being written.
const KEY_TEMP_PREFIX: &str = ".wash-key-";

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    crate::artifact::remove_stale_temps(dir, KEY_TEMP_PREFIX);
    let prefix = crate::artifact::temp_prefix(KEY_TEMP_PREFIX);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut tmp = builder.tempfile_in(dir).map_err(io("write", path))?;
    tmp.write_all(bytes).map_err(io("write", path))?;
    tmp.as_file().sync_all().map_err(io("write", path))?;
    tmp.persist_noclobber(path)
        .map_err(|e| io("write", path)(e.error))?;
    Ok(())
}
