//! The workspace's view of the disk: which roots may be opened, which files of a root are
//! indexed, and reading one of them without ever leaving the root.
//!
//! Rules (each has a test in `tests/server_workspaces.rs`):
//! - a root must be absolute, contain no `..` component, exist, be a directory, and lie under
//!   one of `workspace.allowed_roots` after both are canonicalised (symlinks resolved);
//! - the walk honours `.gitignore`, `.ignore` and hidden-file rules as `syntaxd index` does
//!   (whether or not the tree is a git checkout) and follows no symlink: a symlinked file or
//!   directory is not indexed at all;
//! - a file is read only after its canonical path was checked to lie under the canonical root
//!   and to be the very file that was opened (same device and inode on Unix), so a symlink
//!   swapped in after the walk is refused too;
//! - a file larger than `parse.max_source_bytes` is skipped without being read whole.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use super::WorkspaceError;

/// Checks `root` against the rules above and returns its canonical form.
///
/// # Errors
/// [`WorkspaceError::InvalidRoot`] (relative, `..`, missing, not a directory) and
/// [`WorkspaceError::RootNotAllowed`].
pub fn canonical_root(root: &Path, allowed_roots: &[PathBuf]) -> Result<PathBuf, WorkspaceError> {
    let invalid = |reason: &'static str| WorkspaceError::InvalidRoot {
        root: root.to_path_buf(),
        reason,
    };
    if !root.is_absolute() {
        return Err(invalid("the root must be an absolute path"));
    }
    if root.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(invalid("the root must not contain `..`"));
    }
    let canonical = std::fs::canonicalize(root).map_err(|_| invalid("no such directory"))?;
    if !canonical.is_dir() {
        return Err(invalid("not a directory"));
    }
    let allowed = allowed_roots
        .iter()
        .filter_map(|a| std::fs::canonicalize(a).ok())
        .any(|a| canonical.starts_with(&a));
    if !allowed {
        return Err(WorkspaceError::RootNotAllowed {
            root: root.to_path_buf(),
        });
    }
    Ok(canonical)
}

/// A file the walk found: its path and its path relative to the root (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkedFile {
    /// Relative to the root, `/`-separated.
    pub relative: String,
    /// Absolute (root joined with `relative`).
    pub path: PathBuf,
}

/// Every regular file under the canonical `root` that git would see (`.gitignore`, `.ignore`,
/// hidden files), without following symlinks; sorted by relative path. Paths that are not
/// valid UTF-8 are left out (they could not be named in an answer).
pub fn walk(root: &Path) -> Vec<WalkedFile> {
    walk_targets_and_dirs(
        root,
        &std::collections::BTreeSet::from([String::new()]),
        |_| {},
    )
    .0
}

/// The files [`walk`] would find at or under the relative paths `targets` (`""` is the whole
/// root): the walk starts at the root — so every ignore file from the root down applies, as
/// in [`walk`] — and descends only into the directories on the way to a target and under it.
/// A target that is ignored, hidden, a symlink or gone yields nothing.
pub fn walk_targets(root: &Path, targets: &std::collections::BTreeSet<String>) -> Vec<WalkedFile> {
    walk_targets_and_dirs(root, targets, |_| {}).0
}

/// [`walk_targets`], with the directories that walk entered: relative names, sorted, `""`
/// for the root (the directories the watcher watches; see `watch.rs`). `on_dir` sees each
/// directory as the walk reaches it, before the walk lists it (the watcher adds its watch
/// there, so a file created in it meanwhile is either listed or reported).
pub fn walk_targets_and_dirs(
    root: &Path,
    targets: &std::collections::BTreeSet<String>,
    mut on_dir: impl FnMut(&str),
) -> (Vec<WalkedFile>, Vec<String>) {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    let mut builder = walker(root);
    if !targets.contains("") {
        let wanted: Vec<PathBuf> = targets.iter().map(|t| root.join(t)).collect();
        builder.filter_entry(move |e| {
            let p = e.path();
            wanted.iter().any(|t| t.starts_with(p) || p.starts_with(t))
        });
    }
    for entry in builder.build().flatten() {
        // A symlink's own type is `symlink`, not `file` or `dir`: it is never followed.
        let Some(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let path = entry.path();
            let relative = if path == root {
                Some(String::new())
            } else {
                relative_name(root, path)
            };
            if let Some(relative) = relative {
                on_dir(&relative);
                dirs.push(relative);
            }
        } else if kind.is_file()
            && let Some(relative) = relative_name(root, entry.path())
        {
            files.push(WalkedFile {
                relative,
                path: entry.into_path(),
            });
        }
    }
    files.sort();
    dirs.sort();
    (files, dirs)
}

fn walker(root: &Path) -> ignore::WalkBuilder {
    let mut builder = ignore::WalkBuilder::new(root);
    builder.require_git(false).follow_links(false);
    builder
}

/// The `/`-separated path of `path` relative to `root`, if it lies under it and is UTF-8.
pub fn relative_name(root: &Path, path: &Path) -> Option<String> {
    let rest = path.strip_prefix(root).ok()?;
    let mut out = String::new();
    for c in rest.components() {
        let Component::Normal(part) = c else {
            return None;
        };
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(part.to_str()?);
    }
    (!out.is_empty()).then_some(out)
}

