//! `wash new`: a component project from a template, built into wash, in a local folder, or in a
//! git repository.
//!
//! A template is a folder of files. In every UTF-8 file, and in file names, `{{project-name}}`
//! becomes the package name and `{{crate_name}}` its snake_case form (the placeholders
//! cargo-generate uses, so simple cargo-generate templates work as they are). Plain string
//! substitution rather than a template engine: templates are Rust sources, full of braces an
//! engine would try to interpret.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use include_dir::{Dir, include_dir};

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

mod sdk;

/// The built-in templates, with what each makes.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    (
        "http-hello",
        "a wasi:http incoming-handler component that answers `Hello from NAME`",
    ),
    ("cli-hello", "a wasi:cli command that prints a line"),
    (
        "http-keyvalue",
        "an HTTP counter kept in wasi:keyvalue (served with a store by `wash run` and `wash dev`)",
    ),
    (
        "composed-app",
        "an HTTP front calling a greeter component through an interface derived from a Rust trait",
    ),
];

/// The template `wash new` uses when none is named.
pub const DEFAULT_TEMPLATE: &str = "http-hello";

/// Where a template comes from.
#[derive(Debug, Clone)]
pub enum TemplateSource {
    /// One of [`BUILTIN_TEMPLATES`].
    Builtin(String),
    /// A folder on disk.
    Path(PathBuf),
    /// A git repository (any URL `git clone` takes, `file://` included), optionally a branch.
    Git {
        /// The repository.
        url: String,
        /// The branch or tag, if not the default.
        branch: Option<String>,
    },
}

impl std::fmt::Display for TemplateSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateSource::Builtin(name) => write!(f, "{name}"),
            TemplateSource::Path(p) => write!(f, "{}", p.display()),
            TemplateSource::Git { url, branch: None } => write!(f, "{url}"),
            TemplateSource::Git {
                url,
                branch: Some(b),
            } => write!(f, "{url}#{b}"),
        }
    }
}

/// What `wash new` should create.
#[derive(Debug, Clone)]
pub struct NewOptions {
    /// The folder to create (it may exist if empty).
    pub path: PathBuf,
    /// The package name; by default the folder's name.
    pub name: Option<String>,
    /// The template.
    pub source: TemplateSource,
}

/// A project `wash new` created.
#[derive(Debug, serde::Serialize)]
pub struct Created {
    /// The package name.
    pub name: String,
    /// The folder.
    pub path: PathBuf,
    /// The template used.
    pub template: String,
    /// The files written, relative to `path`.
    pub files: Vec<PathBuf>,
}

impl crate::hint::Hint for TemplateError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            TemplateError::InvalidName { .. } => "use a name like `my-component` (letters, \
                digits, `-` and `_`; not starting with a digit), or pass `--name`"
                .into(),
            TemplateError::DestinationNotEmpty { .. } => {
                "choose another path, or remove that folder first".into()
            }
            TemplateError::UnknownTemplate { .. } => "pass `--template-path DIR` for a local \
                template, or `--git URL` for one in a repository"
                .into(),
            _ => return None,
        })
    }
}

/// What can go wrong in `wash new`.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The name cannot be a Cargo package name.
    #[error("`{name}` cannot be used as a package name: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// Which rule it breaks.
        reason: String,
    },
    /// The folder exists and has files in it.
    #[error("destination `{path}` already exists and is not empty")]
    DestinationNotEmpty {
        /// The folder.
        path: PathBuf,
    },
    /// No built-in template has this name.
    #[error("there is no built-in template `{name}` (built-in: {known})")]
    UnknownTemplate {
        /// The name asked for.
        name: String,
        /// The names there are.
        known: String,
    },
    /// A template file would land outside the new project.
    #[error(
        "template file `{file}` would be written outside the project ({why}); refusing to use this template"
    )]
    EscapingPath {
        /// The file, as named in the template.
        file: PathBuf,
        /// `..`, an absolute path, or a link pointing out of the template.
        why: String,
    },
    /// The template folder has no files.
    #[error("template `{template}` has no files")]
    EmptyTemplate {
        /// The template.
        template: String,
    },
    /// `git clone` failed.
    #[error("could not clone template repository `{url}`{}:\n{stderr}", branch.as_ref().map(|b| format!(" (branch `{b}`)")).unwrap_or_default())]
    Git {
        /// The URL.
        url: String,
        /// The branch, if one was named.
        branch: Option<String>,
        /// What git said.
        stderr: String,
    },
    /// No home directory to write the SDK crates to.
    #[error("cannot find a folder for the wash SDK crates the template depends on")]
    NoHome(#[source] crate::home::HomeError),
    /// An I/O failure, naming the file.
    #[error("could not {action} `{path}`")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> TemplateError {
    let path = path.to_path_buf();
    move |source| TemplateError::Io {
        action,
        path,
        source,
    }
}

/// One file of a template, read into memory before anything is written.
struct TemplateFile {
    path: PathBuf,
    contents: Vec<u8>,
    executable: bool,
}

