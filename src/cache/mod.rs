//! The tiered cache of parsed files: hot (entries in memory), warm (lz4-sealed entries in
//! memory) and cold (zstd-sealed entries on disk in redb). Every tier is bounded in bytes.
//!
//! - `put`/`put_many` write through to cold in one durable transaction, then into hot: when
//!   they return `Ok`, the entry survives a crash. `store_durable` writes to cold only
//!   (`syntaxd index`).
//! - `put_behind` (request answers) inserts into hot at once and queues the cold write: one
//!   writer thread drains the bounded queue in batches, one durable transaction (one fsync)
//!   per batch (group commit). A full queue drops the write and counts it
//!   (`syntaxd_cache_write_behind_dropped_total`); the entry stays in hot, and `flush` (on
//!   shutdown, and when the cache is dropped) writes whatever is not on disk yet.
//! - Eviction from hot (by byte budget, moka's size-aware policy) demotes to warm; eviction from
//!   warm demotes to cold (where the entry already is). Cold evicts least recently used values
//!   over its disk budget.
//! - A hit in warm or cold promotes the entry to hot.
//! - A corrupt, truncated, foreign or unknown-version value is a miss plus
//!   `syntaxd_cache_corrupt_total` and a log line; the bad value is removed.

pub mod entry;
pub mod envelope;
mod metrics;
pub mod store;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use serde::Serialize;

pub use entry::{
    CacheEntry, CacheKey, ENTRY_FORMAT_VERSION, EntryError, OLDEST_ENTRY_FORMAT_VERSION,
    TreeSummary, content_hash,
};
pub use envelope::{Codec, EnvelopeError};
pub use metrics::CacheMetrics;
pub use store::{
    BackendOpener, ColdStore, OpenReport, Presence, StoreError, StoreHealth, StoreOp, StoreOptions,
};

/// A cache tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Entries in memory.
    Hot,
    /// lz4-compressed entries in memory.
    Warm,
    /// zstd-compressed entries on disk.
    Cold,
}

impl Tier {
    /// The tier's label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Hot => "hot",
            Tier::Warm => "warm",
            Tier::Cold => "cold",
        }
    }
}

/// Budgets and location of a cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheConfig {
    /// Directory of the cold store.
    pub dir: PathBuf,
    /// Memory for hot entries (source + bytecode + symbols).
    pub hot_budget_bytes: u64,
    /// Memory for warm (compressed) entries.
    pub warm_budget_bytes: u64,
    /// Disk for cold values.
    pub cold_budget_bytes: u64,
    /// zstd level for the cold tier.
    pub zstd_level: i32,
    /// redb's page cache for the cold store (memory).
    pub cold_page_cache_bytes: u64,
    /// Keys whose recency the cold tier remembers for eviction (about 32 bytes each).
    pub cold_recency_max_entries: u64,
    /// Cold writes queued behind request answers at most; past it a write is dropped (counted).
    pub write_queue_entries: u64,
}

impl CacheConfig {
    /// Budgets derived from the machine: hot 1/16 of memory (at most 1 GiB), warm 1/32 (at most
    /// 512 MiB), cold a quarter of the free space of the cache directory's file system (at most
    /// 10 GiB, at least 64 MiB).
    pub fn with_defaults(dir: PathBuf) -> CacheConfig {
        let total = sysinfo::System::new()
            .map(|mut sys| {
                sys.refresh_memory();
                sys.total_memory()
            })
            .unwrap_or(0)
            .max(1 << 30);
        let free_disk = free_disk_bytes(&dir).unwrap_or(4 << 30);
        CacheConfig {
            dir,
            hot_budget_bytes: (total / 16).min(1 << 30),
            warm_budget_bytes: (total / 32).min(512 << 20),
            cold_budget_bytes: (free_disk / 4).clamp(64 << 20, 10 << 30),
            zstd_level: 3,
            cold_page_cache_bytes: 32 << 20,
            cold_recency_max_entries: 1 << 18,
            write_queue_entries: 1024,
        }
    }

