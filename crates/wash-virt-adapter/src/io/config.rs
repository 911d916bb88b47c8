//! The io adapter's configuration, as wash encodes it (src/virt/files.rs): little-endian `u32`
//! counts and lengths.
//!
//! `stdin stdout stderr: u8 (0 allow, 1 ignore, 2 deny)`, then the nodes of the embedded tree
//! `[count, (kind u8: 0 file | 1 dir, name, file: bytes | dir: [count, child index u32*])*]`,
//! then the preopens `[count, (guest path, node index u32)*]`.

use alloc::string::String;
use alloc::vec::Vec;

use crate::reader::Reader;

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Policy {
    Allow,
    Ignore,
    Deny,
}

pub(crate) enum Node {
    File { name: String, data: Vec<u8> },
    Dir { name: String, children: Vec<usize> },
}

impl Node {
    pub(crate) fn name(&self) -> &str {
        match self {
            Node::File { name, .. } | Node::Dir { name, .. } => name,
        }
    }
}

pub(crate) struct Config {
    pub(crate) stdin: Policy,
    pub(crate) stdout: Policy,
    pub(crate) stderr: Policy,
    pub(crate) nodes: Vec<Node>,
    pub(crate) preopens: Vec<(String, usize)>,
}

static mut CONFIG: Option<Config> = None;

impl Config {
    /// The configuration, decoded on first use (instances are single-threaded).
    pub(crate) fn get() -> &'static Config {
        // SAFETY: a wasm instance runs one call at a time, and the value is never replaced.
        unsafe {
            let slot = &mut *core::ptr::addr_of_mut!(CONFIG);
            slot.get_or_insert_with(|| Config::decode(&super::wash::virt::fs_config::get()))
        }
    }

    fn decode(bytes: &[u8]) -> Config {
        let mut r = Reader(bytes);
        let mut policy = || match r.take(1).first() {
            Some(1) => Policy::Ignore,
            Some(2) => Policy::Deny,
            _ => Policy::Allow,
        };
        let (stdin, stdout, stderr) = (policy(), policy(), policy());
        let nodes = (0..r.u32())
            .map(|_| {
                let kind = r.take(1).first().copied();
                let name = r.string();
                if kind == Some(1) {
                    let children = (0..r.u32()).map(|_| r.u32() as usize).collect();
                    Node::Dir { name, children }
                } else {
                    let n = r.u32() as usize;
                    Node::File {
                        name,
                        data: r.take(n).to_vec(),
                    }
                }
            })
            .collect();
        let preopens = (0..r.u32())
            .map(|_| (r.string(), r.u32() as usize))
            .collect();
        Config {
            stdin,
            stdout,
            stderr,
            nodes,
            preopens,
        }
    }
}
