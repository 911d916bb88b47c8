//! Where a component comes from. Commands take components by a word — a file, a workspace
//! member's name or a registry reference — and this module turns the word into a file, under
//! one rule set for every command that takes one (`wash compose --plug`, `compose.plugs` in
//! `Cargo.toml`, `wash run`, `wash inspect`):
//!
//! 1. a word naming an existing file (relative to the base folder: the current folder on the
//!    command line, the manifest's folder in `Cargo.toml`) is that file;
//! 2. else, where member names are looked up, a workspace member's name is its component: in
//!    `wash build` the one this build produced, elsewhere the one `wash build` placed at
//!    `<target-dir>/wasmcloud/<name>.wasm`;
//! 3. else a word that reads as a registry reference (`REGISTRY/REPOSITORY[:TAG|@DIGEST]`) is
//!    pulled through wash's content-addressed cache;
//! 4. else, where member names are looked up, it is an error naming the file looked for;
//!    elsewhere it is taken as a file, and reading it reports what is wrong.

use std::path::{Path, PathBuf};

use crate::artifact::{self, ArtifactError};
use crate::hint::Hint;
use crate::oci::{self, ComponentRef, OciError, PullOptions, Pulled};
use crate::project::Project;

/// How member names are looked up.
#[derive(Debug, Clone, Copy)]
pub enum Members<'a> {
    /// Not at all: a word is a file or a reference (`wash run`, `wash inspect`).
    None,
    /// The members of the workspace around the current folder, as `wash build` placed them
    /// (the workspace is read only when a word needs it).
    Here,
    /// The members of this workspace, as `wash build` placed them.
    Of(&'a Project),
}

/// What a word resolves against.
#[derive(Clone)]
pub struct Context<'a> {
    /// The folder relative paths start from.
    pub base: &'a Path,
    /// How member names are looked up.
    pub members: Members<'a>,
    /// How references are pulled (protocol, verifier, progress).
    pub pull: PullOptions<'a>,
}

impl<'a> Context<'a> {
    /// Files (relative to the current folder) and registry references, no member names: what
    /// `wash run` and `wash inspect` take.
    pub fn files_and_references(base: &'a Path, pull: PullOptions<'a>) -> Context<'a> {
        Context {
            base,
            members: Members::None,
            pull,
        }
    }
}

/// A component found for a word.
#[derive(Debug, Clone)]
pub struct Located {
    /// The component file.
    pub path: PathBuf,
    /// What was pulled, when the word was a registry reference.
    pub pulled: Option<Pulled>,
}

impl Located {
    /// The component's bytes.
    pub fn read(&self) -> Result<Vec<u8>, SourceError> {
        Ok(artifact::read(&self.path)?)
    }
}

/// Why a word names no component.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// No file, member or reference by that word.
    #[error("`{word}` is not a file (`{}` does not exist){}", .path.display(), .members.phrase())]
    NotFound {
        /// The word.
        word: String,
        /// The file looked for.
        path: PathBuf,
        /// What the member lookup found.
        members: MemberSearch,
    },
    /// A workspace member with no built component yet.
    #[error("workspace member `{name}` has no component at `{}` yet", .path.display())]
    NotBuilt {
        /// The member.
        name: String,
        /// Where its component would be.
        path: PathBuf,
    },
    /// `--verify-key` given for a local file.
    #[error("`--verify-key` applies to registry references; `{}` is a local file", .path.display())]
    VerifyLocal {
        /// The file.
        path: PathBuf,
    },
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ArtifactError),
    /// The workspace, to find a member in, could not be read.
    #[error("could not read the workspace to find a member's component in")]
    Project(#[source] Box<crate::project::ProjectError>),
    /// The reference could not be pulled.
    #[error("could not pull `{reference}`")]
    Pull {
        /// The reference.
        reference: String,
        /// Why (boxed: registry errors are large).
        #[source]
        source: Box<OciError>,
    },
}

/// What looking a word up as a member name found, when it was not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberSearch {
    /// Member names are not looked up here.
    NotSearched,
    /// There is no Cargo workspace to look in.
    NoWorkspace,
    /// No member of the workspace has that name.
    NoSuchMember,
}

impl MemberSearch {
    fn phrase(self) -> &'static str {
        match self {
            MemberSearch::NotSearched => ", nor a registry reference",
            MemberSearch::NoWorkspace => {
                ", nor a registry reference, and there is no Cargo workspace here to find a \
                 member of that name in"
            }
            MemberSearch::NoSuchMember => {
                ", nor a registry reference, and no member of this workspace has that name"
            }
        }
    }
}

impl Hint for SourceError {
    fn hint(&self) -> Option<String> {
        match self {
            SourceError::NotFound { members, .. } => Some(match members {
                MemberSearch::NotSearched => {
                    "give the path to a component (.wasm) or REGISTRY/REPOSITORY[:TAG]".into()
                }
                _ => "give the path to a component (.wasm), a workspace member's name, or \
                      REGISTRY/REPOSITORY[:TAG]"
                    .into(),
            }),
            SourceError::NotBuilt { name, .. } => {
                Some(format!("build it first: `wash build -p {name}`"))
            }
            SourceError::VerifyLocal { .. } => Some("check a local file with `wash verify`".into()),
            SourceError::Pull { source, .. } => source.hint(),
            SourceError::Read(_) | SourceError::Project(_) => None,
        }
    }
}

