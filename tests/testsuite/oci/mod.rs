//! `wash push`, `wash pull`, `wash login`/`logout`, and `wash run`/`inspect` of registry
//! references, against a real registry (Debian's `docker-registry`) and read back by a third
//! party (`skopeo`).

use std::path::{Path, PathBuf};
use std::process::Command;

mod auth;
mod hostile;
mod interop;
mod misbehaving;
mod repush;
mod unknown;
mod verify;

use crate::registry::*;
use crate::support::*;

/// `wash` with its own docker config folder, so no test reads the machine's logins.
fn wash_in(docker: &Path) -> Command {
    let mut cmd = wash();
    cmd.env("DOCKER_CONFIG", docker)
        .env_remove("WASH_REGISTRY_PASSWORD");
    cmd
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(stdout(out).trim())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)))
}

fn skopeo(args: &[&str]) -> std::process::Output {
    let out = Command::new("skopeo")
        .args(args)
        .output()
        .expect("skopeo (installed by scripts/test.sh) runs");
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `wash push REFERENCE` of the cli-hello template's component, which must succeed.
fn push_hello(docker: &Path, reference: &str) {
    run(
        wash_in(docker)
            .args(["push", reference])
            .arg(&cli_hello().wasm),
        true,
    );
}

/// `wash pull REFERENCE -o DEST`, which must succeed.
fn pull_to(docker: &Path, reference: &str, dest: &Path) {
    run(
        wash_in(docker).args(["pull", reference, "-o"]).arg(dest),
        true,
    );
}

fn no_temp_files(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".wash-tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
}

#[test]
fn push_then_pull_round_trips_in_the_cncf_layout() {
    let registry = Registry::start();
    let tmp = temp_dir();
    let wasm = &cli_hello().wasm;
    let reference = registry.reference("acme/hello:1.0");
    let out = run(
        wash_in(tmp.path())
            .args(["push", "--json", "-a", "com.example.team=wasm"])
            .arg(&reference)
            .arg(wasm),
        true,
    );
    let pushed = json(&out);
    assert_eq!(pushed["reason"], "component-pushed");
    assert_eq!(pushed["blobs_uploaded"], 2);
    let bytes = std::fs::read(wasm).unwrap();
    assert_eq!(
        pushed["layer_digest"],
        wash::artifact::sha256_digest(&bytes)
    );

    // The manifest and config, as a third party (skopeo) reads them.
    let tls = "--tls-verify=false";
    let docker_ref = format!("docker://{reference}");
    let manifest_raw = stdout(&skopeo(&["inspect", tls, "--raw", &docker_ref]));
    assert_eq!(
        pushed["digest"],
        wash::artifact::sha256_digest(manifest_raw.as_bytes()),
        "the reported digest is the manifest's"
    );
    let manifest: serde_json::Value = serde_json::from_str(&manifest_raw).unwrap();
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.wasm.config.v0+json"
    );
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0]["mediaType"], "application/wasm");
    assert_eq!(layers[0]["size"], bytes.len() as u64);
    let annotations = &manifest["annotations"];
    assert_eq!(annotations["org.opencontainers.image.title"], "cli-fixture");
    assert_eq!(annotations["com.example.team"], "wasm");
    assert!(
        annotations["org.opencontainers.image.created"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let config: serde_json::Value =
        serde_json::from_slice(&skopeo(&["inspect", tls, "--config", "--raw", &docker_ref]).stdout)
            .unwrap();
    assert_eq!(config["architecture"], "wasm");
    assert_eq!(config["os"], "wasip2");
    assert_eq!(config["layerDigests"][0], pushed["layer_digest"]);
    assert!(
        config["component"]["exports"][0]
            .as_str()
            .unwrap()
            .starts_with("wasi:cli/run@")
    );
    assert!(
        config["component"]["imports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i.as_str().unwrap().starts_with("wasi:cli/stdout@"))
    );

    // skopeo copies it out whole; wash pulls it back byte for byte.
    let layout = tmp.path().join("layout");
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &docker_ref,
        &format!("oci:{}:1.0", layout.display()),
    ]);
    let hex = pushed["layer_digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:");
    assert_eq!(
        std::fs::read(layout.join("blobs/sha256").join(hex)).unwrap(),
        bytes
    );
    let dest = tmp.path().join("pulled.wasm");
    let out = run(
        wash_in(tmp.path())
            .args(["pull", "--json", &reference, "-o"])
            .arg(&dest),
        true,
    );
    let pulled = json(&out);
    assert_eq!(pulled["digest"], pushed["digest"]);
    assert_eq!(pulled["media_type"], "application/wasm");
    assert_eq!(std::fs::read(&dest).unwrap(), bytes);

    // By digest too.
    let by_digest = format!(
        "{}/acme/hello@{}",
        registry.host,
        pushed["digest"].as_str().unwrap()
    );
    let dest2 = tmp.path().join("by-digest.wasm");
    pull_to(tmp.path(), &by_digest, &dest2);
    assert_eq!(std::fs::read(&dest2).unwrap(), bytes);
}

