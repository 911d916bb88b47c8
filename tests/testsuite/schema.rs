//! Checks deployment manifests against their platforms' own schemas, so that what `wash deploy`
//! writes is validated, not guessed (issue 13).
//!
//! [`validate`] picks the schema by `apiVersion` and `kind`:
//! - Kubernetes' built-in kinds (`Deployment`, `Service`, `RuntimeClass`) use the OpenAPI
//!   definitions of Kubernetes 1.33 that the `k8s-openapi` crate carries (generated from
//!   kubernetes/kubernetes `api/openapi-spec`; its oldest supported release, so a manifest that
//!   passes works on every supported cluster);
//! - custom resources (wasmCloud's `WorkloadDeployment` and friends, SpinKube's `SpinApp`) use
//!   the `openAPIV3Schema` of the served version in the operator's CRD;
//! - wadm's OAM `Application` uses the JSON schema wadm publishes (`oam.schema.json`).
//!
//! The CRDs and wadm's schema are upstream files that this repository does not carry: they are
//! read from the folder [`schemas_dir`] finds (see `tests/schemas/README.md` for the files, their
//! sources and commits). Tests that need one call [`available`] first.
//!
//! Validation follows the API server with `kubectl apply --validate=strict` (the default): an
//! object whose schema lists its `properties` rejects unknown fields unless it says
//! `x-kubernetes-preserve-unknown-fields`; `x-kubernetes-int-or-string` takes an integer or a
//! string; `nullable` admits `null`; other `x-` keys are dropped. CEL rules
//! (`x-kubernetes-validations`) are not evaluated.
//!
//! [`parse_hcl`] parses a Nomad jobspec and checks it has a job with a group with a task.

#![allow(dead_code)]

mod kubernetes;
mod nomad;
mod render;
mod tests;

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

#[allow(unused_imports)] // for the tests of `wash deploy`
pub use nomad::{NomadGroup, NomadJob, NomadTask, parse_hcl};

/// Where a kind's schema comes from.
#[derive(Clone, Copy)]
enum Source {
    /// A Kubernetes built-in kind, from `k8s-openapi`.
    Builtin(fn() -> Value),
    /// A CustomResourceDefinition (YAML) under the schemas folder.
    Crd(Upstream),
    /// A plain JSON Schema under the schemas folder.
    JsonSchema(Upstream),
}

/// An upstream file under the schemas folder, pinned by its SHA-256 (the one
/// `tests/schemas/README.md` lists with its repository, tag and commit).
#[derive(Clone, Copy)]
struct Upstream {
    file: &'static str,
    sha256: &'static str,
}

const fn upstream(file: &'static str, sha256: &'static str) -> Upstream {
    Upstream { file, sha256 }
}

const WASMCLOUD: &str = "runtime.wasmcloud.dev/v1alpha1";

/// Every kind this module knows: `(apiVersion, kind, source)`.
const KINDS: &[(&str, &str, Source)] = &[
    (
        "apps/v1",
        "Deployment",
        Source::Builtin(kubernetes::deployment),
    ),
    ("v1", "Service", Source::Builtin(kubernetes::service)),
    (
        "node.k8s.io/v1",
        "RuntimeClass",
        Source::Builtin(kubernetes::runtime_class),
    ),
    (
        WASMCLOUD,
        "WorkloadDeployment",
        Source::Crd(upstream(
            "wasmcloud/runtime.wasmcloud.dev_workloaddeployments.yaml",
            "9132c1ef0f54ae41ca056caeee000a534118b26ae9e3ea5290f54aa638f98152",
        )),
    ),
    (
        WASMCLOUD,
        "Workload",
        Source::Crd(upstream(
            "wasmcloud/runtime.wasmcloud.dev_workloads.yaml",
            "d013f79a752b80a94771bbac0094c87cb1a7a58adf7aff67f9829b1030e81826",
        )),
    ),
    (
        WASMCLOUD,
        "WorkloadReplicaSet",
        Source::Crd(upstream(
            "wasmcloud/runtime.wasmcloud.dev_workloadreplicasets.yaml",
            "45963a9cc38c841807a94b4af1cc0bcfca500968a100edadd42fc4c7cdb02cf2",
        )),
    ),
    (
        WASMCLOUD,
        "Artifact",
        Source::Crd(upstream(
            "wasmcloud/runtime.wasmcloud.dev_artifacts.yaml",
            "f12ca639438a0410e7415723a66196c1e4f9dc898e2eaf385213224b8813ed22",
        )),
    ),
    (
        WASMCLOUD,
        "Host",
        Source::Crd(upstream(
            "wasmcloud/runtime.wasmcloud.dev_hosts.yaml",
            "35418ad8284cdb0daba21e6c43a44d2914e8ca9de11265bb2a588573ef6b773c",
        )),
    ),
    (
        "core.spinkube.dev/v1alpha1",
        "SpinApp",
        Source::Crd(upstream(
            "spin-operator/core.spinkube.dev_spinapps.yaml",
            "08051de70925efe25bafca636c9b9410a4fe61e17015bd199be1efa04a5b5762",
        )),
    ),
    (
        "core.oam.dev/v1beta1",
        "Application",
        Source::JsonSchema(upstream(
            "wadm/oam.schema.json",
            "47ab11fabb03d334056fc97cd20e41cb46b6237df7658e9fa0e12c0f76c892b7",
        )),
    ),
];

