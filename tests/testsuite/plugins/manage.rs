//! `wash plugin install|list|inspect|remove`, completions and man pages.

use super::*;

#[test]
fn install_refuses_what_is_no_plugin_for_this_wash_and_leaves_nothing_behind() {
    let home = Home::new();
    let dir = home.tmp.path();
    let refuse = |args: &[&str], says: &str| {
        let out = run(home.wash().args(["plugin", "install"]).args(args), false);
        let err = stderr(&out);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"));
        assert_eq!(home.plugin_dir_entries(), Vec::<String>::new(), "{args:?}");
    };
    let core = dir.join("core.wasm");
    std::fs::write(&core, wat::parse_str("(module)").unwrap()).unwrap();
    refuse(
        &[s(&core)],
        "it is a core WebAssembly module, not a component",
    );
    let text = dir.join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    refuse(&[s(&text)], "an executable must be named `wash-NAME`");
    let not_exec = dir.join("wash-lazy");
    std::fs::write(&not_exec, "#!/bin/sh\n").unwrap();
    refuse(&[s(&not_exec)], "it is not executable");
    let builtin = dir.join("wash-build");
    std::fs::write(&builtin, "#!/bin/sh\n").unwrap();
    make_executable(&builtin);
    refuse(&[s(&builtin)], "`build` is a built-in wash command");
    let newer = dir.join("newer.wasm");
    std::fs::write(&newer, component_for_world("0.2.0")).unwrap();
    refuse(
        &[s(&newer)],
        "was built for the plugin world wash:plugin/plugin@0.2.0, but this wash speaks wash:plugin@0.1.0",
    );
    refuse(
        &["--grant", "net", s(probe())],
        "bad grant `net`: unknown kind of grant",
    );
    refuse(
        &["--grant", "read=/no/such/dir", s(probe())],
        "bad grant `read=/no/such/dir`",
    );
    refuse(
        &["--grant", "env=A", s(&wash_context())],
        "grants and limits apply to component plugins",
    );
    // Installed once, a second install of the same name needs --force.
    home.install(&[s(probe())]);
    let out = run(home.wash().args(["plugin", "install", s(probe())]), false);
    assert!(stderr(&out).contains("a plugin `probe` is installed already"));
    assert!(stderr(&out).contains("--force"));
    assert_eq!(home.plugin_dir_entries(), ["probe"]);
    // A damaged manifest is named, with the fix.
    std::fs::write(home.path().join("plugins/probe/plugin.json"), "{").unwrap();
    let out = run(home.wash().args(["plugin", "list"]), false);
    assert!(
        stderr(&out).contains("plugin.json` is damaged"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("reinstall it"), "{}", stderr(&out));
    // Remove takes it away entirely.
    for entry in BOTH {
        home.install(&["--force", s(probe())]);
        run(home.cmd(entry).args(["plugin", "remove", "probe"]), true);
        assert_eq!(home.plugin_dir_entries(), Vec::<String>::new());
        let out = run(home.cmd(entry).args(["plugin", "remove", "probe"]), false);
        assert!(stderr(&out).contains("no plugin `probe` is installed"));
    }
}

/// A component that exports `wash:plugin/plugin@VERSION` (one function that does nothing).
fn component_for_world(version: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(component
  (core module $m (func (export "f")))
  (core instance $i (instantiate $m))
  (func $f (canon lift (core func $i "f")))
  (instance $api (export "describe" (func $f)))
  (export "wash:plugin/plugin@{version}" (instance $api)))"#
    ))
    .unwrap()
}

#[test]
fn plugins_install_from_a_registry_through_pull_with_verify_key() {
    let home = Home::new();
    let registry = crate::registry::Registry::start();
    let reference = registry.reference("plugins/probe:0.3.1");
    run(home.wash().args(["push", &reference, s(probe())]), true);
    let keys = home.tmp.path().join("keys");
    run(
        home.wash()
            .env("WASH_KEYS_DIR", &keys)
            .args(["keys", "new", "ci"]),
        true,
    );
    // Unsigned: refused with --verify-key, and nothing installed.
    let out = run(
        home.wash().env("WASH_KEYS_DIR", &keys).args([
            "plugin",
            "install",
            "--verify-key",
            "ci",
            &reference,
        ]),
        false,
    );
    assert!(stderr(&out).contains("signature"), "{}", stderr(&out));
    assert_eq!(home.plugin_dir_entries(), Vec::<String>::new());
    // Signed and pushed: installed, the reference recorded as its source.
    let signed = home.tmp.path().join("probe-signed.wasm");
    run(
        home.wash().env("WASH_KEYS_DIR", &keys).args([
            "sign",
            "-k",
            "ci",
            s(probe()),
            "-o",
            s(&signed),
        ]),
        true,
    );
    let signed_ref = registry.reference("plugins/probe:signed");
    run(home.wash().args(["push", &signed_ref, s(&signed)]), true);
    for entry in BOTH {
        let out = run(
            home.cmd(entry).env("WASH_KEYS_DIR", &keys).args([
                "plugin",
                "install",
                "--force",
                "--json",
                "--verify-key",
                "ci",
                &signed_ref,
            ]),
            true,
        );
        let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(v["reason"], "plugin");
        assert_eq!(v["name"], "probe");
        assert_eq!(v["source"], signed_ref.as_str());
        let out = run(home.cmd(entry).args(["probe", "args", "x"]), true);
        assert_eq!(stdout(&out), "args [\"args\", \"x\"]\n");
    }
    let out = run(home.wash().args(["plugin", "list"]), true);
    assert!(stdout(&out).contains(&signed_ref), "{}", stdout(&out));
}

#[test]
fn completions_and_man_pages_cover_commands_and_plugins() {
    let home = Home::new();
    home.install(&[s(probe())]);
    for entry in BOTH {
        for shell in ["bash", "zsh", "fish", "powershell"] {
            let out = run(home.cmd(entry).args(["completions", shell]), true);
            let script = stdout(&out);
            assert!(
                script.contains("probe"),
                "{shell}: the plugin is not completed"
            );
            assert!(
                script.contains("deploy") && script.contains("manifest-path"),
                "{shell}"
            );
        }
    }
    let out = run(home.wash().arg("--help"), true);
    assert!(
        stdout(&out).contains("  probe  Reports what it can see"),
        "{}",
        stdout(&out)
    );
    let out = run(home.wash().args(["probe", "--help"]), true);
    assert!(
        stdout(&out).starts_with("Reports what it can see"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("Usage: wash probe read PATH"));
    let out = run(home.wash().arg("man"), true);
    assert!(stdout(&out).starts_with(".ie"), "{}", &stdout(&out)[..200]);
    assert!(stdout(&out).contains(".TH wash 1"), "not a man page");
    let man = home.tmp.path().join("man1");
    run(home.wash().args(["man", "--dir", s(&man)]), true);
    for page in ["wash.1", "wash-build.1", "wash-plugin.1", "wash-deploy.1"] {
        let text = std::fs::read_to_string(man.join(page)).unwrap();
        assert!(text.contains(".SH"), "{page}");
    }
}
