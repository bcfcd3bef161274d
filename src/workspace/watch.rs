//! Live workspaces: a file watcher (inotify on Linux, `notify` elsewhere, debounced per path:
//! `debounce.rs`) reports changed, added, renamed and deleted paths; the workspace's own
//! thread re-walks just those paths with the walk's rules ([`walk::walk_targets`]: ignore
//! files, hidden files, no symlinks, inside the root) and re-indexes, adds or forgets the files
//! found or gone. A watcher error or overflow — the kernel's queue, or more than
//! `workspace.watch_queue_events` events waiting — triggers a rescan of the whole root instead. Every change bumps the generation.
//!
//! Only the directories the walk enters are watched, each on its own (not recursively): an
//! ignored `target/` or `node_modules/`, `.git/` and symlinked directories take no watch. Each
//! re-walk brings the watches of its part of the tree in line with what it entered: a new
//! directory is watched as the walk reaches it (before it lists it), a directory gone or
//! newly ignored is unwatched.
//!
//! The watcher stops when the workspace is closed: its thread sees the cancellation within
//! [`POLL`], drops the watcher (which stops its threads) and ends.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use super::debounce::Debouncer;
use super::{METRICS, Workspace, WorkspaceSettings, forget_gone, index_files, walk};
use crate::pipeline::Analyzer;

/// How often the watching thread checks whether its workspace was closed.
pub const POLL: Duration = Duration::from_millis(100);

/// The snapshot is written again once the index has not changed for this long (live edits
/// come in bursts: one write per burst, not per file).
pub const SNAPSHOT_QUIET_MS: u64 = 2000;

/// Messages (batches of paths) queued at most; the events in them are bounded separately.
const QUEUE_MESSAGES: usize = 1024;

/// Where changed paths are reported: a bounded queue to the workspace's thread. Past its
/// bound the paths are dropped and a rescan is asked for instead.
#[derive(Clone)]
pub struct Feed {
    tx: SyncSender<Vec<PathBuf>>,
    queued: Arc<AtomicUsize>,
    overflow: Arc<AtomicBool>,
    max_events: usize,
}

impl Feed {
    pub(super) fn new(max_events: usize) -> (Feed, Receiver<Vec<PathBuf>>) {
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE_MESSAGES);
        let feed = Feed {
            tx,
            queued: Arc::new(AtomicUsize::new(0)),
            overflow: Arc::new(AtomicBool::new(false)),
            max_events: max_events.max(1),
        };
        (feed, rx)
    }

    /// Queues changed paths (absolute), or asks for a rescan when the queue is full.
    pub fn push(&self, paths: Vec<PathBuf>) {
        if paths.is_empty() {
            return;
        }
        let n = paths.len();
        if self.queued.fetch_add(n, Ordering::AcqRel) + n > self.max_events {
            self.queued.fetch_sub(n, Ordering::AcqRel);
            self.rescan();
            return;
        }
        match self.tx.try_send(paths) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.queued.fetch_sub(n, Ordering::AcqRel);
                self.rescan();
            }
        }
    }

    /// Queues a path relative to the root (an open document closed).
    pub fn push_relative(&self, relative: &str) {
        self.push(vec![PathBuf::from(relative)]);
    }

    /// Asks the watching thread for a rescan of the whole root.
    pub fn rescan(&self) {
        self.overflow.store(true, Ordering::Release);
    }

    /// Whether a rescan was asked for (and clears the request).
    #[cfg(test)]
    pub(super) fn take_rescan(&self) -> bool {
        self.overflow.swap(false, Ordering::AcqRel)
    }
}

/// A running watcher and the queue it feeds.
pub struct Watching {
    debouncer: Debouncer,
    rx: Receiver<Vec<PathBuf>>,
    feed: Feed,
    dirs: Dirs,
}

/// The directories under watch and those whose watch failed (relative names, `""` the root).
#[derive(Default)]
struct Dirs {
    watched: BTreeSet<String>,
    failed: BTreeSet<String>,
}

