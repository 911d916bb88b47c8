//! `[package.metadata.wasmcloud]`: wash's settings, in the crate's own `Cargo.toml`
//! (docs/config.md). The table is read once per package into serde types that refuse unknown
//! keys ([`raw`]); what types cannot say (a namespace's syntax, a key's name, an absolute guest
//! path) is checked after. Every error names the manifest and the full key path
//! (`package.metadata.wasmcloud.virt.deny[1]`), and carries the fix as a [`Hint`]: "did you
//! mean `allow-env`?" for a misspelt key.

mod de;
mod platform;
mod raw;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};

use cargo_metadata::Package;
use serde::Deserialize;
use serde_json::Value;

use crate::hint::Hint;
use crate::run::{BlobstoreBackend, KeyValueBackend, MessagingBackend, Subscription};
use crate::virt::{Mount, VirtOptions};
use de::{Refusal, Segment, ValueDe};
use platform::{blobstore, deploy, keyvalue, messaging, subscriptions, valid_namespace};
use raw::{RawConfig, RawDeploy, RawRegistry, RawSign, RawVirt};

/// `[package.metadata.wasmcloud]`: wash's settings, in the crate's own manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasmcloudConfig {
    /// `namespace`: the WIT package namespace (`<namespace>:<crate-name>`).
    pub namespace: Option<String>,
    /// `host-imports`: imports the host provides, beyond `wasi:*` (`acme:kv/store`, or a
    /// prefix ending in `*` such as `acme:kv/*`).
    pub host_imports: Vec<String>,
    /// `compose.plugs`: components to plug into this one's imports, besides the other
    /// components of the build: paths (relative to the manifest) or workspace member names.
    pub compose_plugs: Vec<String>,
    /// `compose.strict`: an import nothing in the build provides is an error, not a warning.
    pub compose_strict: bool,
    /// `virt`: WASI virtualized inside the component after composition; mount host paths are
    /// resolved against the manifest's directory.
    pub virt: Option<VirtOptions>,
    /// `[sign]`: `wash build` signs the finished component with these keys, as its last step.
    pub sign: Option<SignConfig>,
    /// `registry`: where `wash push` (with no reference given) sends the component.
    pub registry: Option<RegistryConfig>,
    /// `dev.config`: the `wasi:config` values `wash run` gives the component it builds
    /// (`--config` flags override them).
    pub dev_config: Vec<(String, String)>,
    /// `dev.keyvalue`: what backs `wasi:keyvalue` for `wash run` and `wash dev` (`--keyvalue`
    /// overrides it); a relative folder is resolved against the manifest's directory.
    pub dev_keyvalue: Option<KeyValueBackend>,
    /// `dev.blobstore`: what backs `wasi:blobstore` for `wash run` and `wash dev`
    /// (`--blobstore` overrides it); a relative folder is resolved against the manifest's
    /// directory.
    pub dev_blobstore: Option<BlobstoreBackend>,
    /// `dev.messaging`: what carries `wasmcloud:messaging` for `wash run` and `wash dev`
    /// (`--messaging` overrides it).
    pub dev_messaging: Option<MessagingBackend>,
    /// `dev.subscriptions`: the subjects delivered to a message handler (`--subscribe` flags
    /// replace them).
    pub dev_subscriptions: Vec<String>,
    /// `deploy`: what `wash deploy` writes into the manifests (flags override it).
    pub deploy: crate::deploy::Settings,
    /// `plugins.NAME`: each plugin's settings, handed to it as they are (docs/plugins.md).
    pub plugins: serde_json::Map<String, Value>,
}

/// `[package.metadata.wasmcloud.sign]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignConfig {
    /// `keys`: names of keys in the key store (`wash keys list`), one signature each.
    pub keys: Vec<String>,
}

/// `[package.metadata.wasmcloud.registry]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryConfig {
    /// `reference`: `REGISTRY/REPOSITORY[:TAG]`; without a tag, `wash push` uses the crate's
    /// version.
    pub reference: String,
    /// `insecure`: plain HTTP to this registry (loopback registries never need it).
    pub insecure: bool,
}

/// The namespace used when `[package.metadata.wasmcloud] namespace` is not set (the same
/// default cargo-component uses).
pub const DEFAULT_NAMESPACE: &str = "component";

