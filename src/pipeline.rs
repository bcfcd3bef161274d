//! The analysis pipeline shared by the daemon and the CLI: cache lookup (hot / warm / cold),
//! and on a miss parse (pool, budgets) → bytecode → symbols → durable store.
//!
//! Everything here blocks: call it from a blocking thread (the server uses
//! `tokio::task::spawn_blocking`; the CLI uses threads with [`PARSE_THREAD_STACK_BYTES`] stack).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::bytecode;
use crate::cache::{Cache, CacheEntry, CacheError, CacheKey, Lookup, Tier};
use crate::language::{Language, LanguageError, QueryKind};
use crate::parse::{CancelHandle, ParseBudget, ParseEngine, ParseError};
use crate::query::IncompleteReason;
use crate::symbols::{SymbolConfig, SymbolError, SymbolOptions, SymbolsResult, extract_symbols};

pub use crate::parse::PARSE_THREAD_STACK_BYTES;

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheStatus {
    /// Parsed now.
    Miss,
    /// Hot tier.
    Hot,
    /// Warm tier.
    Warm,
    /// Cold tier.
    Cold,
}

impl From<Tier> for CacheStatus {
    fn from(t: Tier) -> Self {
        match t {
            Tier::Hot => CacheStatus::Hot,
            Tier::Warm => CacheStatus::Warm,
            Tier::Cold => CacheStatus::Cold,
        }
    }
}

/// The result of analysing one source.
#[derive(Debug)]
pub struct Analysis {
    /// The language.
    pub language: &'static Language,
    /// The cached entry (source, bytecode, symbols).
    pub entry: Arc<CacheEntry>,
    /// Where it came from.
    pub cache: CacheStatus,
    /// The live tree, when this call parsed (a cache hit has only the bytecode).
    pub tree: Option<tree_sitter::Tree>,
    /// Parse time, when this call parsed.
    pub parse_elapsed: Option<Duration>,
    /// Total time of the call.
    pub elapsed: Duration,
}

