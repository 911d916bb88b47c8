//! `[package.metadata.wasmcloud]` as serde reads it, and, for each key, what it holds and how
//! to write it: the words of its errors. [`super`] checks what types cannot say and turns these
//! into [`WasmcloudConfig`](super::WasmcloudConfig).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::virt::{Capability, StdioPolicy};

/// The whole table. Every table refuses keys it does not have: a misspelt setting would
/// otherwise be silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawConfig {
    pub namespace: Option<String>,
    #[serde(default)]
    pub host_imports: Vec<String>,
    pub compose: Option<RawCompose>,
    pub virt: Option<RawVirt>,
    pub sign: Option<RawSign>,
    pub registry: Option<RawRegistry>,
    pub dev: Option<RawDev>,
    pub deploy: Option<RawDeploy>,
    /// `[package.metadata.wasmcloud.plugins.NAME]`: each plugin's own settings, whatever they
    /// hold (the plugin reads them).
    #[serde(default)]
    pub plugins: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
}

/// `[package.metadata.wasmcloud.deploy]`: what `wash deploy` writes into the manifests.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawDeploy {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub replicas: Option<u32>,
    pub host_group: Option<String>,
    pub hostname: Option<String>,
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    #[serde(default)]
    pub subscriptions: Vec<String>,
}

/// `[package.metadata.wasmcloud.dev]`: what `wash run` gives the component when it builds the
/// crate.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawDev {
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    pub keyvalue: Option<String>,
    pub blobstore: Option<String>,
    pub messaging: Option<String>,
    #[serde(default)]
    pub subscriptions: Vec<String>,
}

/// `[package.metadata.wasmcloud.compose]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawCompose {
    #[serde(default)]
    pub plugs: Vec<String>,
    #[serde(default)]
    pub strict: bool,
}

/// `[package.metadata.wasmcloud.virt]`: the options of `wash virt`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawVirt {
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub allow_env: Vec<String>,
    pub stdin: Option<StdioPolicy>,
    pub stdout: Option<StdioPolicy>,
    pub stderr: Option<StdioPolicy>,
    #[serde(default)]
    pub deny: Vec<Capability>,
    /// Guest path → host directory.
    #[serde(default)]
    pub mount: BTreeMap<String, String>,
}

/// `[package.metadata.wasmcloud.sign]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawSign {
    pub keys: Vec<String>,
}

/// `[package.metadata.wasmcloud.registry]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawRegistry {
    pub reference: String,
    #[serde(default)]
    pub insecure: bool,
}

/// What a key (or table) holds and how to write it.
#[derive(Debug)]
pub(super) struct Help {
    /// Its path below `package.metadata.wasmcloud`; `""` for the table itself.
    pub key: &'static str,
    /// What it must be, after "must be".
    pub holds: &'static str,
    /// How to write it.
    pub fix: &'static str,
    /// For a key holding names from a fixed set: what a name from it is, after "is not".
    pub choice: Option<&'static str>,
}

const fn help(key: &'static str, holds: &'static str, fix: &'static str) -> Help {
    Help {
        key,
        holds,
        fix,
        choice: None,
    }
}

const COMPOSE_FIX: &str =
    "write `[package.metadata.wasmcloud.compose]` with `plugs = [\"../greeter/greeter.wasm\"]`";
const SIGN_FIX: &str = "write `[package.metadata.wasmcloud.sign]` with `keys = [\"release\"]` \
                        (names from `wash keys list`)";
const REGISTRY_FIX: &str = "write `[package.metadata.wasmcloud.registry]` with \
                            `reference = \"ghcr.io/acme/hello\"` (and optionally `insecure = true`)";
const DEV_FIX: &str =
    "write `[package.metadata.wasmcloud.dev.config]` with `greeting = \"hello\"` (strings only)";
const KEYVALUE_FIX: &str = "write `keyvalue = \"nats://127.0.0.1:4222\"` (or a folder, or \
                            `redis://127.0.0.1:6379`) in `[package.metadata.wasmcloud.dev]`";
const BLOBSTORE_FIX: &str = "write `blobstore = \"nats://127.0.0.1:4222\"` (or a folder) in \
                             `[package.metadata.wasmcloud.dev]`";
const MESSAGING_FIX: &str = "write `messaging = \"nats://127.0.0.1:4222\"` (or `\"in-process\"`) in \
                             `[package.metadata.wasmcloud.dev]`";
const SUBSCRIPTIONS_FIX: &str = "write `subscriptions = [\"orders.>\", \"ping\"]` in \
                                 `[package.metadata.wasmcloud.dev]`";
