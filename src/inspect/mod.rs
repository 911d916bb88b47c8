//! `wash inspect`: what a component is, from its bytes alone — its world (imports and exports),
//! its full WIT, size, digest, and the metadata its producers recorded.

use std::path::{Path, PathBuf};

use wit_component::{DecodedWasm, WitPrinter};
use wit_parser::{Resolve, WorldId, WorldItem, WorldKey};

use crate::artifact::{self, ArtifactError};

pub mod composition;

pub use composition::Part;

/// Everything `wash inspect` reports about one component.
#[derive(Debug, serde::Serialize)]
pub struct Inspection {
    /// The file inspected.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// `sha256:<hex>`.
    pub digest: String,
    /// The component's world.
    pub world: WorldSummary,
    /// The component's WIT, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wit: Option<String>,
    /// Metadata from custom sections.
    pub metadata: ComponentMetadata,
    /// The components composed into it, if it is a composition.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub composition: Vec<Part>,
    /// What `wash virt` answered inside it, if it was virtualized.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virt: Option<crate::virt::VirtReport>,
    /// Its embedded signatures, each checked against the local keys (`wash keys list`).
    pub signatures: Vec<crate::sign::SignatureStatus>,
}

/// A component's imports and exports, by name (`wasi:http/incoming-handler@0.2.6`).
#[derive(Debug, serde::Serialize)]
pub struct WorldSummary {
    /// What the component needs from its host or other components.
    pub imports: Vec<String>,
    /// What it provides.
    pub exports: Vec<String>,
}

/// The wasm-metadata fields of the outermost component.
#[derive(Debug, Default, serde::Serialize)]
pub struct ComponentMetadata {
    /// `component-name` section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// OCI-style fields, present when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub authors: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub licenses: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub homepage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[allow(missing_docs)]
    pub revision: Option<String>,
    /// The producers section: field (`language`, `processed-by`, `sdk`) to `name version` pairs,
    /// gathered from the component and the modules inside it.
    pub producers: Vec<Producer>,
}