/// A malformed `[package.metadata.wasmcloud]`: the manifest, the key, what is wrong; the fix
/// is its [`Hint`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{}`: `{}`{problem}", manifest.display(), full_key(key))]
pub struct ConfigError {
    /// The manifest.
    pub manifest: PathBuf,
    /// The key path below `package.metadata.wasmcloud` (`virt.deny[1]`); empty for the table.
    pub key: String,
    /// What is wrong.
    pub problem: Problem,
    /// What to write.
    pub fix: String,
}

/// What is wrong with a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// wash has no such setting.
    Unknown,
    /// A required key is absent.
    Missing,
    /// The value is not what the key holds (`a list of strings`); `found` is what is there
    /// when that helps (`3`, `"deny"`).
    Expected {
        /// What the key holds.
        expected: String,
        /// What was found.
        found: Option<String>,
    },
    /// The value has the right type but cannot be used: why, as a sentence about the value.
    Invalid(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Unknown => f.write_str(" is not a setting wash knows"),
            Problem::Missing => f.write_str(" is missing"),
            Problem::Expected { expected, found } => {
                write!(f, " must be {expected}")?;
                match found {
                    Some(found) => write!(f, ", not {found}"),
                    None => Ok(()),
                }
            }
            Problem::Invalid(why) => write!(f, ": {why}"),
        }
    }
}

fn full_key(key: &str) -> String {
    if key.is_empty() {
        "package.metadata.wasmcloud".into()
    } else {
        format!("package.metadata.wasmcloud.{key}")
    }
}

impl Hint for ConfigError {
    fn hint(&self) -> Option<String> {
        Some(self.fix.clone())
    }
}

impl ConfigError {
    /// An error at `path`; without a `fix`, the fix of the key that holds `path`.
    fn at(manifest: &Path, path: &[Segment], problem: Problem, fix: Option<String>) -> ConfigError {
        ConfigError {
            manifest: manifest.to_path_buf(),
            key: de::render(path),
            problem,
            fix: fix.unwrap_or_else(|| owner(path).1.fix.to_string()),
        }
    }
}

impl WasmcloudConfig {
    /// Reads the package's config, naming the key and the fix when it is malformed.
    pub fn of(package: &Package) -> Result<WasmcloudConfig, ConfigError> {
        WasmcloudConfig::from_metadata(&package.metadata, package.manifest_path.as_std_path())
    }

    /// Reads `[package.metadata.wasmcloud]` from a package's `metadata` (as `cargo metadata`
    /// gives it); `manifest` is the `Cargo.toml` it came from: errors name it, and relative
    /// paths in the config are resolved against its directory.
    pub fn from_metadata(
        metadata: &Value,
        manifest: &Path,
    ) -> Result<WasmcloudConfig, ConfigError> {
        let table = match metadata.get("wasmcloud") {
            None | Some(Value::Null) => return Ok(WasmcloudConfig::default()),
            Some(table) => table,
        };
        let raw = RawConfig::deserialize(ValueDe(table)).map_err(|e| refused(e, manifest))?;
        convert(raw, manifest)
    }

    /// Whether the host provides this import: every `wasi:` and `wasmcloud:messaging`
    /// interface, `wash:plugin` (a plugin's host is wash), and `host-imports`.
    pub fn is_host_import(&self, import: &str) -> bool {
        // wasmcloud:messaging is hosted by `wash run` and wasmCloud alike, as wasi:* is.
        import.starts_with("wasi:")
            || import.starts_with("wasmcloud:messaging/")
            // A wash plugin's world: wash itself is the host that runs it.
            || import.starts_with("wash:plugin/")
            || self.host_imports.iter().any(|h| match h.strip_suffix('*') {
                Some(prefix) => import.starts_with(prefix),
                None => import == h || import.split('@').next() == Some(h.as_str()),
            })
    }

    /// The WIT namespace for the package.
    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE)
    }
}

fn path_of(keys: &[&str]) -> Vec<Segment> {
    keys.iter().map(|k| Segment::Key(k.to_string())).collect()
}

