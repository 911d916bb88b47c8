//! What the last push of each file sent, so pushing an unchanged file again costs what it costs
//! skopeo to re-push from an OCI layout: a look at the registry, no reading, hashing or
//! inspecting of the component. An entry is used only while the file has the size and
//! modification time it had when it was read for that push, and the push was asked with the same
//! crate and annotations; the registry must still hold that very manifest and its blobs
//! (checked as for any re-push). Anything else is an ordinary push, which refreshes the entry.
//!
//! Entries live in `$WASH_HOME/cache/push/<key>.json`; a cache that cannot be read or written
//! is as none.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use oci_client::manifest::OciImageManifest;
use serde::{Deserialize, Serialize};

use super::PushOptions;

#[derive(Serialize, Deserialize)]
struct Entry {
    /// The file's size and modification time when it was read.
    stamp: (u64, u128),
    /// What else decided the manifest: the crate and the annotations asked for.
    asked: String,
    /// The manifest pushed.
    manifest: OciImageManifest,
}

/// The file's entry, if it has one: `$WASH_HOME/cache/push/<hash of its absolute path>.json`.
fn entry_path(file: &Path) -> Option<PathBuf> {
    let file = std::fs::canonicalize(file).ok()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    file.hash(&mut h);
    let dir = crate::home::wash_home().ok()?.join("cache").join("push");
    Some(dir.join(format!("{:016x}.json", h.finish())))
}

fn asked(options: &PushOptions) -> String {
    format!("{:?} {:?}", options.package, options.annotations)
}

/// The manifest the last push of `file` sent, if the file and the request are as they were.
pub(super) fn load(file: &Path, options: &PushOptions) -> Option<OciImageManifest> {
    let entry: Entry = serde_json::from_slice(&std::fs::read(entry_path(file)?).ok()?).ok()?;
    (crate::artifact::stamp(file) == Some(entry.stamp) && entry.asked == asked(options))
        .then_some(entry.manifest)
}

/// Records that `manifest` was pushed for `file` as it was at `stamp`. Best effort.
pub(super) fn store(
    file: &Path,
    stamp: Option<(u64, u128)>,
    options: &PushOptions,
    manifest: &OciImageManifest,
) {
    let (Some(path), Some(stamp)) = (entry_path(file), stamp) else {
        return;
    };
    let entry = Entry {
        stamp,
        asked: asked(options),
        manifest: manifest.clone(),
    };
    if let Ok(bytes) = serde_json::to_vec(&entry) {
        let _ = crate::artifact::write_atomic(&path, &bytes);
    }
}
