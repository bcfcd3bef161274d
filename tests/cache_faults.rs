//! Store faults as an operator meets them: a damaged store (bytes overwritten inside
//! `cache.redb`) never crashes the index workers or the daemon, never hides a file, is moved
//! aside and replaced, and is reported by `cache verify`; storage errors (disk full, EIO,
//! permission), injected through a redb storage backend, degrade the cold tier without
//! failing requests or moving the store aside, and `index` reports them.

#![cfg(feature = "tree-sitter-python")]

mod corpus;

use std::io::{Read, Seek, SeekFrom, Write};
use std::net::SocketAddr;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redb::backends::FileBackend;
use redb::{BackendError, StorageBackend};
use syntaxd::cache::{BackendOpener, Cache, CacheConfig, CacheEntry, StoreHealth};
use syntaxd::config::{Config, Overrides};
use syntaxd::index::{IndexOptions, index_tree};
use syntaxd::parse::{EngineConfig, PARSE_THREAD_STACK_BYTES, ParseEngine};
use syntaxd::pipeline::Analyzer;
use syntaxd::server::{AppState, run};

/// Daemon tests share the process-wide metrics registry: one at a time.
static DAEMON: Mutex<()> = Mutex::new(());

fn syntaxd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_syntaxd"));
    c.env_remove("SYNTAXD_CONFIG").env_remove("RUST_LOG");
    c
}

/// About `n` real Python files (evenly spread over the machine's standard library), copied
/// flat into `dest`.
fn python_sample(tmp: &Path, n: usize) -> PathBuf {
    let corpus = tmp.join("corpus");
    corpus::assemble(&corpus, &["python"]);
    let files = corpus::files(&corpus, "python");
    assert!(files.len() >= n, "corpus has only {} files", files.len());
    let dest = tmp.join("tree");
    std::fs::create_dir_all(&dest).expect("mkdir");
    let step = files.len() / n;
    for (i, f) in files.iter().step_by(step).take(n).enumerate() {
        std::fs::copy(f, dest.join(format!("f{i:04}.py"))).expect("copy");
    }
    dest
}

fn index(tree: &Path, cache: &Path) -> (Output, serde_json::Value) {
    let out = syntaxd()
        .args([
            "index",
            tree.to_str().expect("utf-8"),
            "--cache-dir",
            cache.to_str().expect("utf-8"),
            "--threads",
            "2",
        ])
        .output()
        .expect("runs");
    let summary = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "one JSON summary line ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, summary)
}

fn n(v: &serde_json::Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing: {v}"))
}

/// Every file is accounted for: `files == parsed + cache_hits + skipped + errors`.
fn assert_accounted(s: &serde_json::Value) {
    assert_eq!(
        n(s, "files"),
        n(s, "parsed") + n(s, "cache_hits") + n(s, "skipped") + n(s, "errors"),
        "a file is unaccounted for: {s}"
    );
}

/// Overwrites 2 bytes at 50 evenly spaced offsets in the second half of the file (the issue's
/// reproduction), each offset rounded down to the start of its 4 KiB page so that every write
/// lands on a B-tree page header: a write inside a value only damages that value (which the
/// envelope checksum catches), one on a header damages the tree itself.
pub fn damage(store: &Path) {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(store)
        .expect("open store");
    let len = f.metadata().expect("metadata").len();
    let half = len / 2;
    for i in 0..50 {
        let at = (half + i * (half / 50)) / 4096 * 4096;
        let mut two = [0u8; 2];
        f.seek(SeekFrom::Start(at)).expect("seek");
        f.read_exact(&mut two).expect("read");
        f.seek(SeekFrom::Start(at)).expect("seek");
        f.write_all(&[!two[0], !two[1]]).expect("write");
    }
    f.sync_all().expect("sync");
}

fn damaged_files(cache: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(cache)
        .expect("read cache dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("cache.redb.damaged-"))
        })
        .collect()
}

