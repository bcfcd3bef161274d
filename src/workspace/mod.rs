//! Workspaces: a directory tree opened by the daemon (or `syntaxd search`) and kept as an
//! in-memory symbol index — every file's definitions and references — that symbol search,
//! definitions and references answer from. See `docs/workspaces.md`.
//!
//! [`Workspaces`] is the registry (bounded by `workspace.max_workspaces`); opening a
//! workspace checks its root ([`walk::canonical_root`]) and starts its initial index on a
//! thread of its own with [`index_threads`] workers, which read through [`walk::read_inside`]
//! and take symbols from the cache or parse through the pipeline (sealing new entries, which
//! the indexing thread stores durably in batches). Searches read the index under a read lock
//! while it fills; `generation` counts its changes.

mod debounce;
pub mod index;
pub mod map;
pub mod names;
pub mod search;
pub mod snapshot;
pub mod walk;
pub mod watch;

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, LazyLock, Mutex, RwLock, RwLockReadGuard, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prometheus::{IntCounter, IntCounterVec, IntGauge};
use serde::Serialize;

use crate::config::Config;
use crate::parse::{CancelHandle, PARSE_THREAD_STACK_BYTES};
use crate::pipeline::Analyzer;

use index::{FileOutcome, FileStamp, IndexOptions, IndexedFile, WorkspaceIndex, index_file};
use walk::WalkedFile;

/// Why a workspace cannot be opened or found.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// The root is not an absolute path to an existing directory, or contains `..`.
    #[error("workspace root {root}: {reason}")]
    InvalidRoot {
        /// The root as given.
        root: PathBuf,
        /// What is wrong.
        reason: &'static str,
    },
    /// The root is not under any of `workspace.allowed_roots`.
    #[error("workspace root {root} is not under workspace.allowed_roots")]
    RootNotAllowed {
        /// The root as given.
        root: PathBuf,
    },
    /// No open workspace has this id.
    #[error("no open workspace with id `{id}`")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// `workspace.max_workspaces` are open.
    #[error("{max} workspaces are open (workspace.max_workspaces); close one first")]
    TooMany {
        /// The bound.
        max: u64,
    },
    /// The indexing thread could not be started.
    #[error("cannot start the indexing thread: {0}")]
    Spawn(#[from] std::io::Error),
}

/// Where a workspace's index is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceState {
    /// The initial index is running: answers cover the files indexed so far.
    Indexing,
    /// Every file of the initial walk was indexed, skipped or failed.
    Ready,
}

/// A workspace's status (`GET /v1/workspaces/{id}`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkspaceStatus {
    /// Stable id (derived from the canonical root).
    pub id: String,
    /// The canonical root.
    pub root: String,
    /// `indexing` or `ready`.
    pub state: WorkspaceState,
    /// Files the walk found (after ignore rules): `indexed + skipped + errors + pending`.
    pub files: u64,
    /// Files indexed.
    pub indexed: u64,
    /// Files not yet looked at.
    pub pending: u64,
    /// Files that could not be read or parsed.
    pub errors: u64,
    /// Files not indexed: no language with a tags query, binary, over `parse.max_source_bytes`,
    /// a symlink, past `workspace.max_files`.
    pub skipped: u64,
    /// Indexed files per language id.
    pub languages: BTreeMap<String, u64>,
    /// Definitions indexed.
    pub definitions: u64,
    /// References indexed.
    pub references: u64,
    /// Estimated memory of the index.
    pub index_bytes: u64,
    /// Changes of the index so far (every file added, replaced or removed counts one).
    pub generation: u64,
    /// When the index last changed (Unix time in milliseconds; 0: never).
    pub last_change_unix_ms: u64,
    /// True while a file watcher keeps the index up to date; false when none could be
    /// started, and while a watcher that failed waits to be replaced.
    pub watching: bool,
    /// Directories the watcher watches: those the walk enters (ignored, hidden and
    /// symlinked directories are not watched).
    pub watched_dirs: u64,
    /// Directories the walk enters that could not be watched (over the platform's limit on
    /// watches, `fs.inotify.max_user_watches` on Linux): changes in them are not seen until
    /// a later change or rescan covers them and their watch is tried again.
    pub unwatched_dirs: u64,
    /// True when the index was loaded from the workspace's snapshot on open (see
    /// `docs/workspaces.md`, "Persistence"); false after a full index (no snapshot, or one
    /// that was damaged, of another version or stale).
    pub restored: bool,
    /// Files (indexed and skipped) taken from the snapshot on open.
    pub restored_files: u64,
    /// Files read and indexed again since the workspace was opened (parsed, or found not
    /// indexable): every walked file on a full index; after a restore, the new files and
    /// those whose content changed (a file whose size and time are unchanged is not read; one
    /// read with an unchanged content hash is not counted).
    pub reindexed: u64,
    /// True while a restored workspace compares its files with the disk (it answers from the
    /// snapshot meanwhile; `state` is already `ready`).
    pub rechecking: bool,
}

/// The first wait before a failed snapshot write is tried again ...
pub const SNAPSHOT_RETRY_FIRST: Duration = Duration::from_secs(1);
/// ... doubled after each failure up to this.
pub const SNAPSHOT_RETRY_MAX: Duration = Duration::from_secs(60);

/// When a failed snapshot write is due again, and the wait that led there.
#[derive(Default)]
struct SnapshotRetry {
    due: Option<std::time::Instant>,
    wait: Option<Duration>,
}

