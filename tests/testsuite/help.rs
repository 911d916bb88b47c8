//! `--help` of every command, as snapshots: a change to the CLI's surface shows up in review.

use crate::support::*;

fn help(args: &[&str]) -> String {
    let out = run(wash().args(args).arg("--help"), true);
    stdout(&out)
}

#[test]
fn help_texts() {
    let settings = redactions();
    for cmd in [
        &[][..],
        &["new"],
        &["build"],
        &["run"],
        &["call"],
        &["dev"],
        &["inspect"],
        &["wit"],
        &["compose"],
        &["virt"],
        &["sign"],
        &["verify"],
        &["keys"],
        &["keys", "import"],
        &["push"],
        &["pull"],
        &["deploy"],
        &["login"],
        &["logout"],
        &["plugin"],
        &["plugin", "install"],
        &["completions"],
        &["man"],
    ] {
        let name = if cmd.is_empty() {
            "wash".to_string()
        } else {
            format!("wash-{}", cmd.join("-"))
        };
        settings.bind(|| insta::assert_snapshot!(format!("help-{name}"), help(cmd)));
    }
}

#[test]
fn cargo_wasmcloud_is_the_same_tool() {
    let out = run(cargo_wasmcloud().arg("--help"), true);
    let text = stdout(&out);
    assert!(
        text.contains("Usage: cargo wasmcloud [OPTIONS] <COMMAND>"),
        "{text}"
    );
    assert_eq!(
        text.replace("cargo wasmcloud", "wash"),
        help(&[]),
        "cargo wasmcloud --help differs from wash --help"
    );
}