#[test]
fn index_on_a_damaged_store_reparses_what_was_lost_and_hides_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = python_sample(tmp.path(), 400);
    let cache = tmp.path().join("cache");

    let (out, first) = index(&tree, &cache);
    assert!(out.status.success(), "{first}");
    assert_accounted(&first);
    assert_eq!(n(&first, "errors"), 0, "{first}");
    let indexable = n(&first, "files") - n(&first, "skipped");
    // The sample holds a few files with equal content: the second of each is a cache hit.
    assert_eq!(
        n(&first, "parsed") + n(&first, "cache_hits"),
        indexable,
        "{first}"
    );

    damage(&cache.join("cache.redb"));
    let copy = tmp.path().join("copy");
    std::fs::create_dir_all(&copy).expect("mkdir");
    std::fs::copy(cache.join("cache.redb"), copy.join("cache.redb")).expect("copy store");

    // `cache verify` reports the page damage with exit 1 (not only bad values).
    let verify = syntaxd()
        .args([
            "cache",
            "verify",
            "--cache-dir",
            copy.to_str().expect("utf-8"),
        ])
        .output()
        .expect("runs");
    let report: serde_json::Value = serde_json::from_slice(&verify.stdout).unwrap_or_else(|e| {
        panic!(
            "verify prints JSON ({e}): {}",
            String::from_utf8_lossy(&verify.stderr)
        )
    });
    assert_eq!(verify.status.code(), Some(1), "{report}");
    assert_eq!(report["integrity"]["ok"], false, "{report}");

    // Second run on the damaged store: every file is indexed (parsed again or a verified hit),
    // none is an error, and the damaged file was moved aside.
    let (out, second) = index(&tree, &cache);
    assert_accounted(&second);
    assert_eq!(n(&second, "errors"), 0, "{second}");
    assert!(out.status.success(), "{second}");
    assert_eq!(
        n(&second, "parsed") + n(&second, "cache_hits"),
        indexable,
        "{second}"
    );
    assert!(n(&second, "store_damaged") >= 1, "{second}");
    assert_eq!(damaged_files(&cache).len(), 1, "{second}");

    // Third run: the fresh store holds every file.
    let (out, third) = index(&tree, &cache);
    assert!(out.status.success(), "{third}");
    assert_eq!(n(&third, "parsed"), 0, "{third}");
    assert_eq!(n(&third, "cache_hits"), indexable, "{third}");
    assert_eq!(n(&third, "store_damaged"), 0, "{third}");
}

// ---------------------------------------------------------------------------------------------
// Storage fault injection: a file backend that fails writes (ENOSPC, EIO) once a byte budget
// is spent, and can fail opens and reads.

#[derive(Debug, Default)]
struct Faults {
    /// Bytes that may still be written; below 0 every write and sync fails.
    write_budget: AtomicI64,
    /// errno of injected write/sync failures.
    errno: AtomicI32,
    /// Fail opening the storage with PermissionDenied.
    deny_open: AtomicBool,
    /// Fail every read with EIO.
    fail_reads: AtomicBool,
    /// Hold every write until released (a slow disk).
    hold_writes: (Mutex<bool>, std::sync::Condvar),
    /// Backends opened so far (each gets the next number).
    opened: AtomicI64,
    /// The backend (by number) whose page reads come back damaged: the first two bytes of every
    /// page-aligned read past the header are inverted, as if the file had been overwritten
    /// there (0: none).
    garble_backend: AtomicI64,
}

const ENOSPC: i32 = 28;
const EIO: i32 = 5;

impl Faults {
    fn healthy() -> Arc<Faults> {
        let f = Faults::default();
        f.write_budget.store(i64::MAX, Ordering::SeqCst);
        f.errno.store(ENOSPC, Ordering::SeqCst);
        Arc::new(f)
    }
    fn fail_writes_after(&self, bytes: i64, errno: i32) {
        self.errno.store(errno, Ordering::SeqCst);
        self.write_budget.store(bytes, Ordering::SeqCst);
    }
    fn heal(&self) {
        self.write_budget.store(i64::MAX, Ordering::SeqCst);
        self.deny_open.store(false, Ordering::SeqCst);
        self.fail_reads.store(false, Ordering::SeqCst);
    }
    fn hold_writes(&self, hold: bool) {
        let (lock, cv) = &self.hold_writes;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = hold;
        cv.notify_all();
    }
    fn write_error(&self) -> std::io::Error {
        std::io::Error::from_raw_os_error(self.errno.load(Ordering::SeqCst))
    }
}

