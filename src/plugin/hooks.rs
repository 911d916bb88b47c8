//! The hooks of installed component plugins, called around builds and pushes. Plugins are
//! called in name order; each plugin is compiled the first time one of its hooks fires, and
//! each call gets a fresh instance. The first veto (or failure) stops the work: later plugins
//! are not called for that hook.

use std::cell::OnceCell;
use std::path::PathBuf;

use super::manifest::Hook;
use super::wasm::{BuildPlan, BuiltComponent, HookCall, Push, WasmPlugin};
use super::{Installed, Invocation, Kind, PluginError};

/// The installed plugins that take part in builds and pushes.
pub struct PluginHooks {
    plugins: Vec<(Installed, OnceCell<WasmPlugin>)>,
    json: bool,
}

/// Where a hook fires: the workspace and the settings of the package at hand.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// The workspace root.
    pub project_dir: Option<PathBuf>,
    /// Cargo's target directory.
    pub target_dir: Option<PathBuf>,
    /// `[package.metadata.wasmcloud.plugins]` of the package at hand.
    pub plugin_config: serde_json::Map<String, serde_json::Value>,
}

/// A finished component file, as the hooks are told of it.
#[derive(Debug, Clone)]
pub struct ComponentFile {
    /// The package it was built from, when known.
    pub package: Option<String>,
    /// The file.
    pub path: PathBuf,
}

impl PluginHooks {
    /// None: builds and pushes run no plugin.
    pub fn none() -> PluginHooks {
        PluginHooks {
            plugins: Vec::new(),
            json: false,
        }
    }

    /// The installed component plugins that list any hook. `json`: whether the user asked
    /// for `--json` (the hooks' context says so).
    pub fn installed(json: bool) -> Result<PluginHooks, PluginError> {
        let plugins = super::installed()?
            .into_iter()
            .filter(|p| p.manifest.kind == Kind::Wasm && !p.manifest.hooks.is_empty())
            .map(|p| (p, OnceCell::new()))
            .collect();
        Ok(PluginHooks { plugins, json })
    }

    /// Whether any plugin takes `hook`.
    pub fn has(&self, hook: Hook) -> bool {
        self.plugins
            .iter()
            .any(|(p, _)| p.manifest.hooks.contains(&hook))
    }

    /// `before-build`, with the packages selected.
    pub fn before_build(
        &self,
        site: &Site,
        packages: Vec<String>,
        release: bool,
    ) -> Result<(), PluginError> {
        let profile = if release { "release" } else { "debug" }.to_string();
        self.call(
            site,
            &HookCall::BeforeBuild(BuildPlan { packages, profile }),
        )
    }

    /// `after-build`, for one finished component.
    pub fn after_build(&self, site: &Site, file: &ComponentFile) -> Result<(), PluginError> {
        if !self.has(Hook::AfterBuild) {
            return Ok(());
        }
        self.call(site, &HookCall::AfterBuild(component(file)?))
    }

    /// `before-push`.
    pub fn before_push(
        &self,
        site: &Site,
        reference: &str,
        file: &ComponentFile,
    ) -> Result<(), PluginError> {
        self.push(site, reference, file, None)
    }

    /// `after-push`, with the manifest digest the registry accepted.
    pub fn after_push(
        &self,
        site: &Site,
        reference: &str,
        file: &ComponentFile,
        digest: &str,
    ) -> Result<(), PluginError> {
        self.push(site, reference, file, Some(digest))
    }

    /// A push hook: `before-push` without a digest, `after-push` with one.
    fn push(
        &self,
        site: &Site,
        reference: &str,
        file: &ComponentFile,
        digest: Option<&str>,
    ) -> Result<(), PluginError> {
        let hook = match digest {
            None => Hook::BeforePush,
            Some(_) => Hook::AfterPush,
        };
        if !self.has(hook) {
            return Ok(());
        }
        let push = Push {
            reference: reference.to_string(),
            component: component(file)?,
            digest: digest.map(str::to_string),
        };
        self.call(
            site,
            &match digest {
                None => HookCall::BeforePush(push),
                Some(_) => HookCall::AfterPush(push),
            },
        )
    }

    /// Calls every plugin that takes the hook, in name order, until one says no.
    fn call(&self, site: &Site, call: &HookCall) -> Result<(), PluginError> {
        let hook = call.hook();
        let mut runtime = None;
        for (installed, compiled) in &self.plugins {
            if !installed.manifest.hooks.contains(&hook) {
                continue;
            }
            let plugin = match compiled.get() {
                Some(p) => p,
                None => {
                    let m = &installed.manifest;
                    let loaded = WasmPlugin::load(&installed.file(), &m.name, &m.grants)?;
                    compiled.get_or_init(|| loaded)
                }
            };
            let inv = Invocation {
                project_dir: site.project_dir.clone(),
                target_dir: site.target_dir.clone(),
                json: self.json,
                plugin_config: site.plugin_config.clone(),
                ..Invocation::default()
            };
            let context = plugin.context(&inv);
            let runtime = match &mut runtime {
                Some(rt) => rt,
                None => runtime.insert(crate::oci::runtime().map_err(|e| PluginError::Io {
                    doing: "start a runtime for",
                    path: installed.file(),
                    source: e,
                })?),
            };
            runtime.block_on(plugin.hook(&inv, &context, call))?;
        }
        Ok(())
    }
}

/// What a hook is told of a component file: its bytes are read now.
fn component(file: &ComponentFile) -> Result<BuiltComponent, PluginError> {
    let bytes = std::fs::read(&file.path).map_err(PluginError::io("read", &file.path))?;
    Ok(BuiltComponent {
        package: file.package.clone(),
        path: file.path.display().to_string(),
        size: bytes.len() as u64,
        digest: crate::artifact::sha256_digest(&bytes),
        bytes,
    })
}