    /// The default cache directory: the user's cache dir (`$XDG_CACHE_HOME/syntaxd`, ...),
    /// or `.syntaxd-cache` in the working directory when there is none.
    pub fn default_dir() -> PathBuf {
        dirs::cache_dir()
            .map(|d| d.join("syntaxd"))
            .unwrap_or_else(|| PathBuf::from(".syntaxd-cache"))
    }
}

fn free_disk_bytes(dir: &Path) -> Option<u64> {
    let disks = sysinfo::Disks::new_with_refreshed_list().ok()?;
    let probe = dir.ancestors().find(|p| p.exists())?.canonicalize().ok()?;
    disks
        .iter()
        .filter(|d| probe.starts_with(d.mount_point()))
        .max_by_key(|d| d.mount_point().as_os_str().len())
        .map(|d| d.available_space())
}

/// Errors of the cache.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The disk store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The answer of [`Cache::get`].
#[derive(Debug, Clone)]
pub enum Lookup {
    /// Found, in this tier (and now in hot).
    Hit(Arc<CacheEntry>, Tier),
    /// Not cached (or the cached value was corrupt and has been dropped).
    Miss,
}

/// Per-tier figures.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct TierStats {
    /// Entries in the tier.
    pub entries: u64,
    /// Bytes the tier holds (its budget's unit).
    pub bytes: u64,
    /// The tier's budget.
    pub budget_bytes: u64,
}

/// Figures for every tier.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CacheStats {
    /// Hot tier.
    pub hot: TierStats,
    /// Warm tier.
    pub warm: TierStats,
    /// Cold tier.
    pub cold: TierStats,
}

/// The tiered cache. Cheap to share behind an `Arc`; every method takes `&self`.
pub struct Cache {
    hot: moka::sync::Cache<String, Arc<CacheEntry>>,
    warm: moka::sync::Cache<String, Arc<Vec<u8>>>,
    cold: Arc<ColdStore>,
    metrics: Arc<CacheMetrics>,
    config: CacheConfig,
    queue: Option<SyncSender<Pending>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

/// A cold write waiting for the writer thread.
enum Pending {
    /// A new entry (sealed by the writer).
    Entry(String, Arc<CacheEntry>),
    /// A payload demoted from warm: stored unless cold already has the key.
    Demoted(String, u16, Vec<u8>),
    /// Answer on the channel once everything queued before has been written.
    Flush(SyncSender<()>),
    /// Write what is queued before, then stop (the cache is dropped).
    Stop,
}

/// An entry sealed as the cold tier stores it ([`Cache::seal_for_cold`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The entry's key.
    pub key: String,
    /// The entry's zstd envelope.
    pub value: Vec<u8>,
    /// Its packed symbols list in an lz4 envelope, stored beside it, when the entry has one.
    pub symbols: Option<Vec<u8>>,
}

/// The envelope payload version of a packed symbols list (its format byte follows inside).
const PACKED_SYMBOLS_VERSION: u16 = crate::symbols::packed::PACKED_FORMAT as u16;

impl Sealed {
    fn of(entry: &CacheEntry, zstd_level: i32) -> Sealed {
        Sealed {
            key: entry.key().to_string(),
            value: envelope::seal(
                &entry.to_payload(),
                ENTRY_FORMAT_VERSION,
                Codec::Zstd,
                zstd_level,
            ),
            symbols: entry
                .symbols_packed
                .as_ref()
                .map(|p| envelope::seal(p, PACKED_SYMBOLS_VERSION, Codec::Lz4, 0)),
        }
    }
}

fn store_sealed(cold: &ColdStore, sealed: &[Sealed]) -> Result<(), StoreError> {
    let entries: Vec<(&str, &[u8])> = sealed
        .iter()
        .map(|s| (s.key.as_str(), s.value.as_slice()))
        .collect();
    let symbols: Vec<(&str, &[u8])> = sealed
        .iter()
        .filter_map(|s| Some((s.key.as_str(), s.symbols.as_deref()?)))
        .collect();
    cold.put_many_with_symbols(&entries, &symbols)
}