#[derive(Debug)]
struct FaultyBackend {
    inner: FileBackend,
    faults: Arc<Faults>,
    /// Its number among the backends opened (from 1).
    number: i64,
}

impl StorageBackend for FaultyBackend {
    fn len(&self) -> Result<u64, std::io::Error> {
        self.inner.len()
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        if self.faults.fail_reads.load(Ordering::SeqCst) {
            return Err(std::io::Error::from_raw_os_error(EIO));
        }
        self.inner.read(offset, out)?;
        if self.faults.garble_backend.load(Ordering::SeqCst) == self.number
            && offset >= 4096
            && offset.is_multiple_of(4096)
            && out.len() >= 2
        {
            out[0] = !out[0];
            out[1] = !out[1];
        }
        Ok(())
    }
    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        if self.faults.write_budget.load(Ordering::SeqCst) < 0 {
            return Err(self.faults.write_error());
        }
        self.inner.set_len(len)
    }
    fn sync_data(&self) -> Result<(), std::io::Error> {
        if self.faults.write_budget.load(Ordering::SeqCst) < 0 {
            return Err(self.faults.write_error());
        }
        self.inner.sync_data()
    }
    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        {
            let (lock, cv) = &self.faults.hold_writes;
            let mut held = lock.lock().unwrap_or_else(|p| p.into_inner());
            while *held {
                held = cv.wait(held).unwrap_or_else(|p| p.into_inner());
            }
        }
        let left = self
            .faults
            .write_budget
            .fetch_sub(data.len() as i64, Ordering::SeqCst);
        if left < data.len() as i64 {
            self.faults.write_budget.store(-1, Ordering::SeqCst);
            return Err(self.faults.write_error());
        }
        self.inner.write(offset, data)
    }
    fn close(&self) -> Result<(), std::io::Error> {
        self.inner.close()
    }
    fn try_lock_range(&self, s: Bound<u64>, e: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.try_lock_range(s, e)
    }
    fn try_lock_shared_range(&self, s: Bound<u64>, e: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.try_lock_shared_range(s, e)
    }
    fn lock_range(&self, s: Bound<u64>, e: Bound<u64>) -> Result<(), BackendError> {
        self.inner.lock_range(s, e)
    }
    fn lock_shared_range(&self, s: Bound<u64>, e: Bound<u64>) -> Result<(), BackendError> {
        self.inner.lock_shared_range(s, e)
    }
    fn unlock_range(&self, s: Bound<u64>, e: Bound<u64>) -> Result<(), BackendError> {
        self.inner.unlock_range(s, e)
    }
    fn query_lock_range(&self, s: Bound<u64>, e: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.query_lock_range(s, e)
    }
}

struct FaultyOpener(Arc<Faults>);

