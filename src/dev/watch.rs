//! What `wash dev` watches: the folders of the packages it builds (the selected ones and the
//! workspace members they depend on) and the workspace's `Cargo.toml`, minus what builds write
//! (the target dir, `Cargo.lock`) and hidden folders (`.git`), so a build never triggers itself.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::project::Project;

/// Saves closer together than this are one change (an editor saving five files, a `git
/// checkout`): one rebuild. Short, since every millisecond of it is added to each edit's wait;
/// a burst's files are written microseconds apart.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// The folders and files to watch for this project.
pub fn roots(project: &Project) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = project
        .packages_with_member_dependencies()
        .into_iter()
        .filter_map(|p| {
            p.manifest_path
                .parent()
                .map(|d| d.as_std_path().to_path_buf())
        })
        .collect();
    let root_manifest = project.metadata.workspace_root.join("Cargo.toml");
    if !roots.iter().any(|r| root_manifest.starts_with(r)) {
        roots.push(root_manifest.into_std_path_buf());
    }
    roots.sort();
    roots.dedup();
    // A package folder inside another (a workspace root package) is watched through it.
    let all = roots.clone();
    roots.retain(|r| !all.iter().any(|o| o != r && r.starts_with(o)));
    roots
}

/// Whether a changed path is one a rebuild should follow.
pub fn matters(path: &Path, target_dir: &Path) -> bool {
    if path.starts_with(target_dir) || path.file_name().is_some_and(|n| n == "Cargo.lock") {
        return false;
    }
    !path.components().any(|c| {
        c.as_os_str()
            .to_str()
            .is_some_and(|s| s.starts_with('.') && s.len() > 1 && s != "..")
    })
}

/// Watches `roots`; the paths of each change that matters are sent (reads, such as cargo's of
/// `Cargo.toml`, are not changes). Debouncing is the receiver's: see [`DEBOUNCE`]. The watcher
/// stops when the returned value is dropped.
pub fn start(
    roots: &[PathBuf],
    target_dir: PathBuf,
    changes: Sender<Vec<PathBuf>>,
) -> notify::Result<RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Access(_) | EventKind::Other) {
            return;
        }
        let paths: Vec<PathBuf> = event
            .paths
            .into_iter()
            .filter(|p| matters(p, &target_dir))
            .collect();
        if !paths.is_empty() {
            let _ = changes.send(paths);
        }
    })?;
    for root in roots {
        let mode = if root.is_dir() {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        watcher.watch(root, mode)?;
    }
    Ok(watcher)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_own_outputs_and_hidden_folders_do_not_matter() {
        let target = Path::new("/w/target");
        assert!(matters(Path::new("/w/src/lib.rs"), target));
        assert!(matters(Path::new("/w/Cargo.toml"), target));
        assert!(!matters(Path::new("/w/target/debug/x"), target));
        assert!(!matters(Path::new("/w/Cargo.lock"), target));
        assert!(!matters(Path::new("/w/.git/index"), target));
        assert!(!matters(Path::new("/w/src/.lib.rs.swp"), target));
    }
}
