//! wasmCloud v2: a `WorkloadDeployment` (`runtime.wasmcloud.dev/v1alpha1`, the CRD in
//! wasmCloud v2.7.0's `runtime-operator/config/crd/bases/`). `hostInterfaces` lists exactly
//! what the component imports from the host, at the versions imported — the host binds a
//! listed interface only if the component imports it and refuses one it cannot match — plus
//! the `wasi:http` ingress (`incoming-handler`, routed by the `host` config) for an HTTP
//! component. Config values go to the `wasi:config` interface's config, subscriptions to the
//! `wasmcloud:messaging` one's, as the host's plugins read them.

use serde_json::{Map, Value, json};

use super::{Document, HostInterface, Resolved, yaml_document};

pub(super) fn manifests(r: &Resolved<'_>, warnings: &mut Vec<String>) -> Vec<Document> {
    let mut interfaces = Vec::new();
    if let Some(version) = &r.needs.http {
        let http = HostInterface {
            namespace: "wasi".into(),
            package: "http".into(),
            version: (!version.is_empty()).then(|| version.clone()),
            interfaces: vec!["incoming-handler".into()],
        };
        interfaces.push(entry(&http, [("host".to_string(), r.hostname.clone())]));
    }
    let mut config_used = false;
    for h in &r.needs.host_interfaces {
        let config: Vec<(String, String)> = match (h.namespace.as_str(), h.package.as_str()) {
            ("wasi", "config") => {
                config_used = true;
                r.config.clone()
            }
            ("wasmcloud", "messaging") => messaging_config(r),
            _ => Vec::new(),
        };
        interfaces.push(entry(h, config));
    }
    if !config_used && !r.config.is_empty() {
        warnings.push(
            "config values were given, but the component does not import `wasi:config`: \
             they are left out"
                .into(),
        );
    }
    let mut template = Map::new();
    if let Some(group) = &r.settings.host_group {
        template.insert("hostSelector".into(), json!({ "hostgroup": group }));
    }
    if !interfaces.is_empty() {
        template.insert("hostInterfaces".into(), Value::Array(interfaces));
    }
    template.insert(
        "components".into(),
        json!([{ "name": r.name, "image": r.image }]),
    );
    let manifest = json!({
        "apiVersion": "runtime.wasmcloud.dev/v1alpha1",
        "kind": "WorkloadDeployment",
        "metadata": r.metadata(&r.name),
        "spec": {
            "replicas": r.replicas,
            "template": { "spec": Value::Object(template) },
        },
    });
    vec![yaml_document(manifest)]
}

/// `subscriptions` (comma-separated subjects) and `consumer_group`, as the host's NATS
/// messaging plugin reads them.
fn messaging_config(r: &Resolved<'_>) -> Vec<(String, String)> {
    let (subjects, group) = r.subjects_and_group();
    let mut config = Vec::new();
    if r.needs.messages.is_some() && !subjects.is_empty() {
        config.push(("subscriptions".to_string(), subjects.join(",")));
    }
    if let Some(group) = group {
        config.push(("consumer_group".to_string(), group.to_string()));
    }
    config
}

/// One `hostInterfaces` entry.
fn entry(h: &HostInterface, config: impl IntoIterator<Item = (String, String)>) -> Value {
    let mut e = Map::new();
    e.insert("namespace".into(), h.namespace.clone().into());
    e.insert("package".into(), h.package.clone().into());
    if let Some(v) = &h.version {
        e.insert("version".into(), v.clone().into());
    }
    e.insert("interfaces".into(), json!(h.interfaces));
    let config: Map<String, Value> = config.into_iter().map(|(k, v)| (k, v.into())).collect();
    if !config.is_empty() {
        e.insert("config".into(), Value::Object(config));
    }
    Value::Object(e)
}
