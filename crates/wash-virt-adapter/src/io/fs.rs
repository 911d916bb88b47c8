//! `wasi:filesystem` over the embedded, read-only tree: every preopen is a mounted directory;
//! reads work (by call or through a stream), anything that would change the tree fails with
//! `read-only`, and paths cannot climb above their preopen.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;

use wash_virt_wire::io::Children;

use super::config::{Config, Node};
use super::exports::wasi::filesystem::{preopens, types};
use super::exports::wasi::io::error::ErrorBorrow;
use super::exports::wasi::io::streams as streams_api;
use super::{Adapter, InputStream};
use types::{
    Advice, DescriptorBorrow, DescriptorFlags, DescriptorStat, DescriptorType, DirectoryEntry,
    ErrorCode, Filesize, MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};

/// The bytes of a file node.
pub(crate) fn file_bytes(node: usize) -> &'static [u8] {
    match Config::get().nodes.get(node) {
        Some(Node::File { data, .. }) => data,
        _ => &[],
    }
}

pub(crate) struct Descriptor {
    node: usize,
    /// The preopen it was reached from: `..` stops there.
    root: usize,
    /// The directories from the root down to this node (for `..`).
    path: Vec<usize>,
}

pub(crate) struct Entries {
    children: Children<'static>,
    next: Cell<usize>,
}

fn node(i: usize) -> Result<&'static Node<'static>, ErrorCode> {
    Config::get().nodes.get(i).ok_or(ErrorCode::NoEntry)
}

fn stat_of(i: usize) -> Result<DescriptorStat, ErrorCode> {
    let (type_, size) = match node(i)? {
        Node::File { data, .. } => (DescriptorType::RegularFile, data.len() as u64),
        Node::Dir { .. } => (DescriptorType::Directory, 0),
    };
    Ok(DescriptorStat {
        type_,
        link_count: 1,
        size,
        data_access_timestamp: None,
        data_modification_timestamp: None,
        status_change_timestamp: None,
    })
}

impl Descriptor {
    /// The node `path` names, relative to this directory.
    fn resolve(&self, path: &str) -> Result<(usize, Vec<usize>), ErrorCode> {
        if path.starts_with('/') {
            return Err(ErrorCode::NotPermitted);
        }
        let mut at = self.node;
        let mut trail = self.path.clone();
        for part in path.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    if at == self.root {
                        return Err(ErrorCode::NotPermitted);
                    }
                    at = trail.pop().ok_or(ErrorCode::NotPermitted)?;
                }
                name => {
                    let Node::Dir { children, .. } = node(at)? else {
                        return Err(ErrorCode::NotDirectory);
                    };
                    let child = children
                        .iter()
                        .find(|&c| node(c).map(|n| n.name() == name).unwrap_or(false))
                        .ok_or(ErrorCode::NoEntry)?;
                    trail.push(at);
                    at = child;
                }
            }
        }
        Ok((at, trail))
    }
}