#[test]
fn a_large_component_pushes_in_chunks_and_round_trips() {
    let registry = Registry::start();
    let tmp = temp_dir();
    let big = tmp.path().join("big.wasm");
    let bytes = padded_component(&std::fs::read(&cli_hello().wasm).unwrap(), 12, 1);
    std::fs::write(&big, &bytes).unwrap();
    let reference = registry.reference("big:1");
    // Chunked above 1 MiB here (64 MiB by default): 12 MiB goes up as three 4 MiB chunks.
    run(
        wash_in(tmp.path())
            .env("WASH_PUSH_CHUNKED_ABOVE", "1048576")
            .args(["push", &reference])
            .arg(&big),
        true,
    );
    let dest = tmp.path().join("out.wasm");
    pull_to(tmp.path(), &reference, &dest);
    assert_eq!(std::fs::read(&dest).unwrap(), bytes);
}

#[test]
fn the_registry_dying_mid_push_leaves_no_tag_and_a_retry_succeeds() {
    let mut registry = Registry::start();
    let tmp = temp_dir();
    let big = tmp.path().join("big.wasm");
    std::fs::write(
        &big,
        padded_component(&std::fs::read(&cli_hello().wasm).unwrap(), 16, 2),
    )
    .unwrap();
    // The relay cuts the line after 6 MiB of the 16 MiB upload: mid-blob, before any manifest.
    let wire = Tripwire::start(&registry.host, 6 * 1024 * 1024);
    let out = run(
        wash_in(tmp.path())
            .arg("push")
            .arg(format!("{}/big:1", wire.host))
            .arg(&big),
        false,
    );
    assert!(wire.tripped());
    let err = stderr(&out);
    assert!(err.contains("failed to push"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let mut settings = redactions();
    settings.add_filter(r"127\.0\.0\.1:\d+", "[REGISTRY]");
    settings.add_filter(
        r"/v2/big/blobs/uploads/[^\s)`]*",
        "/v2/big/blobs/uploads/[UPLOAD]",
    );
    redact_transport_causes(&mut settings);
    settings.bind(|| insta::assert_snapshot!("oci-push-registry-died", err));
    // The registry "comes back": no tag was written.
    registry.stop();
    registry.restart();
    assert_eq!(registry.status_of("/v2/big/manifests/1"), 404);
    let dest = tmp.path().join("never.wasm");
    let out = run(
        wash_in(tmp.path())
            .args(["pull", &registry.reference("big:1"), "-o"])
            .arg(&dest),
        false,
    );
    assert!(stderr(&out).contains("was not found"), "{}", stderr(&out));
    assert!(!dest.exists());
    // A retry goes through.
    run(
        wash_in(tmp.path())
            .args(["push", &registry.reference("big:1")])
            .arg(&big),
        true,
    );
    pull_to(tmp.path(), &registry.reference("big:1"), &dest);
    assert_eq!(std::fs::read(&dest).unwrap(), std::fs::read(&big).unwrap());
}

#[test]
fn a_digest_mismatch_writes_nothing_and_says_so() {
    let registry = Registry::start();
    let tmp = temp_dir();
    let wasm = &cli_hello().wasm;
    let reference = registry.reference("tampered:1");
    let pushed = json(&run(
        wash_in(tmp.path())
            .args(["push", "--json", &reference])
            .arg(wasm),
        true,
    ));
    // Corrupt the stored blob in place (same size), behind the registry's back.
    let hex = pushed["layer_digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:");
    let data = registry
        .storage()
        .join("blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data");
    let mut bytes = std::fs::read(&data).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&data, &bytes).unwrap();

    let out_dir = tmp.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let dest = out_dir.join("tampered.wasm");
    let out = run(
        wash_in(tmp.path())
            .args(["pull", &reference, "-o"])
            .arg(&dest),
        false,
    );
    let err = stderr(&out);
    assert!(err.contains("digest mismatch"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!dest.exists());
    no_temp_files(&out_dir);
    let mut settings = redactions();
    settings.add_filter(r"127\.0\.0\.1:\d+", "[REGISTRY]");
    settings.bind(|| insta::assert_snapshot!("oci-pull-digest-mismatch", err));

    // `wash run`/`inspect` through the cache refuse it the same way, and cache nothing.
    let home = tmp.path().join("home");
    let out = run(
        wash_in(tmp.path())
            .env("WASH_HOME", &home)
            .args(["inspect", &reference]),
        false,
    );
    assert!(stderr(&out).contains("digest mismatch"), "{}", stderr(&out));
    assert!(
        !home
            .join("cache/oci/blobs/sha256")
            .join(format!("{hex}.wasm"))
            .exists()
    );
}

#[test]
fn run_and_inspect_take_a_reference_through_the_cache() {
    let registry = Registry::start();
    let tmp = temp_dir();
    let home = tmp.path().join("home");
    let reference = registry.reference("hello:1.0");
    push_hello(tmp.path(), &reference);
    let out = run(
        wash_in(tmp.path())
            .env("WASH_HOME", &home)
            .args(["inspect", "--json", &reference]),
        true,
    );
    let v = json(&out);
    let bytes = std::fs::read(&cli_hello().wasm).unwrap();
    assert_eq!(v["digest"], wash::artifact::sha256_digest(&bytes));
    assert_eq!(v["path"], reference);
    assert!(stderr(&out).contains("Pulled"), "{}", stderr(&out));
    let hex = wash::artifact::sha256_digest(&bytes);
    let cached: PathBuf = home
        .join("cache/oci/blobs/sha256")
        .join(format!("{}.wasm", hex.trim_start_matches("sha256:")));
    assert_eq!(std::fs::read(&cached).unwrap(), bytes);

    let out = run(
        wash_in(tmp.path())
            .env("WASH_HOME", &home)
            .args(["run", &reference]),
        true,
    );
    assert!(
        stdout(&out).contains("Hello, world, from cli-fixture!"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("Cached"), "{}", stderr(&out));
}

#[test]
fn verify_key_refuses_before_writing_anything() {
    let registry = Registry::start();
    let tmp = temp_dir();
    let home = tmp.path().join("home");
    let reference = registry.reference("hello:1.0");
    push_hello(tmp.path(), &reference);
    let key = tmp.path().join("key.pub");
    std::fs::write(&key, "ssh-ed25519 AAAA test").unwrap();
    let dest = tmp.path().join("out.wasm");
    // An unreadable key is refused before the registry is asked for anything (issue 11).
    let unreadable = "does not hold an ed25519 public key wash can read";
    let out = run(
        wash_in(tmp.path())
            .args(["pull", &reference, "--verify-key"])
            .arg(&key)
            .arg("-o")
            .arg(&dest),
        false,
    );
    assert!(stderr(&out).contains(unreadable), "{}", stderr(&out));
    assert!(!dest.exists());
    let out = run(
        wash_in(tmp.path())
            .env("WASH_HOME", &home)
            .args(["run", &reference, "--verify-key"])
            .arg(&key),
        false,
    );
    assert!(stderr(&out).contains(unreadable), "{}", stderr(&out));
    assert!(!stdout(&out).contains("Hello"));
    assert!(!home.join("cache/oci/blobs/sha256").exists());

    // The library's verifier hook sees the bytes first; a refusal writes nothing.
    let seen = std::sync::Mutex::new(0usize);
    let refuse = |bytes: &[u8]| -> Result<(), String> {
        *seen.lock().unwrap() = bytes.len();
        Err("signed by another key".to_string())
    };
    let options = wash::oci::PullOptions {
        client: Default::default(),
        verifier: Some(&refuse),
        progress: std::sync::Arc::new(wash::oci::NoProgress),
    };
    let parsed = wash::oci::ComponentRef::parse(&reference).unwrap();
    let err = wash::oci::runtime()
        .unwrap()
        .block_on(wash::oci::pull(&parsed, &dest, &options))
        .unwrap_err();
    assert!(matches!(err, wash::oci::OciError::Rejected { .. }), "{err}");
    assert!(err.to_string().contains("signed by another key"));
    assert_eq!(
        *seen.lock().unwrap() as u64,
        std::fs::metadata(&cli_hello().wasm).unwrap().len()
    );
    assert!(!dest.exists());
    // An accepting verifier lets it through, into the cache as well.
    let accept = |_: &[u8]| -> Result<(), String> { Ok(()) };
    let options = wash::oci::PullOptions {
        verifier: Some(&accept),
        ..options
    };
    wash::oci::runtime()
        .unwrap()
        .block_on(wash::oci::pull(&parsed, &dest, &options))
        .unwrap();
    assert!(dest.exists());
}

#[test]
fn push_reads_the_registry_from_cargo_toml() {
    let registry = Registry::start();
    let tmp = temp_dir();
    let project = tmp.path().join("pushme");
    run(
        wash_in(tmp.path())
            .args(["new", "--template", "cli-hello"])
            .arg(&project),
        true,
    );
    let manifest = project.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        format!(
            "{text}\n[package.metadata.wasmcloud.registry]\nreferense = \"{}\"\n",
            registry.reference("pushme")
        ),
    )
    .unwrap();
    let out = run(wash_in(tmp.path()).arg("push").current_dir(&project), false);
    let err = stderr(&out);
    assert!(err.contains("registry.referense"), "{err}");
    let mut settings = redactions();
    settings.add_filter(r"127\.0\.0\.1:\d+", "[REGISTRY]");
    settings.bind(|| insta::assert_snapshot!("oci-push-unknown-registry-key", err));

    std::fs::write(
        &manifest,
        format!(
            "{text}\n[package.metadata.wasmcloud.registry]\nreference = \"{}\"\n",
            registry.reference("pushme")
        ),
    )
    .unwrap();
    let out = run(
        wash_in(tmp.path())
            .args(["push", "--json"])
            .current_dir(&project),
        true,
    );
    let pushed = json(&out);
    // No tag in the reference: the crate's version.
    assert_eq!(pushed["reference"], registry.reference("pushme:0.1.0"));
    let raw = stdout(&skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{}", registry.reference("pushme:0.1.0")),
    ]));
    let m: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(m["annotations"]["org.opencontainers.image.title"], "pushme");
    assert_eq!(
        m["annotations"]["org.opencontainers.image.version"],
        "0.1.0"
    );
    // The build's digest let the upload start as the file was read: what arrived is the file.
    assert_eq!(pushed["blobs_uploaded"], 2, "{pushed}");
    let dest = tmp.path().join("pulled.wasm");
    pull_to(tmp.path(), &registry.reference("pushme:0.1.0"), &dest);
    let built = std::fs::read(shared_target_dir().join("wasmcloud/pushme.wasm")).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), built);
    use sha2::Digest;
    let digest = format!("sha256:{:x}", sha2::Sha256::digest(&built));
    assert_eq!(pushed["layer_digest"], digest.as_str());
}

