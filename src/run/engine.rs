//! The engine `wash run` compiles and runs components on: the component model, epoch
//! interruption for the time limit, wasmtime's on-disk compile cache, and — where the machine
//! lets a process reserve the address space — the pooling instance allocator, which takes each
//! request's instance from pre-reserved slots instead of mapping and unmapping memory per
//! request (as `wasmtime serve` does).

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Strategy};

/// Which of wasmtime's compilers turns the component into machine code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compiler {
    /// Cranelift: slower to compile, fast code. `wash run`.
    Optimizing,
    /// Winch, the baseline compiler: about twice as fast to compile, slower code. `wash dev`,
    /// where the next edit comes sooner than the code's speed matters.
    Baseline,
}

/// The most instances alive at once in this process; past it, a request or message waits in
/// [`admit`] for one to finish.
pub const MAX_INSTANCES: u32 = 100;

/// Waits for room for one more instance; the room is freed when the permit is dropped, which
/// is to be after the instance's store. The pool of every engine has slots for
/// [`MAX_INSTANCES`], so with this no instantiation fails for want of a slot, across swaps too.
pub(super) async fn admit() -> tokio::sync::OwnedSemaphorePermit {
    static INSTANCES: std::sync::LazyLock<std::sync::Arc<tokio::sync::Semaphore>> =
        std::sync::LazyLock::new(|| {
            std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_INSTANCES as usize))
        });
    INSTANCES
        .clone()
        .acquire_owned()
        .await
        .expect("the semaphore is never closed")
}

/// Slots per instance in the pools of core instances, memories and tables, for components
/// made of several core modules.
const SLOTS_PER_INSTANCE: u32 = 10;

/// The engine of one run: pooled when the pool's address space (a 4 GiB reservation per
/// memory slot) can be reserved, as under most `ulimit -v` settings it can; else instances are
/// allocated on demand.
pub(super) fn engine(compiler: Compiler) -> wasmtime::Result<Engine> {
    let mut pooled = config(compiler);
    let mut pool = PoolingAllocationConfig::default();
    let slots = MAX_INSTANCES * SLOTS_PER_INSTANCE;
    pool.total_component_instances(MAX_INSTANCES)
        .total_core_instances(slots)
        .total_memories(slots)
        .total_tables(slots)
        .total_stacks(MAX_INSTANCES);
    pooled.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&pooled).or_else(|_| Engine::new(&config(compiler)))
}

/// An engine without the pool, for a process that runs one instance at a time (a plugin).
pub(crate) fn single(compiler: Compiler) -> wasmtime::Result<Engine> {
    Engine::new(&config(compiler))
}

fn config(compiler: Compiler) -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.strategy(match compiler {
        Compiler::Optimizing => Strategy::Cranelift,
        Compiler::Baseline => Strategy::Winch,
    });
    // The time limit: a ticker advances the epoch, and a request past its deadline traps.
    config.epoch_interruption(true);
    // Reusing compiled code makes the second `wash run` of the same build start at once.
    if let Ok(cache) = wasmtime::Cache::from_file(None) {
        config.cache(Some(cache));
    }
    config
}
