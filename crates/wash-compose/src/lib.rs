//! Plugs WebAssembly components into each other's imports with wac-graph: transitively (a
//! plug's own imports are plugged too), matching semver-compatible interface versions (an import
//! of `0.2.0` takes an export of `0.2.3`), and checking that each export's type fits.
//!
//! This is wash's composition core: bytes in, bytes out. It reads no files, workspaces or
//! registries; finding the components is the caller's job (wash resolves paths, workspace
//! members and registry references before calling it).
//!
//! ```no_run
//! use wash_compose::{ComposeOptions, Plug, compose};
//! let root = std::fs::read("front.wasm")?;
//! let greeter = Plug { name: "greeter".into(), bytes: std::fs::read("greeter.wasm")? };
//! let composition = compose(root, vec![greeter], &ComposeOptions::default())?;
//! for link in &composition.links {
//!     println!("{} <- {} (from {})", link.import, link.export, link.provider);
//! }
//! std::fs::write("app.wasm", composition.bytes.expect("not a dry run"))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

use std::collections::HashMap;

use wac_graph::types::{Package, SubtypeChecker, are_semver_compatible};
use wac_graph::{CompositionGraph, EncodeOptions, NodeId, PackageId};

mod validate;
pub use validate::{core_modules, validate, validate_trusting};

/// The features the output is validated with: all of them, as wac-graph validates.
pub const OUTPUT_FEATURES: wasmparser::WasmFeatures = wasmparser::WasmFeatures::all();

/// A component to plug in, by the name errors and plans use for it.
#[derive(Debug, Clone)]
pub struct Plug {
    /// A path or a package name.
    pub name: String,
    /// The component.
    pub bytes: Vec<u8>,
}

/// One import satisfied by one export.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Link {
    /// The component that imports (`root` or a plug's name).
    pub consumer: String,
    /// Its import.
    pub import: String,
    /// The plug that provides it.
    pub provider: String,
    /// The export used (may differ from `import` by a compatible version).
    pub export: String,
}

/// An import no plug provides: it stays an import of the composed component.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OpenImport {
    /// The component that imports it.
    pub consumer: String,
    /// The import.
    pub import: String,
}

/// The result of planning (and, unless a dry run, encoding) a composition.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Composition {
    /// Which import is satisfied by which plug.
    pub links: Vec<Link>,
    /// Imports left for the host.
    pub open_imports: Vec<OpenImport>,
    /// The composed component; `None` for a dry run.
    #[serde(skip)]
    pub bytes: Option<Vec<u8>>,
}

/// What can go wrong composing.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// A file is not a component wac can read.
    #[error("`{name}` cannot be composed")]
    Load {
        /// The component.
        name: String,
        /// Why wac-graph could not read it.
        #[source]
        source: BoxError,
    },
    /// Several plugs export what one import needs.
    #[error("import `{import}` of `{consumer}` is exported by several plugs: {}", providers.join(", "))]
    Ambiguous {
        /// The import.
        import: String,
        /// Its component.
        consumer: String,
        /// The plugs that could satisfy it.
        providers: Vec<String>,
    },
    /// Plugs that import each other in a circle.
    #[error("plugs import each other in a cycle: {}", cycle.join(" -> "))]
    Cycle {
        /// The components in the cycle.
        cycle: Vec<String>,
    },
    /// A plug that satisfies nothing: most likely the wrong file.
    #[error("plug `{name}` satisfies none of the imports (its exports: {exports})")]
    UnusedPlug {
        /// The plug.
        name: String,
        /// What it exports.
        exports: String,
    },
    /// wac-graph refused the graph or its encoding.
    #[error("could not compose the components")]
    Graph {
        /// What wac-graph refused.
        #[source]
        source: BoxError,
    },
}

/// wac-graph's errors, of several types, kept whole as a cause.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Runs `f`, a dependency's code on untrusted bytes, turning a panic inside it into `None`, and
/// keeping its message off the user's terminal: a bug of wit-parser or wac-graph on hostile
/// input becomes a clear error about the input, not a crash report. (The panic hook is global:
/// a panic on another thread meanwhile would print nothing.)
pub fn contain_panic<T>(f: impl FnOnce() -> T) -> Option<T> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result.ok()
}