/// Creates the project. Everything is written into a temporary folder beside the destination
/// and renamed into place at the end, so a failure leaves no half-made project.
pub fn generate(opts: &NewOptions) -> Result<Created, TemplateError> {
    let name = match &opts.name {
        Some(n) => n.clone(),
        None => opts
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    validate_package_name(&name)?;
    let dest = &opts.path;
    if dest.exists() {
        let mut entries = std::fs::read_dir(dest).map_err(io("read", dest))?;
        if entries.next().is_some() {
            return Err(TemplateError::DestinationNotEmpty { path: dest.clone() });
        }
    }

    let files = load(&opts.source)?;
    let crate_name = name.replace('-', "_");
    let needs_sdk = files
        .iter()
        .any(|f| f.contents.windows(17).any(|w| w == b"{{wash-sdk-path}}"));
    let substitute = |s: &str, rel: &Path| {
        s.replace("{{project-name}}", &name)
            .replace("{{crate_name}}", &crate_name)
            .replace("{{wash-sdk-path}}", &sdk::relative_sdk_path(rel))
    };

    // Every file's place is checked before anything is created: a refused template leaves
    // no folder behind (not even the destination's parent; found by `fuzz/`).
    let mut places = Vec::with_capacity(files.len());
    for file in &files {
        let rel = PathBuf::from(substitute(&file.path.to_string_lossy(), Path::new("")));
        check_relative(&file.path, &rel)?;
        places.push(rel);
    }

    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // The folders created for the destination's parent are removed again on failure.
    let missing: Vec<PathBuf> = parent
        .ancestors()
        .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(&parent).map_err(io("create", &parent))?;
    let result = (|| {
        let staging = tempfile::Builder::new()
            .prefix(".wash-new-")
            .tempdir_in(&parent)
            .map_err(io("create a temporary folder in", &parent))?;

        let mut written = Vec::new();
        for (file, rel) in files.iter().zip(places) {
            let target = staging.path().join(&rel);
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir).map_err(io("create", dir))?;
            }
            let contents = match std::str::from_utf8(&file.contents) {
                Ok(text) => substitute(text, &rel).into_bytes(),
                Err(_) => file.contents.clone(),
            };
            std::fs::write(&target, contents).map_err(io("write", &target))?;
            if file.executable {
                set_executable(&target).map_err(io("set permissions on", &target))?;
            }
            written.push(rel);
        }
        if needs_sdk {
            for file in sdk::vendored_files() {
                let target = staging.path().join(&file.path);
                if let Some(dir) = target.parent() {
                    std::fs::create_dir_all(dir).map_err(io("create", dir))?;
                }
                std::fs::write(&target, &file.contents).map_err(io("write", &target))?;
                written.push(file.path);
            }
        }
        written.sort();

        if dest.exists() {
            std::fs::remove_dir(dest).map_err(io("replace", dest))?;
        }
        let staged = staging.keep();
        std::fs::rename(&staged, dest).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staged);
            TemplateError::Io {
                action: "create",
                path: dest.clone(),
                source: e,
            }
        })?;
        Ok(Created {
            name: name.clone(),
            path: dest.clone(),
            template: opts.source.to_string(),
            files: written,
        })
    })();
    if result.is_err() {
        for dir in &missing {
            let _ = std::fs::remove_dir(dir);
        }
    }
    result
}