/// Finds the component `word` names (see the module docs for the rules).
pub fn locate(word: &str, ctx: &Context<'_>) -> Result<Located, SourceError> {
    let path = ctx.base.join(word);
    if path.is_file() {
        if ctx.pull.verifier.is_some() {
            return Err(SourceError::VerifyLocal { path });
        }
        return Ok(located(path, None));
    }
    let members = if is_member_name(word) {
        match member_component(word, ctx.members)? {
            Ok(found) => return Ok(located(found, None)),
            Err(search) => search,
        }
    } else {
        MemberSearch::NotSearched
    };
    if ComponentRef::looks_like_reference(word) {
        return pull(word, &ctx.pull).map(|pulled| {
            let path = pulled.path.clone();
            located(path, Some(pulled))
        });
    }
    if matches!(ctx.members, Members::None) {
        // Where only files and references are taken, anything else is a file: reading it
        // reports what is wrong with it.
        if ctx.pull.verifier.is_some() {
            return Err(SourceError::VerifyLocal { path });
        }
        return Ok(located(path, None));
    }
    Err(SourceError::NotFound {
        word: word.to_string(),
        path,
        members,
    })
}

fn located(path: PathBuf, pulled: Option<Pulled>) -> Located {
    Located { path, pulled }
}

/// Cargo package names: letters, digits, `-` and `_` (never a path or a reference).
fn is_member_name(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The built component of the member named `name`, or what the search found instead.
fn member_component(
    name: &str,
    members: Members<'_>,
) -> Result<Result<PathBuf, MemberSearch>, SourceError> {
    match members {
        Members::None => Ok(Err(MemberSearch::NotSearched)),
        Members::Here => {
            // Outside a workspace there are no members. Inside one, a manifest cargo cannot
            // read is reported as such (not as "no such member").
            let cwd = std::env::current_dir().unwrap_or_default();
            if !cwd.ancestors().any(|d| d.join("Cargo.toml").is_file()) {
                return Ok(Err(MemberSearch::NoWorkspace));
            }
            let project = Project::load(&Default::default())
                .map_err(|e| SourceError::Project(Box::new(e)))?;
            member_of(&project, name)
        }
        Members::Of(project) => member_of(project, name),
    }
}

fn member_of(project: &Project, name: &str) -> Result<Result<PathBuf, MemberSearch>, SourceError> {
    if project.member(name).is_none() {
        return Ok(Err(MemberSearch::NoSuchMember));
    }
    let path = project.component_path(name);
    if path.is_file() {
        Ok(Ok(path))
    } else {
        Err(SourceError::NotBuilt {
            name: name.to_string(),
            path,
        })
    }
}

/// Pulls a reference through the cache. Blocks: not for use inside an async runtime.
fn pull(word: &str, options: &PullOptions<'_>) -> Result<Pulled, SourceError> {
    let fail = |source| SourceError::Pull {
        reference: word.to_string(),
        source: Box::new(source),
    };
    let reference = ComponentRef::parse(word).map_err(fail)?;
    let runtime = oci::runtime().map_err(|e| fail(OciError::Runtime(e)))?;
    runtime
        .block_on(oci::cache::pull_cached(&reference, options))
        .map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(base: &Path) -> Context<'_> {
        Context {
            base,
            members: Members::None,
            pull: PullOptions::default(),
        }
    }

    #[test]
    fn an_existing_file_wins_and_a_missing_one_is_named_or_left_to_the_reader() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.wasm"), b"\0asm").unwrap();
        let found = locate("a.wasm", &ctx(dir.path())).unwrap();
        assert_eq!(found.path, dir.path().join("a.wasm"));
        // Where only files and references are taken, the missing file is for the reader to
        // report ("could not read …").
        let missing = locate("b.wasm", &ctx(dir.path())).unwrap();
        assert!(missing.read().is_err());
        // Where members are looked up too, the error names all three forms.
        let project = Project::load(&Default::default()).unwrap();
        let mut with_members = ctx(dir.path());
        with_members.members = Members::Of(&project);
        let err = locate("b.wasm", &with_members).unwrap_err();
        assert!(matches!(err, SourceError::NotFound { .. }), "{err}");
        assert!(err.to_string().contains("b.wasm"), "{err}");
        let err = locate("no-such-member", &with_members).unwrap_err();
        assert!(
            err.to_string()
                .contains("no member of this workspace has that name"),
            "{err}"
        );
    }

    #[test]
    fn a_member_without_a_built_component_says_to_build_it() {
        let dir = tempfile::tempdir().unwrap();
        let project = Project::load(&Default::default()).unwrap();
        let mut c = ctx(dir.path());
        c.members = Members::Of(&project);
        // `wash-derive` is a member of wash's own workspace that never becomes a component.
        let err = locate("wash-derive", &c).unwrap_err();
        assert!(matches!(err, SourceError::NotBuilt { .. }), "{err}");
        assert_eq!(
            err.hint().as_deref(),
            Some("build it first: `wash build -p wash-derive`")
        );
    }
}
