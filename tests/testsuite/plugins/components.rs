//! Component plugins: grants, limits, hooks, and the examples in `plugins/`.

use std::path::PathBuf;

use super::*;

#[test]
fn a_component_plugin_reaches_only_what_it_was_granted() {
    let home = Home::new();
    let tmp = home.tmp.path();
    let allowed = tmp.join("allowed");
    let secret = tmp.join("secret");
    std::fs::create_dir_all(&allowed).unwrap();
    std::fs::create_dir_all(&secret).unwrap();
    std::fs::write(allowed.join("a.txt"), "inside").unwrap();
    std::fs::write(secret.join("s.txt"), "TOPSECRET").unwrap();
    std::os::unix::fs::symlink(secret.join("s.txt"), allowed.join("link")).unwrap();
    let probe_run = |entry: Entry, args: &[&str]| {
        let out = run(
            home.cmd(entry)
                .arg("probe")
                .args(args)
                .env("PROBE_TOKEN", "t0k")
                .current_dir(&greeter().dir),
            true,
        );
        let text = stdout(&out);
        assert!(!text.contains("TOPSECRET"), "{args:?} leaked: {text}");
        text
    };
    // Nothing granted: no files, no environment.
    home.install(&[s(probe())]);
    for entry in BOTH {
        assert!(
            probe_run(entry, &["read", &format!("{}/a.txt", allowed.display())])
                .starts_with("read failed")
        );
        assert!(probe_run(entry, &["read", "/etc/passwd"]).starts_with("read failed"));
        assert!(probe_run(entry, &["list", "/"]).starts_with("list failed"));
        assert_eq!(
            probe_run(entry, &["env", "PROBE_TOKEN"]),
            "env PROBE_TOKEN unset (of 0 vars)\n"
        );
        assert!(probe_run(entry, &["context"]).contains("mount=None"));
    }
    // A folder, read-only; one variable; the project.
    let grant = format!("read={}::/data", allowed.display());
    home.install(&[
        "--force",
        "--grant",
        &grant,
        "--grant",
        "env=PROBE_TOKEN",
        "--grant",
        "project",
        s(probe()),
    ]);
    for entry in BOTH {
        assert_eq!(
            probe_run(entry, &["read", "/data/a.txt"]),
            "read ok inside\n"
        );
        for outside in [
            "/data/../secret/s.txt",
            "/data/link",
            &format!("{}/s.txt", secret.display()),
            "/etc/passwd",
        ] {
            let text = probe_run(entry, &["read", outside]);
            assert!(text.starts_with("read failed"), "{outside}: {text}");
        }
        assert!(probe_run(entry, &["write", "/data/new.txt"]).starts_with("write failed"));
        assert!(!allowed.join("new.txt").exists());
        assert_eq!(
            probe_run(entry, &["env", "PROBE_TOKEN"]),
            "env PROBE_TOKEN=t0k\n"
        );
        assert!(probe_run(entry, &["env", "HOME"]).starts_with("env HOME unset (of 1 vars)"));
        // The project, read-only at /project.
        assert!(probe_run(entry, &["read", "/project/Cargo.toml"]).contains("name = \"greeter\""));
        assert!(probe_run(entry, &["context"]).contains("mount=Some(\"/project\")"));
    }
    let out = run(home.wash().args(["plugin", "inspect", "probe"]), true);
    let text = stdout(&out);
    assert!(
        text.contains(&format!("read={}::/data", allowed.display())),
        "{text}"
    );
    assert!(
        text.contains("env=PROBE_TOKEN") && text.contains("project"),
        "{text}"
    );
    // The network: no sockets ever; HTTP only to the granted host.
    let registry = crate::registry::Registry::start();
    let host = registry.reference("").trim_end_matches('/').to_string();
    let expected = registry.status_of("/");
    assert_ne!(expected, 0);
    let got = probe_run(Entry::Wash, &["get", &host]);
    assert!(
        got.starts_with("get failed ErrorCode::HttpRequestDenied"),
        "{got}"
    );
    home.install(&["--force", "--grant", &format!("http={host}"), s(probe())]);
    for entry in BOTH {
        assert_eq!(
            probe_run(entry, &["get", &host]),
            format!("get status {expected}\n")
        );
        assert!(
            probe_run(entry, &["get", "example.com:80"])
                .starts_with("get failed ErrorCode::HttpRequestDenied")
        );
        assert!(probe_run(entry, &["connect", &host]).starts_with("connect failed"));
    }
}