/// One open workspace.
pub struct Workspace {
    id: String,
    root: PathBuf,
    index: RwLock<WorkspaceIndex>,
    generation: AtomicU64,
    last_change_unix_ms: AtomicU64,
    /// Files handed to the indexing workers and not yet looked at.
    pending: AtomicU64,
    ready: AtomicBool,
    cancel: CancelHandle,
    /// Where changes are reported to the watcher (set while it runs).
    feed: Mutex<Option<watch::Feed>>,
    /// Paths whose entry comes from an open document, not the disk, with that document (dead
    /// when it was closed or evicted).
    overlays: Mutex<HashMap<Box<str>, Weak<Mutex<crate::parse::Document>>>>,
    /// The repo map's reference graph of the latest generation asked for.
    graphs: map::GraphCache,
    /// Where the index is kept on disk and what it must have been written with (`None`: no
    /// cache directory, no persistence).
    snapshot: Option<(PathBuf, snapshot::SnapshotMeta)>,
    /// The generation the snapshot on disk holds (nothing to write while it is current).
    saved_generation: AtomicU64,
    /// Held while a snapshot is written (one writer at a time); with the retry schedule
    /// after a failed write.
    save_lock: Mutex<SnapshotRetry>,
    restored: AtomicBool,
    restored_files: AtomicU64,
    reindexed: AtomicU64,
    rechecking: AtomicBool,
    /// Directories watched, and those that could not be (see [`WorkspaceStatus`]).
    watched_dirs: AtomicU64,
    unwatched_dirs: AtomicU64,
    /// True while the watcher has failed and no new one runs yet (see [`watch::run`]).
    watcher_down: AtomicBool,
}

