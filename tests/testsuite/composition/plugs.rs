//! Plugs from elsewhere than the workspace: `compose.plugs` naming a file or a registry
//! reference, and `wash compose --plug` of a reference.

use std::path::Path;

use super::*;

/// A registry reference is a plug, for `wash compose` and in `compose.plugs`: pulled through
/// the cache from a real registry.
pub(super) fn plugs_from_a_registry(target: &Path) {
    let registry = crate::registry::Registry::start();
    let docker = temp_dir();
    let reference = registry.reference("acme/greeter:0.1.0");
    run(
        wash()
            .env("DOCKER_CONFIG", docker.path())
            .args(["push", &reference])
            .arg(&greeter().wasm),
        true,
    );
    let ws = two_crate_workspace();
    let v = build_caller_with(
        &ws,
        target,
        &format!("[package.metadata.wasmcloud.compose]\nplugs = [\"{reference}\"]"),
    );
    assert_eq!(v["composed_from"], serde_json::json!([reference]));
    let out = run(
        wash().args(["run", v["path"].as_str().unwrap(), "--", "Noor"]),
        true,
    );
    assert!(stdout(&out).starts_with("Hello, Noor"), "{}", stdout(&out));

    let ws = two_crate_workspace();
    let caller = build_caller_with(
        &ws,
        target,
        "[package.metadata.wasmcloud]\nhost-imports = [\"acme:greeter/*\"]",
    );
    let out = run(
        wash()
            .env("DOCKER_CONFIG", docker.path())
            .args([
                "compose",
                caller["path"].as_str().unwrap(),
                "--plug",
                &reference,
            ])
            .args(["--dry-run", "--json"]),
        true,
    );
    let plan: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(plan["links"][0]["provider"], reference.as_str());
}

pub(super) fn compose_config_names_a_plug_file(target: &Path) {
    let ws = two_crate_workspace();
    let plug = greeter().wasm.display().to_string();
    let v = build_caller_with(
        &ws,
        target,
        &format!("[package.metadata.wasmcloud.compose]\nplugs = [\"{plug}\"]"),
    );
    assert_eq!(v["composed_from"], serde_json::json!([plug]));
    let out = run(
        wash().args(["run", v["path"].as_str().unwrap(), "--", "Kay"]),
        true,
    );
    assert!(
        stdout(&out).starts_with("Hello, Kay (7)!"),
        "{}",
        stdout(&out)
    );

    let ws = two_crate_workspace();
    configure_caller(
        &ws,
        "[package.metadata.wasmcloud.compose]\nplugs = [\"missing.wasm\"]",
    );
    let err = stderr(&build_caller_fails(&ws, target));
    assert!(
        err.contains("`package.metadata.wasmcloud.compose.plugs` names `missing.wasm`"),
        "{err}"
    );

    // The build skips validating again only the function bodies it validated when placing
    // the workspace's own components: a plug file with a bad one is still refused.
    let ws = two_crate_workspace();
    let bad = ws.path().join("bad-greeter.wasm");
    std::fs::write(
        &bad,
        with_a_bad_function_body(&std::fs::read(&greeter().wasm).unwrap()),
    )
    .unwrap();
    let config = format!(
        "[package.metadata.wasmcloud.compose]\nplugs = [\"{}\"]",
        bad.display()
    );
    configure_caller(&ws, &config);
    let err = stderr(&build_caller_fails(&ws, target));
    assert!(err.contains("could not compose"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
