//! The workspace watcher's debouncer: the platform's watcher (inotify on Linux, driven
//! directly; `notify` elsewhere), whose events are gathered per path and handed to the
//! workspace's [`Feed`] once a path has been quiet for the debounce window. Reads are not
//! changes (on Linux they are not even asked for: the indexer's own opens send no event); a
//! watcher error or a kernel queue overflow asks the feed for a rescan.
//!
//! It replaces `notify-debouncer-full`, which kept every watched directory in a list searched
//! by path equality on each new watch: a watch per directory made setting up a workspace of
//! 3 000 directories quadratic (0.4 s before indexing started). On Linux a watch is one
//! `inotify_add_watch` call here, where `notify` sent each to its own thread and waited for
//! the answer (0.55 s for those 3 000). Its file-id cache (for renames) was off here anyway: a
//! rename is two paths to re-walk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

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
    /// What is watched (the workspace's root), for logs.
    label: String,
}

impl Shared {
    fn new(max_paths: usize, feed: Feed, label: String) -> Shared {
        Shared {
            pending: Mutex::new(Pending::default()),
            changed: Condvar::new(),
            max_paths: max_paths.max(1),
            feed,
            label,
        }
    }

    /// Ends [`flush_until_stopped`](Self::flush_until_stopped).
    fn stop(&self) {
        self.lock().stop = true;
        self.changed.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes in one event of `notify`.
    #[cfg(any(not(target_os = "linux"), test))]
    fn event(&self, result: notify::Result<notify::Event>) {
        match result {
            Ok(event) if event.need_rescan() => self.feed.rescan(),
            Ok(event) if is_change(&event.kind) => self.changed_paths(event.paths),
            Ok(_) => {}
            Err(e) => self.failed(&e),
        }
    }

    /// Records changes to `paths` now.
    fn changed_paths(&self, paths: impl IntoIterator<Item = PathBuf>) {
        let now = Instant::now();
        let mut pending = self.lock();
        for path in paths {
            pending.paths.insert(path, now);
        }
        if pending.paths.len() > self.max_paths {
            pending.paths.clear();
            self.feed.rescan();
        }
        drop(pending);
        self.changed.notify_one();
    }

    /// The watcher failed: what it missed is found by a rescan.
    fn failed(&self, error: &dyn std::fmt::Display) {
        tracing::warn!(root = %self.label, error = %error, "workspace watcher error: rescanning");
        self.feed.rescan();
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
#[cfg(any(not(target_os = "linux"), test))]
fn is_change(kind: &notify::EventKind) -> bool {
    !matches!(kind, notify::EventKind::Access(_))
}

/// A platform watcher whose changes reach a [`Feed`] debounced per path.
pub struct Debouncer {
    watcher: platform::Watcher,
    shared: Arc<Shared>,
    flusher: Option<std::thread::JoinHandle<()>>,
}

impl Debouncer {
    /// Starts the platform watcher (nothing watched yet) and the thread that hands quiet paths
    /// to `feed` once each has had no event for `window`; at most `max_paths` paths wait.
    /// `label` names what is watched (the workspace's root) in logs.
    ///
    /// # Errors
    /// The platform watcher cannot start (e.g. over the inotify instance limit); a thread
    /// cannot start.
    pub fn new(
        window: Duration,
        max_paths: usize,
        feed: Feed,
        label: &str,
    ) -> std::io::Result<Debouncer> {
        let shared = Arc::new(Shared::new(max_paths, feed, label.to_owned()));
        let watcher = platform::Watcher::new(Arc::clone(&shared))?;
        let flusher = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("syntaxd-debounce".to_owned())
                .spawn(move || shared.flush_until_stopped(window))?
        };
        Ok(Debouncer {
            watcher,
            shared,
            flusher: Some(flusher),
        })
    }

    /// Watches `path` (a directory, not recursively; symlinks are not followed).
    ///
    /// # Errors
    /// The platform refused the watch (gone, no permission, over the watch limit).
    pub fn watch(&mut self, path: &Path) -> std::io::Result<()> {
        self.watcher.watch(path)
    }

    /// False once the platform watcher has stopped on an error (it logged it): no change is
    /// reported any more, so it must be replaced and the root rescanned (`watch::run`).
    pub fn is_alive(&self) -> bool {
        self.watcher.is_alive()
    }

    /// Stops watching `path`.
    ///
    /// # Errors
    /// It was not watched, or the kernel already dropped its watch (a deleted directory).
    pub fn unwatch(&mut self, path: &Path) -> std::io::Result<()> {
        self.watcher.unwatch(path)
    }

    /// Stops the platform watcher and the flushing thread (paths still waiting are dropped:
    /// the workspace is closing). Dropping it does the same.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Debouncer {
    fn drop(&mut self) {
        self.watcher.stop();
        self.shared.stop();
        if let Some(flusher) = self.flusher.take() {
            let _ = flusher.join();
        }
    }
}

/// inotify, driven directly: a watch is one system call, and only changes are asked for.
#[cfg(target_os = "linux")]
mod platform {
    use std::collections::HashMap;
    use std::io;
    use std::os::fd::AsRawFd;
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask, Watches};
    use mio::unix::SourceFd;
    use mio::{Events, Interest, Poll, Token, Waker};

    use super::Shared;

    const INOTIFY: Token = Token(0);
    const STOP: Token = Token(1);

    /// The events that may change a file: no opens, reads or closes after reading.
    fn mask() -> WatchMask {
        WatchMask::CREATE
            | WatchMask::DELETE
            | WatchMask::MODIFY
            | WatchMask::CLOSE_WRITE
            | WatchMask::MOVED_FROM
            | WatchMask::MOVED_TO
            | WatchMask::ATTRIB
            | WatchMask::DELETE_SELF
            | WatchMask::MOVE_SELF
            | WatchMask::DONT_FOLLOW
            | WatchMask::ONLYDIR
            | WatchMask::EXCL_UNLINK
    }

    /// Watched directories by descriptor and by path.
    #[derive(Default)]
    struct Watched {
        paths: HashMap<WatchDescriptor, PathBuf>,
        descriptors: HashMap<PathBuf, WatchDescriptor>,
    }

    impl Watched {
        fn forget(&mut self, wd: &WatchDescriptor) {
            if let Some(path) = self.paths.remove(wd)
                && self.descriptors.get(&path) == Some(wd)
            {
                self.descriptors.remove(&path);
            }
        }
    }

    /// The inotify instance, its directories and the thread that reads its events.
    pub struct Watcher {
        watches: Watches,
        watched: Arc<Mutex<Watched>>,
        stop: Arc<AtomicBool>,
        /// Set when the reader thread ends without being stopped (an error, a panic).
        dead: Arc<AtomicBool>,
        waker: Waker,
        reader: Option<std::thread::JoinHandle<()>>,
    }

    /// Marks the watcher dead when its reader thread ends, however it ends, unless it was
    /// stopped.
    struct Ending<'a> {
        stop: &'a AtomicBool,
        dead: &'a AtomicBool,
    }

