//! `wash plugin`: install, list, inspect and remove plugins.

use std::process::ExitCode;

use anyhow::Context;

use super::progress::TransferBar;
use super::shell::Shell;
use crate::ops::plugin::{self, InstallRequest};
use crate::plugin::Listed;

/// Install, list, inspect and remove plugins: subcommands wash does not have built in
#[derive(Debug, clap::Args)]
#[command(after_help = "\
A plugin is a WebAssembly component of the wash:plugin world (sandboxed: it gets only what \
--grant gives it, and may hook into builds and pushes), or an executable named wash-NAME. \
Installed plugins live in $WASH_HOME/plugins; `wash NAME` also runs a wash-NAME found on PATH. \
See docs/plugins.md.")]
pub struct PluginArgs {
    #[command(subcommand)]
    command: PluginCommand,
}

#[derive(Debug, clap::Subcommand)]
enum PluginCommand {
    /// Install a plugin from a file or a registry reference
    Install {
        /// A component (.wasm), an executable named wash-NAME, or REGISTRY/REPOSITORY:TAG
        source: String,
        /// What a component plugin may use (repeatable): `project` (the crate it runs in,
        /// read-only, at /project), `read=HOST[::GUEST]`, `dir=HOST[::GUEST]` (read and
        /// write), `env=NAME`, `http=HOST[:PORT]` (`*`: any host). Nothing by default
        #[arg(long = "grant", value_name = "GRANT")]
        grants: Vec<String>,
        /// Most memory one call of a component plugin may use, in MiB [default: 512]
        #[arg(long, value_name = "MIB")]
        memory_limit: Option<usize>,
        /// Longest one call may run, in seconds [default: 30 for hooks, none for the
        /// subcommand]
        #[arg(long, value_name = "SECONDS")]
        timeout: Option<f64>,
        /// Replace an installed plugin of the same name
        #[arg(long)]
        force: bool,
        /// Refuse a component unless this key signed it (a name in the key store or a .pub
        /// file; repeatable)
        #[arg(long = "verify-key", value_name = "KEY")]
        verify_keys: Vec<String>,
        /// Use plain HTTP for the registry
        #[arg(long)]
        insecure: bool,
        /// Print the installed plugin as JSON
        #[arg(long)]
        json: bool,
    },
    /// List the installed plugins and the wash-NAME executables on PATH
    List {
        /// Print one JSON object per plugin
        #[arg(long)]
        json: bool,
    },
    /// Show what an installed plugin is and what it may use
    Inspect {
        /// The plugin's name
        name: String,
        /// Print it as JSON
        #[arg(long)]
        json: bool,
    },
    /// Remove an installed plugin
    Remove {
        /// The plugin's name
        name: String,
        /// Print what was removed as JSON
        #[arg(long)]
        json: bool,
    },
}

pub fn exec(shell: &Shell, args: PluginArgs, reserved: Vec<String>) -> anyhow::Result<ExitCode> {
    match args.command {
        PluginCommand::Install {
            source,
            grants,
            memory_limit,
            timeout,
            force,
            verify_keys,
            insecure,
            json,
        } => {
            let request = InstallRequest {
                source: source.clone(),
                grants,
                memory_mib: memory_limit,
                timeout_secs: timeout,
                force,
                reserved,
                verify_keys,
                insecure,
            };
            let done = plugin::install(&request, TransferBar::handle(shell))
                .with_context(|| format!("failed to install the plugin `{source}`"))?;
            let listed = done.plugin.listed();
            if json {
                shell.json(&listed);
            } else {
                shell.status("Installed", headline(&listed));
            }
        }
        PluginCommand::List { json } => {
            let all = plugin::list(&reserved).context("failed to list the plugins")?;
            if json {
                all.iter().for_each(|p| shell.json(p));
            } else if all.is_empty() {
                shell.note("no plugins installed (`wash plugin install FILE|REFERENCE`)");
            } else {
                shell.out(table(&all));
            }
        }
        PluginCommand::Inspect { name, json } => {
            let p = plugin::inspect(&name)?;
            let listed = p.listed();
            if json {
                shell.json(&listed);
            } else {
                shell.out(details(&listed));
            }
        }
        PluginCommand::Remove { name, json } => {
            let p = plugin::remove(&name)
                .with_context(|| format!("failed to remove the plugin `{name}`"))?;
            let listed = p.listed();
            if json {
                shell.json(&listed);
            } else {
                shell.status("Removed", headline(&listed));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `licenses 0.1.0 (wasm, hooks: after-build)`.
fn headline(p: &Listed) -> String {
    let mut text = p.name.clone();
    if let Some(v) = &p.version {
        text.push_str(&format!(" {v}"));
    }
    text.push_str(&format!(" ({}", p.kind));
    if !p.hooks.is_empty() {
        let hooks: Vec<&str> = p.hooks.iter().map(|h| h.name()).collect();
        text.push_str(&format!(", hooks: {}", hooks.join(", ")));
    }
    text.push(')');
    text
}

/// One row per plugin: name, kind, version, grants, source, then the description.
fn table(all: &[Listed]) -> String {
    let width = all.iter().map(|p| p.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for p in all {
        let grants = if p.kind == crate::plugin::Kind::Executable {
            "runs as you".to_string()
        } else if p.grants.is_empty() {
            "no grants".to_string()
        } else {
            p.grants.join(", ")
        };
        out.push_str(&format!(
            "{:width$}  {:10}  {:8}  {grants}  [{}]\n",
            p.name,
            p.kind.to_string(),
            p.version.as_deref().unwrap_or("-"),
            p.source,
        ));
        if !p.description.is_empty() {
            out.push_str(&format!("{:width$}  {}\n", "", p.description));
        }
    }
    out.trim_end().to_string()
}

/// Everything recorded about one plugin.
fn details(p: &Listed) -> String {
    let mut lines = vec![
        format!("name:        {}", p.name),
        format!("kind:        {}", p.kind),
        format!("version:     {}", p.version.as_deref().unwrap_or("-")),
        format!("description: {}", p.description),
        format!("source:      {}", p.source),
    ];
    if let Some(d) = &p.digest {
        lines.push(format!("digest:      {d}"));
    }
    if let Some(dir) = &p.dir {
        lines.push(format!("folder:      {}", dir.display()));
    }
    if let Some(w) = &p.world {
        lines.push(format!("world:       wash:plugin@{w}"));
    }
    let hooks: Vec<&str> = p.hooks.iter().map(|h| h.name()).collect();
    lines.push(format!(
        "hooks:       {}",
        if hooks.is_empty() {
            "none".into()
        } else {
            hooks.join(", ")
        }
    ));
    if p.kind == crate::plugin::Kind::Wasm {
        let grants = if p.grants.is_empty() {
            "none".to_string()
        } else {
            p.grants.join("\n             ")
        };
        lines.push(format!("grants:      {grants}"));
    }
    if !p.usage.is_empty() {
        lines.push(String::new());
        lines.push(p.usage.trim_end().to_string());
    }
    lines.join("\n")
}
