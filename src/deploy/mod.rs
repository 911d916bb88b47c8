//! `wash deploy`: deployment manifests derived from a component and its crate's settings, for
//! the platforms that run wash's artifacts (docs/deploy.md). Pure: the inputs are the
//! component's imports and exports, its reference pinned by digest, and [`Settings`]
//! (`[package.metadata.wasmcloud.deploy]` under the flags); the output is typed data —
//! one [`serde_json::Value`] per manifest, for validators and `--json` — and the text a user
//! applies (YAML, or HCL for Nomad). One file per target; [`needs`] reads what the component
//! needs from the platform.

mod kubernetes;
pub mod needs;
mod nomad;
mod spinkube;
mod wadm;
mod wasmcloud;
pub mod yaml;

use serde_json::Value;

pub use needs::{HostInterface, Needs};

/// The platform the manifests are for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// wasmCloud v2: a `WorkloadDeployment` (`runtime.wasmcloud.dev/v1alpha1`).
    #[default]
    Wasmcloud,
    /// wasmCloud v1: a wadm OAM `Application` (`core.oam.dev/v1beta1`).
    Wadm,
    /// Kubernetes with runwasi's wasmtime shim: `RuntimeClass`, `Deployment` (and `Service`).
    Kubernetes,
    /// SpinKube: a `SpinApp` (`core.spinkube.dev/v1alpha1`).
    Spinkube,
    /// Nomad: a job running `wash run REF` under `raw_exec`.
    Nomad,
}

impl Target {
    /// The name `--target` takes.
    pub fn name(self) -> &'static str {
        match self {
            Target::Wasmcloud => "wasmcloud",
            Target::Wadm => "wadm",
            Target::Kubernetes => "kubernetes",
            Target::Spinkube => "spinkube",
            Target::Nomad => "nomad",
        }
    }
}

/// What the user decides about a deployment: `[package.metadata.wasmcloud.deploy]`, with the
/// flags over it ([`Settings::over`]). Every field is optional; the defaults are documented in
/// docs/deploy.md.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The deployment's name (a DNS label); default: the crate's name, else the repository's.
    pub name: Option<String>,
    /// The Kubernetes (or Nomad) namespace; default: none written (the current one).
    pub namespace: Option<String>,
    /// How many instances; default 1.
    pub replicas: Option<u32>,
    /// wasmCloud: the host group (`hostSelector: {hostgroup: …}`); default: any host.
    pub host_group: Option<String>,
    /// The HTTP host name requests are routed by; default `<name>.localhost`.
    pub hostname: Option<String>,
    /// `wasi:config` values, in order (a later key wins).
    pub config: Vec<(String, String)>,
    /// Subjects delivered to a message handler (`SUBJECT` or `SUBJECT GROUP`).
    pub subscriptions: Vec<String>,
}

impl Settings {
    /// `self` (the flags) over `base` (Cargo.toml): a flag given wins; config values are
    /// merged, the flags' last; subscriptions given replace the base's.
    pub fn over(&self, base: &Settings) -> Settings {
        Settings {
            name: self.name.clone().or_else(|| base.name.clone()),
            namespace: self.namespace.clone().or_else(|| base.namespace.clone()),
            replicas: self.replicas.or(base.replicas),
            host_group: self.host_group.clone().or_else(|| base.host_group.clone()),
            hostname: self.hostname.clone().or_else(|| base.hostname.clone()),
            config: base.config.iter().chain(&self.config).cloned().collect(),
            subscriptions: if self.subscriptions.is_empty() {
                base.subscriptions.clone()
            } else {
                self.subscriptions.clone()
            },
        }
    }
}

/// Everything a deployment is derived from.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// The component's reference, pinned by digest: `REGISTRY/REPOSITORY@sha256:…`.
    pub image: &'a str,
    /// The name used when the settings give none (the crate's or the repository's).
    pub default_name: &'a str,
    /// The component's imports, by name (`wasi:keyvalue/store@0.2.0-draft`).
    pub imports: &'a [String],
    /// Its exports, by name.
    pub exports: &'a [String],
    /// The user's settings.
    pub settings: &'a Settings,
}

/// The values every target reads, with the defaults applied.
struct Resolved<'a> {
    image: &'a str,
    name: String,
    namespace: Option<&'a str>,
    replicas: u32,
    hostname: String,
    config: Vec<(String, String)>,
    settings: &'a Settings,
    needs: Needs,
}

impl<'a> Resolved<'a> {
    fn of(input: &Input<'a>) -> Resolved<'a> {
        let s = input.settings;
        let name = dns_label(s.name.as_deref().unwrap_or(input.default_name));
        // Later values win, as in `wash run --config`.
        let mut config: Vec<(String, String)> = Vec::new();
        for (k, v) in &s.config {
            config.retain(|(key, _)| key != k);
            config.push((k.clone(), v.clone()));
        }
        config.sort();
        Resolved {
            image: input.image,
            hostname: s
                .hostname
                .clone()
                .unwrap_or_else(|| format!("{name}.localhost")),
            name,
            namespace: s.namespace.as_deref(),
            replicas: s.replicas.unwrap_or(1),
            config,
            settings: s,
            needs: Needs::of(input.imports, input.exports),
        }
    }

    /// `metadata` of a Kubernetes object named `name`.
    fn metadata(&self, name: &str) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("name".into(), name.into());
        if let Some(ns) = self.namespace {
            m.insert("namespace".into(), ns.into());
        }
        Value::Object(m)
    }

