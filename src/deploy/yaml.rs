//! A small YAML writer for manifest data: block mappings and sequences in the layout
//! Kubernetes' own examples use (`- ` items indented under their key), scalars plain where YAML
//! reads them back as the same string and JSON-quoted everywhere else (a JSON string is a valid
//! YAML double-quoted scalar). It writes only what [`serde_json::Value`] holds, so no YAML
//! feature beyond those is needed; wash keeps it instead of a crate because the serde YAML
//! crates of record are unmaintained or forks of one. serde_json's maps are sorted, so keys are
//! written in the order the platforms' own manifests use ([`KEY_ORDER`]), the rest after them
//! alphabetically.

use serde_json::Value;

/// `value` as a YAML document (no `---`), ending in a newline.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => sequence(items, 0, &mut out),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

/// Keys in the order Kubernetes, wasmCloud and wadm manifests write them; one order serves
/// every manifest wash writes (no two of them order the same keys differently).
const KEY_ORDER: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "namespace",
    "package",
    "version",
    "interfaces",
    "labels",
    "handler",
    "type",
    "image",
    "executor",
    "properties",
    "config",
    "traits",
    "spec",
    "replicas",
    "selector",
    "matchLabels",
    "template",
    "hostSelector",
    "hostInterfaces",
    "components",
    "runtimeClassName",
    "containers",
    "ports",
    "containerPort",
    "port",
    "targetPort",
    "variables",
    "value",
];

/// The map's entries, known keys first in [`KEY_ORDER`], the rest alphabetically.
fn ordered(map: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let rank = |k: &str| {
        KEY_ORDER
            .iter()
            .position(|o| *o == k)
            .unwrap_or(KEY_ORDER.len())
    };
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| (rank(a.0), a.0).cmp(&(rank(b.0), b.0)));
    entries
}

fn mapping(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (key, value) in ordered(map) {
        out.push_str(&" ".repeat(indent));
        out.push_str(&scalar_text(key));
        out.push(':');
        value_after_key(value, indent, out);
    }
}

/// What follows `key:` — a scalar on the same line, or a nested block on the next ones.
fn value_after_key(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            mapping(map, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            sequence(items, indent + 2, out);
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

fn sequence(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                // The first key shares the dash's line; the rest line up under it.
                let mut first = true;
                for (key, value) in ordered(map) {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        out.push_str(&" ".repeat(indent + 2));
                    }
                    out.push_str(&scalar_text(key));
                    out.push(':');
                    value_after_key(value, indent + 2, out);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                sequence(inner, indent + 2, out);
            }
            scalar => {
                out.push(' ');
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
    }
}

/// A scalar, or an empty collection, on one line.
fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar_text(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// A string as a YAML scalar: plain when that reads back as the same string (under YAML 1.1's
/// rules too, which still read `yes` and `on` as booleans), else double-quoted.
fn scalar_text(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("a string serializes")
    }
}

fn is_plain_safe(s: &str) -> bool {
    const RESERVED: &[&str] = &[
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    ];
    let Some(first) = s.chars().next() else {
        return false;
    };
    // A leading digit, sign or dot might read as a number (`1.0`, `-1`, `.5`, `0x1f`).
    first.is_ascii_alphabetic()
        && !s.ends_with(':')
        && !RESERVED.contains(&s.to_ascii_lowercase().as_str())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./@=+".contains(c) || c == ':')
        && !s.contains(":/") // keeps URLs quoted: `a:/b` is fine YAML, but reads oddly
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_mappings_and_sequences_in_kubernetes_layout() {
        let v = json!({
            "spec": {
                "replicas": 2,
                "items": [{"ports": [{"port": 80}], "name": "a"}, "plain"],
                "empty": {},
                "none": [],
                "flag": true,
            },
            "apiVersion": "apps/v1",
        });
        assert_eq!(
            to_string(&v),
            "apiVersion: apps/v1\nspec:\n  replicas: 2\n  empty: {}\n  flag: true\n  items:\n\
             \x20   - name: a\n      ports:\n        - port: 80\n    - plain\n  none: []\n"
        );
    }

    #[test]
    fn strings_that_would_read_as_something_else_are_quoted() {
        for (s, want) in [
            ("hello", "hello"),
            ("incoming-handler", "incoming-handler"),
            ("0.2.0-draft", "\"0.2.0-draft\""),
            ("1", "\"1\""),
            ("true", "\"true\""),
            ("Yes", "\"Yes\""),
            ("off", "\"off\""),
            ("~", "\"~\""),
            ("", "\"\""),
            ("a b", "\"a b\""),
            ("key: value", "\"key: value\""),
            ("trailing:", "\"trailing:\""),
            ("#comment", "\"#comment\""),
            ("*alias", "\"*alias\""),
            ("line\nbreak", "\"line\\nbreak\""),
            ("quote\"d", "\"quote\\\"d\""),
            (
                "127.0.0.1:5000/hello@sha256:ab",
                "\"127.0.0.1:5000/hello@sha256:ab\"",
            ),
            (
                "ghcr.io/acme/hello@sha256:ab",
                "ghcr.io/acme/hello@sha256:ab",
            ),
            ("redis://127.0.0.1:6379", "\"redis://127.0.0.1:6379\""),
        ] {
            assert_eq!(scalar_text(s), want, "{s:?}");
        }
    }
}
