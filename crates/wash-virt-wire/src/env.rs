//! The env adapter's configuration: the variables baked into the component, and which of the
//! host's variables it lets through.
//!
//! `vars: [count, (name, value)*]`, `allow: [count, name*]`, `allow_all: u8` (1 when the
//! allow list held [`ALLOW_ALL`], which is not written among the names).

use crate::read::{Reader, Seq};

/// In an allow list: every host variable passes.
pub const ALLOW_ALL: &str = "*";

/// A decoded env configuration, borrowing from its blob.
#[derive(Clone, Debug)]
pub struct EnvConfig<'a> {
    vars: Seq<'a, (&'a str, &'a str)>,
    allow: Seq<'a, &'a str>,
    allow_all: bool,
}

impl<'a> EnvConfig<'a> {
    /// Reads a blob written by [`encode`].
    pub fn decode(blob: &'a [u8]) -> EnvConfig<'a> {
        EnvConfig::read(Reader::new(blob))
    }

    /// Reads a blob written by [`encode`] without checking that its strings are UTF-8, which
    /// saves an adapter a UTF-8 validator.
    ///
    /// # Safety
    ///
    /// Every string in `blob` must be UTF-8, as in any blob [`encode`] wrote.
    pub unsafe fn decode_trusted(blob: &'a [u8]) -> EnvConfig<'a> {
        // SAFETY: passed on to our caller.
        EnvConfig::read(unsafe { Reader::trusting_utf8(blob) })
    }

    fn read(mut r: Reader<'a>) -> EnvConfig<'a> {
        let vars = r.seq();
        let allow = r.seq();
        let allow_all = r.u8() == 1;
        EnvConfig {
            vars,
            allow,
            allow_all,
        }
    }

    /// The baked-in variables, in order.
    pub fn vars(&self) -> Seq<'a, (&'a str, &'a str)> {
        self.vars.clone()
    }

    /// The host variables let through by name ([`ALLOW_ALL`] is not among them).
    pub fn allowed(&self) -> Seq<'a, &'a str> {
        self.allow.clone()
    }

    /// Whether every host variable passes.
    pub fn allow_all(&self) -> bool {
        self.allow_all
    }

    /// Whether the host variable `name` passes.
    pub fn allows(&self, name: &str) -> bool {
        self.allow_all || self.allowed().any(|n| n == name)
    }

    /// Whether any host variable may pass (if not, the host need not be asked).
    pub fn lets_host_through(&self) -> bool {
        self.allow_all || self.allowed().next().is_some()
    }
}

/// The blob for `vars` and the allow list `allow`, as written by the user ([`ALLOW_ALL`]
/// included).
#[cfg(feature = "alloc")]
pub fn encode<K, V, A>(vars: &[(K, V)], allow: &[A]) -> alloc::vec::Vec<u8>
where
    K: AsRef<str>,
    V: AsRef<str>,
    A: AsRef<str>,
{
    use crate::write;
    let mut out = alloc::vec::Vec::new();
    write::u32(&mut out, vars.len());
    for (k, v) in vars {
        write::str(&mut out, k.as_ref());
        write::str(&mut out, v.as_ref());
    }
    let named = || allow.iter().map(AsRef::as_ref).filter(|n| *n != ALLOW_ALL);
    write::u32(&mut out, named().count());
    for n in named() {
        write::str(&mut out, n);
    }
    out.push(u8::from(allow.iter().any(|n| n.as_ref() == ALLOW_ALL)));
    out
}