/// One producers-section entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Producer {
    /// `language`, `processed-by` or `sdk`.
    pub field: String,
    /// The tool or language.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// What can go wrong inspecting a file.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ArtifactError),
    /// Not WebAssembly at all.
    #[error("`{path}` is not a WebAssembly file (it does not start with `\\0asm`)")]
    NotWasm {
        /// The file.
        path: PathBuf,
    },
    /// A core module, not a component.
    #[error("`{path}` is a core WebAssembly module, not a component")]
    CoreModule {
        /// The file.
        path: PathBuf,
    },
    /// A component whose types cannot be decoded.
    #[error("`{path}` is not a valid WebAssembly component")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What the validator or decoder found.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl crate::hint::Hint for InspectError {
    fn hint(&self) -> Option<String> {
        match self {
            InspectError::CoreModule { .. } => Some(
                "build it for `wasm32-wasip2` (`wash build` does), or wrap it with \
                 `wasm-tools component new`"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// What to report beyond the world, size, digest and metadata.
#[derive(Debug, Clone, Copy, Default)]
pub struct InspectOptions<'a> {
    /// Render the component's full WIT.
    pub wit: bool,
    /// Check its signatures against these keys (a signature by no key here is listed as
    /// unchecked).
    pub keys: &'a [crate::sign::TrustedKey],
}

/// Inspects the component at `path`.
pub fn inspect_file(path: &Path, options: &InspectOptions<'_>) -> Result<Inspection, InspectError> {
    // The WIT is decoded as soon as the last byte is read, while the hash of the last pieces is
    // still being taken on another core.
    let (bytes, digest, decoded) = artifact::read_hashed_then(path, decode)?;
    conclude(path, &bytes, digest, decoded, options)
}

/// Inspects component bytes; `path` is only used to name the file in results and errors.
pub fn inspect_bytes(
    path: &Path,
    bytes: &[u8],
    options: &InspectOptions<'_>,
) -> Result<Inspection, InspectError> {
    inspect_with(path, bytes, None, options)
}

/// [`inspect_bytes`] for bytes whose digest was taken as they were read
/// ([`artifact::read_hashed`]): they are not hashed again.
pub fn inspect_hashed(
    path: &Path,
    bytes: &[u8],
    digest: String,
    options: &InspectOptions<'_>,
) -> Result<Inspection, InspectError> {
    inspect_with(path, bytes, Some(digest), options)
}

/// What [`inspect_bytes`] refuses first, alone: bytes that are not a component, or not a valid
/// one (fully validated unless bytes with this `digest` already were).
pub fn check_component(path: &Path, bytes: &[u8], digest: &str) -> Result<(), InspectError> {
    not_a_component(path, bytes)?;
    if !artifact::known_valid(digest) {
        artifact::validate_component(bytes).map_err(|e| InspectError::Invalid {
            path: path.to_path_buf(),
            source: e.into(),
        })?;
        artifact::record_valid(digest);
    }
    Ok(())
}

/// Refuses bytes that do not begin as a component's do (the first 8 are enough), before
/// anything else is done with them.
pub fn check_kind(path: &Path, start: &[u8]) -> Result<(), InspectError> {
    not_a_component(path, start)
}

fn not_a_component(path: &Path, bytes: &[u8]) -> Result<(), InspectError> {
    if !artifact::is_wasm(bytes) {
        return Err(InspectError::NotWasm {
            path: path.to_path_buf(),
        });
    }
    if !artifact::is_component(bytes) {
        return Err(InspectError::CoreModule {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

fn inspect_with(
    path: &Path,
    bytes: &[u8],
    known_digest: Option<String>,
    options: &InspectOptions<'_>,
) -> Result<Inspection, InspectError> {
    // The digest (a pass over every byte), unless known, is taken on another core while the WIT
    // is decoded.
    let (digest, decoded) = std::thread::scope(|scope| {
        let hashing = known_digest
            .is_none()
            .then(|| scope.spawn(|| artifact::sha256_digest(bytes)));
        let decoded = decode(bytes);
        let digest = match hashing {
            Some(hashing) => hashing.join().expect("hashing does not panic"),
            None => known_digest.unwrap_or_default(),
        };
        (digest, decoded)
    });
    conclude(path, bytes, digest, decoded, options)
}

/// What [`decode`] makes of a component's bytes: `Err` if even their structure is invalid,
/// `None` if wit-parser gave up on them.
type Decoded = Result<Option<anyhow::Result<DecodedWasm>>, wasmparser::BinaryReaderError>;

/// The WIT of component bytes, decoded only once their structure (all but the function bodies)
/// is found valid: wit-parser is not for hostile bytes (it asked for 4 GiB on a 333-byte file
/// `fuzz/` made).
fn decode(bytes: &[u8]) -> Decoded {
    artifact::validate_structure(bytes).map(|()| {
        // wit-parser 0.258 panics (`unreachable!` in `decoding.rs`) on some valid components,
        // ones exporting a type WIT has no definition for (found by `fuzz/`,
        // `fuzz/regressions/wit-unreachable-type-export.bin`): report those, do not crash.
        // The types are decoded from the bytes less their custom sections (most of a debug
        // build), which wit-parser would otherwise copy through a buffer of its own for nothing.
        // Anything it refuses is decoded again whole, for an error whose offsets are the file's.
        artifact::contain_panic(|| match artifact::TypesOnly::new(bytes) {
            Some(types) => {
                wit_component::decode_reader(types).or_else(|_| wit_component::decode(bytes))
            }
            None => wit_component::decode(bytes),
        })
    })
}

/// The inspection of `bytes` with this `digest` and what [`decode`] made of them. Bytes with a
/// digest already validated are not validated again ([`artifact::known_valid`]); others are,
/// before anything decoded is used, so an invalid component gets the validator's error.
fn conclude(
    path: &Path,
    bytes: &[u8],
    digest: String,
    decoded: Decoded,
    options: &InspectOptions<'_>,
) -> Result<Inspection, InspectError> {
    not_a_component(path, bytes)?;
    let invalid = |e: Box<dyn std::error::Error + Send + Sync + 'static>| InspectError::Invalid {
        path: path.to_path_buf(),
        source: e,
    };
    let decoded = decoded.map_err(|e| invalid(e.into()))?;
    if !artifact::known_valid(&digest) {
        artifact::validate_component(bytes).map_err(|e| invalid(e.into()))?;
        artifact::record_valid(&digest);
    }
    let decoded = decoded.ok_or_else(|| {
        invalid("its types cannot be decoded as WIT (wit-parser gave up on them)".into())
    })?;
    let (resolve, world) = match decoded.map_err(|e| invalid(e.into()))? {
        DecodedWasm::Component(resolve, world) => (resolve, world),
        DecodedWasm::WitPackage(..) => {
            return Err(invalid(
                "it is a WIT package, not a runnable component".into(),
            ));
        }
    };
    let wit = options
        .wit
        .then(|| render_wit(&resolve, world).map_err(|e| invalid(e.into())))
        .transpose()?;
    Ok(Inspection {
        path: path.to_path_buf(),
        size: bytes.len() as u64,
        digest,
        world: summarize(&resolve, world),
        wit,
        metadata: read_metadata(bytes),
        composition: composition::parts(bytes),
        virt: crate::virt::read_report(bytes),
        signatures: crate::sign::check_signatures(bytes, options.keys),
    })
}

fn summarize(resolve: &Resolve, world: WorldId) -> WorldSummary {
    let w = &resolve.worlds[world];
    let names = |items: &wit_parser::IndexMap<WorldKey, WorldItem>| {
        items
            .iter()
            .filter_map(|(key, item)| match item {
                // Types a world imports are part of the interfaces listed, not items of their own.
                WorldItem::Type { .. } => None,
                _ => Some(resolve.name_world_key(key)),
            })
            .collect()
    };
    WorldSummary {
        imports: names(&w.imports),
        exports: names(&w.exports),
    }
}

/// The component's world and every package it uses, as one WIT document (the same text
/// `wasm-tools component wit` prints).
fn render_wit(resolve: &Resolve, world: WorldId) -> anyhow::Result<String> {
    let main = resolve.worlds[world]
        .package
        .ok_or_else(|| anyhow::anyhow!("the decoded world has no package"))?;
    let nested: Vec<_> = resolve
        .packages
        .iter()
        .map(|(id, _)| id)
        .filter(|id| *id != main)
        .collect();
    let mut printer = WitPrinter::default();
    printer.print(resolve, main, &nested)?;
    Ok(printer.output.to_string())
}

fn read_metadata(bytes: &[u8]) -> ComponentMetadata {
    let Ok(payload) = wasm_metadata::Payload::from_binary(bytes) else {
        return ComponentMetadata::default();
    };
    let m = payload.metadata();
    let mut producers = Vec::new();
    collect_producers(&payload, &mut producers);
    producers.sort();
    producers.dedup();
    ComponentMetadata {
        name: m.name.clone(),
        version: m.version.as_ref().map(|v| v.to_string()),
        description: m.description.as_ref().map(|v| v.to_string()),
        authors: m.authors.as_ref().map(|v| v.to_string()),
        licenses: m.licenses.as_ref().map(|v| v.to_string()),
        source: m.source.as_ref().map(|v| v.to_string()),
        homepage: m.homepage.as_ref().map(|v| v.to_string()),
        revision: m.revision.as_ref().map(|v| v.to_string()),
        producers,
    }
}

fn collect_producers(payload: &wasm_metadata::Payload, out: &mut Vec<Producer>) {
    if let Some(p) = &payload.metadata().producers {
        for (field, values) in p.iter() {
            for (name, version) in values.iter() {
                out.push(Producer {
                    field: field.clone(),
                    name: name.clone(),
                    version: version.clone(),
                });
            }
        }
    }
    if let wasm_metadata::Payload::Component { children, .. } = payload {
        for child in children {
            collect_producers(child, out);
        }
    }
}
