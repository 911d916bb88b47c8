//! The sandbox, attacked from inside: a guest under `wash run`, `wash call` and `wash dev` that
//! tries to reach host files past its `--dir` grant (`..`, symlinks, absolute paths), host
//! environment it was not given, and more time or memory than allowed; and templates from git
//! that try to write outside the new project or run code while it is generated. (Plugins:
//! `plugins/components.rs`; outgoing network: `run.rs`.)

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

/// A granted folder `granted/` beside a secret `outside/secret.txt`, with every way out of the
/// grant a guest could try planted inside it.
struct Escape {
    _tmp: tempfile::TempDir,
    granted: PathBuf,
    secret: PathBuf,
}

impl Escape {
    fn new() -> Escape {
        let tmp = temp_dir();
        let granted = tmp.path().join("granted");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(&granted).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(granted.join("in.txt"), "inside").unwrap();
        let secret = outside.join("secret.txt");
        std::fs::write(&secret, "host secret").unwrap();
        let link = |to: &Path, name: &str| std::os::unix::fs::symlink(to, granted.join(name));
        link(Path::new("../outside/secret.txt"), "relative-link").unwrap();
        link(&secret, "absolute-link").unwrap();
        link(Path::new("../outside"), "dir-link").unwrap();
        link(Path::new("/etc"), "etc-link").unwrap();
        Escape {
            _tmp: tmp,
            granted,
            secret,
        }
    }

    fn grant(&self) -> String {
        format!("{}::/data", self.granted.display())
    }

    /// Every path a guest might try to reach the secret (or any host file) by.
    fn ways_out(&self) -> Vec<String> {
        vec![
            "/data/../outside/secret.txt".into(),
            "/data/../../../../etc/hostname".into(),
            "/data/relative-link".into(),
            "/data/absolute-link".into(),
            "/data/dir-link/secret.txt".into(),
            "/data/etc-link/hostname".into(),
            self.secret.display().to_string(),
            "/etc/hostname".into(),
            "../outside/secret.txt".into(),
        ]
    }
}

/// `wash run cli-probe [EXTRA…] -- ARGS…`: stdout, stderr and whether it succeeded.
fn probe_run(extra: &[&str], args: &[&str]) -> (String, String, bool) {
    let out = wash()
        .arg("run")
        .arg(&cli_probe().wasm)
        .args(extra)
        .arg("--")
        .args(args)
        .output()
        .unwrap();
    (stdout(&out), stderr(&out), out.status.success())
}

#[test]
fn run_reaches_nothing_outside_its_dir_grant() {
    let e = Escape::new();
    let grant = e.grant();
    let (inside, _, _) = probe_run(&["--dir", &grant], &["read", "/data/in.txt"]);
    assert_eq!(inside, "read ok inside\n");
    for path in e.ways_out() {
        let (text, _, _) = probe_run(&["--dir", &grant], &["read", &path]);
        assert!(text.starts_with("read failed"), "{path}: {text}");
        // Nor without any grant.
        let (text, _, _) = probe_run(&[], &["read", &path]);
        assert!(text.starts_with("read failed"), "no grant, {path}: {text}");
    }
    // Writes through the same ways out land nowhere.
    for path in ["/data/../outside/new.txt", "/data/dir-link/new.txt"] {
        let (text, _, _) = probe_run(&["--dir", &grant], &["write", path, "x"]);
        assert!(text.starts_with("write failed"), "{path}: {text}");
    }
    assert!(!e.secret.with_file_name("new.txt").exists());
    // Listing: the grant shows its own entries; the root and the current folder show nothing.
    let (text, _, _) = probe_run(&["--dir", &grant], &["list", "/data"]);
    assert_eq!(
        text,
        "list ok absolute-link,dir-link,etc-link,in.txt,relative-link\n"
    );
    for dir in ["/", ".", "/etc", "/data/.."] {
        let (text, _, _) = probe_run(&["--dir", &grant], &["list", dir]);
        assert!(!text.contains("outside"), "{dir}: {text}");
        let (text, _, _) = probe_run(&[], &["list", dir]);
        assert!(text.starts_with("list failed"), "no grant, {dir}: {text}");
    }
}