impl Workspace {
    /// A workspace of the canonical `root`, with an empty index; its snapshot is kept under
    /// `settings.snapshot_dir` (when set).
    fn new(root: PathBuf, settings: &WorkspaceSettings) -> Workspace {
        let id = id_for_root(&root);
        let snapshot = settings.snapshot_dir.as_ref().map(|dir| {
            let meta = snapshot::SnapshotMeta {
                producer: PRODUCER.clone(),
                root: root.display().to_string(),
                references: settings.index.references,
                max_file_bytes: settings.index.max_file_bytes,
                max_files: settings.max_files,
            };
            (snapshot::path_for_id(dir, &id), meta)
        });
        Workspace {
            id,
            root,
            index: RwLock::new(WorkspaceIndex::default()),
            generation: AtomicU64::new(0),
            last_change_unix_ms: AtomicU64::new(0),
            pending: AtomicU64::new(0),
            ready: AtomicBool::new(false),
            cancel: CancelHandle::new(),
            feed: Mutex::new(None),
            overlays: Mutex::new(HashMap::new()),
            graphs: map::GraphCache::default(),
            snapshot,
            saved_generation: AtomicU64::new(0),
            save_lock: Mutex::new(SnapshotRetry::default()),
            restored: AtomicBool::new(false),
            restored_files: AtomicU64::new(0),
            reindexed: AtomicU64::new(0),
            rechecking: AtomicBool::new(false),
            watched_dirs: AtomicU64::new(0),
            unwatched_dirs: AtomicU64::new(0),
            watcher_down: AtomicBool::new(false),
        }
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The canonical root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// True once the initial index is complete.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// The index, read-locked, with its generation (consistent with what the guard shows).
    pub fn read(&self) -> (RwLockReadGuard<'_, WorkspaceIndex>, u64) {
        let guard = self.index.read().unwrap_or_else(|p| p.into_inner());
        let generation = self.generation.load(Ordering::Acquire);
        (guard, generation)
    }

    /// The index's generation now.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The current status.
    pub fn status(&self) -> WorkspaceStatus {
        let (index, generation) = self.read();
        let pending = self.pending.load(Ordering::Acquire);
        let (indexed, skipped, errors) = (
            index.file_count(),
            index.skipped_count(),
            index.error_count(),
        );
        WorkspaceStatus {
            id: self.id.clone(),
            root: self.root.display().to_string(),
            state: if self.is_ready() {
                WorkspaceState::Ready
            } else {
                WorkspaceState::Indexing
            },
            files: indexed + skipped + errors + pending,
            indexed,
            pending,
            errors,
            skipped,
            languages: index
                .languages()
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
            definitions: index.definition_count(),
            references: index.reference_count(),
            index_bytes: index.approx_bytes(),
            generation,
            last_change_unix_ms: self.last_change_unix_ms.load(Ordering::Acquire),
            watching: self.is_watching(),
            watched_dirs: self.watched_dirs.load(Ordering::Acquire),
            unwatched_dirs: self.unwatched_dirs.load(Ordering::Acquire),
            restored: self.restored.load(Ordering::Acquire),
            restored_files: self.restored_files.load(Ordering::Acquire),
            reindexed: self.reindexed.load(Ordering::Acquire),
            rechecking: self.rechecking.load(Ordering::Acquire),
        }
    }

    /// Writes the index to the workspace's snapshot when it changed since the last write (or
    /// the restore): only once the initial index is complete, never after the workspace was
    /// closed. Failures are logged and counted; the index in memory is unaffected. After a
    /// failure the write is tried again (by the watcher's thread, without waiting for another
    /// change) after [`SNAPSHOT_RETRY_FIRST`], doubling up to [`SNAPSHOT_RETRY_MAX`]; calls
    /// before that do nothing unless `now` (shutdown tries once more at once).
    pub fn save_snapshot(&self) {
        self.save_snapshot_with(false);
    }

    fn save_snapshot_with(&self, now: bool) {
        let Some((path, meta)) = &self.snapshot else {
            return;
        };
        let mut retry = self.save_lock.lock().unwrap_or_else(|p| p.into_inner());
        if !self.is_ready() || self.cancel.is_cancelled() {
            return;
        }
        if !now && retry.due.is_some_and(|due| std::time::Instant::now() < due) {
            return;
        }
        let started = std::time::Instant::now();
        // Streamed to the file under the read lock: a snapshot is never held in memory whole.
        let (written, generation) = {
            let (index, generation) = self.read();
            if generation == self.saved_generation.load(Ordering::Acquire) {
                return;
            }
            (
                snapshot::write(path, meta, index.snapshot_records()),
                generation,
            )
        };
        match written {
            Ok(bytes) => {
                self.saved_generation.store(generation, Ordering::Release);
                *retry = SnapshotRetry::default();
                METRICS
                    .snapshot_writes
                    .with_label_values(&["written"])
                    .inc();
                tracing::debug!(id = %self.id, bytes, generation, seconds = started.elapsed().as_secs_f64(), "workspace snapshot written");
            }
            Err(e) => {
                // The generation stays unsaved, so the write is tried again once due (the
                // older snapshot on disk, if any, stays usable meanwhile: a restore re-checks
                // every file against the disk).
                let wait = retry
                    .wait
                    .map_or(SNAPSHOT_RETRY_FIRST, |w| (w * 2).min(SNAPSHOT_RETRY_MAX));
                *retry = SnapshotRetry {
                    due: Some(std::time::Instant::now() + wait),
                    wait: Some(wait),
                };
                METRICS.snapshot_writes.with_label_values(&["failed"]).inc();
                tracing::warn!(id = %self.id, error = %e, retry_in_s = wait.as_secs_f64(), "workspace snapshot not written");
            }
        }
    }

    /// Loads the workspace's snapshot into its (empty) index and marks it ready (and
    /// re-checking); true when it was restored. A missing snapshot is not an error; a damaged,
    /// foreign-version or stale one is logged, counted and ignored (the caller indexes in
    /// full).
    fn restore(&self) -> bool {
        let Some((path, meta)) = &self.snapshot else {
            return false;
        };
        let started = std::time::Instant::now();
        let language_for_id = |id: &str| {
            crate::language::registry()
                .language_for_name(id)
                .ok()
                .filter(|l| l.id.as_str() == id && l.available())
                .map(|l| l.id.as_str())
        };
        let loaded = match snapshot::load(path, meta, language_for_id) {
            Ok(loaded) => loaded,
            Err(snapshot::SnapshotError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                return false;
            }
            Err(e) => {
                METRICS
                    .snapshot_loads
                    .with_label_values(&["rejected"])
                    .inc();
                tracing::warn!(id = %self.id, path = %path.display(), error = %e, "workspace snapshot ignored: indexing in full");
                return false;
            }
        };
        let files = loaded.records.len() as u64;
        self.change(|index| {
            // The files first, then their stamps: each stamp's key is then the file's own
            // allocation of its path (no copy made and dropped while the index is built).
            let mut indexed = Vec::new();
            let mut stamps = Vec::new();
            for record in loaded.records {
                match record {
                    snapshot::Record::Indexed(file, stamp) => {
                        stamps.push((file.path.clone(), stamp));
                        indexed.push(file);
                    }
                    snapshot::Record::Skipped(path, stamp) => index.restore_skipped(path, stamp),
                }
            }
            index.set_all_indexed(indexed);
            for (path, stamp) in stamps {
                index.set_stamp(&path, Some(stamp));
            }
            files
        });
        self.saved_generation
            .store(self.generation(), Ordering::Release);
        self.restored_files.store(files, Ordering::Release);
        self.restored.store(true, Ordering::Release);
        self.rechecking.store(true, Ordering::Release);
        self.ready.store(true, Ordering::Release);
        METRICS
            .snapshot_loads
            .with_label_values(&["restored"])
            .inc();
        tracing::info!(id = %self.id, files, seconds = started.elapsed().as_secs_f64(), "workspace restored from its snapshot");
        true
    }

    /// The repo map within `budget` estimated tokens, personalised towards `focus`, with the
    /// generation it was made from (see [`map`]).
    pub fn map(&self, focus: &[String], budget: usize, max_file_bytes: u64) -> (map::RepoMap, u64) {
        // Before the index's lock: a document's lock is never awaited while holding it.
        let open = self.open_texts();
        let (index, generation) = self.read();
        let mut graph = self.graphs.get(&index, generation);
        if graph.len() as u64 != index.file_count() {
            // Never expected (the graph is kept per generation): build one for this index.
            graph = Arc::new(map::MapGraph::build(&index, generation));
        }
        let out = map::repo_map(
            &index,
            &graph,
            &self.root,
            focus,
            budget,
            max_file_bytes,
            &open,
        );
        (out, generation)
    }

    /// The current text of each open document that stands for a file (see
    /// [`Workspace::overlay`]), by relative path. Bounded by the documents table's own
    /// limits (`documents.max_total_bytes`).
    fn open_texts(&self) -> HashMap<String, String> {
        let documents: Vec<(String, Arc<Mutex<crate::parse::Document>>)> = self
            .overlays
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter_map(|(path, doc)| Some((path.to_string(), doc.upgrade()?)))
            .collect();
        documents
            .into_iter()
            .map(|(path, doc)| {
                let text = doc
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .text()
                    .to_owned();
                (path, text)
            })
            .collect()
    }

    /// True while a file watcher keeps the index up to date: false when none could be
    /// started, and while a failed one waits to be replaced.
    pub fn is_watching(&self) -> bool {
        !self.watcher_down.load(Ordering::Acquire)
            && self.feed.lock().map(|f| f.is_some()).unwrap_or(false)
    }

    /// Replaces the entry of `path` with `file`, built from an open document's text: it stands
    /// for the file until the document is closed ([`Workspace::end_overlay`]); the watcher
    /// leaves the path alone meanwhile. True when the index changed.
    pub fn overlay(
        &self,
        path: &str,
        document: &Arc<Mutex<crate::parse::Document>>,
        file: Option<IndexedFile>,
    ) -> bool {
        if self.cancel.is_cancelled() {
            return false;
        }
        self.overlays
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(path.into(), Arc::downgrade(document));
        let mut changed = false;
        self.change(|index| {
            // The entry is the document's, not the disk's: no stamp (not kept in snapshots).
            index.set_stamp(path, None);
            changed = match file {
                Some(file) => index.set_indexed(file),
                None => index.set_unindexed(path, false),
            };
            u64::from(changed)
        });
        changed
    }

    /// Ends the overlay of `path` (its document was closed): the file is indexed from the
    /// disk again (by the watcher; without one, the overlay's entry stays).
    pub fn end_overlay(&self, path: &str) {
        self.overlays
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(path);
        if let Some(feed) = self.feed.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            feed.push_relative(path);
        }
    }

