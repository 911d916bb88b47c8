//! The validator can fail: each hand-written sample in `tests/schemas/samples/` passes, and
//! copies of it with a required field removed, a value of the wrong type or an unknown field
//! fail with a message that names the path.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::{available, parse_hcl, validate, validate_all, yaml_documents};

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/samples")
}

fn text(name: &str) -> String {
    std::fs::read_to_string(samples().join(name)).unwrap()
}

/// The one document of a sample.
fn sample(name: &str) -> Value {
    let mut docs = yaml_documents(&text(name)).unwrap();
    assert_eq!(docs.len(), 1, "{name}");
    docs.remove(0)
}

/// A copy of `base` with the value at the JSON pointer replaced (`None` removes it).
fn with(base: &Value, pointer: &str, new: Option<Value>) -> Value {
    let mut out = base.clone();
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    let parent = out
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent}"));
    match (parent, new) {
        (Value::Object(map), Some(v)) => drop(map.insert(last.into(), v)),
        (Value::Object(map), None) => assert!(map.remove(last).is_some(), "no {pointer}"),
        (Value::Array(items), Some(v)) => items[last.parse::<usize>().unwrap()] = v,
        (Value::Array(items), None) => drop(items.remove(last.parse::<usize>().unwrap())),
        (other, _) => panic!("{pointer}: parent is {other}"),
    }
    out
}

fn assert_valid(manifest: &Value) {
    if let Err(errors) = validate(manifest) {
        panic!("expected valid, got:\n{}\n{manifest:#}", errors.join("\n"));
    }
}

/// Fails, and one error is `<path>: …<message>…`.
fn assert_rejected(manifest: &Value, path: &str, message: &str) {
    let errors = validate(manifest).expect_err("expected the manifest to be rejected");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&format!("{path}: ")) && e.contains(message)),
        "no error `{path}: …{message}…` among:\n{}",
        errors.join("\n")
    );
}

#[test]
fn deployment() {
    let m = sample("deployment.yaml");
    assert_valid(&m);
    assert_rejected(
        &with(&m, "/spec/selector", None),
        "spec.selector",
        "required field is missing",
    );
    let containers = "/spec/template/spec/containers";
    assert_rejected(
        &with(&m, &format!("{containers}/0/name"), None),
        "spec.template.spec.containers[0].name",
        "required field is missing",
    );
    assert_rejected(
        &with(&m, "/spec/replicas", Some(json!("one"))),
        "spec.replicas",
        "expected integer",
    );
    assert_rejected(
        &with(&m, &format!("{containers}/0/imagee"), Some(json!("x"))),
        "spec.template.spec.containers[0].imagee",
        "unknown field",
    );
    assert_rejected(
        &with(&m, "/metadata/labels/app", Some(json!(1))),
        "metadata.labels.app",
        "expected string",
    );
    // Quantities are int-or-string.
    let cpu = format!("{containers}/0/resources/limits/cpu");
    assert_valid(&with(&m, &cpu, Some(json!(1))));
    assert_rejected(
        &with(&m, &cpu, Some(json!(true))),
        "spec.template.spec.containers[0].resources.limits.cpu",
        "none of the allowed forms",
    );
}

#[test]
fn service() {
    let m = sample("service.yaml");
    assert_valid(&m);
    // targetPort is int-or-string: a port name or a number.
    assert_valid(&with(&m, "/spec/ports/0/targetPort", Some(json!(8080))));
    assert_rejected(
        &with(&m, "/spec/ports/0/targetPort", Some(json!([8080]))),
        "spec.ports[0].targetPort",
        "none of the allowed forms",
    );
    assert_rejected(
        &with(&m, "/spec/ports/0/port", None),
        "spec.ports[0].port",
        "required field is missing",
    );
    assert_rejected(
        &with(&m, "/spec/ports/0/port", Some(json!("80"))),
        "spec.ports[0].port",
        "expected integer",
    );
    assert_rejected(
        &with(&m, "/spec/port", Some(json!(80))),
        "spec.port",
        "unknown field",
    );
}

#[test]
fn runtime_class() {
    let m = sample("runtimeclass.yaml");
    assert_valid(&m);
    assert_rejected(
        &with(&m, "/handler", None),
        "handler",
        "required field is missing",
    );
    assert_rejected(
        &with(&m, "/handler", Some(json!(5))),
        "handler",
        "expected string",
    );
    assert_rejected(
        &with(&m, "/handlr", Some(json!("wasmtime"))),
        "handlr",
        "unknown field",
    );
}