#[test]
fn a_command_past_its_time_or_memory_limit_is_stopped_with_a_clear_message() {
    let (_, err, ok) = probe_run(&["--timeout", "1"], &["spin"]);
    assert!(!ok);
    assert!(
        err.contains("the component was stopped: it ran past the time limit of 1s (`--timeout`)"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let (_, err, ok) = probe_run(&["--memory-limit", "16"], &["alloc", "64"]);
    assert!(!ok);
    assert!(
        err.contains("needed more than the memory limit of 16 MiB (`--memory-limit`)"),
        "{err}"
    );
    // Within the limits the same guest is fine: the limits are what stopped it.
    let (text, _, ok) = probe_run(&["--memory-limit", "128"], &["alloc", "64"]);
    assert!(ok && text.starts_with("alloc ok"), "{text}");
}

/// `wash call cli-probe run` with the probe's words in `PROBE`: its stdout and stderr.
fn probe_call(extra: &[&str], words: &str) -> (String, String) {
    let out = wash()
        .arg("call")
        .arg(&cli_probe().wasm)
        .arg("run")
        .args(["--env", &format!("PROBE={words}")])
        .args(extra)
        .output()
        .unwrap();
    (stdout(&out), stderr(&out))
}

#[test]
fn call_has_the_same_sandbox_and_limits() {
    let e = Escape::new();
    let grant = e.grant();
    let (text, _) = probe_call(&["--dir", &grant], "read /data/in.txt");
    assert!(text.contains("read ok inside"), "{text}");
    for path in e.ways_out() {
        let (text, _) = probe_call(&["--dir", &grant], &format!("read {path}"));
        assert!(text.contains("read failed"), "{path}: {text}");
    }
    // Only the variables given: not the host's PATH or HOME.
    let (text, _) = probe_call(&[], "env PATH HOME");
    assert!(
        text.contains("env PATH unset\nenv HOME unset\nenv count=1"),
        "{text}"
    );
    let (_, err) = probe_call(&["--timeout", "1"], "spin");
    assert!(err.contains("ran past the time limit of 1s"), "{err}");
    let (_, err) = probe_call(&["--memory-limit", "16"], "alloc 64");
    assert!(err.contains("memory limit of 16 MiB"), "{err}");
}

#[test]
fn dev_runs_a_command_in_the_same_sandbox() {
    let e = Escape::new();
    let tmp = temp_dir();
    let out_file = tmp.path().join("stdout");
    // The probe's own project, so the build is the one the fixture already made.
    let project = cli_probe().dir.clone();
    let ways = e.ways_out();
    let mut child = wash()
        .args(["dev", "--dir", &e.grant(), "--", "read", &ways[0]])
        .current_dir(&project)
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    let text = loop {
        let text = std::fs::read_to_string(&out_file).unwrap_or_default();
        if text.contains("read ") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(text.starts_with("read failed"), "{text}");
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// A git repository holding a minimal template plus `extra` files.
fn git_template(root: &Path, name: &str, extra: impl FnOnce(&Path)) -> String {
    let repo = root.join(name);
    std::fs::create_dir_all(repo.join("src")).unwrap();
    std::fs::write(
        repo.join("Cargo.toml"),
        "[package]\nname = \"{{project-name}}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    )
    .unwrap();
    std::fs::write(repo.join("src/main.rs"), "fn main() {}\n").unwrap();
    extra(&repo);
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "template"]);
    format!("file://{}", repo.display())
}

#[test]
fn a_git_template_cannot_write_outside_the_project() {
    let tmp = temp_dir();
    let target = tmp.path().join("victim.txt");
    std::fs::write(&target, "untouched").unwrap();
    let cases = [
        ("dotdot-link", "../victim.txt".to_string()),
        ("absolute-link", target.display().to_string()),
        ("dir-link", "..".to_string()),
    ];
    for (name, pointee) in cases {
        let url = git_template(tmp.path(), &format!("repo-{name}"), |repo| {
            std::os::unix::fs::symlink(&pointee, repo.join(name)).unwrap();
        });
        let dest = tmp.path().join(format!("app-{name}"));
        let out = wash()
            .args(["new", "--git", &url])
            .arg(&dest)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert!(!out.status.success(), "{name}: accepted");
        assert!(
            err.contains(&format!("template file `{name}` would be written outside")),
            "{name}: {err}"
        );
        assert!(!dest.exists(), "{name}: a refused template left files");
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched");
}

#[test]
fn generating_from_a_git_template_runs_no_code() {
    let tmp = temp_dir();
    let marker = tmp.path().join("code-ran");
    let script = tmp.path().join("evil.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ntouch {}\nexec \"$@\"\n", marker.display()),
    )
    .unwrap();
    let executable = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    executable(&script);
    // Every hook a template could try: a cargo rustc wrapper and a build script (code that cargo
    // would run were wash to invoke it), cargo-generate hooks, and a git hook. Plus a git
    // configuration whose hooks folder would run on checkout, to show wash asks git for files
    // only.
    let url = git_template(tmp.path(), "repo", |repo| {
        std::fs::create_dir_all(repo.join(".cargo")).unwrap();
        std::fs::write(
            repo.join(".cargo/config.toml"),
            format!("[build]\nrustc-wrapper = \"{}\"\n", script.display()),
        )
        .unwrap();
        std::fs::write(
            repo.join("build.rs"),
            format!(
                "fn main() {{ std::fs::write({:?}, \"\").unwrap(); }}\n",
                marker.display().to_string()
            ),
        )
        .unwrap();
        std::fs::write(
            repo.join("cargo-generate.toml"),
            "[hooks]\npre = [\"pre.rhai\"]\npost = [\"post.rhai\"]\n",
        )
        .unwrap();
        std::fs::write(
            repo.join("pre.rhai"),
            "system::command(\"touch\", [\"x\"]);\n",
        )
        .unwrap();
    });
    let hooks = tmp.path().join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    for hook in ["post-checkout", "post-merge", "reference-transaction"] {
        std::fs::copy(&script, hooks.join(hook)).unwrap();
        executable(&hooks.join(hook));
    }
    let global = tmp.path().join("gitconfig");
    std::fs::write(
        &global,
        format!("[core]\n\thooksPath = {}\n", hooks.display()),
    )
    .unwrap();
    let dest = tmp.path().join("app");
    run(
        wash()
            .env("GIT_CONFIG_GLOBAL", &global)
            .args(["new", "--git", &url])
            .arg(&dest),
        true,
    );
    assert!(dest.join("build.rs").exists(), "the template was generated");
    assert!(!marker.exists(), "generating the template ran code");
}
