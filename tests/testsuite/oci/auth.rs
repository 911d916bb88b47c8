//! `wash login`/`logout` and credentials from docker's config.json and its helpers, against
//! a registry behind htpasswd.

use std::path::Path;

use super::*;

#[test]
fn credentials_from_wash_login_and_a_clear_error_for_a_wrong_password() {
    let registry = Registry::with_auth("wash", "s3cret");
    let tmp = temp_dir();
    let docker = tmp.path().join("docker");
    let wasm = &cli_hello().wasm;
    let reference = registry.reference("private/hello:1");
    let mut settings = redactions();
    settings.add_filter(r"127\.0\.0\.1:\d+", "[REGISTRY]");

    // Anonymous: refused, with the way out.
    let out = run(wash_in(&docker).args(["push", &reference]).arg(wasm), false);
    let err = stderr(&out);
    assert!(err.contains("refused access"), "{err}");
    assert!(err.contains("wash login"), "{err}");

    // A wrong password: refused, and nothing saved.
    let out = login(&docker, &registry.host, "wrong");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("refused the credentials of user `wash`"),
        "{err}"
    );
    assert!(!docker.join("config.json").exists());
    settings.bind(|| insta::assert_snapshot!("oci-login-wrong-password", err));

    // The right one: saved in docker's format, and push/pull use it.
    let out = login(&docker, &registry.host, "s3cret");
    assert!(out.status.success(), "{}", stderr(&out));
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(docker.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["auths"][&registry.host]["auth"], "d2FzaDpzM2NyZXQ="); // wash:s3cret
    run(wash_in(&docker).args(["push", &reference]).arg(wasm), true);
    let dest = tmp.path().join("private.wasm");
    run(
        wash_in(&docker).args(["pull", &reference, "-o"]).arg(&dest),
        true,
    );
    assert_eq!(std::fs::read(&dest).unwrap(), std::fs::read(wasm).unwrap());
    // skopeo reads the same file.
    skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        "--authfile",
        docker.join("config.json").to_str().unwrap(),
        &format!("docker://{reference}"),
    ]);

    // A stale password in config.json is a clear error too.
    let mut stale = config.clone();
    stale["auths"][&registry.host]["auth"] = "d2FzaDpvbGQ=".into(); // wash:old
    std::fs::write(docker.join("config.json"), stale.to_string()).unwrap();
    let out = run(
        wash_in(&docker).args(["pull", &reference, "-o"]).arg(&dest),
        false,
    );
    assert!(stderr(&out).contains("refused access"), "{}", stderr(&out));

    // Logout forgets it; other keys in config.json are kept.
    std::fs::write(
        docker.join("config.json"),
        serde_json::json!({"auths": config["auths"], "detachKeys": "ctrl-e"}).to_string(),
    )
    .unwrap();
    run(wash_in(&docker).args(["logout", &registry.host]), true);
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(docker.join("config.json")).unwrap()).unwrap();
    assert!(config["auths"].get(&registry.host).is_none(), "{config}");
    assert_eq!(config["detachKeys"], "ctrl-e");
}

fn login(docker: &Path, host: &str, password: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = wash_in(docker)
        .args(["login", host, "-u", "wash", "--password-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Issue 11, "safe homes": without `DOCKER_CONFIG` and `HOME`, `wash login` saves nothing
/// (never a `./.docker` or a file under the temp dir) and names `DOCKER_CONFIG`; the registry
/// is not even asked.
#[test]
fn login_without_a_home_names_docker_config_and_writes_nothing() {
    let tmp = temp_dir();
    let (cwd, tmpdir) = (tmp.path().join("cwd"), tmp.path().join("tmp"));
    for args in [
        &["login", "127.0.0.1:9", "-u", "wash", "-p", "s3cret"][..],
        &["logout", "127.0.0.1:9"],
    ] {
        let out = run(wash_without_home(tmp.path()).args(args), false);
        let err = stderr(&out);
        assert!(err.contains("cannot find docker's `config.json`"), "{err}");
        assert!(
            err.contains("`DOCKER_CONFIG` is not set and `HOME` is not set"),
            "{err}"
        );
        assert!(err.contains("help: set `DOCKER_CONFIG` to"), "{err}");
        assert!(!err.contains("could not reach"), "{err}");
        assert_eq!(entries(&cwd), Vec::<String>::new());
        assert_eq!(entries(&tmpdir), Vec::<String>::new());
    }
}

#[test]
fn credential_helpers_are_used_for_reading() {
    let registry = Registry::with_auth("helper-user", "helper-pass");
    let tmp = temp_dir();
    let docker = tmp.path().join("docker");
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&docker).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    // A docker credential helper, speaking the helper protocol (`get`, server on stdin).
    let helper = bin.join("docker-credential-washtest");
    std::fs::write(
        &helper,
        "#!/bin/sh\nread server\n[ \"$1\" = get ] && printf '{\"ServerURL\":\"%s\",\"Username\":\"helper-user\",\"Secret\":\"helper-pass\"}' \"$server\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(
        docker.join("config.json"),
        serde_json::json!({"credHelpers": {registry.host.clone(): "washtest"}}).to_string(),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    run(
        wash_in(&docker)
            .env("PATH", path)
            .args(["push", &registry.reference("helped:1")])
            .arg(&cli_hello().wasm),
        true,
    );
}
