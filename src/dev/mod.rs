//! `wash dev`: build, then serve (HTTP, messages) or run (a command), then watch the crate's
//! sources and rebuild on every change. A served component is swapped in behind the same
//! listener and subscriptions: requests and messages during a rebuild are handled by the old
//! version, and a failed build leaves it serving (cargo prints its errors). A command component
//! runs again after each good build.

mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::build::{Build, BuildError, BuildOptions, BuiltComponent, Reporter};
use crate::hint::Hint;
use crate::ops::run::{CapabilityFlags, RunEvents};
use crate::project::{Project, ProjectError};
use crate::run::{
    self, Capabilities, Compiler, ComponentKind, Grants, GuestLog, Loaded, RunError, ServeEvents,
};

/// A rebuilt app, loaded: the component, its subscriptions, and how long it took.
type Rebuilt = (BuiltComponent, Loaded, Vec<String>, Duration);

pub use watch::DEBOUNCE;

/// What to develop.
#[derive(Debug, Clone)]
pub struct DevRequest {
    /// The crate to build.
    pub build: BuildOptions,
    /// What the component may see.
    pub grants: Grants,
    /// Where an HTTP component is served.
    pub addr: SocketAddr,
    /// `--config`, `--log-level`, `--keyvalue`, `--blobstore` (the stores outlive every swap).
    pub capabilities: CapabilityFlags,
}

/// What `wash dev` tells its caller as it goes (besides serving and hosting, [`RunEvents`]).
pub trait DevEvents: RunEvents {
    /// Watching these folders and files for changes.
    fn watching(&self, roots: &[PathBuf]);
    /// These files changed: rebuilding.
    fn rebuilding(&self, changed: &[PathBuf]);
    /// The rebuild succeeded and the new component is in place.
    fn rebuilt(&self, app: &BuiltComponent, took: Duration);
    /// A rebuild (or a command's run) failed; the previous component stays.
    fn failed(&self, error: &DevError);
    /// A command component ran and exited with this code.
    fn exited(&self, code: i32);
}