    impl Drop for Ending<'_> {
        fn drop(&mut self) {
            if !self.stop.load(Ordering::Acquire) {
                self.dead.store(true, Ordering::Release);
            }
        }
    }

    impl Watcher {
        pub fn new(shared: Arc<Shared>) -> io::Result<Watcher> {
            let inotify = Inotify::init()?;
            let watches = inotify.watches();
            let poll = Poll::new()?;
            poll.registry().register(
                &mut SourceFd(&inotify.as_raw_fd()),
                INOTIFY,
                Interest::READABLE,
            )?;
            let waker = Waker::new(poll.registry(), STOP)?;
            let watched = Arc::new(Mutex::new(Watched::default()));
            let stop = Arc::new(AtomicBool::new(false));
            let dead = Arc::new(AtomicBool::new(false));
            let reader = {
                let watched = Arc::clone(&watched);
                let stop = Arc::clone(&stop);
                let dead = Arc::clone(&dead);
                std::thread::Builder::new()
                    .name("syntaxd-inotify".to_owned())
                    .spawn(move || {
                        let _ending = Ending {
                            stop: &stop,
                            dead: &dead,
                        };
                        read_until_stopped(inotify, poll, &shared, &watched, &stop);
                    })?
            };
            Ok(Watcher {
                watches,
                watched,
                stop,
                dead,
                waker,
                reader: Some(reader),
            })
        }

        pub fn is_alive(&self) -> bool {
            !self.dead.load(Ordering::Acquire)
        }

        fn lock(&self) -> std::sync::MutexGuard<'_, Watched> {
            self.watched.lock().unwrap_or_else(|p| p.into_inner())
        }

        pub fn watch(&mut self, path: &Path) -> io::Result<()> {
            let wd = self.watches.add(path, mask())?;
            let mut watched = self.lock();
            watched.paths.insert(wd.clone(), path.to_path_buf());
            watched.descriptors.insert(path.to_path_buf(), wd);
            Ok(())
        }

        pub fn unwatch(&mut self, path: &Path) -> io::Result<()> {
            let wd = {
                let mut watched = self.lock();
                let wd = watched.descriptors.remove(path);
                if let Some(wd) = &wd {
                    watched.paths.remove(wd);
                }
                wd
            };
            match wd {
                Some(wd) => self.watches.remove(wd),
                None => Err(io::Error::new(io::ErrorKind::NotFound, "not watched")),
            }
        }

        pub fn stop(&mut self) {
            self.stop.store(true, Ordering::Release);
            if let Some(reader) = self.reader.take() {
                if let Err(e) = self.waker.wake() {
                    tracing::warn!(error = %e, "cannot wake the workspace watcher's thread: left to end with the process");
                    return;
                }
                let _ = reader.join();
            }
        }
    }

    /// Reads inotify's events and records the paths they name, until `stop` (and a wake).
    fn read_until_stopped(
        mut inotify: Inotify,
        mut poll: Poll,
        shared: &Shared,
        watched: &Mutex<Watched>,
        stop: &AtomicBool,
    ) {
        let mut buffer = vec![0u8; 64 * 1024];
        let mut events = Events::with_capacity(8);
        while !stop.load(Ordering::Acquire) {
            let polled = poll.poll(&mut events, None);
            // Fault injection: this wake-up fails as a failing poll would.
            #[cfg(feature = "test-hooks")]
            let polled = if crate::parse::test_hooks::take(&format!(
                "workspace_watcher_error:{}",
                shared.label
            )) {
                Err(io::Error::other("test hook: the watcher's poll failed"))
            } else {
                polled
            };
            if let Err(e) = polled {
                if e.kind() != io::ErrorKind::Interrupted {
                    // The thread ends: the watcher is dead, and the workspace's thread replaces
                    // it and rescans (`watch::run`).
                    tracing::error!(root = %shared.label, error = %e, "workspace watcher failed: it will be replaced");
                    return;
                }
                continue;
            }
            // Readable (edge-triggered): read until nothing is left.
            loop {
                let read = match inotify.read_events(&mut buffer) {
                    Ok(read) => read,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => {
                        shared.failed(&e);
                        break;
                    }
                };
                let mut changed = Vec::new();
                {
                    let mut watched = watched.lock().unwrap_or_else(|p| p.into_inner());
                    for event in read {
                        if event.mask.contains(EventMask::Q_OVERFLOW) {
                            shared.feed.rescan();
                        } else if event.mask.contains(EventMask::IGNORED) {
                            watched.forget(&event.wd);
                        } else if let Some(dir) = watched.paths.get(&event.wd) {
                            changed.push(match event.name {
                                Some(name) => dir.join(name),
                                None => dir.clone(),
                            });
                        }
                    }
                }
                if !changed.is_empty() {
                    shared.changed_paths(changed);
                }
            }
        }
    }
}

