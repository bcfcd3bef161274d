//! `syntaxd index DIR`: walks a directory (respecting `.gitignore`, `.ignore` and hidden-file
//! rules like git and ripgrep), parses every file of a known language into the cache, and
//! summarises. Files already stored are hits (their key is checked, the entry is not loaded)
//! and are not parsed again. Parsed entries are stored in durable batches; a file counts as
//! parsed only once its batch is committed.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use crate::cache::{Cache, CacheError, Sealed, StoreError};
use crate::language::{looks_binary, registry};
use crate::parse::{CancelHandle, PARSE_THREAD_STACK_BYTES, ParseError};
use crate::pipeline::{AnalyzeError, Analyzer};

/// What `index` did, printed as one JSON line. Every file is accounted for:
/// `files == parsed + cache_hits + skipped + errors`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct IndexSummary {
    /// Files seen by the walk (after ignore rules).
    pub files: u64,
    /// Files parsed and stored durably now.
    pub parsed: u64,
    /// Files already stored (key present, envelope intact; not parsed, not loaded).
    pub cache_hits: u64,
    /// Files skipped: unknown or unavailable language, binary, not UTF-8, over the size cap.
    pub skipped: u64,
    /// Files that failed: unreadable, parse timeout, a worker that died, or not stored.
    pub errors: u64,
    /// Of `errors`, files parsed but not stored (storage errors, degraded cold tier).
    pub store_errors: u64,
    /// Damaged stores moved aside during the run (their files were checked and parsed again);
    /// `syntaxd index` also counts one found damaged when it opened the store.
    pub store_damaged: u64,
    /// Source bytes of parsed and hit files.
    pub bytes: u64,
    /// Parsed and hit files per language id.
    pub languages: BTreeMap<String, u64>,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// The process's peak resident set size at the end of the run.
    pub peak_rss_bytes: u64,
}

/// Options of one index run.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// The directory to walk.
    pub root: PathBuf,
    /// Worker threads (parses at once).
    pub threads: usize,
    /// Show a progress bar on stderr when it is a terminal.
    pub progress: bool,
    /// Entries per durable store batch at most ([`BATCH_ENTRIES`] by default).
    pub batch_entries: usize,
}

/// Store entries in batches of this many sealed bytes (one durable transaction each).
const BATCH_BYTES: usize = 8 << 20;
/// redb's page cache of an index run at most (`syntaxd index` lowers a larger
/// `cache.cold_page_cache_bytes` to it). A run reads each stored value once, to check it, and
/// writes in batches: a larger cache only keeps pages it will not read again, and on a warm
/// re-index of a large tree it was most of the process's memory.
pub const PAGE_CACHE_BYTES: u64 = 4 << 20;
/// ... or this many entries.
pub const BATCH_ENTRIES: usize = 256;
/// Full batches waiting for the store thread, at most (each up to [`BATCH_BYTES`]).
const WRITE_QUEUE_BATCHES: usize = 2;
/// Passes over files whose store was replaced (damage) during the run, at most.
const MAX_PASSES: usize = 3;

enum Outcome {
    /// Already stored; `generation` is the store's damage count when it was checked.
    Hit {
        /// Registry id of the language.
        language: String,
        /// Size of the source, in bytes.
        bytes: u64,
        /// The store's damage count when the entry was checked.
        generation: u64,
    },
    Parsed(Parsed),
    Skipped,
    Error(String),
}

/// A parsed file, sealed for the cold tier by the worker that parsed it.
struct Parsed {
    /// The entry's key, envelope and packed symbols.
    sealed: Sealed,
    /// Registry id of the language.
    language: String,
    /// Size of the source, in bytes.
    bytes: u64,
}

/// The final word on one file.
#[derive(Debug, Clone)]
enum Final {
    Hit { language: String, bytes: u64 },
    Parsed { language: String, bytes: u64 },
    Skipped,
    Error { store: bool },
}

/// Errors that stop an index run.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The root is not a readable directory.
    #[error("{path} is not a directory")]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// No cache is configured.
    #[error("indexing needs a cache")]
    NoCache,
}

