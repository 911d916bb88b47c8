//! Running a component plugin: compiled once per process, instantiated afresh for each call,
//! sandboxed as `wash run` sandboxes a component ([`crate::run::sandbox`]) with only the grants
//! recorded at install time, under the same memory limiter and epoch deadline.

use std::path::{Path, PathBuf};
use std::time::Duration;

use wasmtime::component::{Component, Linker, ResourceTable, types::ComponentItem};
use wasmtime::{Engine, Store, StoreLimits, Trap};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::manifest::{Grants, HOOK_TIMEOUT, Hook};
use super::{INTERFACE, Invocation, PluginError};
use crate::run::{Compiler, HttpPolicy, Limits};

mod bindings {
    wasmtime::component::bindgen!({
        path: "crates/wash-sdk/wit/deps/plugin.wit",
        world: "wash:plugin/wash-plugin",
        exports: { default: async },
    });
}

pub use bindings::wash::plugin::types::{BuildPlan, Component as BuiltComponent, Context, Push};
use bindings::{WashPluginPre as PluginPre, wash::plugin::types};

/// What a component plugin says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// The subcommand.
    pub name: String,
    /// Its version.
    pub version: String,
    /// One line.
    pub description: String,
    /// `wash NAME --help`.
    pub usage: String,
    /// The hooks to call.
    pub hooks: Vec<Hook>,
}

/// A compiled, linked component plugin.
pub struct WasmPlugin {
    engine: Engine,
    pre: PluginPre<PluginHost>,
    /// Its name, for errors (the file name until the metadata is known).
    name: String,
    grants: Grants,
}

/// Per-instance host state: WASI and outgoing HTTP, as granted.
struct PluginHost {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    policy: HttpPolicy,
    table: ResourceTable,
    limits: StoreLimits,
}

impl WasiView for PluginHost {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for PluginHost {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.policy,
        }
    }
}

/// Where a call's standard output goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stdout {
    /// wash's standard output: a subcommand's output is the command's.
    Inherit,
    /// wash's standard error: a hook must not mix into `--json` output.
    ToStderr,
}

/// Checks that `bytes`' exports hold the plugin interface of the version this wash speaks.
pub fn check_world(path: &Path, exports: &[String]) -> Result<(), PluginError> {
    if exports.iter().any(|e| e == INTERFACE) {
        return Ok(());
    }
    if let Some(other) = exports
        .iter()
        .find(|e| e.starts_with("wash:plugin/plugin@") || *e == "wash:plugin/plugin")
    {
        return Err(PluginError::WorldVersion {
            path: path.to_path_buf(),
            found: other.clone(),
        });
    }
    Err(PluginError::NotAPlugin {
        path: path.to_path_buf(),
        why: format!(
            "it does not export `{INTERFACE}` (its exports: {})",
            if exports.is_empty() {
                "none".to_string()
            } else {
                exports.join(", ")
            }
        ),
    })
}

impl WasmPlugin {
    /// Compiles and links the component at `path` (wasmtime's on-disk cache makes the second
    /// time quick), refusing it unless it exports this wash's plugin interface.
    pub fn load(path: &Path, name: &str, grants: &Grants) -> Result<WasmPlugin, PluginError> {
        let load_err = |source: wasmtime::Error| PluginError::Load {
            path: path.to_path_buf(),
            source: source.into_boxed_dyn_error(),
        };
        let engine = crate::run::engine::single(Compiler::Optimizing).map_err(load_err)?;
        let component = Component::from_file(&engine, path).map_err(load_err)?;
        let exports: Vec<String> = component
            .component_type()
            .exports(&engine)
            .filter(|(_, item)| matches!(item.ty, ComponentItem::ComponentInstance(_)))
            .map(|(name, _)| name.to_string())
            .collect();
        check_world(path, &exports)?;
        let mut linker = Linker::<PluginHost>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(load_err)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(load_err)?;
        let pre = linker
            .instantiate_pre(&component)
            .and_then(PluginPre::new)
            .map_err(load_err)?;
        crate::run::limits::start_ticker(&engine);
        Ok(WasmPlugin {
            engine,
            pre,
            name: name.to_string(),
            grants: grants.clone(),
        })
    }

