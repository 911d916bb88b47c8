//! The core NATS messaging backend (`--messaging nats://…`), as wasmCloud's host does it: a
//! request is a NATS request bounded by the guest's timeout, a publish with a `reply-to` is a
//! publish with a reply subject, and each subscription a plain or queue-group subscribe.

use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::BoxError;
use super::messaging::{Inbox, Message, Subscription};

/// Publishes `msg`, with its reply subject when it has one.
pub async fn publish(client: &async_nats::Client, msg: Message) -> Result<(), String> {
    let sent = match msg.reply_to {
        Some(reply) => {
            client
                .publish_with_reply(msg.subject, reply, msg.body)
                .await
        }
        None => client.publish(msg.subject, msg.body).await,
    };
    sent.map_err(|e| format!("failed to publish: {e}"))
}

/// A NATS request, answered within `timeout`.
pub async fn request(
    client: &async_nats::Client,
    subject: String,
    body: Bytes,
    timeout: Duration,
) -> Result<Message, String> {
    use async_nats::RequestErrorKind;
    let timed_out = || format!("request timed out after {}ms", timeout.as_millis());
    // The guest's timeout, not the client's default one, bounds the wait.
    let request = async_nats::Request::new().payload(body).timeout(None);
    match tokio::time::timeout(timeout, client.send_request(subject.clone(), request)).await {
        Ok(Ok(answer)) => Ok(Message {
            subject: answer.subject.to_string(),
            body: answer.payload,
            reply_to: answer.reply.map(|r| r.to_string()),
        }),
        Ok(Err(e)) => Err(match e.kind() {
            RequestErrorKind::NoResponders => format!("no responders for `{subject}`"),
            RequestErrorKind::TimedOut => timed_out(),
            _ => format!("failed to send request: {e}"),
        }),
        Err(_) => Err(timed_out()),
    }
}

/// Subscribes to each subscription, then waits for a message sent to itself through the
/// server: the server handles a connection's commands in order, so by then it has registered
/// every subscription (a request made right after finds its responder).
pub async fn subscribe(
    client: &async_nats::Client,
    subscriptions: &[Subscription],
) -> Result<Inbox, BoxError> {
    let mut subscribers = Vec::new();
    for s in subscriptions {
        let subscriber = match &s.queue {
            Some(queue) => {
                client
                    .queue_subscribe(s.subject.clone(), queue.clone())
                    .await?
            }
            None => client.subscribe(s.subject.clone()).await?,
        };
        subscribers.push(subscriber);
    }
    round_trip(client).await?;
    let (to, messages) = mpsc::unbounded_channel();
    let mut all = futures_util::stream::select_all(subscribers);
    let forwarder = tokio::spawn(async move {
        while let Some(m) = all.next().await {
            let msg = Message {
                subject: m.subject.to_string(),
                body: m.payload,
                reply_to: m.reply.map(|r| r.to_string()),
            };
            if to.send(msg).is_err() {
                break;
            }
        }
    });
    Ok(Inbox::new(messages, AbortOnDrop(forwarder)))
}

/// Ends the forwarder (and so drops its subscribers, which unsubscribes them).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn round_trip(client: &async_nats::Client) -> Result<(), BoxError> {
    let inbox = client.new_inbox();
    let mut sentinel = client.subscribe(inbox.clone()).await?;
    client.publish(inbox, Bytes::from_static(b".")).await?;
    match tokio::time::timeout(super::nats::CONNECT_TIMEOUT, sentinel.next()).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err("the connection closed while subscribing".into()),
        Err(_) => Err(super::nats::timed_out("NATS").into()),
    }
}