/// Walks `options.root` and indexes every file into the analyzer's cache. Storage failures
/// do not stop the run: the files concerned are errors in the summary. Files answered by a
/// store that turns out damaged during the run are checked again on the fresh store.
pub fn index_tree(
    analyzer: &Arc<Analyzer>,
    options: &IndexOptions,
) -> Result<IndexSummary, IndexError> {
    let started = Instant::now();
    if !options.root.is_dir() {
        return Err(IndexError::NotADirectory {
            path: options.root.clone(),
        });
    }
    let cache = analyzer.cache().cloned().ok_or(IndexError::NoCache)?;
    let damage_before = cache.cold().damage_events();
    let paths = walk_files(&options.root);
    let files = paths.len() as u64;
    let bar = progress_bar(options.progress, files);

    let mut finals: HashMap<PathBuf, Final> = HashMap::with_capacity(paths.len());
    let mut pending = paths;
    for pass in 0..MAX_PASSES {
        let checked = run_pass(analyzer, &cache, pending, options, bar.as_ref());
        let generation = cache.cold().damage_events();
        let mut lost = Vec::new();
        for (path, (outcome, stored_on)) in checked {
            if stored_on.is_some_and(|g| g < generation) {
                if pass + 1 < MAX_PASSES {
                    lost.push(path.clone());
                } else {
                    // Still lost after the last pass: not stored, so not indexed.
                    finals.insert(path, Final::Error { store: true });
                    continue;
                }
            }
            finals.insert(path, outcome);
        }
        if lost.is_empty() {
            break;
        }
        tracing::warn!(
            files = lost.len(),
            "the store was replaced during the run; checking those files again"
        );
        pending = lost;
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    let mut summary = IndexSummary {
        files,
        ..IndexSummary::default()
    };
    for outcome in finals.into_values() {
        match outcome {
            Final::Hit { language, bytes } => {
                summary.cache_hits += 1;
                summary.bytes += bytes;
                *summary.languages.entry(language).or_default() += 1;
            }
            Final::Parsed { language, bytes } => {
                summary.parsed += 1;
                summary.bytes += bytes;
                *summary.languages.entry(language).or_default() += 1;
            }
            Final::Skipped => summary.skipped += 1,
            Final::Error { store } => {
                summary.errors += 1;
                summary.store_errors += u64::from(store);
            }
        }
    }
    // A file no worker answered for (a worker that died) is an error.
    let answered = summary.parsed + summary.cache_hits + summary.skipped + summary.errors;
    summary.errors += files.saturating_sub(answered);
    summary.store_damaged = cache.cold().damage_events() - damage_before;
    summary.seconds = started.elapsed().as_secs_f64();
    summary.peak_rss_bytes = crate::memory::peak_rss_bytes().unwrap_or(0);
    Ok(summary)
}

/// One pass over `paths`: each file's outcome and, for hits and stored files, the store's
/// damage count when they were checked or stored (a later damage means they were lost).
fn run_pass(
    analyzer: &Arc<Analyzer>,
    cache: &Arc<Cache>,
    paths: Vec<PathBuf>,
    options: &IndexOptions,
    bar: Option<&indicatif::ProgressBar>,
) -> HashMap<PathBuf, (Final, Option<u64>)> {
    let mut out = HashMap::with_capacity(paths.len());
    let queue = Arc::new(Mutex::new(paths.into_iter()));
    let (tx, rx) = mpsc::sync_channel::<(PathBuf, Outcome)>(64);
    let mut workers = Vec::new();
    for i in 0..options.threads.max(1) {
        let queue = Arc::clone(&queue);
        let tx = tx.clone();
        let analyzer = Arc::clone(analyzer);
        let spawned = std::thread::Builder::new()
            .name(format!("syntaxd-index-{i}"))
            .stack_size(PARSE_THREAD_STACK_BYTES)
            .spawn(move || {
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.next());
                    let Some(path) = next else { break };
                    let outcome = catch_unwind(AssertUnwindSafe(|| index_one(&analyzer, &path)))
                        .unwrap_or_else(|_| Outcome::Error("the index worker panicked".into()));
                    if tx.send((path, outcome)).is_err() {
                        break;
                    }
                }
            });
        match spawned {
            Ok(handle) => workers.push(handle),
            Err(e) => tracing::warn!(error = %e, "could not start an index worker"),
        }
    }
    drop(tx);

    // Batches are committed by a writer thread, so that workers keep parsing while a batch's
    // commit waits for the disk (an fsync took up to 160 ms here); the queue between the two
    // is bounded in batches, so the memory in flight is too.
    let (batch_tx, batch_rx) = mpsc::sync_channel::<Vec<(PathBuf, Parsed)>>(WRITE_QUEUE_BATCHES);
    let writer = {
        let cache = Arc::clone(cache);
        std::thread::Builder::new()
            .name("syntaxd-index-store".to_string())
            .spawn(move || {
                let mut stored = Vec::new();
                let mut logged_store_error = false;
                for batch in batch_rx {
                    store_batch(&cache, batch, &mut stored, &mut logged_store_error);
                }
                stored
            })
    };
    let (batch_tx, writer) = match writer {
        Ok(handle) => (Some(batch_tx), Some(handle)),
        Err(e) => {
            tracing::warn!(error = %e, "could not start the index store thread; storing inline");
            (None, None)
        }
    };
    let mut stored_inline = Vec::new();
    let mut logged_store_error = false;
    let mut flush = |batch: &mut Vec<(PathBuf, Parsed)>| {
        if batch.is_empty() {
            return;
        }
        let full = std::mem::take(batch);
        match &batch_tx {
            Some(tx) => {
                if let Err(mpsc::SendError(full)) = tx.send(full) {
                    store_batch(cache, full, &mut stored_inline, &mut logged_store_error);
                }
            }
            None => store_batch(cache, full, &mut stored_inline, &mut logged_store_error),
        }
    };
    let mut batch: Vec<(PathBuf, Parsed)> = Vec::new();
    let mut batch_bytes = 0usize;
    for (path, outcome) in rx {
        match outcome {
            Outcome::Hit {
                language,
                bytes,
                generation,
            } => {
                out.insert(path, (Final::Hit { language, bytes }, Some(generation)));
            }
            Outcome::Parsed(parsed) => {
                let sealed = &parsed.sealed;
                batch_bytes += sealed.value.len()
                    + sealed.key.len()
                    + sealed.symbols.as_ref().map_or(0, Vec::len);
                batch.push((path, parsed));
                if batch_bytes >= BATCH_BYTES || batch.len() >= options.batch_entries.max(1) {
                    flush(&mut batch);
                    batch_bytes = 0;
                }
            }
            Outcome::Skipped => {
                out.insert(path, (Final::Skipped, None));
            }
            Outcome::Error(reason) => {
                tracing::warn!(path = %path.display(), %reason, "index: file failed");
                out.insert(path, (Final::Error { store: false }, None));
            }
        }
        if let Some(bar) = bar {
            bar.inc(1);
        }
    }
    flush(&mut batch);
    // The store thread ends once the last batch is written.
    drop(batch_tx);
    for w in workers {
        let _ = w.join();
    }
    // A writer that died left its batches unanswered: `index_tree` counts them as errors.
    let stored = writer.and_then(|w| w.join().ok()).unwrap_or_default();
    out.extend(stored);
    out.extend(stored_inline);
    out
}

