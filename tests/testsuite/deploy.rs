//! `wash deploy`: the manifests of each target for the templates, derived from components
//! pushed to a real registry (so the digests are real; snapshots redact them), `--push` end to
//! end, `-o`, `--json`, and the "push first" refusal.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::registry::*;
use crate::support::*;

const TARGETS: &[&str] = &["wasmcloud", "wadm", "kubernetes", "spinkube", "nomad"];

/// `wash` with an empty docker config, so no test reads the machine's logins, building into a
/// target dir of its own: the templates' members (composed-app's `greeter`) would otherwise
/// overwrite same-named components other tests build at the same time.
fn wash_in(docker: &Path) -> Command {
    let mut cmd = wash();
    cmd.env("DOCKER_CONFIG", docker)
        .env(
            "CARGO_TARGET_DIR",
            shared_target_dir().with_file_name("wasm-target-deploy"),
        )
        .env_remove("WASH_REGISTRY_PASSWORD");
    cmd
}

/// The template scaffolded into a stable folder (its wasm builds stay incremental).
fn scaffold(template: &str) -> PathBuf {
    let dir = scratch().join("fixtures/deploy").join(template);
    let _ = std::fs::remove_dir_all(&dir);
    run(wash().args(["new", "--template", template]).arg(&dir), true);
    dir
}

/// Snapshot settings that also hide the registry's port.
fn settings(registry: &Registry) -> insta::Settings {
    let mut s = redactions();
    s.add_filter(&regex_escape(&registry.host), "[REGISTRY]");
    // wasi:http's patch version moves with the template's `wasip2` dependency.
    s.add_filter(r#""0\.2\.\d+""#, r#""0.2.[PATCH]""#);
    // wadm's application version is the digest's start.
    s.add_filter(r"sha256-[0-9a-f]{12}", "sha256-[DIGEST]");
    s
}

fn regex_escape(s: &str) -> String {
    s.replace('.', r"\.")
}

/// `text`, the manifests `wash deploy --target target` printed, is what the platform accepts:
/// each YAML document valid against its upstream schema (the CRD's, Kubernetes' own), the Nomad
/// jobspec a job whose groups have tasks with drivers.
fn conforms(target: &str, text: &str) {
    if target == "nomad" {
        if let Err(errors) = crate::schema::parse_hcl(text) {
            panic!(
                "the nomad jobspec does not parse:\n{}\n{text}",
                errors.join("\n")
            );
        }
        return;
    }
    let documents = crate::schema::yaml_documents(text).expect("wash deploy prints YAML");
    assert!(!documents.is_empty(), "no manifest for {target}");
    let checked: Vec<_> = documents
        .into_iter()
        .filter(|d| {
            crate::schema::available(
                d["apiVersion"].as_str().unwrap_or_default(),
                d["kind"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    if let Err(errors) = crate::schema::validate_all(&checked) {
        panic!(
            "{target} manifests fail their schema:\n{}\n{text}",
            errors.join("\n")
        );
    }
}

/// Pushes the template's component with `wash deploy --push` (building it), then derives every
/// target's manifests from the pushed reference; one snapshot per template.
fn snapshot_template(template: &str) {
    let registry = Registry::start();
    let docker = temp_dir();
    let dir = scaffold(template);
    let reference = registry.reference(&format!("{template}:0.1.0"));
    let pushed = run(
        wash_in(docker.path())
            .args(["deploy", "--push", &reference])
            .current_dir(&dir),
        true,
    );
    conforms("wasmcloud", &stdout(&pushed));
    let mut text = format!("## --push (wasmcloud)\n{}", stdout(&pushed));
    assert!(stderr(&pushed).contains("Pushed"), "{}", stderr(&pushed));
    for target in TARGETS {
        let out = run(
            wash_in(docker.path()).args(["deploy", &reference, "--target", target]),
            true,
        );
        conforms(target, &stdout(&out));
        let warnings: String = stderr(&out)
            .lines()
            .filter(|l| l.starts_with("warning"))
            .map(|l| format!("# {l}\n"))
            .collect();
        text.push_str(&format!("## {target}\n{warnings}{}", stdout(&out)));
    }
    // The `--push` manifest names the crate; the reference's is named by its repository.
    settings(&registry).bind(|| insta::assert_snapshot!(format!("deploy-{template}"), text));
}

#[test]
fn http_hello_manifests_for_every_target() {
    snapshot_template("http-hello");
}

#[test]
fn http_keyvalue_manifests_list_exactly_the_imported_keyvalue_interfaces() {
    snapshot_template("http-keyvalue");
}

#[test]
fn composed_app_manifests_for_every_target() {
    snapshot_template("composed-app");
}

#[test]
fn a_local_component_is_refused_with_the_way_to_push_it() {
    let fixture = http_hello();
    let out = run(wash().arg("deploy").current_dir(&fixture.dir), false);
    let err = stderr(&out);
    assert!(
        err.contains("a deployment needs a registry reference pinned by digest"),
        "{err}"
    );
    assert!(
        err.contains("wash deploy --push REGISTRY/REPOSITORY:TAG"),
        "{err}"
    );
    let out = run(wash().arg("deploy").arg(&fixture.wasm), false);
    assert!(
        stderr(&out).contains("is a local component"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn output_file_and_json_hold_the_same_manifests() {
    let registry = Registry::start();
    let docker = temp_dir();
    let reference = registry.reference("hello:1.0.0");
    run(
        wash_in(docker.path())
            .args(["push", &reference])
            .arg(&http_hello().wasm),
        true,
    );
    let printed = run(
        wash_in(docker.path()).args(["deploy", &reference, "-t", "kubernetes", "--replicas", "3"]),
        true,
    );
    let out_dir = temp_dir();
    let file = out_dir.path().join("k8s/hello.yaml");
    let wrote = run(
        wash_in(docker.path())
            .args([
                "deploy",
                &reference,
                "-t",
                "kubernetes",
                "--replicas",
                "3",
                "-o",
            ])
            .arg(&file),
        true,
    );
    assert_eq!(stdout(&wrote), "");
    assert!(stderr(&wrote).contains("Wrote"), "{}", stderr(&wrote));
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written.trim_end(), stdout(&printed).trim_end());
    assert!(written.contains("replicas: 3"), "{written}");
    // No temporary file is left beside it.
    assert_eq!(entries(&out_dir.path().join("k8s")), ["hello.yaml"]);

    let json = run(
        wash_in(docker.path()).args(["deploy", &reference, "-t", "kubernetes", "--json"]),
        true,
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&json).trim()).unwrap();
    assert_eq!(v["reason"], "deployment");
    assert_eq!(v["target"], "kubernetes");
    let kinds: Vec<&str> = v["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["RuntimeClass", "Deployment", "Service"]);
    let image = v["image"].as_str().unwrap();
    assert!(
        image.starts_with(&format!("{}/hello@sha256:", registry.host)),
        "{image}"
    );
    assert_eq!(
        v["documents"][1]["manifest"]["spec"]["template"]["spec"]["containers"][0]["image"],
        image
    );
}
