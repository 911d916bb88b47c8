//! Other clients: wash pulls what `oras` and `skopeo copy` pushed (the latter with the
//! deprecated layer type), and `oras` pulls what wash pushed.

use std::path::Path;
use std::process::Command;

use super::*;

#[test]
fn another_clients_push_with_the_deprecated_layer_type_pulls() {
    // The third-party pusher is skopeo, copying an OCI layout made here the way wasm-to-oci
    // laid components out (layer `application/vnd.module.wasm.content.layer.v1+wasm`).
    let registry = Registry::start();
    let tmp = temp_dir();
    let bytes = std::fs::read(&cli_hello().wasm).unwrap();
    let layout = tmp.path().join("legacy");
    let blobs = layout.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |data: &[u8]| {
        let digest = wash::artifact::sha256_digest(data);
        std::fs::write(blobs.join(digest.trim_start_matches("sha256:")), data).unwrap();
        digest
    };
    let config = br#"{"architecture":"wasm","os":"wasip2","layerDigests":[]}"#;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.wasm.config.v0+json", "digest": put(config), "size": config.len()},
        "layers": [{"mediaType": "application/vnd.module.wasm.content.layer.v1+wasm", "digest": put(&bytes), "size": bytes.len()}],
    })
    .to_string();
    let manifest_digest = put(manifest.as_bytes());
    std::fs::write(
        layout.join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    std::fs::write(
        layout.join("index.json"),
        serde_json::json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest, "size": manifest.len(),
            "annotations": {"org.opencontainers.image.ref.name": "v1"}}]})
        .to_string(),
    )
    .unwrap();
    let reference = registry.reference("legacy:v1");
    skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        &format!("oci:{}:v1", layout.display()),
        &format!("docker://{reference}"),
    ]);
    let dest = tmp.path().join("legacy.wasm");
    let pulled = json(&run(
        wash_in(tmp.path())
            .args(["pull", "--json", &reference, "-o"])
            .arg(&dest),
        true,
    ));
    assert_eq!(
        pulled["media_type"],
        "application/vnd.module.wasm.content.layer.v1+wasm"
    );
    assert_eq!(pulled["digest"], manifest_digest);
    assert_eq!(std::fs::read(&dest).unwrap(), bytes);
}

/// Runs a Python snippet with the `oras` client (PyPI `oras`, installed by scripts/test.sh).
fn oras(script: &str, dir: &Path) {
    let out = Command::new("python3")
        .arg("-c")
        .arg(format!("import oras.client\n{script}"))
        .current_dir(dir)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "oras script failed (is PyPI `oras` installed? scripts/test.sh installs it):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn oras_pushes_what_wash_pulls_and_pulls_what_wash_pushes() {
    let registry = Registry::start();
    let tmp = temp_dir();
    let bytes = std::fs::read(&cli_hello().wasm).unwrap();
    std::fs::write(tmp.path().join("hello.wasm"), &bytes).unwrap();
    std::fs::write(
        tmp.path().join("config.json"),
        r#"{"architecture":"wasm","os":"wasip2","layerDigests":[]}"#,
    )
    .unwrap();
    let client = format!(
        "c = oras.client.OrasClient(hostname='{}', insecure=True)\n",
        registry.host
    );
    // oras pushes in the CNCF layout; wash pulls it.
    let from_oras = registry.reference("from-oras:1");
    oras(
        &format!(
            "{client}c.push(target='{from_oras}', files=['hello.wasm:application/wasm'], \
             manifest_config='config.json:application/vnd.wasm.config.v0+json', \
             disable_path_validation=True, quiet=True)"
        ),
        tmp.path(),
    );
    let dest = tmp.path().join("pulled.wasm");
    let pulled = json(&run(
        wash_in(tmp.path())
            .args(["pull", "--json", &from_oras, "-o"])
            .arg(&dest),
        true,
    ));
    assert_eq!(pulled["media_type"], "application/wasm");
    assert_eq!(std::fs::read(&dest).unwrap(), bytes);

    // wash pushes; oras pulls the layer back, byte for byte.
    let from_wash = registry.reference("from-wash:1");
    run(
        wash_in(tmp.path())
            .args(["push", &from_wash])
            .arg(&cli_hello().wasm),
        true,
    );
    oras(
        &format!("{client}c.pull(target='{from_wash}', outdir='oras-out')"),
        tmp.path(),
    );
    let digest = wash::artifact::sha256_digest(&bytes);
    assert_eq!(
        std::fs::read(tmp.path().join("oras-out").join(&digest)).unwrap(),
        bytes
    );
}