/// The checks types cannot make, then the public shape.
fn convert(raw: RawConfig, manifest: &Path) -> Result<WasmcloudConfig, ConfigError> {
    if let Some(ns) = &raw.namespace
        && !valid_namespace(ns)
    {
        return Err(ConfigError::at(
            manifest,
            &path_of(&["namespace"]),
            Problem::Invalid(format!(
                "`{ns}` is not a WIT namespace (lowercase words joined by `-`)"
            )),
            Some("write e.g. `namespace = \"acme\"` or `namespace = \"my-org\"`".into()),
        ));
    }
    let dir = manifest.parent().unwrap_or(Path::new(""));
    let deploy = raw
        .deploy
        .map(|d| deploy(d, manifest))
        .transpose()?
        .unwrap_or_default();
    let mut config = WasmcloudConfig {
        deploy,
        plugins: raw
            .plugins
            .into_iter()
            .map(|(k, v)| (k, Value::Object(v)))
            .collect(),
        namespace: raw.namespace,
        host_imports: raw.host_imports,
        compose_strict: raw.compose.as_ref().is_some_and(|c| c.strict),
        compose_plugs: raw.compose.map(|c| c.plugs).unwrap_or_default(),
        virt: raw.virt.map(|v| virt(v, dir, manifest)).transpose()?,
        sign: raw.sign.map(|s| sign(s, manifest)).transpose()?,
        registry: raw.registry.map(|r| registry(r, manifest)).transpose()?,
        dev_keyvalue: raw
            .dev
            .as_ref()
            .and_then(|d| d.keyvalue.as_deref())
            .map(|k| keyvalue(k, dir, manifest))
            .transpose()?,
        dev_blobstore: raw
            .dev
            .as_ref()
            .and_then(|d| d.blobstore.as_deref())
            .map(|b| blobstore(b, dir, manifest))
            .transpose()?,
        dev_messaging: raw
            .dev
            .as_ref()
            .and_then(|d| d.messaging.as_deref())
            .map(|m| messaging(m, manifest))
            .transpose()?,
        dev_subscriptions: raw
            .dev
            .as_ref()
            .map(|d| subscriptions(&d.subscriptions, manifest))
            .transpose()?
            .unwrap_or_default(),
        dev_config: raw
            .dev
            .map(|d| d.config.into_iter().collect())
            .unwrap_or_default(),
    };
    // A handler deployed receives what it receives in development, unless told otherwise.
    if config.deploy.subscriptions.is_empty() {
        config.deploy.subscriptions = config.dev_subscriptions.clone();
    }
    Ok(config)
}

fn virt(raw: RawVirt, dir: &Path, manifest: &Path) -> Result<VirtOptions, ConfigError> {
    let mut mounts = Vec::new();
    for (guest, host) in raw.mount {
        if !guest.starts_with('/') {
            let mut path = path_of(&["virt", "mount"]);
            path.push(Segment::Key(guest.clone()));
            return Err(ConfigError::at(
                manifest,
                &path,
                Problem::Invalid(format!("guest path `{guest}` is not absolute")),
                None,
            ));
        }
        mounts.push(Mount {
            guest,
            host: dir.join(host),
        });
    }
    Ok(VirtOptions {
        env: raw.env.into_iter().collect(),
        allow_env: raw.allow_env,
        stdin: raw.stdin.unwrap_or_default(),
        stdout: raw.stdout.unwrap_or_default(),
        stderr: raw.stderr.unwrap_or_default(),
        deny: raw.deny.into_iter().collect(),
        mounts,
    })
}

fn sign(raw: RawSign, manifest: &Path) -> Result<SignConfig, ConfigError> {
    if raw.keys.is_empty() {
        return Err(ConfigError::at(
            manifest,
            &path_of(&["sign", "keys"]),
            Problem::Expected {
                expected: "a non-empty list of key names".into(),
                found: Some("an empty list".into()),
            },
            None,
        ));
    }
    if let Some((i, bad)) = raw
        .keys
        .iter()
        .enumerate()
        .find(|(_, n)| !crate::sign::keys::valid_name(n))
    {
        let mut path = path_of(&["sign", "keys"]);
        path.push(Segment::Index(i));
        return Err(ConfigError::at(
            manifest,
            &path,
            Problem::Invalid(format!(
                "`{bad}` is not a key name (letters, digits, `.`, `_` and `-`, starting with a \
                 letter or digit)"
            )),
            None,
        ));
    }
    Ok(SignConfig { keys: raw.keys })
}

fn registry(raw: RawRegistry, manifest: &Path) -> Result<RegistryConfig, ConfigError> {
    if raw.reference.is_empty() {
        return Err(ConfigError::at(
            manifest,
            &path_of(&["registry", "reference"]),
            Problem::Expected {
                expected: "a non-empty string".into(),
                found: Some("\"\"".into()),
            },
            None,
        ));
    }
    Ok(RegistryConfig {
        reference: raw.reference,
        insecure: raw.insecure,
    })
}

