//! `syntaxd symbols`: symbols of files and directory trees, through the pipeline's cache, in
//! parallel, written as a ctags `tags` file, an Emacs `TAGS` file, ctags JSON lines or LSP
//! document symbols.
//!
//! Workers read, detect, look up (a cached entry with a current symbols list is rendered
//! without parsing) or parse and render; the calling thread stores new entries in batches
//! and writes the output in path order (ctags lines are sorted bytewise as a whole).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use crate::cache::Sealed;
use crate::index::walk_files;
use crate::language::{QueryKind, looks_binary, registry};
use crate::parse::{CancelHandle, PARSE_THREAD_STACK_BYTES, ParseError};
use crate::pipeline::{AnalyzeError, Analyzer};
use crate::symbols::packed::unpack;
use crate::symbols::tags_file::{
    FileSymbols, TagsSelection, ctags_header, ctags_json_lines, ctags_lines, etags_section,
    lsp_document_symbols,
};

/// Stored entries are written in batches of at most this many sealed bytes or entries.
const BATCH_BYTES: usize = 32 * 1024 * 1024;
const BATCH_ENTRIES: usize = 512;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TagsFormat {
    /// A sorted classic `tags` file (Vim; ctags format 2).
    #[default]
    Ctags,
    /// An Emacs `TAGS` file.
    Etags,
    /// JSON lines with universal-ctags' `--output-format=json` fields.
    Json,
    /// One JSON line per file: `{"uri", "path", "language", "symbols": DocumentSymbol[]}`.
    Lsp,
}

/// What to list and how.
#[derive(Debug, Clone)]
pub struct TagsOptions {
    /// Files and directories.
    pub paths: Vec<PathBuf>,
    /// Walk directories (respecting `.gitignore`); without it a directory is an error.
    pub recursive: bool,
    /// Worker threads.
    pub threads: usize,
    /// Output format.
    pub format: TagsFormat,
    /// Which symbols are listed.
    pub selection: TagsSelection,
}

/// Figures of one run (printed to stderr as JSON by the CLI with `--stats`).
#[derive(Debug, Default, Clone, Serialize)]
pub struct TagsSummary {
    /// Files considered.
    pub files: u64,
    /// Files whose symbols came from the cache.
    pub cache_hits: u64,
    /// Files parsed now.
    pub parsed: u64,
    /// Files skipped: unknown language, no tags query, binary, too large.
    pub skipped: u64,
    /// Files that failed (unreadable, parse error).
    pub errors: u64,
    /// Files whose symbol list is incomplete (a limit cut it).
    pub incomplete: u64,
    /// Symbols written.
    pub symbols: u64,
    /// Wall time.
    pub seconds: f64,
}

/// Why a run could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum TagsError {
    /// A directory was given without `-R`.
    #[error("{path} is a directory (use -R to walk it)")]
    Directory {
        /// The path.
        path: PathBuf,
    },
    /// A path does not exist.
    #[error("{path}: no such file or directory")]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// Writing the output failed.
    #[error("writing the output: {0}")]
    Write(#[from] std::io::Error),
    /// Storing entries in the cache failed.
    #[error("storing in the cache: {0}")]
    Store(String),
}

/// The files a run covers, in output order.
///
/// # Errors
/// [`TagsError::Directory`] for a directory without `recursive`; [`TagsError::Missing`].
pub fn files_for(paths: &[PathBuf], recursive: bool) -> Result<Vec<PathBuf>, TagsError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            if !recursive {
                return Err(TagsError::Directory { path: path.clone() });
            }
            files.extend(walk_files(path));
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(TagsError::Missing { path: path.clone() });
        }
    }
    Ok(files)
}

