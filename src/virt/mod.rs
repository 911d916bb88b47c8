//! Virtualization: WASI answered inside the component instead of by the host. `virtualize`
//! plugs small adapter components (built from `crates/wash-virt-adapter`) into a component's
//! WASI imports: a baked-in environment with an allow list of host variables, read-only
//! embedded directories, ignored or denied standard streams, and denied clocks, randomness,
//! sockets, outgoing HTTP and exit. What was done is
//! recorded in a `wash:virt` custom section that `wash inspect` shows.

mod adapters;
mod files;
mod provider;

use std::collections::BTreeSet;

use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions, NodeId, PackageId};

use adapters::{AdapterKind, AdapterWit, Versions};

/// The custom section recording what `wash virt` did, as JSON ([`VirtReport`]).
pub const REPORT_SECTION: &str = "wash:virt";

/// What to do with one standard stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StdioPolicy {
    /// The host's stream, unchanged.
    #[default]
    Allow,
    /// Reads see end of input, writes vanish.
    Ignore,
    /// Getting the stream traps.
    Deny,
}

/// A WASI capability that can be denied.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    /// `wasi:clocks`: every call traps.
    Clocks,
    /// `wasi:random`: every call traps.
    Random,
    /// `wasi:sockets`: no network (traps); creating sockets and resolving names fail with
    /// `access-denied`.
    Sockets,
    /// `wasi:http/outgoing-handler`: requests fail with `HTTP-request-denied`.
    Http,
    /// `wasi:cli/exit`: calling exit traps.
    Exit,
}

impl Capability {
    pub const ALL: [Capability; 5] = [
        Capability::Clocks,
        Capability::Random,
        Capability::Sockets,
        Capability::Http,
        Capability::Exit,
    ];

    /// The name used on the command line and in Cargo.toml.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Clocks => "clocks",
            Capability::Random => "random",
            Capability::Sockets => "sockets",
            Capability::Http => "http",
            Capability::Exit => "exit",
        }
    }

    pub fn from_name(name: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The adapter that denies it, and the interfaces that adapter answers.
    fn adapter(self) -> (AdapterKind, &'static [&'static str]) {
        match self {
            Capability::Clocks => (
                AdapterKind::DenyClocks,
                &["wasi:clocks/wall-clock", "wasi:clocks/monotonic-clock"],
            ),
            Capability::Random => (
                AdapterKind::DenyRandom,
                &[
                    "wasi:random/random",
                    "wasi:random/insecure",
                    "wasi:random/insecure-seed",
                ],
            ),
            Capability::Sockets => (
                AdapterKind::DenySockets,
                &[
                    "wasi:sockets/instance-network",
                    "wasi:sockets/tcp-create-socket",
                    "wasi:sockets/udp-create-socket",
                    "wasi:sockets/ip-name-lookup",
                ],
            ),
            Capability::Http => (AdapterKind::DenyHttp, &["wasi:http/outgoing-handler"]),
            Capability::Exit => (AdapterKind::DenyExit, &["wasi:cli/exit"]),
        }
    }
}

/// A host directory embedded read-only at a guest path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mount {
    pub guest: String,
    pub host: std::path::PathBuf,
}

/// What to virtualize.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VirtOptions {
    /// Variables baked in.
    pub env: Vec<(String, String)>,
    /// Host variables let through (`*` for all); every other host variable is hidden.
    pub allow_env: Vec<String>,
    pub stdin: StdioPolicy,
    pub stdout: StdioPolicy,
    pub stderr: StdioPolicy,
    pub deny: BTreeSet<Capability>,
    pub mounts: Vec<Mount>,
}

/// What `virtualize` did: recorded in the component and returned.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VirtReport {
    /// The names of the baked-in variables (not their values: they may be secrets).
    pub env: Vec<String>,
    /// Host variables let through.
    pub allow_env: Vec<String>,
    /// Denied capabilities.
    pub deny: Vec<Capability>,
    /// Denied standard streams.
    pub deny_stdio: Vec<String>,
    /// Ignored standard streams.
    #[serde(default)]
    pub ignore_stdio: Vec<String>,
    /// Guest paths of the embedded directories.
    #[serde(default)]
    pub mounts: Vec<String>,
    /// Each import now answered inside the component, with the adapter answering it.
    pub virtualized: Vec<VirtualizedImport>,
    /// Denials that had nothing to act on: the component does not import the interface.
    pub not_imported: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VirtualizedImport {
    pub import: String,
    pub adapter: String,
}

