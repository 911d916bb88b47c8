//! Facts about, and safe writes of, the files wash produces: digests, sizes, validation, and
//! writing through a temporary file and a rename so a reader never sees half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

mod read;
mod types_only;
mod validated;
pub use types_only::TypesOnly;
pub use validated::{known_valid, record_valid};

/// What can go wrong writing or reading an artifact.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The file could not be read.
    #[error("could not read `{path}`")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file could not be written (nothing was left at `path`).
    #[error("could not write `{path}`")]
    Write {
        /// The destination.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// `sha256:<hex>`, the digest form OCI registries and `wash inspect` use.
pub fn sha256_digest(bytes: &[u8]) -> String {
    digest_text(Sha256::digest(bytes).into())
}

/// `sha256:<hex>` of a SHA-256 hash.
fn digest_text(hash: [u8; 32]) -> String {
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A file's size and modification time (nanoseconds since the epoch), or `None` when it does
/// not exist: how caches tell whether a file is still exactly as it was when they read it.
pub fn stamp(path: &Path) -> Option<(u64, u128)> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some((meta.len(), mtime.as_nanos()))
}

/// A file's size in bytes, naming it in the error.
pub fn size(path: &Path) -> Result<u64, ArtifactError> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|source| ArtifactError::Read {
            path: path.to_path_buf(),
            source,
        })
}

/// An empty buffer for `capacity` bytes about to be written in one go (a copy of a component,
/// a signed one): above 2 MiB backed by transparent huge pages, as files read whole are, so
/// filling it costs one page fault per 2 MiB instead of one per 4 KiB.
pub fn buffer(capacity: usize) -> Vec<u8> {
    read::buffer(capacity)
}

/// A copy of `bytes` in a [`buffer`].
pub fn copy_of(bytes: &[u8]) -> Vec<u8> {
    let mut copy = buffer(bytes.len());
    copy.extend_from_slice(bytes);
    copy
}

