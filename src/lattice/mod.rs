//! `wash deploy --lattice`: starting and stopping a workload on wasmCloud v2 hosts over NATS,
//! the way wasmCloud's Kubernetes operator does, for hosts that no operator manages (run by
//! Nomad, systemd, or by hand).
//!
//! The operator keeps the hosts it heard from (heartbeats on
//! `runtime.operator.heartbeat.<HOST-ID>`), places each replica of a workload on one of them,
//! and sends it a `workload.start` request; [`wire`] has the messages. Here the hosts are
//! those heard from within [`Lattice::wait`] (hosts beat every 15 s, so the default waits one
//! beat), filtered by the host group; replica `i` of workload `NAMESPACE/NAME` gets the ID
//! `wash.NAMESPACE.NAME.i` and goes to the `i`-th host round-robin. Fixed IDs are what make a
//! redeploy and `--stop` possible without any state kept on this side: the hosts are asked for
//! each ID in turn. A redeploy replaces replica by replica (stop, then start), so with two or
//! more replicas some keep serving throughout.

pub mod wire;

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;

use crate::hint::Hint;
use wire::{Heartbeat, IdRequest, StartRequest, State, Status, StatusResponse, Workload};

/// How long a host may take to answer a request: a start pulls the component first. The
/// operator allows the same minute.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How long connecting to NATS may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The default discovery wait: one heartbeat interval (15 s) and a margin.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(16);

/// The label a host's group is in.
const HOST_GROUP_LABEL: &str = "hostgroup";

/// The NATS server hosts are reached through, and how to find them.
#[derive(Debug, Clone)]
pub struct Lattice {
    /// `nats://HOST:PORT`.
    pub url: String,
    /// Only hosts of this group (`wash host --host-group`); none: any host.
    pub host_group: Option<String>,
    /// How long to listen for heartbeats.
    pub wait: Duration,
}

/// A host that answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Host {
    /// Its ID.
    pub id: String,
    /// Its friendly name.
    pub name: String,
    /// The machine it runs on.
    pub hostname: String,
    /// Its host group.
    pub host_group: String,
    /// Its HTTP ingress port, if it serves HTTP.
    pub http_port: Option<u16>,
}

impl From<Heartbeat> for Host {
    fn from(hb: Heartbeat) -> Host {
        Host {
            host_group: hb.labels.get(HOST_GROUP_LABEL).cloned().unwrap_or_default(),
            name: hb.friendly_name,
            hostname: hb.hostname,
            http_port: u16::try_from(hb.http_port).ok().filter(|p| *p != 0),
            id: hb.id,
        }
    }
}

/// One replica on one host, and how it went.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Placement {
    /// The workload's ID.
    pub workload_id: String,
    /// The host's ID.
    pub host: String,
    /// What the host said.
    pub state: State,
    /// Why, when it failed.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// What a deploy or a stop did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rollout {
    /// The NATS server.
    pub url: String,
    /// The hosts that answered (of the host group).
    pub hosts: Vec<Host>,
    /// The host name the workload's HTTP ingress routes by, if it serves HTTP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_host: Option<String>,
    /// The replicas started.
    pub started: Vec<Placement>,
    /// The workloads stopped: earlier replicas replaced, or all of them for `--stop`.
    pub stopped: Vec<Placement>,
}

/// What can go wrong talking to the lattice.
#[derive(Debug, thiserror::Error)]
pub enum LatticeError {
    /// NATS is not there.
    #[error("could not connect to NATS at `{url}`: {cause}")]
    Connect {
        /// The server.
        url: String,
        /// Why.
        cause: String,
    },
    /// No host beat within the wait.
    #[error(
        "no wasmCloud host{} sent a heartbeat on `{url}` within {}s",
        group.as_ref().map(|g| format!(" of host group `{g}`")).unwrap_or_default(),
        waited.as_secs()
    )]
    NoHosts {
        /// The server.
        url: String,
        /// The host group asked for.
        group: Option<String>,
        /// How long wash listened.
        waited: Duration,
        /// The groups of the hosts that did beat.
        other_groups: Vec<String>,
    },
    /// A host did not answer a request.
    #[error("host `{host}` did not answer `{subject}`: {cause}")]
    Request {
        /// The host.
        host: String,
        /// The request's subject.
        subject: String,
        /// Why.
        cause: String,
    },
    /// A host refused to start a replica.
    #[error("host `{host}` could not start workload `{workload_id}`: {message}")]
    Refused {
        /// The host.
        host: String,
        /// The replica.
        workload_id: String,
        /// The host's reason.
        message: String,
    },
    /// The async runtime could not start.
    #[error("could not start the async runtime")]
    Runtime(#[source] std::io::Error),
}

