//! The virtual adapters (core modules built from `crates/wash-virt-adapter`), turned into
//! components that match the WASI version the virtualized component was built against.
//!
//! The adapters are compiled once, against WASI 0.2.12. A component built against another
//! 0.2.x patch release imports e.g. `wasi:io/poll@0.2.6`, and its resource types must be the
//! very ones the adapter uses, so each adapter is relabeled before use: every `wasi:<pkg>…@0.2.12`
//! name in its core module and WIT becomes the version the component imports that package at.
//! The interfaces are the same across 0.2.x (later releases only add functions, which a
//! component never imports from an older one).

use std::collections::BTreeMap;
use std::convert::Infallible;

use wasm_encoder::reencode::{Error as ReencodeError, Reencode};
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::Resolve;

use super::VirtError;

/// The WASI release the adapters are compiled against.
const BASE_VERSION: &str = "0.2.12";

/// One of the adapters `crates/wash-virt-adapter/build.sh` builds: a world of its
/// `wit/world.wit`, a Cargo feature of the crate, and a core module checked in as
/// `adapters/<world>.wasm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum AdapterKind {
    /// `wasi:io`, the standard streams and `wasi:filesystem` over embedded files.
    Io,
    /// `wasi:cli/environment` with baked-in variables.
    Env,
    /// Denied clocks.
    DenyClocks,
    /// Denied randomness.
    DenyRandom,
    /// Denied exit.
    DenyExit,
    /// Denied standard streams (without the io adapter).
    DenyStdio,
    /// Denied sockets.
    DenySockets,
    /// Denied outgoing HTTP.
    DenyHttp,
}

/// A world's name and the module built for it, tied together by the file name.
macro_rules! adapter {
    ($world:literal) => {
        (
            $world,
            include_bytes!(concat!("adapters/", $world, ".wasm")),
        )
    };
}

impl AdapterKind {
    /// Every kind, for the tests that check each checked-in module.
    #[cfg(test)]
    pub(crate) const ALL: [AdapterKind; 8] = [
        AdapterKind::Io,
        AdapterKind::Env,
        AdapterKind::DenyClocks,
        AdapterKind::DenyRandom,
        AdapterKind::DenyExit,
        AdapterKind::DenyStdio,
        AdapterKind::DenySockets,
        AdapterKind::DenyHttp,
    ];

    fn parts(self) -> (&'static str, &'static [u8]) {
        match self {
            AdapterKind::Io => adapter!("io"),
            AdapterKind::Env => adapter!("env"),
            AdapterKind::DenyClocks => adapter!("deny-clocks"),
            AdapterKind::DenyRandom => adapter!("deny-random"),
            AdapterKind::DenyExit => adapter!("deny-exit"),
            AdapterKind::DenyStdio => adapter!("deny-stdio"),
            AdapterKind::DenySockets => adapter!("deny-sockets"),
            AdapterKind::DenyHttp => adapter!("deny-http"),
        }
    }

    /// Its world (also its Cargo feature, and its name in reports and `wash inspect`).
    pub(crate) fn world(self) -> &'static str {
        self.parts().0
    }

    /// Its core module, as build.sh built it.
    fn module(self) -> &'static [u8] {
        self.parts().1
    }
}

/// The adapters' WIT, dependencies before their users: the WASI packages, then the worlds.
const WIT: &[(&str, &str)] = &[
    (
        "deps/io.wit",
        include_str!("../../crates/wash-virt-adapter/wit/deps/io.wit"),
    ),
    (
        "deps/random.wit",
        include_str!("../../crates/wash-virt-adapter/wit/deps/random.wit"),
    ),
    (
        "deps/clocks.wit",
        include_str!("../../crates/wash-virt-adapter/wit/deps/clocks.wit"),
    ),
    (
        "deps/filesystem.wit",
        include_str!("../../crates/wash-virt-adapter/wit/deps/filesystem.wit"),
    ),
    (
        "deps/sockets.wit",
        include_str!("../../crates/wash-virt-adapter/wit/deps/sockets.wit"),
    ),
    (
        "deps/cli.wit",
        include_str!("../../crates/wash-virt-adapter/wit/deps/cli.wit"),
    ),
    (
        "deps/http.wit",
        include_str!("../../crates/wash-virt-adapter/wit/deps/http.wit"),
    ),
    (
        "world.wit",
        include_str!("../../crates/wash-virt-adapter/wit/world.wit"),
    ),
];

