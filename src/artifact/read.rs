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

/// One huge page: a smaller buffer cannot hold an aligned one.
const HUGE: usize = 2 << 20;

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
}
