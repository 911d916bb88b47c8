//! Kubernetes schemas as plain JSON Schema: the built-in kinds from `k8s-openapi` (Kubernetes
//! 1.33's OpenAPI definitions), and the rewrite that makes a structural schema (a CRD's
//! `openAPIV3Schema`, or a built-in's) validate the way the API server does.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::node::v1::RuntimeClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::schemars::JsonSchema;
use k8s_openapi::schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

pub fn deployment() -> Value {
    builtin::<Deployment>()
}

pub fn service() -> Value {
    builtin::<Service>()
}

pub fn runtime_class() -> Value {
    builtin::<RuntimeClass>()
}

/// A built-in kind's schema, its definitions under `$defs`, made strict.
fn builtin<T: JsonSchema>() -> Value {
    let schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    structural(schema.to_value())
}

/// A CRD's `openAPIV3Schema` with `metadata` checked as the API server checks it (as
/// `ObjectMeta`; the CRD itself only says `type: object`), made strict.
pub fn custom_resource(mut schema: Value) -> Value {
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let metadata = generator.subschema_for::<ObjectMeta>().to_value();
    let defs = generator.take_definitions(true);
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        props.insert("metadata".into(), metadata);
    }
    if let Some(root) = schema.as_object_mut() {
        root.insert(
            "$schema".into(),
            "https://json-schema.org/draft/2020-12/schema".into(),
        );
        root.insert("$defs".into(), Value::Object(defs));
    }
    structural(schema)
}

/// Rewrites a Kubernetes structural schema into JSON Schema that behaves like the API server
/// with strict field validation.
pub fn structural(mut schema: Value) -> Value {
    rewrite(&mut schema);
    schema
}

fn rewrite(node: &mut Value) {
    let Some(obj) = node.as_object_mut() else {
        return;
    };
    let preserve = obj.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    if obj.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        // The API server takes an integer or a string whatever else the node says (CRDs
        // often add their own `anyOf` of the two, which is kept).
        obj.remove("type");
        obj.entry("anyOf")
            .or_insert(json!([{ "type": "integer" }, { "type": "string" }]));
    }
    if obj.remove("nullable") == Some(Value::Bool(true))
        && let Some(Value::String(t)) = obj.get("type").cloned()
    {
        obj.insert("type".into(), json!([t, "null"]));
    }
    if obj.contains_key("properties") && !obj.contains_key("additionalProperties") && !preserve {
        obj.insert("additionalProperties".into(), Value::Bool(false));
    }
    obj.retain(|key, _| !key.starts_with("x-"));
    for (key, child) in obj.iter_mut() {
        match key.as_str() {
            "properties" | "$defs" | "definitions" | "patternProperties" => child
                .as_object_mut()
                .map(Map::values_mut)
                .into_iter()
                .flatten()
                .for_each(rewrite),
            "items" | "additionalProperties" | "not" | "additionalItems" => rewrite(child),
            "anyOf" | "allOf" | "oneOf" | "prefixItems" => {
                child.as_array_mut().into_iter().flatten().for_each(rewrite)
            }
            _ => {}
        }
    }
}