    /// Forgets the overlays whose document is gone without being closed (evicted from the
    /// documents table) and returns their paths, to index from the disk again.
    fn dead_overlays(&self) -> Vec<String> {
        let mut overlays = self.overlays.lock().unwrap_or_else(|p| p.into_inner());
        let dead: Vec<String> = overlays
            .iter()
            .filter(|(_, doc)| doc.strong_count() == 0)
            .map(|(path, _)| path.to_string())
            .collect();
        for path in &dead {
            overlays.remove(path.as_str());
        }
        dead
    }

    /// True when an open document stands for `path`.
    fn has_overlay(&self, path: &str) -> bool {
        let mut overlays = self.overlays.lock().unwrap_or_else(|p| p.into_inner());
        match overlays.get(path) {
            Some(doc) if doc.strong_count() > 0 => true,
            Some(_) => {
                overlays.remove(path);
                false
            }
            None => false,
        }
    }

    /// Applies `change` to the index under the write lock; bumps the generation by the number
    /// of files it changed (when not 0).
    fn change(&self, change: impl FnOnce(&mut WorkspaceIndex) -> u64) {
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        let changed = change(&mut index);
        if changed > 0 {
            self.generation.fetch_add(changed, Ordering::AcqRel);
            self.last_change_unix_ms
                .store(now_unix_ms(), Ordering::Release);
        }
    }
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("id", &self.id)
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// The workspace settings of a [`Config`], resolved.
#[derive(Debug, Clone)]
pub struct WorkspaceSettings {
    /// Roots may be opened under these (as configured; canonicalised when checked).
    pub allowed_roots: Vec<PathBuf>,
    /// Workspaces open at once at most.
    pub max_workspaces: u64,
    /// Files indexed per workspace at most.
    pub max_files: u64,
    /// Results of one search at most.
    pub max_results: usize,
    /// Worker threads of one initial index.
    pub threads: usize,
    /// How files are indexed.
    pub index: IndexOptions,
    /// Largest repo map budget, in estimated tokens.
    pub max_map_tokens: usize,
    /// Watch workspaces for changes.
    pub watch: bool,
    /// The watcher's debounce window.
    pub watch_debounce: Duration,
    /// File events queued for the indexing thread at most (more: a rescan).
    pub watch_queue_events: usize,
    /// Where workspace snapshots are kept (`<cache dir>/workspaces`; `None`: no cache, no
    /// persistence). Set by [`Workspaces::new`] from the analyzer's cache.
    pub snapshot_dir: Option<PathBuf>,
}

impl WorkspaceSettings {
    /// The settings of `config`.
    pub fn from_config(config: &Config) -> WorkspaceSettings {
        let w = &config.workspace;
        WorkspaceSettings {
            allowed_roots: w.allowed_roots.iter().map(PathBuf::from).collect(),
            max_workspaces: w.max_workspaces,
            max_files: w.max_files,
            max_results: usize::try_from(w.max_results).unwrap_or(usize::MAX),
            threads: index_threads(config),
            index: IndexOptions {
                max_file_bytes: config.parse.max_source_bytes,
                references: w.index_references,
                fill_cache: w.fill_cache,
                parse_timeout: Duration::from_millis(config.parse.timeout_ms),
            },
            max_map_tokens: usize::try_from(w.max_map_tokens).unwrap_or(usize::MAX),
            watch: w.watch,
            watch_debounce: Duration::from_millis(w.watch_debounce_ms),
            watch_queue_events: usize::try_from(w.watch_queue_events).unwrap_or(usize::MAX),
            snapshot_dir: None,
        }
    }
}

/// Worker threads of one initial index: the parse engine's parallelism (`parse.max_parsers`,
/// 0 = the number of cores).
pub fn index_threads(config: &Config) -> usize {
    match config.parse.max_parsers {
        0 => crate::parse::cores(),
        n => usize::try_from(n).unwrap_or(usize::MAX),
    }
    .clamp(1, 64)
}

/// The open workspaces.
pub struct Workspaces {
    analyzer: Arc<Analyzer>,
    settings: WorkspaceSettings,
    open: Mutex<BTreeMap<String, Arc<Workspace>>>,
    /// Watcher threads running (closed workspaces' included until their thread ends).
    watchers: Arc<AtomicU64>,
    /// The workspaces' own threads (initial index, then watcher), joined at shutdown.
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

impl Workspaces {
    /// An empty registry (registers the workspace metrics). Snapshots are kept in the
    /// analyzer's cache directory, under `workspaces/` (none without a cache).
    pub fn new(mut settings: WorkspaceSettings, analyzer: Arc<Analyzer>) -> Workspaces {
        LazyLock::force(&METRICS);
        settings.snapshot_dir = analyzer.cache().map(|c| c.config().dir.join(SNAPSHOT_DIR));
        Workspaces {
            analyzer,
            settings,
            open: Mutex::new(BTreeMap::new()),
            watchers: Arc::new(AtomicU64::new(0)),
            threads: Mutex::new(Vec::new()),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &WorkspaceSettings {
        &self.settings
    }

    /// Opens a workspace of `root` and starts its initial index in the background; the
    /// workspace already open for the same canonical root is returned as it is. `true`: opened
    /// now.
    ///
    /// # Errors
    /// See [`WorkspaceError`]: the root's checks, the bound, a thread that cannot start.
    pub fn open(&self, root: &Path) -> Result<(Arc<Workspace>, bool), WorkspaceError> {
        let canonical = walk::canonical_root(root, &self.settings.allowed_roots)?;
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let id = id_for_root(&canonical);
        if let Some(ws) = open.get(&id) {
            return Ok((Arc::clone(ws), false));
        }
        if open.len() as u64 >= self.settings.max_workspaces {
            return Err(WorkspaceError::TooMany {
                max: self.settings.max_workspaces,
            });
        }
        let ws = Arc::new(Workspace::new(canonical, &self.settings));
        let analyzer = Arc::clone(&self.analyzer);
        let settings = self.settings.clone();
        let worker = Arc::clone(&ws);
        let watchers = Arc::clone(&self.watchers);
        let thread = std::thread::Builder::new()
            .name("syntaxd-workspace".to_owned())
            .spawn(move || {
                // A snapshot answers at once; the watcher's start comes after it: its walk
                // watches each directory before listing it (so no change made meanwhile is
                // missed) and gives the initial index its files.
                let restored = worker.restore();
                let (watching, walked) = settings
                    .watch
                    .then(|| watch::start(&worker, &settings))
                    .flatten()
                    .unzip();
                initial_index(&worker, &analyzer, &settings, restored, walked);
                if let Some(watching) = watching {
                    watch::run(&worker, &analyzer, &settings, watching, &watchers);
                }
            })?;
        let mut threads = self.threads.lock().unwrap_or_else(|p| p.into_inner());
        threads.retain(|t| !t.is_finished());
        threads.push(thread);
        tracing::info!(id = %ws.id, root = %ws.root.display(), "workspace opened");
        open.insert(id, Arc::clone(&ws));
        Ok((ws, true))
    }

    /// The open workspace with this id.
    ///
    /// # Errors
    /// [`WorkspaceError::NotFound`].
    pub fn get(&self, id: &str) -> Result<Arc<Workspace>, WorkspaceError> {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.get(id)
            .cloned()
            .ok_or_else(|| WorkspaceError::NotFound { id: id.to_owned() })
    }

    /// Every open workspace, by id.
    pub fn list(&self) -> Vec<Arc<Workspace>> {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.values().cloned().collect()
    }

    /// Closes a workspace: its indexing stops (at the next file) and its index is freed when
    /// the last answer using it is done.
    ///
    /// # Errors
    /// [`WorkspaceError::NotFound`].
    pub fn close(&self, id: &str) -> Result<(), WorkspaceError> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let ws = open
            .remove(id)
            .ok_or_else(|| WorkspaceError::NotFound { id: id.to_owned() })?;
        ws.cancel.cancel();
        tracing::info!(id = %ws.id, root = %ws.root.display(), "workspace closed");
        Ok(())
    }

    /// At shutdown: writes every workspace's snapshot when it changed, closes them all and
    /// waits for their threads (a watcher stops within [`watch::POLL`], an index at its next
    /// file), so nothing uses the cache or the snapshots afterwards. Blocking (disk I/O).
    pub fn shutdown(&self) {
        let all: Vec<Arc<Workspace>> = {
            let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::take(&mut *open).into_values().collect()
        };
        for ws in &all {
            ws.save_snapshot_with(true);
            ws.cancel.cancel();
        }
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|p| p.into_inner()));
        for thread in threads {
            if thread.join().is_err() {
                tracing::warn!("a workspace thread panicked");
            }
        }
    }