/// The longest start of `path` that is a key of [`raw::HELP`] (at least the table itself), and
/// its help: `virt.env` for `virt.env.FOO`, `virt.deny` for `virt.deny[1]`.
fn owner(path: &[Segment]) -> (usize, &'static raw::Help) {
    (0..=path.len())
        .rev()
        .find_map(|n| raw::lookup(&de::render(&path[..n])).map(|h| (n, h)))
        .expect("the table itself has help")
}

/// serde's refusal as the user's error: the full key, the problem, the fix.
fn refused(err: de::Error, manifest: &Path) -> ConfigError {
    let mut path = err.path;
    let (len, help) = owner(&path);
    let (problem, fix) = match err.refusal {
        Refusal::UnknownField { field, expected } => {
            let fix = unknown_fix(&field, expected);
            path.push(Segment::Key(field));
            (Problem::Unknown, Some(fix))
        }
        Refusal::MissingField(field) => {
            path.push(Segment::Key(field.to_string()));
            (Problem::Missing, None)
        }
        Refusal::InvalidType { found, expected } => {
            // At the key itself, say what the key holds; inside it (a list item, a table
            // value), what serde wanted there.
            let expected = if len == path.len() {
                help.holds.to_string()
            } else {
                plain(&expected)
            };
            let found = Some(found);
            (Problem::Expected { expected, found }, None)
        }
        Refusal::UnknownVariant { found, expected } => match help.choice {
            Some(noun) => (
                Problem::Invalid(format!("`{found}` is not {noun}")),
                Some(format!("write one of {}", expected.join(", "))),
            ),
            None => {
                let expected = help.holds.to_string();
                let found = Some(format!("{found:?}"));
                (Problem::Expected { expected, found }, None)
            }
        },
        Refusal::Custom(message) => (Problem::Invalid(message), None),
    };
    ConfigError::at(manifest, &path, problem, fix)
}

/// serde's word for a type, in the config's terms.
fn plain(expected: &str) -> String {
    match expected {
        "a sequence" => "a list".into(),
        "a map" => "a table".into(),
        "a boolean" => "`true` or `false`".into(),
        e if e.starts_with("struct ") => "a table".into(),
        e if e.starts_with("enum ") => "a string".into(),
        e => e.into(),
    }
}

/// "did you mean `allow-env`?" when a known key is a small slip away, else the known keys.
fn unknown_fix(field: &str, known: &[&str]) -> String {
    let closest = known
        .iter()
        .map(|k| (distance(field, k), *k))
        .filter(|(d, k)| *d <= (field.len().max(k.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d);
    match closest {
        Some((_, k)) => format!("did you mean `{k}`?"),
        None => format!(
            "the keys here are {} (see docs/config.md)",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Edits (insert, delete, replace, swap two neighbours) from `a` to `b`: the optimal string
/// alignment distance, which counts `dney` → `deny` as one slip.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Every key of `[package.metadata.wasmcloud]` as its path below it (`virt.allow-env`), read
/// off the types; tables (`virt`) are not listed, their keys are.
#[cfg(test)]
pub(crate) fn keys() -> Vec<String> {
    schema()
        .into_iter()
        .filter(|(_, table)| !table)
        .map(|(key, _)| key)
        .collect()
}

/// Every table (`""` for the root) and key of the types, with whether it is a table. serde
/// names a table's keys when it refuses an unknown one, so each is probed with a key no table
/// has: a table answers with its keys, anything else with some other refusal.
#[cfg(test)]
fn schema() -> Vec<(String, bool)> {
    fn walk(prefix: Vec<String>, out: &mut Vec<(String, bool)>) {
        let mut probe = Value::Object(
            [("\u{0}".to_string(), Value::from(0))]
                .into_iter()
                .collect(),
        );
        for key in prefix.iter().rev() {
            probe = Value::Object([(key.clone(), probe)].into_iter().collect());
        }
        let here: Vec<Segment> = prefix.iter().cloned().map(Segment::Key).collect();
        match RawConfig::deserialize(ValueDe(&probe)) {
            Err(de::Error {
                path,
                refusal: Refusal::UnknownField { expected, .. },
            }) if path == here => {
                out.push((prefix.join("."), true));
                for field in expected {
                    let mut next = prefix.clone();
                    next.push(field.to_string());
                    walk(next, out);
                }
            }
            _ => out.push((prefix.join("."), false)),
        }
    }
    let mut out = Vec::new();
    walk(Vec::new(), &mut out);
    out
}
