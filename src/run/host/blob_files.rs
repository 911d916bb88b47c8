//! `wasi:blobstore` on plain files (the default): `<root>/<container>/<object>`, one folder per
//! container and one file per object, so what a component stored can be looked at with `ls`
//! and `cat`.
//!
//! - Names are any UTF-8 in the WIT; on disk each is percent-encoded: letters, digits, `-`,
//!   `_`, `~` and `.` (not first) stay as they are, every other byte is `%XX`. `a/../b` is
//!   the file `a%2F..%2Fb`, so no name reaches outside its folder, and `.` and `..` cannot be
//!   names. The empty name is refused.
//! - An object is written to a hidden temp file (`.wash-tmp-…`) in its container's folder and
//!   renamed over the old one: a reader sees the old object or the new one, never half of one.
//!   Copies go the same way; a move is a rename.
//! - `created-at` is the file's (or folder's) creation time where the file system keeps one,
//!   else its modification time, in seconds since the Unix epoch.
//! - Listings skip hidden files and any file whose name no object encodes to (one copied in
//!   by hand as `my file.txt`, say), and are sorted.

use std::fs;
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::UNIX_EPOCH;

use bytes::Bytes;

use super::blob_backend::{BlobError, ObjectStat, clamp};

/// The folder of container folders.
pub struct FileBlobs {
    root: PathBuf,
}

/// Temp files written so far by this process, for unique names.
static TEMP: AtomicU64 = AtomicU64::new(0);