impl Hint for LatticeError {
    fn hint(&self) -> Option<String> {
        match self {
            LatticeError::Connect { .. } => Some(
                "start a NATS server the hosts share (`nats-server --jetstream`), or give its \
                 address with `--lattice nats://HOST:PORT`"
                    .into(),
            ),
            LatticeError::NoHosts {
                group,
                other_groups,
                url,
                ..
            } => Some(if !other_groups.is_empty() && group.is_some() {
                format!(
                    "hosts of group(s) {} answered: pick one with `--host-group`, or start a \
                     host in this one",
                    other_groups
                        .iter()
                        .map(|g| format!("`{g}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                format!(
                    "start a wasmCloud v2 host on this NATS server (wasmCloud's `wash host \
                     --scheduler-nats-url {url} --data-nats-url {url}{}`), or wait longer \
                     with `--lattice-wait SECONDS`",
                    group
                        .as_ref()
                        .map(|g| format!(" --host-group {g}"))
                        .unwrap_or_default()
                )
            }),
            LatticeError::Request { .. } => Some(
                "the host may have stopped; run the command again to place the workload on \
                 the hosts that answer"
                    .into(),
            ),
            LatticeError::Refused { .. } => Some(
                "the host's reason names what it could not provide or fetch; `wash deploy \
                 --target wasmcloud` prints the workload it was sent"
                    .into(),
            ),
            LatticeError::Runtime(_) => None,
        }
    }
}

/// What a `WorkloadDeployment` manifest asks the lattice for, read as the operator reads it:
/// its `spec.template.spec` is the workload's `witWorld`, its name and namespace the
/// workload's (`default` when it names none, as in a cluster), its `hostSelector.hostgroup`
/// the host group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The workload to start.
    pub workload: Workload,
    /// How many replicas.
    pub replicas: usize,
    /// The host group it selects, if any.
    pub host_group: Option<String>,
    /// The host name its HTTP ingress routes by, if it serves HTTP.
    pub http_host: Option<String>,
}

impl Planned {
    /// The plan of a `WorkloadDeployment` manifest; `None` for any other manifest.
    pub fn of(manifest: &serde_json::Value) -> Option<Planned> {
        if manifest["kind"] != "WorkloadDeployment" {
            return None;
        }
        let spec = &manifest["spec"]["template"]["spec"];
        let wit_world: wire::WitWorld = serde_json::from_value(spec.clone()).ok()?;
        let http_host = wit_world
            .host_interfaces
            .iter()
            .find(|h| {
                (h.namespace.as_str(), h.package.as_str()) == ("wasi", "http")
                    && h.interfaces.iter().any(|i| i == "incoming-handler")
            })
            .and_then(|h| h.config.get("host").cloned());
        let metadata = &manifest["metadata"];
        Some(Planned {
            workload: Workload {
                namespace: metadata["namespace"]
                    .as_str()
                    .unwrap_or("default")
                    .to_string(),
                name: metadata["name"].as_str()?.to_string(),
                annotations: [(
                    "app.kubernetes.io/managed-by".to_string(),
                    "wash".to_string(),
                )]
                .into(),
                wit_world,
            },
            replicas: manifest["spec"]["replicas"].as_u64().unwrap_or(1) as usize,
            host_group: spec["hostSelector"]["hostgroup"].as_str().map(String::from),
            http_host,
        })
    }
}

/// The workload ID of replica `index` of `namespace/name`.
pub fn workload_id(namespace: &str, name: &str, index: usize) -> String {
    format!("wash.{namespace}.{name}.{index}")
}

/// Starts `replicas` replicas of `workload` on the lattice's hosts, replacing those a previous
/// deploy started (and stopping any beyond `replicas`).
pub fn deploy(lattice: &Lattice, planned: &Planned) -> Result<Rollout, LatticeError> {
    let (workload, replicas) = (&planned.workload, planned.replicas);
    runtime()?.block_on(async {
        let client = connect(&lattice.url).await?;
        let hosts = discover(&client, lattice).await?;
        let mut rollout = Rollout {
            url: lattice.url.clone(),
            hosts: hosts.clone(),
            http_host: planned.http_host.clone(),
            started: Vec::new(),
            stopped: Vec::new(),
        };
        let mut index = 0;
        loop {
            let id = workload_id(&workload.namespace, &workload.name, index);
            let running = find(&client, &hosts, &id).await?;
            if index >= replicas && running.is_empty() {
                break;
            }
            for host in running {
                rollout.stopped.push(stop_one(&client, &host, &id).await?);
            }
            if index < replicas {
                let host = &hosts[index % hosts.len()];
                let placed = start_one(&client, host, &id, workload).await?;
                if placed.state == State::Error {
                    return Err(LatticeError::Refused {
                        host: host.id.clone(),
                        workload_id: id,
                        message: placed.message,
                    });
                }
                rollout.started.push(placed);
            }
            index += 1;
        }
        Ok(rollout)
    })
}

/// Stops every replica of `namespace/name` on the lattice's hosts.
pub fn stop(lattice: &Lattice, namespace: &str, name: &str) -> Result<Rollout, LatticeError> {
    runtime()?.block_on(async {
        let client = connect(&lattice.url).await?;
        let hosts = discover(&client, lattice).await?;
        let mut stopped = Vec::new();
        for index in 0.. {
            let id = workload_id(namespace, name, index);
            let running = find(&client, &hosts, &id).await?;
            if running.is_empty() {
                break;
            }
            for host in running {
                stopped.push(stop_one(&client, &host, &id).await?);
            }
        }
        Ok(Rollout {
            url: lattice.url.clone(),
            hosts,
            http_host: None,
            started: Vec::new(),
            stopped,
        })
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, LatticeError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(LatticeError::Runtime)
}

async fn connect(url: &str) -> Result<async_nats::Client, LatticeError> {
    let failed = |cause: String| LatticeError::Connect {
        url: url.to_string(),
        cause,
    };
    let connecting = async_nats::ConnectOptions::new()
        .name("wash deploy")
        .connection_timeout(CONNECT_TIMEOUT * 2)
        .connect(url);
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(e)) => Err(failed(e.to_string())),
        Err(_) => Err(failed(format!(
            "no answer within {}s",
            CONNECT_TIMEOUT.as_secs()
        ))),
    }
}

/// The hosts of the lattice's group that beat within its wait, by ID.
async fn discover(
    client: &async_nats::Client,
    lattice: &Lattice,
) -> Result<Vec<Host>, LatticeError> {
    let mut beats = client
        .subscribe(wire::HEARTBEAT_SUBJECTS)
        .await
        .map_err(|e| LatticeError::Connect {
            url: lattice.url.clone(),
            cause: e.to_string(),
        })?;
    let mut heard: BTreeMap<String, Host> = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + lattice.wait;
    while let Ok(Some(message)) = tokio::time::timeout_at(deadline, beats.next()).await {
        // Anything else on the subject is not a host of ours to place work on.
        if let Ok(hb) = serde_json::from_slice::<Heartbeat>(&message.payload) {
            heard.insert(hb.id.clone(), hb.into());
        }
    }
    let (mine, others): (Vec<Host>, Vec<Host>) = heard.into_values().partition(|h| {
        lattice
            .host_group
            .as_ref()
            .is_none_or(|g| *g == h.host_group)
    });
    if mine.is_empty() {
        let mut other_groups: Vec<String> = others.into_iter().map(|h| h.host_group).collect();
        other_groups.dedup();
        return Err(LatticeError::NoHosts {
            url: lattice.url.clone(),
            group: lattice.host_group.clone(),
            waited: lattice.wait,
            other_groups,
        });
    }
    Ok(mine)
}

/// One request to one host, its answer read as a status.
async fn request(
    client: &async_nats::Client,
    host: &Host,
    command: &str,
    payload: Vec<u8>,
) -> Result<Status, LatticeError> {
    let subject = wire::host_subject(&host.id, command);
    let failed = |cause: String| LatticeError::Request {
        host: host.id.clone(),
        subject: subject.clone(),
        cause,
    };
    let asked = async_nats::Request::new()
        .payload(payload.into())
        .timeout(Some(REQUEST_TIMEOUT));
    let answer = client
        .send_request(subject.clone(), asked)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let response: StatusResponse = serde_json::from_slice(&answer.payload)
        .map_err(|e| failed(format!("the answer is not a workload status: {e}")))?;
    response
        .workload_status
        .ok_or_else(|| failed("the answer has no workload status".into()))
}

fn json(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(value).expect("wire messages serialize")
}

/// The hosts on which workload `id` exists (in any state but not-found).
async fn find(
    client: &async_nats::Client,
    hosts: &[Host],
    id: &str,
) -> Result<Vec<Host>, LatticeError> {
    let mut found = Vec::new();
    for host in hosts {
        let payload = json(&IdRequest { workload_id: id });
        let status = request(client, host, "workload.status", payload).await?;
        if !matches!(status.workload_state, State::NotFound | State::Unspecified) {
            found.push(host.clone());
        }
    }
    Ok(found)
}

async fn start_one(
    client: &async_nats::Client,
    host: &Host,
    id: &str,
    workload: &Workload,
) -> Result<Placement, LatticeError> {
    let payload = json(&StartRequest {
        workload_id: id,
        workload,
    });
    let status = request(client, host, "workload.start", payload).await?;
    Ok(Placement {
        workload_id: id.to_string(),
        host: host.id.clone(),
        state: status.workload_state,
        message: status.message,
    })
}

async fn stop_one(
    client: &async_nats::Client,
    host: &Host,
    id: &str,
) -> Result<Placement, LatticeError> {
    let payload = json(&IdRequest { workload_id: id });
    let status = request(client, host, "workload.stop", payload).await?;
    Ok(Placement {
        workload_id: id.to_string(),
        host: host.id.clone(),
        state: status.workload_state,
        message: status.message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workload_deployment_is_read_as_the_operator_reads_it() {
        let manifest = serde_json::json!({
            "apiVersion": "runtime.wasmcloud.dev/v1alpha1",
            "kind": "WorkloadDeployment",
            "metadata": {"name": "hello"},
            "spec": {"replicas": 2, "template": {"spec": {
                "hostSelector": {"hostgroup": "edge"},
                "hostInterfaces": [
                    {"namespace": "wasi", "package": "http", "version": "0.2.2",
                     "interfaces": ["incoming-handler"], "config": {"host": "hello.localhost"}},
                    {"namespace": "wasi", "package": "keyvalue", "version": "0.2.0-draft",
                     "interfaces": ["store", "atomics"]}
                ],
                "components": [{"name": "hello", "image": "r/hello@sha256:00"}]
            }}}
        });
        let planned = Planned::of(&manifest).unwrap();
        assert_eq!(planned.replicas, 2);
        assert_eq!(planned.host_group.as_deref(), Some("edge"));
        assert_eq!(planned.http_host.as_deref(), Some("hello.localhost"));
        assert_eq!(planned.workload.namespace, "default");
        assert_eq!(planned.workload.wit_world.host_interfaces.len(), 2);
        assert_eq!(
            planned.workload.wit_world.host_interfaces[1].interfaces,
            ["store", "atomics"]
        );
        let mut other = manifest.clone();
        other["kind"] = "Deployment".into();
        assert!(Planned::of(&other).is_none());
    }

    #[test]
    fn hosts_take_their_group_from_the_label_and_no_port_is_none() {
        let hb: Heartbeat =
            serde_json::from_str(r#"{"id":"H","friendlyName":"f","labels":{"hostgroup":"g"}}"#)
                .unwrap();
        let host = Host::from(hb);
        assert_eq!((host.host_group.as_str(), host.http_port), ("g", None));
        assert_eq!(workload_id("default", "hello", 3), "wash.default.hello.3");
    }
}