impl BackendOpener for FaultyOpener {
    fn open(&self, path: &Path) -> std::io::Result<Box<dyn StorageBackend>> {
        if self.0.deny_open.load(Ordering::SeqCst) {
            return Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let inner = FileBackend::new(file).map_err(std::io::Error::other)?;
        Ok(Box::new(FaultyBackend {
            inner,
            faults: Arc::clone(&self.0),
            number: self.0.opened.fetch_add(1, Ordering::SeqCst) + 1,
        }))
    }
}

fn cache_config(dir: &Path) -> CacheConfig {
    let mut c = CacheConfig::with_defaults(dir.to_path_buf());
    c.hot_budget_bytes = 64 << 20;
    c.warm_budget_bytes = 16 << 20;
    c.cold_budget_bytes = 1 << 30;
    c
}

fn faulty_cache(dir: &Path, faults: &Arc<Faults>, registry: &prometheus::Registry) -> Cache {
    let opener: Arc<dyn BackendOpener> = Arc::new(FaultyOpener(Arc::clone(faults)));
    Cache::open_with(cache_config(dir), registry, Some(opener))
        .expect("opens")
        .0
}

fn entry(i: usize) -> CacheEntry {
    CacheEntry {
        language_id: "python".into(),
        grammar_version: "0.0.0-test".into(),
        bytecode_version: 1,
        source: format!("def f{i}(x):\n    return x * {i}\n").into_bytes(),
        bytecode: vec![i as u8; 64],
        symbols: None,
        summary: None,
        symbols_packed: None,
    }
}

fn store_dir_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn disk_full_degrades_the_cold_tier_and_a_reopen_brings_it_back_with_its_data() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let faults = Faults::healthy();
    let registry = prometheus::Registry::new();
    let cache = faulty_cache(tmp.path(), &faults, &registry);
    cache
        .store_durable(&[entry(1), entry(2)])
        .expect("stores while healthy");

    faults.fail_writes_after(0, ENOSPC);
    let err = cache
        .store_durable(&[entry(3)])
        .expect_err("the disk is full");
    assert!(err.to_string().contains("storage"), "{err}");
    assert!(
        matches!(cache.cold().health(), StoreHealth::Degraded { .. }),
        "degraded after the error"
    );
    // While degraded: writes are refused at once, lookups miss, nothing is moved aside.
    assert!(cache.store_durable(&[entry(4)]).is_err());
    assert!(cache.check_stored(&entry(1).key()).is_err());
    let errors = cache
        .cold()
        .metrics()
        .errors
        .with_label_values(&["write"])
        .get();
    assert!(errors >= 1, "write errors counted: {errors}");
    assert_eq!(cache.cold().metrics().degraded.get(), 1);
    assert_eq!(cache.cold().metrics().damaged.get(), 0);
    assert_eq!(
        store_dir_files(tmp.path()),
        ["cache.redb", "cache.redb.open"]
    );

    // The disk has room again: after the backoff the store reopens with what it had.
    faults.heal();
    let mut back = false;
    for _ in 0..100 {
        if let Ok(found) = cache.check_stored(&entry(1).key()) {
            assert!(found, "entry 1 survived the failed write");
            back = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(back, "the cold tier came back");
    assert_eq!(cache.cold().health(), StoreHealth::Ok);
    assert_eq!(cache.cold().metrics().degraded.get(), 0);
    assert!(cache.check_stored(&entry(2).key()).expect("reads"));
    cache.store_durable(&[entry(5)]).expect("writes again");
    assert!(cache.check_stored(&entry(5).key()).expect("reads"));
}

#[test]
fn permission_and_io_errors_at_open_never_move_the_store_aside() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let faults = Faults::healthy();
    {
        let registry = prometheus::Registry::new();
        let cache = faulty_cache(tmp.path(), &faults, &registry);
        cache.store_durable(&[entry(1)]).expect("stores");
    }
    for fault in ["permission", "eio"] {
        match fault {
            "permission" => faults.deny_open.store(true, Ordering::SeqCst),
            _ => faults.fail_reads.store(true, Ordering::SeqCst),
        }
        let registry = prometheus::Registry::new();
        let opener: Arc<dyn BackendOpener> = Arc::new(FaultyOpener(Arc::clone(&faults)));
        let (cache, report) =
            Cache::open_with(cache_config(tmp.path()), &registry, Some(opener)).expect("opens");
        assert!(report.moved_aside.is_none(), "{fault}: {report:?}");
        assert!(report.degraded.is_some(), "{fault}: {report:?}");
        assert!(matches!(
            cache.cold().health(),
            StoreHealth::Degraded { .. }
        ));
        // (`cache.redb.closed`: the stamp of the last clean close.)
        assert_eq!(
            store_dir_files(tmp.path()),
            ["cache.redb", "cache.redb.closed", "cache.redb.open"],
            "{fault}"
        );
        faults.heal();
        assert!(
            (0..100).any(|_| {
                std::thread::sleep(Duration::from_millis(50));
                cache.check_stored(&entry(1).key()).unwrap_or(false)
            }),
            "{fault}: the store reopened with its entry"
        );
    }
}

/// The crash: the store's pages are found damaged while index workers read them (in
/// release builds redb does not visit every page at open, so damage surfaces mid-run as a
/// panic in its B-tree code). Every file is still indexed and the run says what happened.
#[test]
fn index_on_a_store_damaged_under_its_workers_accounts_for_every_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = python_sample(tmp.path(), 200);
    let faults = Faults::healthy();
    let registry = prometheus::Registry::new();
    let dir = tmp.path().join("cache");
    let mut config = cache_config(&dir);
    // A page cache of one page: reads reach the backend.
    config.cold_page_cache_bytes = 4096;
    let opener: Arc<dyn BackendOpener> = Arc::new(FaultyOpener(Arc::clone(&faults)));
    let (cache, _) =
        Cache::open_with(config.clone(), &registry, Some(Arc::clone(&opener))).expect("opens");
    let cache = Arc::new(cache);
    let analyzer = |cache: &Arc<Cache>| {
        Arc::new(Analyzer::new(
            ParseEngine::new(EngineConfig::default()),
            Some(Arc::clone(cache)),
            8 << 20,
            Duration::from_secs(10),
        ))
    };
    let options = IndexOptions {
        root: tree,
        threads: 2,
        progress: false,
        batch_entries: 10,
    };
    let first = index_tree(&analyzer(&cache), &options).expect("runs");
    assert_eq!(first.errors, 0, "{first:?}");
    let indexable = first.files - first.skipped;
    drop(cache);