/// What can stop `wash dev`.
#[derive(Debug, thiserror::Error)]
pub enum DevError {
    /// The project could not be read.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// A build failed.
    #[error(transparent)]
    Build(#[from] Box<BuildError>),
    /// A plugin's hook stopped the build, or failed.
    #[error(transparent)]
    Plugin(#[from] crate::plugin::PluginError),
    /// Another step of a build failed.
    #[error(transparent)]
    Op(Box<crate::ops::OpError>),
    /// The component could not be loaded or run.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The sources cannot be watched.
    #[error("cannot watch the sources for changes")]
    Watch(#[source] notify::Error),
    /// The async runtime could not start.
    #[error("could not start the async runtime")]
    Runtime(#[source] std::io::Error),
}

impl From<BuildError> for DevError {
    fn from(e: BuildError) -> DevError {
        DevError::Build(Box::new(e))
    }
}

impl Hint for DevError {
    fn hint(&self) -> Option<String> {
        match self {
            DevError::Project(e) => e.hint(),
            DevError::Build(e) => e.hint(),
            DevError::Plugin(e) => e.hint(),
            DevError::Op(e) => e.hint(),
            DevError::Run(e) => e.hint(),
            DevError::Watch(_) => {
                Some("on Linux, raise fs.inotify.max_user_watches if it is exhausted".into())
            }
            DevError::Runtime(_) => None,
        }
    }
}

/// Builds, serves or runs, and rebuilds on change until Ctrl-C. The first build must succeed
/// (there is nothing to serve before it); later failures are reported and survived.
pub fn dev(
    request: &DevRequest,
    reporter: &dyn Reporter,
    events: Arc<dyn DevEvents>,
) -> Result<(), DevError> {
    let project = Project::load(&request.build.selection)?;
    let built = hooked_build(request, reporter)?;
    let app = built.app()?.clone();
    let (tx, changes) = std::sync::mpsc::channel();
    let roots = watch::roots(&project);
    let _watcher =
        watch::start(&roots, project.target_dir().to_path_buf(), tx).map_err(DevError::Watch)?;
    events.watching(&roots);
    let loaded = run::load_with(&app.path, Compiler::Baseline)?;
    let options = request.capabilities.for_build(&built, &app);
    let log: Arc<dyn GuestLog> = events.clone();
    let tokio = tokio::runtime::Runtime::new().map_err(DevError::Runtime)?;
    let caps = tokio
        .block_on(Capabilities::connect(&options, log))
        .map_err(RunError::from)?;
    events.hosting(&run::host::backends(
        &loaded.imports,
        loaded.handles_messages,
        &options,
    ));
    let caps = Arc::new(caps);
    match loaded.kind {
        ComponentKind::HttpProxy | ComponentKind::MessageHandler => {
            serve(request, &loaded, caps, changes, events, &tokio)
        }
        ComponentKind::Command => rerun(request, loaded, caps, changes, events, &tokio),
    }
}

/// A build with the installed plugins' hooks around it, as every build wash does.
fn hooked_build(request: &DevRequest, reporter: &dyn Reporter) -> Result<Build, DevError> {
    let hooks = crate::plugin::hooks::PluginHooks::installed(false)?;
    crate::ops::build::build_with(&request.build, &hooks, reporter).map_err(|e| match e {
        crate::ops::OpError::Build(e) => DevError::Build(e),
        crate::ops::OpError::Plugin(e) => DevError::Plugin(e),
        crate::ops::OpError::Project(e) => DevError::Project(e),
        other => DevError::Op(Box::new(other)),
    })
}

/// Builds the app, with its subscriptions (the flags', else its Cargo.toml's).
fn build_app(
    request: &DevRequest,
    reporter: &dyn Reporter,
) -> Result<(BuiltComponent, Vec<String>), DevError> {
    let built: Build = hooked_build(request, reporter)?;
    let app = built.app()?.clone();
    let subscriptions = request.capabilities.for_build(&built, &app).subscriptions;
    Ok((app, subscriptions))
}

/// Serves, swapping in each good rebuild, until Ctrl-C. The rebuilds run on a thread of their
/// own; on Ctrl-C a rebuild under way is let finish, so no cargo is left running.
fn serve(
    request: &DevRequest,
    loaded: &Loaded,
    caps: Arc<Capabilities>,
    changes: Receiver<Vec<PathBuf>>,
    events: Arc<dyn DevEvents>,
    tokio: &tokio::runtime::Runtime,
) -> Result<(), DevError> {
    let (swap, swaps) = tokio::sync::mpsc::unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    let rebuilder = {
        let (request, events, stop) = (request.clone(), events.clone(), stop.clone());
        std::thread::spawn(move || {
            while let Some(changed) = next_change(&changes, &stop) {
                let Some((app, loaded, subscriptions, took)) =
                    rebuild(&request, &changed, events.as_ref())
                else {
                    continue;
                };
                let (done, swapped) = tokio::sync::oneshot::channel();
                let swapping = run::Swap {
                    loaded,
                    subscriptions,
                    done,
                };
                if swap.send(swapping).is_err() {
                    return;
                }
                // Reported once new requests reach the new component.
                match swapped.blocking_recv() {
                    Ok(Ok(())) => events.rebuilt(&app, took),
                    Ok(Err(e)) => events.failed(&DevError::Run(e)),
                    Err(_) => return,
                }
            }
        })
    };
    let serve_events: Arc<dyn ServeEvents> = events;
    let served = tokio.block_on(run::serve_swappable(
        loaded,
        request.grants.clone(),
        caps,
        request.addr,
        serve_events,
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
        Some(swaps),
    ));
    stop.store(true, Ordering::Relaxed);
    let _ = rebuilder.join();
    Ok(served?)
}

/// Runs the command, then again after each good rebuild, until Ctrl-C.
fn rerun(
    request: &DevRequest,
    mut loaded: Loaded,
    caps: Arc<Capabilities>,
    changes: Receiver<Vec<PathBuf>>,
    events: Arc<dyn DevEvents>,
    tokio: &tokio::runtime::Runtime,
) -> Result<(), DevError> {
    // Ctrl-C ends the wait for changes; while the command runs, it ends the run too.
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        tokio.spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stop.store(true, Ordering::Relaxed);
        });
    }
    loop {
        let ran = tokio.block_on(async {
            tokio::select! {
                ran = run::run_command(&loaded, &request.grants, &caps, "") => Some(ran),
                _ = tokio::signal::ctrl_c() => None,
            }
        });
        match ran {
            None => return Ok(()),
            Some(Ok(code)) => events.exited(code),
            Some(Err(e)) => events.failed(&DevError::Run(e)),
        }
        loop {
            let Some(changed) = next_change(&changes, &stop) else {
                return Ok(());
            };
            if let Some((app, next, _, took)) = rebuild(request, &changed, events.as_ref()) {
                events.rebuilt(&app, took);
                loaded = next;
                break;
            }
        }
    }
}

/// The next change, with every one that follows it until the files have been quiet for
/// [`DEBOUNCE`] (an editor saving five files, a `git checkout`: one rebuild); `None` once `stop`
/// is set.
fn next_change(changes: &Receiver<Vec<PathBuf>>, stop: &AtomicBool) -> Option<Vec<PathBuf>> {
    let mut changed = loop {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        match changes.recv_timeout(Duration::from_millis(100)) {
            Ok(paths) => break paths,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    };
    loop {
        match changes.recv_timeout(DEBOUNCE) {
            Ok(paths) => changed.extend(paths),
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
    changed.sort();
    changed.dedup();
    Some(changed)
}

/// Rebuilds and loads the app, with how long that took; `None` (after reporting why) when
/// either fails.
fn rebuild(request: &DevRequest, changed: &[PathBuf], events: &dyn DevEvents) -> Option<Rebuilt> {
    events.rebuilding(changed);
    let started = Instant::now();
    let result = build_app(request, &()).and_then(|(app, subscriptions)| {
        let loaded = run::load_with(&app.path, Compiler::Baseline)?;
        Ok((app, loaded, subscriptions))
    });
    match result {
        Ok((app, loaded, subscriptions)) => Some((app, loaded, subscriptions, started.elapsed())),
        Err(e) => {
            events.failed(&e);
            None
        }
    }
}