/// The folder holding the upstream schemas this repository does not carry, if there is one:
/// `$WASH_SCHEMAS_DIR`, else `tests/schemas/upstream/`, else `shared/schemas/` beside the
/// repository (where CI and developers find the team's shared files).
pub fn schemas_dir() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("WASH_SCHEMAS_DIR").map(PathBuf::from),
        Some(root.join("tests/schemas/upstream")),
        Some(root.join("../shared/schemas")),
    ];
    candidates.into_iter().flatten().find(|dir| dir.is_dir())
}

/// Whether the schema for `api_version`/`kind` can be had. When its upstream file is missing,
/// says so on stderr (naming the file) and returns false, so that a test can skip its check;
/// with `WASH_REQUIRE_SCHEMAS=1` set it panics instead, so that a run that must validate cannot
/// skip. A kind it does not know, or a file that is not the pinned one, is not skipped:
/// [`validate`] reports it.
pub fn available(api_version: &str, kind: &str) -> bool {
    let Some(&(_, _, Source::Crd(upstream) | Source::JsonSchema(upstream))) = KINDS
        .iter()
        .find(|(a, k, _)| *a == api_version && *k == kind)
    else {
        return true;
    };
    if upstream_path(upstream.file).is_some() {
        return true;
    }
    let why = missing(api_version, kind, upstream.file);
    if std::env::var_os("WASH_REQUIRE_SCHEMAS").is_some_and(|v| v == "1") {
        panic!("{why}");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "note: schema check skipped: {why}");
    false
}

/// Validates one manifest against its platform's schema. Each error names the JSON path of the
/// offending value (`spec.template.spec.components[0].image: …`).
pub fn validate(manifest: &Value) -> Result<(), Vec<String>> {
    let api_version = manifest["apiVersion"].as_str().unwrap_or_default();
    let kind = manifest["kind"].as_str().unwrap_or_default();
    let schema = schema_for(api_version, kind).map_err(|e| vec![e])?;
    render::check(&schema, manifest)
}