    /// Watcher threads running, closed workspaces' included until their thread has ended.
    pub fn watcher_threads(&self) -> u64 {
        self.watchers.load(Ordering::Acquire)
    }

    /// Sets the workspace gauges from the open workspaces (at each scrape).
    pub fn refresh_gauges(&self) {
        METRICS
            .watchers
            .set(i64::try_from(self.watcher_threads()).unwrap_or(i64::MAX));
        let all = self.list();
        let (mut files, mut bytes, mut watched, mut unwatched) = (0u64, 0u64, 0u64, 0u64);
        for ws in &all {
            let (index, _) = ws.read();
            files += index.file_count();
            bytes += index.approx_bytes();
            watched += ws.watched_dirs.load(Ordering::Acquire);
            unwatched += ws.unwatched_dirs.load(Ordering::Acquire);
        }
        let set = |g: &IntGauge, v: u64| g.set(i64::try_from(v).unwrap_or(i64::MAX));
        set(&METRICS.watched_dirs, watched);
        set(&METRICS.unwatched_dirs, unwatched);
        METRICS
            .open
            .set(i64::try_from(all.len()).unwrap_or(i64::MAX));
        METRICS.files.set(i64::try_from(files).unwrap_or(i64::MAX));
        METRICS.bytes.set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }
}

/// What writes this build's snapshots: its version and a fingerprint of every tags query
/// it extracts with, so a snapshot of symbols another query extracted is stale (a snapshot
/// is used only when this matches exactly).
static PRODUCER: LazyLock<String> = LazyLock::new(|| {
    producer_of(
        env!("CARGO_PKG_VERSION"),
        crate::language::registry()
            .languages()
            .iter()
            .filter(|l| l.available())
            .filter_map(|l| Some((l.id.as_str(), l.tags_query_hash()?))),
    )
});

/// The producer of [`PRODUCER`] for `version` and `(language id, tags query hash)` pairs.
fn producer_of<'a>(version: &str, queries: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut hash = xxhash_rust::xxh3::Xxh3Default::new();
    for (id, query) in queries {
        hash.update(id.as_bytes());
        hash.update(b"\0");
        hash.update(query.as_bytes());
        hash.update(b"\n");
    }
    format!("{version} tags:{:016x}", hash.digest())
}