fn graph_err(e: impl Into<BoxError>) -> ComposeError {
    ComposeError::Graph { source: e.into() }
}

struct Planner {
    graph: CompositionGraph,
    names: HashMap<PackageId, String>,
    plugs: Vec<PackageId>,
    instances: HashMap<PackageId, NodeId>,
    links: Vec<Link>,
    open: Vec<OpenImport>,
}

/// How to compose.
#[derive(Debug, Clone, Copy, Default)]
pub struct ComposeOptions<'a> {
    /// Only plan: which plug satisfies which import; no component is encoded.
    pub dry_run: bool,
    /// Accept plugs that satisfy nothing (as `wash build` does when it offers every component
    /// of the build to each other). By default such a plug is an error: most likely the wrong
    /// file was given.
    pub allow_unused_plugs: bool,
    /// Leave the output's validation to the caller, who must run [`validate`] on it before
    /// using it (`wash compose` validates while it writes the file). By default the output is
    /// validated here.
    pub caller_validates: bool,
    /// Core modules (their bytes, see [`core_modules`]) the caller validated whole, with
    /// features [`OUTPUT_FEATURES`] includes: where the output nests one of them unchanged,
    /// its function bodies are not validated again (see [`validate_trusting`]). `wash build`
    /// passes those of the components it just validated and placed.
    pub validated_modules: &'a [&'a [u8]],
}

/// Plugs `plugs` into `root`'s imports (and into each other's), and exports what `root`
/// exports.
pub fn compose(
    root: Vec<u8>,
    plugs: Vec<Plug>,
    options: &ComposeOptions<'_>,
) -> Result<Composition, ComposeError> {
    let mut planner = Planner {
        graph: CompositionGraph::new(),
        names: HashMap::new(),
        plugs: Vec::new(),
        instances: HashMap::new(),
        links: Vec::new(),
        open: Vec::new(),
    };
    let root_id = planner.register("root", "wash:root".into(), root)?;
    for (i, p) in plugs.into_iter().enumerate() {
        let id = planner.register(&p.name, format!("wash:plug{i}"), p.bytes)?;
        planner.plugs.push(id);
    }
    let root_node = planner.instantiate(root_id, &mut Vec::new())?;
    if !options.allow_unused_plugs {
        planner.refuse_unused_plugs()?;
    }
    for name in planner.export_names(root_id) {
        let node = planner
            .graph
            .alias_instance_export(root_node, &name)
            .map_err(graph_err)?;
        planner.graph.export(node, &name).map_err(graph_err)?;
    }
    let bytes = if options.dry_run {
        None
    } else {
        // wac-graph 0.12 panics while encoding some graphs it built without complaint (as
        // `fuzz/` found for virt): an error about the inputs, not a crash.
        // The output is validated as wac-graph would (every feature, every function body),
        // with the function bodies spread over the cores.
        let graph = &planner.graph;
        let encode = EncodeOptions {
            validate: false,
            ..EncodeOptions::default()
        };
        let encoded = contain_panic(|| graph.encode(encode)).ok_or_else(|| {
            graph_err("wac-graph could not encode the composition (an internal error of wac-graph)")
        })?;
        let bytes = encoded.map_err(graph_err)?;
        if !options.caller_validates {
            validate_trusting(&bytes, OUTPUT_FEATURES, options.validated_modules)
                .map_err(graph_err)?;
        }
        Some(bytes)
    };
    Ok(Composition {
        links: planner.links,
        open_imports: planner.open,
        bytes,
    })
}

impl Planner {
    /// Reads a component into the graph, under the name errors and plans use for it.
    fn register(
        &mut self,
        name: &str,
        key: String,
        bytes: Vec<u8>,
    ) -> Result<PackageId, ComposeError> {
        let package =
            Package::from_bytes(&key, None, bytes, self.graph.types_mut()).map_err(|e| {
                ComposeError::Load {
                    name: name.to_string(),
                    source: e.into(),
                }
            })?;
        let id = self.graph.register_package(package).map_err(graph_err)?;
        self.names.insert(id, name.to_string());
        Ok(id)
    }

    /// The names a registered component exports.
    fn export_names(&self, id: PackageId) -> Vec<String> {
        self.graph.types()[self.graph[id].ty()]
            .exports
            .keys()
            .cloned()
            .collect()
    }

