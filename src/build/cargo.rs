//! Compiling: cargo for `wasm32-wasip2`, and the two questions asked around it — which
//! toolchain target is installed, and whether a good build was already recorded — kept off the
//! no-op path where they can be.
//!
//! Cargo does the compiling and prints its own diagnostics unchanged; wash reads only its JSON
//! artifact messages (stdout) to learn which files came out.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cargo_metadata::Message;

use super::{BuildError, BuildOptions, TARGET};
use crate::project::{self, PackageSelection, Project};

/// A `.wasm` cargo produced for a component-shaped target.
#[derive(Debug)]
pub(super) struct WasmArtifact {
    pub(super) package_id: cargo_metadata::PackageId,
    pub(super) target_name: String,
    pub(super) is_lib: bool,
    pub(super) path: PathBuf,
    pub(super) fresh: bool,
}

/// The file whose presence records a good build with the wasm target, in the output dir.
pub(super) const TARGET_STAMP: &str = ".wasm32-wasip2-ok";

/// Set for every cargo run of wash: cargo then names a workspace member's `cdylib` (and its
/// fingerprint) by a hash of its features, as it does every other library.
///
/// Without it, a member that is both a component and another member's dependency, such as the
/// `composed-app` greeter, has one set of files for both of its builds: with the `import`
/// feature (as the front's dependency) and without (as its own component). Each build then
/// replaces the other's, so every `wash build` recompiled the greeter twice and the front
/// once, even with nothing changed. Cargo keeps this knob for the Rust toolchain's own build;
/// its value only seeds the hashes. A user's own setting is kept. Should cargo drop it, builds
/// stay correct and are merely slower.
const DISTINCT_CDYLIBS: &str = "__CARGO_DEFAULT_LIB_METADATA";

/// Runs `cargo build --target wasm32-wasip2` for `selection` and returns the `.wasm` files of
/// component-shaped targets (binaries and `cdylib`s).
pub(super) fn run(
    opts: &BuildOptions,
    selection: &PackageSelection,
) -> Result<Vec<WasmArtifact>, BuildError> {
    spawn(opts, selection)?.wait()
}

/// A cargo run under way. Its JSON messages are read on a thread of their own, so cargo never
/// waits on a full pipe while wash does something else (places what the previous run made).
pub(super) struct Running {
    child: std::process::Child,
    program: String,
    reader: Option<std::thread::JoinHandle<Vec<WasmArtifact>>>,
}

/// Starts [`run`]'s cargo and returns at once.
pub(super) fn spawn(
    opts: &BuildOptions,
    selection: &PackageSelection,
) -> Result<Running, BuildError> {
    let mut cmd = command(opts, selection);
    let program = cmd.get_program().to_string_lossy().into_owned();
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = cmd.spawn().map_err(|source| BuildError::Spawn {
        program: program.clone(),
        source,
    })?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || wasm_artifacts(stdout));
    Ok(Running {
        child,
        program,
        reader: Some(reader),
    })
}

impl Running {
    /// Waits for cargo to finish; its `.wasm` artifacts if it succeeded.
    pub(super) fn wait(mut self) -> Result<Vec<WasmArtifact>, BuildError> {
        let artifacts = self.finish();
        let status = self.child.wait().map_err(|source| BuildError::Spawn {
            program: self.program.clone(),
            source,
        })?;
        if !status.success() {
            return Err(BuildError::CargoFailed);
        }
        Ok(artifacts)
    }

    /// What the reader thread collected, once cargo closed its output.
    fn finish(&mut self) -> Vec<WasmArtifact> {
        self.reader
            .take()
            .map(|r| r.join().expect("reading cargo's messages does not panic"))
            .unwrap_or_default()
    }
}

/// A run given up on (wash failed meanwhile) is still waited for, not killed: a killed cargo
/// would leave its rustc processes writing to the target directory after wash exits.
impl Drop for Running {
    fn drop(&mut self) {
        if self.reader.is_some() {
            self.finish();
            let _ = self.child.wait();
        }
    }
}

/// The cargo command [`run`] runs.
fn command(opts: &BuildOptions, selection: &PackageSelection) -> Command {
    let mut cmd = crate::toolchain::cargo();
    cmd.args([
        "build",
        "--target",
        TARGET,
        "--message-format",
        "json-render-diagnostics",
    ]);
    if opts.release {
        cmd.arg("--release");
    }
    if opts.quiet {
        cmd.arg("--quiet");
    }
    if let Some(path) = &selection.manifest_path {
        cmd.arg("--manifest-path").arg(path);
    }
    for p in &selection.packages {
        cmd.args(["-p", p]);
    }
    if selection.workspace {
        cmd.arg("--workspace");
    }
    if std::env::var_os(DISTINCT_CDYLIBS).is_none() {
        cmd.env(DISTINCT_CDYLIBS, "wash");
    }
    cmd
}