#[test]
fn workload_deployment() {
    if !available("runtime.wasmcloud.dev/v1alpha1", "WorkloadDeployment") {
        return;
    }
    let m = sample("workloaddeployment.yaml");
    assert_valid(&m);
    let spec = "/spec/template/spec";
    assert_rejected(
        &with(&m, &format!("{spec}/components/0/image"), None),
        "spec.template.spec.components[0].image",
        "required field is missing",
    );
    assert_rejected(
        &with(&m, "/spec/template", None),
        "spec.template",
        "required field is missing",
    );
    assert_rejected(
        &with(&m, "/spec/replicas", Some(json!("1"))),
        "spec.replicas",
        "expected integer",
    );
    assert_rejected(
        &with(
            &m,
            &format!("{spec}/hostInterfaces/0/interfaces"),
            Some(json!("incoming-handler")),
        ),
        "spec.template.spec.hostInterfaces[0].interfaces",
        "expected array",
    );
    assert_rejected(
        &with(
            &m,
            &format!("{spec}/hostInterfaces/0/interface"),
            Some(json!(["x"])),
        ),
        "spec.template.spec.hostInterfaces[0].interface",
        "unknown field",
    );
    assert_rejected(
        &with(
            &m,
            &format!("{spec}/hostInterfaces/0/config/port"),
            Some(json!(8080)),
        ),
        "spec.template.spec.hostInterfaces[0].config.port",
        "expected string",
    );
    // metadata is checked as Kubernetes' ObjectMeta, not left as the CRD's bare `object`.
    assert_rejected(
        &with(&m, "/metadata/nmae", Some(json!("x"))),
        "metadata.nmae",
        "unknown field",
    );
}

#[test]
fn spin_app() {
    if !available("core.spinkube.dev/v1alpha1", "SpinApp") {
        return;
    }
    let m = sample("spinapp.yaml");
    assert_valid(&m);
    assert_rejected(
        &with(&m, "/spec/executor", None),
        "spec.executor",
        "required field is missing",
    );
    assert_rejected(
        &with(&m, "/spec/replicas", Some(json!("1"))),
        "spec.replicas",
        "expected integer",
    );
    assert_rejected(
        &with(&m, "/spec/imagee", Some(json!("x"))),
        "spec.imagee",
        "unknown field",
    );
}

#[test]
fn oam_application() {
    if !available("core.oam.dev/v1beta1", "Application") {
        return;
    }
    let m = sample("application.yaml");
    assert_valid(&m);
    assert_rejected(
        &with(&m, "/spec/components/0/name", None),
        "spec.components[0].name",
        "required field is missing",
    );
    assert_rejected(
        &with(&m, "/metadata/name", Some(json!(5))),
        "metadata.name",
        "expected string",
    );
    assert_rejected(
        &with(&m, "/metadata/annotations/version", Some(json!(1))),
        "metadata.annotations.version",
        "expected string",
    );
    assert_rejected(
        &with(&m, "/specs", Some(json!({}))),
        "specs",
        "unknown field",
    );
    // A component's properties sit under a `oneOf` (component or capability): the error names
    // the component.
    assert_rejected(
        &with(&m, "/spec/components/0/properties/imagee", Some(json!("x"))),
        "spec.components[0]",
        "none of the allowed forms",
    );
}

#[test]
fn unknown_kind_is_an_error() {
    let errors = validate(&json!({ "apiVersion": "v1", "kind": "Pod" })).unwrap_err();
    assert!(
        errors[0].contains("no schema for apiVersion `v1` kind `Pod`"),
        "{errors:?}"
    );
}

#[test]
fn a_yaml_stream_validates_document_by_document() {
    let stream = ["runtimeclass.yaml", "deployment.yaml", "service.yaml"]
        .map(text)
        .join("---\n");
    let docs = yaml_documents(&stream).unwrap();
    assert_eq!(docs.len(), 3);
    validate_all(&docs).unwrap();
    let broken = [
        docs[0].clone(),
        with(&docs[1], "/spec/replicas", Some(json!("2"))),
        docs[2].clone(),
    ];
    let errors = validate_all(&broken).unwrap_err();
    assert_eq!(
        errors,
        ["Deployment `http-hello`: spec.replicas: expected integer, got string"]
    );
}

#[test]
fn nomad_job() {
    let job = parse_hcl(&text("job.nomad.hcl")).unwrap();
    assert_eq!(job.name, "http-hello");
    assert_eq!(job.groups.len(), 1);
    assert_eq!(job.groups[0].tasks[0].name, "http-hello");
    assert_eq!(job.groups[0].tasks[0].driver, "raw_exec");

    let broken = |text: &str, message: &str| {
        let errors = parse_hcl(text).expect_err(text);
        assert!(
            errors.iter().any(|e| e.contains(message)),
            "no `{message}` in {errors:?}"
        );
    };
    broken(
        &text("job.nomad.hcl").replace("config {", "config "),
        "not valid HCL",
    );
    broken(
        "job \"a\" {\n  type = \"service\"\n}\n",
        "job \"a\": no `group` block",
    );
    broken(
        "job \"a\" {\n  group \"g\" {\n    count = 1\n  }\n}\n",
        "job \"a\" > group \"g\": no `task` block",
    );
    broken(
        "job \"a\" {\n  group \"g\" {\n    task \"t\" {}\n  }\n}\n",
        "task \"t\": no `driver` string",
    );
    broken("variable \"x\" {}\n", "expected one `job` block, found 0");
}