/// Entries per write-behind batch (one durable transaction) at most ...
const WRITE_BATCH_ENTRIES: usize = 256;
/// ... and sealed bytes per batch at most.
const WRITE_BATCH_BYTES: usize = 8 << 20;

impl Cache {
    /// Opens the cache: the cold store in `config.dir` (moved aside and recreated if
    /// damaged; degraded and reopened with backoff on a storage error; refused if another
    /// process holds it) and empty memory tiers. Metrics are registered in `registry`.
    pub fn open(
        config: CacheConfig,
        registry: &prometheus::Registry,
    ) -> Result<(Cache, OpenReport), CacheError> {
        Self::open_with(config, registry, None)
    }

    /// [`Cache::open`] with the cold store's storage opened by `opener` (fault injection).
    pub fn open_with(
        config: CacheConfig,
        registry: &prometheus::Registry,
        opener: Option<Arc<dyn BackendOpener>>,
    ) -> Result<(Cache, OpenReport), CacheError> {
        let options = StoreOptions {
            budget_bytes: config.cold_budget_bytes,
            page_cache_bytes: usize::try_from(config.cold_page_cache_bytes).unwrap_or(usize::MAX),
            recency_max_entries: usize::try_from(config.cold_recency_max_entries)
                .unwrap_or(usize::MAX),
            opener,
        };
        let (cold, report) = ColdStore::open_with(&config.dir, options)?;
        let cold = Arc::new(cold);
        let metrics = Arc::new(CacheMetrics::register(registry));
        // The store opened last is the live one: its metrics replace any earlier store's.
        for old in cold.metrics().collectors() {
            let _ = registry.unregister(old);
        }
        for c in cold.metrics().collectors() {
            if let Err(e) = registry.register(c) {
                tracing::debug!(error = %e, "store metric not registered");
            }
        }

        let (tx, rx) = std::sync::mpsc::sync_channel::<Pending>(
            usize::try_from(config.write_queue_entries.max(1)).unwrap_or(usize::MAX),
        );
        let writer = {
            let cold = Arc::clone(&cold);
            let metrics = Arc::clone(&metrics);
            let zstd_level = config.zstd_level;
            std::thread::Builder::new()
                .name("syntaxd-cache-writer".to_string())
                .spawn(move || write_behind(&rx, &cold, &metrics, zstd_level))
                .map_err(|source| StoreError::Io {
                    path: config.dir.clone(),
                    source,
                })?
        };

        let warm_queue = tx.clone();
        let warm_metrics = Arc::clone(&metrics);
        let warm = moka::sync::Cache::builder()
            .max_capacity(config.warm_budget_bytes)
            .weigher(|k: &String, v: &Arc<Vec<u8>>| weight(k.len() + v.len()))
            .eviction_listener(move |key: Arc<String>, sealed: Arc<Vec<u8>>, cause| {
                if !cause.was_evicted() {
                    return;
                }
                // Write-through keeps cold complete; the writer re-stores it only if cold
                // evicted it (or never got it).
                if let Ok((h, payload)) = envelope::open(&sealed) {
                    let pending = Pending::Demoted(key.to_string(), h.payload_version, payload);
                    if warm_queue.try_send(pending).is_err() {
                        warm_metrics.write_dropped();
                    }
                }
                warm_metrics.demotion(Tier::Warm, Tier::Cold);
            })
            .build();

        let hot_warm = warm.clone();
        let hot_metrics = Arc::clone(&metrics);
        let hot = moka::sync::Cache::builder()
            .max_capacity(config.hot_budget_bytes)
            .weigher(|k: &String, v: &Arc<CacheEntry>| weight(k.len() + v.memory_bytes()))
            .eviction_listener(move |key: Arc<String>, entry: Arc<CacheEntry>, cause| {
                if !cause.was_evicted() {
                    return;
                }
                let sealed =
                    envelope::seal(&entry.to_payload(), ENTRY_FORMAT_VERSION, Codec::Lz4, 0);
                hot_warm.insert(key.to_string(), Arc::new(sealed));
                hot_metrics.demotion(Tier::Hot, Tier::Warm);
            })
            .build();

        Ok((
            Cache {
                hot,
                warm,
                cold,
                metrics,
                config,
                queue: Some(tx),
                writer: Mutex::new(Some(writer)),
            },
            report,
        ))
    }