impl types::GuestDescriptor for Descriptor {
    fn read_via_stream(&self, offset: Filesize) -> Result<streams_api::InputStream, ErrorCode> {
        match node(self.node)? {
            Node::File { .. } => Ok(streams_api::InputStream::new(InputStream::File {
                node: self.node,
                pos: Cell::new(offset),
            })),
            Node::Dir { .. } => Err(ErrorCode::IsDirectory),
        }
    }
    fn write_via_stream(&self, _: Filesize) -> Result<streams_api::OutputStream, ErrorCode> {
        Err(ErrorCode::ReadOnly)
    }
    fn append_via_stream(&self) -> Result<streams_api::OutputStream, ErrorCode> {
        Err(ErrorCode::ReadOnly)
    }
    fn advise(&self, _: Filesize, _: Filesize, _: Advice) -> Result<(), ErrorCode> {
        Ok(())
    }
    fn sync_data(&self) -> Result<(), ErrorCode> {
        Ok(())
    }
    fn get_flags(&self) -> Result<DescriptorFlags, ErrorCode> {
        Ok(DescriptorFlags::READ)
    }
    fn get_type(&self) -> Result<DescriptorType, ErrorCode> {
        stat_of(self.node).map(|s| s.type_)
    }
    fn set_size(&self, _: Filesize) -> Result<(), ErrorCode> {
        Err(ErrorCode::ReadOnly)
    }
    fn set_times(&self, _: NewTimestamp, _: NewTimestamp) -> Result<(), ErrorCode> {
        Err(ErrorCode::ReadOnly)
    }
    fn read(&self, length: Filesize, offset: Filesize) -> Result<(Vec<u8>, bool), ErrorCode> {
        let Node::File { data, .. } = node(self.node)? else {
            return Err(ErrorCode::IsDirectory);
        };
        let start = (offset as usize).min(data.len());
        let end = start.saturating_add(length as usize).min(data.len());
        Ok((data[start..end].to_vec(), end == data.len()))
    }
    fn write(&self, _: Vec<u8>, _: Filesize) -> Result<Filesize, ErrorCode> {
        Err(ErrorCode::ReadOnly)
    }
    fn read_directory(&self) -> Result<types::DirectoryEntryStream, ErrorCode> {
        let Node::Dir { children, .. } = node(self.node)? else {
            return Err(ErrorCode::NotDirectory);
        };
        Ok(types::DirectoryEntryStream::new(Entries {
            children: *children,
            next: Cell::new(0),
        }))
    }
    fn sync(&self) -> Result<(), ErrorCode> {
        Ok(())
    }
    fn create_directory_at(&self, _: String) -> Result<(), ErrorCode> {
        Err(ErrorCode::ReadOnly)
    }
    fn stat(&self) -> Result<DescriptorStat, ErrorCode> {
        stat_of(self.node)
    }
    fn stat_at(&self, _: PathFlags, path: String) -> Result<DescriptorStat, ErrorCode> {
        stat_of(self.resolve(&path)?.0)
    }
    fn set_times_at(
        &self,
        _: PathFlags,
        _: String,
        _: NewTimestamp,
        _: NewTimestamp,
    ) -> Result<(), ErrorCode> {
        Err(ErrorCode::ReadOnly)
    }
    fn link_at(
        &self,
        _: PathFlags,
        _: String,
        _: DescriptorBorrow<'_>,
        _: String,
    ) -> Result<(), ErrorCode> {
        Err(ErrorCode::ReadOnly)
    }
    fn open_at(
        &self,
        _: PathFlags,
        path: String,
        open_flags: OpenFlags,
        flags: DescriptorFlags,
    ) -> Result<types::Descriptor, ErrorCode> {
        if flags.intersects(DescriptorFlags::WRITE | DescriptorFlags::MUTATE_DIRECTORY)
            || open_flags.intersects(OpenFlags::CREATE | OpenFlags::TRUNCATE)
        {
            return Err(ErrorCode::ReadOnly);
        }
        let (at, path) = self.resolve(&path)?;
        if open_flags.contains(OpenFlags::DIRECTORY) && !matches!(node(at)?, Node::Dir { .. }) {
            return Err(ErrorCode::NotDirectory);
        }
        Ok(types::Descriptor::new(Descriptor {
            node: at,
            root: self.root,
            path,
        }))
    }
    fn readlink_at(&self, _: String) -> Result<String, ErrorCode> {
        Err(ErrorCode::Invalid)
    }
    fn remove_directory_at(&self, _: String) -> Result<(), ErrorCode> {
        Err(ErrorCode::ReadOnly)
    }
    fn rename_at(&self, _: String, _: DescriptorBorrow<'_>, _: String) -> Result<(), ErrorCode> {
        Err(ErrorCode::ReadOnly)
    }
    fn symlink_at(&self, _: String, _: String) -> Result<(), ErrorCode> {
        Err(ErrorCode::ReadOnly)
    }
    fn unlink_file_at(&self, _: String) -> Result<(), ErrorCode> {
        Err(ErrorCode::ReadOnly)
    }
    fn is_same_object(&self, other: DescriptorBorrow<'_>) -> bool {
        other.get::<Descriptor>().node == self.node
    }
    fn metadata_hash(&self) -> Result<MetadataHashValue, ErrorCode> {
        Ok(MetadataHashValue {
            lower: self.node as u64,
            upper: 0,
        })
    }
    fn metadata_hash_at(&self, _: PathFlags, path: String) -> Result<MetadataHashValue, ErrorCode> {
        Ok(MetadataHashValue {
            lower: self.resolve(&path)?.0 as u64,
            upper: 0,
        })
    }
}

impl types::GuestDirectoryEntryStream for Entries {
    fn read_directory_entry(&self) -> Result<Option<DirectoryEntry>, ErrorCode> {
        let i = self.next.get();
        let Some(child) = self.children.get(i) else {
            return Ok(None);
        };
        self.next.set(i + 1);
        let n = node(child)?;
        Ok(Some(DirectoryEntry {
            type_: stat_of(child)?.type_,
            name: String::from(n.name()),
        }))
    }
}

impl types::Guest for Adapter {
    type Descriptor = Descriptor;
    type DirectoryEntryStream = Entries;
    fn filesystem_error_code(_: ErrorBorrow<'_>) -> Option<ErrorCode> {
        None
    }
}

impl preopens::Guest for Adapter {
    fn get_directories() -> Vec<(types::Descriptor, String)> {
        Config::get()
            .preopens
            .iter()
            .map(|(guest, node)| {
                let d = Descriptor {
                    node: *node,
                    root: *node,
                    path: Vec::new(),
                };
                (types::Descriptor::new(d), String::from(*guest))
            })
            .collect()
    }
}
