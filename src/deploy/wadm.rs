//! wasmCloud v1: a wadm OAM `Application` (`core.oam.dev/v1beta1`), in the shape of
//! wasmCloud 1.9's examples. The component gets a `spreadscaler`; each capability it needs
//! from a provider gets that provider and a link: `wasi:http/incoming-handler` the
//! `http-server` provider (linked to the component, listening on 0.0.0.0:8000),
//! `wasi:keyvalue` the Redis provider, `wasmcloud:messaging` the NATS provider. wasi:config
//! values are the component's named config; wasi:logging is the host's own.

use serde_json::{Value, json};

use super::{Document, Resolved, yaml_document};

const HTTP_SERVER: &str = "ghcr.io/wasmcloud/http-server:0.27.0";
const KEYVALUE_REDIS: &str = "ghcr.io/wasmcloud/keyvalue-redis:0.30.0";
const MESSAGING_NATS: &str = "ghcr.io/wasmcloud/messaging-nats:0.27.0";

pub(super) fn manifests(r: &Resolved<'_>, warnings: &mut Vec<String>) -> Vec<Document> {
    let name = r.name.as_str();
    let mut properties = json!({ "image": r.image });
    if !r.config.is_empty() {
        let values: serde_json::Map<String, Value> = r
            .config
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        properties["config"] = json!([{ "name": format!("{name}-config"), "properties": values }]);
    }
    let mut traits =
        vec![json!({ "type": "spreadscaler", "properties": { "instances": r.replicas } })];
    let mut providers = Vec::new();
    for h in &r.needs.host_interfaces {
        let imported: Vec<&String> = h.interfaces.iter().filter(|i| *i != "handler").collect();
        match (h.namespace.as_str(), h.package.as_str()) {
            ("wasi", "config") | ("wasi", "logging") => {}
            ("wasi", "keyvalue") => {
                traits.push(link_to(
                    "kvredis",
                    "wasi",
                    "keyvalue",
                    &imported,
                    Some(json!([{
                        "name": "redis-url",
                        "properties": { "url": "redis://127.0.0.1:6379" },
                    }])),
                ));
                providers.push(provider("kvredis", KEYVALUE_REDIS, None));
            }
            ("wasmcloud", "messaging") => {
                if !imported.is_empty() {
                    traits.push(link_to("nats", "wasmcloud", "messaging", &imported, None));
                }
                let handler_link = r.needs.messages.is_some().then(|| {
                    let (subjects, _) = r.subjects_and_group();
                    json!({
                        "type": "link",
                        "properties": {
                            "namespace": "wasmcloud",
                            "package": "messaging",
                            "interfaces": ["handler"],
                            "target": { "name": name },
                            "source": { "config": [{
                                "name": "subscriptions",
                                "properties": { "subscriptions": subjects.join(",") },
                            }] },
                        },
                    })
                });
                providers.push(provider("nats", MESSAGING_NATS, handler_link));
            }
            _ => warnings.push(format!(
                "wadm: no capability provider is derived for `{}`; add one and link it",
                h.display()
            )),
        }
    }
    let mut components = vec![json!({
        "name": name,
        "type": "component",
        "properties": properties,
        "traits": traits,
    })];
    if r.needs.http.is_some() {
        let link = json!({
            "type": "link",
            "properties": {
                "namespace": "wasi",
                "package": "http",
                "interfaces": ["incoming-handler"],
                "target": { "name": name },
                "source": { "config": [{
                    "name": "default-http",
                    "properties": { "address": "0.0.0.0:8000" },
                }] },
            },
        });
        components.push(provider("httpserver", HTTP_SERVER, Some(link)));
    }
    components.extend(providers);
    let manifest = json!({
        "apiVersion": "core.oam.dev/v1beta1",
        "kind": "Application",
        // wadm wants annotations; the version names what is deployed (the image's digest), so
        // a new push is a new version of the application.
        "metadata": { "name": name, "annotations": { "version": version(r.image) } },
        "spec": { "components": components },
    });
    vec![yaml_document(manifest)]
}

/// A link trait from the component to the provider `target`.
fn link_to(
    target: &str,
    namespace: &str,
    package: &str,
    interfaces: &[&String],
    config: Option<Value>,
) -> Value {
    let mut target = json!({ "name": target });
    if let Some(config) = config {
        target["config"] = config;
    }
    json!({
        "type": "link",
        "properties": {
            "target": target,
            "namespace": namespace,
            "package": package,
            "interfaces": interfaces,
        },
    })
}

/// A capability provider, with a link trait of its own (to the component) when it calls it.
fn provider(name: &str, image: &str, link: Option<Value>) -> Value {
    let mut p = json!({ "name": name, "type": "capability", "properties": { "image": image } });
    if let Some(link) = link {
        p["traits"] = json!([link]);
    }
    p
}

/// `sha256-<first 12 hex digits>` of a pinned image, or `v1` for an unpinned one.
fn version(image: &str) -> String {
    match image.rsplit_once("@sha256:") {
        Some((_, hex)) => format!("sha256-{}", &hex[..hex.len().min(12)]),
        None => "v1".into(),
    }
}