/// Stores one batch durably and records each of its files' final word: parsed, with the
/// store's damage count when committed, or a store error.
fn store_batch(
    cache: &Cache,
    batch: Vec<(PathBuf, Parsed)>,
    out: &mut Vec<(PathBuf, (Final, Option<u64>))>,
    logged_store_error: &mut bool,
) {
    let mut paths = Vec::with_capacity(batch.len());
    let mut files = Vec::with_capacity(batch.len());
    let mut values = Vec::with_capacity(batch.len());
    for (path, parsed) in batch {
        paths.push(path);
        files.push((parsed.language, parsed.bytes));
        values.push(parsed.sealed);
    }
    let mut generation = cache.cold().damage_events();
    let mut result = cache.store_sealed_durable(&values);
    if let Err(CacheError::Store(StoreError::Damaged { .. })) = &result {
        // The store was replaced by a fresh one: the batch goes there.
        generation = cache.cold().damage_events();
        result = cache.store_sealed_durable(&values);
    }
    drop(values);
    match result {
        Ok(()) => {
            for (path, (language, bytes)) in paths.into_iter().zip(files) {
                let outcome = Final::Parsed { language, bytes };
                out.push((path, (outcome, Some(generation))));
            }
        }
        Err(e) => {
            if !*logged_store_error {
                tracing::error!(error = %e, files = paths.len(), "index: storing a batch failed; its files are errors (further failures are counted, not logged)");
                *logged_store_error = true;
            }
            for path in paths {
                out.push((path, (Final::Error { store: true }, None)));
            }
        }
    }
}

/// Every file under `root` that git would see: `.gitignore`, `.ignore` and hidden-file rules
/// apply whether or not the tree is a git checkout, as users expect. Sorted.
pub fn walk_files(root: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .require_git(false)
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| e.into_path())
        .collect();
    paths.sort();
    paths
}

