//! `wash new`: built-in, local and git templates, name substitution, and every refusal.

use std::path::Path;
use std::process::Command;

use crate::support::*;

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn http_template_substitutes_names_and_has_no_wit() {
    let tmp = temp_dir();
    let dest = tmp.path().join("my-greeter");
    run(wash().args(["new"]).arg(&dest), true);
    let files: Vec<String> = files_under(&dest)
        .into_iter()
        .filter(|f| !f.starts_with("vendor/"))
        .collect();
    assert_eq!(files, [".gitignore", "Cargo.toml", "src/lib.rs"]);
    assert!(
        dest.join("vendor/wash-sdk/Cargo.toml").is_file(),
        "the SDK is vendored"
    );
    let manifest = std::fs::read_to_string(dest.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"my-greeter\""), "{manifest}");
    let lib = std::fs::read_to_string(dest.join("src/lib.rs")).unwrap();
    assert!(lib.contains("Hello from my-greeter"), "{lib}");
    assert!(!lib.contains("{{"), "placeholder left in {lib}");
}

#[test]
fn name_flag_overrides_folder_name() {
    let tmp = temp_dir();
    let dest = tmp.path().join("folder");
    let out = run(
        wash()
            .args([
                "new",
                "--template",
                "cli-hello",
                "--name",
                "the_tool",
                "--json",
            ])
            .arg(&dest),
        true,
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["name"], "the_tool");
    assert_eq!(v["template"], "cli-hello");
    let manifest = std::fs::read_to_string(dest.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"the_tool\""));
}

#[test]
fn list_names_builtin_templates() {
    let out = run(wash().args(["new", "--list"]), true);
    let text = stdout(&out);
    assert!(
        text.contains("http-hello") && text.contains("cli-hello"),
        "{text}"
    );
}

fn refusal(args: &[&str], dest: &Path) -> String {
    let out = run(wash().args(args).arg(dest), false);
    stderr(&out)
}

#[test]
fn refuses_non_empty_destination() {
    let tmp = temp_dir();
    let dest = tmp.path().join("taken");
    std::fs::create_dir(&dest).unwrap();
    std::fs::write(dest.join("keep.txt"), "mine").unwrap();
    let err = refusal(&["new"], &dest);
    redactions().bind(|| insta::assert_snapshot!("new-refuses-non-empty", err));
    assert_eq!(
        std::fs::read_to_string(dest.join("keep.txt")).unwrap(),
        "mine"
    );
    assert_eq!(files_under(&dest), ["keep.txt"]);
}

#[test]
fn accepts_empty_existing_destination() {
    let tmp = temp_dir();
    let dest = tmp.path().join("empty");
    std::fs::create_dir(&dest).unwrap();
    run(wash().args(["new"]).arg(&dest), true);
    assert!(dest.join("Cargo.toml").exists());
}

#[test]
fn refuses_invalid_names() {
    let tmp = temp_dir();
    for (name, why) in [
        ("1st", "starts with a digit"),
        ("fn", "keyword"),
        ("my app", "` ` is not allowed"),
        ("caf\u{e9}", "is not allowed"),
    ] {
        let dest = tmp.path().join(name);
        let err = refusal(&["new"], &dest);
        assert!(err.contains(why), "{name}: {err}");
        assert!(!dest.exists(), "{name}: something was created");
    }
    let err = refusal(&["new"], &tmp.path().join("1st"));
    redactions().bind(|| insta::assert_snapshot!("new-refuses-invalid-name", err));
}

#[test]
fn unknown_builtin_template_lists_the_known_ones() {
    let tmp = temp_dir();
    let err = refusal(&["new", "--template", "nope"], &tmp.path().join("x"));
    redactions().bind(|| insta::assert_snapshot!("new-unknown-template", err));
}

/// A template folder with placeholders in a file name and in contents.
fn write_local_template(dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"{{project-name}}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() { println!(\"{{crate_name}}\"); }\n",
    )
    .unwrap();
    std::fs::write(dir.join("{{crate_name}}.md"), "# {{project-name}}\n").unwrap();
}

#[test]
fn local_template_path() {
    let tmp = temp_dir();
    let template = tmp.path().join("tmpl");
    write_local_template(&template);
    let dest = tmp.path().join("local-app");
    run(
        wash()
            .args(["new", "--template-path"])
            .arg(&template)
            .arg(&dest),
        true,
    );
    assert_eq!(
        files_under(&dest),
        ["Cargo.toml", "local_app.md", "src/main.rs"]
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("local_app.md")).unwrap(),
        "# local-app\n"
    );
    assert!(
        std::fs::read_to_string(dest.join("src/main.rs"))
            .unwrap()
            .contains("\"local_app\"")
    );
}

