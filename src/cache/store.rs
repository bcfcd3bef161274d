//! The cold tier's disk store: sealed (zstd) envelopes in a redb database, which is
//! crash-safe and locks its file against a second process.
//!
//! Faults never reach the caller as a crash, and never hide data silently:
//! - **Damage** (redb reports corruption, or panics inside its B-tree code on a page altered
//!   behind its back): logged once, counted (`syntaxd_cache_store_damaged_total`), the file is
//!   moved aside to `cache.redb.damaged-<unix seconds>` and a fresh store takes its place. The
//!   failed call answers [`StoreError::Damaged`]; lookups become misses, so callers re-parse
//!   what was lost. Every redb call runs under `catch_unwind`, and so does every drop of a
//!   database handle.
//! - **Storage errors** (EIO, ENOSPC, permission): counted by operation
//!   (`syntaxd_cache_store_errors_total{op}`), logged at most once per [`LOG_INTERVAL`], and the
//!   store is closed and reopened with exponential backoff ([`REOPEN_BACKOFF_MIN`] ..
//!   [`REOPEN_BACKOFF_MAX`]). Until it reopens the cold tier is *degraded*
//!   (`syntaxd_cache_cold_degraded` is 1): reads are misses and writes fail with
//!   [`StoreError::Unavailable`]. A store is never moved aside for such an error.
//! - A store that was not closed cleanly (its `cache.redb.open` marker survived), or whose
//!   file changed since it was closed (size, inode or change time differ from the
//!   `cache.redb.closed` stamp), is opened with redb's full integrity check.

use std::collections::HashMap;
use std::ops::Bound;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts};
use redb::{
    BackendError, Builder, Database, DatabaseError, Durability, ReadableDatabase,
    ReadableTableMetadata, StorageBackend, StorageError, TableDefinition,
};

/// Key: the cache key string; value: a sealed envelope.
const ENTRIES: TableDefinition<&str, &[u8]> = TableDefinition::new("entries");
/// Key: the cache key string; value: the entry's symbols list in packed form
/// ([`crate::symbols::packed`]), sealed in its own envelope. Written with its entry, removed
/// with it; read alone by `syntaxd symbols`. Optional: an entry may have none.
const SYMBOLS: TableDefinition<&str, &[u8]> = TableDefinition::new("symbols");
/// Store-level facts: `store_format`, `stored_bytes`.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// The layout of the redb tables.
/// - 1: first release: `entries` (key -> envelope) and `meta`; later (additive, still 1: a
///   syntaxd without it reads the store as before) `symbols` (key -> packed symbols envelope).
pub const STORE_FORMAT_VERSION: u64 = 1;

/// The database file inside the cache directory.
pub const STORE_FILE: &str = "cache.redb";

/// Present while a process has the store open; a marker left behind means the store was not
/// closed cleanly, and the next open runs redb's integrity check.
pub const OPEN_MARKER_FILE: &str = "cache.redb.open";

/// Written when a process closes the store cleanly: the file's size, inode and change time.
/// A store whose file no longer matches it (written behind syntaxd's back) is checked at open.
pub const CLOSED_STAMP_FILE: &str = "cache.redb.closed";

/// Storage errors are logged at most once per interval (each one is counted).
pub const LOG_INTERVAL: Duration = Duration::from_secs(60);
/// First wait before reopening a store after a storage error.
pub const REOPEN_BACKOFF_MIN: Duration = Duration::from_millis(500);
/// Longest wait between reopen attempts.
pub const REOPEN_BACKOFF_MAX: Duration = Duration::from_secs(60);

/// Errors of the disk store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another syntaxd process holds the cache directory.
    #[error(
        "the cache at {path} is in use by another syntaxd process; stop it or choose another --cache-dir"
    )]
    Locked {
        /// The database file.
        path: PathBuf,
    },
    /// The directory cannot be created or the file cannot be moved aside.
    #[error("cache directory {path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The store was found damaged during this call; it has been moved aside and replaced.
    #[error("cache store damaged ({reason}); moved aside, continuing on a fresh store")]
    Damaged {
        /// What redb reported (or the panic message).
        reason: String,
    },
    /// The storage failed (I/O error, disk full); the store is being reopened with backoff.
    #[error("cache store storage error: {reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// The cold tier is degraded after a storage error and not reopened yet.
    #[error("cold tier unavailable: {reason}")]
    Unavailable {
        /// The error that degraded it.
        reason: String,
    },
    /// Any other redb failure (the store stays open).
    #[error("cache store: {0}")]
    Redb(String),
}

impl StoreError {
    /// Whether the store (not this one call) is at fault: damage, storage error, or degraded.
    pub fn is_storage_fault(&self) -> bool {
        matches!(
            self,
            StoreError::Damaged { .. }
                | StoreError::Storage { .. }
                | StoreError::Unavailable { .. }
        )
    }
}

/// The operation a storage error is counted under (`op` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOp {
    /// Opening or reopening the database.
    Open,
    /// Reading a value or checking a key.
    Read,
    /// Writing values (one transaction).
    Write,
    /// Removing values.
    Remove,
    /// Iterating over every value.
    Scan,
}

impl StoreOp {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreOp::Open => "open",
            StoreOp::Read => "read",
            StoreOp::Write => "write",
            StoreOp::Remove => "remove",
            StoreOp::Scan => "scan",
        }
    }
}

