//! Placing: each component cargo produced is validated and staged for
//! `<target-dir>/wasmcloud/<name>.wasm` (with the package's derived WIT beside it); every later
//! step that changes a staged component does so through [`rewrite`], and [`finish`] writes it
//! once all are done. So a build stopped part way (by an error, or killed) leaves the previous
//! complete component at its path, never a composed but unsigned one. A digest record beside
//! each file lets a no-op build skip hashing and writing what has not changed.

use std::path::{Path, PathBuf};

use super::cargo::WasmArtifact;
use super::{BuildError, BuildStep, BuiltComponent, Reporter};
use crate::artifact;

/// A placed component's bytes as the steps after placing see them. On a no-op build they are
/// not read at all: the file already placed holds them, and its digest record knows their
/// digest and imports, which is all a build that changes nothing needs.
pub(super) struct Staged {
    /// The placed file, which holds the bytes while `bytes` is `None`.
    path: PathBuf,
    bytes: Option<Vec<u8>>,
    /// The component's top-level imports, when known.
    imports: Option<Vec<String>>,
    /// Whether the bytes may differ from what the component's path holds.
    dirty: bool,
    /// Whether the bytes were rewritten since their digest was taken: it is taken once, when
    /// the last step is done ([`finish`]).
    rehash: bool,
    /// While the bytes are unread: the size and modification time the file had when its
    /// record was trusted. It must still have them when it is read.
    stamp: Option<(u64, u128)>,
}

impl Staged {
    /// The bytes, read from the file on first use. A file changed since its record was trusted
    /// (by another cargo or wash in the same target directory) is an error, not other bytes.
    pub fn bytes(&mut self) -> Result<&[u8], BuildError> {
        if self.bytes.is_none() {
            let bytes = artifact::read(&self.path)?;
            if self.stamp.is_some() && artifact::stamp(&self.path) != self.stamp {
                return Err(BuildError::ChangedDuringBuild {
                    path: self.path.clone(),
                });
            }
            self.bytes = Some(bytes);
        }
        Ok(self.bytes.as_deref().unwrap_or_default())
    }

    /// The component's top-level imports.
    pub fn imports(&mut self) -> Result<Vec<String>, BuildError> {
        if self.imports.is_none() {
            self.imports = Some(artifact::component_imports(self.bytes()?));
        }
        Ok(self.imports.clone().unwrap_or_default())
    }
}

/// Validates and stages one package's components.
pub(super) fn package(
    package: &cargo_metadata::Package,
    artifacts: &[&WasmArtifact],
    out_dir: &Path,
    reporter: &dyn Reporter,
) -> Result<Vec<(BuiltComponent, Staged)>, BuildError> {
    let mut built = Vec::new();
    for a in artifacts {
        let name = if a.is_lib {
            package.name.to_string()
        } else {
            a.target_name.clone()
        };
        reporter.step(BuildStep::Placing(&name));
        let dest = out_dir.join(format!("{name}.wasm"));
        let (size, digest, staged) = place(&a.path, &dest, a.fresh)?;
        let component = BuiltComponent {
            package: package.name.to_string(),
            name,
            path: dest,
            size,
            digest,
            wit: None,
            composed_from: Vec::new(),
            open_imports: Vec::new(),
            signed_by: Vec::new(),
        };
        built.push((component, staged));
    }
    Ok(built)
}

/// Replaces a staged component's bytes (composed, virtualized or signed), keeping its size in
/// step; its digest is taken by [`finish`].
pub(super) fn rewrite(c: &mut BuiltComponent, staged: &mut Staged, bytes: Vec<u8>) {
    c.size = bytes.len() as u64;
    c.digest.clear();
    staged.imports = None;
    staged.bytes = Some(bytes);
    staged.dirty = true;
    staged.rehash = true;
}

/// Whether the file at `c`'s path is exactly as recorded; if so, `c` takes its size and
/// digest from the record, and the file needs neither reading nor writing.
pub(super) fn adopt_placed(c: &mut BuiltComponent) -> bool {
    let Some(r) = recorded(&c.path) else {
        return false;
    };
    c.size = r.size;
    c.digest = r.digest;
    true
}

/// Writes a staged component to its path (atomically), unless the path already holds exactly
/// these bytes.
pub(super) fn finish(c: &mut BuiltComponent, staged: &mut Staged) -> Result<(), BuildError> {
    if staged.rehash {
        c.digest = artifact::sha256_digest(staged.bytes()?);
        staged.rehash = false;
    }
    let same = |r: Record| r.size == c.size && r.digest == c.digest;
    if !staged.dirty || recorded(&c.path).is_some_and(same) {
        return Ok(());
    }
    let imports = staged.imports()?;
    let bytes = staged.bytes()?;
    artifact::write_atomic(&c.path, bytes)?;
    record(&c.path, &c.digest, &imports);
    Ok(())
}

/// Writes the package's derived WIT to `<out>/wit/<package>.wit`, where tools that want the
/// WIT without decoding the component (wkg, wit-bindgen, other languages) can read it.
pub(super) fn derived_wit(
    package: &cargo_metadata::Package,
    config: &crate::config::WasmcloudConfig,
    out_dir: &Path,
) -> Result<Option<PathBuf>, BuildError> {
    let Some(derived) = crate::wit::derive(package, config)? else {
        return Ok(None);
    };
    let path = out_dir.join("wit").join(format!("{}.wit", package.name));
    if std::fs::read_to_string(&path).ok().as_deref() != Some(derived.wit.as_str()) {
        artifact::write_atomic(&path, derived.wit.as_bytes())?;
    }
    Ok(Some(path))
}