#[cfg(unix)]
#[test]
fn refuses_template_files_that_escape() {
    let tmp = temp_dir();
    let outside = tmp.path().join("secret.txt");
    std::fs::write(&outside, "do not copy").unwrap();
    for (link_name, pointee) in [
        ("dotdot", "../secret.txt".to_string()),
        ("absolute", outside.display().to_string()),
    ] {
        let template = tmp.path().join(format!("tmpl-{link_name}"));
        write_local_template(&template);
        std::os::unix::fs::symlink(&pointee, template.join(link_name)).unwrap();
        let dest = tmp.path().join(format!("app-{link_name}"));
        let err = refusal(
            &["new", "--template-path", template.to_str().unwrap()],
            &dest,
        );
        assert!(
            err.contains(&format!(
                "template file `{link_name}` would be written outside the project"
            )),
            "{err}"
        );
        assert!(!dest.exists(), "a refused template left files behind");
        if link_name == "dotdot" {
            redactions().bind(|| insta::assert_snapshot!("new-refuses-escaping-template", err));
        }
    }
    // Nothing half-made either: no staging folders left beside the destinations.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".wash-new-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn git_template_with_branch() {
    let tmp = temp_dir();
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("README.md"), "main branch {{project-name}}\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "main"]);
    git(&repo, &["checkout", "-qb", "component"]);
    write_local_template(&repo);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "template"]);
    git(&repo, &["checkout", "-q", "main"]);
    let url = format!("file://{}", repo.display());

    let dest = tmp.path().join("from-git");
    run(
        wash()
            .args(["new", "--git", &url, "--branch", "component"])
            .arg(&dest),
        true,
    );
    assert_eq!(
        files_under(&dest),
        ["Cargo.toml", "README.md", "from_git.md", "src/main.rs"],
        ".git must not be copied"
    );

    let dest = tmp.path().join("default-branch");
    run(wash().args(["new", "--git", &url]).arg(&dest), true);
    assert_eq!(files_under(&dest), ["README.md"]);
    assert_eq!(
        std::fs::read_to_string(dest.join("README.md")).unwrap(),
        "main branch default-branch\n"
    );

    let err = refusal(
        &["new", "--git", &url, "--branch", "no-such-branch"],
        &tmp.path().join("x"),
    );
    assert!(
        err.contains("could not clone template repository") && err.contains("no-such-branch"),
        "{err}"
    );
}

#[test]
fn a_project_moved_to_another_machine_or_user_still_builds_and_resolves_the_sdk() {
    // Made by one user (one home, one wash home)…
    let tmp = temp_dir();
    let first = tmp.path().join("first-user");
    let made = tmp.path().join("made/portable-kv");
    run(
        wash()
            .env("HOME", &first)
            .env("WASH_HOME", first.join(".wash"))
            .args(["new", "--template", "http-keyvalue"])
            .arg(&made),
        true,
    );
    let manifest = std::fs::read_to_string(made.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("path = \"vendor/wash-sdk\""),
        "{manifest}"
    );
    assert!(
        !manifest.contains(&tmp.path().display().to_string()),
        "an absolute path: {manifest}"
    );
    // …then cloned elsewhere by another, whose wash home has never seen it.
    let _ = std::fs::remove_dir_all(&first);
    let moved = tmp.path().join("elsewhere/portable-kv");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&made, &moved).unwrap();
    let second = tmp.path().join("second-user");
    std::fs::create_dir_all(&second).unwrap();
    let out = run(
        wash()
            .env("HOME", &second)
            .env("WASH_HOME", second.join(".wash"))
            .args(["build", "--json"])
            .current_dir(&moved),
        true,
    );
    assert!(
        stdout(&out).contains("\"package\":\"portable-kv\""),
        "{}",
        stdout(&out)
    );
    // rust-analyzer and `cargo check` see the same: cargo resolves wash-sdk inside the project.
    let meta = Command::new("cargo")
        .args(["metadata", "--format-version", "1"])
        .current_dir(&moved)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    assert!(
        meta.status.success(),
        "{}",
        String::from_utf8_lossy(&meta.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&meta.stdout).unwrap();
    let sdk = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "wash-sdk")
        .expect("wash-sdk resolved");
    assert_eq!(
        sdk["manifest_path"].as_str().unwrap(),
        moved
            .join("vendor/wash-sdk/Cargo.toml")
            .display()
            .to_string()
    );
}