    /// The configuration the cache was opened with.
    pub fn config(&self) -> &CacheConfig {
        &self.config
    }

    /// The cold store, for `syntaxd cache verify|migrate|purge`.
    pub fn cold(&self) -> &ColdStore {
        &self.cold
    }

    /// Looks `key` up in hot, then warm, then cold; a warm or cold hit is promoted to hot.
    /// A cold tier that fails (damaged, degraded) answers a miss.
    pub fn get(&self, key: &CacheKey) -> Lookup {
        let k = key.to_string();
        let started = Instant::now();
        if let Some(entry) = self.hot.get(&k) {
            self.metrics.hit(Tier::Hot, started);
            return Lookup::Hit(entry, Tier::Hot);
        }
        if let Some(sealed) = self.warm.get(&k) {
            self.warm.invalidate(&k);
            match self.unseal(key, &sealed, Tier::Warm) {
                Some(entry) => {
                    self.hot.insert(k, Arc::clone(&entry));
                    self.metrics.promotion(Tier::Warm, Tier::Hot);
                    self.metrics.hit(Tier::Warm, started);
                    return Lookup::Hit(entry, Tier::Warm);
                }
                None => self.metrics.corrupt(Tier::Warm),
            }
        }
        match self.cold.get(&k) {
            Ok(Some(sealed)) => match self.unseal(key, &sealed, Tier::Cold) {
                Some(entry) => {
                    self.hot.insert(k, Arc::clone(&entry));
                    self.metrics.promotion(Tier::Cold, Tier::Hot);
                    self.metrics.hit(Tier::Cold, started);
                    return Lookup::Hit(entry, Tier::Cold);
                }
                None => {
                    self.metrics.corrupt(Tier::Cold);
                    if let Err(e) = self.cold.remove_many(&[k]) {
                        tracing::debug!(error = %e, "could not remove a corrupt cold entry");
                    }
                }
            },
            Ok(None) => {}
            // Logged and counted by the store; the caller parses.
            Err(e) => tracing::debug!(error = %e, "cold tier read failed; treating as a miss"),
        }
        self.metrics.miss(started);
        Lookup::Miss
    }

    /// The stored symbols JSON of `key` (`Some(None)`: the entry holds no symbols), from hot,
    /// warm or cold, without promoting the entry or copying its source and bytecode: for
    /// `syntaxd symbols`, which needs only the list (a whole tree's entries would otherwise
    /// fill the memory tiers). A corrupt value is dropped (and, in cold, removed) and reads
    /// as a miss, as in [`get`](Self::get).
    pub fn get_symbols(&self, key: &CacheKey) -> Option<Option<Vec<u8>>> {
        let k = key.to_string();
        let started = Instant::now();
        if let Some(entry) = self.hot.get(&k) {
            self.metrics.hit(Tier::Hot, started);
            return Some(entry.symbols.clone());
        }
        let symbols_of = |sealed: &[u8], tier: Tier| {
            let found = envelope::open_with(sealed, |h, payload| {
                entry::symbols_from_payload(h.payload_version, payload, key)
            })
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
            match found {
                Ok(symbols) => Some(symbols),
                Err(reason) => {
                    tracing::warn!(tier = tier.as_str(), key = %key, %reason, "corrupt cache entry treated as a miss");
                    self.metrics.corrupt(tier);
                    None
                }
            }
        };
        if let Some(sealed) = self.warm.get(&k) {
            match symbols_of(&sealed, Tier::Warm) {
                Some(symbols) => {
                    self.metrics.hit(Tier::Warm, started);
                    return Some(symbols);
                }
                None => self.warm.invalidate(&k),
            }
        }
        match self.cold.get(&k) {
            Ok(Some(sealed)) => match symbols_of(&sealed, Tier::Cold) {
                Some(symbols) => {
                    self.metrics.hit(Tier::Cold, started);
                    return Some(symbols);
                }
                None => {
                    if let Err(e) = self.cold.remove_many(&[k]) {
                        tracing::debug!(error = %e, "could not remove a corrupt cold entry");
                    }
                }
            },
            Ok(None) => {}
            Err(e) => tracing::debug!(error = %e, "cold tier read failed; treating as a miss"),
        }
        self.metrics.miss(started);
        None
    }

