//! Components known to be valid, by content: `$WASH_HOME/cache/valid/<wash version>/<sha256>`.
//!
//! Validating every function body is most of what `wash inspect` costs on a large component
//! (bench/startup-inspect.sh). The answer is a function of the bytes and of the validator, so it
//! is kept under the bytes' SHA-256 (which inspect takes anyway) and wash's version (which pins
//! the validator and its features): the same bytes are not validated twice. A file that changes
//! by one byte has another digest and is validated afresh; an entry can only be forged by
//! someone who can write to `$WASH_HOME`, who could as well replace wash's cached blobs. An
//! entry that cannot be read or written is as none.

use std::path::PathBuf;

fn entry(digest: &str) -> Option<PathBuf> {
    let hex = digest.strip_prefix("sha256:")?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let home = crate::home::wash_home().ok()?;
    Some(
        home.join("cache")
            .join("valid")
            .join(env!("CARGO_PKG_VERSION"))
            .join(hex),
    )
}

/// Whether the component with this digest was validated (with [`super::validate_component`])
/// and found valid.
pub fn known_valid(digest: &str) -> bool {
    entry(digest).is_some_and(|p| p.is_file())
}

/// Records that the component with this digest passed [`super::validate_component`]. Best effort.
pub fn record_valid(digest: &str) {
    if let Some(path) = entry(digest)
        && !path.is_file()
    {
        let _ = super::write_atomic(&path, b"");
    }
}
