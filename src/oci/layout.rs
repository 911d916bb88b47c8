//! The CNCF Wasm OCI artifact layout (cncf/tag-runtime `wasm-oci-artifact`): an OCI image
//! manifest whose config is `application/vnd.wasm.config.v0+json` and whose one layer is the
//! component (`application/wasm`), with `org.opencontainers.image.*` annotations taken from the
//! component's metadata and its `Cargo.toml`.

use std::collections::BTreeMap;

use oci_client::manifest::{OciDescriptor, OciImageManifest};

use super::{
    CONFIG_MEDIA_TYPE, DEPRECATED_LAYER_MEDIA_TYPE, LAYER_MEDIA_TYPE, MANIFEST_MEDIA_TYPE,
};
use crate::artifact::sha256_digest;
use crate::inspect::Inspection;

/// The config blob of a Wasm artifact (`application/vnd.wasm.config.v0+json`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WasmConfig {
    /// When the artifact was made (RFC 3339).
    pub created: String,
    /// Who made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Always `wasm`.
    pub architecture: String,
    /// `wasip2` for components (`wasip1` for core modules, which wash does not push).
    pub os: String,
    /// The manifest's layer digests, in order.
    pub layer_digests: Vec<String>,
    /// The component's world; required when `os` is `wasip2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<ComponentWorld>,
}

/// `component` in the config: the world's import and export names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ComponentWorld {
    /// Exported interface (or function) names.
    pub exports: Vec<String>,
    /// Imported interface (or function) names.
    pub imports: Vec<String>,
    /// The world the component targets, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// What the crate's `Cargo.toml` says, for the annotations.
#[derive(Debug, Clone, Default)]
pub struct PackageInfo {
    /// `package.name`.
    pub name: String,
    /// `package.version`.
    pub version: String,
    /// `package.description`.
    pub description: Option<String>,
    /// `package.authors`.
    pub authors: Vec<String>,
    /// `package.license`.
    pub license: Option<String>,
    /// `package.repository`.
    pub repository: Option<String>,
    /// `package.homepage`.
    pub homepage: Option<String>,
}

impl PackageInfo {
    /// The fields of a `cargo metadata` package.
    pub fn of(p: &cargo_metadata::Package) -> PackageInfo {
        PackageInfo {
            name: p.name.to_string(),
            version: p.version.to_string(),
            description: p.description.clone(),
            authors: p.authors.clone(),
            license: p.license.clone(),
            repository: p.repository.clone(),
            homepage: p.homepage.clone(),
        }
    }
}

/// A manifest, config and layer ready to upload, with their digests.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The manifest, as pushed.
    pub manifest: OciImageManifest,
    /// Its exact bytes (the manifest digest is their hash).
    pub manifest_bytes: Vec<u8>,
    /// The config blob's bytes.
    pub config_bytes: Vec<u8>,
}

impl Artifact {
    /// The manifest digest: what the pushed tag points at.
    pub fn manifest_digest(&self) -> String {
        sha256_digest(&self.manifest_bytes)
    }

    /// The component's digest.
    pub fn layer_digest(&self) -> &str {
        &self.manifest.layers[0].digest
    }
}

/// `org.opencontainers.image.*` annotations: the component's own metadata first, gaps filled
/// from `Cargo.toml`, then `created`, then the user's `extra` (which win).
pub fn annotations(
    inspection: &Inspection,
    package: Option<&PackageInfo>,
    created: &str,
    extra: &[(String, String)],
) -> BTreeMap<String, String> {
    let m = &inspection.metadata;
    let p = package.cloned().unwrap_or_default();
    let nonempty = |s: String| (!s.is_empty()).then_some(s);
    let authors = nonempty(p.authors.join(", "));
    let fields: [(&str, Option<String>); 8] = [
        ("title", m.name.clone().or_else(|| nonempty(p.name.clone()))),
        (
            "description",
            m.description.clone().or(p.description.clone()),
        ),
        ("authors", m.authors.clone().or(authors)),
        ("source", m.source.clone().or(p.repository.clone())),
        ("url", m.homepage.clone().or(p.homepage.clone())),
        ("version", m.version.clone().or_else(|| nonempty(p.version))),
        ("revision", m.revision.clone()),
        ("licenses", m.licenses.clone().or(p.license.clone())),
    ];
    let mut out = BTreeMap::new();
    for (key, value) in fields {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            out.insert(format!("org.opencontainers.image.{key}"), v);
        }
    }
    out.insert(
        "org.opencontainers.image.created".to_string(),
        created.to_string(),
    );
    for (k, v) in extra {
        out.insert(k.clone(), v.clone());
    }
    out
}

