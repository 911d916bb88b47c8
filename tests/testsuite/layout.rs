//! The house's layering, checked from the sources so it holds without anyone remembering it:
//! no library module imports one that imports it back, the composition core reads no files,
//! workspaces or registries, and command files under `src/cli/` never import each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source text without comment lines (doc links name modules without importing them).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `crate::<module>` names a text refers to, including `use crate::{a, b::c}` groups.
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    refs.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            refs.insert(name);
        }
    }
    refs
}

/// Top-level library module → the top-level modules it refers to.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if ["lib", "main", "bin"].contains(&top.as_str()) {
            continue;
        }
        let refs = crate_refs(&code(&file));
        let entry = graph.entry(top.clone()).or_default();
        entry.extend(refs.into_iter().filter(|r| *r != top));
    }
    graph
}

#[test]
fn no_library_module_imports_one_that_imports_it_back() {
    let graph = module_graph();
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = graph[start].iter().collect();
        while let Some(m) = stack.pop() {
            assert_ne!(m, start, "a module cycle through `{start}`: {graph:#?}");
            if seen.insert(m.clone()) {
                stack.extend(graph.get(m).into_iter().flatten());
            }
        }
    }
    // The composition core is its own crate: bytes in, bytes out.
    let core = code(&Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/wash-compose/src/lib.rs"));
    for forbidden in [
        "std::fs",
        "std::env",
        "cargo_metadata",
        "oci_client",
        "std::net",
    ] {
        assert!(!core.contains(forbidden), "wash-compose uses `{forbidden}`");
    }
}

#[test]
fn command_files_never_import_each_other() {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli");
    let shared = ["mod", "shell", "progress"];
    let commands: Vec<String> = std::fs::read_dir(&cli)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .filter(|n| !shared.contains(&n.as_str()))
        .collect();
    for command in &commands {
        let text = code(&cli.join(format!("{command}.rs")));
        for other in &commands {
            assert!(
                !text.contains(&format!("super::{other}::"))
                    && !text.contains(&format!("super::{other};")),
                "src/cli/{command}.rs imports src/cli/{other}.rs; move what they share into the library, or cli/mod.rs"
            );
        }
    }
}
