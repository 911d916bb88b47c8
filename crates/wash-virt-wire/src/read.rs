//! Decoding: a cursor over a blob that never fails (a short blob reads as zeros and empty
//! strings) and lazily decoded lists.

use core::fmt;

/// A cursor over a blob.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    /// The next `n` bytes, or as many as are left.
    pub(crate) fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.0.split_at(n.min(self.0.len()));
        self.0 = tail;
        head
    }

    pub(crate) fn u8(&mut self) -> u8 {
        self.take(1).first().copied().unwrap_or(0)
    }

    pub(crate) fn u32(&mut self) -> u32 {
        let b = self.take(4);
        let mut le = [0u8; 4];
        le[..b.len()].copy_from_slice(b);
        u32::from_le_bytes(le)
    }

    /// A length and that many bytes.
    pub(crate) fn bytes(&mut self) -> &'a [u8] {
        let n = self.u32() as usize;
        self.take(n)
    }

    /// A length and that many bytes of UTF-8. Bytes that are not UTF-8 read as the empty
    /// string: the encoders write Rust strings, so that happens only to a damaged blob.
    pub(crate) fn str(&mut self) -> &'a str {
        core::str::from_utf8(self.bytes()).unwrap_or("")
    }

    /// A count, then that many items; the cursor moves past them.
    pub(crate) fn seq<T>(&mut self, item: fn(&mut Reader<'a>) -> T) -> Seq<'a, T> {
        let left = self.u32();
        let seq = Seq {
            r: *self,
            left,
            item,
        };
        let mut skip = seq.clone();
        skip.by_ref().for_each(drop);
        *self = skip.r;
        seq
    }
}

/// A list in a blob, decoded item by item as it is iterated (cloning restarts it cheaply).
/// It ends after the count it was written with, or where the blob does.
pub struct Seq<'a, T> {
    r: Reader<'a>,
    left: u32,
    item: fn(&mut Reader<'a>) -> T,
}

impl<T> Clone for Seq<'_, T> {
    fn clone(&self) -> Self {
        Seq { ..*self }
    }
}

impl<T> Iterator for Seq<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        // Every item is at least one byte long: an exhausted blob holds no more, whatever the
        // count said (which bounds the work a damaged count can cause).
        if self.left == 0 || self.r.0.is_empty() {
            return None;
        }
        self.left -= 1;
        Some((self.item)(&mut self.r))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left as usize))
    }
}

impl<T: fmt::Debug> fmt::Debug for Seq<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}
