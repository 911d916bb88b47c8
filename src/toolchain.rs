//! Which cargo to run. Through rustup, `cargo` is a proxy that works out the toolchain (from
//! `RUSTUP_TOOLCHAIN`, `rust-toolchain.toml` files, overrides and the default) and then starts
//! the real cargo: tens of milliseconds on every start. wash asks rustup once (`rustup which
//! cargo`), keeps the answer while nothing that decides the toolchain changes, and then starts
//! the real cargo itself, with the environment the proxy would have given it. Without rustup,
//! or when anything is unclear, it is plain `cargo`; as `cargo wasmcloud`, the cargo that ran it
//! (`CARGO`).

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::process::Command;

use serde::{Deserialize, Serialize};

/// A `Command` for cargo, started the quickest way that gives the same cargo.
pub fn cargo() -> Command {
    if let Some(cargo) = std::env::var_os("CARGO") {
        return Command::new(cargo);
    }
    match resolved() {
        Some(r) => {
            // What the proxy sets: cargo keys its cache of rustc's answers on these (a run
            // without them would throw away the one a plain `cargo build` made, and the other
            // way round), and build scripts see the same `PATH`.
            let mut cmd = Command::new(&r.cargo);
            cmd.env("RUSTUP_TOOLCHAIN", &r.toolchain)
                .env("RUSTUP_HOME", &r.rustup_home)
                .env("CARGO_HOME", &r.cargo_home);
            let path = std::env::var_os("PATH").unwrap_or_default();
            let dirs =
                std::iter::once(r.cargo_home.join("bin")).chain(std::env::split_paths(&path));
            if let Ok(path) = std::env::join_paths(dirs) {
                cmd.env("PATH", path);
            }
            cmd
        }
        None => Command::new("cargo"),
    }
}

/// One file's state: size and modification time, or absent.
type Stamp = Option<(u64, u128)>;

#[derive(Serialize, Deserialize)]
struct Resolved {
    /// What decides the toolchain, and its state when rustup was asked.
    inputs: Vec<(PathBuf, Stamp)>,
    /// The real cargo.
    cargo: PathBuf,
    /// The toolchain's name (its folder under `$RUSTUP_HOME/toolchains`).
    toolchain: String,
    /// rustup's home.
    rustup_home: PathBuf,
    /// cargo's home.
    cargo_home: PathBuf,
}

/// The `cargo` on `PATH`, if it is rustup's proxy.
fn rustup_proxy() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let cargo = std::env::split_paths(&path)
        .map(|dir| dir.join("cargo"))
        .find(|p| p.is_file())?;
    let real = std::fs::canonicalize(&cargo).ok()?;
    let name = real.file_stem()?.to_str()?;
    name.starts_with("rustup").then_some(real)
}

/// The real cargo and its toolchain, from the cache or from rustup.
fn resolved() -> Option<Resolved> {
    let rustup = rustup_proxy()?;
    let cwd = std::env::current_dir().ok()?;
    let rustup_home = crate::home::dir_from_env("RUSTUP_HOME", ".rustup").ok()?;
    let cargo_home = crate::home::dir_from_env("CARGO_HOME", ".cargo").ok()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    cwd.hash(&mut h);
    std::env::var_os("RUSTUP_TOOLCHAIN").hash(&mut h);
    rustup_home.hash(&mut h);
    cargo_home.hash(&mut h);
    std::env::var_os("PATH").hash(&mut h);
    let cache = crate::home::wash_home()
        .ok()?
        .join("cache")
        .join("toolchain")
        .join(format!("{:016x}.json", h.finish()));
    if let Ok(bytes) = std::fs::read(&cache)
        && let Ok(r) = serde_json::from_slice::<Resolved>(&bytes)
        && r.cargo.is_file()
        && r.inputs
            .iter()
            .all(|(p, was)| crate::artifact::stamp(p) == *was)
    {
        return Some(r);
    }
    let out = Command::new(rustup)
        .args(["which", "cargo"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let cargo = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    // `<RUSTUP_HOME>/toolchains/<name>/bin/cargo`
    let toolchain = cargo.parent()?.parent()?;
    if toolchain.parent()?.file_name()? != "toolchains" {
        return None;
    }
    let toolchain = toolchain.file_name()?.to_str()?.to_string();
    let mut inputs: Vec<PathBuf> = vec![rustup_home.join("settings.toml")];
    for dir in cwd.ancestors() {
        inputs.push(dir.join("rust-toolchain.toml"));
        inputs.push(dir.join("rust-toolchain"));
    }
    let r = Resolved {
        inputs: inputs
            .into_iter()
            .map(|p| (p.clone(), crate::artifact::stamp(&p)))
            .collect(),
        cargo,
        toolchain,
        rustup_home,
        cargo_home,
    };
    if let Ok(bytes) = serde_json::to_vec(&r) {
        let _ = crate::artifact::write_atomic(&cache, &bytes);
    }
    Some(r)
}