    /// Asks the plugin what it is, with no grants at all (it runs at install time).
    pub async fn metadata(&self) -> Result<Metadata, PluginError> {
        let call = "metadata";
        let mut store = self.store(None, &[], Stdout::ToStderr, Some(HOOK_TIMEOUT))?;
        let plugin = self.instantiate(&mut store, call).await?;
        let m = plugin
            .wash_plugin_plugin()
            .call_describe(&mut store)
            .await
            .map_err(|e| self.guest_error(call, e))?;
        Ok(Metadata {
            name: m.name,
            version: m.version,
            description: m.description,
            usage: m.usage,
            hooks: m.hooks.into_iter().map(hook_of).collect(),
        })
    }

    /// `wash NAME ARGS…`.
    pub async fn run(&self, inv: &Invocation, args: Vec<String>) -> Result<(), PluginError> {
        let call = "run";
        let timeout = self.grants.timeout_secs;
        let mut store = self.store(Some(inv), &args, Stdout::Inherit, timeout)?;
        let plugin = self.instantiate(&mut store, call).await?;
        let context = self.context(inv);
        plugin
            .wash_plugin_plugin()
            .call_run(&mut store, &context, &args)
            .await
            .map_err(|e| self.guest_error(call, e))?
            .map_err(|message| PluginError::Failed {
                plugin: self.name.clone(),
                message,
            })
    }

    /// Calls a hook with what wash knows at that point; an `Err` from the plugin is a veto.
    pub async fn hook(
        &self,
        inv: &Invocation,
        context: &Context,
        call: &HookCall,
    ) -> Result<(), PluginError> {
        let hook = call.hook();
        let timeout = Some(self.grants.timeout_secs.unwrap_or(HOOK_TIMEOUT));
        let mut store = self.store(Some(inv), &[], Stdout::ToStderr, timeout)?;
        let plugin = self.instantiate(&mut store, hook.name()).await?;
        let guest = plugin.wash_plugin_plugin();
        let answer = match call {
            HookCall::BeforeBuild(plan) => guest.call_before_build(&mut store, context, plan).await,
            HookCall::AfterBuild(c) => guest.call_after_build(&mut store, context, c).await,
            HookCall::BeforePush(p) => guest.call_before_push(&mut store, context, p).await,
            HookCall::AfterPush(p) => guest.call_after_push(&mut store, context, p).await,
        };
        answer
            .map_err(|e| self.guest_error(hook.name(), e))?
            .map_err(|message| PluginError::Veto {
                plugin: self.name.clone(),
                hook: hook.name().to_string(),
                subject: hook.subject().to_string(),
                message,
            })
    }

    /// What the context record says for this plugin in `inv`.
    pub fn context(&self, inv: &Invocation) -> Context {
        Context {
            wash_version: env!("CARGO_PKG_VERSION").to_string(),
            project_dir: inv.project_dir.as_ref().map(|p| p.display().to_string()),
            target_dir: inv.target_dir.as_ref().map(|p| p.display().to_string()),
            project_mount: (self.grants.project && inv.project_dir.is_some())
                .then(|| PROJECT_MOUNT.to_string()),
            json: inv.json,
            config: inv.config_of(&self.name),
        }
    }

    /// A store with the plugin's grants (none when `inv` is `None`: the install-time call).
    fn store(
        &self,
        inv: Option<&Invocation>,
        args: &[String],
        stdout: Stdout,
        timeout: Option<f64>,
    ) -> Result<Store<PluginHost>, PluginError> {
        let mut grants = match inv {
            Some(inv) => self.run_grants(inv, args),
            None => crate::run::Grants::default(),
        };
        // The deadline of this call, whatever the grants say for others.
        grants.limits = self.limits(timeout);
        let mut wasi = crate::run::sandbox(&grants, &self.name).map_err(|e| PluginError::Load {
            path: PathBuf::from(&self.name),
            source: Box::new(e),
        })?;
        wasi.inherit_stdin().inherit_stderr();
        match stdout {
            Stdout::Inherit => wasi.inherit_stdout(),
            Stdout::ToStderr => wasi.stdout(wasmtime_wasi::cli::stderr()),
        };
        let host = PluginHost {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            policy: HttpPolicy::allowing(&grants.allow_http),
            table: ResourceTable::new(),
            limits: grants.limits.store_limits(),
        };
        let mut store = Store::new(&self.engine, host);
        store.limiter(|h| &mut h.limits);
        grants.limits.apply_deadline(&mut store, timeout.is_some());
        Ok(store)
    }

