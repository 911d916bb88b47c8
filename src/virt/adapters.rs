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

/// One adapter: a world of `wit/world.wit` and its core module.
pub(crate) struct Adapter {
    pub(crate) world: &'static str,
    module: &'static [u8],
}

macro_rules! adapter {
    ($world:literal) => {
        Adapter {
            world: $world,
            module: include_bytes!(concat!("adapters/", $world, ".wasm")),
        }
    };
}

pub(crate) const ENV: Adapter = adapter!("env");
pub(crate) const DENY_CLOCKS: Adapter = adapter!("deny-clocks");
pub(crate) const DENY_RANDOM: Adapter = adapter!("deny-random");
pub(crate) const DENY_EXIT: Adapter = adapter!("deny-exit");
pub(crate) const DENY_STDIO: Adapter = adapter!("deny-stdio");
pub(crate) const DENY_SOCKETS: Adapter = adapter!("deny-sockets");
pub(crate) const DENY_HTTP: Adapter = adapter!("deny-http");

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
    pub(crate) fn component(&self, adapter: &Adapter) -> Result<Vec<u8>, VirtError> {
        let fail = |message: String| VirtError::Adapter {
            adapter: adapter.world.to_string(),
            message,
        };
        let mut module = wasm_encoder::Module::new();
        Relabel {
            versions: &self.versions,
        }
        .parse_core_module(&mut module, wasmparser::Parser::new(0), adapter.module)
        .map_err(|e| fail(format!("{e:?}")))?;
        let mut module = module.finish();
        let world = self.world(adapter.world).map_err(fail)?;
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

    /// The component serving the env adapter its configuration.
    pub(crate) fn env_provider(&self, blob: &[u8]) -> Result<Vec<u8>, VirtError> {
        let fail = |message: String| VirtError::Adapter {
            adapter: "env-config-provider".into(),
            message,
        };
        let world = self.world("env-config-provider").map_err(fail)?;
        super::config::provider_component(blob, &self.resolve, world).map_err(fail)
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

#[cfg(test)]
mod tests {
    use super::*;

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
