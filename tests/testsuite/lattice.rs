//! `wash deploy --lattice`: a real NATS server, a component pushed to a real registry, and
//! stand-in hosts that speak wasmCloud v2's host API on NATS (heartbeats on
//! `runtime.operator.heartbeat.<ID>`, `workload.start|stop|status` requests in protojson) and
//! record what they are asked. They check wash's side of the protocol — what it sends, to
//! which hosts, and how it replaces and stops replicas; that a real wasmCloud v2.7.0 host runs
//! what wash sends is `scripts/interop/wasmcloud.sh`'s job (too long a build for CI).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::registry::*;
use crate::servers;
use crate::support::*;

/// What a stand-in host holds: its running workloads, by ID, as the start requests sent them.
type Workloads = Arc<Mutex<BTreeMap<String, Value>>>;

/// A stand-in wasmCloud v2 host on a NATS server, on its own thread, until the test ends.
pub struct StandIn {
    workloads: Workloads,
}

impl StandIn {
    pub fn start(url: &str, id: &str, group: &str) -> StandIn {
        let workloads: Workloads = Arc::default();
        let (url, id, group, held) = (
            url.to_string(),
            id.to_string(),
            group.to_string(),
            workloads.clone(),
        );
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(serve(&url, &id, &group, held, ready_tx));
        });
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the stand-in host subscribed");
        StandIn { workloads }
    }

    fn ids(&self) -> Vec<String> {
        self.workloads.lock().unwrap().keys().cloned().collect()
    }
}

async fn serve(
    url: &str,
    id: &str,
    group: &str,
    workloads: Workloads,
    ready: std::sync::mpsc::Sender<()>,
) {
    let client = async_nats::connect(url).await.unwrap();
    let mut requests = client
        .subscribe(format!("runtime.host.{id}.>"))
        .await
        .unwrap();
    client.flush().await.unwrap();
    ready.send(()).unwrap();
    // As the host writes it (pbjson): camelCase, uint64 as a string.
    let heartbeat = json!({
        "id": id, "hostname": "box", "friendlyName": format!("stand-in-{id}"),
        "version": "2.7.0", "labels": {"hostgroup": group}, "workloadCount": "0",
        "httpPort": 8000,
    })
    .to_string();
    let mut beat = tokio::time::interval(Duration::from_millis(200));
    loop {
        tokio::select! {
            _ = beat.tick() => {
                let subject = format!("runtime.operator.heartbeat.{id}");
                client.publish(subject, heartbeat.clone().into()).await.unwrap();
            }
            Some(msg) = requests.next() => {
                let command = msg.subject.as_str().splitn(4, '.').nth(3).unwrap_or_default();
                let request: Value = serde_json::from_slice(&msg.payload).unwrap();
                let answer = answer(command, &request, &workloads);
                if let Some(reply) = msg.reply {
                    client.publish(reply, answer.to_string().into()).await.unwrap();
                }
            }
        }
    }
}

/// The host's answer to one request, as wasmCloud v2.7.0's host gives it.
fn answer(command: &str, request: &Value, workloads: &Workloads) -> Value {
    let id = request["workloadId"].as_str().unwrap().to_string();
    let mut held = workloads.lock().unwrap();
    let (state, message) = match command {
        "workload.start" if held.contains_key(&id) => (
            "WORKLOAD_STATE_ERROR",
            format!("Workload ID [{id}] already exists"),
        ),
        "workload.start" => {
            held.insert(id.clone(), request["workload"].clone());
            ("WORKLOAD_STATE_RUNNING", String::new())
        }
        "workload.stop" => match held.remove(&id) {
            Some(_) => ("WORKLOAD_STATE_STOPPING", String::new()),
            None => ("WORKLOAD_STATE_NOT_FOUND", String::new()),
        },
        "workload.status" if held.contains_key(&id) => ("WORKLOAD_STATE_RUNNING", String::new()),
        "workload.status" => ("WORKLOAD_STATE_NOT_FOUND", String::new()),
        other => panic!("unknown command {other}"),
    };
    json!({"workloadStatus": {"workloadId": id, "workloadState": state, "message": message}})
}

fn lattice_args<'a>(url: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["deploy", "--lattice", url, "--lattice-wait", "1"];
    args.extend_from_slice(extra);
    args
}