const DEPLOY_FIX: &str = "write `[package.metadata.wasmcloud.deploy]` with e.g. `replicas = 2` and \
                          `hostname = \"hello.example.com\"` (see docs/deploy.md)";
const STDIO: &str = "\"allow\", \"ignore\" or \"deny\"";
const DENY_FIX: &str =
    "write e.g. `deny = [\"clocks\", \"sockets\"]` (clocks, random, sockets, http, exit)";

/// Every table and key of the types above; a unit test checks the two agree.
pub(super) const HELP: &[Help] = &[
    help(
        "",
        "a table",
        "write `[package.metadata.wasmcloud]` as a section",
    ),
    help("namespace", "a string", "write `namespace = \"acme\"`"),
    help(
        "host-imports",
        "a list of strings",
        "write `host-imports = [\"acme:kv/store\"]`",
    ),
    help("compose", "a table", COMPOSE_FIX),
    help("compose.plugs", "a list of strings", COMPOSE_FIX),
    help(
        "virt",
        "a table",
        "write `[package.metadata.wasmcloud.virt]` as a section",
    ),
    help(
        "virt.env",
        "a table of strings",
        "write `env = { LOG_LEVEL = \"info\" }`",
    ),
    help(
        "virt.allow-env",
        "a list of strings",
        "write `allow-env = [\"HOME\"]`",
    ),
    help(
        "virt.stdin",
        STDIO,
        "write `stdin = \"allow\"` (or \"ignore\", \"deny\")",
    ),
    help(
        "virt.stdout",
        STDIO,
        "write `stdout = \"allow\"` (or \"ignore\", \"deny\")",
    ),
    help(
        "virt.stderr",
        STDIO,
        "write `stderr = \"allow\"` (or \"ignore\", \"deny\")",
    ),
    Help {
        key: "virt.deny",
        holds: "a list of capability names",
        fix: DENY_FIX,
        choice: Some("a capability wash can deny"),
    },
    help(
        "virt.mount",
        "a table of strings",
        "write `mount = { \"/data\" = \"assets\" }` (guest path = host directory)",
    ),
    help(
        "compose.strict",
        "`true` or `false`",
        "write `strict = true` in `[package.metadata.wasmcloud.compose]`",
    ),
    help("sign", "a table", SIGN_FIX),
    help("sign.keys", "a non-empty list of key names", SIGN_FIX),
    help("registry", "a table", REGISTRY_FIX),
    help("registry.reference", "a non-empty string", REGISTRY_FIX),
    help("registry.insecure", "`true` or `false`", REGISTRY_FIX),
    help("dev", "a table", DEV_FIX),
    help("dev.config", "a table of strings", DEV_FIX),
    help("dev.keyvalue", "a string", KEYVALUE_FIX),
    help("dev.blobstore", "a string", BLOBSTORE_FIX),
    help("dev.messaging", "a string", MESSAGING_FIX),
    help("dev.subscriptions", "a list of strings", SUBSCRIPTIONS_FIX),
    help("deploy", "a table", DEPLOY_FIX),
    help(
        "deploy.name",
        "a string",
        "write `name = \"hello\"` in `[package.metadata.wasmcloud.deploy]`",
    ),
    help(
        "deploy.namespace",
        "a string",
        "write `namespace = \"apps\"` in `[package.metadata.wasmcloud.deploy]`",
    ),
    help(
        "deploy.replicas",
        "a whole number",
        "write `replicas = 2` in `[package.metadata.wasmcloud.deploy]`",
    ),
    help(
        "deploy.host-group",
        "a string",
        "write `host-group = \"default\"` in `[package.metadata.wasmcloud.deploy]`",
    ),
    help(
        "deploy.hostname",
        "a string",
        "write `hostname = \"hello.example.com\"` in `[package.metadata.wasmcloud.deploy]`",
    ),
    help(
        "deploy.config",
        "a table of strings",
        "write `[package.metadata.wasmcloud.deploy.config]` with `greeting = \"hello\"` (strings only)",
    ),
    help(
        "deploy.subscriptions",
        "a list of strings",
        "write `subscriptions = [\"orders.>\"]` in `[package.metadata.wasmcloud.deploy]`",
    ),
    help(
        "plugins",
        "a table of tables, one per plugin",
        "write `[package.metadata.wasmcloud.plugins.size-budget]` with `max = \"2 MiB\"`",
    ),
];

/// The help for `key`, if it is one of [`HELP`].
pub(super) fn lookup(key: &str) -> Option<&'static Help> {
    HELP.iter().find(|h| h.key == key)
}