#[cfg(unix)]
fn set_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn set_executable(_: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Cargo's rules for a new package name, so `cargo build` will not refuse it later.
pub fn validate_package_name(name: &str) -> Result<(), TemplateError> {
    let invalid = |reason: &str| {
        Err(TemplateError::InvalidName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    let Some(first) = name.chars().next() else {
        return invalid("it is empty");
    };
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return invalid(&format!("`{c}` is not allowed"));
    }
    if first.is_ascii_digit() {
        return invalid("it starts with a digit");
    }
    if first == '-' {
        return invalid("it starts with `-`");
    }
    const RESERVED: &[&str] = &[
        "abstract",
        "as",
        "async",
        "await",
        "become",
        "box",
        "break",
        "const",
        "continue",
        "crate",
        "do",
        "dyn",
        "else",
        "enum",
        "extern",
        "false",
        "final",
        "fn",
        "for",
        "gen",
        "if",
        "impl",
        "in",
        "let",
        "loop",
        "macro",
        "match",
        "mod",
        "move",
        "mut",
        "override",
        "priv",
        "pub",
        "ref",
        "return",
        "self",
        "static",
        "struct",
        "super",
        "trait",
        "true",
        "try",
        "type",
        "typeof",
        "unsafe",
        "unsized",
        "use",
        "virtual",
        "where",
        "while",
        "yield",
        "alloc",
        "core",
        "std",
        "test",
        "proc_macro",
        "proc-macro",
        "build",
        "deps",
        "examples",
        "incremental",
    ];
    if RESERVED.contains(&name) {
        return invalid("it is a Rust keyword or a name Cargo reserves");
    }
    Ok(())
}

/// A template path must stay below the project: no `..`, no root, no drive prefix.
fn check_relative(original: &Path, rel: &Path) -> Result<(), TemplateError> {
    for c in rel.components() {
        let why = match c {
            Component::ParentDir => "it contains `..`",
            Component::RootDir | Component::Prefix(_) => "it is an absolute path",
            _ => continue,
        };
        return Err(TemplateError::EscapingPath {
            file: original.to_path_buf(),
            why: why.into(),
        });
    }
    Ok(())
}

fn load(source: &TemplateSource) -> Result<Vec<TemplateFile>, TemplateError> {
    let files = match source {
        TemplateSource::Builtin(name) => load_builtin(name)?,
        TemplateSource::Path(dir) => load_dir(dir)?,
        TemplateSource::Git { url, branch } => {
            let checkout = tempfile::tempdir().map_err(io("create", &std::env::temp_dir()))?;
            clone(url, branch.as_deref(), checkout.path())?;
            load_dir(checkout.path())?
        }
    };
    if files.is_empty() {
        return Err(TemplateError::EmptyTemplate {
            template: source.to_string(),
        });
    }
    Ok(files)
}

fn load_builtin(name: &str) -> Result<Vec<TemplateFile>, TemplateError> {
    let dir = BUILTIN_TEMPLATES
        .iter()
        .any(|(n, _)| *n == name)
        .then(|| BUILTIN.get_dir(name))
        .flatten()
        .ok_or_else(|| TemplateError::UnknownTemplate {
            name: name.to_string(),
            known: BUILTIN_TEMPLATES
                .iter()
                .map(|(n, _)| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let mut files = Vec::new();
    collect_builtin(dir, Path::new(name), &mut files);
    Ok(files)
}

fn collect_builtin(dir: &Dir<'static>, root: &Path, out: &mut Vec<TemplateFile>) {
    for file in dir.files() {
        out.push(TemplateFile {
            path: file
                .path()
                .strip_prefix(root)
                .unwrap_or(file.path())
                .to_path_buf(),
            contents: file.contents().to_vec(),
            executable: false,
        });
    }
    for sub in dir.dirs() {
        collect_builtin(sub, root, out);
    }
}

/// Reads a template folder, skipping VCS and build output. A symbolic link is followed only
/// when it points inside the template: one pointing elsewhere would copy a file from outside
/// (or make a link out of) the new project.
fn load_dir(root: &Path) -> Result<Vec<TemplateFile>, TemplateError> {
    let meta = std::fs::metadata(root).map_err(io("read template folder", root))?;
    if !meta.is_dir() {
        return Err(TemplateError::Io {
            action: "read template folder",
            path: root.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a folder"),
        });
    }
    let canonical_root = root.canonicalize().map_err(io("read", root))?;
    let mut files = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel_dir) = stack.pop() {
        let dir = root.join(&rel_dir);
        for entry in std::fs::read_dir(&dir).map_err(io("read", &dir))? {
            let entry = entry.map_err(io("read", &dir))?;
            let name = entry.file_name();
            if rel_dir.as_os_str().is_empty() && (name == ".git" || name == "target") {
                continue;
            }
            let rel = rel_dir.join(&name);
            let path = entry.path();
            let link = std::fs::symlink_metadata(&path).map_err(io("read", &path))?;
            if link.file_type().is_symlink() {
                let pointee = std::fs::read_link(&path).map_err(io("read", &path))?;
                let why = if pointee.is_absolute() {
                    Some(format!(
                        "it links to the absolute path `{}`",
                        pointee.display()
                    ))
                } else {
                    match path.canonicalize() {
                        Ok(real) if real.starts_with(&canonical_root) => None,
                        _ => Some(format!(
                            "it links to `{}`, outside the template",
                            pointee.display()
                        )),
                    }
                };
                if let Some(why) = why {
                    return Err(TemplateError::EscapingPath { file: rel, why });
                }
            }
            let meta = std::fs::metadata(&path).map_err(io("read", &path))?;
            if meta.is_dir() {
                stack.push(rel);
            } else {
                files.push(TemplateFile {
                    contents: std::fs::read(&path).map_err(io("read", &path))?,
                    executable: is_executable(&meta),
                    path: rel,
                });
            }
        }
    }
    Ok(files)
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
}

fn clone(url: &str, branch: Option<&str>, into: &Path) -> Result<(), TemplateError> {
    let mut cmd = Command::new("git");
    // Files only: no hooks (the user's `core.hooksPath` or template folder), no `ext::`
    // transports that run commands, no filesystem monitor. Generating a project runs no code.
    cmd.args([
        "-c",
        "core.hooksPath=/dev/null",
        "-c",
        "protocol.ext.allow=never",
    ])
    .args(["-c", "core.fsmonitor=false"])
    .args(["clone", "--quiet", "--depth", "1", "--template="]);
    if let Some(b) = branch {
        cmd.args(["--branch", b]);
    }
    // `--` so a URL starting with `-` cannot be read as an option.
    cmd.arg("--").arg(url).arg(into);
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_LFS_SKIP_SMUDGE", "1");
    let output = cmd.output().map_err(|source| TemplateError::Git {
        url: url.to_string(),
        branch: branch.map(str::to_string),
        stderr: format!("could not run `git`: {source}"),
    })?;
    if !output.status.success() {
        return Err(TemplateError::Git {
            url: url.to_string(),
            branch: branch.map(str::to_string),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(())
}
