//! File modes: what wash writes gets the mode the user's umask gives (as cargo's outputs do), so
//! a component built by one user can be served by another; secrets are owner-only from creation
//! whatever the umask.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::support::*;

/// `wash ARGS…` (with the test environment and `extra` variables) under `umask`.
fn wash_with_umask(umask: &str, extra: &[(&str, &Path)], args: &[&str]) -> std::process::Output {
    let base = wash();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("umask {umask}; exec \"$@\""))
        .arg("sh")
        .arg(base.get_program())
        .args(args)
        .envs(base.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))));
    for (k, v) in extra {
        cmd.env(k, v);
    }
    run(&mut cmd, true)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn outputs_follow_the_umask_and_secrets_are_owner_only() {
    let tmp = temp_dir();
    let keys = tmp.path().join("keys");
    let app = greeter().wasm.display().to_string();
    for (umask, expected) in [("022", 0o644), ("077", 0o600)] {
        let virt = tmp.path().join(format!("virt-{umask}.wasm"));
        wash_with_umask(
            umask,
            &[],
            &["virt", &app, "--env", "A=b", "-o", virt.to_str().unwrap()],
        );
        assert_eq!(mode(&virt), expected, "wash virt under umask {umask}");
        let key = format!("k{umask}");
        wash_with_umask(umask, &[("WASH_KEYS_DIR", &keys)], &["keys", "new", &key]);
        let signed = tmp.path().join(format!("signed-{umask}.wasm"));
        wash_with_umask(
            umask,
            &[("WASH_KEYS_DIR", &keys)],
            &["sign", &app, "-k", &key, "-o", signed.to_str().unwrap()],
        );
        assert_eq!(mode(&signed), expected, "wash sign under umask {umask}");
    }
    // A secret key stays owner-only even under a permissive umask.
    wash_with_umask(
        "000",
        &[("WASH_KEYS_DIR", &keys)],
        &["keys", "new", "open-umask"],
    );
    assert_eq!(mode(&keys.join("open-umask.key")), 0o600);
    // So do registry credentials.
    let registry = crate::registry::Registry::with_auth("wash", "s3cret");
    let docker = tmp.path().join("docker");
    wash_with_umask(
        "000",
        &[("DOCKER_CONFIG", &docker)],
        &["login", &registry.host, "-u", "wash", "-p", "s3cret"],
    );
    assert_eq!(mode(&docker.join("config.json")), 0o600);
}
