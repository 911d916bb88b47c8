//! `wasmcloud:messaging@0.2.0`: the `consumer` imports (`request`, `publish`) over the run's
//! backend — in-process ([`messaging_local`](super::messaging_local)) or core NATS
//! ([`messaging_nats`](super::messaging_nats)) — and the `handler` export's bindings, which
//! [`crate::run`] calls once per message delivered on a [`Subscription`], on a fresh instance.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use wasmtime::component::{HasData, Linker};

use super::messaging_local::Bus;
use super::{BoxError, CapabilityError, CapabilityOptions, CapabilityView, nats, redacted};

mod bindings {
    wasmtime::component::bindgen!({
        path: "src/run/host/wit",
        world: "wash:host/messaging",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

pub use bindings::MessagingPre;
use bindings::wasmcloud::messaging::{consumer, types};
pub use types::BrokerMessage;

/// The imports this module hosts (`handler` is an export: the component provides it).
pub const INTERFACES: [&str; 2] = [
    "wasmcloud:messaging/types@0.2.0",
    "wasmcloud:messaging/consumer@0.2.0",
];

/// The export that makes a component a message handler.
pub const HANDLER: &str = "wasmcloud:messaging/handler@0.2.0";

/// What carries `wasmcloud:messaging`: `--messaging <in-process|nats://…>`, or `messaging` in
/// `[package.metadata.wasmcloud.dev]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MessagingBackend {
    /// Within this `wash` process: a component's messages reach its own subscriptions.
    #[default]
    InProcess,
    /// Core NATS at this URL (`nats://127.0.0.1:4222`).
    Nats(String),
}

impl MessagingBackend {
    /// The choices, for help and errors.
    pub const CHOICES: &'static str = "`nats://HOST:PORT` or `in-process`";

    /// `in-process`, or a `nats://` URL.
    pub fn parse(value: &str) -> Result<MessagingBackend, String> {
        if value == "in-process" {
            return Ok(MessagingBackend::InProcess);
        }
        match super::scheme(value) {
            Some("nats" | "tls") => Ok(MessagingBackend::Nats(value.to_string())),
            Some(scheme) => Err(format!(
                "`{value}`: no messaging backend speaks `{scheme}://`; use {}",
                MessagingBackend::CHOICES
            )),
            None => Err(format!(
                "`{value}` is not a messaging backend; use {}",
                MessagingBackend::CHOICES
            )),
        }
    }

    fn describe(&self) -> String {
        match self {
            MessagingBackend::InProcess => "in-process".into(),
            MessagingBackend::Nats(url) => format!("NATS at {}", redacted(url)),
        }
    }
}

/// For the `Hosting messaging:` line: the backend, and for a handler what it is subscribed to.
pub(super) fn describe(options: &CapabilityOptions, handles_messages: bool) -> String {
    let backend = options.messaging.describe();
    if !handles_messages {
        return backend;
    }
    if options.subscriptions.is_empty() {
        return format!(
            "{backend} (subscribed to nothing: pass `--subscribe SUBJECT` or set `subscriptions` \
             in `[package.metadata.wasmcloud.dev]`)"
        );
    }
    format!(
        "{backend} (subscribed: {})",
        options.subscriptions.join(", ")
    )
}

/// One subscription: NATS subject rules (`.`-separated tokens, `*` for one token, `>` as the
/// last for one or more), and optionally a queue group (one member of a group gets each
/// message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The subject pattern (`orders.>`).
    pub subject: String,
    /// The queue group, if any.
    pub queue: Option<String>,
}

impl Subscription {
    /// `SUBJECT` or `SUBJECT QUEUE-GROUP` (as NATS writes them on the wire).
    pub fn parse(value: &str) -> Result<Subscription, CapabilityError> {
        let bad = |reason| CapabilityError::Subscription {
            subscription: value.to_string(),
            reason,
        };
        let mut words = value.split_whitespace();
        let subject = words.next().ok_or_else(|| bad("it is empty"))?;
        let queue = words.next();
        if words.next().is_some() {
            return Err(bad("it is more than a subject and a queue group"));
        }
        let tokens: Vec<&str> = subject.split('.').collect();
        for (i, token) in tokens.iter().enumerate() {
            if token.is_empty() {
                return Err(bad("a subject has no empty tokens (`a..b`, `.a`, `a.`)"));
            }
            if *token == ">" && i + 1 != tokens.len() {
                return Err(bad("`>` can only be the last token"));
            }
            if token.len() > 1 && token.contains(['*', '>']) {
                return Err(bad("a wildcard (`*`, `>`) is a whole token"));
            }
        }
        if queue.is_some_and(|q| q.contains(['*', '>'])) {
            return Err(bad("a queue group has no wildcards"));
        }
        Ok(Subscription {
            subject: subject.to_string(),
            queue: queue.map(str::to_string),
        })
    }

    /// Each of `values`, or the first that is not a subscription.
    pub fn parse_all(values: &[String]) -> Result<Vec<Subscription>, CapabilityError> {
        values.iter().map(|v| Subscription::parse(v)).collect()
    }
}

impl fmt::Display for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.queue {
            Some(queue) => write!(f, "{} {queue}", self.subject),
            None => f.write_str(&self.subject),
        }
    }
}

/// A message, as the backends carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Where it was published.
    pub subject: String,
    /// What it carries.
    pub body: Bytes,
    /// Where an answer goes, if one is expected.
    pub reply_to: Option<String>,
}

impl From<Message> for BrokerMessage {
    fn from(m: Message) -> BrokerMessage {
        BrokerMessage {
            subject: m.subject,
            body: m.body.into(),
            reply_to: m.reply_to,
        }
    }
}