/// The version to give each WASI package (`cli`, `io`, …): the one the component imports it
/// at, else the version of its other WASI imports.
#[derive(Debug, Clone)]
pub(crate) struct Versions {
    by_package: BTreeMap<String, String>,
    fallback: String,
}

impl Versions {
    /// Versions read from a component's import names (`wasi:io/poll@0.2.6`).
    pub(crate) fn from_imports(imports: &[String]) -> Versions {
        let mut by_package = BTreeMap::new();
        for name in imports {
            if let Some((pkg, version)) = wasi_package_version(name) {
                by_package.insert(pkg.to_string(), version.to_string());
            }
        }
        let fallback = by_package
            .values()
            .max_by_key(|v| semver_key(v))
            .cloned()
            .unwrap_or_else(|| BASE_VERSION.to_string());
        Versions {
            by_package,
            fallback,
        }
    }

    fn of(&self, package: &str) -> &str {
        self.by_package.get(package).unwrap_or(&self.fallback)
    }
}

/// `("io", "0.2.6")` from `wasi:io/poll@0.2.6`, for WASI 0.2 names only.
fn wasi_package_version(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("wasi:")?;
    let (path, version) = rest.split_once('@')?;
    let pkg = path.split('/').next()?;
    version.starts_with("0.2.").then_some((pkg, version))
}

fn semver_key(v: &str) -> Vec<u64> {
    v.split(['.', '-'])
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

/// Rewrites every `wasi:<pkg>[/<iface>]@0.2.12` in `text` to the version `versions` gives `<pkg>`.
pub(crate) fn relabel(text: &str, versions: &Versions) -> String {
    let is_name = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("wasi:") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + "wasi:".len()..];
        let pkg_len = tail.find(|c| !is_name(c)).unwrap_or(tail.len());
        let pkg = &tail[..pkg_len];
        let mut path_len = pkg_len;
        if tail[pkg_len..].starts_with('/') {
            let iface = &tail[pkg_len + 1..];
            path_len += 1 + iface.find(|c| !is_name(c)).unwrap_or(iface.len());
        }
        out.push_str("wasi:");
        out.push_str(&tail[..path_len]);
        match tail[path_len..].strip_prefix(&format!("@{BASE_VERSION}")) {
            Some(after) if !after.starts_with(|c: char| c.is_ascii_digit()) => {
                out.push('@');
                out.push_str(versions.of(pkg));
                rest = after;
            }
            _ => rest = &tail[path_len..],
        }
    }
    out.push_str(rest);
    out
}

/// The adapters' WIT, relabeled for one component's WASI versions.
pub(crate) struct AdapterWit {
    resolve: Resolve,
    package: wit_parser::PackageId,
    versions: Versions,
}

impl AdapterWit {
    pub(crate) fn new(versions: Versions) -> Result<AdapterWit, VirtError> {
        let mut resolve = Resolve::default();
        let mut package = None;
        for (path, text) in WIT {
            let id = resolve
                .push_str(path, &strip_version_gates(&relabel(text, &versions)))
                .map_err(|e| VirtError::Adapter {
                    adapter: "wit".into(),
                    message: format!("{e:#}"),
                })?;
            package = Some(id);
        }
        Ok(AdapterWit {
            resolve,
            package: package.expect("the adapter WIT is not empty"),
            versions,
        })
    }

    fn world(&self, name: &str) -> Result<wit_parser::WorldId, String> {
        self.resolve
            .select_world(&[self.package], Some(name))
            .map_err(|e| format!("{e:#}"))
    }