/// Validates `src` and stages it for `dest`. When cargo reused a fresh artifact, nothing is
/// read: if `dest` is already its copy, the record beside `dest` is trusted; if `dest` is what
/// later steps made of it (composed, signed), the record of the source last placed there is.
fn place(src: &Path, dest: &Path, fresh: bool) -> Result<(u64, String, Staged), BuildError> {
    if fresh
        && is_same_copy(src, dest)
        && let Some(r) = recorded(dest)
    {
        let staged = Staged {
            path: dest.to_path_buf(),
            bytes: None,
            imports: r.imports,
            dirty: false,
            rehash: false,
            stamp: Some(r.stamp),
        };
        return Ok((r.size, r.digest, staged));
    }
    if fresh
        && let Some(r) = read_record(&source_record_path(dest), src)
        && r.imports.is_some()
    {
        let dirty = recorded(dest).is_none_or(|d| d.digest != r.digest);
        let staged = Staged {
            path: src.to_path_buf(),
            bytes: None,
            imports: r.imports,
            dirty,
            rehash: false,
            stamp: Some(r.stamp),
        };
        return Ok((r.size, r.digest, staged));
    }
    let bytes = artifact::read(src)?;
    if !artifact::is_component(&bytes) {
        return Err(BuildError::NotAComponent {
            path: src.to_path_buf(),
        });
    }
    artifact::validate_component(&bytes).map_err(|source| BuildError::Invalid {
        path: src.to_path_buf(),
        source,
    })?;
    let digest = artifact::sha256_digest(&bytes);
    // `wash inspect` and `wash push` of this output then need not validate it again.
    artifact::record_valid(&digest);
    let imports = artifact::component_imports(&bytes);
    write_record(&source_record_path(dest), src, &digest, &imports);
    let size = bytes.len() as u64;
    let staged = Staged {
        path: dest.to_path_buf(),
        bytes: Some(bytes),
        imports: Some(imports),
        dirty: true,
        rehash: false,
        stamp: None,
    };
    Ok((size, digest, staged))
}

/// `<dir>/.<name>.wasm.digest`: what is known of the placed file when it was written — its
/// size, modification time and digest on the first line, its top-level imports one per line
/// after it.
fn record_path(dest: &Path) -> PathBuf {
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    dest.with_file_name(format!(".{name}.digest"))
}

/// `<dir>/.<name>.wasm.source`: the same, of the cargo output last validated and placed at
/// `<dir>/<name>.wasm` (which differs from it once composed, virtualized or signed).
fn source_record_path(dest: &Path) -> PathBuf {
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    dest.with_file_name(format!(".{name}.source"))
}

fn record(dest: &Path, digest: &str, imports: &[String]) {
    write_record(&record_path(dest), dest, digest, imports);
}

/// Records `file` (as it is now: size, modification time) with its digest and imports at
/// `record`.
fn write_record(record: &Path, file: &Path, digest: &str, imports: &[String]) {
    if let Some((size, mtime)) = artifact::stamp(file) {
        let mut text = format!("{size} {mtime} {digest}\n");
        for import in imports {
            text.push_str(import);
            text.push('\n');
        }
        // Best effort: without the record the next build reads and hashes the file again.
        let _ = std::fs::write(record, text);
    }
}

/// What the record beside a placed file says of it.
struct Record {
    size: u64,
    /// The file's size and modification time, as recorded (and found).
    stamp: (u64, u128),
    digest: String,
    /// `None` in a record written before imports were recorded.
    imports: Option<Vec<String>>,
}

/// The record of the placed file at `dest`, if it is still exactly as it was when recorded.
fn recorded(dest: &Path) -> Option<Record> {
    read_record(&record_path(dest), dest)
}

/// The record at `record`, if `file` is still exactly as it was when recorded.
fn read_record(record: &Path, file: &Path) -> Option<Record> {
    let text = std::fs::read_to_string(record).ok()?;
    let mut lines = text.lines();
    let mut fields = lines.next()?.split(' ');
    let size: u64 = fields.next()?.parse().ok()?;
    let mtime: u128 = fields.next()?.parse().ok()?;
    let digest = fields.next()?;
    if artifact::stamp(file)? != (size, mtime) || !digest.starts_with("sha256:") {
        return None;
    }
    Some(Record {
        size,
        stamp: (size, mtime),
        digest: digest.to_string(),
        imports: text
            .contains('\n')
            .then(|| lines.map(str::to_string).collect()),
    })
}

fn is_same_copy(src: &Path, dest: &Path) -> bool {
    let (Ok(s), Ok(d)) = (std::fs::metadata(src), std::fs::metadata(dest)) else {
        return false;
    };
    match (s.modified(), d.modified()) {
        (Ok(sm), Ok(dm)) => s.len() == d.len() && dm >= sm,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh cargo output whose record is trusted is read only when a step needs it; if it
    /// changed in between, that is an error, never other bytes.
    #[test]
    fn a_trusted_output_changed_before_it_is_read_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (src, dest) = (dir.path().join("out.wasm"), dir.path().join("app.wasm"));
        std::fs::write(&src, b"cargo's output").unwrap();
        write_record(&source_record_path(&dest), &src, "sha256:00", &[]);

        let (_, digest, mut staged) = place(&src, &dest, true).unwrap();
        assert_eq!(digest, "sha256:00");
        assert!(
            staged.bytes.is_none(),
            "a trusted record means nothing is read"
        );
        assert_eq!(staged.bytes().unwrap(), b"cargo's output");

        let (_, _, mut staged) = place(&src, &dest, true).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(10));
        std::fs::write(&src, b"another build's output").unwrap();
        assert!(matches!(
            staged.bytes(),
            Err(BuildError::ChangedDuringBuild { path }) if path == src
        ));
    }
}
