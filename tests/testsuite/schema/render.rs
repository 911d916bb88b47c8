//! Runs the JSON Schema validator (boon) and turns its error tree into one line per violation,
//! each starting with the JSON path of the offending value.

use boon::{Compiler, Draft, ErrorKind, InstanceToken, Schemas, ValidationError};
use serde_json::Value;

/// Validates `instance` against `schema` (draft 2020-12 unless the schema names its draft).
pub fn check(schema: &Value, instance: &Value) -> Result<(), Vec<String>> {
    const URL: &str = "urn:wash:schema";
    let mut compiler = Compiler::new();
    compiler.set_default_draft(Draft::V2020_12);
    let mut schemas = Schemas::new();
    let compiled = |e: boon::CompileError| vec![format!("the schema does not compile: {e}")];
    compiler
        .add_resource(URL, schema.clone())
        .map_err(compiled)?;
    let index = compiler.compile(URL, &mut schemas).map_err(compiled)?;
    let Err(error) = schemas.validate(instance, index) else {
        return Ok(());
    };
    let mut lines = Vec::new();
    collect(&error, &mut lines);
    lines.sort();
    lines.dedup();
    Err(lines)
}

/// The leaves of the error tree; `anyOf`/`oneOf` failures stay one line (their branches'
/// failures are alternatives, not separate faults).
fn collect(error: &ValidationError, out: &mut Vec<String>) {
    let at = path(&error.instance_location.tokens);
    match &error.kind {
        ErrorKind::AnyOf | ErrorKind::OneOf(None) => {
            let mut alternatives = Vec::new();
            for cause in &error.causes {
                collect(cause, &mut alternatives);
            }
            // Each alternative's failure, relative to this value.
            let inner = format!("{at}.");
            let mut alternatives: Vec<&str> = alternatives
                .iter()
                .map(|a| {
                    a.strip_prefix(&inner)
                        .or_else(|| a.strip_prefix(&format!("{at}: ")))
                        .unwrap_or(a)
                })
                .collect();
            alternatives.dedup();
            out.push(format!(
                "{at}: matches none of the allowed forms ({})",
                alternatives.join("; ")
            ));
        }
        _ if !error.causes.is_empty() => error.causes.iter().for_each(|c| collect(c, out)),
        ErrorKind::AdditionalProperties { got } => {
            for name in got {
                out.push(format!("{}: unknown field", join(&at, name)));
            }
        }
        ErrorKind::Required { want } => {
            for name in want {
                out.push(format!("{}: required field is missing", join(&at, name)));
            }
        }
        ErrorKind::Type { got, want } => {
            let want: Vec<String> = want.iter().map(|t| t.to_string()).collect();
            out.push(format!("{at}: expected {}, got {got}", want.join(" or ")));
        }
        ErrorKind::FalseSchema => out.push(format!("{at}: not allowed here")),
        kind => out.push(format!("{at}: {kind}")),
    }
}

/// `spec.template.spec.components[0].image`; the root is `(root)`.
fn path(tokens: &[InstanceToken]) -> String {
    let mut out = String::new();
    for token in tokens {
        match token {
            InstanceToken::Prop(name) => out = join(&out, name),
            InstanceToken::Item(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() { "(root)".into() } else { out }
}

fn join(parent: &str, name: &str) -> String {
    match parent {
        "" | "(root)" => name.to_owned(),
        _ => format!("{parent}.{name}"),
    }
}