fn index_one(analyzer: &Analyzer, path: &Path) -> Outcome {
    let source = match std::fs::read(path) {
        Ok(s) => s,
        Err(e) => return Outcome::Error(e.to_string()),
    };
    if looks_binary(&source) {
        return Outcome::Skipped;
    }
    let Some(detection) = registry().detect(Some(path), &source) else {
        return Outcome::Skipped;
    };
    let language = detection.language;
    if !language.available() {
        return Outcome::Skipped;
    }
    if let Some(cache) = analyzer.cache() {
        let generation = cache.cold().damage_events();
        // A failing store (damaged: replaced now; degraded) reads as absent: parse.
        if let Ok(true) = cache.check_stored(&Analyzer::key_for(language, &source)) {
            return Outcome::Hit {
                language: language.id.clone(),
                bytes: source.len() as u64,
                generation,
            };
        }
    }
    let Some(cache) = analyzer.cache() else {
        return Outcome::Error(IndexError::NoCache.to_string());
    };
    match analyzer.parse_entry(language, source, CancelHandle::new()) {
        Ok((entry, tree, _)) => {
            // The tree goes before sealing: its memory is free for the next file.
            drop(tree);
            Outcome::Parsed(Parsed {
                sealed: cache.seal_for_cold(&entry),
                language: entry.language_id,
                bytes: entry.source.len() as u64,
            })
        }
        Err(AnalyzeError::Parse(
            ParseError::TooLarge { .. }
            | ParseError::Binary { .. }
            | ParseError::InvalidUtf8 { .. },
        )) => Outcome::Skipped,
        Err(e) => Outcome::Error(e.to_string()),
    }
}

fn progress_bar(wanted: bool, total: u64) -> Option<indicatif::ProgressBar> {
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {pos}/{len} files [{elapsed_precise}] {wide_bar} {eta}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

#[cfg(all(test, feature = "tree-sitter-python"))]
mod tests {
    use super::*;
    use crate::cache::{CacheConfig, Lookup};
    use crate::parse::{EngineConfig, ParseEngine};
    use crate::symbols::SymbolsResult;
    use std::time::Duration;

    fn python_tree(root: &Path) -> Vec<Vec<u8>> {
        std::fs::create_dir_all(root.join("pkg")).expect("mkdir");
        let mut sources = Vec::new();
        for i in 0..24 {
            let source = format!(
                "\"\"\"Module {i}.\"\"\"\nLIMIT_{i} = {i}\n\nclass C{i}:\n    def m(self, x):\n        return x + {i}\n\ndef f{i}(a):\n    return [a * k for k in range({i})]\n"
            );
            let dir = if i % 2 == 0 {
                root.to_path_buf()
            } else {
                root.join("pkg")
            };
            std::fs::write(dir.join(format!("m{i}.py")), &source).expect("write");
            sources.push(source.into_bytes());
        }
        // The same content twice: one entry, two files.
        std::fs::write(root.join("pkg/copy_of_m0.py"), &sources[0]).expect("write");
        sources
    }

    #[test]
    fn index_and_reindex_store_complete_entries_and_fill_no_memory_tier() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("tree");
        let sources = python_tree(&root);
        let registry = prometheus::Registry::new();
        let (cache, _) = Cache::open(
            CacheConfig::with_defaults(tmp.path().join("cache")),
            &registry,
        )
        .expect("opens");
        let cache = Arc::new(cache);
        let analyzer = Arc::new(Analyzer::new(
            ParseEngine::new(EngineConfig::default()),
            Some(Arc::clone(&cache)),
            8 << 20,
            Duration::from_secs(10),
        ));
        let options = IndexOptions {
            root,
            threads: 2,
            progress: false,
            batch_entries: 5,
        };
        let first = index_tree(&analyzer, &options).expect("runs");
        assert_eq!(first.files, 25, "{first:?}");
        assert_eq!(first.parsed + first.cache_hits, 25, "{first:?}");
        assert!(first.parsed >= 24, "{first:?}");
        assert_eq!(first.errors, 0, "{first:?}");
        let second = index_tree(&analyzer, &options).expect("runs");
        assert_eq!((second.parsed, second.cache_hits), (0, 25), "{second:?}");
        let stats = cache.stats();
        assert_eq!(
            (stats.hot.entries, stats.warm.entries),
            (0, 0),
            "index loads nothing into memory: {stats:?}"
        );
        assert_eq!(stats.cold.entries, 24, "{stats:?}");
        // What the workers sealed is a whole entry: source, bytecode, symbols and summary.
        let python = registry_language("python");
        for source in &sources {
            let Lookup::Hit(entry, _) = cache.get(&Analyzer::key_for(python, source)) else {
                panic!("stored");
            };
            assert_eq!(&entry.source, source);
            assert!(!entry.bytecode.is_empty());
            assert!(entry.summary.is_some());
            let symbols = entry.symbols.as_deref().expect("symbols stored");
            assert!(SymbolsResult::is_current(
                symbols,
                python.tags_query_hash().expect("a tags query")
            ));
            let text = String::from_utf8_lossy(symbols);
            assert!(
                text.contains("\"name\":\"m\"") && text.contains("LIMIT_"),
                "{text}"
            );
        }
    }

    fn registry_language(id: &str) -> &'static crate::language::Language {
        crate::language::registry()
            .language_for_name(id)
            .expect("compiled in")
    }
}