/// Why a file was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Larger than the cap.
    TooLarge,
    /// Not a regular file under the root (a symlink, a path that now leads outside).
    Outside,
}

/// Reads `path` (a file of the canonical `root`) if it is a regular file under the root of
/// at most `max_bytes`.
///
/// # Errors
/// `Ok(Err(refused))` for a refused file; `Err(io)` when it cannot be read.
pub fn read_inside(
    root: &Path,
    path: &Path,
    max_bytes: u64,
) -> std::io::Result<Result<Vec<u8>, Refused>> {
    let link = std::fs::symlink_metadata(path)?;
    if !link.file_type().is_file() {
        return Ok(Err(Refused::Outside));
    }
    if link.len() > max_bytes {
        return Ok(Err(Refused::TooLarge));
    }
    let file = std::fs::File::open(path)?;
    let opened = file.metadata()?;
    let canonical = std::fs::canonicalize(path)?;
    if !canonical.starts_with(root) || !same_file(&opened, &std::fs::metadata(&canonical)?) {
        return Ok(Err(Refused::Outside));
    }
    let mut source = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut source)?;
    if source.len() as u64 > max_bytes {
        return Ok(Err(Refused::TooLarge));
    }
    Ok(Ok(source))
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.len() == b.len() && a.is_file() && b.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_names_are_slash_separated_and_stay_under_the_root() {
        let root = Path::new("/r");
        assert_eq!(
            relative_name(root, Path::new("/r/a/b.py")).as_deref(),
            Some("a/b.py")
        );
        assert_eq!(relative_name(root, Path::new("/other/b.py")), None);
        assert_eq!(relative_name(root, Path::new("/r")), None);
    }

    /// A temporary tree (kept while the guard lives) with `files` and a `.gitignore` of
    /// `build/`, and its canonical root.
    fn tree_of(files: &[&str]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = std::fs::canonicalize(dir.path()).expect("canonical");
        for rel in files {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, "x = 1\n").expect("write");
        }
        std::fs::write(root.join(".gitignore"), "build/\n").expect("write");
        (dir, root)
    }

    #[test]
    fn targets_walk_only_their_part_of_the_tree_with_the_root_s_ignore_rules() {
        let (_dir, root) = tree_of(&["a/x.py", "a/y.py", "b/z.py", "build/g.py", "top.py"]);
        let names = |targets: &[&str]| -> Vec<String> {
            let set = targets.iter().map(|t| (*t).to_owned()).collect();
            walk_targets(&root, &set)
                .into_iter()
                .map(|f| f.relative)
                .collect()
        };
        assert_eq!(names(&["a/x.py"]), ["a/x.py"]);
        assert_eq!(names(&["a", "top.py"]), ["a/x.py", "a/y.py", "top.py"]);
        assert!(names(&["build/g.py"]).is_empty(), "ignored");
        assert!(names(&["gone.py"]).is_empty());
        assert_eq!(names(&[""]).len(), 4);
    }

    #[test]
    fn each_directory_entered_is_seen_once_and_before_its_files_are_listed() {
        let (_dir, root) = tree_of(&["a/b/x.py", "a/y.py", "c/z.py", "build/g.py", ".hidden/h.py"]);
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("a"), root.join("link")).expect("symlink");
        let everything = std::collections::BTreeSet::from([String::new()]);
        let mut seen = Vec::new();
        // A file created in a directory as the walk reaches it is listed (the watcher's
        // start watches the directory there, before the walk lists it).
        let (files, dirs) = walk_targets_and_dirs(&root, &everything, |d| {
            seen.push(d.to_owned());
            std::fs::write(root.join(d).join("late.py"), "x = 1\n").expect("writes");
        });
        assert_eq!(dirs, ["", "a", "a/b", "c"]);
        seen.sort();
        assert_eq!(seen, dirs, "each directory once");
        let names: Vec<&str> = files.iter().map(|f| f.relative.as_str()).collect();
        assert_eq!(
            names,
            [
                "a/b/late.py",
                "a/b/x.py",
                "a/late.py",
                "a/y.py",
                "c/late.py",
                "c/z.py",
                "late.py"
            ]
        );
    }

    #[test]
    fn roots_are_checked_before_anything_is_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let allowed = vec![dir.path().to_path_buf()];
        let inner = dir.path().join("a");
        std::fs::create_dir(&inner).expect("mkdir");
        assert!(canonical_root(&inner, &allowed).is_ok());
        assert!(matches!(
            canonical_root(Path::new("a"), &allowed),
            Err(WorkspaceError::InvalidRoot { .. })
        ));
        assert!(matches!(
            canonical_root(&inner.join("..").join("a"), &allowed),
            Err(WorkspaceError::InvalidRoot { .. })
        ));
        assert!(matches!(
            canonical_root(&inner, &[]),
            Err(WorkspaceError::RootNotAllowed { .. })
        ));
    }
}
