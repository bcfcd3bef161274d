//! The workspace watcher's debouncer: notify's platform watcher, whose events are gathered per
//! path and handed to the workspace's [`Feed`] once a path has been quiet for the debounce
//! window. Reads (`Access` events: the indexer's own opens) are not changes; a watcher error
//! or an event that asks for a rescan (a kernel queue overflow) asks the feed for a rescan.
//!
//! It replaces `notify-debouncer-full`, which kept every watched directory in a list searched
//! by path equality on each new watch: a watch per directory made setting up a workspace of
//! 3 000 directories quadratic (0.4 s of the coordinator's time before indexing started).
//! Its file-id cache (for renames) was off here anyway: a rename is two paths to re-walk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher};

use super::watch::Feed;

/// Paths changed and not yet handed on, with the time of each one's last event.
#[derive(Default)]
struct Pending {
    paths: HashMap<PathBuf, Instant>,
    stop: bool,
}

/// What the watcher's callback and the flushing thread share.
struct Shared {
    pending: Mutex<Pending>,
    changed: Condvar,
    /// Paths waiting at most; past it they are dropped and a rescan is asked for.
    max_paths: usize,
    feed: Feed,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes in one event of the platform watcher.
    fn event(&self, result: notify::Result<notify::Event>) {
        match result {
            Ok(event) if event.need_rescan() => self.feed.rescan(),
            Ok(event) if is_change(&event.kind) => {
                let now = Instant::now();
                let mut pending = self.lock();
                for path in event.paths {
                    pending.paths.insert(path, now);
                }
                if pending.paths.len() > self.max_paths {
                    pending.paths.clear();
                    self.feed.rescan();
                }
                drop(pending);
                self.changed.notify_one();
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "workspace watcher error: rescanning");
                self.feed.rescan();
            }
        }
    }

    /// Hands the paths quiet for `window` to the feed, until stopped.
    fn flush_until_stopped(&self, window: Duration) {
        let tick = (window / 2).max(Duration::from_millis(5));
        let mut pending = self.lock();
        loop {
            if pending.stop {
                return;
            }
            if pending.paths.is_empty() {
                pending = self
                    .changed
                    .wait(pending)
                    .unwrap_or_else(|p| p.into_inner());
                continue;
            }
            let now = Instant::now();
            let mut quiet = Vec::new();
            pending.paths.retain(|path, last| {
                let done = now.duration_since(*last) >= window;
                if done {
                    quiet.push(path.clone());
                }
                !done
            });
            if !quiet.is_empty() {
                drop(pending);
                quiet.sort();
                self.feed.push(quiet);
                pending = self.lock();
                continue;
            }
            pending = self
                .changed
                .wait_timeout(pending, tick)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

/// True for the events that may change a file. Opening or reading one changes nothing;
/// reacting to it would re-index, after every debounce window, each file the indexer itself
/// had just read (an idle workspace re-indexed itself forever).
pub fn is_change(kind: &EventKind) -> bool {
    !matches!(kind, EventKind::Access(_))
}

/// A platform watcher whose changes reach a [`Feed`] debounced per path.
pub struct Debouncer {
    watcher: notify::RecommendedWatcher,
    shared: Arc<Shared>,
    flusher: Option<std::thread::JoinHandle<()>>,
}

impl Debouncer {
    /// Starts the platform watcher (nothing watched yet) and the thread that hands quiet paths
    /// to `feed` once each has had no event for `window`; at most `max_paths` paths wait.
    ///
    /// # Errors
    /// The platform watcher cannot start (e.g. over the inotify instance limit); the thread
    /// cannot start.
    pub fn new(
        window: Duration,
        max_paths: usize,
        feed: Feed,
        config: notify::Config,
    ) -> notify::Result<Debouncer> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            changed: Condvar::new(),
            max_paths: max_paths.max(1),
            feed,
        });
        let handler = {
            let shared = Arc::clone(&shared);
            move |result| shared.event(result)
        };
        let watcher = notify::RecommendedWatcher::new(handler, config)?;
        let flusher = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("syntaxd-debounce".to_owned())
                .spawn(move || shared.flush_until_stopped(window))
                .map_err(notify::Error::io)?
        };
        Ok(Debouncer {
            watcher,
            shared,
            flusher: Some(flusher),
        })
    }

    /// Watches `path` (a directory, not recursively).
    ///
    /// # Errors
    /// The platform refused the watch (gone, no permission, over the watch limit).
    pub fn watch(&mut self, path: &Path) -> notify::Result<()> {
        self.watcher.watch(path, RecursiveMode::NonRecursive)
    }

    /// Stops watching `path`.
    ///
    /// # Errors
    /// It was not watched, or the kernel already dropped its watch (a deleted directory).
    pub fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        self.watcher.unwatch(path)
    }

    /// Stops the platform watcher and the flushing thread (paths still waiting are dropped:
    /// the workspace is closing).
    pub fn stop(mut self) {
        self.stop_flusher();
    }

    fn stop_flusher(&mut self) {
        self.shared.lock().stop = true;
        self.shared.changed.notify_all();
        if let Some(flusher) = self.flusher.take() {
            let _ = flusher.join();
        }
    }
}

