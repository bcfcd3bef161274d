//! The cold tier's disk store: sealed (zstd) envelopes in a redb database, which is
//! crash-safe and locks its file against a second process. A store that cannot be opened is
//! moved aside and replaced by an empty one, so a broken cache never stops the daemon.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
};

/// Key: the cache key string; value: a sealed envelope.
const ENTRIES: TableDefinition<&str, &[u8]> = TableDefinition::new("entries");
/// Store-level facts: `store_format`, `stored_bytes`.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// The layout of the redb tables.
/// - 1: first release: `entries` (key -> envelope) and `meta`.
pub const STORE_FORMAT_VERSION: u64 = 1;

/// The database file inside the cache directory.
pub const STORE_FILE: &str = "cache.redb";

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
    /// redb failed.
    #[error("cache store: {0}")]
    Redb(String),
}

fn redb_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Redb(e.to_string())
}

/// What happened when the store was opened.
#[derive(Debug, Clone, Default)]
pub struct OpenReport {
    /// Where an unreadable store was moved, if one was.
    pub moved_aside: Option<PathBuf>,
    /// Why it was moved.
    pub reason: Option<String>,
}

/// The cold tier on disk.
pub struct ColdStore {
    db: Database,
    path: PathBuf,
    budget_bytes: u64,
    stored_bytes: AtomicU64,
    /// Recency of keys touched by this process (higher is newer). Keys absent from it are
    /// older than every key in it: they were last used by a previous run.
    recency: Mutex<HashMap<String, u64>>,
    clock: AtomicU64,
}

