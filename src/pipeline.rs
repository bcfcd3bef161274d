//! The analysis pipeline shared by the daemon and the CLI: cache lookup (hot / warm / cold),
//! and on a miss parse (pool, budgets) → bytecode → symbols → durable store.
//!
//! Everything here blocks: call it from a blocking thread (the server uses
//! `tokio::task::spawn_blocking`; the CLI uses threads with [`PARSE_THREAD_STACK_BYTES`] stack).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::bytecode;
use crate::cache::{Cache, CacheEntry, CacheError, CacheKey, Lookup, Tier, TreeSummary};
use crate::language::{Language, LanguageError, QueryKind, compile_guarded, registry};
use crate::parse::{CancelHandle, ParseBudget, ParseEngine, ParseError};
use crate::query::IncompleteReason;
use crate::symbols::{
    SymbolConfig, SymbolContext, SymbolError, SymbolOptions, SymbolsResult, extract_symbols,
};

pub use crate::parse::PARSE_THREAD_STACK_BYTES;

/// Most syntax problems kept in an entry's summary (and listed in one answer).
pub const SUMMARY_MAX_PROBLEMS: usize = 100;

/// The summary of a live tree: node count, error flag and the first
/// [`SUMMARY_MAX_PROBLEMS`] syntax problems as JSON (`[{kind,node_kind,start,end}]`).
pub fn summarize(tree: &tree_sitter::Tree) -> TreeSummary {
    let root = tree.root_node();
    let problems = crate::output::syntax_problems(tree, SUMMARY_MAX_PROBLEMS);
    TreeSummary {
        nodes: root.descendant_count() as u64,
        has_errors: root.has_error(),
        // Serialising plain structs of strings and integers cannot fail.
        problems_json: serde_json::to_vec(&problems).unwrap_or_else(|_| b"[]".to_vec()),
    }
}

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
    /// Symbols were asked for and could not be made.
    #[error(transparent)]
    Symbols(#[from] SymbolsFailure),
}

/// The pipeline: a parse engine and, optionally, a cache.
pub struct Analyzer {
    engine: ParseEngine,
    cache: Option<Arc<Cache>>,
    max_source_bytes: usize,
    parse_deadline: Duration,
    /// One once-cell per registered language: each tags query compiles on first use, without a
    /// lock shared between languages (a slow or failing compile delays or disables only its
    /// own language).
    symbol_configs: HashMap<&'static str, OnceLock<Option<Arc<SymbolConfig>>>>,
    /// Live trees of recently queried content ([`live_tree`](Self::live_tree)), by language id
    /// and content hash, weighed by their estimated memory; none kept by default.
    trees: moka::sync::Cache<(String, u128), Arc<tree_sitter::Tree>>,
}

/// The estimated memory of a live tree of `source_bytes` source bytes, in the units a tree
/// cache weighs it (saturating at `u32::MAX`).
pub fn tree_weight(source_bytes: usize) -> u32 {
    u32::try_from((source_bytes as u64).saturating_mul(crate::parse::TREE_BYTES_PER_SOURCE_BYTE))
        .unwrap_or(u32::MAX)
}

