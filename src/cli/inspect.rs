//! `wash inspect`: a component's world, WIT, size, digest and metadata.

use std::process::ExitCode;

use super::progress::{TransferBar, report_pulled};
use super::shell::{Shell, human_size};
use crate::inspect::{Inspection, Part};
use crate::ops::inspect::{InspectRequest, inspect};
use crate::sign::{SignatureState, SignatureStatus};

/// Show what a component imports and exports, its WIT, size, digest and metadata
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The component (.wasm) to inspect, or a registry reference (REGISTRY/REPOSITORY[:TAG])
    path: String,
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
    let request = InspectRequest {
        component: args.path,
        wit: args.wit,
        insecure: args.insecure,
    };
    let (inspection, pulled) = inspect(&request, TransferBar::handle(shell))?;
    if let Some(pulled) = &pulled {
        report_pulled(shell, pulled);
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

/// `ed25519 key id 0123… — alice: verified`, or why it does not verify.
fn signature_row(s: &SignatureStatus) -> String {
    let id = s.key_id.as_deref().unwrap_or("(anonymous)");
    let check = match (s.status, &s.key) {
        (SignatureState::Verified, Some(k)) => format!("verified by local key `{k}`"),
        (SignatureState::Modified, Some(k)) => {
            format!("DOES NOT VERIFY with local key `{k}`: modified after signing")
        }
        _ => "no local key to check it".to_string(),
    };
    format!("{} key id {id}: {check}", s.algorithm)
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
    if !i.composition.is_empty() {
        let mut lines = Vec::new();
        tree(&i.composition, 0, &mut lines);
        rows.push(("composed of", lines));
    }
    if let Some(v) = &i.virt {
        rows.push(("virtualized", virt_lines(v)));
    }
    if !i.signatures.is_empty() {
        rows.push((
            "signatures",
            i.signatures.iter().map(signature_row).collect(),
        ));
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

/// What `wash virt` answered inside the component.
fn virt_lines(v: &crate::virt::VirtReport) -> Vec<String> {
    let list = |items: &[String]| {
        if items.is_empty() {
            "(none)".to_string()
        } else {
            items.join(", ")
        }
    };
    let denied: Vec<String> = v
        .deny
        .iter()
        .map(|c| c.name().to_string())
        .chain(v.deny_stdio.iter().cloned())
        .collect();
    let mut lines = vec![
        format!("env baked in: {}", list(&v.env)),
        format!("env from host: {}", list(&v.allow_env)),
        format!("denied: {}", list(&denied)),
    ];
    lines.extend(
        v.virtualized
            .iter()
            .map(|x| format!("answered inside: {} ({})", x.import, x.adapter)),
    );
    lines
}

/// `name (size): exports`, one line per nested component, indented by depth.
fn tree(parts: &[Part], depth: usize, out: &mut Vec<String>) {
    for p in parts {
        out.push(format!(
            "{}{} ({}): {}",
            "  ".repeat(depth),
            p.name,
            human_size(p.size),
            if p.exports.is_empty() {
                "(no exports)".to_string()
            } else {
                p.exports.join(", ")
            }
        ));
        tree(&p.parts, depth + 1, out);
    }
}
