//! A cache of `cargo metadata --no-deps` answers, so a no-op `wash build` starts one cargo
//! process, not two. An answer is reused only while every file cargo read to give it is as it
//! was (same size and modification time) and every file that would have changed it is still
//! absent: the member manifests and the workspace's, the `Cargo.toml` and `.cargo/config`
//! files of every folder above where cargo started looking (the nearest manifest, a workspace
//! root above it, configuration), the folders members are listed from (a new member), and the
//! environment variables cargo takes its target directory and home from.
//!
//! Entries live in `$WASH_HOME/cache/metadata/<key>.json`, one per start (folder,
//! `--manifest-path`, environment); a cache that cannot be read or written is as none.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use cargo_metadata::Metadata;
use serde::{Deserialize, Serialize};

/// Environment variables that change what `cargo metadata --no-deps` answers.
const ENV: &[&str] = &[
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_HOME",
    "CARGO_MANIFEST_PATH",
];

/// One file's state: size and modification time, or absent.
type Stamp = Option<(u64, u128)>;

#[derive(Serialize, Deserialize)]
struct Entry {
    /// Every file and folder the answer depends on, and its state when the answer was given.
    inputs: Vec<(PathBuf, Stamp)>,
    /// Cargo's answer, as it printed it.
    metadata: Box<serde_json::value::RawValue>,
}

/// Where cargo starts looking: the manifest's folder, else the current folder.
fn start(manifest_path: Option<&Path>) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    Some(match manifest_path {
        Some(m) => cwd.join(m).parent()?.to_path_buf(),
        None => cwd,
    })
}

/// The cache file for this start, if there is a wash home.
fn entry_path(manifest_path: Option<&Path>) -> Option<PathBuf> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::env::current_dir().ok()?.hash(&mut h);
    manifest_path.hash(&mut h);
    for var in ENV {
        std::env::var_os(var).hash(&mut h);
    }
    let dir = crate::home::wash_home()
        .ok()?
        .join("cache")
        .join("metadata");
    Some(dir.join(format!("{:016x}.json", h.finish())))
}

/// The cached answer for this start, if every input is as it was.
pub(super) fn load(manifest_path: Option<&Path>) -> Option<Metadata> {
    let text = std::fs::read(entry_path(manifest_path)?).ok()?;
    let entry: Entry = serde_json::from_slice(&text).ok()?;
    entry
        .inputs
        .iter()
        .all(|(path, was)| crate::artifact::stamp(path) == *was)
        .then(|| serde_json::from_str(entry.metadata.get()).ok())?
}

/// Records cargo's answer (`json`, which `metadata` was parsed from). Best effort.
pub(super) fn store(manifest_path: Option<&Path>, json: &str, metadata: &Metadata) {
    let (Some(path), Some(start)) = (entry_path(manifest_path), start(manifest_path)) else {
        return;
    };
    let Ok(raw) = serde_json::value::RawValue::from_string(json.trim().to_string()) else {
        return;
    };
    let entry = Entry {
        inputs: inputs(&start, metadata),
        metadata: raw,
    };
    if let Ok(bytes) = serde_json::to_vec(&entry) {
        let _ = crate::artifact::write_atomic(&path, &bytes);
    }
}

/// What the answer depends on (see the module's documentation).
fn inputs(start: &Path, metadata: &Metadata) -> Vec<(PathBuf, Stamp)> {
    let root = metadata.workspace_root.as_std_path();
    let mut paths: Vec<PathBuf> = Vec::new();
    for dir in start.ancestors().chain(root.ancestors()) {
        paths.push(dir.join("Cargo.toml"));
        paths.push(dir.join(".cargo").join("config.toml"));
        paths.push(dir.join(".cargo").join("config"));
    }
    if let Ok(home) = crate::home::dir_from_env("CARGO_HOME", ".cargo") {
        paths.push(home.join("config.toml"));
        paths.push(home.join("config"));
    }
    for package in metadata.workspace_packages() {
        let manifest = package.manifest_path.as_std_path();
        paths.push(manifest.to_path_buf());
        // The folder holding a member's folder changes when a member is added beside it (a
        // `members` glob).
        if manifest.parent() != Some(root)
            && let Some(parent) = manifest.parent().and_then(Path::parent)
        {
            paths.push(parent.to_path_buf());
        }
    }
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .map(|p| (p.clone(), crate::artifact::stamp(&p)))
        .collect()
}