/// `name` as a file name: see the module docs.
fn encode(what: &'static str, name: &str) -> Result<String, BlobError> {
    if name.is_empty() {
        return Err(BlobError::Name {
            what,
            name: name.into(),
            rule: "is empty",
        });
    }
    let mut out = String::with_capacity(name.len());
    for (i, b) in name.bytes().enumerate() {
        let plain =
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') || b == b'.' && i > 0;
        if plain {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(out)
}

/// The name a file name encodes, if it is one [`encode`] makes.
fn decode(file: &str) -> Option<String> {
    let bytes = file.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let name = String::from_utf8(out).ok()?;
    (encode("object", &name).ok()? == file).then_some(name)
}

fn io(doing: String) -> impl FnOnce(std::io::Error) -> BlobError {
    move |source| BlobError::Io { doing, source }
}

/// Seconds since the Unix epoch the file was created (or last modified).
fn created_at(meta: &fs::Metadata) -> u64 {
    meta.created()
        .or_else(|_| meta.modified())
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs())
}

/// Runs file work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// Writes `body` to a temp file in `dir`, then renames it to `dest`.
fn write_atomically(dir: &Path, dest: &Path, body: &[u8], doing: &str) -> Result<(), BlobError> {
    let n = TEMP.fetch_add(1, Ordering::Relaxed);
    let temp = dir.join(format!(".wash-tmp-{}-{n}", std::process::id()));
    let written = fs::write(&temp, body).and_then(|()| fs::rename(&temp, dest));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written.map_err(io(doing.to_string()))
}

impl FileBlobs {
    /// A store in `root` (created with the first container).
    pub fn new(root: &Path) -> FileBlobs {
        FileBlobs {
            root: root.to_path_buf(),
        }
    }

    fn dir(&self, container: &str) -> Result<PathBuf, BlobError> {
        Ok(self.root.join(encode("container", container)?))
    }

    /// The container's folder, which must exist.
    fn existing(&self, container: &str) -> Result<PathBuf, BlobError> {
        let dir = self.dir(container)?;
        if dir.is_dir() {
            Ok(dir)
        } else {
            Err(BlobError::NoContainer(container.into()))
        }
    }

    fn object(&self, container: &str, object: &str) -> Result<(PathBuf, PathBuf), BlobError> {
        let dir = self.existing(container)?;
        let file = dir.join(encode("object", object)?);
        Ok((dir, file))
    }

    pub async fn create_container(&self, name: &str) -> Result<(), BlobError> {
        let dir = self.dir(name)?;
        let doing = format!("create container `{name}` at `{}`", dir.display());
        blocking(move || fs::create_dir_all(&dir).map_err(io(doing))).await
    }

    pub async fn container_exists(&self, name: &str) -> Result<bool, BlobError> {
        Ok(self.dir(name)?.is_dir())
    }

    pub async fn container_created(&self, name: &str) -> Result<u64, BlobError> {
        let dir = self.existing(name)?;
        let meta = fs::metadata(&dir).map_err(io(format!("read `{}`", dir.display())))?;
        Ok(created_at(&meta))
    }

    pub async fn delete_container(&self, name: &str) -> Result<(), BlobError> {
        let dir = self.existing(name)?;
        let doing = format!("delete container `{name}`");
        blocking(move || fs::remove_dir_all(&dir).map_err(io(doing))).await
    }

    pub async fn get(&self, c: &str, o: &str, start: u64, end: u64) -> Result<Bytes, BlobError> {
        let (_, file) = self.object(c, o)?;
        let (container, object) = (c.to_string(), o.to_string());
        blocking(move || {
            let doing = || format!("read `{object}` in container `{container}`");
            let mut f = match fs::File::open(&file) {
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    return Err(BlobError::NoObject { container, object });
                }
                opened => opened.map_err(io(doing()))?,
            };
            let size = f.metadata().map_err(io(doing()))?.len();
            let (offset, len) = clamp(size, start, end);
            let mut data = Vec::with_capacity(len as usize);
            f.seek(SeekFrom::Start(offset)).map_err(io(doing()))?;
            f.take(len).read_to_end(&mut data).map_err(io(doing()))?;
            Ok(Bytes::from(data))
        })
        .await
    }

    pub async fn put(&self, c: &str, o: &str, body: Bytes) -> Result<(), BlobError> {
        let (dir, file) = self.object(c, o)?;
        let doing = format!("write `{o}` in container `{c}`");
        blocking(move || write_atomically(&dir, &file, &body, &doing)).await
    }

    pub async fn list(&self, c: &str) -> Result<Vec<String>, BlobError> {
        let dir = self.existing(c)?;
        let doing = format!("list container `{c}`");
        blocking(move || {
            let mut names = Vec::new();
            for entry in fs::read_dir(&dir).map_err(io(doing.clone()))? {
                let entry = entry.map_err(io(doing.clone()))?;
                let file = entry.file_name();
                let Some(name) = file.to_str().filter(|f| !f.starts_with('.')) else {
                    continue;
                };
                if entry.file_type().is_ok_and(|t| t.is_file())
                    && let Some(name) = decode(name)
                {
                    names.push(name);
                }
            }
            names.sort();
            Ok(names)
        })
        .await
    }

    pub async fn delete(&self, c: &str, o: &str) -> Result<(), BlobError> {
        let (_, file) = self.object(c, o)?;
        match fs::remove_file(&file) {
            Err(e) if e.kind() != ErrorKind::NotFound => {
                Err(io(format!("delete `{o}` in container `{c}`"))(e))
            }
            _ => Ok(()),
        }
    }

    pub async fn stat(&self, c: &str, o: &str) -> Result<Option<ObjectStat>, BlobError> {
        let (_, file) = self.object(c, o)?;
        match fs::metadata(&file) {
            Ok(meta) if meta.is_file() => Ok(Some(ObjectStat {
                size: meta.len(),
                created_at: created_at(&meta),
            })),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(format!("read `{o}` in container `{c}`"))(e)),
        }
    }

    pub async fn clear(&self, c: &str) -> Result<(), BlobError> {
        for name in self.list(c).await? {
            self.delete(c, &name).await?;
        }
        Ok(())
    }

    pub async fn copy(&self, sc: &str, so: &str, dc: &str, dobj: &str) -> Result<(), BlobError> {
        let (_, src) = self.object(sc, so)?;
        let (dir, dest) = self.object(dc, dobj)?;
        let (container, object) = (sc.to_string(), so.to_string());
        let doing = format!("copy `{so}` in container `{sc}` to `{dobj}` in container `{dc}`");
        blocking(move || {
            let body = match fs::read(&src) {
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    return Err(BlobError::NoObject { container, object });
                }
                read => read.map_err(io(doing.clone()))?,
            };
            write_atomically(&dir, &dest, &body, &doing)
        })
        .await
    }

    pub async fn rename(&self, sc: &str, so: &str, dc: &str, dobj: &str) -> Result<(), BlobError> {
        let (_, src) = self.object(sc, so)?;
        let (_, dest) = self.object(dc, dobj)?;
        match fs::rename(&src, &dest) {
            Err(e) if e.kind() == ErrorKind::NotFound => Err(BlobError::NoObject {
                container: sc.into(),
                object: so.into(),
            }),
            renamed => renamed.map_err(io(format!(
                "move `{so}` in container `{sc}` to `{dobj}` in container `{dc}`"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_single_safe_file_names_and_back() {
        let enc = |n: &str| encode("object", n).unwrap();
        assert_eq!(enc("photo.jpg"), "photo.jpg");
        assert_eq!(enc("a/../b"), "a%2F..%2Fb");
        assert_eq!(enc(".."), "%2E.");
        assert_eq!(enc(".hidden"), "%2Ehidden");
        assert_eq!(enc("my file ü"), "my%20file%20%C3%BC");
        assert!(encode("container", "").is_err());
        for name in ["photo.jpg", "a/../b", "..", "my file ü", "50%", "~x"] {
            assert_eq!(decode(&enc(name)).as_deref(), Some(name));
        }
        // Files no object name encodes to are not objects.
        assert_eq!(decode("my file.txt"), None);
        assert_eq!(decode("%2f"), None);
        assert_eq!(decode("bad%"), None);
    }
}