impl From<BrokerMessage> for Message {
    fn from(m: BrokerMessage) -> Message {
        Message {
            subject: m.subject,
            body: m.body.into(),
            reply_to: m.reply_to,
        }
    }
}

/// The messages of a run's subscriptions, until it is dropped (which unsubscribes).
pub struct Inbox {
    messages: mpsc::UnboundedReceiver<Message>,
    // Dropped with the inbox: removes the in-process entries, or ends the NATS forwarder.
    _guard: Box<dyn Send + Sync>,
}

impl Inbox {
    pub(super) fn new(
        messages: mpsc::UnboundedReceiver<Message>,
        guard: impl Send + Sync + 'static,
    ) -> Inbox {
        Inbox {
            messages,
            _guard: Box::new(guard),
        }
    }

    /// The next message; `None` once the backend has closed the subscriptions.
    pub async fn next(&mut self) -> Option<Message> {
        self.messages.recv().await
    }
}

/// The run's messaging backend, connected.
#[derive(Clone)]
pub enum Messaging {
    /// The in-process bus.
    InProcess(Arc<Bus>),
    /// A core NATS client.
    Nats(async_nats::Client),
}

impl Messaging {
    /// The backend `backend` names; a NATS server must answer now.
    pub(super) async fn connect(
        backend: &MessagingBackend,
        connections: &nats::Connections,
    ) -> Result<Messaging, CapabilityError> {
        match backend {
            MessagingBackend::InProcess => Ok(Messaging::InProcess(Arc::default())),
            MessagingBackend::Nats(url) => match connections.client(url).await {
                Ok(client) => Ok(Messaging::Nats(client)),
                Err(source) => Err(CapabilityError::Connect {
                    capability: "messaging",
                    url: url.clone(),
                    source,
                }),
            },
        }
    }

    /// Publishes `msg` (to its `reply-to` when it is an answer).
    pub async fn publish(&self, msg: Message) -> Result<(), String> {
        match self {
            Messaging::InProcess(bus) => {
                bus.publish(msg);
                Ok(())
            }
            Messaging::Nats(client) => super::messaging_nats::publish(client, msg).await,
        }
    }

    /// Publishes `body` to `subject` with a fresh reply inbox and waits up to `timeout` for
    /// the first answer.
    pub async fn request(
        &self,
        subject: String,
        body: Bytes,
        timeout: Duration,
    ) -> Result<Message, String> {
        match self {
            Messaging::InProcess(bus) => bus.request(subject, body, timeout).await,
            Messaging::Nats(client) => {
                super::messaging_nats::request(client, subject, body, timeout).await
            }
        }
    }

    /// Subscribes to each of `subscriptions`; on NATS, the server has registered them all when
    /// this returns, so a request sent afterwards finds its responder.
    pub async fn subscribe(&self, subscriptions: &[Subscription]) -> Result<Inbox, BoxError> {
        match self {
            Messaging::InProcess(bus) => Ok(bus.subscribe(subscriptions)),
            Messaging::Nats(client) => {
                super::messaging_nats::subscribe(client, subscriptions).await
            }
        }
    }
}

/// What the consumer calls need: the run's messaging.
pub struct MessagingView<'a>(&'a Messaging);

struct HasMessaging;

impl HasData for HasMessaging {
    type Data<'a> = MessagingView<'a>;
}

/// Adds `wasmcloud:messaging/{types,consumer}` to the linker.
pub fn add_to_linker<T: CapabilityView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    fn view<T: CapabilityView>(t: &mut T) -> MessagingView<'_> {
        MessagingView(&t.capabilities().0.messaging)
    }
    types::add_to_linker::<T, HasMessaging>(linker, view::<T>)?;
    consumer::add_to_linker::<T, HasMessaging>(linker, view::<T>)
}

impl types::Host for MessagingView<'_> {}

impl consumer::Host for MessagingView<'_> {
    async fn request(
        &mut self,
        subject: String,
        body: Vec<u8>,
        timeout_ms: u32,
    ) -> wasmtime::Result<Result<BrokerMessage, String>> {
        let timeout = Duration::from_millis(timeout_ms.into());
        let answer = self.0.request(subject, body.into(), timeout).await;
        Ok(answer.map(BrokerMessage::from))
    }

    async fn publish(&mut self, msg: BrokerMessage) -> wasmtime::Result<Result<(), String>> {
        Ok(self.0.publish(msg.into()).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_follow_nats_subject_rules() {
        let ok = |v: &str| Subscription::parse(v).unwrap();
        assert_eq!(
            ok("orders.>"),
            Subscription {
                subject: "orders.>".into(),
                queue: None
            }
        );
        assert_eq!(ok("greet.* workers").queue.as_deref(), Some("workers"));
        assert_eq!(ok("greet.* workers").to_string(), "greet.* workers");
        for bad in ["", "a..b", ".a", "a.", "a.>.b", "a.b*", "a b c", "a q*"] {
            assert!(Subscription::parse(bad).is_err(), "{bad:?}");
        }
        let err = Subscription::parse("a.>.b").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot subscribe to `a.>.b`: `>` can only be the last token"
        );
    }

    #[test]
    fn a_backend_is_in_process_or_a_nats_url() {
        assert_eq!(
            MessagingBackend::parse("in-process"),
            Ok(MessagingBackend::InProcess)
        );
        assert_eq!(
            MessagingBackend::parse("nats://127.0.0.1:4222"),
            Ok(MessagingBackend::Nats("nats://127.0.0.1:4222".into()))
        );
        assert_eq!(
            MessagingBackend::parse("redis://127.0.0.1").unwrap_err(),
            "`redis://127.0.0.1`: no messaging backend speaks `redis://`; use \
             `nats://HOST:PORT` or `in-process`"
        );
        assert!(MessagingBackend::parse("memory").is_err());
    }
}
