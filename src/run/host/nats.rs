//! NATS connections for the capabilities a run backs with NATS (keyvalue, blobstore,
//! messaging): one client per server URL, shared by every capability that names it, made at
//! start-up within [`CONNECT_TIMEOUT`] so an unreachable server is an error before the
//! component starts, never a hang.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::Mutex;

use super::BoxError;

/// How long start-up waits for a backend server (NATS or Redis) before giving up on it.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The run's NATS clients, by URL.
#[derive(Default)]
pub struct Connections {
    clients: Mutex<HashMap<String, async_nats::Client>>,
}

impl Connections {
    /// The client for `url`, connected the first time it is asked for.
    pub async fn client(&self, url: &str) -> Result<async_nats::Client, BoxError> {
        let mut clients = self.clients.lock().await;
        if let Some(client) = clients.get(url) {
            return Ok(client.clone());
        }
        let connecting = async_nats::ConnectOptions::new()
            .name("wash")
            .connection_timeout(CONNECT_TIMEOUT)
            .connect(url);
        let client = match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
            Ok(connected) => connected?,
            Err(_) => return Err(timed_out("NATS").into()),
        };
        clients.insert(url.to_string(), client.clone());
        Ok(client)
    }

    /// A JetStream context on `url`'s client, after checking that the server has JetStream
    /// (keyvalue and blobstore need it; a plain `nats-server` lacks it unless started with
    /// `--jetstream`).
    pub async fn jetstream(&self, url: &str) -> Result<async_nats::jetstream::Context, BoxError> {
        let js = async_nats::jetstream::new(self.client(url).await?);
        match tokio::time::timeout(CONNECT_TIMEOUT, js.query_account()).await {
            Ok(Ok(_)) => Ok(js),
            Ok(Err(e)) => Err(format!(
                "the server has no JetStream (start it with `nats-server --jetstream`): {e}"
            )
            .into()),
            Err(_) => Err(timed_out("JetStream").into()),
        }
    }
}

/// The cause when a server does not answer in time.
pub(super) fn timed_out(what: &str) -> String {
    format!("no {what} answer within {}s", CONNECT_TIMEOUT.as_secs())
}