/// The id of a canonical root: 16 hex digits of its xxh3-64 (stable across restarts).
pub fn id_for_root(root: &Path) -> String {
    format!(
        "{:016x}",
        xxhash_rust::xxh3::xxh3_64(root.as_os_str().as_encoded_bytes())
    )
}

/// Indexes a workspace's root once, in the calling thread, with no daemon: what
/// `syntaxd search` runs. The root's checks apply with the root itself allowed.
///
/// # Errors
/// The root's checks ([`WorkspaceError::InvalidRoot`]).
pub fn index_once(
    root: &Path,
    analyzer: &Arc<Analyzer>,
    mut settings: WorkspaceSettings,
) -> Result<Workspace, WorkspaceError> {
    settings.allowed_roots = vec![root.to_path_buf()];
    let canonical = walk::canonical_root(root, &settings.allowed_roots)?;
    settings.snapshot_dir = None;
    let ws = Workspace::new(canonical, &settings);
    initial_index(&ws, analyzer, &settings, false, None);
    Ok(ws)
}

/// The snapshots' directory under the cache directory.
pub const SNAPSHOT_DIR: &str = "workspaces";

/// Sealed entries stored in one durable batch at most (bytes or entries).
const STORE_BATCH_BYTES: usize = 8 << 20;
const STORE_BATCH_ENTRIES: usize = 256;

/// Walks the root (unless the watcher's start walked it: `walked`) and indexes every file —
/// after a restore ([`Workspace::restore`]: `restored`), only the files that are new or whose
/// size or time changed, and it forgets the files gone — then marks the workspace ready and
/// writes its snapshot. Stops early when the workspace is closed.
fn initial_index(
    ws: &Workspace,
    analyzer: &Arc<Analyzer>,
    settings: &WorkspaceSettings,
    restored: bool,
    walked: Option<Vec<WalkedFile>>,
) {
    let started = std::time::Instant::now();
    let mut walked = walked.unwrap_or_else(|| walk::walk(&ws.root));
    let max_files = usize::try_from(settings.max_files).unwrap_or(usize::MAX);
    let over = walked.split_off(max_files.min(walked.len()));
    if restored {
        forget_gone(ws, &walked, &over, |_| true);
        let (index, _) = ws.read();
        walked.retain(|f| {
            let on_disk = std::fs::symlink_metadata(&f.path).map(|m| FileStamp::of_metadata(&m));
            !matches!((index.stamp(&f.relative), on_disk), (Some(known), Ok(now)) if known.same_metadata(&now))
        });
    }
    index_files(ws, analyzer, settings, walked);
    if !over.is_empty() {
        ws.change(|index| {
            for file in &over {
                index.set_unindexed(&file.relative, false);
            }
            0
        });
    }
    // The posting lists grew one file at a time: give back the room kept for growth.
    ws.change(|index| {
        index.shrink();
        0
    });
    ws.ready.store(true, Ordering::Release);
    ws.rechecking.store(false, Ordering::Release);
    ws.save_snapshot();
    release_freed_memory();
    let status = ws.status();
    tracing::info!(
        id = %ws.id,
        files = status.files,
        indexed = status.indexed,
        skipped = status.skipped,
        errors = status.errors,
        definitions = status.definitions,
        references = status.references,
        index_bytes = status.index_bytes,
        restored = status.restored,
        reindexed = status.reindexed,
        seconds = started.elapsed().as_secs_f64(),
        cancelled = ws.cancel.is_cancelled(),
        "workspace indexed"
    );
}

/// How long after an initial index [`release_freed_memory`]'s thread ends: past the
/// allocator's purge delay (mimalloc's `purge_delay`, 1 s by default).
const RELEASE_AFTER: Duration = Duration::from_millis(1_500);

/// Lets the allocator give back to the system the memory an initial index or a restore freed
/// (parse buffers, the snapshot read whole, the index's transient maps). mimalloc returns
/// freed pages lazily: after its purge delay, and only when some thread next frees a page or
/// ends. A daemon idle after its initial index does neither, so that memory would stay
/// resident; a thread that allocates and ends once the delay has passed makes the allocator
/// visit its arenas and purge what expired.
fn release_freed_memory() {
    let spawned = std::thread::Builder::new()
        .name("syntaxd-release".to_owned())
        .spawn(|| {
            std::thread::sleep(RELEASE_AFTER);
            // An allocation of its own, so the thread's end goes through the allocator.
            drop(std::hint::black_box(vec![0u8; 64]));
        });
    if let Err(e) = spawned {
        tracing::debug!(error = %e, "could not start the memory release thread");
    }
}

