//! The SDK crates templates depend on (`{{wash-sdk-path}}`): embedded in the binary and written
//! out once per content, since they are not on a registry yet.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use super::{TemplateError, collect_builtin, io};

/// The SDK crates (`wash-sdk`, `wash-macros`, `wash-derive`).
/// Each one on its own: `crates/` also holds the virtual adapter crate and its build output.
static SDK: [(&str, Dir<'static>); 3] = [
    (
        "wash-sdk",
        include_dir!("$CARGO_MANIFEST_DIR/crates/wash-sdk"),
    ),
    (
        "wash-macros",
        include_dir!("$CARGO_MANIFEST_DIR/crates/wash-macros"),
    ),
    (
        "wash-derive",
        include_dir!("$CARGO_MANIFEST_DIR/crates/wash-derive"),
    ),
];

/// The `wash-sdk` crate, written under `<wash home>/sdk/<version>-<content hash>/` the first
/// time a template needs it (content-addressed, so two wash versions never share a copy).
pub fn sdk_path() -> Result<PathBuf, TemplateError> {
    let mut files = Vec::new();
    for (name, dir) in &SDK {
        let mut crate_files = Vec::new();
        collect_builtin(dir, Path::new(""), &mut crate_files);
        files.extend(crate_files.into_iter().map(|mut f| {
            f.path = Path::new(name).join(&f.path);
            f
        }));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut all = Vec::new();
    for f in &files {
        all.extend_from_slice(f.path.to_string_lossy().as_bytes());
        all.push(0);
        all.extend_from_slice(&f.contents);
    }
    let digest = crate::artifact::sha256_digest(&all);
    let home = crate::home::wash_home().map_err(TemplateError::NoHome)?;
    let dir = home.join("sdk").join(format!(
        "{}-{}",
        env!("CARGO_PKG_VERSION"),
        &digest["sha256:".len().."sha256:".len() + 12]
    ));
    let sdk = dir.join("wash-sdk");
    if sdk.join("Cargo.toml").is_file() {
        return Ok(sdk);
    }
    let parent = dir.parent().expect("has a parent");
    std::fs::create_dir_all(parent).map_err(io("create", parent))?;
    let staging = tempfile::Builder::new()
        .prefix(".wash-sdk-")
        .tempdir_in(parent)
        .map_err(io("create a temporary folder in", parent))?;
    for f in &files {
        let target = staging.path().join(&f.path);
        if let Some(d) = target.parent() {
            std::fs::create_dir_all(d).map_err(io("create", d))?;
        }
        std::fs::write(&target, &f.contents).map_err(io("write", &target))?;
    }
    let staged = staging.keep();
    if std::fs::rename(&staged, &dir).is_err() {
        // Another wash wrote the same content first: use theirs.
        let _ = std::fs::remove_dir_all(&staged);
    }
    Ok(sdk)
}
