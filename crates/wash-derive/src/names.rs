//! Rust names to WIT names: `snake_case` and `CamelCase` become `kebab-case`, checked so they
//! are valid WIT and come back unchanged through wit-bindgen's own conversion.

use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};

/// WIT's keywords; an identifier spelled like one is written `%name`.
const KEYWORDS: &[&str] = &[
    "as",
    "async",
    "bool",
    "borrow",
    "char",
    "constructor",
    "enum",
    "error-context",
    "export",
    "f32",
    "f64",
    "flags",
    "from",
    "func",
    "future",
    "import",
    "include",
    "interface",
    "list",
    "own",
    "package",
    "record",
    "resource",
    "result",
    "s16",
    "s32",
    "s64",
    "s8",
    "static",
    "stream",
    "string",
    "tuple",
    "type",
    "u16",
    "u32",
    "u64",
    "u8",
    "use",
    "variant",
    "with",
    "world",
    "option",
];

/// The kebab-case WIT name of a Rust identifier.
pub fn kebab(ident: &str) -> String {
    ident.trim_start_matches("r#").to_kebab_case()
}

/// How a Rust name is spelled, so the round-trip check knows wit-bindgen's conversion back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// Functions, fields, parameters, interfaces.
    Snake,
    /// Types and enum cases.
    Camel,
}

/// Converts and checks one name; the error says what to rename it to.
pub(crate) fn wit_name(ident: &str, case: Case) -> Result<String, String> {
    let rust = ident.trim_start_matches("r#");
    let wit = kebab(rust);
    if wit.is_empty()
        || wit
            .split('-')
            .any(|w| !w.starts_with(|c: char| c.is_ascii_alphabetic()))
    {
        return Err(format!(
            "`{rust}` becomes `{wit}` in WIT, where every word must start with a letter; \
             rename it (for example `{}`)",
            suggestion(rust, case)
        ));
    }
    let back = match case {
        Case::Snake => wit.to_snake_case(),
        Case::Camel => wit.to_upper_camel_case(),
    };
    if back != rust {
        return Err(format!(
            "`{rust}` becomes `{wit}` in WIT, which reads back as `{back}`; name it `{back}` \
             so it is the same on both sides"
        ));
    }
    Ok(wit)
}

/// Joins a word that starts with a digit to the word before it: `item_2` → `item2`.
fn suggestion(rust: &str, case: Case) -> String {
    let mut spelled = String::new();
    for (i, w) in rust.split('_').enumerate() {
        if i > 0 && !w.starts_with(|c: char| c.is_ascii_digit()) {
            spelled.push('_');
        }
        spelled.push_str(w);
    }
    match case {
        Case::Snake => spelled.to_snake_case(),
        Case::Camel => spelled.to_upper_camel_case(),
    }
}

/// The identifier as WIT source text: `%` before a keyword.
pub(crate) fn escape(wit: &str) -> String {
    if KEYWORDS.contains(&wit) {
        format!("%{wit}")
    } else {
        wit.to_string()
    }
}