impl Dirs {
    /// Watches `dir` (not recursively) unless it is watched already; true when a new watch
    /// was set. A failure is kept (and tried again when a later walk enters the directory).
    fn watch(&mut self, debouncer: &mut Debouncer, root: &Path, dir: &str) -> bool {
        if self.watched.contains(dir) {
            return false;
        }
        match debouncer.watch(&root.join(dir)) {
            Ok(()) => {
                self.failed.remove(dir);
                self.watched.insert(dir.to_owned())
            }
            Err(e) => {
                if self.failed.insert(dir.to_owned()) {
                    tracing::warn!(root = %root.display(), dir, error = %e, "cannot watch a workspace directory: changes in it are not seen");
                }
                false
            }
        }
    }

    /// Unwatches the directories `under` selects that `entered` (the walk's directories,
    /// sorted) does not hold: gone, renamed away, now ignored or a symlink.
    fn forget_except(
        &mut self,
        debouncer: &mut Debouncer,
        root: &Path,
        entered: &[String],
        under: impl Fn(&str) -> bool,
    ) {
        let gone: Vec<String> = self
            .watched
            .iter()
            .chain(&self.failed)
            .filter(|d| under(d) && entered.binary_search(d).is_err())
            .cloned()
            .collect();
        for dir in gone {
            if self.watched.remove(&dir) {
                // An error: the kernel already dropped the watch of a deleted directory.
                let _ = debouncer.unwatch(&root.join(&dir));
            }
            self.failed.remove(&dir);
        }
    }

    /// Reports the counts in the workspace's status.
    fn publish(&self, ws: &Workspace) {
        ws.watched_dirs
            .store(self.watched.len() as u64, Ordering::Release);
        ws.unwatched_dirs
            .store(self.failed.len() as u64, Ordering::Release);
    }
}

/// Starts watching the directories of the workspace's root that the walk enters (each on its
/// own, as the walk reaches it and before it lists it; symlinks are not followed), and gives
/// the files that walk found ([`walk::walk`]'s): the initial index needs no walk of its own.
/// `None` (and a warning) when the platform's watcher cannot be started or the root itself
/// cannot be watched, e.g. over the inotify limits: the workspace then keeps its initial
/// index (`watching: false`). A directory below the root that cannot be watched is counted in
/// the status (`unwatched_dirs`).
pub fn start(
    ws: &Workspace,
    settings: &WorkspaceSettings,
) -> Option<(Watching, Vec<walk::WalkedFile>)> {
    let (feed, rx) = Feed::new(settings.watch_queue_events);
    let mut debouncer = match start_watcher(ws, settings, &feed) {
        Ok(debouncer) => debouncer,
        Err(e) => {
            tracing::warn!(id = %ws.id(), error = %e, "cannot watch the workspace: its index will not follow changes");
            return None;
        }
    };
    let mut dirs = Dirs::default();
    dirs.watched.insert(String::new());
    let everything = BTreeSet::from([String::new()]);
    let (files, _) = walk::walk_targets_and_dirs(ws.root(), &everything, |dir| {
        if !ws.cancel.is_cancelled() {
            dirs.watch(&mut debouncer, ws.root(), dir);
        }
    });
    dirs.publish(ws);
    *ws.feed.lock().unwrap_or_else(|p| p.into_inner()) = Some(feed.clone());
    Some((
        Watching {
            debouncer,
            rx,
            feed,
            dirs,
        },
        files,
    ))
}

/// A platform watcher for the workspace, feeding `feed`, with its root watched (the root
/// first: without it, nothing is watched).
fn start_watcher(
    ws: &Workspace,
    settings: &WorkspaceSettings,
    feed: &Feed,
) -> std::io::Result<Debouncer> {
    let label = ws.root().display().to_string();
    // Fault injection: this start fails as one over the inotify limits would.
    #[cfg(feature = "test-hooks")]
    if crate::parse::test_hooks::take(&format!("workspace_watcher_start:{label}")) {
        return Err(std::io::Error::other("test hook: the watcher cannot start"));
    }
    let mut debouncer = Debouncer::new(
        settings.watch_debounce,
        settings.watch_queue_events,
        feed.clone(),
        &label,
    )?;
    debouncer.watch(ws.root())?;
    Ok(debouncer)
}

/// The first wait before a failed watcher's replacement is tried again; each failure doubles
/// it, up to [`RESTART_MAX`].
const RESTART_FIRST: Duration = Duration::from_secs(1);
/// The longest wait between two attempts to replace a failed watcher.
const RESTART_MAX: Duration = Duration::from_secs(60);