/// Forgets the known files that `found` and `over` (what a walk found) do not hold, among
/// those `under_target` selects; paths an open document stands for are kept. Returns how many.
fn forget_gone(
    ws: &Workspace,
    found: &[WalkedFile],
    over: &[WalkedFile],
    under_target: impl Fn(&str) -> bool,
) -> u64 {
    let found_paths: std::collections::HashSet<&str> = found
        .iter()
        .chain(over)
        .map(|f| f.relative.as_str())
        .collect();
    let gone: Vec<String> = {
        let (index, _) = ws.read();
        index
            .known_paths()
            .filter(|p| under_target(p) && !found_paths.contains(p))
            .map(str::to_owned)
            .collect()
    };
    let gone: Vec<String> = gone.into_iter().filter(|p| !ws.has_overlay(p)).collect();
    let mut forgotten = 0;
    if !gone.is_empty() {
        ws.change(|index| {
            forgotten = gone.iter().map(|p| u64::from(index.forget(p))).sum();
            forgotten
        });
    }
    forgotten
}

/// Indexes (or re-indexes) `files` with up to `settings.threads` workers and records each
/// outcome in the index: indexed, skipped or failed. A path an open document stands for is
/// left alone; a path not known yet is skipped once the workspace knows `max_files` paths.
/// New cache entries are stored durably in batches. Returns how many entries changed.
fn index_files(
    ws: &Workspace,
    analyzer: &Arc<Analyzer>,
    settings: &WorkspaceSettings,
    files: Vec<WalkedFile>,
) -> u64 {
    if files.is_empty() {
        return 0;
    }
    // Pending counts files the index does not know yet (a re-index of a known file is not a
    // second file), so `files` stays the number of distinct files.
    // What the index knows of each file: a file read again with the same content hash is
    // not indexed again.
    let (new_paths, known): (
        std::collections::HashSet<String>,
        HashMap<String, FileStamp>,
    ) = {
        let (index, _) = ws.read();
        let new = files
            .iter()
            .filter(|f| !index.is_known(&f.relative))
            .map(|f| f.relative.clone())
            .collect();
        let known = files
            .iter()
            .filter_map(|f| Some((f.relative.clone(), index.stamp(&f.relative)?)))
            .collect();
        (new, known)
    };
    let known = Arc::new(known);
    let mut pending_here = new_paths.len() as u64;
    ws.pending.fetch_add(pending_here, Ordering::AcqRel);
    let threads = settings.threads.clamp(1, files.len());
    let queue = Arc::new(Mutex::new(files.into_iter()));
    let (tx, rx) = mpsc::sync_channel::<(WalkedFile, FileOutcome)>(64);
    let mut workers = Vec::new();
    for i in 0..threads {
        let queue = Arc::clone(&queue);
        let tx = tx.clone();
        let analyzer = Arc::clone(analyzer);
        let options = settings.index.clone();
        let root = ws.root.clone();
        let cancel = ws.cancel.clone();
        let known = Arc::clone(&known);
        let spawned = std::thread::Builder::new()
            .name(format!("syntaxd-workspace-{i}"))
            .stack_size(PARSE_THREAD_STACK_BYTES)
            .spawn(move || {
                while !cancel.is_cancelled() {
                    let next = queue.lock().ok().and_then(|mut q| q.next());
                    let Some(file) = next else { break };
                    let outcome = catch_unwind(AssertUnwindSafe(|| {
                        let stamp = known.get(&file.relative).copied();
                        index_file(&analyzer, &root, &file, &options, &cancel, stamp)
                    }))
                    .unwrap_or_else(|_| FileOutcome::Error("the index worker panicked".into()));
                    if tx.send((file, outcome)).is_err() {
                        break;
                    }
                }
            });
        match spawned {
            Ok(handle) => workers.push(handle),
            Err(e) => tracing::warn!(error = %e, "could not start a workspace index worker"),
        }
    }
    drop(tx);
    let cache = analyzer.cache().cloned();
    let mut batch: Vec<crate::cache::Sealed> = Vec::new();
    let mut batch_bytes = 0usize;
    let store = |batch: &mut Vec<crate::cache::Sealed>| {
        if let Some(cache) = &cache
            && !batch.is_empty()
            && let Err(e) = cache.store_sealed_durable(batch)
        {
            tracing::warn!(error = %e, entries = batch.len(), "workspace: storing parsed entries failed");
        }
        batch.clear();
    };
    let max_files = settings.max_files;
    let mut changed_total = 0;
    while let Ok(first) = rx.recv() {
        // Take what else is waiting too: one write lock per burst, not per file.
        let mut burst = vec![first];
        burst.extend(rx.try_iter().take(255));
        let n = burst
            .iter()
            .filter(|(walked, _)| new_paths.contains(&walked.relative))
            .count() as u64;
        let mut results = Vec::with_capacity(burst.len());
        for (walked, outcome) in burst {
            if !matches!(outcome, FileOutcome::Unchanged { .. }) {
                ws.reindexed.fetch_add(1, Ordering::AcqRel);
            }
            if ws.has_overlay(&walked.relative) {
                continue;
            }
            match outcome {
                FileOutcome::Indexed {
                    file,
                    stored,
                    stamp,
                } => {
                    if let Some(sealed) = stored {
                        batch_bytes += sealed.value.len();
                        batch.push(sealed);
                    }
                    results.push((walked.relative, Ok(Some(file)), Some(stamp)));
                }
                FileOutcome::Unchanged { stamp } => {
                    results.push((walked.relative, Ok(None), Some(stamp)));
                }
                FileOutcome::Skipped { stamp } => {
                    results.push((walked.relative, Err(false), stamp));
                }
                FileOutcome::Error(reason) => {
                    tracing::debug!(path = %walked.relative, %reason, "workspace: file failed");
                    results.push((walked.relative, Err(true), None));
                }
            }
        }
        if !ws.cancel.is_cancelled() {
            ws.change(|index| {
                let mut changed = 0;
                for (path, result, stamp) in results {
                    let known = index.is_known(&path);
                    let (result, stamp) = match result {
                        Ok(_) if !known && index.known_count() >= max_files => (Err(false), None),
                        other => (other, stamp),
                    };
                    let did = match result {
                        Ok(Some(file)) => index.set_indexed(file),
                        // The same content as the index's entry: only the stamp is new.
                        Ok(None) => false,
                        Err(error) => index.set_unindexed(&path, error),
                    };
                    index.set_stamp(&path, stamp);
                    changed += u64::from(did);
                }
                changed_total += changed;
                changed
            });
        }
        ws.pending.fetch_sub(n, Ordering::AcqRel);
        pending_here = pending_here.saturating_sub(n);
        if batch_bytes >= STORE_BATCH_BYTES || batch.len() >= STORE_BATCH_ENTRIES {
            store(&mut batch);
            batch_bytes = 0;
        }
    }
    store(&mut batch);
    for w in workers {
        let _ = w.join();
    }
    // Files never looked at (the workspace was closed) are no longer pending; a concurrent
    // run (the watcher's, the initial index's) keeps its own.
    ws.pending.fetch_sub(pending_here, Ordering::AcqRel);
    changed_total
}