/// A virtualized component and what was done to it.
#[derive(Debug, Clone)]
pub struct Virtualized {
    pub bytes: Vec<u8>,
    pub report: VirtReport,
}

/// Why a component could not be virtualized. The fixes are hints ([`crate::hint::Hint`]).
#[derive(Debug, thiserror::Error)]
pub enum VirtError {
    /// The input is not a component (a core module, say).
    #[error("not a WebAssembly component")]
    NotAComponent,
    /// The options ask for something wash cannot do for this component yet.
    #[error("{what} is not supported yet")]
    Unsupported {
        /// What was asked, for which component.
        what: String,
        /// What to do instead.
        hint: String,
    },
    /// An adapter (or a configuration provider) could not be made into a component.
    #[error("cannot prepare the `{adapter}` virtual adapter: {message}")]
    Adapter { adapter: String, message: String },
    /// wac-graph could not compose the adapters into the component.
    #[error("cannot compose the virtual adapters into the component: {message}")]
    Compose { message: String },
    /// A directory to embed could not be read.
    #[error("cannot embed `{}` at `{guest}`: {source}", host.display())]
    Mount {
        guest: String,
        host: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl crate::hint::Hint for VirtError {
    fn hint(&self) -> Option<String> {
        match self {
            VirtError::NotAComponent => {
                Some("`wash virt` takes a component; build one with `wash build`".into())
            }
            VirtError::Unsupported { hint, .. } => Some(hint.clone()),
            VirtError::Adapter { .. } | VirtError::Compose { .. } | VirtError::Mount { .. } => None,
        }
    }
}

/// Virtualizes `component` as `options` ask.
pub fn virtualize(component: &[u8], options: &VirtOptions) -> Result<Virtualized, VirtError> {
    virtualize_trusting(component, options, &[])
}

/// [`virtualize`], where the caller validated the core modules `validated` (their bytes) whole,
/// with [`crate::artifact::validate_component`]'s features: the output, which nests them
/// unchanged, is validated but for their function bodies (see
/// [`crate::compose::validate_trusting`]). `wash build` passes those of what it placed.
pub fn virtualize_trusting(
    component: &[u8],
    options: &VirtOptions,
    validated: &[&[u8]],
) -> Result<Virtualized, VirtError> {
    if !crate::artifact::is_component(component) {
        return Err(VirtError::NotAComponent);
    }
    let imports = crate::artifact::component_imports(component);
    let wit = AdapterWit::new(Versions::from_imports(&imports))?;
    let mut report = VirtReport {
        env: options.env.iter().map(|(k, _)| k.clone()).collect(),
        allow_env: options.allow_env.clone(),
        deny: options.deny.iter().copied().collect(),
        ..VirtReport::default()
    };

    let plan = plan(&imports, options, &mut report)?;

    let mut graph = Composer(CompositionGraph::new());
    let root = graph.register("wash:virtualized", crate::artifact::copy_of(component))?;
    let mut args = Vec::new();
    let mut io_node = None;
    for (kind, served) in &plan {
        let node = graph.adapter(&wit, *kind, options, io_node)?;
        if *kind == AdapterKind::Io {
            io_node = Some(node);
        }
        for import in served {
            args.push((import.clone(), node));
            report.virtualized.push(VirtualizedImport {
                import: import.clone(),
                adapter: kind.world().to_string(),
            });
        }
    }
    let mut bytes = graph.finish(root, &args)?;
    let json = serde_json::to_vec(&report).expect("the report serializes");
    bytes.push(0); // custom section id; `encode` writes its size, name and data
    wasm_encoder::Encode::encode(
        &wasm_encoder::CustomSection {
            name: REPORT_SECTION.into(),
            data: json.into(),
        },
        &mut bytes,
    );
    crate::artifact::validate_component_trusting(&bytes, validated).map_err(compose_err)?;
    Ok(Virtualized { bytes, report })
}

/// The configuration an adapter imports: the interface (`wash:virt/<interface>@0.1.0`) and the
/// blob it serves (`wash_virt_wire` defines the encodings).
fn config(
    kind: AdapterKind,
    options: &VirtOptions,
) -> Result<Option<(&'static str, Vec<u8>)>, VirtError> {
    Ok(match kind {
        AdapterKind::Env => Some((
            "env-config",
            wash_virt_wire::env::encode(&options.env, &options.allow_env),
        )),
        AdapterKind::Io => Some(("fs-config", files::encode(options)?)),
        AdapterKind::DenyClocks
        | AdapterKind::DenyRandom
        | AdapterKind::DenyExit
        | AdapterKind::DenyStdio
        | AdapterKind::DenySockets
        | AdapterKind::DenyHttp => None,
    })
}

fn compose_err(e: impl std::fmt::Display) -> VirtError {
    VirtError::Compose {
        message: format!("{e:#}"),
    }
}

/// A composition under way: the component, the adapters and their configuration providers.
struct Composer(CompositionGraph);

impl Composer {
    fn register(&mut self, key: &str, bytes: Vec<u8>) -> Result<PackageId, VirtError> {
        let package =
            Package::from_bytes(key, None, bytes, self.0.types_mut()).map_err(compose_err)?;
        self.0.register_package(package).map_err(compose_err)
    }

    /// An instance of `package`, named as `wash inspect` shows it.
    fn instantiate(&mut self, package: PackageId, name: String) -> NodeId {
        let node = self.0.instantiate(package);
        self.0.set_node_name(node, name);
        node
    }

    /// Passes `from`'s export `name` to `to`'s import of the same name.
    fn plug(&mut self, from: NodeId, name: &str, to: NodeId) -> Result<(), VirtError> {
        let value = self
            .0
            .alias_instance_export(from, name)
            .map_err(compose_err)?;
        self.0
            .set_instantiation_argument(to, name, value)
            .map_err(compose_err)
    }

    /// Instantiates the `kind` adapter, plugging in its configuration (if it takes one) and the
    /// io adapter's `wasi:io` (if `io` is there).
    fn adapter(
        &mut self,
        wit: &AdapterWit,
        kind: AdapterKind,
        options: &VirtOptions,
        io: Option<NodeId>,
    ) -> Result<NodeId, VirtError> {
        let world = kind.world();
        let package = self.register(&format!("wash:virt-{world}"), wit.component(kind)?)?;
        let node = self.instantiate(package, format!("wash-virt:{world}"));
        if let Some((interface, blob)) = config(kind, options)? {
            let provider = wit.provider(interface, &blob)?;
            let provider = self.register(&format!("wash:virt-{interface}"), provider)?;
            let provider = self.instantiate(provider, format!("wash-virt:{interface}"));
            self.plug(provider, &format!("wash:virt/{interface}@0.1.0"), node)?;
        }
        // The other adapters' `wasi:io` types are the io adapter's, as the component's are.
        if let Some(io) = io {
            let wants: Vec<String> = self.0.types()[self.0[package].ty()]
                .imports
                .keys()
                .filter(|i| i.starts_with("wasi:io/"))
                .cloned()
                .collect();
            for import in wants {
                self.plug(io, &import, node)?;
            }
        }
        Ok(node)
    }

    /// Instantiates the component with each import in `args` taken from its adapter, exports
    /// what the component exports, and encodes the whole.
    fn finish(mut self, root: PackageId, args: &[(String, NodeId)]) -> Result<Vec<u8>, VirtError> {
        let node = self.instantiate(root, "component".into());
        for (import, adapter) in args {
            // The adapter was relabeled to the component's versions: the names are the same.
            self.plug(*adapter, import, node)?;
        }
        let exports: Vec<String> = self.0.types()[self.0[root].ty()]
            .exports
            .keys()
            .cloned()
            .collect();
        for name in exports {
            let value = self
                .0
                .alias_instance_export(node, &name)
                .map_err(compose_err)?;
            self.0.export(value, &name).map_err(compose_err)?;
        }
        // wac-graph 0.12 panics (`expected only types, functions, and instance types`, in
        // `encoding.rs`) on some components it registered without complaint (found by `fuzz/`,
        // `fuzz/regressions/virt-wac-encode-panic.bin`): an error, not a crash of wash.
        let graph = &self.0;
        crate::artifact::contain_panic(|| graph.encode(EncodeOptions::default()))
            .ok_or_else(|| VirtError::Compose {
                message:
                    "wac-graph could not encode the composition (an internal error of wac-graph)"
                        .into(),
            })?
            .map_err(compose_err)
    }
}

/// Which adapter answers which of the component's imports, in instantiation order (the io
/// adapter first: the others use its `wasi:io` types). Fills in the report's stream and mount
/// fields and what had nothing to act on.
fn plan(
    imports: &[String],
    options: &VirtOptions,
    report: &mut VirtReport,
) -> Result<Vec<(AdapterKind, Vec<String>)>, VirtError> {
    let mut plan: Vec<(AdapterKind, Vec<String>)> = Vec::new();
    let serve = |interfaces: &[&str]| -> Vec<String> {
        imports
            .iter()
            .filter(|i| interfaces.contains(&unversioned(i)))
            .cloned()
            .collect()
    };
    let streams = [
        ("stdin", options.stdin),
        ("stdout", options.stdout),
        ("stderr", options.stderr),
    ];
    let named = |policy: StdioPolicy| -> Vec<String> {
        streams
            .iter()
            .filter(|(_, p)| *p == policy)
            .map(|(n, _)| n.to_string())
            .collect()
    };
    report.deny_stdio = named(StdioPolicy::Deny);
    report.ignore_stdio = named(StdioPolicy::Ignore);
    report.mounts = options.mounts.iter().map(|m| m.guest.clone()).collect();
    // Files and ignored streams need streams made inside the component: `wasi:io` itself is
    // answered by the io adapter, and with it everything that hands out streams.
    let io = !options.mounts.is_empty() || !report.ignore_stdio.is_empty();
    if io {
        let blocked: Vec<&str> = imports
            .iter()
            .filter(|i| i.starts_with("wasi:http/") || i.starts_with("wasi:sockets/"))
            .map(|i| i.as_str())
            .collect();
        if !blocked.is_empty() {
            return Err(VirtError::Unsupported {
                what: format!(
                    "embedding files or ignoring a stream in a component importing {}",
                    blocked.join(", ")
                ),
                hint: "their streams would have to pass through the virtual wasi:io; \
                       virtualize the environment and denials only, and grant directories at \
                       run time (`wash run --dir HOST::GUEST`)"
                    .into(),
            });
        }
        let mut interfaces = vec![
            "wasi:io/error",
            "wasi:io/poll",
            "wasi:io/streams",
            "wasi:cli/stdin",
            "wasi:cli/stdout",
            "wasi:cli/stderr",
            "wasi:filesystem/types",
            "wasi:filesystem/preopens",
        ];
        if !options.deny.contains(&Capability::Clocks) {
            interfaces.push("wasi:clocks/monotonic-clock");
        }
        plan.push((AdapterKind::Io, serve(&interfaces)));
    }
    let env = serve(&["wasi:cli/environment"]);
    if !env.is_empty() {
        plan.push((AdapterKind::Env, env));
    }
    for cap in &options.deny {
        let (adapter, interfaces) = cap.adapter();
        let served = serve(interfaces);
        if served.is_empty() {
            report.not_imported.push(cap.name().to_string());
        } else {
            plan.push((adapter, served));
        }
    }
    let denied_streams: Vec<String> = report
        .deny_stdio
        .iter()
        .map(|s| format!("wasi:cli/{s}"))
        .collect();
    let denied_streams: Vec<&str> = denied_streams.iter().map(String::as_str).collect();
    let served = serve(&denied_streams);
    report.not_imported.extend(
        denied_streams
            .iter()
            .filter(|s| !served.iter().any(|i| unversioned(i) == **s))
            .map(|s| s.to_string()),
    );
    // With the io adapter, it answers denied streams itself.
    if !io && !served.is_empty() {
        plan.push((AdapterKind::DenyStdio, served));
    }
    Ok(plan)
}

/// What `virtualize` recorded in a component, if it was virtualized.
pub fn read_report(component: &[u8]) -> Option<VirtReport> {
    use wasmparser::{Parser, Payload};
    // The section is appended at the top level, after every nested component.
    let mut found = None;
    for payload in Parser::new(0).parse_all(component) {
        if let Ok(Payload::CustomSection(c)) = payload
            && c.name() == REPORT_SECTION
        {
            found = serde_json::from_slice(c.data()).ok();
        }
    }
    found
}

/// `wasi:cli/stdout` from `wasi:cli/stdout@0.2.6`.
fn unversioned(name: &str) -> &str {
    name.split_once('@').map_or(name, |(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_are_hints_not_part_of_the_message() {
        use crate::hint::Hint;
        let err = VirtError::NotAComponent;
        assert_eq!(err.to_string(), "not a WebAssembly component");
        assert_eq!(
            err.hint().as_deref(),
            Some("`wash virt` takes a component; build one with `wash build`")
        );
        let err = VirtError::Unsupported {
            what: "this".into(),
            hint: "do that".into(),
        };
        assert_eq!(err.to_string(), "this is not supported yet");
        assert_eq!(err.hint().as_deref(), Some("do that"));
    }
}