/// Decrements the running-watcher count when the thread ends, however it ends.
struct Running<'a>(&'a AtomicU64);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Applies the watcher's changes until the workspace is closed.
pub fn run(
    ws: &Workspace,
    analyzer: &Arc<Analyzer>,
    settings: &WorkspaceSettings,
    watching: Watching,
    running: &AtomicU64,
) {
    running.fetch_add(1, Ordering::AcqRel);
    let _running = Running(running);
    let Watching {
        debouncer,
        rx,
        feed,
        mut dirs,
    } = watching;
    // `None` while a failed watcher waits to be replaced, with when to try next.
    let mut debouncer = Some(debouncer);
    let mut retry_at = Instant::now();
    let mut retry_delay = RESTART_FIRST;
    while !ws.cancel.is_cancelled() {
        let mut paths: Vec<PathBuf> = match rx.recv_timeout(POLL) {
            Ok(paths) => {
                feed.queued.fetch_sub(paths.len(), Ordering::AcqRel);
                paths
            }
            Err(RecvTimeoutError::Timeout) => Vec::new(),
            Err(RecvTimeoutError::Disconnected) => break,
        };
        // Whatever else is waiting goes into the same pass.
        for more in rx.try_iter().take(QUEUE_MESSAGES) {
            feed.queued.fetch_sub(more.len(), Ordering::AcqRel);
            paths.extend(more);
        }
        if let Some(failed) = debouncer.take_if(|d| !d.is_alive()) {
            // The watcher stopped on an error: changes are not seen until a new one runs.
            METRICS.watcher_failures.inc();
            ws.watcher_down.store(true, Ordering::Release);
            failed.stop();
            dirs = Dirs::default();
            dirs.publish(ws);
            retry_at = Instant::now();
            retry_delay = RESTART_FIRST;
        }
        let mut replaced = false;
        if debouncer.is_none() {
            // What changed meanwhile is found by the rescan that follows the replacement.
            if Instant::now() < retry_at {
                continue;
            }
            match start_watcher(ws, settings, &feed) {
                Ok(new) => {
                    tracing::info!(id = %ws.id(), "workspace: the failed watcher was replaced; rescanning");
                    debouncer = Some(new);
                    dirs.watched.insert(String::new());
                    ws.watcher_down.store(false, Ordering::Release);
                    replaced = true;
                }
                Err(e) => {
                    tracing::warn!(id = %ws.id(), error = %e, retry_in_s = retry_delay.as_secs(), "workspace: cannot replace the failed watcher");
                    retry_at = Instant::now() + retry_delay;
                    retry_delay = (retry_delay * 2).min(RESTART_MAX);
                    continue;
                }
            }
        }
        let Some(debouncer) = debouncer.as_mut() else {
            continue;
        };
        // Documents evicted from the documents table (not closed) give their path back.
        let mut targets: BTreeSet<String> = ws.dead_overlays().into_iter().collect();
        // A new watcher rescans too (and clears any rescan asked of the old one).
        if feed.overflow.swap(false, Ordering::AcqRel) | replaced {
            METRICS.rescans.inc();
            tracing::info!(id = %ws.id(), "workspace: rescanning after a watcher overflow or error");
            targets.insert(String::new());
        } else {
            for path in &paths {
                if let Some(target) = target_of(ws.root(), path) {
                    targets.insert(target);
                }
            }
        }
        if !targets.is_empty() && !ws.cancel.is_cancelled() {
            reconcile(ws, analyzer, settings, &targets, debouncer, &mut dirs);
        }
        // The snapshot follows live changes once they have settled.
        let quiet_ms =
            super::now_unix_ms().saturating_sub(ws.last_change_unix_ms.load(Ordering::Acquire));
        if quiet_ms >= SNAPSHOT_QUIET_MS
            && ws.generation() != ws.saved_generation.load(Ordering::Acquire)
        {
            ws.save_snapshot();
        }
    }
    *ws.feed.lock().unwrap_or_else(|p| p.into_inner()) = None;
    Dirs::default().publish(ws);
    // Stops the watcher's threads and waits for them.
    if let Some(debouncer) = debouncer {
        debouncer.stop();
    }
    tracing::debug!(id = %ws.id(), "workspace watcher stopped");
}