    /// The subjects of the subscriptions, and the queue group they name (the first one).
    fn subjects_and_group(&self) -> (Vec<&str>, Option<&str>) {
        let mut subjects = Vec::new();
        let mut group = None;
        for s in &self.settings.subscriptions {
            let mut words = s.split_whitespace();
            if let Some(subject) = words.next() {
                subjects.push(subject);
            }
            if let (Some(g), None) = (words.next(), group) {
                group = Some(g);
            }
        }
        (subjects, group)
    }
}

/// One manifest: its kind and name, its data, and its text.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Document {
    /// `WorkloadDeployment`, `Deployment`, `job`, ….
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The manifest as data (what the YAML says; for Nomad, the job in the HTTP API's JSON).
    pub manifest: Value,
    /// The manifest as the user applies it (YAML; HCL for Nomad).
    #[serde(skip)]
    pub text: String,
}

/// The manifests for one target.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Manifests {
    /// The target.
    pub target: Target,
    /// The component's pinned reference.
    pub image: String,
    /// The manifests, in the order to apply them.
    pub documents: Vec<Document>,
    /// What the target cannot provide or the manifests leave to the user.
    pub warnings: Vec<String>,
}

impl Manifests {
    /// The manifests as one text: YAML documents separated by `---`, or Nomad's HCL.
    pub fn text(&self) -> String {
        self.documents
            .iter()
            .map(|d| d.text.as_str())
            .collect::<Vec<_>>()
            .join("---\n")
    }

    /// Each manifest as data, for validation against its schema.
    pub fn values(&self) -> Vec<&Value> {
        self.documents.iter().map(|d| &d.manifest).collect()
    }
}

/// A YAML document from manifest data (`kind` and `metadata.name` read from it).
fn yaml_document(manifest: Value) -> Document {
    let kind = manifest["kind"].as_str().unwrap_or_default().to_string();
    let name = manifest["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    Document {
        kind,
        name,
        text: yaml::to_string(&manifest),
        manifest,
    }
}

/// Derives the manifests for `target`.
pub fn derive(target: Target, input: &Input<'_>) -> Manifests {
    let r = Resolved::of(input);
    let mut warnings = Vec::new();
    if r.needs.http.is_none() && r.needs.messages.is_none() {
        warnings.push(
            "the component exports neither `wasi:http/incoming-handler` nor \
             `wasmcloud:messaging/handler`: nothing on the platform will call it"
                .to_string(),
        );
    }
    let documents = match target {
        Target::Wasmcloud => wasmcloud::manifests(&r, &mut warnings),
        Target::Wadm => wadm::manifests(&r, &mut warnings),
        Target::Kubernetes => kubernetes::manifests(&r, &mut warnings),
        Target::Spinkube => spinkube::manifests(&r, &mut warnings),
        Target::Nomad => nomad::manifests(&r, &mut warnings),
    };
    Manifests {
        target,
        image: r.image.to_string(),
        documents,
        warnings,
    }
}

/// A name Kubernetes takes (an RFC 1123 label): lowercase letters, digits and `-`, at most 63,
/// starting and ending with a letter or digit.
pub fn dns_label(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    let trimmed: String = mapped.trim_matches('-').chars().take(63).collect();
    let trimmed = trimmed.trim_end_matches('-');
    if trimmed.is_empty() {
        "component".into()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_dns_labels() {
        assert_eq!(dns_label("http_Hello"), "http-hello");
        assert_eq!(dns_label("__x__"), "x");
        assert_eq!(dns_label("!!!"), "component");
        assert_eq!(dns_label(&"a".repeat(80)).len(), 63);
    }

    #[test]
    fn flags_win_over_the_crate_and_config_merges() {
        let base = Settings {
            name: Some("base".into()),
            replicas: Some(2),
            config: vec![("a".into(), "1".into()), ("b".into(), "1".into())],
            subscriptions: vec!["x".into()],
            ..Default::default()
        };
        let flags = Settings {
            replicas: Some(3),
            config: vec![("b".into(), "2".into())],
            ..Default::default()
        };
        let s = flags.over(&base);
        assert_eq!(s.name.as_deref(), Some("base"));
        assert_eq!(s.replicas, Some(3));
        assert_eq!(s.subscriptions, ["x"]);
        let input = Input {
            image: "r/x@sha256:0",
            default_name: "x",
            imports: &[],
            exports: &[],
            settings: &s,
        };
        let r = Resolved::of(&input);
        assert_eq!(
            r.config,
            [("a".into(), "1".into()), ("b".into(), "2".into())]
        );
    }
}