/// The `.wasm` files of component-shaped targets among cargo's JSON messages.
fn wasm_artifacts(stdout: std::process::ChildStdout) -> Vec<WasmArtifact> {
    let mut artifacts = Vec::new();
    for message in Message::parse_stream(BufReader::new(stdout)) {
        let Ok(Message::CompilerArtifact(a)) = message else {
            continue;
        };
        let is_lib = a.target.is_cdylib();
        if !(is_lib || a.target.is_bin()) {
            continue;
        }
        for file in &a.filenames {
            if file.extension() == Some("wasm") {
                artifacts.push(WasmArtifact {
                    package_id: a.package_id.clone(),
                    target_name: a.target.name.clone(),
                    is_lib,
                    path: file.clone().into(),
                    fresh: a.fresh,
                });
            }
        }
    }
    artifacts
}

/// A failed cargo run is first checked for the likeliest cause, a missing target, whose fix
/// wash can name exactly.
pub(super) fn explain_failure<T>(
    result: Result<T, BuildError>,
    project: &Project,
) -> Result<T, BuildError> {
    match result {
        Err(BuildError::CargoFailed) => {
            ensure_target_installed(project)?;
            Err(BuildError::CargoFailed)
        }
        other => other,
    }
}

/// Whether cargo's selection is one package without asking `cargo metadata`: `-p NAME`, or a
/// nearest `Cargo.toml` with a `[package]` (a virtual workspace selects its default members).
pub(super) fn selects_one_package(selection: &PackageSelection) -> bool {
    if selection.workspace || selection.packages.len() > 1 {
        return false;
    }
    if selection.packages.len() == 1 {
        return true;
    }
    let manifest = match &selection.manifest_path {
        Some(m) => Some(m.clone()),
        None => std::env::current_dir().ok().and_then(|dir| {
            dir.ancestors()
                .map(|d| d.join("Cargo.toml"))
                .find(|m| m.is_file())
        }),
    };
    manifest
        .and_then(|m| std::fs::read_to_string(m).ok())
        .and_then(|text| text.parse::<toml_edit::Document<String>>().ok())
        .is_some_and(|doc| doc.get("package").is_some())
}

/// Whether a good build was recorded in a target dir this build will likely use: the one
/// `CARGO_TARGET_DIR` names, or a `target/` beside the manifest or above it. Only a hint: a
/// wrong guess costs one extra check, and a failed build checks again anyway.
pub(super) fn stamp_found(selection: &PackageSelection) -> bool {
    let stamp = |target: &Path| project::output_dir(target).join(TARGET_STAMP).exists();
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return stamp(Path::new(&dir));
    }
    let start = match &selection.manifest_path {
        Some(m) => m.parent().map(Path::to_path_buf).unwrap_or_default(),
        None => std::env::current_dir().unwrap_or_default(),
    };
    start.ancestors().any(|dir| stamp(&dir.join("target")))
}

/// Records a good build, so the next one skips the target check. Best effort: without the
/// stamp the next build only checks again.
pub(super) fn record_stamp(out_dir: &Path) {
    let stamp = out_dir.join(TARGET_STAMP);
    if !stamp.exists() {
        let _ = std::fs::create_dir_all(out_dir);
        let _ = std::fs::write(&stamp, b"");
    }
}

/// Fails with the exact fix when the toolchain cargo will use has no wasm32-wasip2 standard
/// library. Runs `rustc` from the project's directory so `rust-toolchain.toml` applies.
pub(super) fn ensure_target_installed(project: &Project) -> Result<(), BuildError> {
    let program = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let output = Command::new(&program)
        .args(["--print", "sysroot"])
        .current_dir(project.metadata.workspace_root.as_std_path())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| BuildError::Spawn { program, source })?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if target_installed(&sysroot) {
        Ok(())
    } else {
        Err(BuildError::TargetMissing { sysroot })
    }
}

/// The standard library for the target is present in this sysroot.
fn target_installed(sysroot: &Path) -> bool {
    sysroot
        .join("lib/rustlib")
        .join(TARGET)
        .join("lib")
        .is_dir()
}

/// `packages` ordered so each comes before the packages it depends on by path. Cargo writes a
/// `cdylib` to the same file however it was built, so the build of a crate as another's
/// (`import`-feature) dependency must come before its own component build, which then wins.
pub(super) fn importers_first(
    mut order: Vec<&cargo_metadata::Package>,
) -> Vec<&cargo_metadata::Package> {
    let depends_on = |a: &cargo_metadata::Package, b: &cargo_metadata::Package| {
        a.dependencies
            .iter()
            .any(|d| d.path.is_some() && d.name == b.name.as_str())
    };
    // A stable insertion sort: few packages, and a partial order.
    let mut sorted = Vec::with_capacity(order.len());
    while !order.is_empty() {
        let next = order
            .iter()
            .position(|p| !order.iter().any(|q| q.id != p.id && depends_on(q, p)))
            .unwrap_or(0);
        sorted.push(order.remove(next));
    }
    sorted
}
