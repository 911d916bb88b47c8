//! `wash new`: scaffold a component project.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::shell::Shell;
use crate::message;
use crate::template::{self, NewOptions, TemplateSource};

/// Create a component project from a template
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Built-in templates: http-hello (default), cli-hello, http-keyvalue, composed-app. \
`wash new --list` describes them."
)]
pub struct NewArgs {
    /// Folder to create; its name is the package name unless --name is given
    #[arg(required_unless_present = "list")]
    path: Option<PathBuf>,
    /// Package name (default: the folder's name)
    #[arg(long)]
    name: Option<String>,
    /// Built-in template to use
    #[arg(short, long, value_name = "NAME", default_value = template::DEFAULT_TEMPLATE, conflicts_with_all = ["template_path", "git"])]
    template: String,
    /// Use the template in this local folder
    #[arg(long, value_name = "DIR", conflicts_with = "git")]
    template_path: Option<PathBuf>,
    /// Use the template in this git repository (any URL `git clone` accepts)
    #[arg(long, value_name = "URL")]
    git: Option<String>,
    /// Branch or tag of the --git repository
    #[arg(long, requires = "git")]
    branch: Option<String>,
    /// List the built-in templates and exit
    #[arg(long)]
    list: bool,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

pub fn exec(shell: &Shell, args: NewArgs) -> anyhow::Result<ExitCode> {
    if args.list {
        for (name, about) in template::BUILTIN_TEMPLATES {
            if args.json {
                shell.json(&message::Template {
                    name,
                    description: about,
                });
            } else {
                shell.out(format!("{name:<12} {about}"));
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let path = args.path.expect("clap requires PATH unless --list");
    let source = match (args.template_path, args.git) {
        (Some(dir), _) => TemplateSource::Path(dir),
        (None, Some(url)) => TemplateSource::Git {
            url,
            branch: args.branch,
        },
        (None, None) => TemplateSource::Builtin(args.template),
    };
    let opts = NewOptions {
        path: path.clone(),
        name: args.name,
        source,
    };
    let created = template::generate(&opts)
        .with_context(|| format!("failed to create a project at `{}`", path.display()))?;
    if args.json {
        shell.json(&created);
    } else {
        shell.status(
            "Created",
            format!(
                "component `{}` from template `{}` at `{}`",
                created.name,
                created.template,
                created.path.display()
            ),
        );
        shell.status(
            "Next",
            format!("cd {} && wash build && wash run", created.path.display()),
        );
    }
    Ok(ExitCode::SUCCESS)
}