/// Reads a whole file, naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>, ArtifactError> {
    read::whole(path).map_err(|source| ArtifactError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a whole file and takes its [`sha256_digest`], the hash a piece behind the read on
/// another core; names the file in the error.
pub fn read_hashed(path: &Path) -> Result<(Vec<u8>, String), ArtifactError> {
    match read::whole_hashed(path) {
        Ok((bytes, hash)) => Ok((bytes, digest_text(hash))),
        Err(source) => Err(ArtifactError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// [`read_hashed`], and what `then` makes of the whole file: run as soon as the last byte is
/// read, while the hash of the last pieces is still being taken.
pub fn read_hashed_then<T>(
    path: &Path,
    then: impl FnOnce(&[u8]) -> T,
) -> Result<(Vec<u8>, String, T), ArtifactError> {
    match read::whole_hashed_then(path, then) {
        Ok((bytes, hash, made)) => Ok((bytes, digest_text(hash), made)),
        Err(source) => Err(ArtifactError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// [`read_hashed`], each piece of the file handed to `each` as soon as it is read.
pub fn read_in_pieces(
    path: &Path,
    each: impl FnMut(bytes::Bytes),
) -> Result<(Vec<u8>, String), ArtifactError> {
    match read::in_pieces(path, each) {
        Ok((bytes, hash)) => Ok((bytes, digest_text(hash))),
        Err(source) => Err(ArtifactError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, then a rename.
/// On failure the destination is untouched and the temporary file is removed. The file gets
/// the mode the user's umask gives a new file (`0644` under umask 022), as cargo's outputs do:
/// a component built by one user is readable by the server that runs it as another.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ArtifactError> {
    write_atomic_mode(path, bytes, 0o666)
}

/// [`write_atomic`] for a file that holds secrets: owner-only (`0600`) from its creation, so
/// there is no moment another user could read it.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ArtifactError> {
    write_atomic_mode(path, bytes, 0o600)
}

/// [`write_atomic`], with `check` (say, validating `bytes`) run on another thread while the bytes
/// are written: the file is put in place only if `check` passes. If it fails, nothing is left
/// behind and its error is returned inside `Ok`.
pub fn write_atomic_if<E: Send>(
    path: &Path,
    bytes: &[u8],
    check: impl FnOnce() -> Result<(), E> + Send,
) -> Result<Result<(), E>, ArtifactError> {
    std::thread::scope(|scope| {
        let checking = scope.spawn(check);
        let written = write_temp(path, bytes, 0o666);
        let checked = checking.join().expect("the check does not panic");
        let tmp = written?;
        if let Err(e) = checked {
            return Ok(Err(e));
        }
        persist(path, tmp)?;
        Ok(Ok(()))
    })
}

fn write_atomic_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<(), ArtifactError> {
    let tmp = write_temp(path, bytes, mode)?;
    persist(path, tmp)
}

fn persist(path: &Path, tmp: tempfile::NamedTempFile) -> Result<(), ArtifactError> {
    #[cfg(target_os = "linux")]
    let tmp = match exchange(&tmp, path) {
        Ok(()) => return Ok(()),
        Err(_) => tmp,
    };
    tmp.persist(path).map_err(|e| ArtifactError::Write {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

/// Puts the temporary file's bytes at an existing `path` by swapping the two names in one step
/// (`RENAME_EXCHANGE`), then removes the old bytes, now under the temporary name (dropping
/// `tmp` does). A reader sees the old file or the new one, as with a rename; but ext4, which
/// writes a renamed-over file's replacement out to disk before the rename returns
/// (`auto_da_alloc`: about 5 ms for a 6 MB component, bench/compose-virt.sh), does not for an
/// exchange. Fails, changing nothing, where `path` does not exist yet or the file system cannot
/// exchange; the caller then renames.
#[cfg(target_os = "linux")]
fn exchange(tmp: &tempfile::NamedTempFile, path: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    if !std::fs::symlink_metadata(path)?.is_file() {
        return Err(std::io::ErrorKind::InvalidInput.into());
    }
    renameat_with(CWD, tmp.path(), CWD, path, RenameFlags::EXCHANGE)?;
    Ok(())
}

/// Writes `bytes` to a new temporary file beside `path` (removed again when dropped).
fn write_temp(
    path: &Path,
    bytes: &[u8],
    mode: u32,
) -> Result<tempfile::NamedTempFile, ArtifactError> {
    let err = |source| ArtifactError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    remove_stale_temps(dir, TEMP_PREFIX);
    let prefix = temp_prefix(TEMP_PREFIX);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    // The mode is asked at creation, so the umask applies as to any new file (tempfile's own
    // default, 0600, would survive the rename).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut tmp = builder.tempfile_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    // No fsync: the rename already means no reader ever sees a partial file, and like cargo's
    // outputs these are rebuildable; syncing cost several ms per write (bench/compose-virt.sh).
    Ok(tmp)
}

/// The start of the name of every temporary file [`write_atomic`] makes.
pub const TEMP_PREFIX: &str = ".wash-tmp-";

/// `BASE<pid>-`: a temporary file's name says which process is writing it, so a later run can
/// tell the leftovers of a killed one from the work of one still running.
pub fn temp_prefix(base: &str) -> String {
    format!("{base}{}-", std::process::id())
}

/// Removes the temporary files (named by [`temp_prefix`] with `base`) in `dir` that a process
/// no longer running left behind: a wash killed mid-write leaves one, and the next write into
/// the same folder cleans it. Best effort: what cannot be read or removed is left alone.
pub fn remove_stale_temps(dir: &Path, base: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(base)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid, &entry) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` may still be writing `entry`: on Linux, whether it runs; elsewhere,
/// whether the file changed in the last hour.
fn process_alive(pid: u32, entry: &std::fs::DirEntry) -> bool {
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        return proc.join(pid.to_string()).exists();
    }
    entry
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_none_or(|age| age < std::time::Duration::from_secs(3600))
}

/// Runs `f`, a dependency's code on untrusted bytes, turning a panic inside it into `None`
/// without its message on the terminal (see [`wash_compose::contain_panic`]).
pub fn contain_panic<T>(f: impl FnOnce() -> T) -> Option<T> {
    wash_compose::contain_panic(f)
}

/// Whether `bytes` start like a WebAssembly component (as opposed to a core module).
pub fn is_component(bytes: &[u8]) -> bool {
    wasmparser::Parser::is_component(bytes)
}

/// Whether `bytes` start with the WebAssembly magic number at all.
pub fn is_wasm(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\0asm")
}

/// Fully validates a component, with the features wasm-tools enables by default.
/// Function bodies are validated on every core.
pub fn validate_component(bytes: &[u8]) -> Result<(), wasmparser::BinaryReaderError> {
    wash_compose::validate(bytes, wasmparser::WasmFeatures::default())
}

/// [`validate_component`], but for the function bodies of the core modules in `validated`
/// (modules [`validate_component`] passed before; see [`crate::compose::validate_trusting`]).
pub fn validate_component_trusting(
    bytes: &[u8],
    validated: &[&[u8]],
) -> Result<(), wasmparser::BinaryReaderError> {
    wash_compose::validate_trusting(bytes, wasmparser::WasmFeatures::default(), validated)
}

/// [`validate_component`] but for the function bodies: the module and component structure,
/// types, imports and exports. Much quicker; enough before parsing the component's types.
pub fn validate_structure(bytes: &[u8]) -> Result<(), wasmparser::BinaryReaderError> {
    let mut validator =
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::default());
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        validator.payload(&payload?)?;
    }
    Ok(())
}

/// The names of a component's top-level imports, read from its own sections only: nested
/// modules and components are skipped over, not parsed, so this stays cheap on a no-op build.
pub fn component_imports(bytes: &[u8]) -> Vec<String> {
    top_level_names(bytes, true)
}

/// The names of a component's top-level exports (read as [`component_imports`] reads imports).
pub fn component_exports(bytes: &[u8]) -> Vec<String> {
    top_level_names(bytes, false)
}

fn top_level_names(bytes: &[u8], imports: bool) -> Vec<String> {
    use wasmparser::{Chunk, Parser, Payload};
    let mut names = Vec::new();
    let mut parser = Parser::new(0);
    let mut offset = 0;
    while let Some(rest) = bytes.get(offset..)
        && let Ok(Chunk::Parsed { consumed, payload }) = parser.parse(rest, true)
    {
        offset += consumed;
        match payload {
            Payload::ComponentImportSection(reader) if imports => {
                names.extend(
                    reader
                        .into_iter()
                        .flatten()
                        .map(|i| i.name.name.to_string()),
                );
            }
            Payload::ComponentExportSection(reader) if !imports => {
                names.extend(
                    reader
                        .into_iter()
                        .flatten()
                        .map(|e| e.name.name.to_string()),
                );
            }
            Payload::ModuleSection {
                unchecked_range, ..
            }
            | Payload::ComponentSection {
                unchecked_range, ..
            } => {
                offset += (unchecked_range.end - unchecked_range.start) as usize;
            }
            Payload::End(_) => break,
            _ => {}
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacing_a_file_puts_new_bytes_under_the_name_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.wasm");
        write_atomic(&path, b"old").unwrap();
        // A second name for the old bytes: a replacement must not write into them.
        let other = dir.path().join("other-name");
        std::fs::hard_link(&path, &other).unwrap();
        write_atomic(&path, b"new bytes").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new bytes");
        assert_eq!(std::fs::read(&other).unwrap(), b"old");
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["other-name", "out.wasm"]);
        // A symlink in the way is replaced by the file, as a rename would.
        let link = dir.path().join("link.wasm");
        std::os::unix::fs::symlink(&other, &link).unwrap();
        write_atomic(&link, b"through").unwrap();
        assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read(&other).unwrap(), b"old");
    }
}
