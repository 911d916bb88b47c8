//! Decoding: a cursor over a blob that never fails (a short blob reads as zeros and empty
//! strings) and lazily decoded lists.

use core::fmt;
use core::marker::PhantomData;

/// A cursor over a blob. Public only to be named by [`Item`]; its module is private.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    /// Turns a string's bytes into a `str`: checked, or trusted by an `unsafe` caller.
    utf8: fn(&[u8]) -> &str,
}

/// UTF-8 checked: bytes that are not UTF-8 read as the empty string (the encoders write Rust
/// strings, so that happens only to a damaged blob).
fn checked(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes).unwrap_or("")
}

/// UTF-8 trusted. Only reachable through [`Reader::trusting_utf8`], whose caller vouches.
fn unchecked(bytes: &[u8]) -> &str {
    // SAFETY: `Reader::trusting_utf8`'s contract.
    unsafe { core::str::from_utf8_unchecked(bytes) }
}

impl<'a> Reader<'a> {
    /// A cursor that checks each string it reads.
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            utf8: checked,
        }
    }

    /// A cursor that takes each string's bytes for UTF-8 unchecked, which saves an adapter the
    /// code of a UTF-8 validator.
    ///
    /// # Safety
    ///
    /// Every string the cursor will read must be UTF-8, as in any whole blob this crate's
    /// encoders wrote (a blob cut short may end inside a character).
    pub(crate) unsafe fn trusting_utf8(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            utf8: unchecked,
        }
    }

    /// The next `n` bytes, or as many as are left.
    pub(crate) fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.bytes.split_at(n.min(self.bytes.len()));
        self.bytes = tail;
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

    /// A length and that many bytes of UTF-8.
    pub(crate) fn str(&mut self) -> &'a str {
        (self.utf8)(self.bytes())
    }

    /// A count, then that many items; the cursor moves past them.
    pub(crate) fn seq<T: Item<'a>>(&mut self) -> Seq<'a, T> {
        let left = self.u32();
        let seq = Seq {
            r: *self,
            left,
            item: PhantomData,
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
    item: PhantomData<fn() -> T>,
}

/// What a [`Seq`] can hold. Not implementable outside this crate: the trait is public only to
/// be named in bounds, and its module is private.
pub trait Item<'a>: Sized {
    /// Reads one item.
    #[doc(hidden)]
    fn read(r: &mut Reader<'a>) -> Self;
}

impl<'a> Item<'a> for &'a str {
    fn read(r: &mut Reader<'a>) -> Self {
        r.str()
    }
}

impl<'a> Item<'a> for (&'a str, &'a str) {
    fn read(r: &mut Reader<'a>) -> Self {
        (r.str(), r.str())
    }
}

impl<'a> Item<'a> for (&'a str, usize) {
    fn read(r: &mut Reader<'a>) -> Self {
        (r.str(), r.u32() as usize)
    }
}

impl<T> Clone for Seq<'_, T> {
    fn clone(&self) -> Self {
        Seq { ..*self }
    }
}

impl<'a, T: Item<'a>> Iterator for Seq<'a, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        // Every item is at least one byte long: an exhausted blob holds no more, whatever the
        // count said (which bounds the work a damaged count can cause).
        if self.left == 0 || self.r.bytes.is_empty() {
            return None;
        }
        self.left -= 1;
        Some(T::read(&mut self.r))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left as usize))
    }
}

impl<'a, T: Item<'a> + fmt::Debug> fmt::Debug for Seq<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}
