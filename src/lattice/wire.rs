//! The messages of wasmCloud v2's host API, as JSON on NATS (docs/deploy.md, "The lattice").
//!
//! A wasmCloud v2 host (`wash host`, wasmCloud's own) answers requests on
//! `runtime.host.<HOST-ID>.<command>` and publishes a heartbeat on
//! `runtime.operator.heartbeat.<HOST-ID>` every 15 seconds. Both are the protobuf messages of
//! wasmCloud's `proto/wasmcloud/runtime/v2/` in their canonical JSON mapping (protojson on the
//! operator's side, pbjson on the host's): field names in lowerCamelCase, enums as their
//! names, default values left out. Only the fields wash reads or writes are declared here;
//! unknown fields are ignored, as protojson readers do.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The heartbeat subject's prefix: `runtime.operator.heartbeat.<HOST-ID>`.
pub const HEARTBEAT_SUBJECTS: &str = "runtime.operator.heartbeat.*";

/// The subject of `command` on the host `host_id`.
pub fn host_subject(host_id: &str, command: &str) -> String {
    format!("runtime.host.{host_id}.{command}")
}

/// `wasmcloud.runtime.v2.HostHeartbeat`: who a host is and where it serves.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Heartbeat {
    /// The host's ID (the one its subjects carry).
    pub id: String,
    /// The machine's host name.
    #[serde(default)]
    pub hostname: String,
    /// The host's generated friendly name.
    #[serde(default)]
    pub friendly_name: String,
    /// The host's version.
    #[serde(default)]
    pub version: String,
    /// Its labels; `hostgroup` is its host group.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The port its HTTP ingress listens on (0 or absent: none).
    #[serde(default)]
    pub http_port: u32,
}

/// `wasmcloud.runtime.v2.WorkloadStartRequest`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartRequest<'a> {
    /// The workload's ID, chosen by the caller; unique on the host.
    pub workload_id: &'a str,
    /// What to run.
    pub workload: &'a Workload,
}

/// `wasmcloud.runtime.v2.Workload`: components and the host interfaces they are given.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Workload {
    /// The namespace it belongs to.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Annotations (wash marks its own workloads).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// Its components and host interfaces.
    pub wit_world: WitWorld,
}

/// `wasmcloud.runtime.v2.WitWorld`: the same shape as a `WorkloadDeployment`'s
/// `spec.template.spec` (`components`, `hostInterfaces`), which is what the operator copies.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WitWorld {
    /// The components, by OCI reference.
    pub components: Vec<Component>,
    /// The interfaces the host provides to them (and the HTTP ingress).
    #[serde(default)]
    pub host_interfaces: Vec<WitInterface>,
}

/// `wasmcloud.runtime.v2.Component`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    /// Its name within the workload.
    pub name: String,
    /// Its OCI reference, pinned by digest.
    pub image: String,
}

/// `wasmcloud.runtime.v2.WitInterface`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WitInterface {
    /// `wasi`, `wasmcloud`, ….
    pub namespace: String,
    /// `http`, `keyvalue`, ….
    pub package: String,
    /// The package version; absent: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The interfaces of the package.
    pub interfaces: Vec<String>,
    /// Their configuration (`host` for the HTTP ingress, `wasi:config` values, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, String>,
}

/// `WorkloadStopRequest` and `WorkloadStatusRequest`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdRequest<'a> {
    /// The workload.
    pub workload_id: &'a str,
}

/// `WorkloadStartResponse`, `WorkloadStopResponse` and `WorkloadStatusResponse`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusResponse {
    /// The workload's status; absent when the host had nothing to say.
    #[serde(default)]
    pub workload_status: Option<Status>,
}

/// `wasmcloud.runtime.v2.WorkloadStatus`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// The workload.
    #[serde(default)]
    pub workload_id: String,
    /// Its state.
    #[serde(default)]
    pub workload_state: State,
    /// Why, when it failed.
    #[serde(default)]
    pub message: String,
}

/// `wasmcloud.runtime.v2.WorkloadState`, read from its name or its number (protojson writes
/// names; readers take both).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "serde_json::Value")]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Not said.
    #[default]
    Unspecified,
    /// Being started.
    Starting,
    /// Running.
    Running,
    /// Ran to completion.
    Completed,
    /// Being stopped.
    Stopping,
    /// Failed; the message says why.
    Error,
    /// The host has no workload of that ID.
    NotFound,
}

impl From<serde_json::Value> for State {
    fn from(v: serde_json::Value) -> State {
        let by_number = |n: u64| match n {
            1 => State::Starting,
            2 => State::Running,
            3 => State::Completed,
            4 => State::Stopping,
            5 => State::Error,
            6 => State::NotFound,
            _ => State::Unspecified,
        };
        match v {
            serde_json::Value::Number(n) => n.as_u64().map_or(State::Unspecified, by_number),
            serde_json::Value::String(s) => match s.trim_start_matches("WORKLOAD_STATE_") {
                "STARTING" => State::Starting,
                "RUNNING" => State::Running,
                "COMPLETED" => State::Completed,
                "STOPPING" => State::Stopping,
                "ERROR" => State::Error,
                "NOT_FOUND" => State::NotFound,
                _ => State::Unspecified,
            },
            _ => State::Unspecified,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_hosts_json() {
        // As wasmCloud v2.7.0's host writes them (pbjson: uint64 as strings, enums by name).
        let hb: Heartbeat = serde_json::from_str(
            r#"{"id":"H1","hostname":"box","friendlyName":"quiet-bird","version":"2.7.0",
                "labels":{"hostgroup":"edge"},"workloadCount":"2","httpPort":8000}"#,
        )
        .unwrap();
        assert_eq!(hb.labels["hostgroup"], "edge");
        assert_eq!(hb.http_port, 8000);
        let r: StatusResponse = serde_json::from_str(
            r#"{"workloadStatus":{"workloadId":"w","workloadState":"WORKLOAD_STATE_ERROR",
                "message":"no"}}"#,
        )
        .unwrap();
        let s = r.workload_status.unwrap();
        assert_eq!((s.workload_state, s.message.as_str()), (State::Error, "no"));
        let r: StatusResponse =
            serde_json::from_str(r#"{"workloadStatus":{"workloadState":2}}"#).unwrap();
        assert_eq!(r.workload_status.unwrap().workload_state, State::Running);
    }

    #[test]
    fn writes_protojson_field_names() {
        let w = Workload {
            namespace: "default".into(),
            name: "hello".into(),
            annotations: BTreeMap::new(),
            wit_world: WitWorld {
                components: vec![Component {
                    name: "hello".into(),
                    image: "r/hello@sha256:00".into(),
                }],
                host_interfaces: vec![WitInterface {
                    namespace: "wasi".into(),
                    package: "http".into(),
                    version: None,
                    interfaces: vec!["incoming-handler".into()],
                    config: [("host".to_string(), "hello.localhost".to_string())].into(),
                }],
            },
        };
        let json = serde_json::to_value(StartRequest {
            workload_id: "id",
            workload: &w,
        })
        .unwrap();
        assert_eq!(json["workloadId"], "id");
        assert_eq!(
            json["workload"]["witWorld"]["hostInterfaces"][0]["config"]["host"],
            "hello.localhost"
        );
        assert!(json["workload"]["witWorld"]["hostInterfaces"][0]["version"].is_null());
    }
}
