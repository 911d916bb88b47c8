//! What one instance may use: memory (wasmtime's store limiter) and, for an HTTP request, wall
//! time (epoch interruption: a ticker advances the engine's epoch, and a store whose deadline
//! passes traps). A guest that loops forever or allocates without bound gets its request
//! answered with an error while the others keep being served.

use std::time::Duration;

use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder, Trap, UpdateDeadline};

/// How often the epoch advances: the resolution of the time limit.
const TICK: Duration = Duration::from_millis(10);

/// Limits on each instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most linear memory one instance may grow to, in bytes (`--memory-limit`).
    pub memory: usize,
    /// The longest an HTTP request or a message may run (`--timeout`, default 30 s).
    pub request_timeout: Duration,
    /// The longest a command or a call may run (`--timeout`); none by default, as under
    /// `wasmtime run`: a command runs as long as it needs unless asked otherwise.
    pub command_timeout: Option<Duration>,
}

impl Default for Limits {
    /// 512 MiB of memory and 30 seconds per request.
    fn default() -> Limits {
        Limits {
            memory: 512 << 20,
            request_timeout: Duration::from_secs(30),
            command_timeout: None,
        }
    }
}

impl Limits {
    /// The store limiter for one instance: growth past the limit traps, naming the size asked.
    pub(crate) fn store_limits(&self) -> StoreLimits {
        StoreLimitsBuilder::new()
            .memory_size(self.memory)
            .trap_on_grow_failure(true)
            .build()
    }

    /// Sets a store's deadline: the request timeout for a request, the command timeout (if
    /// any) for a command or a call. A
    /// request's guest also yields to the other tasks at every tick, so one that loops never
    /// holds a thread the server needs (to accept, or to run other requests) for longer than
    /// a tick; at the deadline it traps.
    pub(crate) fn apply_deadline<T>(&self, store: &mut Store<T>, request: bool) {
        if !request {
            let ticks = match self.command_timeout {
                Some(t) => (t.as_nanos() / TICK.as_nanos()).clamp(1, u64::MAX as u128 / 2) as u64,
                None => u64::MAX / 2,
            };
            store.set_epoch_deadline(ticks);
            store.epoch_deadline_trap();
            return;
        }
        let deadline = std::time::Instant::now() + self.request_timeout;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            Ok(if std::time::Instant::now() >= deadline {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Yield(1)
            })
        });
    }

    /// Says which limit a failed instance hit, if it was one of these (`request`: it was
    /// handling a request or a message, else running a command or a call).
    pub fn explain(&self, error: &wasmtime::Error, request: bool) -> Option<String> {
        if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
            return Some(match (request, self.command_timeout) {
                (false, Some(t)) => format!("it ran past the time limit of {t:?} (`--timeout`)"),
                _ => format!(
                    "the request ran past the time limit of {:?} (`--timeout`)",
                    self.request_timeout
                ),
            });
        }
        let text = format!("{error:?}");
        text.contains("forcing trap when growing memory").then(|| {
            format!(
                "the component needed more than the memory limit of {} MiB (`--memory-limit`)",
                self.memory >> 20
            )
        })
    }
}

/// Advances `engine`'s epoch every [`TICK`] for as long as the engine lives.
pub(crate) fn start_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::spawn(move || {
        while let Some(engine) = weak.upgrade() {
            engine.increment_epoch();
            drop(engine);
            std::thread::sleep(TICK);
        }
    });
}