    let (cache, _) =
        Cache::open_with(config, &registry, Some(opener)).expect("reopens an intact store");
    let cache = Arc::new(cache);
    // From now on the open store's pages read back damaged.
    faults
        .garble_backend
        .store(faults.opened.load(Ordering::SeqCst), Ordering::SeqCst);
    let second = index_tree(&analyzer(&cache), &options).expect("runs to the end");
    assert_eq!(
        second.files,
        second.parsed + second.cache_hits + second.skipped + second.errors,
        "{second:?}"
    );
    assert_eq!(second.errors, 0, "{second:?}");
    assert_eq!(second.parsed + second.cache_hits, indexable, "{second:?}");
    assert!(second.store_damaged >= 1, "{second:?}");
    assert!(
        second.parsed > 0,
        "what the damaged store held was parsed again: {second:?}"
    );
    assert_eq!(damaged_files(&dir).len(), 1, "moved aside once");

    // The fresh store holds every file.
    let third = index_tree(&analyzer(&cache), &options).expect("runs");
    assert_eq!(third.errors, 0, "{third:?}");
    assert_eq!(third.cache_hits, indexable, "{third:?}");
    assert_eq!(third.store_damaged, 0, "{third:?}");
}

#[test]
fn index_reports_storage_failures_in_its_summary_and_keeps_going() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = python_sample(tmp.path(), 120);
    let faults = Faults::healthy();
    let registry = prometheus::Registry::new();
    let cache = Arc::new(faulty_cache(&tmp.path().join("cache"), &faults, &registry));
    // Room for the first batches only, then EIO.
    faults.fail_writes_after(256 << 10, EIO);
    let analyzer = Arc::new(Analyzer::new(
        ParseEngine::new(EngineConfig::default()),
        Some(Arc::clone(&cache)),
        8 << 20,
        Duration::from_secs(10),
    ));
    let options = IndexOptions {
        root: tree,
        threads: 2,
        progress: false,
        batch_entries: 10,
    };
    let s = index_tree(&analyzer, &options).expect("runs to the end");
    assert_eq!(
        s.files,
        s.parsed + s.cache_hits + s.skipped + s.errors,
        "{s:?}"
    );
    assert!(s.store_errors > 0, "{s:?}");
    assert!(s.parsed > 0, "batches before the fault were stored: {s:?}");
    assert_eq!(s.errors, s.store_errors, "{s:?}");
    assert!(
        s.parsed + s.store_errors >= 100,
        "every file was tried: {s:?}"
    );

    // Healed: the next run stores what failed, and every stored file is a hit.
    faults.heal();
    assert!(
        (0..600).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            cache.check_stored(&entry(0).key()).is_ok()
        }),
        "the cold tier reopened"
    );
    let again = index_tree(&analyzer, &options).expect("runs");
    assert_eq!(again.errors, 0, "{again:?}");
    assert_eq!(
        again.parsed + again.cache_hits,
        again.files - again.skipped,
        "{again:?}"
    );
    // What was stored is a hit; what failed to store is parsed again (less the files whose
    // content equals one stored meanwhile: the sample has a few such copies).
    assert!(again.cache_hits >= s.parsed, "{again:?}");
    assert!(again.parsed <= s.store_errors, "{again:?}");
    assert!(again.parsed > 0, "{again:?}");
}

