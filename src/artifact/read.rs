//! Reading a whole file into memory, with a large file's buffer backed by transparent huge
//! pages where Linux offers them on request (`madvise`, the common default).
//!
//! The read fills every byte of a fresh buffer at once. With 4 KiB pages each first touch is a
//! page fault; under a hypervisor those faults were the largest single cost of `wash inspect` on
//! a 20 MB component, about a third of its time. With huge pages it is one fault per 2 MiB. Only
//! such buffers get the advice: a buffer that is grown or touched sparsely would have whole
//! 2 MiB pages cleared for the few bytes it uses (advising every large allocation made
//! `wash compose` slower).

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// One huge page: a smaller buffer cannot hold an aligned one.
const HUGE: usize = 2 << 20;

/// How much [`whole_hashed`] reads before handing it to the hashing thread.
const PIECE: usize = 1 << 20;

/// The whole of the file at `path`, as [`std::fs::read`] gives it.
pub(super) fn whole(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata().map(|m| m.len() as usize).unwrap_or(0);
    // One byte more than the size: a file that grew since is still read whole, and the read
    // that finds its end needs no larger buffer.
    let mut bytes = Vec::with_capacity(len.saturating_add(1));
    advise(bytes.as_mut_ptr(), bytes.capacity());
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The whole of the file at `path` and the SHA-256 of exactly those bytes, in about the time
/// of the slower of the two alone: the bytes are hashed on another core a piece behind the read.
pub(super) fn whole_hashed(path: &Path) -> std::io::Result<(Vec<u8>, [u8; 32])> {
    whole_hashed_then(path, |_| ()).map(|(bytes, hash, ())| (bytes, hash))
}

/// [`whole_hashed`], and what `then` makes of the whole file, run as soon as the last byte is
/// read, while the hasher is still on the last pieces (so a caller's pass over the bytes and the
/// hash take the time of the slower, not of both).
pub(super) fn whole_hashed_then<T>(
    path: &Path,
    then: impl FnOnce(&[u8]) -> T,
) -> std::io::Result<(Vec<u8>, [u8; 32], T)> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata().map(|m| m.len() as usize).unwrap_or(0);
    if len < 2 * PIECE {
        let bytes = whole(path)?;
        let hash = Sha256::digest(&bytes).into();
        let made = then(&bytes);
        return Ok((bytes, hash, made));
    }
    // Zeroed memory of this size comes fresh from the kernel, so the zeroes cost no pass of
    // their own; the buffer is filled piece by piece, each piece lent to the hasher once read.
    let mut bytes = vec![0u8; len];
    advise(bytes.as_mut_ptr(), len);
    let base = bytes.as_mut_ptr();
    let (sender, receiver) = std::sync::mpsc::channel::<&[u8]>();
    let (filled, hasher, made) = std::thread::scope(|scope| {
        let hashing = scope.spawn(move || {
            let mut hasher = Sha256::new();
            for piece in receiver {
                hasher.update(piece);
            }
            hasher
        });
        let mut filled = 0;
        let mut result = Ok(());
        while filled < len {
            let n = PIECE.min(len - filled);
            // SAFETY: `filled..filled + n` lies inside the buffer (`filled + n <= len`, its
            // length), and no reference to any byte of it exists yet: the pieces handed out
            // so far end at `filled`, and `bytes` itself is not used until this scope, and with
            // it the hasher, has ended. This is the only mutable reference ever made to it.
            let piece = unsafe { std::slice::from_raw_parts_mut(base.add(filled), n) };
            match fill(&mut file, piece) {
                Ok(k) => {
                    // From here on the piece is only read (by the hasher, and by `then`).
                    let _ = sender.send(&piece[..k]);
                    filled += k;
                    if k < n {
                        break; // the file shrank since its size was read
                    }
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        drop(sender);
        // A file that grew since its size was read: the rest (normally nothing).
        let mut rest = Vec::new();
        if result.is_ok() && filled == len {
            result = file.read_to_end(&mut rest).map(drop);
        }
        // Only a file that held exactly the bytes its size said is whole here; one that shrank
        // or grew since is handed back, for `then` once it is read whole, below.
        let made = if result.is_ok() && filled == len && rest.is_empty() {
            // SAFETY: every byte of `0..len` was written above and is no longer written; the
            // hasher only reads them too.
            Ok(then(unsafe { std::slice::from_raw_parts(base, len) }))
        } else {
            Err(then)
        };
        let hasher = hashing.join().expect("hashing does not panic");
        (result.map(|()| (filled, rest)), hasher, made)
    });
    let (filled, rest) = filled?;
    bytes.truncate(filled);
    let mut hasher = hasher;
    hasher.update(&rest);
    bytes.extend_from_slice(&rest);
    let hash = hasher.finalize().into();
    let made = made.unwrap_or_else(|then| then(&bytes));
    Ok((bytes, hash, made))
}

/// The whole of the file at `path` and the SHA-256 of exactly those bytes, each piece handed to
/// `each` as soon as it is read (so another thread can send it on while the rest is read).
pub(super) fn in_pieces(
    path: &Path,
    mut each: impl FnMut(bytes::Bytes),
) -> std::io::Result<(Vec<u8>, [u8; 32])> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata().map(|m| m.len() as usize).unwrap_or(0);
    let mut hasher = Sha256::new();
    let mut pieces = Vec::new();
    loop {
        let mut piece = vec![0u8; PIECE];
        let n = fill(&mut file, &mut piece)?;
        piece.truncate(n);
        if n == 0 {
            break;
        }
        hasher.update(&piece);
        let piece = bytes::Bytes::from(piece);
        each(piece.clone());
        pieces.push(piece);
        if n < PIECE {
            break;
        }
    }
    let mut whole = Vec::with_capacity(len.max(pieces.iter().map(|p| p.len()).sum()));
    advise(whole.as_mut_ptr(), whole.capacity());
    for piece in &pieces {
        whole.extend_from_slice(piece);
    }
    Ok((whole, hasher.finalize().into()))
}

/// An empty buffer for `capacity` bytes that will all be written at once (a copy, an output
/// of known size): backed by huge pages like a file read whole.
pub(super) fn buffer(capacity: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(capacity);
    advise(bytes.as_mut_ptr(), bytes.capacity());
    bytes
}

/// Reads into all of `buf` unless the file ends first; how much was read.
fn fill(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Asks for huge pages over the whole pages of the `len` bytes at `ptr`, when that is at least
/// one huge page. A refusal (no THP, `never` mode) changes nothing and is ignored.
#[cfg(target_os = "linux")]
fn advise(ptr: *mut u8, len: usize) {
    const PAGE: usize = 4096;
    if len < HUGE {
        return;
    }
    let start = (ptr as usize).next_multiple_of(PAGE);
    let end = (ptr as usize + len) / PAGE * PAGE;
    // SAFETY: the range lies inside the buffer just allocated and not yet written, so no other
    // memory is advised; MADV_HUGEPAGE changes how pages are backed, never their contents.
    let _ = unsafe {
        rustix::mm::madvise(
            start as *mut std::ffi::c_void,
            end - start,
            rustix::mm::Advice::LinuxHugepage,
        )
    };
}

#[cfg(not(target_os = "linux"))]
fn advise(_: *mut u8, _: usize) {}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_what_std_reads() {
        let dir = tempfile::tempdir().unwrap();
        for size in [
            0,
            1,
            4096,
            super::HUGE - 1,
            super::HUGE,
            3 * super::HUGE + 17,
        ] {
            let path = dir.path().join(format!("f{size}"));
            let bytes: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(super::whole(&path).unwrap(), bytes, "{size} bytes");
        }
        assert!(super::whole(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn hashes_what_it_reads() {
        use sha2::Digest;
        let dir = tempfile::tempdir().unwrap();
        for size in [
            0,
            5,
            2 * super::PIECE - 1,
            2 * super::PIECE,
            3 * super::PIECE + 4099,
        ] {
            let path = dir.path().join(format!("f{size}"));
            let bytes: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            let (read, hash, seen) = super::whole_hashed_then(&path, |b| b.to_vec()).unwrap();
            assert_eq!(read, bytes, "{size} bytes");
            assert_eq!(seen, bytes, "{size} bytes handed to `then`");
            assert_eq!(
                hash,
                <[u8; 32]>::from(sha2::Sha256::digest(&bytes)),
                "{size} bytes"
            );
        }
        assert!(super::whole_hashed(&dir.path().join("missing")).is_err());
        assert!(super::whole_hashed_then(&dir.path().join("missing"), |_| ()).is_err());
    }

    #[test]
    fn hands_on_every_piece_it_reads() {
        use sha2::Digest;
        let dir = tempfile::tempdir().unwrap();
        for size in [0, 5, super::PIECE, 2 * super::PIECE + 4099] {
            let path = dir.path().join(format!("f{size}"));
            let bytes: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            let mut handed = Vec::new();
            let (read, hash) = super::in_pieces(&path, |p| handed.extend_from_slice(&p)).unwrap();
            assert_eq!(read, bytes, "{size} bytes");
            assert_eq!(handed, bytes, "{size} bytes handed on");
            assert_eq!(
                hash,
                <[u8; 32]>::from(sha2::Sha256::digest(&bytes)),
                "{size} bytes"
            );
        }
    }
}
