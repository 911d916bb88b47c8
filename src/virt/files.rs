//! The embedded files and stream policies, encoded for the io adapter
//! (`crates/wash-virt-adapter/src/io/config.rs` decodes them): little-endian `u32` counts and
//! lengths; the tree is a flat list of nodes, directories naming their children by index.

use std::path::Path;

use super::{StdioPolicy, VirtError, VirtOptions};

pub(crate) fn encode(options: &VirtOptions) -> Result<Vec<u8>, VirtError> {
    let mut out = Vec::new();
    for policy in [options.stdin, options.stdout, options.stderr] {
        out.push(match policy {
            StdioPolicy::Allow => 0,
            StdioPolicy::Ignore => 1,
            StdioPolicy::Deny => 2,
        });
    }
    let mut nodes: Vec<Vec<u8>> = Vec::new();
    let mut preopens = Vec::new();
    for m in &options.mounts {
        let index = add_dir(&m.host, &m.guest, &mut nodes).map_err(|source| VirtError::Mount {
            guest: m.guest.clone(),
            host: m.host.clone(),
            source,
        })?;
        preopens.push((m.guest.clone(), index));
    }
    put_u32(&mut out, nodes.len());
    for n in &nodes {
        out.extend(n);
    }
    put_u32(&mut out, preopens.len());
    for (guest, index) in preopens {
        put_str(&mut out, &guest);
        put_u32(&mut out, index);
    }
    Ok(out)
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend((n as u32).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len());
    out.extend(s.as_bytes());
}

/// Adds `dir` (recursively, entries by name) as a node named `name`; returns its index.
fn add_dir(dir: &Path, name: &str, nodes: &mut Vec<Vec<u8>>) -> std::io::Result<usize> {
    let index = nodes.len();
    nodes.push(Vec::new());
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    let mut children = Vec::new();
    for e in entries {
        let Some(child) = e.file_name().to_str().map(str::to_string) else {
            continue; // not UTF-8: WASI paths are strings
        };
        // Followed like `cp -L` would: the guest sees what the link points to.
        let meta = std::fs::metadata(e.path())?;
        if meta.is_dir() {
            children.push(add_dir(&e.path(), &child, nodes)?);
        } else if meta.is_file() {
            let mut node = vec![0];
            put_str(&mut node, &child);
            let data = std::fs::read(e.path())?;
            put_u32(&mut node, data.len());
            node.extend(data);
            children.push(nodes.len());
            nodes.push(node);
        }
    }
    let mut node = vec![1];
    put_str(&mut node, name);
    put_u32(&mut node, children.len());
    for c in children {
        put_u32(&mut node, c);
    }
    nodes[index] = node;
    Ok(index)
}
