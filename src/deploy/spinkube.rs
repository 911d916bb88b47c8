//! SpinKube: a `SpinApp` (`core.spinkube.dev/v1alpha1`, spin-operator's CRD) run by the
//! `containerd-shim-spin` executor, which serves a single-component `application/wasm`
//! artifact as an HTTP app. Config values become Spin variables.

use serde_json::{Map, Value, json};

use super::{Document, Resolved, yaml_document};

pub(super) fn manifests(r: &Resolved<'_>, warnings: &mut Vec<String>) -> Vec<Document> {
    if r.needs.http.is_none() {
        warnings.push("SpinKube serves HTTP components; this one is not one".into());
    }
    for h in &r.needs.host_interfaces {
        warnings.push(format!(
            "Spin provides its own set of host interfaces: check that it links `{}`",
            h.display()
        ));
    }
    let mut spec = Map::new();
    spec.insert("image".into(), r.image.into());
    spec.insert("executor".into(), "containerd-shim-spin".into());
    spec.insert("replicas".into(), r.replicas.into());
    if !r.config.is_empty() {
        let variables: Vec<Value> = r
            .config
            .iter()
            .map(|(k, v)| json!({ "name": k, "value": v }))
            .collect();
        spec.insert("variables".into(), Value::Array(variables));
    }
    let manifest = json!({
        "apiVersion": "core.spinkube.dev/v1alpha1",
        "kind": "SpinApp",
        "metadata": r.metadata(&r.name),
        "spec": Value::Object(spec),
    });
    vec![yaml_document(manifest)]
}