/// What happened when the store was opened.
#[derive(Debug, Clone, Default)]
pub struct OpenReport {
    /// Where an unreadable store was moved, if one was.
    pub moved_aside: Option<PathBuf>,
    /// Why it was moved.
    pub reason: Option<String>,
    /// The previous process did not close the store, or the file changed since it was closed:
    /// the integrity check ran.
    pub integrity_checked: bool,
    /// The store could not be opened for a transient reason (I/O, permission): the cold tier
    /// starts degraded and is reopened with backoff.
    pub degraded: Option<String>,
}

/// Opens the storage of a store, for fault injection in tests or another medium. The default
/// is the file itself.
pub trait BackendOpener: Send + Sync {
    /// The backend for the database file at `path` (created if missing).
    fn open(&self, path: &Path) -> std::io::Result<Box<dyn StorageBackend>>;
}

/// Options of the disk store.
#[derive(Clone)]
pub struct StoreOptions {
    /// Disk budget of stored values; over it the least recently used values are evicted.
    pub budget_bytes: u64,
    /// redb's page cache (memory).
    pub page_cache_bytes: usize,
    /// Keys whose recency this process remembers (16 bytes each plus map overhead); the oldest
    /// are forgotten past it, which makes them eviction candidates first.
    pub recency_max_entries: usize,
    /// Opens the storage (default: the file).
    pub opener: Option<Arc<dyn BackendOpener>>,
}

impl StoreOptions {
    /// Defaults with this disk budget: 32 MiB page cache, 262 144 recency entries.
    pub fn with_budget(budget_bytes: u64) -> StoreOptions {
        StoreOptions {
            budget_bytes,
            page_cache_bytes: 32 << 20,
            recency_max_entries: 1 << 18,
            opener: None,
        }
    }
}

impl std::fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreOptions")
            .field("budget_bytes", &self.budget_bytes)
            .field("page_cache_bytes", &self.page_cache_bytes)
            .field("recency_max_entries", &self.recency_max_entries)
            .field("opener", &self.opener.is_some())
            .finish()
    }
}

/// The store's own metrics, registered by [`crate::cache::Cache::open`].
#[derive(Clone)]
pub struct StoreMetrics {
    /// `syntaxd_cache_store_damaged_total`
    pub damaged: IntCounter,
    /// `syntaxd_cache_store_errors_total{op}`
    pub errors: IntCounterVec,
    /// `syntaxd_cache_cold_degraded`
    pub degraded: IntGauge,
}

impl StoreMetrics {
    fn new() -> StoreMetrics {
        StoreMetrics {
            damaged: IntCounter::new(
                "syntaxd_cache_store_damaged_total",
                "Cold stores found damaged (corrupt pages, a panic inside redb): each was moved aside and replaced by a fresh store.",
            )
            .expect("valid metric"),
            errors: IntCounterVec::new(
                Opts::new(
                    "syntaxd_cache_store_errors_total",
                    "Cold store operations that failed (storage errors, damage, or refused while the cold tier was degraded), by operation.",
                ),
                &["op"],
            )
            .expect("valid metric"),
            degraded: IntGauge::new(
                "syntaxd_cache_cold_degraded",
                "1 while the cold tier is disabled after a storage error (reads miss, writes are dropped), else 0.",
            )
            .expect("valid metric"),
        }
    }

    /// Every collector, for registration.
    pub fn collectors(&self) -> Vec<Box<dyn prometheus::core::Collector>> {
        vec![
            Box::new(self.damaged.clone()),
            Box::new(self.errors.clone()),
            Box::new(self.degraded.clone()),
        ]
    }
}

/// Whether a key is stored, and whether its envelope checks out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Not stored.
    Absent,
    /// Stored, and the envelope's header and checksum are intact.
    Valid,
    /// Stored, but the value is corrupt (it has been removed).
    Corrupt,
}

/// The health of the cold tier, for probes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreHealth {
    /// Open and serving.
    Ok,
    /// Disabled after a storage error until it reopens.
    Degraded {
        /// The error.
        reason: String,
    },
}

struct Slot {
    db: Option<Arc<Database>>,
    /// Bumped whenever `db` is replaced or dropped: a fault seen on an older generation has
    /// already been handled.
    generation: u64,
    degraded: Option<Degraded>,
}

struct Degraded {
    reason: String,
    retry_at: Instant,
    backoff: Duration,
}

enum Fault {
    Damage(String),
    Storage(String),
    Other(String),
}

/// The cold tier on disk.
pub struct ColdStore {
    dir: PathBuf,
    path: PathBuf,
    options: StoreOptions,
    slot: RwLock<Slot>,
    stored_bytes: AtomicU64,
    /// Recency of keys (by 64-bit key hash) touched by this process (higher is newer). Keys
    /// absent from it are older than every key in it.
    recency: Mutex<HashMap<u64, u64>>,
    clock: AtomicU64,
    metrics: StoreMetrics,
    damage_events: AtomicU64,
    last_log: Mutex<Option<Instant>>,
    suppressed_logs: AtomicU64,
}

impl ColdStore {
    /// Opens (or creates) the store in `dir`, bounded by `budget_bytes` of stored values, with
    /// default options.
    pub fn open(dir: &Path, budget_bytes: u64) -> Result<(ColdStore, OpenReport), StoreError> {
        Self::open_with(dir, StoreOptions::with_budget(budget_bytes))
    }