/// Validates several manifests (say, every document of one YAML stream); each error starts
/// with the manifest's kind and name.
pub fn validate_all(manifests: &[Value]) -> Result<(), Vec<String>> {
    let errors: Vec<String> = manifests
        .iter()
        .flat_map(|m| {
            let who = format!(
                "{} `{}`",
                m["kind"].as_str().unwrap_or("(no kind)"),
                m["metadata"]["name"].as_str().unwrap_or("(no name)")
            );
            validate(m)
                .err()
                .into_iter()
                .flatten()
                .map(move |e| format!("{who}: {e}"))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Every document of a YAML stream (`---`-separated), as JSON values; empty documents skipped.
pub fn yaml_documents(text: &str) -> Result<Vec<Value>, String> {
    use serde::Deserialize;
    let mut out = Vec::new();
    for doc in serde_norway::Deserializer::from_str(text) {
        let value = Value::deserialize(doc).map_err(|e| e.to_string())?;
        if !value.is_null() {
            out.push(value);
        }
    }
    Ok(out)
}

/// The JSON Schema (draft 2020-12 unless it names its own) for a kind.
fn schema_for(api_version: &str, kind: &str) -> Result<Value, String> {
    let (source, text) = locate(api_version, kind)?;
    match source {
        Source::Builtin(schema) => Ok(schema()),
        Source::Crd(upstream) => crd_schema(upstream.file, &text, api_version),
        Source::JsonSchema(upstream) => serde_json::from_str(&text)
            .map(oam_traits)
            .map_err(|e| format!("{}: {e}", upstream.file)),
    }
}

/// wadm's schema takes any trait properties (`TraitProperty` is an untagged enum with a
/// catch-all), so a link with a misspelt key passes it and is then ignored by wadm's link
/// scaler. This holds `link` traits to `LinkProperty` and `spreadscaler`/`daemonscaler` traits
/// to `SpreadScalerProperty`, the types wadm reads them as. Other schemas are left alone.
fn oam_traits(mut schema: Value) -> Value {
    let Some(defs) = schema.get_mut("definitions").and_then(Value::as_object_mut) else {
        return schema;
    };
    if !(defs.contains_key("LinkProperty") && defs.contains_key("SpreadScalerProperty")) {
        return schema;
    }
    if let Some(Value::Object(trait_schema)) = defs.get_mut("Trait") {
        let when = |types: Value, def: &str| {
            serde_json::json!({
                "if": { "properties": { "type": { "enum": types } }, "required": ["type"] },
                "then": { "properties": { "properties": { "$ref": format!("#/definitions/{def}") } } }
            })
        };
        trait_schema.insert(
            "allOf".into(),
            Value::Array(vec![
                when(serde_json::json!(["link"]), "LinkProperty"),
                when(
                    serde_json::json!(["spreadscaler", "daemonscaler"]),
                    "SpreadScalerProperty",
                ),
            ]),
        );
    }
    schema
}

/// The source of a kind and, for an upstream file, its text once its digest is checked.
fn locate(api_version: &str, kind: &str) -> Result<(Source, String), String> {
    let Some(&(_, _, source)) = KINDS
        .iter()
        .find(|(a, k, _)| *a == api_version && *k == kind)
    else {
        let known: Vec<String> = KINDS.iter().map(|(a, k, _)| format!("{a} {k}")).collect();
        return Err(format!(
            "no schema for apiVersion `{api_version}` kind `{kind}`; known: {}",
            known.join(", ")
        ));
    };
    let Upstream { file, sha256 } = match source {
        Source::Builtin(_) => return Ok((source, String::new())),
        Source::Crd(upstream) | Source::JsonSchema(upstream) => upstream,
    };
    let Some(path) = upstream_path(file) else {
        return Err(missing(api_version, kind, file));
    };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let digest = format!("{:x}", Sha256::digest(text.as_bytes()));
    if digest != sha256 {
        return Err(format!(
            "{}: sha256 {digest}, not the pinned upstream file's {sha256} \
             (tests/schemas/README.md says which tag to take it from)",
            path.display()
        ));
    }
    Ok((source, text))
}

/// An upstream file's path under the schemas folder, if it is there.
fn upstream_path(file: &str) -> Option<PathBuf> {
    schemas_dir()
        .map(|dir| dir.join(file))
        .filter(|p| p.is_file())
}

fn missing(api_version: &str, kind: &str, file: &str) -> String {
    format!(
        "{kind} ({api_version}) needs the upstream schema `{file}`, found in none of \
         $WASH_SCHEMAS_DIR, tests/schemas/upstream/, ../shared/schemas/ \
         (tests/schemas/README.md says where each file comes from)"
    )
}

/// The `openAPIV3Schema` of the version of a CRD that `api_version` names, as JSON Schema.
fn crd_schema(file: &str, text: &str, api_version: &str) -> Result<Value, String> {
    let at = |e: &dyn std::fmt::Display| format!("{file}: {e}");
    let crd: Value = serde_norway::from_str(text).map_err(|e| at(&e))?;
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    if crd["spec"]["group"] != group {
        return Err(at(&format!(
            "the CRD is for group {}, not `{group}`",
            crd["spec"]["group"]
        )));
    }
    let versions = crd["spec"]["versions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let Some(served) = versions.iter().find(|v| v["name"] == version) else {
        return Err(at(&format!("the CRD has no version `{version}`")));
    };
    if served["served"] != true {
        return Err(at(&format!("the CRD does not serve version `{version}`")));
    }
    let schema = served["schema"]["openAPIV3Schema"].clone();
    if !schema.is_object() {
        return Err(at(&format!("version `{version}` has no openAPIV3Schema")));
    }
    Ok(kubernetes::custom_resource(schema))
}
