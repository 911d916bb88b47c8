//! The io adapter's configuration from [`VirtOptions`]: the stream policies, and the mounted
//! host directories read into trees (`wash_virt_wire::io` defines the encoding).

use std::path::Path;

use wash_virt_wire::io::{self as wire, Entry, Policy, Stdio};

use super::{StdioPolicy, VirtError, VirtOptions};

/// The blob the io adapter decodes: the mounted directories are read now.
pub(crate) fn encode(options: &VirtOptions) -> Result<Vec<u8>, VirtError> {
    let stdio = Stdio {
        stdin: policy(options.stdin),
        stdout: policy(options.stdout),
        stderr: policy(options.stderr),
    };
    let mounts = options
        .mounts
        .iter()
        .map(|m| {
            let entries = entries(&m.host).map_err(|source| VirtError::Mount {
                guest: m.guest.clone(),
                host: m.host.clone(),
                source,
            })?;
            Ok(wire::Mount {
                guest: m.guest.clone(),
                entries,
            })
        })
        .collect::<Result<Vec<_>, VirtError>>()?;
    Ok(wire::encode(stdio, &mounts))
}

fn policy(p: StdioPolicy) -> Policy {
    match p {
        StdioPolicy::Allow => Policy::Allow,
        StdioPolicy::Ignore => Policy::Ignore,
        StdioPolicy::Deny => Policy::Deny,
    }
}

/// `dir`'s files and folders, recursively, sorted by name (so the same tree always encodes the
/// same).
fn entries(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let mut found: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    found.sort_by_key(|e| e.file_name());
    let mut out = Vec::new();
    for e in found {
        let Some(name) = e.file_name().to_str().map(str::to_string) else {
            continue; // not UTF-8: WASI paths are strings
        };
        // Followed like `cp -L` would: the guest sees what the link points to.
        let meta = std::fs::metadata(e.path())?;
        if meta.is_dir() {
            out.push(Entry::Dir {
                name,
                entries: entries(&e.path())?,
            });
        } else if meta.is_file() {
            out.push(Entry::File {
                name,
                data: std::fs::read(e.path())?,
            });
        }
    }
    Ok(out)
}