    /// Opens (or creates) the store in `dir` (mode 0700 on Unix; the files 0600).
    ///
    /// # Errors
    /// [`StoreError::Locked`] when another process holds it; [`StoreError::Io`] when the
    /// directory cannot be created. A damaged store is moved aside and replaced; a store that
    /// cannot be opened for a transient reason starts degraded (see [`OpenReport::degraded`]).
    pub fn open_with(
        dir: &Path,
        options: StoreOptions,
    ) -> Result<(ColdStore, OpenReport), StoreError> {
        create_private_dir(dir)?;
        let path = dir.join(STORE_FILE);
        let marker = dir.join(OPEN_MARKER_FILE);
        let unclean = path.exists()
            && (marker.exists() || changed_since_close(&path, &dir.join(CLOSED_STAMP_FILE)));
        let store = ColdStore {
            dir: dir.to_path_buf(),
            path,
            options,
            slot: RwLock::new(Slot {
                db: None,
                generation: 0,
                degraded: None,
            }),
            stored_bytes: AtomicU64::new(0),
            recency: Mutex::new(HashMap::new()),
            clock: AtomicU64::new(1),
            metrics: StoreMetrics::new(),
            damage_events: AtomicU64::new(0),
            last_log: Mutex::new(None),
            suppressed_logs: AtomicU64::new(0),
        };
        let mut report = OpenReport {
            integrity_checked: unclean,
            ..OpenReport::default()
        };
        let db = match store.open_db(unclean) {
            Ok(db) => Some(db),
            Err(OpenFailure::Locked) => {
                return Err(StoreError::Locked {
                    path: store.path.clone(),
                });
            }
            Err(OpenFailure::Damaged(reason)) => {
                let aside = store.move_aside()?;
                tracing::warn!(path = %store.path.display(), moved_to = %aside.display(), %reason,
                    "cache store is damaged; moved it aside and starting with an empty cache");
                store.metrics.damaged.inc();
                store.damage_events.fetch_add(1, Ordering::Relaxed);
                report.moved_aside = Some(aside);
                report.reason = Some(reason);
                match store.open_db(false) {
                    Ok(db) => Some(db),
                    Err(OpenFailure::Locked) => {
                        return Err(StoreError::Locked {
                            path: store.path.clone(),
                        });
                    }
                    Err(OpenFailure::Damaged(r) | OpenFailure::Transient(r)) => {
                        report.degraded = Some(r);
                        None
                    }
                }
            }
            Err(OpenFailure::Transient(reason)) => {
                report.degraded = Some(reason);
                None
            }
        };
        {
            let mut slot = store.slot.write().unwrap_or_else(|p| p.into_inner());
            match db {
                Some(db) => {
                    store.load_stored_bytes(&db);
                    slot.db = Some(Arc::new(db));
                }
                None => {
                    let reason = report.degraded.clone().unwrap_or_default();
                    store.metrics.errors.with_label_values(&["open"]).inc();
                    store.metrics.degraded.set(1);
                    tracing::warn!(path = %store.path.display(), %reason,
                        "cache store could not be opened; the cold tier is degraded and will be reopened");
                    slot.degraded = Some(Degraded {
                        reason,
                        retry_at: Instant::now() + REOPEN_BACKOFF_MIN,
                        backoff: REOPEN_BACKOFF_MIN,
                    });
                }
            }
        }
        if let Err(e) = write_private_file(&marker, std::process::id().to_string().as_bytes()) {
            tracing::debug!(error = %e, "could not write the open marker");
        }
        Ok((store, report))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The store's metrics (registered by the cache).
    pub fn metrics(&self) -> &StoreMetrics {
        &self.metrics
    }

    /// Increments whenever the database is replaced or closed (damage, storage error).
    pub fn generation(&self) -> u64 {
        self.slot
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .generation
    }

    /// Damaged stores moved aside by this process.
    pub fn damage_events(&self) -> u64 {
        self.damage_events.load(Ordering::Relaxed)
    }

    /// Open and serving, or degraded (and why).
    pub fn health(&self) -> StoreHealth {
        let slot = self.slot.read().unwrap_or_else(|p| p.into_inner());
        match &slot.degraded {
            Some(d) if slot.db.is_none() => StoreHealth::Degraded {
                reason: d.reason.clone(),
            },
            _ => StoreHealth::Ok,
        }
    }

    /// The sealed envelope stored under `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.get_from(ENTRIES, key)
    }

    /// The sealed packed-symbols envelope stored beside `key`'s entry, if any (an entry stored
    /// by an older syntaxd, or without symbols, has none).
    pub fn get_symbols(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.get_from(SYMBOLS, key)
    }

    fn get_from(
        &self,
        table: TableDefinition<&str, &[u8]>,
        key: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let value = self.with_db(StoreOp::Read, |db| {
            let txn = db.begin_read()?;
            let table = match txn.open_table(table) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            Ok(table.get(key)?.map(|v| v.value().to_vec()))
        })?;
        if value.is_some() {
            self.touch(key);
        }
        Ok(value)
    }

