//! wash's machine-readable output. Every line a command prints with `--json` is one JSON
//! object with a `reason` field naming its kind, then that kind's fields (as cargo's
//! `--message-format json` does). The kinds, their fields and an example of each are documented
//! in `docs/commands.md#json-output`; a test snapshots one of each.
//!
//! | `reason` | printed by |
//! |---|---|
//! | `component-built` | `wash build` (one per component) |
//! | `component-pushed` | `wash push` |
//! | `component-pulled` | `wash pull` |
//! | `composition` | `wash compose` |
//! | `component-virtualized` | `wash virt` |
//! | `component-signed` | `wash sign` |
//! | `verification` | `wash verify` (also when it fails) |
//! | `inspection` | `wash inspect` |
//! | `project-created` | `wash new` |
//! | `template` | `wash new --list` (one per template) |
//! | `key` | `wash keys new`, `import`, `show`, `list` (one per key) |
//! | `wit` | `wash wit` (one per package) |
//! | `deployment` | `wash deploy` |
//! | `rollout` | `wash deploy --lattice` (and `--stop`) |
//! | `function` | `wash call --list` (one per function) |
//! | `call-result` | `wash call` |
//! | `plugin` | `wash plugin list` (one per plugin), `install`, `inspect`, `remove` |

use std::path::PathBuf;

use serde::Serialize;

/// One kind of `--json` line.
pub trait Message: Serialize {
    /// The `reason` tag.
    const REASON: &'static str;
}

#[derive(Serialize)]
struct Tagged<'a, M> {
    reason: &'static str,
    #[serde(flatten)]
    message: &'a M,
}

/// The message as one line of JSON, `reason` first.
pub fn to_line<M: Message>(message: &M) -> String {
    serde_json::to_string(&Tagged {
        reason: M::REASON,
        message,
    })
    // Every field of every message is a string, number, bool, list or map with string keys.
    .expect("wash's messages always serialize")
}

impl Message for crate::build::BuiltComponent {
    const REASON: &'static str = "component-built";
}

impl Message for crate::oci::Pushed {
    const REASON: &'static str = "component-pushed";
}

impl Message for crate::oci::Pulled {
    const REASON: &'static str = "component-pulled";
}

impl Message for crate::inspect::Inspection {
    const REASON: &'static str = "inspection";
}

impl Message for crate::template::Created {
    const REASON: &'static str = "project-created";
}

impl Message for crate::deploy::Manifests {
    const REASON: &'static str = "deployment";
}

impl Message for crate::lattice::Rollout {
    const REASON: &'static str = "rollout";
}

impl Message for crate::run::call::Callable {
    const REASON: &'static str = "function";
}

impl Message for crate::run::call::CallOutcome {
    const REASON: &'static str = "call-result";
}

impl Message for crate::plugin::Listed {
    const REASON: &'static str = "plugin";
}

impl Message for crate::wit::DerivedWit {
    const REASON: &'static str = "wit";
}

/// `wash compose`: the plan, and the file written (none for a dry run).
#[derive(Debug, Serialize)]
pub struct Composition<'a> {
    /// Which import is satisfied by which plug.
    pub links: &'a [crate::compose::Link],
    /// Imports left for the host.
    pub open_imports: &'a [crate::compose::OpenImport],
    /// The composed component, when one was written.
    pub path: Option<PathBuf>,
    /// Its size in bytes.
    pub size: Option<u64>,
}

impl Message for Composition<'_> {
    const REASON: &'static str = "composition";
}

/// `wash virt`: the file written and what was answered inside it.
#[derive(Debug, Serialize)]
pub struct Virtualized<'a> {
    /// The virtualized component.
    pub path: &'a std::path::Path,
    /// Its size in bytes.
    pub size: u64,
    /// Bytes added to the input.
    pub added: i64,
    /// Its digest.
    pub digest: &'a str,
    /// What was virtualized.
    pub report: &'a crate::virt::VirtReport,
}

impl Message for Virtualized<'_> {
    const REASON: &'static str = "component-virtualized";
}

/// `wash sign`: the file written and which keys signed it.
#[derive(Debug, Serialize)]
pub struct Signed<'a> {
    /// The signed file.
    pub path: &'a std::path::Path,
    /// Its digest.
    pub digest: &'a str,
    /// Keys that added a signature.
    pub signed_by: &'a [String],
    /// Keys whose signature was already there.
    pub already_signed_by: &'a [String],
}

impl Message for Signed<'_> {
    const REASON: &'static str = "component-signed";
}

/// `wash verify`: whether the policy passed, the signatures present, and each key's finding.
#[derive(Debug, Serialize)]
pub struct Verification<'a> {
    /// The file verified.
    pub path: &'a std::path::Path,
    /// Whether it passed.
    pub verified: bool,
    /// Every signature in the file.
    pub signatures: &'a [crate::sign::SignatureEntry],
    /// One finding per trusted key.
    pub keys: &'a [crate::sign::KeyCheck],
}

impl Message for Verification<'_> {
    const REASON: &'static str = "verification";
}

/// `wash new --list`: one built-in template.
#[derive(Debug, Serialize)]
pub struct Template<'a> {
    /// Its name (`--template NAME`).
    pub name: &'a str,
    /// What it makes.
    pub description: &'a str,
}

impl Message for Template<'_> {
    const REASON: &'static str = "template";
}

/// `wash keys`: one key; the secret only from `wash keys show --secret`.
#[derive(Debug, Serialize)]
pub struct Key<'a> {
    /// The key.
    #[serde(flatten)]
    pub info: &'a crate::sign::KeyInfo,
    /// The secret key (PKCS#8 PEM), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<&'a str>,
}

impl Message for Key<'_> {
    const REASON: &'static str = "key";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_comes_first_and_fields_follow() {
        let t = Template {
            name: "http-hello",
            description: "x",
        };
        assert_eq!(
            to_line(&t),
            r#"{"reason":"template","name":"http-hello","description":"x"}"#
        );
    }
}