/// Lists the symbols of `options.paths` into `out`.
///
/// # Errors
/// See [`TagsError`]; a file that fails is counted in `errors` and logged, not fatal.
pub fn write_tags(
    analyzer: &Arc<Analyzer>,
    options: &TagsOptions,
    out: &mut dyn Write,
) -> Result<TagsSummary, TagsError> {
    let started = Instant::now();
    let files = files_for(&options.paths, options.recursive)?;
    let mut summary = TagsSummary {
        files: files.len() as u64,
        ..TagsSummary::default()
    };
    let queue = Arc::new(Mutex::new(files.into_iter().enumerate()));
    let (tx, rx) = mpsc::sync_channel::<(usize, PathBuf, Outcome)>(64);
    let mut workers = Vec::new();
    for i in 0..options.threads.max(1) {
        let queue = Arc::clone(&queue);
        let tx = tx.clone();
        let analyzer = Arc::clone(analyzer);
        let (format, selection) = (options.format, options.selection);
        let spawned = std::thread::Builder::new()
            .name(format!("syntaxd-symbols-{i}"))
            .stack_size(PARSE_THREAD_STACK_BYTES)
            .spawn(move || {
                // Each worker reads into one buffer (fresh buffers per file cost page faults).
                let mut buffer = Vec::new();
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.next());
                    let Some((index, path)) = next else { break };
                    let outcome = symbols_of(&analyzer, &path, format, selection, &mut buffer);
                    if buffer.capacity() > READ_BUFFER_KEEP_BYTES {
                        buffer = Vec::new();
                    }
                    if tx.send((index, path, outcome)).is_err() {
                        break;
                    }
                }
            });
        match spawned {
            Ok(handle) => workers.push(handle),
            Err(e) => tracing::warn!(error = %e, "could not start a symbols worker"),
        }
    }
    drop(tx);

    let cache = analyzer.cache().cloned();
    let mut batch: Vec<Sealed> = Vec::new();
    let mut batch_bytes = 0usize;
    let mut store_error = None;
    let mut flush = |batch: &mut Vec<Sealed>, batch_bytes: &mut usize| {
        // Durably in the cold tier only: a later run or the daemon reads them from there.
        if let Some(cache) = &cache
            && !batch.is_empty()
            && let Err(e) = cache.store_sealed_durable(batch)
        {
            store_error = Some(e.to_string());
        }
        batch.clear();
        *batch_bytes = 0;
    };
    let mut ctags: Vec<Vec<u8>> = Vec::new();
    // Other formats are written in path order: results wait here for their turn.
    let mut pending: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
    let mut next_index = 0usize;
    let mut write_error = None;
    for (index, path, outcome) in rx {
        let rendered = match outcome {
            Outcome::Rendered {
                output,
                symbols,
                complete,
                parsed,
            } => {
                summary.symbols += symbols;
                summary.incomplete += u64::from(!complete);
                match parsed {
                    Parsed::Now(sealed) => {
                        summary.parsed += 1;
                        if let Some(sealed) = sealed {
                            batch_bytes += sealed.value.len();
                            batch.push(sealed);
                            if batch_bytes >= BATCH_BYTES || batch.len() >= BATCH_ENTRIES {
                                flush(&mut batch, &mut batch_bytes);
                            }
                        }
                    }
                    Parsed::Cached => summary.cache_hits += 1,
                }
                Some(output)
            }
            Outcome::Skipped => {
                summary.skipped += 1;
                None
            }
            Outcome::Error(reason) => {
                summary.errors += 1;
                tracing::warn!(path = %path.display(), %reason, "symbols: file failed");
                None
            }
        };
        match rendered {
            Some(Rendered::Lines(lines)) => ctags.extend(lines),
            Some(Rendered::Bytes(bytes)) => {
                pending.insert(index, bytes);
            }
            None => {
                pending.insert(index, Vec::new());
            }
        }
        while let Some(bytes) = pending.remove(&next_index) {
            if write_error.is_none()
                && let Err(e) = out.write_all(&bytes)
            {
                write_error = Some(e);
            }
            next_index += 1;
        }
    }
    flush(&mut batch, &mut batch_bytes);
    for w in workers {
        let _ = w.join();
    }
    if let Some(e) = write_error {
        return Err(e.into());
    }
    if options.format == TagsFormat::Ctags {
        let mut ctags = sort_lines(ctags, options.threads);
        ctags.dedup();
        out.write_all(ctags_header(env!("CARGO_PKG_VERSION")).as_bytes())?;
        for line in &ctags {
            out.write_all(line)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    if let Some(e) = store_error {
        return Err(TagsError::Store(e));
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Sorts `lines` bytewise, each half on its own thread when there are many lines and
/// `threads` allows, then merges the halves. (Sorting a tree's tags was a quarter of a warm
/// run, on one thread, after the workers had finished.)
fn sort_lines(mut lines: Vec<Vec<u8>>, threads: usize) -> Vec<Vec<u8>> {
    const PARALLEL_FROM: usize = 16 * 1024;
    if threads < 2 || lines.len() < PARALLEL_FROM {
        lines.sort_unstable();
        return lines;
    }
    let mut right = lines.split_off(lines.len() / 2);
    let mut left = lines;
    let sorted_there = std::thread::scope(|scope| {
        let other = std::thread::Builder::new()
            .name("syntaxd-tags-sort".to_owned())
            .spawn_scoped(scope, || left.sort_unstable());
        right.sort_unstable();
        other.is_ok_and(|handle| handle.join().is_ok())
    });
    if !sorted_there {
        // Not started (or it failed): this thread sorts that half too.
        left.sort_unstable();
    }
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    while let (Some(l), Some(r)) = (left.peek(), right.peek()) {
        let next = if l <= r { left.next() } else { right.next() };
        merged.extend(next);
    }
    merged.extend(left);
    merged.extend(right);
    merged
}

enum Rendered {
    Lines(Vec<Vec<u8>>),
    Bytes(Vec<u8>),
}

enum Outcome {
    Rendered {
        output: Rendered,
        symbols: u64,
        complete: bool,
        /// Whether the list was cached, or made now.
        parsed: Parsed,
    },
    Skipped,
    Error(String),
}

enum Parsed {
    /// The list was read from the cache.
    Cached,
    /// The file was parsed now; with a cache, its entry sealed by the worker (the calling
    /// thread only commits).
    Now(Option<Sealed>),
}

/// A worker's read buffer is kept between files up to this capacity.
const READ_BUFFER_KEEP_BYTES: usize = 8 << 20;

fn symbols_of(
    analyzer: &Analyzer,
    path: &Path,
    format: TagsFormat,
    selection: TagsSelection,
    buffer: &mut Vec<u8>,
) -> Outcome {
    buffer.clear();
    if let Err(e) = std::fs::File::open(path).and_then(|mut f| f.read_to_end(buffer)) {
        return Outcome::Error(e.to_string());
    }
    let source: &[u8] = buffer;
    if looks_binary(source) {
        return Outcome::Skipped;
    }
    let Some(detection) = registry().detect(Some(path), source) else {
        return Outcome::Skipped;
    };
    let language = detection.language;
    if !language.available() || language.query_origin(QueryKind::Tags).is_none() {
        return Outcome::Skipped;
    }
    // Only the stored list is read: a tree's entries never fill the memory tiers. A cached
    // list needs no compiled tags query either.
    let cached = analyzer.lookup_symbol_list(language, source);
    // Input no parse accepts is skipped before the tags query is compiled for it (a warm run
    // over a tree with a few such files compiled the query for nothing).
    if cached.is_none()
        && (analyzer.engine().check_input(&language.id, source).is_err()
            || analyzer.symbol_config(language).is_none())
    {
        return Outcome::Skipped;
    }
    let (result, parsed) = match cached {
        Some(result) => (result, Parsed::Cached),
        None => match analyzer.parse_entry(language, source.to_vec(), CancelHandle::new()) {
            Ok((entry, _tree, _)) => {
                // Present when the list is complete (or cut by a deterministic limit).
                let Some(result) = entry.symbols_packed.as_deref().and_then(|p| unpack(p).ok())
                else {
                    return Outcome::Error("symbol extraction failed or timed out".to_owned());
                };
                let sealed = analyzer.cache().map(|cache| cache.seal_for_cold(&entry));
                (result, Parsed::Now(sealed))
            }
            Err(AnalyzeError::Parse(
                ParseError::TooLarge { .. }
                | ParseError::Binary { .. }
                | ParseError::InvalidUtf8 { .. },
            )) => return Outcome::Skipped,
            Err(e) => return Outcome::Error(e.to_string()),
        },
    };
    let display = path.to_string_lossy();
    let file = FileSymbols {
        path: &display,
        language: &language.id,
        source,
        symbols: &result.symbols,
    };
    let output = match format {
        TagsFormat::Ctags => Rendered::Lines(ctags_lines(&file, selection)),
        TagsFormat::Etags => Rendered::Bytes(etags_section(&file, selection)),
        TagsFormat::Json => Rendered::Bytes(ctags_json_lines(&file, selection)),
        TagsFormat::Lsp => {
            let uri = std::path::absolute(path)
                .map(|p| file_uri(&p))
                .unwrap_or_default();
            let line = serde_json::json!({
                "uri": uri,
                "path": display,
                "language": language.id,
                "symbols": lsp_document_symbols(&file),
            });
            let mut bytes = serde_json::to_vec(&line).unwrap_or_default();
            bytes.push(b'\n');
            Rendered::Bytes(bytes)
        }
    };
    Outcome::Rendered {
        output,
        symbols: result.symbols.len() as u64,
        complete: result.complete,
        parsed,
    }
}

/// A `file://` URI with the bytes outside the unreserved set and `/` percent-encoded.
fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for &b in path.to_string_lossy().as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_sorted_in_halves_and_merged_are_sorted_like_one_sort() {
        // Names with long shared prefixes and duplicates, as a tree's tags have.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in [0, 1, 2, 1000, 16 * 1024, 40_001] {
            let lines: Vec<Vec<u8>> = (0..len)
                .map(|_| {
                    let r = next();
                    format!("__init__{}\tpath/{}.py\t/^x$/;\"", r % 97, r % 13).into_bytes()
                })
                .collect();
            let mut expected = lines.clone();
            expected.sort_unstable();
            for threads in [1, 2, 4] {
                assert_eq!(sort_lines(lines.clone(), threads), expected, "{len} lines");
            }
        }
    }
}