    /// Whether `key` is stored with an intact envelope (a corrupt value is removed, so it is
    /// not stored afterwards).
    pub fn contains(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.check(key)? == Presence::Valid)
    }

    /// Whether `key` is stored with an intact envelope (header and checksum; nothing is
    /// decompressed or copied). A corrupt value is removed.
    pub fn check(&self, key: &str) -> Result<Presence, StoreError> {
        let presence = self.with_db(StoreOp::Read, |db| {
            let txn = db.begin_read()?;
            let table = match txn.open_table(ENTRIES) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Presence::Absent),
                Err(e) => return Err(e.into()),
            };
            Ok(match table.get(key)? {
                None => Presence::Absent,
                Some(v) if super::envelope::check(v.value()).is_ok() => Presence::Valid,
                Some(_) => Presence::Corrupt,
            })
        })?;
        match presence {
            Presence::Valid => self.touch(key),
            Presence::Corrupt => {
                self.remove_many(&[key.to_string()])?;
            }
            Presence::Absent => {}
        }
        Ok(presence)
    }

    /// Stores every (key, envelope) pair in one durable transaction: when this returns `Ok`,
    /// the values survive a crash. Then evicts the least recently used values over budget.
    pub fn put_many(&self, items: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        let items: Vec<(&str, &[u8])> = items
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        self.put_many_with_symbols(&items, &[])
    }

    /// [`put_many`](Self::put_many), with packed-symbols envelopes stored beside some of the
    /// entries (`symbols` keys are entry keys) in the same transaction.
    pub fn put_many_with_symbols(
        &self,
        items: &[(&str, &[u8])],
        symbols: &[(&str, &[u8])],
    ) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        let before = self.stored_bytes.load(Ordering::Relaxed);
        let total = self.with_db(StoreOp::Write, |db| {
            let mut txn = db.begin_write()?;
            txn.set_durability(Durability::Immediate)?;
            let mut total = before;
            {
                for (name, values) in [(ENTRIES, items), (SYMBOLS, symbols)] {
                    if values.is_empty() {
                        continue;
                    }
                    let mut table = txn.open_table(name)?;
                    for &(key, value) in values {
                        let old = table.insert(key, value)?;
                        let old_len = old.map_or(0, |o| o.value().len() as u64);
                        total = total.saturating_sub(old_len) + value.len() as u64;
                    }
                }
                let mut meta = txn.open_table(META)?;
                meta.insert("stored_bytes", total)?;
                meta.insert("store_format", STORE_FORMAT_VERSION)?;
            }
            txn.commit()?;
            Ok(total)
        })?;
        self.stored_bytes.store(total, Ordering::Relaxed);
        for (key, _) in items {
            self.touch(key);
        }
        if total > self.options.budget_bytes {
            self.evict_to(self.options.budget_bytes / 10 * 9)?;
        }
        Ok(())
    }

    /// Removes keys (corrupt entries, purges, evictions) in one durable transaction.
    pub fn remove_many(&self, keys: &[String]) -> Result<u64, StoreError> {
        if keys.is_empty() {
            return Ok(0);
        }
        let before = self.stored_bytes.load(Ordering::Relaxed);
        let (total, removed) = self.with_db(StoreOp::Remove, |db| {
            let mut txn = db.begin_write()?;
            txn.set_durability(Durability::Immediate)?;
            let mut total = before;
            let mut removed = 0;
            {
                let mut table = txn.open_table(ENTRIES)?;
                let mut symbols = txn.open_table(SYMBOLS)?;
                for key in keys {
                    if let Some(old) = table.remove(key.as_str())? {
                        total = total.saturating_sub(old.value().len() as u64);
                        removed += 1;
                    }
                    if let Some(old) = symbols.remove(key.as_str())? {
                        total = total.saturating_sub(old.value().len() as u64);
                    }
                }
                let mut meta = txn.open_table(META)?;
                meta.insert("stored_bytes", total)?;
            }
            txn.commit()?;
            Ok((total, removed))
        })?;
        self.stored_bytes.store(total, Ordering::Relaxed);
        if let Ok(mut r) = self.recency.lock() {
            for key in keys {
                r.remove(&key_hash(key));
            }
        }
        Ok(removed)
    }

    /// Up to `limit` stored `(key, envelope)` pairs whose keys sort after `after` (from the
    /// first key when `None`), in key order, read in one transaction. A scan in pages holds
    /// one page in memory, not the store (`cache verify`, `cache migrate`).
    pub fn page_after(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut page = Vec::new();
        self.scan_in(ENTRIES, after, |k, v| {
            page.push((k.to_string(), v.to_vec()));
            page.len() < limit
        })?;
        Ok(page)
    }

    /// Calls `f(key, envelope)` for every stored value, in key order.
    pub fn for_each(&self, f: impl FnMut(&str, &[u8])) -> Result<(), StoreError> {
        self.for_each_in(ENTRIES, f)
    }

    fn for_each_in(
        &self,
        table: TableDefinition<&str, &[u8]>,
        mut f: impl FnMut(&str, &[u8]),
    ) -> Result<(), StoreError> {
        self.scan_in(table, None, |k, v| {
            f(k, v);
            true
        })
    }

    /// Calls `f(key, value)` for the values of `table` whose keys sort after `after` (every
    /// one when `None`), in key order, in one read transaction, while `f` returns true.
    fn scan_in(
        &self,
        table: TableDefinition<&str, &[u8]>,
        after: Option<&str>,
        mut f: impl FnMut(&str, &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        use std::ops::Bound;
        self.with_db(StoreOp::Scan, |db| {
            let txn = db.begin_read()?;
            let table = match txn.open_table(table) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
                Err(e) => return Err(e.into()),
            };
            let start = after.map_or(Bound::Unbounded, Bound::Excluded);
            for item in table.range::<&str>((start, Bound::Unbounded))? {
                let (k, v) = item?;
                if !f(k.value(), v.value()) {
                    break;
                }
            }
            Ok(())
        })
    }

    /// (entries, stored value bytes).
    pub fn stats(&self) -> Result<(u64, u64), StoreError> {
        let entries = self.with_db(StoreOp::Read, |db| {
            let txn = db.begin_read()?;
            match txn.open_table(ENTRIES) {
                Ok(t) => Ok(t.len()?),
                Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
                Err(e) => Err(e.into()),
            }
        })?;
        Ok((entries, self.stored_bytes.load(Ordering::Relaxed)))
    }

    /// Deletes every entry.
    pub fn purge(&self) -> Result<u64, StoreError> {
        let mut keys = Vec::new();
        self.for_each(|k, _| keys.push(k.to_string()))?;
        // Symbols left without their entry (an older syntaxd evicted it) go too.
        self.for_each_in(SYMBOLS, |k, _| keys.push(k.to_string()))?;
        keys.sort_unstable();
        keys.dedup();
        self.remove_many(&keys)
    }

    /// Runs redb's integrity check (every page checksum of the committed trees, and the
    /// allocator state). `Ok(None)`: intact. `Ok(Some(reason))`: damaged (redb may have
    /// repaired what it could). Needs no other call in flight on this store.
    pub fn check_integrity(&self) -> Result<Option<String>, StoreError> {
        let mut slot = self.slot.write().unwrap_or_else(|p| p.into_inner());
        let Some(db) = slot.db.as_mut() else {
            return Err(StoreError::Unavailable {
                reason: "the store is not open".to_string(),
            });
        };
        let Some(db) = Arc::get_mut(db) else {
            return Err(StoreError::Redb(
                "the integrity check needs the store to itself".to_string(),
            ));
        };
        match catch_unwind(AssertUnwindSafe(|| db.check_integrity())) {
            Ok(Ok(true)) => Ok(None),
            Ok(Ok(false)) => Ok(Some(
                "integrity check failed; redb repaired the allocator state".to_string(),
            )),
            Ok(Err(e)) => match classify(&redb::Error::from(e)) {
                Fault::Storage(reason) => Err(StoreError::Storage { reason }),
                Fault::Damage(reason) | Fault::Other(reason) => Ok(Some(reason)),
            },
            Err(panic) => Ok(Some(format!(
                "redb panicked during the integrity check: {}",
                panic_message(panic.as_ref())
            ))),
        }
    }

    /// Moves a damaged store aside and continues on a fresh one (`cache verify --repair`).
    pub fn replace_damaged(&self, reason: &str) -> Result<PathBuf, StoreError> {
        let generation = self.generation();
        self.on_damage(generation, reason.to_string());
        match self.health() {
            StoreHealth::Ok => Ok(self
                .last_aside()
                .unwrap_or_else(|| self.dir.join(STORE_FILE))),
            StoreHealth::Degraded { reason } => Err(StoreError::Unavailable { reason }),
        }
    }

    fn last_aside(&self) -> Option<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{STORE_FILE}.damaged-")))
            })
            .collect();
        found.sort();
        found.pop()
    }

    /// Runs `f` on the current database. A panic or an error that means damage replaces the
    /// store; a storage error closes it for reopening with backoff.
    fn with_db<T>(
        &self,
        op: StoreOp,
        f: impl FnOnce(&Database) -> Result<T, redb::Error>,
    ) -> Result<T, StoreError> {
        let (db, generation) = self.current()?;
        let result = catch_unwind(AssertUnwindSafe(move || {
            let r = f(&db);
            // A damaged database may panic when its last handle is dropped: drop it here.
            drop(db);
            r
        }));
        match result {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => match classify(&e) {
                Fault::Damage(reason) => {
                    self.metrics.errors.with_label_values(&[op.as_str()]).inc();
                    self.on_damage(generation, reason.clone());
                    Err(StoreError::Damaged { reason })
                }
                Fault::Storage(reason) => {
                    self.metrics.errors.with_label_values(&[op.as_str()]).inc();
                    self.on_storage_error(generation, op, reason.clone());
                    Err(StoreError::Storage { reason })
                }
                Fault::Other(reason) => {
                    self.metrics.errors.with_label_values(&[op.as_str()]).inc();
                    Err(StoreError::Redb(reason))
                }
            },
            Err(panic) => {
                let reason = format!("redb panicked: {}", panic_message(panic.as_ref()));
                self.metrics.errors.with_label_values(&[op.as_str()]).inc();
                self.on_damage(generation, reason.clone());
                Err(StoreError::Damaged { reason })
            }
        }
    }

    /// The open database, reopening a degraded store when its backoff has passed.
    fn current(&self) -> Result<(Arc<Database>, u64), StoreError> {
        {
            let slot = self.slot.read().unwrap_or_else(|p| p.into_inner());
            if let Some(db) = &slot.db {
                return Ok((Arc::clone(db), slot.generation));
            }
            match &slot.degraded {
                Some(d) if Instant::now() < d.retry_at => {
                    return Err(StoreError::Unavailable {
                        reason: d.reason.clone(),
                    });
                }
                _ => {}
            }
        }
        let mut slot = self.slot.write().unwrap_or_else(|p| p.into_inner());
        if let Some(db) = &slot.db {
            return Ok((Arc::clone(db), slot.generation));
        }
        let (reason, backoff) = match &slot.degraded {
            Some(d) if Instant::now() < d.retry_at => {
                return Err(StoreError::Unavailable {
                    reason: d.reason.clone(),
                });
            }
            Some(d) => (d.reason.clone(), d.backoff),
            None => ("the store is closed".to_string(), REOPEN_BACKOFF_MIN),
        };
        // The integrity check tells real damage (moved aside) from a passing I/O fault.
        match self.open_db(true) {
            Ok(db) => {
                self.load_stored_bytes(&db);
                let db = Arc::new(db);
                slot.db = Some(Arc::clone(&db));
                slot.degraded = None;
                slot.generation += 1;
                self.metrics.degraded.set(0);
                tracing::info!(path = %self.path.display(), "cache store reopened; the cold tier is back");
                Ok((db, slot.generation))
            }
            Err(OpenFailure::Damaged(why)) => {
                drop(slot);
                let generation = self.generation();
                self.on_damage(generation, why);
                let slot = self.slot.read().unwrap_or_else(|p| p.into_inner());
                match &slot.db {
                    Some(db) => Ok((Arc::clone(db), slot.generation)),
                    None => Err(StoreError::Unavailable { reason }),
                }
            }
            Err(OpenFailure::Locked | OpenFailure::Transient(_)) => {
                self.metrics.errors.with_label_values(&["open"]).inc();
                let backoff = (backoff * 2).min(REOPEN_BACKOFF_MAX);
                slot.degraded = Some(Degraded {
                    reason: reason.clone(),
                    retry_at: Instant::now() + backoff,
                    backoff,
                });
                Err(StoreError::Unavailable { reason })
            }
        }
    }

    /// Damage seen on `generation`: the first reporter moves the file aside and opens a fresh
    /// store; later reporters of the same generation find it done.
    fn on_damage(&self, generation: u64, reason: String) {
        let mut slot = self.slot.write().unwrap_or_else(|p| p.into_inner());
        if slot.generation != generation {
            return;
        }
        slot.generation += 1;
        if let Some(old) = slot.db.take() {
            drop_quietly(old);
        }
        self.metrics.damaged.inc();
        self.damage_events.fetch_add(1, Ordering::Relaxed);
        self.stored_bytes.store(0, Ordering::Relaxed);
        if let Ok(mut r) = self.recency.lock() {
            r.clear();
        }
        let aside = match self.move_aside() {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(path = %self.path.display(), %reason, error = %e,
                    "cache store is damaged and could not be moved aside; the cold tier is disabled");
                self.degrade(
                    &mut slot,
                    format!("damaged store could not be moved aside: {e}"),
                );
                return;
            }
        };
        tracing::error!(path = %self.path.display(), moved_to = %aside.display(), %reason,
            "cache store is damaged; moved it aside and continuing on a fresh store (lost entries are parsed again)");
        match self.open_db(false) {
            Ok(db) => {
                slot.db = Some(Arc::new(db));
                slot.degraded = None;
                self.metrics.degraded.set(0);
            }
            Err(OpenFailure::Damaged(r) | OpenFailure::Transient(r)) => self.degrade(&mut slot, r),
            Err(OpenFailure::Locked) => {
                self.degrade(&mut slot, "the fresh store is locked".to_string());
            }
        }
    }

    /// A storage error on `generation`: close the store and reopen it later.
    fn on_storage_error(&self, generation: u64, op: StoreOp, reason: String) {
        self.log_storage_error(op, &reason);
        let mut slot = self.slot.write().unwrap_or_else(|p| p.into_inner());
        if slot.generation != generation {
            return;
        }
        slot.generation += 1;
        if let Some(old) = slot.db.take() {
            drop_quietly(old);
        }
        self.degrade(&mut slot, reason);
    }

    fn degrade(&self, slot: &mut Slot, reason: String) {
        slot.db = None;
        slot.degraded = Some(Degraded {
            reason,
            retry_at: Instant::now() + REOPEN_BACKOFF_MIN,
            backoff: REOPEN_BACKOFF_MIN,
        });
        self.metrics.degraded.set(1);
    }

    fn log_storage_error(&self, op: StoreOp, reason: &str) {
        let mut last = self.last_log.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if last.is_some_and(|t| now.duration_since(t) < LOG_INTERVAL) {
            self.suppressed_logs.fetch_add(1, Ordering::Relaxed);
            return;
        }
        *last = Some(now);
        let suppressed = self.suppressed_logs.swap(0, Ordering::Relaxed);
        tracing::warn!(op = op.as_str(), %reason, suppressed_since_last_log = suppressed,
            "cache store storage error; the cold tier is degraded and will be reopened with backoff");
    }

    fn move_aside(&self) -> Result<PathBuf, StoreError> {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut aside = self.dir.join(format!("{STORE_FILE}.damaged-{secs}"));
        let mut n = 1;
        while aside.exists() {
            aside = self.dir.join(format!("{STORE_FILE}.damaged-{secs}-{n}"));
            n += 1;
        }
        std::fs::rename(&self.path, &aside).map_err(|source| StoreError::Io {
            path: self.path.clone(),
            source,
        })?;
        Ok(aside)
    }

    fn open_db(&self, check_integrity: bool) -> Result<Database, OpenFailure> {
        let mut builder = Builder::new();
        builder
            .set_cache_size(self.options.page_cache_bytes)
            .set_check_integrity_on_open(check_integrity);
        let opened = catch_unwind(AssertUnwindSafe(|| -> Result<Database, OpenFailure> {
            let db = match &self.options.opener {
                Some(opener) => {
                    let backend = opener
                        .open(&self.path)
                        .map_err(|e| OpenFailure::Transient(e.to_string()))?;
                    builder.create_with_backend(BoxedBackend(backend))
                }
                None => {
                    let existed = self.path.exists();
                    let db = builder.create(&self.path);
                    if !existed {
                        set_private_mode(&self.path);
                    }
                    db
                }
            }
            .map_err(open_failure)?;
            // A store written by a newer syntaxd is moved aside rather than misread.
            let format = db
                .begin_read()
                .ok()
                .and_then(|t| t.open_table(META).ok())
                .and_then(|t| t.get("store_format").ok().flatten().map(|v| v.value()));
            match format {
                Some(v) if v > STORE_FORMAT_VERSION => Err(OpenFailure::Damaged(format!(
                    "store format {v} is newer than this syntaxd ({STORE_FORMAT_VERSION})"
                ))),
                _ => Ok(db),
            }
        }));
        match opened {
            Ok(r) => r,
            Err(panic) => Err(OpenFailure::Damaged(format!(
                "redb panicked while opening: {}",
                panic_message(panic.as_ref())
            ))),
        }
    }

    fn load_stored_bytes(&self, db: &Database) {
        let stored = catch_unwind(AssertUnwindSafe(|| {
            db.begin_read()
                .ok()
                .and_then(|t| t.open_table(META).ok())
                .and_then(|t| t.get("stored_bytes").ok().flatten().map(|v| v.value()))
        }))
        .ok()
        .flatten()
        .unwrap_or(0);
        self.stored_bytes.store(stored, Ordering::Relaxed);
    }

    fn touch(&self, key: &str) {
        let t = self.clock.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut r) = self.recency.lock() {
            if r.len() >= self.options.recency_max_entries.max(16) {
                // Forget the oldest quarter: they become eviction candidates first.
                let mut ticks: Vec<u64> = r.values().copied().collect();
                let cut = ticks.len() / 4;
                ticks.select_nth_unstable(cut);
                let threshold = ticks[cut];
                r.retain(|_, v| *v > threshold);
            }
            r.insert(key_hash(key), t);
        }
    }

    /// Evicts least recently used values until at most `target` bytes are stored.
    fn evict_to(&self, target: u64) -> Result<(), StoreError> {
        let mut candidates: Vec<(u64, String, u64)> = Vec::new();
        {
            let recency = self.recency.lock().unwrap_or_else(|p| p.into_inner());
            self.for_each(|k, v| {
                candidates.push((
                    recency.get(&key_hash(k)).copied().unwrap_or(0),
                    k.to_string(),
                    v.len() as u64,
                ));
            })?;
        }
        candidates.sort();
        let mut total = self.stored_bytes.load(Ordering::Relaxed);
        let mut victims = Vec::new();
        for (_, key, len) in candidates {
            if total <= target {
                break;
            }
            total = total.saturating_sub(len);
            victims.push(key);
        }
        let n = self.remove_many(&victims)?;
        tracing::debug!(
            evicted = n,
            "cold tier over budget: evicted least recently used entries"
        );
        Ok(())
    }
}

