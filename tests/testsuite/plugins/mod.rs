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

mod components;
mod executables;
mod manage;

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

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}
