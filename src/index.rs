//! `syntaxd index DIR`: walks a directory (respecting `.gitignore`, `.ignore` and hidden-file
//! rules like git and ripgrep), parses every file of a known language into the cache, and
//! summarises. Files already cached are hits and are not parsed again.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use crate::cache::CacheEntry;
use crate::language::{looks_binary, registry};
use crate::parse::{CancelHandle, PARSE_THREAD_STACK_BYTES, ParseError};
use crate::pipeline::{AnalyzeError, Analyzer};

/// What `index` did, printed as one JSON line.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct IndexSummary {
    /// Files seen by the walk (after ignore rules).
    pub files: u64,
    /// Files parsed and stored now.
    pub parsed: u64,
    /// Files answered by the cache (not parsed).
    pub cache_hits: u64,
    /// Files skipped: unknown or unavailable language, binary, not UTF-8, over the size cap.
    pub skipped: u64,
    /// Files that failed: unreadable, parse timeout, store failure.
    pub errors: u64,
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
}

/// Store entries in batches of this many bytes (one durable transaction each).
const BATCH_BYTES: usize = 8 << 20;
/// ... or this many entries.
const BATCH_ENTRIES: usize = 256;

enum Outcome {
    Hit {
        /// Registry id of the language.
        language: String,
        /// Size of the source, in bytes.
        bytes: u64,
    },
    Parsed(Box<CacheEntry>),
    Skipped,
    Error(String),
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
    /// Storing a batch failed.
    #[error("storing into the cache failed: {0}")]
    Store(String),
    /// No cache is configured.
    #[error("indexing needs a cache")]
    NoCache,
}

/// Walks `options.root` and indexes every file into the analyzer's cache.
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
    let paths = walk_files(&options.root);
    let mut summary = IndexSummary {
        files: paths.len() as u64,
        ..IndexSummary::default()
    };
    let bar = progress_bar(options.progress, paths.len() as u64);

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
                    let outcome = index_one(&analyzer, &path);
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

    let mut batch: Vec<CacheEntry> = Vec::new();
    let mut batch_bytes = 0usize;
    let mut store_error = None;
    let mut flush = |batch: &mut Vec<CacheEntry>, batch_bytes: &mut usize| {
        if batch.is_empty() {
            return;
        }
        if let Err(e) = cache.put_many(std::mem::take(batch)) {
            store_error = Some(e.to_string());
        }
        *batch_bytes = 0;
    };
    for (path, outcome) in rx {
        match outcome {
            Outcome::Hit { language, bytes } => {
                summary.cache_hits += 1;
                summary.bytes += bytes;
                *summary.languages.entry(language).or_default() += 1;
            }
            Outcome::Parsed(entry) => {
                summary.parsed += 1;
                summary.bytes += entry.source.len() as u64;
                *summary
                    .languages
                    .entry(entry.language_id.clone())
                    .or_default() += 1;
                batch_bytes += entry.memory_bytes();
                batch.push(*entry);
                if batch_bytes >= BATCH_BYTES || batch.len() >= BATCH_ENTRIES {
                    flush(&mut batch, &mut batch_bytes);
                }
            }
            Outcome::Skipped => summary.skipped += 1,
            Outcome::Error(reason) => {
                summary.errors += 1;
                tracing::warn!(path = %path.display(), %reason, "index: file failed");
            }
        }
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    }
    flush(&mut batch, &mut batch_bytes);
    for w in workers {
        let _ = w.join();
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(e) = store_error {
        return Err(IndexError::Store(e));
    }
    summary.seconds = started.elapsed().as_secs_f64();
    summary.peak_rss_bytes = crate::memory::peak_rss_bytes().unwrap_or(0);
    Ok(summary)
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
    if let Some((entry, _)) = analyzer.lookup(language, &source) {
        return Outcome::Hit {
            language: entry.language_id.clone(),
            bytes: entry.source.len() as u64,
        };
    }
    match analyzer.parse_entry(language, source, CancelHandle::new()) {
        Ok((entry, _tree, _)) => Outcome::Parsed(Box::new(entry)),
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