impl Drop for ColdStore {
    fn drop(&mut self) {
        let slot = self.slot.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Some(db) = slot.db.take() {
            drop_quietly(db);
        }
        // Closed cleanly: the next open trusts the file as long as it is unchanged.
        let stamp = self.dir.join(CLOSED_STAMP_FILE);
        match file_stamp(&self.path) {
            Some(s) => {
                if let Err(e) = write_private_file(&stamp, s.as_bytes()) {
                    tracing::debug!(error = %e, "could not write the closed stamp");
                }
            }
            None => {
                let _ = std::fs::remove_file(&stamp);
            }
        }
        let _ = std::fs::remove_file(self.dir.join(OPEN_MARKER_FILE));
    }
}

/// The store file's size, inode and change time (Unix; size and modification time
/// elsewhere): what any write to the file changes.
fn file_stamp(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(format!(
            "{} {} {}.{:09}",
            meta.len(),
            meta.ino(),
            meta.ctime(),
            meta.ctime_nsec()
        ))
    }
    #[cfg(not(unix))]
    {
        let modified = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        Some(format!("{} {}", meta.len(), modified.as_nanos()))
    }
}

/// Whether the store file differs from what its last clean close recorded (no stamp, e.g. a
/// store written by an older syntaxd, counts as changed: it is checked once).
fn changed_since_close(path: &Path, stamp: &Path) -> bool {
    match (std::fs::read_to_string(stamp), file_stamp(path)) {
        (Ok(recorded), Some(now)) => recorded.trim() != now,
        _ => true,
    }
}