impl ColdStore {
    /// Opens (or creates) the store in `dir`, bounded by `budget_bytes` of stored values.
    pub fn open(dir: &Path, budget_bytes: u64) -> Result<(ColdStore, OpenReport), StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(STORE_FILE);
        let mut report = OpenReport::default();
        let db = match open_checked(&path) {
            Ok(db) => db,
            Err(OpenFailure::Locked) => return Err(StoreError::Locked { path }),
            Err(OpenFailure::Unusable(reason)) => {
                let aside = dir.join(format!(
                    "{STORE_FILE}.unreadable-{}",
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0)
                ));
                std::fs::rename(&path, &aside).map_err(|source| StoreError::Io {
                    path: path.clone(),
                    source,
                })?;
                tracing::warn!(path = %path.display(), moved_to = %aside.display(), %reason,
                    "cache store could not be opened; moved it aside and starting with an empty cache");
                report.moved_aside = Some(aside);
                report.reason = Some(reason);
                match open_checked(&path) {
                    Ok(db) => db,
                    Err(OpenFailure::Locked) => return Err(StoreError::Locked { path }),
                    Err(OpenFailure::Unusable(reason)) => return Err(StoreError::Redb(reason)),
                }
            }
        };
        let stored = {
            let txn = db.begin_read().map_err(redb_err)?;
            match txn.open_table(META) {
                Ok(t) => t
                    .get("stored_bytes")
                    .map_err(redb_err)?
                    .map(|v| v.value())
                    .unwrap_or(0),
                Err(_) => 0,
            }
        };
        let store = ColdStore {
            db,
            path,
            budget_bytes,
            stored_bytes: AtomicU64::new(stored),
            recency: Mutex::new(HashMap::new()),
            clock: AtomicU64::new(1),
        };
        Ok((store, report))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sealed envelope stored under `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read().map_err(redb_err)?;
        let table = match txn.open_table(ENTRIES) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(redb_err(e)),
        };
        let value = table
            .get(key)
            .map_err(redb_err)?
            .map(|v| v.value().to_vec());
        if value.is_some() {
            self.touch(key);
        }
        Ok(value)
    }

    /// Whether `key` is stored.
    pub fn contains(&self, key: &str) -> Result<bool, StoreError> {
        let txn = self.db.begin_read().map_err(redb_err)?;
        match txn.open_table(ENTRIES) {
            Ok(t) => Ok(t.get(key).map_err(redb_err)?.is_some()),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(false),
            Err(e) => Err(redb_err(e)),
        }
    }

    /// Stores every (key, envelope) pair in one durable transaction: when this returns `Ok`,
    /// the values survive a crash. Then evicts the least recently used values over budget.
    pub fn put_many(&self, items: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        let mut txn = self.db.begin_write().map_err(redb_err)?;
        txn.set_durability(Durability::Immediate)
            .map_err(redb_err)?;
        let mut total = self.stored_bytes.load(Ordering::Relaxed);
        {
            let mut table = txn.open_table(ENTRIES).map_err(redb_err)?;
            for (key, value) in items {
                let old = table
                    .insert(key.as_str(), value.as_slice())
                    .map_err(redb_err)?;
                let old_len = old.map_or(0, |o| o.value().len() as u64);
                total = total.saturating_sub(old_len) + value.len() as u64;
            }
            let mut meta = txn.open_table(META).map_err(redb_err)?;
            meta.insert("stored_bytes", total).map_err(redb_err)?;
            meta.insert("store_format", STORE_FORMAT_VERSION)
                .map_err(redb_err)?;
        }
        txn.commit().map_err(redb_err)?;
        self.stored_bytes.store(total, Ordering::Relaxed);
        for (key, _) in items {
            self.touch(key);
        }
        if total > self.budget_bytes {
            self.evict_to(self.budget_bytes / 10 * 9)?;
        }
        Ok(())
    }

    /// Removes keys (corrupt entries, purges, evictions) in one durable transaction.
    pub fn remove_many(&self, keys: &[String]) -> Result<u64, StoreError> {
        let mut txn = self.db.begin_write().map_err(redb_err)?;
        txn.set_durability(Durability::Immediate)
            .map_err(redb_err)?;
        let mut total = self.stored_bytes.load(Ordering::Relaxed);
        let mut removed = 0;
        {
            let mut table = txn.open_table(ENTRIES).map_err(redb_err)?;
            for key in keys {
                if let Some(old) = table.remove(key.as_str()).map_err(redb_err)? {
                    total = total.saturating_sub(old.value().len() as u64);
                    removed += 1;
                }
            }
            let mut meta = txn.open_table(META).map_err(redb_err)?;
            meta.insert("stored_bytes", total).map_err(redb_err)?;
        }
        txn.commit().map_err(redb_err)?;
        self.stored_bytes.store(total, Ordering::Relaxed);
        if let Ok(mut r) = self.recency.lock() {
            for key in keys {
                r.remove(key);
            }
        }
        Ok(removed)
    }

    /// Calls `f(key, envelope)` for every stored value, in key order.
    pub fn for_each(&self, mut f: impl FnMut(&str, &[u8])) -> Result<(), StoreError> {
        let txn = self.db.begin_read().map_err(redb_err)?;
        let table = match txn.open_table(ENTRIES) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(e) => return Err(redb_err(e)),
        };
        for item in table.iter().map_err(redb_err)? {
            let (k, v) = item.map_err(redb_err)?;
            f(k.value(), v.value());
        }
        Ok(())
    }

    /// (entries, stored value bytes).
    pub fn stats(&self) -> Result<(u64, u64), StoreError> {
        let txn = self.db.begin_read().map_err(redb_err)?;
        let entries = match txn.open_table(ENTRIES) {
            Ok(t) => t.len().map_err(redb_err)?,
            Err(redb::TableError::TableDoesNotExist(_)) => 0,
            Err(e) => return Err(redb_err(e)),
        };
        Ok((entries, self.stored_bytes.load(Ordering::Relaxed)))
    }

    /// Deletes every entry.
    pub fn purge(&self) -> Result<u64, StoreError> {
        let mut keys = Vec::new();
        self.for_each(|k, _| keys.push(k.to_string()))?;
        self.remove_many(&keys)
    }

    fn touch(&self, key: &str) {
        let t = self.clock.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut r) = self.recency.lock() {
            r.insert(key.to_string(), t);
        }
    }

    /// Evicts least recently used values until at most `target` bytes are stored.
    fn evict_to(&self, target: u64) -> Result<(), StoreError> {
        let mut candidates: Vec<(u64, String, u64)> = Vec::new();
        {
            let recency = self
                .recency
                .lock()
                .map_err(|_| StoreError::Redb("recency lock poisoned".into()))?;
            self.for_each(|k, v| {
                candidates.push((
                    recency.get(k).copied().unwrap_or(0),
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

enum OpenFailure {
    Locked,
    Unusable(String),
}

fn open_checked(path: &Path) -> Result<Database, OpenFailure> {
    let db = match Database::create(path) {
        Ok(db) => db,
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => return Err(OpenFailure::Locked),
        Err(e) => return Err(OpenFailure::Unusable(e.to_string())),
    };
    // A store written by a newer syntaxd is moved aside rather than misread.
    let format = db
        .begin_read()
        .ok()
        .and_then(|t| t.open_table(META).ok())
        .and_then(|t| t.get("store_format").ok().flatten().map(|v| v.value()));
    match format {
        Some(v) if v > STORE_FORMAT_VERSION => Err(OpenFailure::Unusable(format!(
            "store format {v} is newer than this syntaxd ({STORE_FORMAT_VERSION})"
        ))),
        _ => Ok(db),
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
            assert!(store.contains("a").expect("reads"));
            assert!(!store.contains("b").expect("reads"));
        }
        let (store, _) = ColdStore::open(dir.path(), 10_000).expect("reopens");
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
}