impl Drop for Debouncer {
    fn drop(&mut self) {
        self.stop_flusher();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind};

    fn shared(max_paths: usize) -> (Arc<Shared>, std::sync::mpsc::Receiver<Vec<PathBuf>>) {
        let (feed, rx) = Feed::new(1_000);
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            changed: Condvar::new(),
            max_paths,
            feed,
        });
        (shared, rx)
    }

    fn event(kind: EventKind, path: &str) -> notify::Result<notify::Event> {
        Ok(notify::Event::new(kind).add_path(PathBuf::from(path)))
    }

    #[test]
    fn changes_are_handed_on_once_per_path_after_the_window_and_reads_are_not_changes() {
        let (shared, rx) = shared(100);
        let window = Duration::from_millis(30);
        let flusher = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || shared.flush_until_stopped(window))
        };
        let read = AccessKind::Open(AccessMode::Read);
        shared.event(event(EventKind::Access(read), "/r/read.py"));
        shared.event(event(
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            "/r/read.py",
        ));
        for _ in 0..3 {
            shared.event(event(EventKind::Modify(ModifyKind::Any), "/r/written.py"));
        }
        shared.event(event(EventKind::Create(CreateKind::File), "/r/new.py"));
        // Handed on once quiet: each path once, the read file not at all.
        let mut got = Vec::new();
        while got.len() < 2 {
            got.extend(rx.recv_timeout(Duration::from_secs(10)).expect("flushed"));
        }
        got.sort();
        assert_eq!(
            got,
            [PathBuf::from("/r/new.py"), PathBuf::from("/r/written.py")]
        );
        assert!(rx.recv_timeout(window * 4).is_err(), "nothing more");
        shared.lock().stop = true;
        shared.changed.notify_all();
        flusher.join().expect("flusher ends");
    }

    #[test]
    fn too_many_waiting_paths_or_a_rescan_event_ask_for_a_rescan() {
        let (shared, _rx) = shared(2);
        for name in ["/r/a", "/r/b"] {
            shared.event(event(EventKind::Modify(ModifyKind::Any), name));
        }
        assert!(!shared.feed.take_rescan());
        shared.event(event(EventKind::Modify(ModifyKind::Any), "/r/c"));
        assert!(shared.feed.take_rescan());
        assert!(shared.lock().paths.is_empty(), "dropped for the rescan");

        shared.event(Ok(
            notify::Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan)
        ));
        assert!(shared.feed.take_rescan());
        shared.event(Err(notify::Error::generic("boom")));
        assert!(shared.feed.take_rescan());
    }
}