/// Why an analysis failed.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// The language is unknown or unavailable.
    #[error(transparent)]
    Language(#[from] LanguageError),
    /// The parse failed (too large, timeout, cancelled, busy, binary, invalid UTF-8).
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Storing failed.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The language has no usable tags query.
    #[error("language `{language}` has no tags query")]
    SymbolsUnsupported {
        /// Language id.
        language: String,
    },
    /// Symbol extraction failed (not a limit: those give an incomplete list).
    #[error(transparent)]
    Symbols(#[from] SymbolError),
}

/// The pipeline: a parse engine and, optionally, a cache.
pub struct Analyzer {
    engine: ParseEngine,
    cache: Option<Arc<Cache>>,
    max_source_bytes: usize,
    parse_deadline: Duration,
    symbol_configs: Mutex<HashMap<&'static str, Option<Arc<SymbolConfig>>>>,
}

impl Analyzer {
    /// An analyzer with these budgets. Without a cache every call parses.
    pub fn new(
        engine: ParseEngine,
        cache: Option<Arc<Cache>>,
        max_source_bytes: usize,
        parse_deadline: Duration,
    ) -> Analyzer {
        Analyzer {
            engine,
            cache,
            max_source_bytes,
            parse_deadline,
            symbol_configs: Mutex::new(HashMap::new()),
        }
    }

    /// The parse engine.
    pub fn engine(&self) -> &ParseEngine {
        &self.engine
    }

    /// The cache, if any.
    pub fn cache(&self) -> Option<&Arc<Cache>> {
        self.cache.as_ref()
    }

    /// The key of `source` in `language`.
    pub fn key_for(language: &Language, source: &[u8]) -> CacheKey {
        CacheKey::for_source(
            &language.id,
            &language.grammar_version,
            bytecode::FORMAT_VERSION,
            source,
        )
    }

    /// Looks `source` up in the cache only.
    pub fn lookup(&self, language: &Language, source: &[u8]) -> Option<(Arc<CacheEntry>, Tier)> {
        let cache = self.cache.as_ref()?;
        match cache.get(&Self::key_for(language, source)) {
            Lookup::Hit(entry, tier) => Some((entry, tier)),
            Lookup::Miss => None,
        }
    }

    /// Answers from the cache, or parses, encodes, extracts symbols and stores (durably).
    pub fn analyze(
        &self,
        language: &'static Language,
        source: Vec<u8>,
        cancel: CancelHandle,
    ) -> Result<Analysis, AnalyzeError> {
        let started = Instant::now();
        if let Some((entry, tier)) = self.lookup(language, &source) {
            return Ok(Analysis {
                language,
                entry,
                cache: tier.into(),
                tree: None,
                parse_elapsed: None,
                elapsed: started.elapsed(),
            });
        }
        let (entry, tree, parse_elapsed) = self.parse_entry(language, source, cancel)?;
        let entry = match &self.cache {
            Some(cache) => cache.put(entry)?,
            None => Arc::new(entry),
        };
        Ok(Analysis {
            language,
            entry,
            cache: CacheStatus::Miss,
            tree: Some(tree),
            parse_elapsed: Some(parse_elapsed),
            elapsed: started.elapsed(),
        })
    }

    /// Parses `source` into a cache entry (bytecode and symbols) without storing it.
    pub fn parse_entry(
        &self,
        language: &'static Language,
        source: Vec<u8>,
        cancel: CancelHandle,
    ) -> Result<(CacheEntry, tree_sitter::Tree, Duration), AnalyzeError> {
        let grammar = language.ts_language()?;
        let budget =
            ParseBudget::new(self.max_source_bytes, self.parse_deadline).with_cancel(cancel);
        let id: &'static str = language.id.as_str();
        let outcome = self.engine.parse(id, grammar, &source, &budget)?;
        let bytes = bytecode::encode(
            &outcome.tree,
            &source,
            &bytecode::EncodeMeta {
                language_id: id,
                grammar_version: &language.grammar_version,
            },
        );
        let symbols = self.symbol_config(language).and_then(|config| {
            let result = extract_symbols(
                &config,
                outcome.tree.root_node(),
                &source,
                &SymbolOptions::default(),
            );
            storable_symbols(&language.id, result)
        });
        let entry = CacheEntry {
            language_id: language.id.clone(),
            grammar_version: language.grammar_version.clone(),
            bytecode_version: bytecode::FORMAT_VERSION,
            source,
            bytecode: bytes,
            symbols,
        };
        Ok((entry, outcome.tree, outcome.elapsed))
    }

    /// The symbols of `source`: from the cache when its entry holds a list of the current
    /// [`crate::symbols::SYMBOLS_FORMAT_VERSION`], otherwise extracted now. An entry without
    /// a usable list (extraction failed or was cut by a deadline when it was stored, or it
    /// was stored by an older syntaxd) is re-extracted from its source and stored again, so
    /// a bad stored list never answers forever. Returns the serialised [`SymbolsResult`]
    /// (which starts with [`SymbolsResult::STORED_PREFIX`]) and where the entry came from.
    ///
    /// # Errors
    /// [`AnalyzeError::SymbolsUnsupported`] without a usable tags query;
    /// [`AnalyzeError::Symbols`] when extraction fails; the errors of [`Analyzer::analyze`].
    pub fn symbols(
        &self,
        language: &'static Language,
        source: Vec<u8>,
        cancel: CancelHandle,
    ) -> Result<(Arc<CacheEntry>, CacheStatus), AnalyzeError> {
        let config =
            self.symbol_config(language)
                .ok_or_else(|| AnalyzeError::SymbolsUnsupported {
                    language: language.id.clone(),
                })?;
        let analysis = self.analyze(language, source, cancel.clone())?;
        if analysis
            .entry
            .symbols
            .as_deref()
            .is_some_and(SymbolsResult::is_current)
        {
            return Ok((analysis.entry, analysis.cache));
        }
        // Parsed now (or a stale entry): extract from the live tree, or reparse the source.
        let owned_tree;
        let tree = match &analysis.tree {
            Some(tree) => tree,
            None => {
                let grammar = language.ts_language()?;
                let budget = ParseBudget::new(self.max_source_bytes, self.parse_deadline)
                    .with_cancel(cancel);
                owned_tree = self
                    .engine
                    .parse(&language.id, grammar, &analysis.entry.source, &budget)?
                    .tree;
                &owned_tree
            }
        };
        let result = extract_symbols(
            &config,
            tree.root_node(),
            &analysis.entry.source,
            &SymbolOptions::default(),
        )?;
        let json = result.to_json();
        let transient = matches!(
            result.incomplete_reason,
            Some(IncompleteReason::Deadline | IncompleteReason::Cancelled)
        );
        let mut entry = CacheEntry::clone(&analysis.entry);
        entry.symbols = Some(json);
        let entry = match (&self.cache, transient) {
            // A list cut by a deadline is answered (marked incomplete) but never stored.
            (Some(cache), false) => cache.put(entry)?,
            _ => Arc::new(entry),
        };
        Ok((entry, analysis.cache))
    }

    /// The language's symbol configuration (compiled once), or `None` without a tags query.
    pub fn symbol_config(&self, language: &'static Language) -> Option<Arc<SymbolConfig>> {
        let mut configs = self.symbol_configs.lock().ok()?;
        configs
            .entry(language.id.as_str())
            .or_insert_with(|| {
                let grammar = language.ts_language().ok()?.clone();
                let text = language.query_text(QueryKind::Tags).ok()?;
                match SymbolConfig::new(grammar, &text) {
                    Ok(c) => Some(Arc::new(c)),
                    Err(e) => {
                        tracing::warn!(language = %language.id, error = %e, "tags query unusable for symbols");
                        None
                    }
                }
            })
            .clone()
    }
}

/// The symbols JSON to store for an extraction: `None` (and a warning) when it failed or was
/// cut by a deadline or a cancellation, so the entry is never stored with a list that looks
/// final; [`Analyzer::symbols`] re-extracts such entries on use.
fn storable_symbols(language: &str, result: Result<SymbolsResult, SymbolError>) -> Option<Vec<u8>> {
    match result {
        Ok(r)
            if matches!(
                r.incomplete_reason,
                Some(IncompleteReason::Deadline | IncompleteReason::Cancelled)
            ) =>
        {
            tracing::debug!(language, reason = ?r.incomplete_reason, "symbols cut, not stored");
            None
        }
        Ok(r) => Some(r.to_json()),
        Err(e) => {
            tracing::warn!(language, error = %e, "symbol extraction failed, not stored");
            None
        }
    }
}