fn now_unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

struct Metrics {
    snapshot_loads: IntCounterVec,
    snapshot_writes: IntCounterVec,
    open: IntGauge,
    files: IntGauge,
    bytes: IntGauge,
    watchers: IntGauge,
    watched_dirs: IntGauge,
    unwatched_dirs: IntGauge,
    rescans: IntCounter,
    watcher_failures: IntCounter,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let gauge = |name: &str, help: &str| {
        let g = IntGauge::new(name, help).expect("static metric definition is valid");
        if let Err(e) = prometheus::default_registry().register(Box::new(g.clone())) {
            tracing::debug!(error = %e, name, "workspace gauge already registered");
        }
        g
    };
    let counter = |name: &str, help: &str| {
        let c = IntCounter::new(name, help).expect("static metric definition is valid");
        if let Err(e) = prometheus::default_registry().register(Box::new(c.clone())) {
            tracing::debug!(error = %e, name, "workspace counter already registered");
        }
        c
    };
    let counters = |name: &str, help: &str| {
        let c = IntCounterVec::new(prometheus::Opts::new(name, help), &["outcome"])
            .expect("static metric definition is valid");
        if let Err(e) = prometheus::default_registry().register(Box::new(c.clone())) {
            tracing::debug!(error = %e, name, "workspace counter already registered");
        }
        c
    };
    Metrics {
        snapshot_loads: counters(
            "syntaxd_workspace_snapshot_loads_total",
            "Workspace snapshots found on open, by outcome: restored, or rejected (damaged, another format version, stale) and indexed in full.",
        ),
        snapshot_writes: counters(
            "syntaxd_workspace_snapshot_writes_total",
            "Workspace snapshot writes, by outcome: written or failed.",
        ),
        open: gauge("syntaxd_workspaces_open", "Workspaces open."),
        files: gauge(
            "syntaxd_workspace_files",
            "Files indexed in all open workspaces.",
        ),
        bytes: gauge(
            "syntaxd_workspace_index_bytes",
            "Estimated memory of the symbol indexes of all open workspaces.",
        ),
        watchers: gauge(
            "syntaxd_workspace_watchers",
            "Workspace file watcher threads running.",
        ),
        watched_dirs: gauge(
            "syntaxd_workspace_watched_dirs",
            "Directories watched for changes in all open workspaces.",
        ),
        unwatched_dirs: gauge(
            "syntaxd_workspace_unwatched_dirs",
            "Workspace directories that could not be watched (over the platform's watch limit): changes in them are not seen.",
        ),
        rescans: counter(
            "syntaxd_workspace_rescans_total",
            "Workspace rescans after a watcher overflow or error.",
        ),
        watcher_failures: counter(
            "syntaxd_workspace_watcher_failures_total",
            "Workspace file watchers that stopped on an error (each is replaced, with backoff, and its root rescanned).",
        ),
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snapshot_producer_changes_with_any_tags_query_and_the_version() {
        let of = |version, queries: &[(&'static str, &'static str)]| {
            producer_of(version, queries.iter().copied())
        };
        let base = of("1.0.0", &[("c", "aa"), ("python", "bb")]);
        assert_eq!(base, of("1.0.0", &[("c", "aa"), ("python", "bb")]));
        assert!(base.starts_with("1.0.0 tags:"), "{base}");
        for other in [
            of("1.0.1", &[("c", "aa"), ("python", "bb")]),
            of("1.0.0", &[("c", "aa"), ("python", "bc")]),
            of("1.0.0", &[("c", "aa")]),
            of("1.0.0", &[("c", "aa"), ("rust", "bb")]),
            of("1.0.0", &[("ca", "a"), ("python", "bb")]),
        ] {
            assert_ne!(base, other);
        }
        // This build's snapshots name its tags queries, not its version alone.
        let version_and_tags = format!("{} tags:", env!("CARGO_PKG_VERSION"));
        assert!(PRODUCER.starts_with(&version_and_tags), "{}", *PRODUCER);
    }
}
