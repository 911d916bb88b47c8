//! `wash dev`: a real project built, served, edited, rebuilt and swapped in behind the same
//! port; a burst of saves makes one rebuild; a broken build keeps the old version serving.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use crate::support::*;

/// A running `wash dev` serving HTTP, and its address.
struct Dev {
    wash: Watched,
    addr: String,
}

impl Dev {
    fn start(project: &Path) -> Dev {
        Dev::start_with(project, &[])
    }

    /// `wash -v dev ARGS…` in `project`.
    fn start_with(project: &Path, args: &[&str]) -> Dev {
        let mut cmd = wash();
        cmd.args(["-v", "dev", "--addr", "127.0.0.1:0"])
            .args(args)
            .current_dir(project);
        let mut wash = Watched::start(cmd);
        let serving = wash.wait_for("Serving http://");
        let addr = serving
            .split("Serving http://")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string();
        Dev { wash, addr }
    }

    fn wait_for(&mut self, text: &str) -> String {
        self.wash.wait_for(text)
    }

    fn count(&self, text: &str) -> usize {
        self.wash.count(text)
    }

    fn body(&self) -> String {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        write!(s, "GET / HTTP/1.0\r\nHost: {}\r\n\r\n", self.addr).unwrap();
        let mut response = String::new();
        s.read_to_string(&mut response).unwrap();
        response
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    }

    fn interrupt(self) -> std::process::ExitStatus {
        self.wash.interrupt()
    }
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{file:?} lacks {from:?}");
    std::fs::write(file, text.replace(from, to)).unwrap();
}

#[test]
fn an_edit_is_served_on_the_same_port_and_a_broken_build_keeps_the_old_one() {
    let tmp = temp_dir();
    let project = tmp.path().join("devloop");
    run(
        wash()
            .args(["new", "--template", "http-hello"])
            .arg(&project),
        true,
    );
    let lib = project.join("src/lib.rs");
    let mut dev = Dev::start(&project);
    assert_eq!(dev.body(), "Hello from devloop\n");
    // One line per request (on a terminal, or with `-v`): method, path, status, time.
    let line = dev.wait_for("GET / 200");
    assert!(line.trim_end().ends_with("ms"), "{line}");

    // An edit: rebuilt and swapped in behind the same address.
    edit(&lib, "Hello from", "Howdy from");
    dev.wait_for("Rebuilt");
    assert_eq!(dev.body(), "Howdy from devloop\n");

    // Five files saved at once: one rebuild.
    let before = dev.count("Rebuilding");
    for i in 0..5 {
        std::fs::write(project.join(format!("src/extra{i}.rs")), "// unused\n").unwrap();
    }
    dev.wait_for("Rebuilt");
    // Anything more than one rebuild would show within a few debounce periods.
    std::thread::sleep(settle());
    dev.wash.drain();
    assert_eq!(
        dev.count("Rebuilding"),
        before + 1,
        "{}",
        dev.wash.seen.join("\n")
    );

    // A broken build: the compiler's errors, and the last good version still answers.
    edit(&lib, "Ok(response)", "Ok(response");
    dev.wait_for("still serving");
    assert_eq!(dev.body(), "Howdy from devloop\n");

    // Ctrl-C stops it cleanly, with no cargo left running for this project.
    let status = dev.interrupt();
    assert!(status.success(), "{status}");
    let left = std::process::Command::new("pgrep")
        .args(["-f", &project.display().to_string()])
        .output()
        .unwrap();
    assert!(left.stdout.is_empty(), "processes left: {}", stdout(&left));
}

/// The `http-keyvalue` counter under `wash dev --keyvalue BACKEND`: an edit is swapped in
/// and the count goes on from where it was, because the store (and its connection) belongs to
/// the run, not to the component.
/// Each caller names its project apart: tests build in parallel into one target dir, and two
/// packages of one name would overwrite each other's component there.
fn count_across_a_hot_swap(tmp: &Path, name: &str, backend: &str) {
    let project = tmp.join(name);
    run(
        wash()
            .args(["new", "--template", "http-keyvalue"])
            .arg(&project),
        true,
    );
    let mut dev = Dev::start_with(&project, &["--keyvalue", backend]);
    assert_eq!(dev.body(), "/ has been visited 1 time(s)\n");
    assert_eq!(dev.body(), "/ has been visited 2 time(s)\n");
    edit(
        &project.join("src/lib.rs"),
        "has been visited",
        "was counted",
    );
    dev.wait_for("Rebuilt");
    assert_eq!(dev.body(), "/ was counted 3 time(s)\n");
    assert!(dev.interrupt().success());
}

#[test]
fn keyvalue_data_survives_a_hot_swap() {
    let tmp = temp_dir();
    let kv = tmp.path().join("kv");
    count_across_a_hot_swap(tmp.path(), "devcounter-files", kv.to_str().unwrap());
    assert!(kv.join("default.json").is_file());
}

#[test]
fn keyvalue_data_in_nats_survives_a_hot_swap() {
    let nats = crate::servers::nats();
    let tmp = temp_dir();
    count_across_a_hot_swap(tmp.path(), "devcounter-nats", &nats.url);
    assert_eq!(
        crate::keyvalue::nats_get(&nats.url, "default", "/"),
        Some(crate::keyvalue::be(3))
    );
}

/// How long to wait for a second, unwanted rebuild to show: several debounce periods.
fn settle() -> Duration {
    Duration::from_secs(2)
}
