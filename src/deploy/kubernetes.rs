//! Kubernetes with runwasi's wasmtime shim (`containerd-shim-wasmtime`): a `RuntimeClass`
//! naming the shim's handler, a `Deployment` of the component with that runtime class, and for
//! an HTTP component a `Service` in front of the port the shim serves `wasi:http` on (8080).

use serde_json::{Value, json};

use super::{Document, Resolved, yaml_document};

/// The RuntimeClass (and containerd runtime handler) runwasi's docs configure.
const RUNTIME_CLASS: &str = "wasmtime";
/// Where containerd-shim-wasmtime serves a `wasi:http/proxy` component.
const SHIM_HTTP_PORT: u16 = 8080;

pub(super) fn manifests(r: &Resolved<'_>, warnings: &mut Vec<String>) -> Vec<Document> {
    for h in &r.needs.host_interfaces {
        warnings.push(format!(
            "runwasi's wasmtime shim hosts WASI 0.2 only: `{}` will not link",
            h.display()
        ));
    }
    if !r.config.is_empty() {
        warnings.push("runwasi has no `wasi:config`: the config values are left out".into());
    }
    let labels = json!({ "app.kubernetes.io/name": r.name });
    let runtime_class = json!({
        "apiVersion": "node.k8s.io/v1",
        "kind": "RuntimeClass",
        "metadata": { "name": RUNTIME_CLASS },
        "handler": RUNTIME_CLASS,
    });
    let mut container = json!({ "name": r.name, "image": r.image });
    if r.needs.http.is_some() {
        container["ports"] = json!([{ "name": "http", "containerPort": SHIM_HTTP_PORT }]);
    }
    let deployment = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": r.metadata(&r.name),
        "spec": {
            "replicas": r.replicas,
            "selector": { "matchLabels": labels },
            "template": {
                "metadata": { "labels": labels },
                "spec": {
                    "runtimeClassName": RUNTIME_CLASS,
                    "containers": [container],
                },
            },
        },
    });
    let mut docs = vec![yaml_document(runtime_class), yaml_document(deployment)];
    if r.needs.http.is_some() {
        let service: Value = json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": r.metadata(&r.name),
            "spec": {
                "selector": labels,
                "ports": [{ "name": "http", "port": 80, "targetPort": "http" }],
            },
        });
        docs.push(yaml_document(service));
    }
    docs
}
