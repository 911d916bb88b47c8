//! `size-budget`: a wash plugin that fails a build whose component is larger than the budget
//! its crate sets in `[package.metadata.wasmcloud.plugins.size-budget]` (`max = "2 MiB"`;
//! 10 MiB when unset). It needs no grants: wash hands every hook the component's size.

use wash::plugin::{Component, Context, Hook, Metadata, Plugin};

/// The budget when the crate sets none.
const DEFAULT_MAX: u64 = 10 << 20;

struct SizeBudget;

impl Plugin for SizeBudget {
    fn metadata() -> Metadata {
        Metadata {
            name: "size-budget".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: env!("CARGO_PKG_DESCRIPTION").into(),
            usage: "Set the budget in Cargo.toml:\n  \
                    [package.metadata.wasmcloud.plugins.size-budget]\n  \
                    max = \"2 MiB\"   # bytes, or with KiB, MiB, GiB, kB, MB, GB"
                .into(),
            hooks: vec![Hook::AfterBuild],
        }
    }

    fn after_build(context: Context, built: Component) -> Result<(), String> {
        let max = match setting(&context, "max") {
            Some(text) => parse_size(text).ok_or_else(|| {
                format!(
                    "`max = \"{text}\"` in [package.metadata.wasmcloud.plugins.size-budget] is \
                     not a size (write e.g. \"2 MiB\" or \"500000\")"
                )
            })?,
            None => DEFAULT_MAX,
        };
        let name = built.package.as_deref().unwrap_or(&built.path);
        if built.size > max {
            return Err(format!(
                "{name} is {}, over its budget of {} by {}",
                human(built.size),
                human(max),
                human(built.size - max)
            ));
        }
        eprintln!(
            "size-budget: {name} is {} of its {} budget",
            human(built.size),
            human(max)
        );
        Ok(())
    }

    fn run(context: Context, _args: Vec<String>) -> Result<(), String> {
        match setting(&context, "max") {
            Some(max) => println!("budget: {max} (from Cargo.toml)"),
            None => println!("budget: {} (the default)", human(DEFAULT_MAX)),
        }
        Ok(())
    }
}

wash::plugin!(SizeBudget);

/// The crate's setting `key`, if it has one.
fn setting<'a>(context: &'a Context, key: &str) -> Option<&'a str> {
    context
        .config
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// `2 MiB`, `1.5MB`, `500000`: a size in bytes.
fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => return None,
    };
    Some((number * scale as f64) as u64)
}

/// `1.2 MiB`.
fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}
