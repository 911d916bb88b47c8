//! Where wash keeps what it writes for the user (SDK copies, keys, the registry cache).

use std::path::PathBuf;

/// Where wash keeps what it writes for the user: `$WASH_HOME`, else `~/.wash`.
pub fn wash_home() -> PathBuf {
    match std::env::var_os("WASH_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir)
            .join(".wash"),
    }
}
