//! The SDK crates templates depend on (`{{wash-sdk-path}}`): embedded in the binary and copied
//! into each new project that uses them, since they are not on a registry yet.

use std::path::Path;

use include_dir::{Dir, include_dir};

use super::{TemplateFile, collect_builtin};

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

/// Where a project keeps its copy of the SDK crates, relative to its root.
pub const VENDOR_DIR: &str = "vendor";

/// The SDK crates as files under [`VENDOR_DIR`] (`vendor/wash-sdk/…`, `vendor/wash-macros/…`,
/// `vendor/wash-derive/…`), for a new project to carry. They are not on a registry yet; a copy
/// inside the project (as `cargo vendor` makes one) keeps it building wherever it is cloned,
/// whatever the user's home, and lets rust-analyzer and `cargo check` resolve it.
pub fn vendored_files() -> Vec<TemplateFile> {
    let mut files = Vec::new();
    for (name, dir) in &SDK {
        let mut crate_files = Vec::new();
        collect_builtin(dir, Path::new(""), &mut crate_files);
        files.extend(crate_files.into_iter().map(|mut f| {
            f.path = Path::new(VENDOR_DIR).join(name).join(&f.path);
            f
        }));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// `{{wash-sdk-path}}` as a file at `rel` (relative to the project root) writes it: the
/// vendored `wash-sdk`, relative to that file's folder.
pub fn relative_sdk_path(rel: &Path) -> String {
    let depth = rel.parent().map_or(0, |p| p.components().count());
    let mut path = "../".repeat(depth);
    path.push_str(VENDOR_DIR);
    path.push_str("/wash-sdk");
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_path_is_relative_to_the_file_that_names_it() {
        assert_eq!(
            relative_sdk_path(Path::new("Cargo.toml")),
            "vendor/wash-sdk"
        );
        assert_eq!(
            relative_sdk_path(Path::new("front/Cargo.toml")),
            "../vendor/wash-sdk"
        );
        let files = vendored_files();
        assert!(
            files
                .iter()
                .any(|f| f.path == Path::new("vendor/wash-sdk/Cargo.toml"))
        );
        assert!(
            files
                .iter()
                .any(|f| f.path == Path::new("vendor/wash-derive/Cargo.toml"))
        );
    }
}
