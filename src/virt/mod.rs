//! Virtualization: WASI answered inside the component instead of by the host. `virtualize`
//! plugs small adapter components (built from `crates/wash-virt-adapter`) into a component's
//! WASI imports: a baked-in environment with an allow list of host variables, read-only
//! embedded directories, ignored or denied standard streams, and denied clocks, randomness,
//! sockets, outgoing HTTP and exit. What was done is
//! recorded in a `wash:virt` custom section that `wash inspect` shows.

mod adapters;
mod config;
mod files;

use std::collections::BTreeSet;

use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

use adapters::{Adapter, AdapterWit, Versions};

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

    fn adapter(self) -> (&'static Adapter, &'static [&'static str]) {
        match self {
            Capability::Clocks => (
                &adapters::DENY_CLOCKS,
                &["wasi:clocks/wall-clock", "wasi:clocks/monotonic-clock"],
            ),
            Capability::Random => (
                &adapters::DENY_RANDOM,
                &[
                    "wasi:random/random",
                    "wasi:random/insecure",
                    "wasi:random/insecure-seed",
                ],
            ),
            Capability::Sockets => (
                &adapters::DENY_SOCKETS,
                &[
                    "wasi:sockets/instance-network",
                    "wasi:sockets/tcp-create-socket",
                    "wasi:sockets/udp-create-socket",
                    "wasi:sockets/ip-name-lookup",
                ],
            ),
            Capability::Http => (&adapters::DENY_HTTP, &["wasi:http/outgoing-handler"]),
            Capability::Exit => (&adapters::DENY_EXIT, &["wasi:cli/exit"]),
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

impl VirtOptions {
    /// Whether these options virtualize anything beyond hiding the host environment.
    pub fn is_empty(&self) -> bool {
        *self == VirtOptions::default()
    }
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

#[derive(Debug, thiserror::Error)]
pub enum VirtError {
    #[error(
        "not a WebAssembly component\nhelp: `wash virt` takes a component; build one with `wash build`"
    )]
    NotAComponent,
    #[error("{what} is not supported yet\nhelp: {help}")]
    Unsupported { what: String, help: String },
    #[error("cannot prepare the `{adapter}` virtual adapter: {message}")]
    Adapter { adapter: String, message: String },
    #[error("cannot compose the virtual adapters into the component: {message}")]
    Compose { message: String },
    #[error("cannot embed `{}` at `{guest}`: {source}", host.display())]
    Mount {
        guest: String,
        host: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Virtualizes `component` as `options` ask.
pub fn virtualize(component: &[u8], options: &VirtOptions) -> Result<Virtualized, VirtError> {
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

    let compose_err = |e: &dyn std::fmt::Display| VirtError::Compose {
        message: format!("{e:#}"),
    };
    let mut graph = CompositionGraph::new();
    let register = |graph: &mut CompositionGraph, key: &str, bytes: Vec<u8>| {
        let pkg = Package::from_bytes(key, None, bytes, graph.types_mut())
            .map_err(|e| compose_err(&e))?;
        graph.register_package(pkg).map_err(|e| compose_err(&e))
    };
    let root = register(&mut graph, "wash:virtualized", component.to_vec())?;
    let mut args = Vec::new();
    let mut io_node = None;
    for (adapter, served) in &plan {
        let id = register(
            &mut graph,
            &format!("wash:virt-{}", adapter.world),
            wit.component(adapter)?,
        )?;
        let node = graph.instantiate(id);
        graph.set_node_name(node, format!("wash-virt:{}", adapter.world));
        let config = if std::ptr::eq(*adapter, &adapters::ENV) {
            let blob = config::EnvConfig {
                vars: &options.env,
                allow: &options.allow_env,
            }
            .encode();
            Some(("env-config", blob))
        } else if std::ptr::eq(*adapter, &adapters::IO) {
            Some(("fs-config", files::encode(options)?))
        } else {
            None
        };
        if let Some((interface, blob)) = config {
            let provider = register(
                &mut graph,
                &format!("wash:virt-{interface}"),
                wit.provider(interface, &blob)?,
            )?;
            let provider = graph.instantiate(provider);
            graph.set_node_name(provider, format!("wash-virt:{interface}"));
            let name = format!("wash:virt/{interface}@0.1.0");
            let value = graph
                .alias_instance_export(provider, &name)
                .map_err(|e| compose_err(&e))?;
            graph
                .set_instantiation_argument(node, &name, value)
                .map_err(|e| compose_err(&e))?;
        }
        // The other adapters' `wasi:io` types are the io adapter's, as the component's are.
        if let Some(io_node) = io_node {
            let wants: Vec<String> = graph.types()[graph[id].ty()]
                .imports
                .keys()
                .filter(|i| i.starts_with("wasi:io/"))
                .cloned()
                .collect();
            for import in wants {
                let value = graph
                    .alias_instance_export(io_node, &import)
                    .map_err(|e| compose_err(&e))?;
                graph
                    .set_instantiation_argument(node, &import, value)
                    .map_err(|e| compose_err(&e))?;
            }
        }
        if std::ptr::eq(*adapter, &adapters::IO) {
            io_node = Some(node);
        }
        for import in served {
            args.push((import.clone(), node));
            report.virtualized.push(VirtualizedImport {
                import: import.clone(),
                adapter: adapter.world.to_string(),
            });
        }
    }
    let root_node = graph.instantiate(root);
    graph.set_node_name(root_node, "component");
    for (import, node) in args {
        // The adapter was relabeled to the component's versions: the names are the same.
        let value = graph
            .alias_instance_export(node, &import)
            .map_err(|e| compose_err(&e))?;
        graph
            .set_instantiation_argument(root_node, &import, value)
            .map_err(|e| compose_err(&e))?;
    }
    let exports: Vec<String> = graph.types()[graph[root].ty()]
        .exports
        .keys()
        .cloned()
        .collect();
    for name in exports {
        let value = graph
            .alias_instance_export(root_node, &name)
            .map_err(|e| compose_err(&e))?;
        graph.export(value, &name).map_err(|e| compose_err(&e))?;
    }
    let mut bytes = graph
        .encode(EncodeOptions::default())
        .map_err(|e| compose_err(&e))?;
    let json = serde_json::to_vec(&report).expect("the report serializes");
    bytes.push(0); // custom section id; `encode` writes its size, name and data
    wasm_encoder::Encode::encode(
        &wasm_encoder::CustomSection {
            name: REPORT_SECTION.into(),
            data: json.into(),
        },
        &mut bytes,
    );
    crate::artifact::validate_component(&bytes).map_err(|e| compose_err(&e))?;
    Ok(Virtualized { bytes, report })
}

/// Which adapter answers which of the component's imports, in instantiation order (the io
/// adapter first: the others use its `wasi:io` types). Fills in the report's stream and mount
/// fields and what had nothing to act on.
fn plan(
    imports: &[String],
    options: &VirtOptions,
    report: &mut VirtReport,
) -> Result<Vec<(&'static Adapter, Vec<String>)>, VirtError> {
    let mut plan: Vec<(&'static Adapter, Vec<String>)> = Vec::new();
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
                help: "their streams would have to pass through the virtual wasi:io; \
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
        plan.push((&adapters::IO, serve(&interfaces)));
    }
    let env = serve(&["wasi:cli/environment"]);
    if !env.is_empty() {
        plan.push((&adapters::ENV, env));
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
        plan.push((&adapters::DENY_STDIO, served));
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