#[test]
fn a_plugin_that_traps_loops_or_exhausts_memory_gets_a_clear_error() {
    let home = Home::new();
    home.install(&["--timeout", "2", "--memory-limit", "64", s(probe())]);
    for entry in BOTH {
        for (what, says) in [
            ("trap", "unreachable"),
            ("loop", "it ran past its time limit of 2 s"),
            ("oom", "it needed more than its memory limit of 64 MiB"),
            ("fail", "probe: the probe was asked to fail"),
        ] {
            let out = run(home.cmd(entry).args(["probe", what]), false);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{what}: {err}");
            assert!(err.contains(says), "{what}: {err}");
            assert!(!err.contains("panicked"), "{what}: {err}");
            assert!(err.lines().count() < 12, "{what}: not one screen:\n{err}");
        }
        // And wash carries on: the next call works.
        run(home.cmd(entry).args(["probe", "args"]), true);
    }
    // In a hook, the same limits stop the build with the same words.
    let dir = home.tmp.path();
    let looping = app(
        dir,
        "probe-loops",
        "[package.metadata.wasmcloud.plugins.probe]\nmisbehave = \"loop\"\n",
    );
    let out = run(home.wash().arg("build").current_dir(&looping), false);
    let err = stderr(&out);
    assert!(
        err.contains(
            "the plugin `probe` failed in `before-build`: it ran past its time limit of 2 s"
        ),
        "{err}"
    );
}

