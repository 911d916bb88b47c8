//! Nomad: a job with one group and one `raw_exec` task running `wash run REF` (Nomad has no
//! maintained wasm task driver). An HTTP component gets a dynamic port from the group's
//! `network` block and serves on `${NOMAD_ADDR_http}`. The same job is written as HCL (what
//! `nomad job run FILE` reads) and as the HTTP API's JSON (`nomad job run -json`, and `--json`).

use serde_json::{Value, json};

use super::{Document, Resolved};

/// The job's typed form, rendered two ways.
struct Job {
    name: String,
    namespace: Option<String>,
    batch: bool,
    count: u32,
    http: bool,
    args: Vec<String>,
}

pub(super) fn manifests(r: &Resolved<'_>, warnings: &mut Vec<String>) -> Vec<Document> {
    let http = r.needs.http.is_some();
    let mut args = vec!["run".to_string()];
    if http {
        args.push("--addr".into());
        args.push("${NOMAD_ADDR_http}".into());
    }
    for (k, v) in &r.config {
        args.push("--config".into());
        args.push(format!("{k}={v}"));
    }
    if r.needs.messages.is_some() {
        for s in &r.settings.subscriptions {
            args.push("--subscribe".into());
            args.push(s.clone());
        }
        warnings.push(
            "messages reach `wash run` over NATS only with `--messaging nats://HOST:PORT`: add \
             it to the task's args"
                .into(),
        );
    }
    args.push(r.image.to_string());
    let job = Job {
        name: r.name.clone(),
        namespace: r.namespace.map(str::to_string),
        batch: !http && r.needs.messages.is_none(),
        count: r.replicas,
        http,
        args,
    };
    vec![Document {
        kind: "job".into(),
        name: job.name.clone(),
        manifest: job.api_json(),
        text: job.hcl(),
    }]
}

impl Job {
    fn hcl(&self) -> String {
        let mut out = format!("job {} {{\n", quote(&self.name));
        if let Some(ns) = &self.namespace {
            out.push_str(&format!("  namespace = {}\n", quote(ns)));
        }
        if self.batch {
            out.push_str("  type = \"batch\"\n");
        }
        if self.namespace.is_some() || self.batch {
            out.push('\n');
        }
        out.push_str(&format!("  group {} {{\n", quote(&self.name)));
        out.push_str(&format!("    count = {}\n", self.count));
        if self.http {
            out.push_str("\n    network {\n      port \"http\" {}\n    }\n");
        }
        out.push_str(&format!("\n    task {} {{\n", quote(&self.name)));
        out.push_str("      driver = \"raw_exec\"\n\n      config {\n");
        out.push_str("        command = \"wash\"\n        args = [\n");
        for a in &self.args {
            // `${NOMAD_ADDR_http}` is interpolated by Nomad at run time; anything else is text.
            let text = if a == "${NOMAD_ADDR_http}" {
                format!("\"{a}\"")
            } else {
                quote(a)
            };
            out.push_str(&format!("          {text},\n"));
        }
        out.push_str("        ]\n      }\n    }\n  }\n}\n");
        out
    }

    fn api_json(&self) -> Value {
        let mut group = json!({
            "Name": self.name,
            "Count": self.count,
            "Tasks": [{
                "Name": self.name,
                "Driver": "raw_exec",
                "Config": { "command": "wash", "args": self.args },
            }],
        });
        if self.http {
            group["Networks"] = json!([{ "DynamicPorts": [{ "Label": "http" }] }]);
        }
        let mut job = json!({
            "ID": self.name,
            "Name": self.name,
            "Type": if self.batch { "batch" } else { "service" },
            "TaskGroups": [group],
        });
        if let Some(ns) = &self.namespace {
            job["Namespace"] = ns.clone().into();
        }
        json!({ "Job": job })
    }
}

/// An HCL string literal: JSON's escapes, and `${`/`%{` escaped so Nomad does not interpolate.
fn quote(s: &str) -> String {
    serde_json::to_string(s)
        .expect("a string serializes")
        .replace("${", "$${")
        .replace("%{", "%%{")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_never_interpolated() {
        assert_eq!(quote("a${b}\"c"), r#""a$${b}\"c""#);
        assert_eq!(quote("%{x}"), r#""%%{x}""#);
    }
}