fn tree_cache(budget_bytes: u64) -> moka::sync::Cache<(String, u128), Arc<tree_sitter::Tree>> {
    moka::sync::Cache::builder()
        .max_capacity(budget_bytes)
        .weigher(|_k: &(String, u128), v: &Arc<tree_sitter::Tree>| {
            tree_weight(v.root_node().end_byte())
        })
        .build()
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
            symbol_configs: registry()
                .languages()
                .iter()
                .map(|l| (l.id.as_str(), OnceLock::new()))
                .collect(),
            trees: tree_cache(0),
        }
    }

    /// Keeps up to `budget_bytes` (estimated) of live trees for [`live_tree`](Self::live_tree).
    #[must_use]
    pub fn with_tree_cache(mut self, budget_bytes: u64) -> Analyzer {
        self.trees = tree_cache(budget_bytes);
        self
    }

    /// The estimated bytes of the live trees kept now (pending evictions applied first).
    pub fn tree_cache_bytes(&self) -> u64 {
        self.trees.run_pending_tasks();
        self.trees.weighted_size()
    }

    /// A live tree of `source` (for a query): a kept one, or one parsed through the pipeline
    /// like any miss, its entry (bytecode, symbols) stored as [`analyze`](Self::analyze) stores
    /// it (write-behind), so a later parse or symbols request for the same content is a hit. The tree is kept
    /// within the [`with_tree_cache`](Self::with_tree_cache) budget.
    ///
    /// # Errors
    /// As [`analyze`](Self::analyze) on a miss.
    pub fn live_tree(
        &self,
        language: &'static Language,
        source: &[u8],
        cancel: CancelHandle,
    ) -> Result<Arc<tree_sitter::Tree>, AnalyzeError> {
        let key = (language.id.clone(), crate::cache::content_hash(source));
        if let Some(tree) = self.trees.get(&key) {
            return Ok(tree);
        }
        let (entry, tree, _, _) =
            self.parse_entry_with_symbols(language, source.to_vec(), cancel)?;
        if let Some(cache) = &self.cache {
            cache.put_behind(entry);
        }
        let tree = Arc::new(tree);
        self.trees.insert(key, Arc::clone(&tree));
        Ok(tree)
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

    /// The stored symbols list of `source`, when it is cached with a list of the current
    /// format: the packed copy the cold tier keeps beside the entry
    /// ([`Cache::get_packed_symbols`]), else the entry's JSON ([`Cache::get_symbols`]). No
    /// entry is promoted or copied. `None`: not cached, or cached without a current list.
    pub fn lookup_symbol_list(&self, language: &Language, source: &[u8]) -> Option<SymbolsResult> {
        let cache = self.cache.as_ref()?;
        let tags_query = language.tags_query_hash()?;
        let key = Self::key_for(language, source);
        if let Some(packed) = cache.get_packed_symbols(&key) {
            match crate::symbols::packed::unpack(&packed) {
                Ok(list)
                    if list.symbols_format == crate::symbols::SYMBOLS_FORMAT_VERSION
                        && list.tags_query == tags_query =>
                {
                    return Some(list);
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(key = %key, error = %e, "stored packed symbols unreadable; reading the entry")
                }
            }
        }
        cache
            .get_symbols(&key)
            .flatten()
            .filter(|s| SymbolsResult::is_current(s, tags_query))
            .and_then(|s| serde_json::from_slice(&s).ok())
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
        let (analysis, _) = self.parse_and_store(language, source, cancel, started)?;
        Ok(analysis)
    }

    /// [`analyze`](Self::analyze) for a symbols answer: returns the analysis and the symbols
    /// JSON (a serialised `SymbolsResult`). A cached entry without stored symbols of the
    /// current [`crate::symbols::SYMBOLS_FORMAT_VERSION`] and the language's current tags query
    /// (their extraction failed or was cut by its deadline when it was parsed, or a syntaxd
    /// with another format or query stored them) counts as a miss: the
    /// source is parsed again and the entry stored again, with its symbols when they are
    /// complete this time. Symbols cut by a deadline or a cancellation answer this request
    /// (`complete: false`) and are never stored.
    ///
    /// # Errors
    /// As [`analyze`](Self::analyze); [`AnalyzeError::Symbols`] when the extraction fails.
    pub fn analyze_symbols(
        &self,
        language: &'static Language,
        source: Vec<u8>,
        cancel: CancelHandle,
    ) -> Result<(Analysis, Vec<u8>), AnalyzeError> {
        let started = Instant::now();
        if let Some((entry, tier)) = self.lookup(language, &source)
            && let Some(symbols) = entry.symbols.clone().filter(|s| {
                language
                    .tags_query_hash()
                    .is_some_and(|hash| SymbolsResult::is_current(s, hash))
            })
        {
            let analysis = Analysis {
                language,
                entry,
                cache: tier.into(),
                tree: None,
                parse_elapsed: None,
                elapsed: started.elapsed(),
            };
            return Ok((analysis, symbols));
        }
        let (analysis, symbols) = self.parse_and_store(language, source, cancel, started)?;
        match symbols {
            Some(Ok(json)) => Ok((analysis, json)),
            Some(Err(e)) => Err(e),
            None => Err(AnalyzeError::Symbols(SymbolsFailure::Unsupported {
                language: language.id.clone(),
            })),
        }
    }

    /// Parses `source` into a cache entry (bytecode and symbols) without storing it. The entry
    /// holds symbols only when their extraction succeeded and was not cut by its deadline or a
    /// cancellation (a cut list is not the content's answer).
    pub fn parse_entry(
        &self,
        language: &'static Language,
        source: Vec<u8>,
        cancel: CancelHandle,
    ) -> Result<(CacheEntry, tree_sitter::Tree, Duration), AnalyzeError> {
        let (entry, tree, elapsed, _) = self.parse_entry_with_symbols(language, source, cancel)?;
        Ok((entry, tree, elapsed))
    }

    fn parse_and_store(
        &self,
        language: &'static Language,
        source: Vec<u8>,
        cancel: CancelHandle,
        started: Instant,
    ) -> Result<(Analysis, Option<SymbolsOutcome>), AnalyzeError> {
        let (entry, tree, parse_elapsed, symbols) =
            self.parse_entry_with_symbols(language, source, cancel)?;
        let entry = match &self.cache {
            Some(cache) => cache.put_behind(entry),
            None => Arc::new(entry),
        };
        let analysis = Analysis {
            language,
            entry,
            cache: CacheStatus::Miss,
            tree: Some(tree),
            parse_elapsed: Some(parse_elapsed),
            elapsed: started.elapsed(),
        };
        Ok((analysis, symbols))
    }

    /// Parses into an entry, and returns the symbols answer of this parse apart (`None`
    /// without a tags query): a cut or failed extraction answers this request but is not
    /// stored in the entry.
    fn parse_entry_with_symbols(
        &self,
        language: &'static Language,
        source: Vec<u8>,
        cancel: CancelHandle,
    ) -> Result<ParsedEntry, AnalyzeError> {
        let grammar = language.ts_language()?;
        let budget =
            ParseBudget::new(self.max_source_bytes, self.parse_deadline).with_cancel(cancel);
        let id: &'static str = language.id.as_str();
        let outcome = self.engine.parse(id, grammar, &source, &budget)?;
        // The request's cancel flag (set when it times out or its client goes away) also stops
        // the encoding and the symbol extraction, not only the parse.
        let cancel = &budget.cancel;
        let cancelled = || ParseError::Cancelled { language: id };
        let config = self.symbol_config(language);
        let mut options = symbol_options(id);
        options.limits.cancel = Some(cancel.flag());
        let meta = bytecode::EncodeMeta {
            language_id: id,
            grammar_version: &language.grammar_version,
        };
        // One walk of the tree encodes it and finds the symbol extraction's match roots.
        let (bytes, roots) = bytecode::encode_finding(
            &outcome.tree,
            &source,
            &meta,
            &|| cancel.is_cancelled(),
            config.as_ref().and_then(|c| c.wanted_kinds(&options)),
        )
        .ok_or_else(cancelled)?;
        let answer = config.map(|config| {
            let root = outcome.tree.root_node();
            let result = match roots {
                Some(roots) => {
                    SymbolContext::new().extract_at(&config, root, &source, &options, roots)
                }
                None => extract_symbols(&config, root, &source, &options),
            }
            .map_err(|e| {
                tracing::error!(language = id, error = %e, "symbol extraction failed");
                AnalyzeError::Symbols(SymbolsFailure::Extraction(e))
            })?;
            let cut = matches!(
                result.incomplete_reason,
                Some(IncompleteReason::Deadline | IncompleteReason::Cancelled)
            );
            let json = result.to_json();
            let packed = (!cut).then(|| crate::symbols::packed::pack(&result));
            Ok((json, packed))
        });
        // A list cut by a deadline or a cancellation answers this request only (no packed form).
        let (answer, stored, symbols_packed) = match answer {
            Some(Ok((json, Some(packed)))) => (Some(Ok(json.clone())), Some(json), Some(packed)),
            Some(Ok((json, None))) => (Some(Ok(json)), None, None),
            Some(Err(e)) => (Some(Err(e)), None, None),
            None => (None, None, None),
        };
        let summary = summarize(&outcome.tree);
        let entry = CacheEntry {
            language_id: language.id.clone(),
            grammar_version: language.grammar_version.clone(),
            bytecode_version: bytecode::FORMAT_VERSION,
            source,
            bytecode: bytes,
            symbols: stored,
            summary: Some(summary),
            symbols_packed,
        };
        Ok((entry, outcome.tree, outcome.elapsed, answer))
    }

    /// The language's symbol configuration (compiled once, on first use), or `None` without a
    /// usable tags query. A failure (or a panic in the compiler) is counted and listed in
    /// `/readyz`'s body by [`compile_guarded`] and disables symbols of this language only.
    pub fn symbol_config(&self, language: &'static Language) -> Option<Arc<SymbolConfig>> {
        let build = || -> Option<Arc<SymbolConfig>> {
            // A panic here propagates to this request (500) and leaves the once-cell
            // uninitialised, so the next request compiles again.
            #[cfg(feature = "test-hooks")]
            if crate::parse::test_hooks::take(&format!("symbol_config_panic:{}", language.id)) {
                panic!(
                    "test hook: panic while compiling the {} tags query",
                    language.id
                );
            }
            let grammar = language.ts_language().ok()?.clone();
            // No tags query: nothing to compile, nothing to report.
            let text = language.query_text(QueryKind::Tags).ok()?;
            compile_guarded(&language.id, QueryKind::Tags, || {
                SymbolConfig::new(grammar, &text).map_err(|e| LanguageError::QueryUnusable {
                    id: language.id.clone(),
                    kind: QueryKind::Tags,
                    message: e.to_string(),
                })
            })
            .ok()
            .map(Arc::new)
        };
        match self.symbol_configs.get(language.id.as_str()) {
            Some(slot) => slot.get_or_init(build).clone(),
            // A language built outside the registry (tests): compile without caching.
            None => build(),
        }
    }
}

