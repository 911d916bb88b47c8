//! Executable plugins: `wash-NAME`, installed or on PATH.

use super::*;

#[test]
fn executable_plugins_get_the_documented_environment_and_their_exit_status_passes_through() {
    let home = Home::new();
    home.install(&[s(&wash_context())]);
    let project = greeter();
    for entry in BOTH {
        let out = run(
            home.cmd(entry)
                .args(["context", "a", "--b"])
                .current_dir(&project.dir),
            true,
        );
        let text = stdout(&out);
        let var = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .unwrap_or_else(|| panic!("{k} missing in:\n{text}"))
                .to_string()
        };
        let (exe, bin_name) = match entry {
            Entry::Wash => (env!("CARGO_BIN_EXE_wash"), "wash"),
            Entry::Cargo => (env!("CARGO_BIN_EXE_cargo-wasmcloud"), "cargo wasmcloud"),
        };
        assert_eq!(var("WASH"), exe, "{entry:?}");
        assert_eq!(var("WASH_BIN_NAME"), bin_name);
        assert_eq!(var("WASH_PLUGIN_NAME"), "context");
        assert_eq!(var("WASH_HOME"), s(&home.path()));
        assert_eq!(var("WASH_PROJECT_DIR"), s(&project.dir));
        assert_eq!(
            var("WASH_MANIFEST_PATH"),
            s(&project.dir.join("Cargo.toml"))
        );
        assert_eq!(var("WASH_TARGET_DIR"), s(&shared_target_dir()));
        assert_eq!(var("WASH_JSON"), "0");
        assert_eq!(var("WASH_VERBOSITY"), "normal");
        assert_eq!(var("args"), "a --b");
        // `--json` is told; `-q` before the name is wash's and is told too.
        let out = run(
            home.cmd(entry)
                .args(["-q", "context", "--json"])
                .current_dir(&project.dir),
            true,
        );
        let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(v["WASH_JSON"], "1");
        assert_eq!(v["WASH_VERBOSITY"], "quiet");
        // Outside a crate there is no project.
        let out = run(
            home.cmd(entry)
                .arg("context")
                .current_dir(home.tmp.path())
                .env("WASH_PROJECT_DIR", "/inherited"),
            true,
        );
        assert!(
            stdout(&out).contains("WASH_PROJECT_DIR=\n"),
            "{}",
            stdout(&out)
        );
        let out = home
            .cmd(entry)
            .args(["context", "--exit", "7"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(7), "{entry:?}");
    }
}

#[test]
fn plugins_on_path_are_found_and_built_in_commands_always_win() {
    let home = Home::new();
    let bin = home.tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for (name, body) in [
        ("wash-hello", "echo \"hello from PATH $*\""),
        ("wash-build", "echo hijacked; exit 9"),
    ] {
        let path = bin.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        make_executable(&path);
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    for entry in BOTH {
        let out = run(
            home.cmd(entry).env("PATH", &path).args(["hello", "x"]),
            true,
        );
        assert_eq!(stdout(&out), "hello from PATH x\n");
        let out = run(
            home.cmd(entry).env("PATH", &path).args(["build", "--help"]),
            true,
        );
        assert!(!stdout(&out).contains("hijacked"));
        assert!(stdout(&out).contains("Build the crate"), "{}", stdout(&out));
        let out = run(
            home.cmd(entry).env("PATH", &path).args(["plugin", "list"]),
            true,
        );
        let list = stdout(&out);
        assert!(
            list.contains("hello") && list.contains("wash-hello"),
            "{list}"
        );
        assert!(
            !list.contains("wash-build"),
            "a shadowed plugin is listed: {list}"
        );
        let out = run(home.cmd(entry).env("PATH", &path).arg("--help"), true);
        assert!(stdout(&out).contains("Plugins ("), "{}", stdout(&out));
        assert!(stdout(&out).contains("  hello"), "{}", stdout(&out));
        // An unknown command names what there is.
        let out = run(home.cmd(entry).env("PATH", &path).arg("nosuch"), false);
        let err = stderr(&out);
        assert!(err.contains("no such command: `nosuch`"), "{err}");
        assert!(err.contains("plugin list"), "{err}");
        assert_eq!(out.status.code(), Some(2));
    }
}