#[test]
fn bad_references_and_annotations_are_clear_errors() {
    let tmp = temp_dir();
    let settings = redactions();
    let out = run(wash_in(tmp.path()).args(["pull", "Not A Reference"]), false);
    settings.bind(|| insta::assert_snapshot!("oci-bad-reference", stderr(&out)));
    let out = run(
        wash_in(tmp.path())
            .args(["push", "localhost:5000/x:1", "-a", "novalue"])
            .arg(&cli_hello().wasm),
        false,
    );
    settings.bind(|| insta::assert_snapshot!("oci-bad-annotation", stderr(&out)));
}

#[test]
fn a_registry_that_is_down_is_a_clear_error() {
    let mut registry = Registry::start();
    registry.stop();
    let tmp = temp_dir();
    let out = run(
        wash_in(tmp.path())
            .args(["push", &registry.reference("hello:1")])
            .arg(&cli_hello().wasm),
        false,
    );
    let err = stderr(&out);
    assert!(err.contains("could not reach registry"), "{err}");
    let mut settings = redactions();
    settings.add_filter(r"127\.0\.0\.1:\d+", "[REGISTRY]");
    redact_transport_causes(&mut settings);
    settings.bind(|| insta::assert_snapshot!("oci-registry-down", err));
}

/// Hides the causes below wash's own message: what the HTTP stack and the socket say varies
/// with timing (`connection closed before message completed` one run, `Broken pipe` the next),
/// and is not wash's to promise. The snapshot keeps what wash says and its hint.
fn redact_transport_causes(settings: &mut insta::Settings) {
    settings.add_filter(
        r"(?s)\n    1: .*?\n\nhelp",
        "\n    [TRANSPORT ERROR]\n\nhelp",
    );
}
