//! Reads the configuration wash encodes for the adapters: little-endian `u32` counts and
//! lengths, strings as length and UTF-8 bytes. A short input reads as zeros and empty strings.

use alloc::string::String;

pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl Reader<'_> {
    pub(crate) fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        head
    }

    pub(crate) fn u32(&mut self) -> u32 {
        let b = self.take(4);
        let mut le = [0u8; 4];
        le[..b.len()].copy_from_slice(b);
        u32::from_le_bytes(le)
    }

    pub(crate) fn string(&mut self) -> String {
        let n = self.u32() as usize;
        let bytes = self.take(n).to_vec();
        // wash encodes Rust strings: valid UTF-8 by construction. Checking again would cost
        // the adapter a UTF-8 validator.
        unsafe { String::from_utf8_unchecked(bytes) }
    }
}
