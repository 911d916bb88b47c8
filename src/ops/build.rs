//! `wash build`, with the installed plugins' hooks around it: `before-build` before cargo
//! runs, `after-build` for each finished component. Every command that builds (`run`, `push`,
//! `deploy`, `dev`) builds through here.

use super::OpError;
use crate::build::{self, Build, BuildOptions, Reporter};
use crate::plugin::Hook;
use crate::plugin::hooks::{ComponentFile, PluginHooks, Site};
use crate::project::Project;

/// Builds with the hooks of the installed plugins; `json` tells them whether `--json` was
/// asked.
pub fn build(opts: &BuildOptions, json: bool, reporter: &dyn Reporter) -> Result<Build, OpError> {
    let hooks = PluginHooks::installed(json)?;
    build_with(opts, &hooks, reporter)
}

/// Builds, calling `hooks` around it. A veto is the build's error; a component already
/// placed when an `after-build` hook says no stays where it is, as cargo leaves what it built
/// before a later step fails.
pub fn build_with(
    opts: &BuildOptions,
    hooks: &PluginHooks,
    reporter: &dyn Reporter,
) -> Result<Build, OpError> {
    if hooks.has(Hook::BeforeBuild) {
        // Only with such a hook is the project read before cargo starts: a build without one
        // starts cargo while the metadata is read (build::compile).
        let project = Project::load(&opts.selection)?;
        let mut packages = project.packages();
        let config = match (packages.next(), packages.next()) {
            (Some(one), None) => crate::plugin::plugin_tables(one),
            _ => Default::default(),
        };
        let site = Site {
            project_dir: Some(project.metadata.workspace_root.clone().into_std_path_buf()),
            target_dir: Some(project.target_dir().to_path_buf()),
            plugin_config: config,
        };
        let names = project.packages().map(|p| p.name.to_string()).collect();
        hooks.before_build(&site, names, opts.release)?;
    }
    let built = build::build(opts, reporter)?;
    if hooks.has(Hook::AfterBuild) {
        for c in &built.components {
            let site = Site {
                project_dir: Some(built.workspace_root.clone()),
                target_dir: built.output_dir.parent().map(|p| p.to_path_buf()),
                plugin_config: built
                    .configs
                    .get(&c.package)
                    .map(|c| c.plugins.clone())
                    .unwrap_or_default(),
            };
            let file = ComponentFile {
                package: Some(c.package.clone()),
                path: c.path.clone(),
            };
            hooks.after_build(&site, &file)?;
        }
    }
    Ok(built)
}
