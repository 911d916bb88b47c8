//! Reading a crate's Rust sources, so the WIT can be derived from all of them at once.

use std::path::{Path, PathBuf};

use crate::collect::SourceFile;

/// A source file that could not be read or parsed.
#[derive(Debug)]
pub enum ScanError {
    /// Reading failed.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid Rust.
    Parse {
        /// The file.
        path: PathBuf,
        /// Where and what.
        error: syn::Error,
    },
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScanError::Io { path, source } => {
                write!(f, "could not read `{}`: {source}", path.display())
            }
            ScanError::Parse { path, error } => {
                let at = error.span().start();
                write!(
                    f,
                    "{}:{}:{}: {error}",
                    path.display(),
                    at.line,
                    at.column + 1
                )
            }
        }
    }
}

impl std::error::Error for ScanError {}

/// Parses every `.rs` file under `<crate>/src` (binaries in `src/bin/` excepted: they are
/// crates of their own), each with the module path its location gives it.
pub fn scan_crate(manifest_dir: &Path) -> Result<Vec<SourceFile>, ScanError> {
    let src = manifest_dir.join("src");
    let mut paths = Vec::new();
    walk(&src, &mut paths)?;
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let rel = path.strip_prefix(&src).unwrap_or(&path).to_path_buf();
        if rel.starts_with("bin") {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|source| ScanError::Io {
            path: path.clone(),
            source,
        })?;
        let file = syn::parse_file(&text).map_err(|error| ScanError::Parse {
            path: path.clone(),
            error,
        })?;
        let mut module: Vec<String> = rel
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(
            module.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            module.pop();
        }
        files.push(SourceFile { path, module, file });
    }
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ScanError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ScanError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| ScanError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}
