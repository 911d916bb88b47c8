//! Encoding: the counts, lengths and strings the decoders in `read` expect.

use alloc::vec::Vec;

/// A count or length. The blob is served from a 32-bit memory, so nothing in it can reach
/// `u32::MAX`: a caller that checks the blob's length has checked every length in it.
pub(crate) fn u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

/// A length and the bytes.
pub(crate) fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    u32(out, b.len());
    out.extend_from_slice(b);
}

/// A string, as its UTF-8 bytes.
pub(crate) fn str(out: &mut Vec<u8>, s: &str) {
    bytes(out, s.as_bytes());
}