    /// The packed symbols list stored beside `key`'s entry ([`crate::symbols::packed`]): from
    /// a hot entry made now, or from the cold tier's own table, without reading the entry.
    /// `None` when there is none (an entry without symbols, or stored by an older syntaxd:
    /// read the JSON with [`get_symbols`](Self::get_symbols)); a hit is counted only when
    /// found. A corrupt value removes the key (entry and list), as in [`get`](Self::get).
    pub fn get_packed_symbols(&self, key: &CacheKey) -> Option<Vec<u8>> {
        let k = key.to_string();
        let started = Instant::now();
        if let Some(entry) = self.hot.get(&k)
            && let Some(packed) = &entry.symbols_packed
        {
            self.metrics.hit(Tier::Hot, started);
            return Some(packed.clone());
        }
        match self.cold.get_symbols(&k) {
            Ok(Some(sealed)) => match envelope::open(&sealed) {
                Ok((h, packed)) if h.payload_version == PACKED_SYMBOLS_VERSION => {
                    self.metrics.hit(Tier::Cold, started);
                    Some(packed)
                }
                // Another packed format: the entry's JSON answers.
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!(key = %key, reason = %e, "corrupt stored symbols treated as a miss");
                    self.metrics.corrupt(Tier::Cold);
                    if let Err(e) = self.cold.remove_many(&[k]) {
                        tracing::debug!(error = %e, "could not remove a corrupt cold entry");
                    }
                    None
                }
            },
            Ok(None) => None,
            Err(e) => {
                tracing::debug!(error = %e, "cold tier read failed; treating as a miss");
                None
            }
        }
    }

    /// Whether `key` is in the cold tier with an intact envelope, without loading it into
    /// memory (warm re-index). A corrupt value is removed and counted, and reads as absent.
    pub fn check_stored(&self, key: &CacheKey) -> Result<bool, CacheError> {
        match self.cold.check(&key.to_string())? {
            Presence::Valid => Ok(true),
            Presence::Absent => Ok(false),
            Presence::Corrupt => {
                self.metrics.corrupt(Tier::Cold);
                Ok(false)
            }
        }
    }

    /// Stores an entry durably (cold, one transaction) and in hot. On `Ok`, it survives a crash.
    pub fn put(&self, entry: CacheEntry) -> Result<Arc<CacheEntry>, CacheError> {
        let mut stored = self.put_many(vec![entry])?;
        Ok(stored.remove(0))
    }

    /// Stores an entry in hot at once and queues its cold write (group commit). For request
    /// answers: the answer needs the entry, not its durability. A full queue drops the cold
    /// write (counted); the entry still reaches cold on eviction from warm or on `flush`.
    pub fn put_behind(&self, entry: CacheEntry) -> Arc<CacheEntry> {
        let key = entry.key().to_string();
        let entry = Arc::new(entry);
        self.hot.insert(key.clone(), Arc::clone(&entry));
        match &self.queue {
            Some(q) => match q.try_send(Pending::Entry(key, Arc::clone(&entry))) {
                Ok(()) => {}
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                    self.metrics.write_dropped();
                }
            },
            None => self.metrics.write_dropped(),
        }
        entry
    }

    /// Stores several entries in one durable cold transaction, then in hot.
    pub fn put_many(&self, entries: Vec<CacheEntry>) -> Result<Vec<Arc<CacheEntry>>, CacheError> {
        let started = Instant::now();
        let sealed = self.seal_all(&entries);
        self.store_sealed(&sealed)?;
        self.metrics.stored(Tier::Cold, started);
        let hot_started = Instant::now();
        let out: Vec<Arc<CacheEntry>> = entries
            .into_iter()
            .zip(sealed)
            .map(|(mut e, sealed)| {
                // Stored beside it in cold; the memory tiers answer from the JSON.
                e.symbols_packed = None;
                let e = Arc::new(e);
                self.hot.insert(sealed.key, Arc::clone(&e));
                e
            })
            .collect();
        self.metrics.stored(Tier::Hot, hot_started);
        Ok(out)
    }

    /// Stores entries in the cold tier only, in one durable transaction (`syntaxd index`:
    /// when this returns `Ok` they survive a crash; memory tiers are not filled).
    pub fn store_durable(&self, entries: &[CacheEntry]) -> Result<(), CacheError> {
        self.store_sealed_durable(&self.seal_all(entries))
    }

    /// Seals an entry as the cold tier stores it: its key and its zstd envelope (at the
    /// configured level). Sealing is the costly part of a cold write; callers with many
    /// entries (`syntaxd index`) seal on their worker threads and store the batch with
    /// [`store_sealed_durable`](Self::store_sealed_durable).
    pub fn seal_for_cold(&self, entry: &CacheEntry) -> Sealed {
        Sealed::of(entry, self.config.zstd_level)
    }

    /// Stores values sealed by [`seal_for_cold`](Self::seal_for_cold) in the cold tier only,
    /// in one durable transaction: when this returns `Ok` they survive a crash.
    pub fn store_sealed_durable(&self, sealed: &[Sealed]) -> Result<(), CacheError> {
        let started = Instant::now();
        self.store_sealed(sealed)?;
        self.metrics.stored(Tier::Cold, started);
        Ok(())
    }

    fn store_sealed(&self, sealed: &[Sealed]) -> Result<(), StoreError> {
        store_sealed(&self.cold, sealed)
    }

    fn seal_all(&self, entries: &[CacheEntry]) -> Vec<Sealed> {
        entries.iter().map(|e| self.seal_for_cold(e)).collect()
    }

    /// Applies pending evictions now (moka defers them) and refreshes the tier gauges.
    pub fn run_pending_tasks(&self) {
        self.hot.run_pending_tasks();
        self.warm.run_pending_tasks();
        self.refresh_gauges();
    }

    /// Waits until every queued cold write has been attempted.
    pub fn drain_writes(&self) {
        let Some(q) = &self.queue else { return };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        if q.send(Pending::Flush(tx)).is_ok() {
            let _ = rx.recv();
        }
    }

    /// Writes the queued cold writes, then everything in memory that is not on disk yet,
    /// durably. The shutdown safety net.
    pub fn flush(&self) -> Result<usize, CacheError> {
        self.drain_writes();
        self.run_pending_tasks();
        let mut missing = Vec::new();
        for (k, e) in self.hot.iter() {
            if !self.cold.contains(&k)? {
                missing.push(Sealed::of(&e, self.config.zstd_level));
            }
        }
        for (k, sealed) in self.warm.iter() {
            if !self.cold.contains(&k)?
                && let Ok((h, payload)) = envelope::open(&sealed)
            {
                missing.push(Sealed {
                    key: k.to_string(),
                    value: envelope::seal(
                        &payload,
                        h.payload_version,
                        Codec::Zstd,
                        self.config.zstd_level,
                    ),
                    symbols: None,
                });
            }
        }
        self.store_sealed(&missing)?;
        Ok(missing.len())
    }

    /// Entries and bytes per tier.
    pub fn stats(&self) -> CacheStats {
        self.hot.run_pending_tasks();
        self.warm.run_pending_tasks();
        let (cold_entries, cold_bytes) = self.cold.stats().unwrap_or((0, 0));
        CacheStats {
            hot: TierStats {
                entries: self.hot.entry_count(),
                bytes: self.hot.weighted_size(),
                budget_bytes: self.config.hot_budget_bytes,
            },
            warm: TierStats {
                entries: self.warm.entry_count(),
                bytes: self.warm.weighted_size(),
                budget_bytes: self.config.warm_budget_bytes,
            },
            cold: TierStats {
                entries: cold_entries,
                bytes: cold_bytes,
                budget_bytes: self.config.cold_budget_bytes,
            },
        }
    }

    /// Updates `syntaxd_cache_entries{tier}` and `syntaxd_cache_bytes{tier}`.
    pub fn refresh_gauges(&self) {
        let s = self.stats();
        for (tier, t) in [
            (Tier::Hot, s.hot),
            (Tier::Warm, s.warm),
            (Tier::Cold, s.cold),
        ] {
            self.metrics.set_size(tier, t.entries, t.bytes);
        }
    }

    /// The metrics of this cache.
    pub fn metrics(&self) -> &CacheMetrics {
        &self.metrics
    }

    fn unseal(&self, key: &CacheKey, sealed: &[u8], tier: Tier) -> Option<Arc<CacheEntry>> {
        let result = envelope::open(sealed)
            .map_err(|e| e.to_string())
            .and_then(|(h, payload)| {
                CacheEntry::from_payload(h.payload_version, &payload).map_err(|e| e.to_string())
            })
            .and_then(|entry| {
                if entry.key() == *key {
                    Ok(entry)
                } else {
                    Err(format!(
                        "entry is for {}, not for the key it is stored under",
                        entry.key()
                    ))
                }
            });
        match result {
            Ok(entry) => Some(Arc::new(entry)),
            Err(reason) => {
                tracing::warn!(tier = tier.as_str(), key = %key, %reason, "corrupt cache entry treated as a miss");
                None
            }
        }
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        // The eviction listeners hold senders too: ask the writer to stop after the queue.
        if let Some(q) = self.queue.take() {
            let _ = q.send(Pending::Stop);
        }
        let writer = self.writer.get_mut().ok().and_then(|w| w.take());
        if let Some(w) = writer
            && w.join().is_err()
        {
            tracing::error!("the cache writer thread panicked");
        }
    }
}