/// The relative path to re-walk for a changed `path` (absolute, or relative to the root for
/// an open document's path): the path itself; the directory of a changed `.gitignore` or
/// `.ignore` (its rules changed); `None` for a path outside the root or under a hidden
/// directory or file (never indexed).
pub fn target_of(root: &Path, path: &Path) -> Option<String> {
    let relative = if path.is_absolute() {
        walk::relative_name(root, path)?
    } else {
        path.to_str()?.to_owned()
    };
    let (dir, name) = match relative.rsplit_once('/') {
        Some((dir, name)) => (dir, name),
        None => ("", relative.as_str()),
    };
    if name == ".gitignore" || name == ".ignore" {
        return (!dir.split('/').any(|c| c.starts_with('.'))).then(|| dir.to_owned());
    }
    if relative
        .split('/')
        .any(|c| c.starts_with('.') || c.is_empty() || c == "..")
    {
        return None;
    }
    Some(relative)
}

/// Re-walks `targets` (relative paths; `""` the whole root): files found are (re-)indexed,
/// known files at or under a target that the walk no longer finds (deleted, renamed away,
/// now ignored or a symlink) are forgotten. Paths an open document stands for are left alone.
/// The watches follow the walk: a directory it enters is watched as it reaches it, a watched
/// directory at or under a target that it no longer enters is unwatched (first, so that a
/// renamed directory's watch is not dropped after its new path took it).
fn reconcile(
    ws: &Workspace,
    analyzer: &Arc<Analyzer>,
    settings: &WorkspaceSettings,
    targets: &BTreeSet<String>,
    debouncer: &mut Debouncer,
    dirs: &mut Dirs,
) {
    let whole = targets.contains("");
    let under_target = |path: &str| {
        whole
            || targets.iter().any(|t| {
                path == t
                    || (path.len() > t.len()
                        && path.starts_with(t.as_str())
                        && path.as_bytes()[t.len()] == b'/')
            })
    };
    let mut entered = Vec::new();
    let (found, _) = walk::walk_targets_and_dirs(ws.root(), targets, |dir| {
        entered.push(dir.to_owned());
    });
    entered.sort();
    dirs.forget_except(debouncer, ws.root(), &entered, under_target);
    let mut new_dirs = BTreeSet::new();
    for dir in &entered {
        if dirs.watch(debouncer, ws.root(), dir) {
            new_dirs.insert(dir.clone());
        }
    }
    dirs.publish(ws);
    let mut found = found;
    if !new_dirs.is_empty() {
        // Files created in a new directory after the walk listed it and before its watch was
        // set sent no event: list the new directories again now that they are watched.
        found.extend(walk::walk_targets(ws.root(), &new_dirs));
        found.sort();
        found.dedup();
    }
    forget_gone(ws, &found, &[], under_target);
    index_files(ws, analyzer, settings, found);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_the_path_or_the_directory_of_an_ignore_file() {
        let root = Path::new("/r");
        let t = |p: &str| target_of(root, Path::new(p));
        assert_eq!(t("/r/a/b.py").as_deref(), Some("a/b.py"));
        assert_eq!(t("/r/a/.gitignore").as_deref(), Some("a"));
        assert_eq!(t("/r/.gitignore").as_deref(), Some(""));
        assert_eq!(t("/r/.git/index"), None);
        assert_eq!(t("/r/a/.hidden.py"), None);
        assert_eq!(t("/other/b.py"), None);
        assert_eq!(t("a/b.py").as_deref(), Some("a/b.py"));
        assert_eq!(t("../b.py"), None);
    }

    #[test]
    fn a_full_queue_asks_for_a_rescan() {
        let (feed, rx) = Feed::new(3);
        feed.push(vec![PathBuf::from("/r/a"), PathBuf::from("/r/b")]);
        assert!(!feed.overflow.load(Ordering::Acquire));
        feed.push(vec![PathBuf::from("/r/c"), PathBuf::from("/r/d")]);
        assert!(feed.overflow.load(Ordering::Acquire));
        assert_eq!(rx.try_iter().count(), 1);
    }
}