    /// A plug that satisfied nothing is most likely the wrong file: name it and its exports.
    fn refuse_unused_plugs(&self) -> Result<(), ComposeError> {
        match self
            .plugs
            .iter()
            .find(|id| !self.instances.contains_key(id))
        {
            None => Ok(()),
            Some(&id) => {
                let exports = self.export_names(id).join(", ");
                Err(ComposeError::UnusedPlug {
                    name: self.names[&id].clone(),
                    exports: if exports.is_empty() {
                        "none".into()
                    } else {
                        exports
                    },
                })
            }
        }
    }
    /// Instantiates `pkg` once, first instantiating the plugs its imports need.
    fn instantiate(
        &mut self,
        pkg: PackageId,
        stack: &mut Vec<PackageId>,
    ) -> Result<NodeId, ComposeError> {
        if let Some(node) = self.instances.get(&pkg) {
            return Ok(*node);
        }
        if stack.contains(&pkg) {
            let mut cycle: Vec<String> = stack.iter().map(|p| self.names[p].clone()).collect();
            cycle.push(self.names[&pkg].clone());
            return Err(ComposeError::Cycle { cycle });
        }
        stack.push(pkg);
        let imports: Vec<(String, wac_graph::types::ItemKind)> = self.graph.types()
            [self.graph[pkg].ty()]
        .imports
        .iter()
        .map(|(n, k)| (n.clone(), *k))
        .collect();
        let mut args = Vec::new();
        for (import, kind) in imports {
            let providers = self.providers(pkg, &import, kind);
            match providers.as_slice() {
                [] => self.open.push(OpenImport {
                    consumer: self.names[&pkg].clone(),
                    import,
                }),
                [(provider, export)] => {
                    let node = self.instantiate(*provider, stack)?;
                    args.push((import.clone(), node, export.clone()));
                    self.links.push(Link {
                        consumer: self.names[&pkg].clone(),
                        import,
                        provider: self.names[provider].clone(),
                        export: export.clone(),
                    });
                }
                many => {
                    return Err(ComposeError::Ambiguous {
                        import,
                        consumer: self.names[&pkg].clone(),
                        providers: many
                            .iter()
                            .map(|(p, _)| format!("`{}`", self.names[p]))
                            .collect(),
                    });
                }
            }
        }
        stack.pop();
        // Unnamed, as `wac plug` leaves them: a name section would make the output larger than
        // wac's. `wash inspect` names a nested component by its code's module name instead.
        let node = self.graph.instantiate(pkg);
        for (import, provider_node, export) in args {
            let value = self
                .graph
                .alias_instance_export(provider_node, &export)
                .map_err(graph_err)?;
            self.graph
                .set_instantiation_argument(node, &import, value)
                .map_err(graph_err)?;
        }
        self.instances.insert(pkg, node);
        Ok(node)
    }

    /// The plugs (other than `consumer`) exporting something `import` accepts: the same name,
    /// or a semver-compatible version of it, whose type fits.
    fn providers(
        &self,
        consumer: PackageId,
        import: &str,
        kind: wac_graph::types::ItemKind,
    ) -> Vec<(PackageId, String)> {
        let mut found = Vec::new();
        for &plug in &self.plugs {
            if plug == consumer {
                continue;
            }
            let exports = &self.graph.types()[self.graph[plug].ty()].exports;
            let candidate = exports.get_key_value(import).or_else(|| {
                exports
                    .iter()
                    .find(|(name, _)| are_semver_compatible(name, import))
            });
            if let Some((name, export_kind)) = candidate {
                let mut cache = Default::default();
                let mut checker = SubtypeChecker::new(&mut cache);
                if checker
                    .is_subtype(*export_kind, self.graph.types(), kind, self.graph.types())
                    .is_ok()
                {
                    found.push((plug, name.clone()));
                }
            }
        }
        found
    }
}

impl Composition {
    /// The imports left for the host, sorted, each once.
    pub fn open_import_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .open_imports
            .iter()
            .map(|o| o.import.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The plugs that provide at least one import, sorted, each once.
    pub fn providers(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.links.iter().map(|l| l.provider.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}