    /// The adapter as a component whose WASI names carry the component's versions.
    pub(crate) fn component(&self, adapter: AdapterKind) -> Result<Vec<u8>, VirtError> {
        let fail = |message: String| VirtError::Adapter {
            adapter: adapter.world().to_string(),
            message,
        };
        let mut module = wasm_encoder::Module::new();
        Relabel {
            versions: &self.versions,
        }
        .parse_core_module(&mut module, wasmparser::Parser::new(0), adapter.module())
        .map_err(|e| fail(format!("{e:?}")))?;
        let mut module = module.finish();
        let world = self.world(adapter.world()).map_err(fail)?;
        wit_component::embed_component_metadata(
            &mut module,
            &self.resolve,
            world,
            StringEncoding::UTF8,
        )
        .map_err(|e| fail(format!("{e:#}")))?;
        ComponentEncoder::default()
            .module(&module)
            .and_then(|e| e.validate(true).encode())
            .map_err(|e| fail(format!("{e:#}")))
    }

    /// The component serving an adapter its configuration: `interface` is `env-config` or
    /// `fs-config`.
    pub(crate) fn provider(&self, interface: &str, blob: &[u8]) -> Result<Vec<u8>, VirtError> {
        let world_name = format!("{interface}-provider");
        let fail = |message: String| VirtError::Adapter {
            adapter: world_name.clone(),
            message,
        };
        let world = self.world(&world_name).map_err(fail)?;
        let export = format!("wash:virt/{interface}@0.1.0#get");
        super::provider::provider_component(&export, blob, &self.resolve, world).map_err(fail)
    }
}

/// Drops `@since(…)` and `@deprecated(…)` annotations: relabeled to an older patch release,
/// a package would otherwise refer to versions after its own, which WIT rejects. The items
/// they mark stay; a component of that release simply never imports them.
fn strip_version_gates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['@']) {
        let tail = &rest[i..];
        let gate = ["@since(", "@deprecated("]
            .iter()
            .any(|g| tail.starts_with(g));
        match (gate, tail.find(')')) {
            (true, Some(end)) => {
                out.push_str(&rest[..i]);
                rest = &tail[end + 1..];
            }
            _ => {
                out.push_str(&rest[..=i]);
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Copies a core module, relabeling WASI names in its imports and exports and dropping the WIT
/// wit-bindgen embedded (the caller embeds the relabeled one).
struct Relabel<'a> {
    versions: &'a Versions,
}

impl Reencode for Relabel<'_> {
    type Error = Infallible;

    fn parse_imports(
        &mut self,
        section: &mut wasm_encoder::ImportSection,
        imports: wasmparser::Imports<'_>,
    ) -> Result<(), ReencodeError<Infallible>> {
        for item in imports {
            let (_, import) = item?;
            let ty = self.entity_type(import.ty)?;
            section.import(
                &relabel(import.module, self.versions),
                &relabel(import.name, self.versions),
                ty,
            );
        }
        Ok(())
    }

    fn parse_export(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        export: wasmparser::Export<'_>,
    ) -> Result<(), ReencodeError<Infallible>> {
        let kind = self.export_kind(export.kind)?;
        let index = self.external_index(export.kind, export.index)?;
        exports.export(&relabel(export.name, self.versions), kind, index);
        Ok(())
    }

    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), ReencodeError<Infallible>> {
        if section.name().starts_with("component-type") {
            return Ok(());
        }
        wasm_encoder::reencode::utils::parse_custom_section(self, module, section)
    }
}