enum OpenFailure {
    Locked,
    /// The file is not a usable store: moved aside.
    Damaged(String),
    /// I/O or permission: retried later, never moved aside.
    Transient(String),
}

fn open_failure(e: DatabaseError) -> OpenFailure {
    match e {
        DatabaseError::DatabaseAlreadyOpen => OpenFailure::Locked,
        DatabaseError::Storage(StorageError::Io(io))
            if matches!(
                io.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            OpenFailure::Damaged(io.to_string())
        }
        DatabaseError::Storage(
            StorageError::Io(_) | StorageError::PreviousIo | StorageError::Backend(_),
        ) => OpenFailure::Transient(e.to_string()),
        other => OpenFailure::Damaged(other.to_string()),
    }
}

fn classify(e: &redb::Error) -> Fault {
    match e {
        redb::Error::Corrupted(_)
        | redb::Error::UpgradeRequired(_)
        | redb::Error::RepairAborted => Fault::Damage(e.to_string()),
        // A page that points past the end of the file.
        redb::Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Fault::Damage(e.to_string())
        }
        redb::Error::Io(_)
        | redb::Error::PreviousIo
        | redb::Error::Backend(_)
        | redb::Error::DatabaseClosed
        | redb::Error::LockPoisoned(_)
        | redb::Error::TransactionPoisoned => Fault::Storage(e.to_string()),
        _ => Fault::Other(e.to_string()),
    }
}

