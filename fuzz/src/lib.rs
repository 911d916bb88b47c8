//! Fuzzing for wash on stable Rust: no libFuzzer, no nightly. Each [`Target`] makes inputs
//! from a seeded PRNG (wasm-smith modules and components, components encoded from random WIT
//! worlds, documented TOML and JSON examples, and byte-level mutations of all of them), runs one
//! of wash's entry points on each under `catch_unwind`, and checks the properties the target
//! states. A panic, a failed property or an absurd allocation is a finding: the input is
//! written to `fuzz/crashes/` to be replayed, fixed, and kept in `fuzz/regressions/`.
//!
//! The loop is single-threaded and deterministic for a seed (apart from the signing keys,
//! which are made fresh per run): `wash-fuzz TARGET --seconds N --seed S` repeats a run.

pub mod input;
pub mod mutate;
pub mod rng;
pub mod targets;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub use rng::Rng;
pub use targets::{TARGETS, Target};

/// The largest single allocation an execution may ask for. Every input here is at most a few
/// hundred KiB: a parser asking for more trusted a length field it had not checked.
pub const ALLOCATION_LIMIT: usize = 256 << 20;

/// The system allocator, noting the largest request made while an execution runs (on the
/// thread running it). Requests are never refused: a lazily zeroed 4 GiB `calloc` costs
/// nothing, and refusing would abort the whole run instead of reporting the input.
struct Guard;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // `const` and destructor-free: reading it never allocates.
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

fn note(size: usize) {
    if ARMED.try_with(Cell::get).unwrap_or(false) {
        LARGEST.fetch_max(size, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for Guard {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded as given.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded as given.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: forwarded as given.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as given.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Guard = Guard;

/// What went wrong on one input.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The panic message (with its location) or the allocation noted.
    pub message: String,
}

/// The last panic's message and location, recorded by the quiet hook.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Runs `target` on `input` once: `Err` when it panics (a failed property panics too) or
/// asks for more than [`ALLOCATION_LIMIT`] bytes at once.
pub fn execute(target: &Target, input: &[u8]) -> Result<(), Finding> {
    LARGEST.store(0, Ordering::Relaxed);
    ARMED.with(|a| a.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(|| (target.execute)(input)));
    ARMED.with(|a| a.set(false));
    let largest = LARGEST.load(Ordering::Relaxed);
    match result {
        Err(payload) => {
            let recorded = LAST_PANIC.lock().map(|mut p| p.take()).ok().flatten();
            let message = recorded.unwrap_or_else(|| {
                payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "panic with a non-string payload".into())
            });
            Err(Finding { message })
        }
        Ok(()) if largest > ALLOCATION_LIMIT => Err(Finding {
            message: format!(
                "asked for {largest} bytes in one allocation on a {}-byte input",
                input.len()
            ),
        }),
        Ok(()) => Ok(()),
    }
}

/// Replaces the panic hook with one that records the message instead of printing it (the
/// fuzzer reports findings itself), for as long as the returned value lives.
pub fn quiet_panics() -> impl Drop {
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = panic::take_hook();
        }
    }
    panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(format!("{message}{location}"));
        }
    }));
    Restore
}

/// How long and from where to fuzz one target.
#[derive(Debug, Clone)]
pub struct FuzzOptions {
    /// The time budget.
    pub duration: Duration,
    /// The PRNG seed.
    pub seed: u64,
    /// Where a crashing input is written (`TARGET-<hash>.bin`); `None` keeps it in memory.
    pub crash_dir: Option<PathBuf>,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Stats {
    /// The target.
    pub target: &'static str,
    /// Inputs executed.
    pub executions: u64,
    /// Time spent.
    pub elapsed: Duration,
    /// The finding that stopped the run, if one did.
    pub crash: Option<Crash>,
}

/// An input that failed, and where it was kept.
#[derive(Debug, Clone)]
pub struct Crash {
    /// What failed.
    pub finding: Finding,
    /// The input.
    pub input: Vec<u8>,
    /// The file it was written to.
    pub file: Option<PathBuf>,
    /// The iteration that produced it.
    pub iteration: u64,
}

/// Fuzzes `target` until the time is up or an input fails (the run stops at the first).
pub fn fuzz(target: &'static Target, options: &FuzzOptions) -> Stats {
    let _quiet = quiet_panics();
    let start = Instant::now();
    let mut g = input::Gen::new(options.seed);
    let mut executions = 0;
    while start.elapsed() < options.duration {
        let input = (target.generate)(&mut g);
        executions += 1;
        if let Err(finding) = execute(target, &input) {
            let file = options
                .crash_dir
                .as_deref()
                .and_then(|dir| write_crash(dir, target.name, &input));
            return Stats {
                target: target.name,
                executions,
                elapsed: start.elapsed(),
                crash: Some(Crash {
                    finding,
                    input,
                    file,
                    iteration: executions,
                }),
            };
        }
        g.keep(input);
    }
    Stats {
        target: target.name,
        executions,
        elapsed: start.elapsed(),
        crash: None,
    }
}

fn write_crash(dir: &Path, target: &str, input: &[u8]) -> Option<PathBuf> {
    let digest = wash::artifact::sha256_digest(input);
    let hex = digest.trim_start_matches("sha256:");
    let path = dir.join(format!("{target}-{}.bin", &hex[..16]));
    std::fs::create_dir_all(dir).ok()?;
    std::fs::write(&path, input).ok()?;
    Some(path)
}

/// The target named `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// The target a regression file belongs to: its name up to the first `-` (`virt-truncated.bin`
/// is replayed by `virt`).
pub fn target_of_file(path: &Path) -> Option<&'static Target> {
    let stem = path.file_stem()?.to_str()?;
    target(stem.split('-').next()?)
}