#[test]
fn deploy_places_replicas_round_robin_replaces_them_and_stops_them() {
    let nats = servers::nats();
    let registry = Registry::start();
    let reference = registry.reference("hello:1.0.0");
    run(
        wash().args(["push", &reference]).arg(&http_hello().wasm),
        true,
    );
    let edge = [
        StandIn::start(&nats.url, "HA", "edge"),
        StandIn::start(&nats.url, "HB", "edge"),
    ];
    let other = StandIn::start(&nats.url, "HC", "other");

    let out = run(
        wash().args(lattice_args(
            &nats.url,
            &[&reference, "--host-group", "edge", "--replicas", "3"],
        )),
        true,
    );
    let err = stderr(&out);
    assert_eq!(
        stdout(&out),
        "",
        "the manifest is not printed with --lattice"
    );
    assert!(
        err.contains(
            "Started wash.default.hello.0 on stand-in-HA (HA): http://hello.localhost:8000/"
        ),
        "{err}"
    );
    assert_eq!(
        edge[0].ids(),
        ["wash.default.hello.0", "wash.default.hello.2"]
    );
    assert_eq!(edge[1].ids(), ["wash.default.hello.1"]);
    assert!(other.ids().is_empty(), "a host of another group got work");

    // What each host was sent is the `WorkloadDeployment`'s template, as the operator sends it.
    let manifest = run(
        wash().args(["deploy", &reference, "--host-group", "edge", "--json"]),
        true,
    );
    let manifest: Value = serde_json::from_str(stdout(&manifest).trim()).unwrap();
    let template = &manifest["documents"][0]["manifest"]["spec"]["template"]["spec"];
    let sent = edge[1].workloads.lock().unwrap()["wash.default.hello.1"].clone();
    assert_eq!(sent["witWorld"]["components"], template["components"]);
    assert_eq!(
        sent["witWorld"]["hostInterfaces"],
        template["hostInterfaces"]
    );
    assert_eq!(
        (&sent["name"], &sent["namespace"]),
        (&json!("hello"), &json!("default"))
    );

    // A redeploy with fewer replicas replaces replica 0 and stops the rest.
    let out = run(
        wash().args(lattice_args(
            &nats.url,
            &[&reference, "--host-group", "edge", "--json"],
        )),
        true,
    );
    let rollout: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(rollout["reason"], "rollout");
    let ids = |key: &str| -> Vec<String> {
        rollout[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["workload_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids("stopped"),
        [
            "wash.default.hello.0",
            "wash.default.hello.1",
            "wash.default.hello.2"
        ]
    );
    assert_eq!(ids("started"), ["wash.default.hello.0"]);
    assert_eq!(edge[0].ids(), ["wash.default.hello.0"]);
    assert!(edge[1].ids().is_empty());

    // `--stop` needs no component: the name is the flag's (or the crate's).
    let out = run(
        wash().args(lattice_args(
            &nats.url,
            &["--stop", "--name", "hello", "--host-group", "edge"],
        )),
        true,
    );
    assert!(
        stderr(&out).contains("Stopped wash.default.hello.0 on stand-in-HA (HA)"),
        "{}",
        stderr(&out)
    );
    assert!(edge.iter().all(|h| h.ids().is_empty()));
}

#[test]
fn no_host_of_the_group_and_no_server_are_clear_errors() {
    let nats = servers::nats();
    let _host = StandIn::start(&nats.url, "HX", "blue");
    let out = run(
        wash().args(lattice_args(
            &nats.url,
            &["--stop", "--name", "x", "--host-group", "green"],
        )),
        false,
    );
    let err = stderr(&out);
    assert!(
        err.contains("no wasmCloud host of host group `green` sent a heartbeat"),
        "{err}"
    );
    assert!(
        err.contains("help: hosts of group(s) `blue` answered"),
        "{err}"
    );

    let port = free_port();
    let url = format!("nats://127.0.0.1:{port}");
    let out = run(
        wash().args(lattice_args(&url, &["--stop", "--name", "x"])),
        false,
    );
    let err = stderr(&out);
    assert!(err.contains("could not connect to NATS at"), "{err}");
    assert!(err.contains("help: start a NATS server"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // `--lattice` starts wasmCloud workloads: another target is refused before anything runs.
    let out = run(
        wash().args(["deploy", "--lattice", &url, "--target", "kubernetes"]),
        false,
    );
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
}