#[test]
fn hooks_see_each_build_and_push_and_a_veto_stops_it() {
    let home = Home::new();
    home.install(&[s(probe())]);
    let dir = home.tmp.path();
    let project = app(
        dir,
        "probe-hooked",
        "[package.metadata.wasmcloud.plugins.probe]\nnote = \"from Cargo.toml\"\nlevel = 3\n",
    );
    for entry in BOTH {
        let out = run(
            home.cmd(entry)
                .args(["build", "--json"])
                .current_dir(&project),
            true,
        );
        // Hooks print to stderr: stdout stays one JSON line.
        let built: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        let err = stderr(&out);
        assert!(
            err.contains("probe before-build packages=[\"probe-hooked\"] profile=debug"),
            "{err}"
        );
        let after = format!(
            "probe after-build package=Some(\"probe-hooked\") size={size} bytes={size} digest={}",
            built["digest"].as_str().unwrap(),
            size = built["size"]
        );
        assert!(err.contains(&after), "{err}");
        assert!(
            err.contains(&format!("project-dir=Some({:?})", s(&project))),
            "{err}"
        );
        assert!(err.contains("json=true"), "{err}");
        assert!(
            err.contains("config=[(\"level\", \"3\"), (\"note\", \"from Cargo.toml\")]"),
            "{err}"
        );
    }
    let registry = crate::registry::Registry::start();
    let reference = registry.reference("hooked:1");
    let out = run(
        home.wash()
            .args(["push", "--json", &reference])
            .current_dir(&project),
        true,
    );
    let pushed: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let err = stderr(&out);
    assert!(
        err.contains(&format!("probe before-push reference={reference} ")),
        "{err}"
    );
    assert!(err.contains("digest=None"), "{err}");
    assert!(
        err.contains(&format!(
            "probe after-push reference={reference} digest=Some({:?})",
            pushed["digest"].as_str().unwrap()
        )),
        "{err}"
    );
    // A veto before the push: nothing reaches the registry.
    let vetoing = app(
        dir,
        "probe-vetoes",
        "[package.metadata.wasmcloud.plugins.probe]\nveto = \"before-push\"\n",
    );
    let vetoed = registry.reference("vetoed:1");
    for entry in BOTH {
        let out = run(
            home.cmd(entry)
                .args(["push", &vetoed])
                .current_dir(&vetoing),
            false,
        );
        assert!(
            stderr(&out).contains(
                "the plugin `probe` stopped the push in `before-push`: the crate asked the probe to veto before-push"
            ),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(registry.status_of("/v2/vetoed/manifests/1"), 404);
    // A veto after the build fails it.
    let after = app(
        dir,
        "probe-vetoes-build",
        "[package.metadata.wasmcloud.plugins.probe]\nveto = \"after-build\"\n",
    );
    let out = run(home.wash().arg("build").current_dir(&after), false);
    assert!(
        stderr(&out).contains("the plugin `probe` stopped the build in `after-build`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_size_budget_example_fails_a_build_over_budget() {
    let home = Home::new();
    home.install(&[s(size_budget())]);
    let dir = home.tmp.path();
    let tight = app(
        dir,
        "budget-tight",
        "[package.metadata.wasmcloud.plugins.size-budget]\nmax = \"1 KiB\"\n",
    );
    let roomy = app(
        dir,
        "budget-roomy",
        "[package.metadata.wasmcloud.plugins.size-budget]\nmax = \"100 MiB\"\n",
    );
    let bad = app(
        dir,
        "budget-bad",
        "[package.metadata.wasmcloud.plugins.size-budget]\nmax = \"lots\"\n",
    );
    for entry in BOTH {
        let out = run(home.cmd(entry).arg("build").current_dir(&tight), false);
        let err = stderr(&out);
        assert!(
            err.contains(
                "the plugin `size-budget` stopped the build in `after-build`: budget-tight is"
            ),
            "{err}"
        );
        assert!(err.contains("over its budget of 1.0 KiB"), "{err}");
        let out = run(home.cmd(entry).arg("build").current_dir(&roomy), true);
        assert!(
            stderr(&out).contains("of its 100.0 MiB budget"),
            "{}",
            stderr(&out)
        );
        let out = run(home.cmd(entry).arg("build").current_dir(&bad), false);
        assert!(
            stderr(&out).contains("`max = \"lots\"`"),
            "{}",
            stderr(&out)
        );
        let out = run(home.cmd(entry).arg("size-budget").current_dir(&roomy), true);
        assert_eq!(stdout(&out), "budget: 100 MiB (from Cargo.toml)\n");
    }
}

#[test]
fn the_licenses_example_reads_cargo_lock_from_its_granted_folders() {
    let home = Home::new();
    let registry = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cargo"))
        .join("registry");
    // Without the project granted it says what to grant.
    home.install(&[s(licenses())]);
    let out = run(
        home.wash().arg("licenses").current_dir(&greeter().dir),
        false,
    );
    assert!(stderr(&out).contains("--grant project"), "{}", stderr(&out));
    let grant = format!("read={}::/cargo-registry", registry.display());
    home.install(&[
        "--force",
        "--grant",
        "project",
        "--grant",
        &grant,
        s(licenses()),
    ]);
    for entry in BOTH {
        let out = run(
            home.cmd(entry).arg("licenses").current_dir(&greeter().dir),
            true,
        );
        let text = stdout(&out);
        let line = |name: &str| {
            text.lines()
                .find(|l| l.starts_with(&format!("{name} ")))
                .unwrap_or_else(|| panic!("{name} not listed:\n{text}"))
                .to_string()
        };
        assert!(line("wit-bindgen").contains("Apache-2.0"), "{text}");
        // The member declares no license, and the plugin does not guess one.
        assert!(line("greeter").ends_with("unknown"), "{text}");
        let out = run(
            home.cmd(entry)
                .args(["licenses", "--json"])
                .current_dir(&greeter().dir),
            true,
        );
        let first: serde_json::Value =
            serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
        assert!(first["name"].is_string() && first["license"].is_string());
    }
}