/// Drops a database handle without letting a panic of redb's out.
fn drop_quietly(db: Arc<Database>) {
    if catch_unwind(AssertUnwindSafe(move || drop(db))).is_err() {
        tracing::warn!("redb panicked while closing a damaged store");
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

fn key_hash(key: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(key.as_bytes())
}

/// Creates the cache directory, private to the user (0700 on Unix).
fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: dir.to_path_buf(),
        source,
    };
    if dir.is_dir() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir).map_err(io)
    }
}

/// Writes a file readable by the user only (0600 on Unix).
fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)?;
    set_private_mode(path);
    Ok(())
}

fn set_private_mode(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
            tracing::debug!(path = %path.display(), error = %e, "could not make the file private");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// A boxed backend is a backend (redb takes `impl StorageBackend`).
#[derive(Debug)]
struct BoxedBackend(Box<dyn StorageBackend>);

impl StorageBackend for BoxedBackend {
    fn len(&self) -> Result<u64, std::io::Error> {
        self.0.len()
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        self.0.read(offset, out)
    }
    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        self.0.set_len(len)
    }
    fn sync_data(&self) -> Result<(), std::io::Error> {
        self.0.sync_data()
    }
    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        self.0.write(offset, data)
    }
    fn close(&self) -> Result<(), std::io::Error> {
        self.0.close()
    }
    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.0.try_lock_range(start, end)
    }
    fn try_lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, BackendError> {
        self.0.try_lock_shared_range(start, end)
    }
    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.0.lock_range(start, end)
    }
    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.0.lock_shared_range(start, end)
    }
    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.0.unlock_range(start, end)
    }
    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.0.query_lock_range(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_survive_reopen_and_budget_evicts_oldest() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let (store, report) = ColdStore::open(dir.path(), 10_000).expect("opens");
            assert!(report.moved_aside.is_none());
            store
                .put_many(&[("a".into(), vec![1; 4000]), ("b".into(), vec![2; 4000])])
                .expect("stores");
            assert_eq!(store.get("a").expect("reads"), Some(vec![1; 4000]));
            // c pushes the total over budget: b (least recently used) goes, a (just read) stays.
            store
                .put_many(&[("c".into(), vec![3; 4000])])
                .expect("stores");
            // (`get`, not `contains`: these values are not envelopes, which `contains`
            // checks and removes as corrupt.)
            assert!(store.get("a").expect("reads").is_some());
            assert!(store.get("b").expect("reads").is_none());
        }
        let (store, report) = ColdStore::open(dir.path(), 10_000).expect("reopens");
        assert!(!report.integrity_checked, "closed cleanly");
        assert_eq!(store.get("c").expect("reads"), Some(vec![3; 4000]));
        assert_eq!(store.stats().expect("stats"), (2, 8000));
    }

    #[test]
    fn second_opener_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (_first, _) = ColdStore::open(dir.path(), 1 << 20).expect("opens");
        let err = ColdStore::open(dir.path(), 1 << 20)
            .err()
            .expect("second open fails");
        assert!(matches!(err, StoreError::Locked { .. }), "{err}");
        assert!(err.to_string().contains("another syntaxd process"));
    }

    #[test]
    fn garbage_store_file_is_moved_aside_and_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(STORE_FILE), vec![0xAB; 64 * 1024]).expect("writes");
        let (store, report) = ColdStore::open(dir.path(), 1 << 20).expect("opens anyway");
        let aside = report.moved_aside.expect("moved aside");
        assert!(aside.exists());
        assert_eq!(store.stats().expect("stats").0, 0);
        store.put_many(&[("k".into(), vec![1])]).expect("usable");
    }

    #[test]
    fn a_store_left_open_is_checked_on_the_next_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = ColdStore::open(dir.path(), 1 << 20).expect("opens");
        store.put_many(&[("k".into(), vec![1])]).expect("stores");
        assert!(dir.path().join(OPEN_MARKER_FILE).exists());
        // A crash: the handle is never dropped, so the marker stays.
        let db = store.slot.write().expect("lock").db.take();
        drop(db);
        std::mem::forget(store);
        let (store, report) = ColdStore::open(dir.path(), 1 << 20).expect("reopens");
        assert!(report.integrity_checked);
        assert!(report.moved_aside.is_none());
        // (`get`: the value is not an envelope, which `contains` would check.)
        assert_eq!(store.get("k").expect("reads"), Some(vec![1]));
    }

    #[test]
    fn a_store_written_behind_its_back_after_a_clean_close_is_checked() {
        use std::io::{Seek, SeekFrom, Write};
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let (store, _) = ColdStore::open(dir.path(), 1 << 20).expect("opens");
            store.put_many(&[("k".into(), vec![1])]).expect("stores");
        }
        assert!(dir.path().join(CLOSED_STAMP_FILE).exists());
        {
            let (_store, report) = ColdStore::open(dir.path(), 1 << 20).expect("reopens");
            assert!(!report.integrity_checked, "unchanged since its clean close");
        }
        // Another writer rewrites one byte with the same value: the change time still moves.
        let path = dir.path().join(STORE_FILE);
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .expect("open");
        let mut byte = [0u8; 1];
        std::io::Read::read_exact(&mut f, &mut byte).expect("read");
        std::thread::sleep(Duration::from_millis(20));
        f.seek(SeekFrom::Start(0)).expect("seek");
        f.write_all(&byte).expect("write");
        drop(f);
        let (store, report) = ColdStore::open(dir.path(), 1 << 20).expect("reopens");
        assert!(report.integrity_checked, "written since its clean close");
        assert_eq!(store.get("k").expect("reads"), Some(vec![1]));
    }

    #[test]
    fn recency_map_is_bounded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut options = StoreOptions::with_budget(1 << 30);
        options.recency_max_entries = 100;
        let (store, _) = ColdStore::open_with(dir.path(), options).expect("opens");
        for i in 0..1000 {
            store.touch(&format!("key-{i}"));
        }
        let len = store.recency.lock().expect("lock").len();
        assert!(len <= 100, "{len} recency entries");
        // The newest key is remembered.
        assert!(
            store
                .recency
                .lock()
                .expect("lock")
                .contains_key(&key_hash("key-999"))
        );
    }
}