/// The options of the symbol extraction stored with an entry (with the `test-hooks` feature,
/// an armed `symbols_deadline:<language>` or `symbols_error:<language>` fault applies once).
fn symbol_options(_language: &str) -> SymbolOptions {
    #[allow(unused_mut)]
    let mut options = SymbolOptions::default();
    #[cfg(feature = "test-hooks")]
    {
        use crate::parse::test_hooks::take;
        if take(&format!("symbols_deadline:{_language}")) {
            options.limits.deadline = Duration::ZERO;
        }
        if take(&format!("symbols_error:{_language}")) {
            options.limits.match_limit = 0;
        }
    }
    options
}

/// An entry, its live tree, the parse time, and this parse's symbols answer.
type ParsedEntry = (
    CacheEntry,
    tree_sitter::Tree,
    Duration,
    Option<SymbolsOutcome>,
);

/// The symbols JSON of one extraction, or why there is none.
type SymbolsOutcome = Result<Vec<u8>, AnalyzeError>;

/// Why a symbols answer could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SymbolsFailure {
    /// The language has no usable tags query.
    #[error("language `{language}` has no tags query")]
    Unsupported {
        /// Language id.
        language: String,
    },
    /// The extraction failed.
    #[error(transparent)]
    Extraction(#[from] SymbolError),
}
