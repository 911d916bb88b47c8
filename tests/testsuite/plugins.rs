//! Plugins: executables `wash-NAME` (installed or on PATH), component plugins run sandboxed with
//! their grants and limits, their build and push hooks, `wash plugin install|list|inspect|remove`
//! (from files and from a real registry), the examples in `plugins/`, completions and man pages.
//! Every scenario runs through `wash` and through `cargo wasmcloud`.
//!
//! Each test has a wash home of its own: a plugin installed in the suite's shared home would
//! hook into every other test's builds.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::support::*;

/// The two entry points.
#[derive(Clone, Copy, Debug)]
enum Entry {
    Wash,
    Cargo,
}

const BOTH: [Entry; 2] = [Entry::Wash, Entry::Cargo];

/// A wash home of its own, and commands that use it.
struct Home {
    tmp: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home { tmp: temp_dir() }
    }

    fn path(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    /// `wash` (or `cargo wasmcloud`) with this home.
    fn cmd(&self, entry: Entry) -> Command {
        let mut cmd = match entry {
            Entry::Wash => wash(),
            Entry::Cargo => cargo_wasmcloud(),
        };
        cmd.env("WASH_HOME", self.path());
        cmd
    }

    fn wash(&self) -> Command {
        self.cmd(Entry::Wash)
    }

    /// `wash plugin install ARGS…`, which must succeed.
    fn install(&self, args: &[&str]) {
        run(self.wash().args(["plugin", "install"]).args(args), true);
    }

    /// The entries of the plugin directory.
    fn plugin_dir_entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path().join("plugins"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A plugin crate of the repo, built once per test run.
fn built(dir: &str, cell: &'static OnceLock<PathBuf>) -> &'static Path {
    cell.get_or_init(|| build_json(&repo(dir)))
}

fn probe() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    built("tests/fixtures/plugin-probe", &P)
}

fn size_budget() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    built("plugins/size-budget", &P)
}

fn licenses() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    built("plugins/licenses", &P)
}

fn wash_context() -> PathBuf {
    repo("plugins/wash-context/wash-context")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A small command crate of its own (no dependencies, so it builds in seconds), with `extra`
/// appended to its Cargo.toml.
fn app(dir: &Path, name: &str, extra: &str) -> PathBuf {
    let root = dir.join(name);
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
             license = \"MIT\"\n\n[workspace]\n{extra}"
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("src/main.rs"),
        "fn main() { println!(\"hi\"); }\n",
    )
    .unwrap();
    root
}

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
        assert_eq!(out.status.code(), Some(1));
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

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
