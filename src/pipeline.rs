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
use crate::symbols::{SymbolConfig, SymbolOptions, extract_symbols};

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
        let symbols = self
            .symbol_config(language)
            .and_then(|config| {
                extract_symbols(
                    &config,
                    outcome.tree.root_node(),
                    &source,
                    &SymbolOptions::default(),
                )
                .ok()
            })
            .and_then(|result| serde_json::to_vec(&result).ok());
        let summary = summarize(&outcome.tree);
        let entry = CacheEntry {
            language_id: language.id.clone(),
            grammar_version: language.grammar_version.clone(),
            bytecode_version: bytecode::FORMAT_VERSION,
            source,
            bytecode: bytes,
            symbols,
            summary: Some(summary),
        };
        Ok((entry, outcome.tree, outcome.elapsed))
    }

    /// The language's symbol configuration (compiled once, on first use), or `None` without a
    /// usable tags query. A failure (or a panic in the compiler) is counted and listed in
    /// `/readyz`'s body by [`compile_guarded`] and disables symbols of this language only.
    pub fn symbol_config(&self, language: &'static Language) -> Option<Arc<SymbolConfig>> {
        let build = || -> Option<Arc<SymbolConfig>> {
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
