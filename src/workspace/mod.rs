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

pub mod index;
pub mod map;
pub mod names;
pub mod search;
pub mod walk;
pub mod watch;

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, LazyLock, Mutex, RwLock, RwLockReadGuard, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prometheus::{IntCounter, IntGauge};
use serde::Serialize;

use crate::config::Config;
use crate::parse::{CancelHandle, PARSE_THREAD_STACK_BYTES};
use crate::pipeline::Analyzer;

use index::{FileOutcome, IndexOptions, IndexedFile, WorkspaceIndex, index_file};
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
    /// True while a file watcher keeps the index up to date.
    pub watching: bool,
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
}

impl Workspace {
    /// A workspace of the canonical `root`, with an empty index.
    fn new(root: PathBuf) -> Workspace {
        Workspace {
            id: id_for_root(&root),
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
        }
    }

    /// The repo map within `budget` estimated tokens, personalised towards `focus`, with the
    /// generation it was made from (see [`map`]).
    pub fn map(&self, focus: &[String], budget: usize, max_file_bytes: u64) -> (map::RepoMap, u64) {
        let (index, generation) = self.read();
        let mut graph = self.graphs.get(&index, generation);
        if graph.len() as u64 != index.file_count() {
            // Never expected (the graph is kept per generation): build one for this index.
            graph = Arc::new(map::MapGraph::build(&index, generation));
        }
        let out = map::repo_map(&index, &graph, &self.root, focus, budget, max_file_bytes);
        (out, generation)
    }

    /// True while a file watcher keeps the index up to date.
    pub fn is_watching(&self) -> bool {
        self.feed.lock().map(|f| f.is_some()).unwrap_or(false)
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
                parse_timeout: Duration::from_millis(config.parse.timeout_ms),
            },
            max_map_tokens: usize::try_from(w.max_map_tokens).unwrap_or(usize::MAX),
            watch: w.watch,
            watch_debounce: Duration::from_millis(w.watch_debounce_ms),
            watch_queue_events: usize::try_from(w.watch_queue_events).unwrap_or(usize::MAX),
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
}

impl Workspaces {
    /// An empty registry (registers the workspace metrics).
    pub fn new(settings: WorkspaceSettings, analyzer: Arc<Analyzer>) -> Workspaces {
        LazyLock::force(&METRICS);
        Workspaces {
            analyzer,
            settings,
            open: Mutex::new(BTreeMap::new()),
            watchers: Arc::new(AtomicU64::new(0)),
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
        let ws = Arc::new(Workspace::new(canonical));
        let analyzer = Arc::clone(&self.analyzer);
        let settings = self.settings.clone();
        let worker = Arc::clone(&ws);
        let watchers = Arc::clone(&self.watchers);
        std::thread::Builder::new()
            .name("syntaxd-workspace".to_owned())
            .spawn(move || {
                // Watching starts before the walk, so no change made during it is missed.
                let watching = settings
                    .watch
                    .then(|| watch::start(&worker, &settings))
                    .flatten();
                initial_index(&worker, &analyzer, &settings);
                if let Some(watching) = watching {
                    watch::run(&worker, &analyzer, &settings, watching, &watchers);
                }
            })?;
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
        let (mut files, mut bytes) = (0u64, 0u64);
        for ws in &all {
            let (index, _) = ws.read();
            files += index.file_count();
            bytes += index.approx_bytes();
        }
        METRICS
            .open
            .set(i64::try_from(all.len()).unwrap_or(i64::MAX));
        METRICS.files.set(i64::try_from(files).unwrap_or(i64::MAX));
        METRICS.bytes.set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }
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
    let ws = Workspace::new(canonical);
    initial_index(&ws, analyzer, &settings);
    Ok(ws)
}

/// Sealed entries stored in one durable batch at most (bytes or entries).
const STORE_BATCH_BYTES: usize = 8 << 20;
const STORE_BATCH_ENTRIES: usize = 256;

/// Walks the root and indexes every file; marks the workspace ready at the end. Stops early
/// when the workspace is closed.
fn initial_index(ws: &Workspace, analyzer: &Arc<Analyzer>, settings: &WorkspaceSettings) {
    let started = std::time::Instant::now();
    let mut walked = walk::walk(&ws.root);
    let max_files = usize::try_from(settings.max_files).unwrap_or(usize::MAX);
    let over = walked.split_off(max_files.min(walked.len()));
    index_files(ws, analyzer, settings, walked);
    if !over.is_empty() {
        ws.change(|index| {
            for file in &over {
                index.set_unindexed(&file.relative, false);
            }
            0
        });
    }
    ws.ready.store(true, Ordering::Release);
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
        seconds = started.elapsed().as_secs_f64(),
        cancelled = ws.cancel.is_cancelled(),
        "workspace indexed"
    );
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
    let new_paths: std::collections::HashSet<String> = {
        let (index, _) = ws.read();
        files
            .iter()
            .filter(|f| !index.is_known(&f.relative))
            .map(|f| f.relative.clone())
            .collect()
    };
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
        let spawned = std::thread::Builder::new()
            .name(format!("syntaxd-workspace-{i}"))
            .stack_size(PARSE_THREAD_STACK_BYTES)
            .spawn(move || {
                while !cancel.is_cancelled() {
                    let next = queue.lock().ok().and_then(|mut q| q.next());
                    let Some(file) = next else { break };
                    let outcome = catch_unwind(AssertUnwindSafe(|| {
                        index_file(&analyzer, &root, &file, &options, &cancel)
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
            if ws.has_overlay(&walked.relative) {
                continue;
            }
            match outcome {
                FileOutcome::Indexed { file, stored } => {
                    if let Some(sealed) = stored {
                        batch_bytes += sealed.value.len();
                        batch.push(sealed);
                    }
                    results.push((walked.relative, Ok(file)));
                }
                FileOutcome::Skipped => results.push((walked.relative, Err(false))),
                FileOutcome::Error(reason) => {
                    tracing::debug!(path = %walked.relative, %reason, "workspace: file failed");
                    results.push((walked.relative, Err(true)));
                }
            }
        }
        if !ws.cancel.is_cancelled() {
            ws.change(|index| {
                let mut changed = 0;
                for (path, result) in results {
                    let known = index.is_known(&path);
                    let result = match result {
                        Ok(_) if !known && index.known_count() >= max_files => Err(false),
                        other => other,
                    };
                    let did = match result {
                        Ok(file) => index.set_indexed(file),
                        Err(error) => index.set_unindexed(&path, error),
                    };
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
    open: IntGauge,
    files: IntGauge,
    bytes: IntGauge,
    watchers: IntGauge,
    rescans: IntCounter,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let gauge = |name: &str, help: &str| {
        let g = IntGauge::new(name, help).expect("static metric definition is valid");
        if let Err(e) = prometheus::default_registry().register(Box::new(g.clone())) {
            tracing::debug!(error = %e, name, "workspace gauge already registered");
        }
        g
    };
    Metrics {
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
        rescans: {
            let c = IntCounter::new(
                "syntaxd_workspace_rescans_total",
                "Workspace rescans after a watcher overflow or error.",
            )
            .expect("static metric definition is valid");
            if let Err(e) = prometheus::default_registry().register(Box::new(c.clone())) {
                tracing::debug!(error = %e, "workspace counter already registered");
            }
            c
        },
    }
});