#[test]
fn request_writes_go_behind_a_bounded_queue_and_reach_the_disk_on_flush() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let faults = Faults::healthy();
    let registry = prometheus::Registry::new();
    let opener: Arc<dyn BackendOpener> = Arc::new(FaultyOpener(Arc::clone(&faults)));
    let mut config = cache_config(tmp.path());
    config.write_queue_entries = 4;
    let (cache, _) = Cache::open_with(config, &registry, Some(opener)).expect("opens");
    // The disk stalls: answers must not wait for it.
    faults.hold_writes(true);
    for i in 0..50 {
        let stored = cache.put_behind(entry(i));
        assert_eq!(stored.source, entry(i).source);
    }
    let dropped = cache.metrics().writes_dropped();
    assert!(dropped > 0, "a full queue drops writes");
    assert!(dropped < 50, "the queue took some");
    faults.hold_writes(false);
    // Shutdown's flush writes the queue and whatever was dropped (it is still in memory).
    cache.flush().expect("flushes");
    for i in 0..50 {
        assert!(
            cache.check_stored(&entry(i).key()).expect("reads"),
            "entry {i}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The daemon over a real socket.

struct Daemon {
    addr: SocketAddr,
    client: reqwest::blocking::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Daemon {
    fn start(cache: Arc<Cache>) -> Daemon {
        let mut config = Config::load(None, Vec::new(), &Overrides::default()).expect("defaults");
        config.server.listen = "127.0.0.1:0".to_string();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .thread_stack_size(PARSE_THREAD_STACK_BYTES)
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let state = AppState::with_cache(config, Some(cache));
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                addr_tx
                    .send(listener.local_addr().expect("addr"))
                    .expect("send");
                run(listener, state, async {
                    let _ = shutdown_rx.await;
                })
                .await;
            });
        });
        Daemon {
            addr: addr_rx.recv().expect("daemon starts"),
            client: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("client"),
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(format!("http://{}{path}", self.addr))
            .send()
            .expect("GET");
        (r.status().as_u16(), r.text().expect("body"))
    }

    fn parse(&self, content: &str) -> (u16, serde_json::Value) {
        let r = self
            .client
            .post(format!("http://{}/v1/parse", self.addr))
            .json(&serde_json::json!({ "content": content, "path": "x.py", "format": "none" }))
            .send()
            .expect("POST");
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(serde_json::Value::Null))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn metric(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[test]
fn daemon_on_a_damaged_store_answers_every_parse_with_200() {
    let _one = DAEMON.lock().unwrap_or_else(|p| p.into_inner());
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = python_sample(tmp.path(), 150);
    let cache_dir = tmp.path().join("cache");
    let (out, first) = index(&tree, &cache_dir);
    assert!(out.status.success(), "{first}");
    damage(&cache_dir.join("cache.redb"));

    let (cache, _) =
        Cache::open(cache_config(&cache_dir), prometheus::default_registry()).expect("opens");
    let daemon = Daemon::start(Arc::new(cache));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&tree)
        .expect("tree")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in &files {
        let content = std::fs::read_to_string(f).expect("utf-8 source");
        let (status, body) = daemon.parse(&content);
        assert_eq!(status, 200, "{}: {body}", f.display());
    }
    assert_eq!(
        damaged_files(&cache_dir).len(),
        1,
        "the damaged store was moved aside"
    );
    let (status, metrics) = daemon.get("/metrics");
    assert_eq!(status, 200);
    assert!(
        metric(&metrics, "syntaxd_cache_store_damaged_total").unwrap_or(0.0) >= 1.0,
        "{metrics}"
    );
    let (status, ready) = daemon.get("/readyz");
    assert_eq!(status, 200, "{ready}");
}

#[test]
fn daemon_with_a_full_disk_answers_from_the_parse_and_says_the_cold_tier_is_degraded() {
    let _one = DAEMON.lock().unwrap_or_else(|p| p.into_inner());
    let tmp = tempfile::tempdir().expect("tempdir");
    let faults = Faults::healthy();
    let cache = Arc::new(faulty_cache(
        tmp.path(),
        &faults,
        prometheus::default_registry(),
    ));
    let daemon = Daemon::start(Arc::clone(&cache));
    let (status, body) = daemon.parse("x = 1\n");
    assert_eq!(status, 200, "{body}");
    let (status, ready) = daemon.get("/readyz");
    assert_eq!(status, 200, "{ready}");
    let ready: serde_json::Value = serde_json::from_str(&ready).expect("json");
    assert!(!cold_tier_warned(&ready), "{ready}");

    faults.fail_writes_after(0, ENOSPC);
    for i in 0..40 {
        let (status, body) = daemon.parse(&format!("def f{i}(a):\n    return a + {i}\n"));
        assert_eq!(status, 200, "request {i}: {body}");
        assert_eq!(body["cache"], "miss", "{body}");
    }
    cache.drain_writes();
    let (status, ready) = daemon.get("/readyz");
    assert_eq!(status, 200, "{ready}");
    let ready: serde_json::Value = serde_json::from_str(&ready).expect("json");
    assert_eq!(ready["status"], "ready", "{ready}");
    assert!(cold_tier_warned(&ready), "{ready}");
    let (_, metrics) = daemon.get("/metrics");
    assert_eq!(
        metric(&metrics, "syntaxd_cache_cold_degraded"),
        Some(1.0),
        "{metrics}"
    );
    assert!(
        metric(&metrics, "syntaxd_cache_store_errors_total{op=\"write\"}").unwrap_or(0.0) >= 1.0,
        "{metrics}"
    );
    // Hits keep coming from memory while the disk is full.
    let (status, body) = daemon.parse("def f3(a):\n    return a + 3\n");
    assert_eq!(
        (status, body["cache"].as_str()),
        (200, Some("hot")),
        "{body}"
    );

    // Room again: the cold tier comes back on its own and readiness lists nothing.
    faults.heal();
    assert!(
        (0..100).any(|i| {
            std::thread::sleep(Duration::from_millis(50));
            let _ = daemon.parse(&format!("y = {i}\n"));
            cache.drain_writes();
            let (_, r) = daemon.get("/readyz");
            serde_json::from_str::<serde_json::Value>(&r)
                .map(|v| !cold_tier_warned(&v))
                .unwrap_or(false)
        }),
        "the cold tier recovered"
    );
}

/// Whether a `/readyz` body warns that the cold tier is degraded.
fn cold_tier_warned(ready: &serde_json::Value) -> bool {
    ready["warnings"]
        .as_array()
        .is_some_and(|w| w.iter().any(|r| r["code"] == "cold_tier_degraded"))
}

#[cfg(unix)]
#[test]
fn the_cache_directory_is_private_to_its_user() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("a").join("cache");
    let registry = prometheus::Registry::new();
    let (cache, _) = Cache::open(cache_config(&dir), &registry).expect("opens");
    cache.store_durable(&[entry(1)]).expect("stores");
    let mode = |p: &Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "directory");
    assert_eq!(mode(&dir.join("cache.redb")), 0o600, "store");
    assert_eq!(mode(&dir.join("cache.redb.open")), 0o600, "marker");
}
