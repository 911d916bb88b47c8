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

#[test]
fn every_output_follows_the_umask() {
    let tmp = temp_dir();
    let app = greeter().wasm.display().to_string();
    let registry = crate::registry::Registry::start();
    let reference = format!("{}/modes/app:1.0.0", registry.host);
    run(wash().args(["push", &reference, &app]), true);
    let (root, plug) = crate::crash::compose_pair(tmp.path());
    for (umask, expected) in [("022", 0o644), ("077", 0o600)] {
        let at = |name: &str| tmp.path().join(format!("{umask}-{name}"));
        let s = |p: &Path| p.display().to_string();
        let compose = at("composed.wasm");
        wash_with_umask(
            umask,
            &[],
            &["compose", &root, "--plug", &plug, "-o", &s(&compose)],
        );
        let pulled = at("pulled.wasm");
        wash_with_umask(umask, &[], &["pull", &reference, "-o", &s(&pulled)]);
        let deploy = at("deploy.yaml");
        wash_with_umask(umask, &[], &["deploy", &reference, "-o", &s(&deploy)]);
        let keys = at("keys");
        wash_with_umask(umask, &[("WASH_KEYS_DIR", &keys)], &["keys", "new", "k"]);
        let project = at("project");
        let name = format!("modes-{umask}");
        wash_with_umask(
            umask,
            &[],
            &[
                "new",
                "--template",
                "http-hello",
                "--name",
                &name,
                &s(&project),
            ],
        );
        let built = wash_with_umask(
            umask,
            &[],
            &[
                "build",
                "--json",
                "--manifest-path",
                &s(&project.join("Cargo.toml")),
            ],
        );
        let v: serde_json::Value = serde_json::from_str(stdout(&built).trim()).unwrap();
        let component = std::path::PathBuf::from(v["path"].as_str().unwrap());
        for file in [
            compose,
            pulled,
            deploy,
            keys.join("k.pub"),
            project.join("Cargo.toml"),
            project.join("src/lib.rs"),
            component,
        ] {
            assert_eq!(
                mode(&file),
                expected,
                "{} under umask {umask}",
                file.display()
            );
        }
        assert_eq!(
            mode(&keys.join("k.key")),
            0o600,
            "the secret key under umask {umask}"
        );
    }
}

#[test]
fn secrets_appear_only_when_asked_for() {
    let tmp = temp_dir();
    let keys = tmp.path().join("keys");
    let cwd = tmp.path().join("cwd");
    let scratch_tmp = tmp.path().join("tmp");
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::create_dir_all(&scratch_tmp).unwrap();
    let docker = tmp.path().join("docker");
    let registry = crate::registry::Registry::with_auth("wash", "s3cret-pw");
    let wash_in = |args: &[String], ok: Option<bool>| {
        let mut cmd = wash();
        cmd.env("WASH_KEYS_DIR", &keys)
            .env("DOCKER_CONFIG", &docker)
            .env("TMPDIR", &scratch_tmp)
            .current_dir(&cwd)
            .args(args);
        let out = cmd.output().unwrap();
        if let Some(ok) = ok {
            assert_eq!(out.status.success(), ok, "{args:?}: {}", stderr(&out));
        }
        format!("{}\n{}", stdout(&out), stderr(&out))
    };
    let app = greeter().wasm.display().to_string();
    let signed = tmp.path().join("signed.wasm").display().to_string();
    let reference = format!("{}/secrets/app:1.0.0", registry.host);
    let mut printed = Vec::new();
    for json in [false, true] {
        let j: &[&str] = if json { &["--json"] } else { &[] };
        let with = |args: &[&str]| {
            args.iter()
                .chain(j)
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
        };
        let name = if json { "kj" } else { "kt" };
        printed.push(wash_in(&with(&["keys", "new", name]), Some(true)));
        printed.push(wash_in(&with(&["keys", "list"]), Some(true)));
        printed.push(wash_in(&with(&["keys", "show", name]), Some(true)));
        printed.push(wash_in(
            &with(&["sign", &app, "-k", name, "-o", &signed]),
            Some(true),
        ));
        printed.push(wash_in(&with(&["verify", &signed]), Some(true)));
        printed.push(wash_in(&with(&["inspect", &signed]), Some(true)));
        // Wrong and right passwords, as an argument and on stdin.
        // (`login` has no `--json`: it prints one line.)
        printed.push(wash_in(
            &with_none(&["login", &registry.host, "-u", "wash", "-p", "wrong-pw-123"]),
            Some(false),
        ));
        printed.push(wash_in(
            &with_none(&["login", &registry.host, "-u", "wash", "-p", "s3cret-pw"]),
            Some(true),
        ));
        printed.push(wash_in(&with(&["push", &reference, &app]), Some(true)));
        printed.push(wash_in(
            &with(&["pull", &reference, "-o", &signed]),
            Some(true),
        ));
        // A key name that is not there, and a sign with a public-only key.
        printed.push(wash_in(
            &with(&["sign", &app, "-k", "nope", "-o", &signed]),
            Some(false),
        ));
    }
    let secrets: Vec<String> = ["kt", "kj"]
        .iter()
        .flat_map(|n| {
            std::fs::read_to_string(keys.join(format!("{n}.key")))
                .unwrap()
                .lines()
                .filter(|l| !l.starts_with("-----") && l.len() > 8)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .chain([
            "s3cret-pw".to_string(),
            "wrong-pw-123".to_string(),
            base64_of("wash:s3cret-pw"),
        ])
        .collect();
    assert!(secrets.len() >= 5, "{secrets:?}");
    for out in &printed {
        for secret in &secrets {
            assert!(
                !out.contains(secret.as_str()),
                "a secret was printed:\n{out}"
            );
        }
    }
    // Asked for, the secret key is printed: the check above could fail.
    let shown = wash_in(&with_none(&["keys", "show", "kt", "--secret"]), Some(true));
    assert!(
        secrets.iter().any(|s| shown.contains(s.as_str())),
        "{shown}"
    );
    // Nothing was written to the current folder or the temp folder.
    assert_eq!(entries(&cwd), Vec::<String>::new());
    assert_eq!(entries(&scratch_tmp), Vec::<String>::new());
}

fn with_none(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}
