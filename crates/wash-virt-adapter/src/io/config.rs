//! The io adapter's configuration: the stream policies and the embedded tree wash encoded
//! (`wash_virt_wire::io` defines the format), decoded once per instance.

use alloc::vec::Vec;

use wash_virt_wire::io::{IoConfig, Stdio};
pub(crate) use wash_virt_wire::io::{Node, Policy};

pub(crate) struct Config {
    pub(crate) stdio: Stdio,
    /// The tree's nodes by index, borrowing from the blob (which the instance keeps).
    pub(crate) nodes: Vec<Node<'static>>,
    pub(crate) preopens: Vec<(&'static str, usize)>,
}

static mut CONFIG: Option<Config> = None;

impl Config {
    /// The configuration, decoded on first use (instances are single-threaded).
    pub(crate) fn get() -> &'static Config {
        // SAFETY: a wasm instance runs one call at a time, and the value is never replaced.
        unsafe {
            let slot = &mut *core::ptr::addr_of_mut!(CONFIG);
            slot.get_or_insert_with(|| {
                // Kept for the instance's life: the files are served from it without a copy.
                let blob = super::wash::virt::fs_config::get().leak();
                // SAFETY: wash writes the blob with `wash_virt_wire::io::encode`, from Rust
                // strings.
                let config = IoConfig::decode_trusted(blob);
                Config {
                    stdio: config.stdio,
                    nodes: config.nodes().collect(),
                    preopens: config.preopens().collect(),
                }
            })
        }
    }
}