#[test]
fn oam_traits_are_held_to_wadm_types() {
    if !available("core.oam.dev/v1beta1", "Application") {
        return;
    }
    let m = sample("application.yaml");
    let link = "/spec/components/1/traits/0/properties";
    assert_rejected(
        &with(
            &m,
            &format!("{link}/interface"),
            Some(json!(["incoming-handler"])),
        ),
        "spec.components[1].traits[0].properties.interface",
        "unknown field",
    );
    assert_rejected(
        &with(&m, &format!("{link}/namespace"), None),
        "spec.components[1].traits[0].properties.namespace",
        "required field is missing",
    );
    assert_rejected(
        &with(
            &m,
            "/spec/components/0/traits/0/properties/instances",
            Some(json!("one")),
        ),
        "spec.components[0].traits[0].properties.instances",
        "expected integer",
    );
    // A trait type wadm does not know is a custom scaler's business.
    let custom = json!({ "type": "mycompany-scaler", "properties": { "anything": 1 } });
    assert_valid(&with(&m, "/spec/components/0/traits/0", Some(custom)));
}

/// The CRD handling on a small hand-written CRD, so that CI exercises it even where the
/// upstream CRDs are not at hand.
const TOY_CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: toys.example.com
spec:
  group: example.com
  names: { kind: Toy, plural: toys }
  scope: Namespaced
  versions:
    - name: v1beta1
      served: false
      storage: false
      schema:
        openAPIV3Schema: { type: object }
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion: { type: string }
            kind: { type: string }
            metadata: { type: object }
            spec:
              type: object
              required: [size]
              properties:
                size:
                  x-kubernetes-int-or-string: true
                  anyOf: [{ type: integer }, { type: string }]
                note: { type: string, nullable: true }
                extra:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                  properties:
                    known: { type: integer }
                tags:
                  type: array
                  x-kubernetes-list-type: set
                  items: { type: string }
"#;

fn toy(spec: Value) -> Value {
    json!({ "apiVersion": "example.com/v1", "kind": "Toy", "metadata": { "name": "t" }, "spec": spec })
}

fn check_toy(manifest: &Value) -> Result<(), Vec<String>> {
    let schema = super::crd_schema("toy.yaml", TOY_CRD, "example.com/v1").unwrap();
    super::render::check(&schema, manifest)
}

#[test]
fn crd_structural_schema_rules() {
    check_toy(&toy(json!({ "size": 3 }))).unwrap();
    check_toy(&toy(
        json!({ "size": "large", "note": null, "tags": ["a"] }),
    ))
    .unwrap();
    // x-kubernetes-preserve-unknown-fields keeps unknown fields; known ones are still typed.
    check_toy(&toy(json!({ "size": 1, "extra": { "anything": [1, 2] } }))).unwrap();
    let cases = [
        (json!({}), "spec.size: required field is missing"),
        (
            json!({ "size": 1.5 }),
            "spec.size: matches none of the allowed forms",
        ),
        (
            json!({ "size": 1, "colour": "red" }),
            "spec.colour: unknown field",
        ),
        (
            json!({ "size": 1, "note": 5 }),
            "spec.note: expected null or string, got number",
        ),
        (
            json!({ "size": 1, "extra": { "known": "x" } }),
            "spec.extra.known: expected integer",
        ),
        (
            json!({ "size": 1, "tags": [1] }),
            "spec.tags[0]: expected string",
        ),
    ];
    for (spec, expected) in cases {
        let errors = check_toy(&toy(spec.clone())).expect_err(&spec.to_string());
        assert!(
            errors.iter().any(|e| e.starts_with(expected)),
            "{expected} not in {errors:?}"
        );
    }
    // The CRD says `metadata: {type: object}`; the API server checks ObjectMeta, and so do we.
    let mut bad_meta = toy(json!({ "size": 1 }));
    bad_meta["metadata"]["labels"] = json!({ "a": 1 });
    let errors = check_toy(&bad_meta).unwrap_err();
    assert_eq!(errors, ["metadata.labels.a: expected string, got number"]);
}

#[test]
fn crd_versions_must_be_served() {
    let err = super::crd_schema("toy.yaml", TOY_CRD, "example.com/v1beta1").unwrap_err();
    assert!(err.contains("does not serve version `v1beta1`"), "{err}");
    let err = super::crd_schema("toy.yaml", TOY_CRD, "example.com/v2").unwrap_err();
    assert!(err.contains("no version `v2`"), "{err}");
    let err = super::crd_schema("toy.yaml", TOY_CRD, "other.com/v1").unwrap_err();
    assert!(err.contains("not `other.com`"), "{err}");
}
