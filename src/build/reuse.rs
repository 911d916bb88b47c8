//! Reusing what the steps after placing (compose, virtualize, sign) made last time, when
//! nothing they read has changed: a `wash build` that changes nothing then reads, validates and
//! hashes nothing, as a no-op `cargo build` compiles nothing.
//!
//! What the steps read is summed up in a key: this wash binary, the component's own input (the
//! cargo output, by digest), the other components of the build offered to it (by digest), its
//! `[package.metadata.wasmcloud]` and the public half of each key it is signed with. The key
//! and what the steps reported are recorded beside the finished file in `.<name>.wasm.steps`;
//! the file itself must still be exactly as recorded (size, modification time). Steps that
//! read anything else — a plug file or registry reference named in `compose.plugs`, a folder
//! mounted by `virt` — are always run.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::place;
use super::{BuiltComponent, Reporter};
use crate::config::WasmcloudConfig;
use crate::sign::KeyStore;

/// What the steps reported, recorded with their key.
#[derive(serde::Serialize, serde::Deserialize)]
struct Recorded {
    key: String,
    composed_from: Vec<String>,
    open_imports: Vec<String>,
    signed_by: Vec<String>,
}

/// The key of the steps `c` goes through, or `None` when they read something outside the build
/// (see the module docs). `inputs` are the build's components as placed (name, digest);
/// `wanted` the imports of `c` the build's components may answer.
pub(super) fn key(
    c: &BuiltComponent,
    inputs: &[(&str, &str)],
    wanted: &[String],
    config: &WasmcloudConfig,
    store: &KeyStore,
) -> Option<String> {
    let outside_plug = config
        .compose_plugs
        .iter()
        .any(|p| !inputs.iter().any(|(name, _)| name == p));
    let mounts = config.virt.as_ref().is_some_and(|v| !v.mounts.is_empty());
    if outside_plug || mounts {
        return None;
    }
    let mut h = Sha256::new();
    let mut put = |part: &str| {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    };
    put(env!("CARGO_PKG_VERSION"));
    put(&this_binary()?);
    put(&c.name);
    put(&c.digest);
    if !wanted.is_empty() {
        for (name, digest) in inputs {
            put(name);
            put(digest);
        }
    }
    put(&format!("{config:?}"));
    for name in config.sign.iter().flat_map(|s| &s.keys) {
        put(&store.signing(name).ok()?.public.info.public_key);
    }
    Some(format!("{:x}", h.finalize()))
}

/// Whether the finished component at `c`'s path is what its steps make with `key`: they were
/// run with it and the file is as they left it. If so, `c` gets what they reported, and open
/// imports are reported again (as cargo repeats a fresh crate's warnings).
pub(super) fn reuse(
    c: &mut BuiltComponent,
    key: &str,
    manifest: &Path,
    reporter: &dyn Reporter,
) -> bool {
    let Some(recorded) = std::fs::read(record_path(&c.path))
        .ok()
        .and_then(|text| serde_json::from_slice::<Recorded>(&text).ok())
    else {
        return false;
    };
    if recorded.key != key || !place::adopt_placed(c) {
        return false;
    }
    if !recorded.open_imports.is_empty() {
        reporter.open_imports(&c.name, manifest, &recorded.open_imports);
    }
    c.composed_from = recorded.composed_from;
    c.open_imports = recorded.open_imports;
    c.signed_by = recorded.signed_by;
    true
}

/// Records that the steps run with `key` made the finished `c` (once it is written).
pub(super) fn remember(c: &BuiltComponent, key: &str) {
    let recorded = Recorded {
        key: key.to_string(),
        composed_from: c.composed_from.clone(),
        open_imports: c.open_imports.clone(),
        signed_by: c.signed_by.clone(),
    };
    let json = serde_json::to_vec(&recorded).expect("the record serializes");
    // Best effort: without it the next build runs the steps again.
    let _ = crate::artifact::write_atomic(&record_path(&c.path), &json);
}

/// Forgets the steps recorded for `c`, before its file is replaced.
pub(super) fn forget(c: &BuiltComponent) {
    let _ = std::fs::remove_file(record_path(&c.path));
}

fn record_path(dest: &Path) -> PathBuf {
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    dest.with_file_name(format!(".{name}.steps"))
}

/// This wash binary, by path, size and modification time: a rebuilt wash may compose or sign
/// differently, so it runs the steps again.
fn this_binary() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let (size, mtime) = crate::artifact::stamp(&exe)?;
    Some(format!("{} {size} {mtime}", exe.display()))
}