/// `notify`'s watcher for the platform.
#[cfg(not(target_os = "linux"))]
mod platform {
    use std::io;
    use std::path::Path;
    use std::sync::Arc;

    use notify::{RecursiveMode, Watcher as _};

    use super::Shared;

    fn io_error(e: notify::Error) -> io::Error {
        io::Error::other(e)
    }

    pub struct Watcher(Option<notify::RecommendedWatcher>);

    impl Watcher {
        pub fn new(shared: Arc<Shared>) -> io::Result<Watcher> {
            let config = notify::Config::default().with_follow_symlinks(false);
            notify::RecommendedWatcher::new(move |result| shared.event(result), config)
                .map(|w| Watcher(Some(w)))
                .map_err(io_error)
        }

        pub fn watch(&mut self, path: &Path) -> io::Result<()> {
            match &mut self.0 {
                Some(w) => w.watch(path, RecursiveMode::NonRecursive).map_err(io_error),
                None => Err(io::Error::other("stopped")),
            }
        }

        pub fn unwatch(&mut self, path: &Path) -> io::Result<()> {
            match &mut self.0 {
                Some(w) => w.unwatch(path).map_err(io_error),
                None => Err(io::Error::other("stopped")),
            }
        }

        /// `notify` reports its errors as events (each asks for a rescan) and keeps running.
        pub fn is_alive(&self) -> bool {
            self.0.is_some()
        }

        pub fn stop(&mut self) {
            self.0 = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::EventKind;
    use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind};

    fn shared(max_paths: usize) -> (Arc<Shared>, std::sync::mpsc::Receiver<Vec<PathBuf>>) {
        let (feed, rx) = Feed::new(1_000);
        (Arc::new(Shared::new(max_paths, feed, "/r".to_owned())), rx)
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
        shared.stop();
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

    #[test]
    fn the_platform_watcher_reports_writes_creates_and_deletes_not_reads_and_stops() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        std::fs::write(root.join("old.py"), "x = 1\n").expect("writes");
        let (feed, rx) = Feed::new(1_000);
        let mut debouncer =
            Debouncer::new(Duration::from_millis(20), 100, feed, "test").expect("watcher starts");
        debouncer.watch(&root).expect("watches");
        let quiet = Duration::from_millis(300);
        // A read is not a change.
        std::fs::read(root.join("old.py")).expect("reads");
        assert!(rx.recv_timeout(quiet).is_err(), "a read reported");
        std::fs::write(root.join("new.py"), "y = 2\n").expect("writes");
        std::fs::remove_file(root.join("old.py")).expect("removes");
        let mut got = std::collections::BTreeSet::new();
        while got.len() < 2 {
            got.extend(rx.recv_timeout(Duration::from_secs(10)).expect("reported"));
        }
        assert_eq!(
            got.into_iter().collect::<Vec<_>>(),
            [root.join("new.py"), root.join("old.py")]
        );
        // Unwatched: nothing more.
        debouncer.unwatch(&root).expect("unwatches");
        assert!(debouncer.unwatch(&root).is_err(), "not watched any more");
        std::fs::write(root.join("after.py"), "z = 3\n").expect("writes");
        assert!(
            rx.recv_timeout(quiet).is_err(),
            "an unwatched change reported"
        );
        // Stopping ends both threads (the test would hang otherwise).
        debouncer.stop();
    }
}
