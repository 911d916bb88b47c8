//! `wash licenses`: every package in the crate's `Cargo.lock`, with the license its own
//! `Cargo.toml` declares. Cargo.lock is read from the project folder (`--grant project`); the
//! licenses of registry packages from cargo's registry sources, when that folder is granted at
//! `/cargo-registry` (`--grant read=$CARGO_HOME/registry::/cargo-registry`); workspace members'
//! from the project. What cannot be read is reported as `unknown`, never guessed.

use std::collections::BTreeMap;

use wash::plugin::{Context, Metadata, Plugin};

/// Where the registry sources are granted.
const REGISTRY: &str = "/cargo-registry/src";

struct Licenses;

impl Plugin for Licenses {
    fn metadata() -> Metadata {
        Metadata {
            name: "licenses".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: env!("CARGO_PKG_DESCRIPTION").into(),
            usage: "Usage: wash licenses [--json] [--summary]\n\n\
                    Needs `--grant project` at install; grant the registry sources as\n\
                    `--grant read=$HOME/.cargo/registry::/cargo-registry` to read their licenses."
                .into(),
            hooks: Vec::new(),
        }
    }

    fn run(context: Context, args: Vec<String>) -> Result<(), String> {
        let json = context.json || args.iter().any(|a| a == "--json");
        let summary = args.iter().any(|a| a == "--summary");
        if let Some(bad) = args.iter().find(|a| *a != "--json" && *a != "--summary") {
            return Err(format!("unexpected argument `{bad}` (see `wash licenses --help`)"));
        }
        let Some(project) = context.project_mount.as_deref() else {
            return Err(match context.project_dir {
                None => "not inside a crate: run `wash licenses` in one".into(),
                Some(_) => "the project folder is not granted: reinstall with \
                            `wash plugin install --force … --grant project`"
                    .into(),
            });
        };
        let lock = std::fs::read_to_string(format!("{project}/Cargo.lock")).map_err(|e| {
            format!("cannot read Cargo.lock in the project ({e}); run `cargo generate-lockfile`")
        })?;
        let packages = parse_lock(&lock);
        let mut by_license: BTreeMap<String, usize> = BTreeMap::new();
        for p in &packages {
            let license = license_of(p, project).unwrap_or_else(|| "unknown".into());
            *by_license.entry(license.clone()).or_default() += 1;
            if summary {
                continue;
            }
            if json {
                println!(
                    "{{\"name\":{},\"version\":{},\"license\":{},\"source\":{}}}",
                    quote(&p.name),
                    quote(&p.version),
                    quote(&license),
                    p.source.as_deref().map(quote).unwrap_or_else(|| "null".into())
                );
            } else {
                println!("{:30} {:12} {license}", p.name, p.version);
            }
        }
        if summary || !json {
            for (license, n) in &by_license {
                println!("{n:5}  {license}");
            }
        }
        Ok(())
    }
}

wash::plugin!(Licenses);

/// One `[[package]]` of Cargo.lock.
struct Locked {
    name: String,
    version: String,
    source: Option<String>,
}

/// The packages of a Cargo.lock (its format is cargo's own, one `key = "value"` per line).
fn parse_lock(text: &str) -> Vec<Locked> {
    let mut out = Vec::new();
    let mut current: Option<Locked> = None;
    for line in text.lines() {
        if line.trim() == "[[package]]" {
            out.extend(current.take());
            current = Some(Locked {
                name: String::new(),
                version: String::new(),
                source: None,
            });
            continue;
        }
        let (Some(p), Some((key, value))) = (current.as_mut(), line.split_once(" = ")) else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_string();
        match key.trim() {
            "name" => p.name = value,
            "version" => p.version = value,
            "source" => p.source = Some(value),
            _ => {}
        }
    }
    out.extend(current);
    out
}

/// The license the package's own Cargo.toml declares, if it can be read.
fn license_of(p: &Locked, project: &str) -> Option<String> {
    let manifest = match &p.source {
        Some(s) if s.starts_with("registry+") || s.starts_with("sparse+") => {
            let dir = format!("{}-{}", p.name, p.version);
            std::fs::read_dir(REGISTRY).ok()?.flatten().find_map(|index| {
                std::fs::read_to_string(index.path().join(&dir).join("Cargo.toml")).ok()
            })?
        }
        Some(_) => return None,
        None => member_manifest(project, &p.name)?,
    };
    package_field(&manifest, "license")
}

/// The Cargo.toml of the workspace member `name`: the root's, or one a folder down.
fn member_manifest(project: &str, name: &str) -> Option<String> {
    let root = std::fs::read_to_string(format!("{project}/Cargo.toml")).ok();
    if root
        .as_deref()
        .and_then(|m| package_field(m, "name"))
        .is_some_and(|n| n == name)
    {
        return root;
    }
    std::fs::read_dir(project).ok()?.flatten().find_map(|e| {
        let text = std::fs::read_to_string(e.path().join("Cargo.toml")).ok()?;
        (package_field(&text, "name")? == name).then_some(text)
    })
}

/// `key = "value"` in the `[package]` table of a Cargo.toml.
fn package_field(manifest: &str, key: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        if let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            let v = v.trim();
            if let Some(s) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                return Some(s.to_string());
            }
        }
    }
    None
}

/// A JSON string.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