/// What `crates/wash-virt-adapter/build.sh` builds the adapters from, as paths from the
/// repository root (folders taken whole). Keep it the same as `inputs` in build.sh.
#[cfg(test)]
const ADAPTER_INPUTS: &[&str] = &[
    "crates/wash-virt-adapter/Cargo.toml",
    "crates/wash-virt-adapter/Cargo.lock",
    "crates/wash-virt-adapter/build.sh",
    "crates/wash-virt-adapter/src",
    "crates/wash-virt-adapter/wit",
    "crates/wash-virt-wire/Cargo.toml",
    "crates/wash-virt-wire/src",
];

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;
    use std::path::Path;

    /// Every file at or under `path` (relative to `root`), as `/`-separated relative paths.
    fn files(root: &Path, path: &str, out: &mut Vec<String>) {
        let full = root.join(path);
        if full.is_file() {
            out.push(path.to_string());
            return;
        }
        let entries = std::fs::read_dir(&full).unwrap_or_else(|e| panic!("{path}: {e}"));
        for e in entries {
            let name = e.unwrap().file_name();
            files(root, &format!("{path}/{}", name.to_str().unwrap()), out);
        }
    }

    /// build.sh records the sha256 of each input and each module it wrote in
    /// `src/virt/adapters/SOURCES.sha256` (`sha256sum` lines). A source changed since, or a
    /// module that is not what build.sh wrote, fails here: the modules would not match.
    #[test]
    fn checked_in_adapters_match_their_sources() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let manifest = "src/virt/adapters/SOURCES.sha256";
        let recorded: BTreeMap<String, String> = std::fs::read_to_string(root.join(manifest))
            .unwrap_or_else(|e| panic!("{manifest}: {e}; run crates/wash-virt-adapter/build.sh"))
            .lines()
            .filter_map(|l| l.split_once("  "))
            .map(|(hash, path)| (path.to_string(), hash.to_string()))
            .collect();
        let hex = |bytes: &[u8]| format!("{:x}", sha2::Sha256::digest(bytes));
        let mut paths = Vec::new();
        for input in ADAPTER_INPUTS {
            files(root, input, &mut paths);
        }
        let mut actual: BTreeMap<String, String> = paths
            .into_iter()
            .map(|p| {
                let hash = hex(&std::fs::read(root.join(&p)).unwrap());
                (p, hash)
            })
            .collect();
        // The modules as wash embeds them, so every kind must have been built.
        for kind in AdapterKind::ALL {
            let path = format!("src/virt/adapters/{}.wasm", kind.world());
            actual.insert(path, hex(kind.module()));
        }
        let mut problems = Vec::new();
        for (path, hash) in &actual {
            match recorded.get(path) {
                None => problems.push(format!("new: {path}")),
                Some(h) if h != hash => problems.push(format!("changed: {path}")),
                Some(_) => {}
            }
        }
        for path in recorded.keys().filter(|p| !actual.contains_key(*p)) {
            problems.push(format!("gone: {path}"));
        }
        assert!(
            problems.is_empty(),
            "the checked-in adapters (src/virt/adapters/*.wasm) were not built from these \
             sources:\n  {}\nrun crates/wash-virt-adapter/build.sh and commit what it writes",
            problems.join("\n  ")
        );
    }

    #[test]
    fn every_adapter_module_encodes_as_a_component_of_its_world() {
        let wit = AdapterWit::new(Versions::from_imports(&[])).unwrap();
        for kind in AdapterKind::ALL {
            let component = wit
                .component(kind)
                .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            assert!(crate::artifact::is_component(&component), "{kind:?}");
        }
    }

    #[test]
    fn relabels_each_package_to_its_version() {
        let v = Versions::from_imports(&[
            "wasi:io/poll@0.2.0".into(),
            "wasi:cli/environment@0.2.3".into(),
        ]);
        assert_eq!(
            relabel(
                "use wasi:io/poll@0.2.12.{pollable}; package wasi:cli@0.2.12;",
                &v
            ),
            "use wasi:io/poll@0.2.0.{pollable}; package wasi:cli@0.2.3;"
        );
        // Packages the component does not import take its newest WASI version.
        assert_eq!(
            relabel("wasi:clocks/wall-clock@0.2.12#now", &v),
            "wasi:clocks/wall-clock@0.2.3#now"
        );
        // Other versions and names are left alone.
        assert_eq!(
            relabel("wasi:io/poll@0.2.120 wasi:x wash:virt", &v),
            "wasi:io/poll@0.2.120 wasi:x wash:virt"
        );
    }
}