/// The writer thread: drains the queue in batches, one durable transaction per batch.
fn write_behind(rx: &Receiver<Pending>, cold: &ColdStore, metrics: &CacheMetrics, zstd_level: i32) {
    let mut stop = false;
    while !stop && let Ok(first) = rx.recv() {
        let mut batch: Vec<Sealed> = Vec::new();
        let mut bytes = 0usize;
        let mut waiters: Vec<SyncSender<()>> = Vec::new();
        let mut next = Some(first);
        while let Some(pending) = next.take() {
            match pending {
                Pending::Entry(key, entry) => {
                    let sealed = Sealed::of(&entry, zstd_level);
                    debug_assert_eq!(sealed.key, key);
                    bytes += sealed.value.len();
                    batch.push(sealed);
                }
                Pending::Demoted(key, version, payload) => {
                    // Write-through normally has it already. A corrupt value there is counted,
                    // removed by the check, and replaced by the intact payload in hand.
                    let presence = cold.check(&key).unwrap_or(Presence::Valid);
                    if presence == Presence::Corrupt {
                        metrics.corrupt(Tier::Cold);
                    }
                    if presence != Presence::Valid {
                        let value = envelope::seal(&payload, version, Codec::Zstd, zstd_level);
                        bytes += value.len();
                        batch.push(Sealed {
                            key,
                            value,
                            symbols: None,
                        });
                    }
                }
                Pending::Flush(waiter) => {
                    waiters.push(waiter);
                    break;
                }
                Pending::Stop => {
                    stop = true;
                    break;
                }
            }
            if batch.len() >= WRITE_BATCH_ENTRIES || bytes >= WRITE_BATCH_BYTES {
                break;
            }
            next = rx.try_recv().ok();
        }
        if !batch.is_empty() {
            let started = Instant::now();
            match store_sealed(cold, &batch) {
                Ok(()) => metrics.stored(Tier::Cold, started),
                // Counted and logged (once per interval) by the store; the entries stay in hot.
                Err(e) => {
                    metrics.writes_failed(batch.len());
                    tracing::debug!(error = %e, entries = batch.len(), "write-behind batch failed");
                }
            }
        }
        for w in waiters {
            let _ = w.send(());
        }
    }
}

/// moka weighs in u32: clamp (a single entry is bounded far below 4 GiB by the parse size cap).
fn weight(bytes: usize) -> u32 {
    u32::try_from(bytes).unwrap_or(u32::MAX)
}
