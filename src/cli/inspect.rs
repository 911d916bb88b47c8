//! `wash inspect`: a component's world, WIT, size, digest and metadata.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::shell::{Shell, human_size};
use crate::inspect::{self, Inspection};

/// Show what a component imports and exports, its WIT, size, digest and metadata
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The component (.wasm) to inspect, or a registry reference (REGISTRY/REPOSITORY[:TAG])
    path: PathBuf,
    /// Print the component's full WIT instead of the summary
    #[arg(long)]
    wit: bool,
    /// Print everything as one JSON object
    #[arg(long)]
    json: bool,
    /// Use plain HTTP for the registry of a reference
    #[arg(long)]
    insecure: bool,
}

pub fn exec(shell: &Shell, args: InspectArgs) -> anyhow::Result<ExitCode> {
    let path = super::pull::local_or_pulled(shell, &args.path, args.insecure, &[])?;
    let mut inspection = inspect::inspect_file(&path, args.wit)
        .with_context(|| format!("failed to inspect `{}`", args.path.display()))?;
    if path != args.path {
        // Pulled from a registry: name what the user asked for, not the cache file.
        inspection.path = args.path.clone();
    }
    if args.json {
        shell.json(&inspection);
    } else if let Some(wit) = &inspection.wit {
        shell.out(wit.trim_end());
    } else {
        shell.out(render(&inspection));
    }
    Ok(ExitCode::SUCCESS)
}

/// The summary as aligned `label  value` rows; multi-valued rows continue under the value.
fn render(i: &Inspection) -> String {
    let mut rows: Vec<(&str, Vec<String>)> = vec![
        ("component", vec![i.path.display().to_string()]),
        (
            "size",
            vec![format!("{} ({} bytes)", human_size(i.size), i.size)],
        ),
        ("digest", vec![i.digest.clone()]),
    ];
    let m = &i.metadata;
    for (label, value) in [
        ("name", &m.name),
        ("version", &m.version),
        ("description", &m.description),
        ("authors", &m.authors),
        ("licenses", &m.licenses),
        ("source", &m.source),
        ("homepage", &m.homepage),
        ("revision", &m.revision),
    ] {
        if let Some(v) = value {
            rows.push((label, vec![v.clone()]));
        }
    }
    let or_none = |v: &[String]| {
        if v.is_empty() {
            vec!["(none)".to_string()]
        } else {
            v.to_vec()
        }
    };
    rows.push(("imports", or_none(&i.world.imports)));
    rows.push(("exports", or_none(&i.world.exports)));
    let producers: Vec<String> = m
        .producers
        .iter()
        .map(|p| {
            format!("{}: {} {}", p.field, p.name, p.version)
                .trim_end()
                .to_string()
        })
        .collect();
    if !producers.is_empty() {
        rows.push(("producers", producers));
    }
    let mut out = String::new();
    for (label, values) in rows {
        for (n, v) in values.iter().enumerate() {
            let label = if n == 0 { label } else { "" };
            out.push_str(&format!("{label:>11}  {v}\n"));
        }
    }
    out.trim_end().to_string()
}
