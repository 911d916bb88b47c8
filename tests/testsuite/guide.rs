//! docs/guide.md cannot drift: every `sh` block in it runs here, in order, in one bash with
//! `set -e`, against the `wash` under test, a real registry and real cargo builds. A block that
//! fails (or prints an error) fails the test, naming the block.

use std::path::Path;
use std::process::Command;

use crate::support::*;

/// The `sh` blocks of a Markdown file, in order.
fn sh_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn every_command_of_the_guide_runs_as_written() {
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/guide.md")).unwrap();
    let blocks = sh_blocks(&guide);
    assert!(
        blocks.len() >= 10,
        "the guide has {} sh blocks",
        blocks.len()
    );
    for step in [
        "wash new",
        "wash build",
        "wash run",
        "wash call",
        "wash compose",
        "wash virt",
        "wash sign",
        "wash push",
        "wash pull",
        "wash deploy",
        "wash dev",
    ] {
        assert!(
            blocks.iter().any(|b| b.contains(step)),
            "no block runs `{step}`"
        );
    }
    // A fresh folder: the guide starts from nothing (its app builds in its own target dir).
    let dir = scratch().join("guide");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let registry = crate::registry::Registry::start();
    let port = free_port();
    let home = temp_dir();
    // One script: each block announced on stderr, so a failure names its block.
    let mut script = String::from("set -e\n");
    for (i, block) in blocks.iter().enumerate() {
        script.push_str(&format!("echo '### block {}' >&2\n{block}", i + 1));
    }
    let wash_dir = Path::new(env!("CARGO_BIN_EXE_wash"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!("{}:{}", wash_dir.display(), std::env::var("PATH").unwrap());
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(&dir)
        .env("PATH", path)
        .env("REGISTRY", &registry.host)
        .env("PORT", port.to_string())
        .env("WASH_HOME", home.path().join("wash-home"))
        .env("NO_COLOR", "1")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .output()
        .unwrap();
    let (so, se) = (stdout(&out), stderr(&out));
    let failed_at = se
        .lines()
        .rfind(|l| l.starts_with("### block"))
        .unwrap_or("before block 1");
    assert!(
        out.status.success(),
        "the guide fails at {failed_at}:\n--- stdout\n{so}\n--- stderr\n{se}"
    );
    // What the guide says the reader sees.
    assert!(so.contains("wash 0."), "{so}");
    assert!(
        so.contains("Hello, Ada, from the greeter component!"),
        "{so}"
    );
    assert!(
        so.contains("\"Hello, Ada, from the greeter component!\""),
        "{so}"
    );
    assert!(so.contains("the same bytes"), "{so}");
    assert!(
        so.contains("Hello, dev, from the greeter component!"),
        "{so}"
    );
    assert!(!se.contains("panicked"), "{se}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
