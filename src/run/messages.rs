//! Delivering messages to a `wasmcloud:messaging/handler` component, as wasmCloud does: each
//! message on a subscription gets a fresh store and instance and one `handle-message` call, in
//! a task of its own; a failure (a trap, a limit, an error the handler returns) is reported
//! through the run's events and concerns only that message.

use std::sync::{Arc, RwLock};

use super::host::messaging::{BrokerMessage, Inbox, MessagingPre};
use super::host::{Message, Subscription};
use super::http::ServeEvents;
use super::{Capabilities, Grants, Host, Loaded, RunError};

/// The subscriptions of a served message handler, and the component they are delivered to.
pub(super) struct Delivery {
    /// Replaced by a hot swap; a message already being handled finishes on the old one.
    pre: Arc<RwLock<MessagingPre<Host>>>,
    subscriptions: Vec<Subscription>,
    /// It serves nothing else (no HTTP).
    alone: bool,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Delivery {
    fn drop(&mut self) {
        // Ends the loop, and so drops the inbox: the backend unsubscribes.
        self.task.abort();
    }
}

fn messaging_pre(loaded: &Loaded) -> Result<MessagingPre<Host>, RunError> {
    MessagingPre::new(loaded.pre.clone()).map_err(RunError::guest)
}

impl Delivery {
    /// Subscribes a component that handles messages to `subscriptions` and delivers what
    /// arrives until dropped; `None` for a component that does not handle messages, or (when
    /// it serves HTTP as well) has no subscriptions.
    pub(super) async fn start(
        loaded: &Loaded,
        grants: &Grants,
        caps: &Arc<Capabilities>,
        events: &Arc<dyn ServeEvents>,
        subscriptions: &[Subscription],
    ) -> Result<Option<Delivery>, RunError> {
        if !loaded.handles_messages {
            return Ok(None);
        }
        if subscriptions.is_empty() {
            return match loaded.kind {
                super::ComponentKind::MessageHandler => Err(RunError::NoSubscriptions),
                _ => Ok(None),
            };
        }
        let pre = Arc::new(RwLock::new(messaging_pre(loaded)?));
        let alone = loaded.kind == super::ComponentKind::MessageHandler;
        let task = subscribe(pre.clone(), grants, caps, events, subscriptions, alone).await?;
        Ok(Some(Delivery {
            pre,
            subscriptions: subscriptions.to_vec(),
            alone,
            task,
        }))
    }

    /// Messages from now on go to `loaded`; the subscriptions are made again only if
    /// `subscriptions` differ from the current ones.
    pub(super) async fn swap(
        &mut self,
        loaded: &Loaded,
        grants: &Grants,
        caps: &Arc<Capabilities>,
        events: &Arc<dyn ServeEvents>,
        subscriptions: &[Subscription],
    ) -> Result<(), RunError> {
        let pre = messaging_pre(loaded)?;
        if subscriptions != self.subscriptions {
            let pre = self.pre.clone();
            let task = subscribe(pre, grants, caps, events, subscriptions, self.alone).await?;
            self.task.abort();
            self.task = task;
            self.subscriptions = subscriptions.to_vec();
        }
        *self.pre.write().expect("no panics under the lock") = pre;
        Ok(())
    }
}

/// Subscribes, reports it, and spawns the loop that hands each message to a task of its own.
async fn subscribe(
    pre: Arc<RwLock<MessagingPre<Host>>>,
    grants: &Grants,
    caps: &Arc<Capabilities>,
    events: &Arc<dyn ServeEvents>,
    subscriptions: &[Subscription],
    alone: bool,
) -> Result<tokio::task::JoinHandle<()>, RunError> {
    let inbox: Inbox = caps
        .messaging()
        .subscribe(subscriptions)
        .await
        .map_err(|source| RunError::Subscribe {
            subjects: subscriptions
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", "),
            source,
        })?;
    events.subscribed(subscriptions, alone);
    let (grants, caps, events) = (grants.clone(), caps.clone(), events.clone());
    Ok(tokio::spawn(deliver_all(inbox, pre, grants, caps, events)))
}

async fn deliver_all(
    mut inbox: Inbox,
    pre: Arc<RwLock<MessagingPre<Host>>>,
    grants: Grants,
    caps: Arc<Capabilities>,
    events: Arc<dyn ServeEvents>,
) {
    while let Some(msg) = inbox.next().await {
        let pre = pre.read().expect("no panics under the lock").clone();
        let (grants, caps, events) = (grants.clone(), caps.clone(), events.clone());
        // Wait here, not in the task: a burst of messages queues in the subscription.
        let permit = super::engine::admit().await;
        tokio::spawn(async move {
            let _permit = permit;
            let subject = msg.subject.clone();
            if let Err(e) = deliver(pre, &grants, &caps, msg).await {
                // Name the limit a runaway handler hit, above wasmtime's own account.
                let e = match grants.limits.explain(&e, true) {
                    Some(limit) => e.context(limit),
                    None => e,
                };
                events.message_failed(&subject, &e);
            }
        });
    }
}

/// One `handle-message` call on a fresh instance, under the same limits as an HTTP request.
async fn deliver(
    pre: MessagingPre<Host>,
    grants: &Grants,
    caps: &Arc<Capabilities>,
    msg: Message,
) -> wasmtime::Result<()> {
    let mut store = Host::new(grants, caps, "")?.into_store(pre.engine(), &grants.limits, true);
    let handler = pre.instantiate_async(&mut store).await?;
    let msg = BrokerMessage::from(msg);
    handler
        .wasmcloud_messaging_handler()
        .call_handle_message(&mut store, &msg)
        .await?
        .map_err(|e| wasmtime::format_err!("the handler returned an error: {e}"))
}
