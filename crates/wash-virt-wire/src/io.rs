//! The io adapter's configuration: what each standard stream does, and the directories
//! embedded in the component.
//!
//! `stdin stdout stderr: u8` ([`Policy`]), then the nodes of the embedded tree
//! `[count, (kind u8: 0 file | 1 dir, name, file: bytes | dir: [count, child index*])*]`, then
//! the preopens `[count, (guest path, node index)*]`. The tree is flat: a directory names its
//! children by index, and a preopen's node is a directory named by its guest path. Nodes are in
//! pre-order (a directory, then each of its entries in turn).

use crate::read::{Reader, Seq};

/// What one standard stream does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Policy {
    /// The host's stream (0).
    #[default]
    Allow,
    /// Reads see end of input, writes vanish (1).
    Ignore,
    /// Getting the stream traps (2).
    Deny,
}

impl Policy {
    fn from_byte(b: u8) -> Policy {
        match b {
            1 => Policy::Ignore,
            2 => Policy::Deny,
            _ => Policy::Allow,
        }
    }

    #[cfg(feature = "alloc")]
    fn byte(self) -> u8 {
        match self {
            Policy::Allow => 0,
            Policy::Ignore => 1,
            Policy::Deny => 2,
        }
    }
}

/// The policies of the three standard streams.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stdio {
    /// `wasi:cli/stdin`.
    pub stdin: Policy,
    /// `wasi:cli/stdout`.
    pub stdout: Policy,
    /// `wasi:cli/stderr`.
    pub stderr: Policy,
}

/// One node of the embedded tree, borrowing from the blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node<'a> {
    /// A file and its contents.
    File {
        /// The file's name in its directory.
        name: &'a str,
        /// Its contents.
        data: &'a [u8],
    },
    /// A directory and the indices of its entries.
    Dir {
        /// The directory's name in its parent, or the guest path of a preopen.
        name: &'a str,
        /// The node indices of its entries.
        children: Children<'a>,
    },
}

impl<'a> Node<'a> {
    /// The node's name.
    pub fn name(&self) -> &'a str {
        match self {
            Node::File { name, .. } | Node::Dir { name, .. } => name,
        }
    }
}

impl<'a> crate::read::Item<'a> for Node<'a> {
    fn read(r: &mut Reader<'a>) -> Node<'a> {
        let kind = r.u8();
        let name = r.str();
        if kind == 1 {
            let count = r.u32() as usize;
            let children = r.take(count.saturating_mul(4));
            // A blob cut short inside the list keeps only whole indices.
            let whole = children.len() - children.len() % 4;
            Node::Dir {
                name,
                children: Children(&children[..whole]),
            }
        } else {
            Node::File {
                name,
                data: r.bytes(),
            }
        }
    }
}

/// The entries of a directory node: node indices, read in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Children<'a>(&'a [u8]);

impl<'a> Children<'a> {
    /// How many entries the directory has.
    pub fn len(&self) -> usize {
        self.0.len() / 4
    }

    /// Whether the directory is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The node index of entry `i`.
    pub fn get(&self, i: usize) -> Option<usize> {
        let at = i.checked_mul(4)?;
        let b = self.0.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    /// The node indices, in order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + 'a {
        let this = *self;
        (0..this.len()).filter_map(move |i| this.get(i))
    }
}

/// A decoded io configuration, borrowing from its blob.
#[derive(Clone, Debug)]
pub struct IoConfig<'a> {
    /// The standard streams' policies.
    pub stdio: Stdio,
    nodes: Seq<'a, Node<'a>>,
    preopens: Seq<'a, (&'a str, usize)>,
}

impl<'a> IoConfig<'a> {
    /// Reads a blob written by [`encode`].
    pub fn decode(blob: &'a [u8]) -> IoConfig<'a> {
        IoConfig::read(Reader::new(blob))
    }

    /// Reads a blob written by [`encode`] without checking that its strings are UTF-8, which
    /// saves an adapter a UTF-8 validator.
    ///
    /// # Safety
    ///
    /// Every string in `blob` must be UTF-8, as in any blob [`encode`] wrote.
    pub unsafe fn decode_trusted(blob: &'a [u8]) -> IoConfig<'a> {
        // SAFETY: passed on to our caller.
        IoConfig::read(unsafe { Reader::trusting_utf8(blob) })
    }

    fn read(mut r: Reader<'a>) -> IoConfig<'a> {
        let stdio = Stdio {
            stdin: Policy::from_byte(r.u8()),
            stdout: Policy::from_byte(r.u8()),
            stderr: Policy::from_byte(r.u8()),
        };
        let nodes = r.seq();
        let preopens = r.seq();
        IoConfig {
            stdio,
            nodes,
            preopens,
        }
    }

    /// The nodes of the embedded tree, in index order.
    pub fn nodes(&self) -> Seq<'a, Node<'a>> {
        self.nodes.clone()
    }

    /// The preopened directories: each one's guest path and node index.
    pub fn preopens(&self) -> Seq<'a, (&'a str, usize)> {
        self.preopens.clone()
    }
}

#[cfg(feature = "alloc")]
pub use encode::{Entry, Mount, encode};

#[cfg(feature = "alloc")]
mod encode {
    use alloc::string::String;
    use alloc::vec::Vec;

    use super::Stdio;
    use crate::write;

    /// A file or directory to embed.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Entry {
        /// A file and its contents.
        File {
            /// Its name in its directory.
            name: String,
            /// Its contents.
            data: Vec<u8>,
        },
        /// A directory and its entries, in the order the guest lists them.
        Dir {
            /// Its name in its directory.
            name: String,
            /// Its entries.
            entries: Vec<Entry>,
        },
    }

    /// A directory embedded at a guest path.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Mount {
        /// The absolute guest path it is preopened at.
        pub guest: String,
        /// Its entries, in the order the guest lists them.
        pub entries: Vec<Entry>,
    }

    /// The blob for the stream policies `stdio` and the embedded directories `mounts`.
    pub fn encode(stdio: Stdio, mounts: &[Mount]) -> Vec<u8> {
        let mut out = Vec::new();
        for policy in [stdio.stdin, stdio.stdout, stdio.stderr] {
            out.push(policy.byte());
        }
        let mut nodes = Vec::new();
        let preopens: Vec<(&str, usize)> = mounts
            .iter()
            .map(|m| (m.guest.as_str(), dir(&m.guest, &m.entries, &mut nodes)))
            .collect();
        write::u32(&mut out, nodes.len());
        for node in &nodes {
            out.extend_from_slice(node);
        }
        write::u32(&mut out, preopens.len());
        for (guest, index) in preopens {
            write::str(&mut out, guest);
            write::u32(&mut out, index);
        }
        out
    }

    /// Adds the directory `name` and, after it, its entries' nodes; returns its index.
    fn dir(name: &str, entries: &[Entry], nodes: &mut Vec<Vec<u8>>) -> usize {
        let index = nodes.len();
        nodes.push(Vec::new());
        let children: Vec<usize> = entries
            .iter()
            .map(|e| match e {
                Entry::Dir { name, entries } => dir(name, entries, nodes),
                Entry::File { name, data } => {
                    let mut node = alloc::vec![0];
                    write::str(&mut node, name);
                    write::bytes(&mut node, data);
                    nodes.push(node);
                    nodes.len() - 1
                }
            })
            .collect();
        let mut node = alloc::vec![1];
        write::str(&mut node, name);
        write::u32(&mut node, children.len());
        for c in children {
            write::u32(&mut node, c);
        }
        nodes[index] = node;
        index
    }
}
