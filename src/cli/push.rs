//! `wash push`: a component (built from the current crate unless a file is given) to an OCI
//! registry, in the CNCF Wasm layout.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use indicatif::ProgressBar;

use super::PackageArgs;
use super::shell::{Shell, human_size};
use crate::oci::{self, ClientOptions, ComponentRef, ProgressHandle, PushOptions};
use crate::project::{PackageSelection, Project, WasmcloudConfig};

/// Push a component to an OCI registry
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without PATH, the current crate is built first (as `wash build`). \
Without REFERENCE, `[package.metadata.wasmcloud.registry] reference` is used; a reference \
without a tag gets the crate's version.\n\
Credentials come from docker's config.json (see `wash login`). Registries on localhost use \
plain HTTP; all others TLS unless `--insecure`."
)]
pub struct PushArgs {
    /// Where to push: REGISTRY/REPOSITORY[:TAG]
    reference: Option<String>,
    /// The component (.wasm) to push; default: build the current crate
    path: Option<PathBuf>,
    /// Add a manifest annotation (repeatable)
    #[arg(long = "annotation", short = 'a', value_name = "KEY=VALUE")]
    annotations: Vec<String>,
    /// Use plain HTTP for this registry
    #[arg(long)]
    insecure: bool,
    /// Print the result (reference, digest, sizes) as one JSON object
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    package: PackageArgs,
}

/// Draws oci transfers as a byte bar on a terminal.
pub(super) struct TransferBar {
    bar: Option<ProgressBar>,
}

impl TransferBar {
    pub(super) fn handle(shell: &Shell) -> ProgressHandle {
        Arc::new(TransferBar {
            bar: shell.bytes_bar(),
        })
    }
}

impl oci::Progress for TransferBar {
    fn start(&self, what: &str, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(0);
            bar.set_message(what.to_string());
            bar.reset_elapsed();
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

pub fn exec(shell: &Shell, args: PushArgs) -> anyhow::Result<ExitCode> {
    let annotations = args
        .annotations
        .iter()
        .map(|a| oci::push::parse_annotation(a))
        .collect::<Result<Vec<_>, _>>()?;
    // The crate: built when no file is given, read for annotations and config either way when
    // there is one here.
    let (path, package) = match &args.path {
        Some(path) => {
            let package = match &args.package.manifest_path {
                Some(_) => Some(selected_package(&args.package)?),
                None => None,
            };
            (path.clone(), package)
        }
        None => {
            // Read the config before building: a typo in it should not cost a build.
            let package = selected_package(&args.package)?;
            WasmcloudConfig::of(&package)?;
            let built = super::build::run(shell, &args.package)?;
            let apps: Vec<_> = built
                .iter()
                .filter(|c| !built.iter().any(|o| o.composed_from.contains(&c.name)))
                .collect();
            let [one] = apps.as_slice() else {
                bail!(
                    "the build produced {} components; name one: `wash push REFERENCE target/wasmcloud/NAME.wasm`",
                    built.len()
                );
            };
            (one.path.clone(), Some(package))
        }
    };
    let config = match &package {
        Some(p) => WasmcloudConfig::of(p)?,
        None => WasmcloudConfig::default(),
    };
    let reference_text = match (&args.reference, &config.registry) {
        (Some(r), _) => r.clone(),
        (None, Some(reg)) => reg.reference.clone(),
        (None, None) => bail!(
            "no registry reference to push to\n\
             help: pass one (`wash push localhost:5000/hello:0.1.0`), or set \
             `reference` in `[package.metadata.wasmcloud.registry]` of Cargo.toml"
        ),
    };
    let reference = ComponentRef::parse(&reference_text)?;
    let insecure = args.insecure || config.registry.as_ref().is_some_and(|r| r.insecure);
    let bytes = crate::artifact::read(&path)?;
    let options = PushOptions {
        client: ClientOptions { insecure },
        annotations,
        package: package.as_ref().map(oci::layout::PackageInfo::of),
        progress: TransferBar::handle(shell),
        chunked_above: chunked_above()?,
    };
    let runtime = oci::runtime().context("could not start the async runtime")?;
    let pushed = runtime
        .block_on(oci::push(&reference, &path, bytes.into(), &options))
        .with_context(|| format!("failed to push `{}` to `{reference_text}`", path.display()))?;
    if args.json {
        let mut value = serde_json::to_value(&pushed)?;
        value["reason"] = "component-pushed".into();
        shell.json(&value);
    } else if pushed.unchanged {
        shell.status(
            "Unchanged",
            format!("{} ({}, nothing uploaded)", pushed.reference, pushed.digest),
        );
    } else {
        shell.status(
            "Pushed",
            format!(
                "{} ({}, {} uploaded, {})",
                pushed.reference,
                human_size(pushed.size),
                human_size(pushed.uploaded_bytes),
                pushed.digest
            ),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `WASH_PUSH_CHUNKED_ABOVE=BYTES`: push components larger than this in chunks (for proxies
/// that limit request bodies); default 64 MiB.
fn chunked_above() -> anyhow::Result<u64> {
    match std::env::var("WASH_PUSH_CHUNKED_ABOVE") {
        Ok(v) => v
            .trim()
            .parse()
            .with_context(|| format!("WASH_PUSH_CHUNKED_ABOVE=`{v}` is not a number of bytes")),
        Err(_) => Ok(oci::push::DEFAULT_CHUNKED_ABOVE),
    }
}

fn selection(p: &PackageArgs) -> PackageSelection {
    p.build_options().selection
}

/// The one package `--manifest-path`/`-p` selects.
fn selected_package(p: &PackageArgs) -> anyhow::Result<cargo_metadata::Package> {
    let project = Project::load(&selection(p))?;
    let mut packages = project.packages();
    match (packages.next(), packages.next()) {
        (Some(one), None) => Ok(one.clone()),
        _ => bail!("`wash push` pushes one package's component; select it with `-p NAME`"),
    }
}