/// Lays out the component `inspection` describes: config, one `application/wasm` layer (its
/// digest and size), manifest with `annotations`.
pub fn assemble(
    inspection: &Inspection,
    annotations: BTreeMap<String, String>,
    created: &str,
) -> Artifact {
    // `inspect` hashed these very bytes already; a second pass over a large component is waste.
    let layer_digest = inspection.digest.clone();
    let config = WasmConfig {
        created: created.to_string(),
        author: annotations.get("org.opencontainers.image.authors").cloned(),
        architecture: "wasm".to_string(),
        os: "wasip2".to_string(),
        layer_digests: vec![layer_digest.clone()],
        component: Some(ComponentWorld {
            exports: inspection.world.exports.clone(),
            imports: inspection.world.imports.clone(),
            target: None,
        }),
    };
    let config_bytes = serde_json::to_vec(&config).expect("the config always serializes");
    let descriptor = |media_type: &str, digest: String, size: usize| OciDescriptor {
        media_type: media_type.to_string(),
        digest,
        size: size as i64,
        urls: None,
        annotations: None,
        artifact_type: None,
    };
    let manifest = OciImageManifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.to_string()),
        config: descriptor(
            CONFIG_MEDIA_TYPE,
            sha256_digest(&config_bytes),
            config_bytes.len(),
        ),
        layers: vec![descriptor(
            LAYER_MEDIA_TYPE,
            layer_digest,
            inspection.size as usize,
        )],
        subject: None,
        artifact_type: None,
        annotations: Some(annotations),
    };
    let manifest_bytes = serde_json::to_vec(&manifest).expect("the manifest always serializes");
    Artifact {
        manifest,
        manifest_bytes,
        config_bytes,
    }
}

/// The one component layer of a pulled manifest. Accepts `application/wasm` and the deprecated
/// `application/vnd.module.wasm.content.layer.v1+wasm`; refuses manifests with other or more
/// layers (CNCF v0 consumers reject more than one).
pub fn component_layer(manifest: &OciImageManifest) -> Result<&OciDescriptor, String> {
    let wasm: Vec<&OciDescriptor> = manifest
        .layers
        .iter()
        .filter(|l| l.media_type == LAYER_MEDIA_TYPE || l.media_type == DEPRECATED_LAYER_MEDIA_TYPE)
        .collect();
    match (wasm.as_slice(), manifest.layers.len()) {
        ([one], 1) => Ok(one),
        ([], _) => Err(format!(
            "it has no `{LAYER_MEDIA_TYPE}` layer (layers: {})",
            manifest
                .layers
                .iter()
                .map(|l| format!("`{}`", l.media_type))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => Err(format!(
            "it has {} layers; a Wasm artifact has exactly one",
            manifest.layers.len()
        )),
    }
}

/// `SOURCE_DATE_EPOCH` (reproducible builds) when set, else now; RFC 3339 in UTC.
pub fn created_now() -> String {
    let when = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .unwrap_or_else(chrono::Utc::now);
    when.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::{ComponentMetadata, WorldSummary};

    fn inspection(name: Option<&str>, version: Option<&str>) -> Inspection {
        Inspection {
            path: "c.wasm".into(),
            size: 4,
            digest: sha256_digest(b"\0asm"),
            world: WorldSummary {
                imports: vec!["wasi:cli/stdout@0.2.6".into()],
                exports: vec!["wasi:cli/run@0.2.6".into()],
            },
            wit: None,
            metadata: ComponentMetadata {
                name: name.map(str::to_string),
                version: version.map(str::to_string),
                ..Default::default()
            },
            composition: Vec::new(),
            virt: None,
            signatures: Vec::new(),
        }
    }

    #[test]
    fn component_metadata_then_cargo_toml_then_flags() {
        let package = PackageInfo {
            name: "hello".into(),
            version: "0.1.0".into(),
            license: Some("MIT".into()),
            authors: vec!["Ann".into(), "Bo".into()],
            ..Default::default()
        };
        let a = annotations(
            &inspection(Some("from-component"), None),
            Some(&package),
            "2026-01-01T00:00:00Z",
            &[(
                "org.opencontainers.image.licenses".into(),
                "Apache-2.0".into(),
            )],
        );
        let get = |k: &str| {
            a.get(&format!("org.opencontainers.image.{k}"))
                .map(String::as_str)
        };
        assert_eq!(get("title"), Some("from-component"));
        assert_eq!(get("version"), Some("0.1.0"));
        assert_eq!(get("authors"), Some("Ann, Bo"));
        assert_eq!(get("licenses"), Some("Apache-2.0"));
        assert_eq!(get("created"), Some("2026-01-01T00:00:00Z"));
        assert_eq!(get("description"), None);
    }

    #[test]
    fn the_layout_is_the_cncf_one() {
        let i = inspection(None, None);
        let art = assemble(&i, BTreeMap::new(), "2026-01-01T00:00:00Z");
        assert_eq!(
            art.manifest.media_type.as_deref(),
            Some(MANIFEST_MEDIA_TYPE)
        );
        assert_eq!(art.manifest.config.media_type, CONFIG_MEDIA_TYPE);
        assert_eq!(art.manifest.layers.len(), 1);
        assert_eq!(art.manifest.layers[0].media_type, LAYER_MEDIA_TYPE);
        assert_eq!(art.layer_digest(), i.digest);
        let config: WasmConfig = serde_json::from_slice(&art.config_bytes).unwrap();
        assert_eq!(config.architecture, "wasm");
        assert_eq!(config.os, "wasip2");
        assert_eq!(config.layer_digests, vec![i.digest.clone()]);
        assert_eq!(config.component.unwrap().exports, i.world.exports);
        assert_eq!(art.manifest_digest(), sha256_digest(&art.manifest_bytes));
        // Old pushes' layer type is read; two layers are not.
        let mut old = art.manifest.clone();
        old.layers[0].media_type = DEPRECATED_LAYER_MEDIA_TYPE.into();
        assert!(component_layer(&old).is_ok());
        old.layers.push(old.layers[0].clone());
        assert!(component_layer(&old).unwrap_err().contains("2 layers"));
    }
}