    /// The install-time grants, made concrete for this run: the project folder, the values of
    /// the granted variables now.
    fn run_grants(&self, inv: &Invocation, args: &[String]) -> crate::run::Grants {
        let g = &self.grants;
        let mut dirs: Vec<crate::run::DirGrant> = g
            .dirs
            .iter()
            .map(|d| crate::run::DirGrant {
                host: d.host.clone(),
                guest: d.guest.clone(),
                read_only: d.read_only,
            })
            .collect();
        if let (true, Some(project)) = (g.project, &inv.project_dir) {
            dirs.push(crate::run::DirGrant {
                host: project.clone(),
                guest: PROJECT_MOUNT.into(),
                read_only: true,
            });
        }
        let env = g
            .env
            .iter()
            .filter_map(|k| std::env::var(k).ok().map(|v| (k.clone(), v)))
            .collect();
        crate::run::Grants {
            env,
            allow_http: g.http.clone(),
            allow_net: false,
            dirs,
            args: args.to_vec(),
            limits: Limits::default(),
        }
    }

    fn limits(&self, timeout: Option<f64>) -> Limits {
        Limits {
            memory: self.grants.memory_mib << 20,
            request_timeout: timeout
                .and_then(|t| Duration::try_from_secs_f64(t.max(0.001)).ok())
                .unwrap_or(Duration::MAX),
            command_timeout: None,
        }
    }

    async fn instantiate(
        &self,
        store: &mut Store<PluginHost>,
        call: &str,
    ) -> Result<bindings::WashPlugin, PluginError> {
        self.pre
            .instantiate_async(store)
            .await
            .map_err(|e| self.guest_error(call, e))
    }

    /// The error of a failed call: the trap or failure itself, without the guest's backtrace
    /// (a screen of mangled frames that only the plugin's author could use).
    fn guest_error(&self, call: &str, e: wasmtime::Error) -> PluginError {
        PluginError::Guest {
            plugin: self.name.clone(),
            call: call.to_string(),
            limit: self.explain(&e),
            source: e.root_cause().to_string().into(),
        }
    }

    /// Which limit a failed call hit, if one did.
    fn explain(&self, e: &wasmtime::Error) -> Option<String> {
        if e.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
            let secs = self.grants.timeout_secs.unwrap_or(HOOK_TIMEOUT);
            return Some(format!("it ran past its time limit of {secs} s"));
        }
        format!("{e:?}")
            .contains("forcing trap when growing memory")
            .then(|| {
                format!(
                    "it needed more than its memory limit of {} MiB",
                    self.grants.memory_mib
                )
            })
    }
}

/// Where `--grant project` shows the workspace to the plugin.
pub const PROJECT_MOUNT: &str = "/project";

/// A hook, with what it is told.
pub enum HookCall {
    /// Before cargo runs.
    BeforeBuild(BuildPlan),
    /// After a component is finished.
    AfterBuild(BuiltComponent),
    /// Before a push.
    BeforePush(Push),
    /// After a push.
    AfterPush(Push),
}

impl HookCall {
    /// Which hook this is.
    pub fn hook(&self) -> Hook {
        match self {
            HookCall::BeforeBuild(_) => Hook::BeforeBuild,
            HookCall::AfterBuild(_) => Hook::AfterBuild,
            HookCall::BeforePush(_) => Hook::BeforePush,
            HookCall::AfterPush(_) => Hook::AfterPush,
        }
    }
}

fn hook_of(h: types::Hook) -> Hook {
    match h {
        types::Hook::BeforeBuild => Hook::BeforeBuild,
        types::Hook::AfterBuild => Hook::AfterBuild,
        types::Hook::BeforePush => Hook::BeforePush,
        types::Hook::AfterPush => Hook::AfterPush,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_world_version_is_checked_by_name() {
        let p = Path::new("p.wasm");
        assert!(check_world(p, &[INTERFACE.to_string()]).is_ok());
        let err = check_world(p, &["wash:plugin/plugin@0.2.0".into()]).unwrap_err();
        assert!(
            matches!(err, PluginError::WorldVersion { ref found, .. } if found == "wash:plugin/plugin@0.2.0")
        );
        assert!(err.to_string().contains("speaks wash:plugin@0.1.0"));
        let err = check_world(p, &["wasi:cli/run@0.2.0".into()]).unwrap_err();
        assert!(matches!(err, PluginError::NotAPlugin { .. }));
    }
}
