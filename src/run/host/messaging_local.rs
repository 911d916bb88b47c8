//! The in-process messaging backend (the default): a bus inside this `wash` process. A
//! published message goes to every subscription whose pattern matches its subject (NATS rules:
//! `*` one token, `>` the rest), and to one member of each queue group; a request subscribes a
//! fresh reply inbox, publishes, and waits for the first answer. A component may so talk to
//! itself: its HTTP handler can `request` what its message handler answers.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::messaging::{Inbox, Message, Subscription};

/// The subscriptions of the run.
#[derive(Default)]
pub struct Bus {
    entries: Mutex<Vec<Entry>>,
    next_id: AtomicU64,
}

struct Entry {
    id: u64,
    subject: String,
    queue: Option<String>,
    to: mpsc::UnboundedSender<Message>,
}

/// Removes its entries from the bus when dropped (an [`Inbox`] unsubscribing).
struct Unsubscribe {
    bus: std::sync::Weak<Bus>,
    ids: Vec<u64>,
}

impl Drop for Unsubscribe {
    fn drop(&mut self) {
        if let Some(bus) = self.bus.upgrade() {
            bus.remove(&self.ids);
        }
    }
}

impl Bus {
    /// Delivers `msg` to each matching subscription (one per queue group); how many got it.
    pub fn publish(&self, msg: Message) -> usize {
        let mut targets = Vec::new();
        {
            let mut entries = self.entries.lock().expect("no panics under the lock");
            // Subscriptions whose inbox is gone are dropped on the way.
            entries.retain(|e| !e.to.is_closed());
            let mut groups: Vec<&str> = Vec::new();
            for e in entries.iter().filter(|e| matches(&e.subject, &msg.subject)) {
                if let Some(queue) = &e.queue {
                    if groups.contains(&queue.as_str()) {
                        continue;
                    }
                    groups.push(queue);
                }
                targets.push(e.to.clone());
            }
        }
        targets
            .into_iter()
            .filter(|to| to.send(msg.clone()).is_ok())
            .count()
    }

    /// An inbox for `subscriptions`.
    pub fn subscribe(self: &std::sync::Arc<Self>, subscriptions: &[Subscription]) -> Inbox {
        let (to, messages) = mpsc::unbounded_channel();
        let mut ids = Vec::new();
        let mut entries = self.entries.lock().expect("no panics under the lock");
        for s in subscriptions {
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            ids.push(id);
            entries.push(Entry {
                id,
                subject: s.subject.clone(),
                queue: s.queue.clone(),
                to: to.clone(),
            });
        }
        let guard = Unsubscribe {
            bus: std::sync::Arc::downgrade(self),
            ids,
        };
        Inbox::new(messages, guard)
    }

    /// Sends `body` to `subject` with a fresh reply subject and waits for the first answer.
    pub async fn request(
        &self,
        subject: String,
        body: Bytes,
        timeout: Duration,
    ) -> Result<Message, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let inbox = format!("_INBOX.wash.{id}");
        let (to, mut answers) = mpsc::unbounded_channel();
        self.entries
            .lock()
            .expect("no panics under the lock")
            .push(Entry {
                id,
                subject: inbox.clone(),
                queue: None,
                to,
            });
        let delivered = self.publish(Message {
            subject: subject.clone(),
            body,
            reply_to: Some(inbox),
        });
        let answer = if delivered == 0 {
            Err(format!("no responders for `{subject}`"))
        } else {
            match tokio::time::timeout(timeout, answers.recv()).await {
                Ok(Some(answer)) => Ok(answer),
                Ok(None) => Err("the reply inbox closed".to_string()),
                Err(_) => Err(format!("request timed out after {}ms", timeout.as_millis())),
            }
        };
        self.remove(&[id]);
        answer
    }

    fn remove(&self, ids: &[u64]) {
        self.entries
            .lock()
            .expect("no panics under the lock")
            .retain(|e| !ids.contains(&e.id));
    }
}

/// Whether `subject` matches `pattern` (NATS rules: `*` is any one token, a final `>` one or
/// more tokens).
pub fn matches(pattern: &str, subject: &str) -> bool {
    let mut pattern = pattern.split('.');
    let mut subject = subject.split('.');
    loop {
        match (pattern.next(), subject.next()) {
            (Some(">"), Some(_)) => return true,
            (Some("*"), Some(_)) => {}
            (Some(p), Some(s)) if p == s => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn subjects_match_as_in_nats() {
        assert!(matches("greet.*", "greet.x"));
        assert!(!matches("greet.*", "greet.x.y"));
        assert!(!matches("greet.*", "greet"));
        assert!(matches("greet.>", "greet.x.y"));
        assert!(!matches("greet.>", "greet"));
        assert!(matches(">", "a"));
        assert!(matches("a.*.c", "a.b.c"));
        assert!(!matches("a.*.c", "a.b.d"));
        assert!(matches("a.b", "a.b"));
        assert!(!matches("a.b", "a.bc"));
    }

    #[tokio::test]
    async fn a_request_gets_the_first_answer_and_none_without_a_responder() {
        let bus = Arc::new(Bus::default());
        let err = bus
            .request(
                "echo.x".into(),
                Bytes::from_static(b"hi"),
                Duration::from_secs(1),
            )
            .await
            .unwrap_err();
        assert_eq!(err, "no responders for `echo.x`");

        let subs = [Subscription::parse("echo.* group").unwrap()];
        let mut inbox = bus.subscribe(&subs);
        let responder = {
            let bus = bus.clone();
            tokio::spawn(async move {
                let msg = inbox.next().await.unwrap();
                bus.publish(Message {
                    subject: msg.reply_to.unwrap(),
                    body: Bytes::from([b"re: ".as_slice(), &msg.body].concat()),
                    reply_to: None,
                });
                inbox
            })
        };
        let answer = bus
            .request(
                "echo.x".into(),
                Bytes::from_static(b"hi"),
                Duration::from_secs(5),
            )
            .await
            .unwrap();
        assert_eq!(answer.body, Bytes::from_static(b"re: hi"));
        let inbox = responder.await.unwrap();

        // Dropping the inbox unsubscribes: nobody gets the next message.
        drop(inbox);
        assert_eq!(
            bus.publish(Message {
                subject: "echo.y".into(),
                body: Bytes::new(),
                reply_to: None,
            }),
            0
        );
    }

    #[tokio::test]
    async fn one_member_of_a_queue_group_gets_each_message() {
        let bus = Arc::new(Bus::default());
        let a = bus.subscribe(&[Subscription::parse("jobs.> workers").unwrap()]);
        let b = bus.subscribe(&[Subscription::parse("jobs.> workers").unwrap()]);
        let c = bus.subscribe(&[Subscription::parse("jobs.*").unwrap()]);
        let msg = Message {
            subject: "jobs.1".into(),
            body: Bytes::new(),
            reply_to: None,
        };
        assert_eq!(bus.publish(msg), 2);
        drop((a, b, c));
    }
}
