//! Byte-bounded caches: compiled queries keyed by (language, query hash) and query results
//! keyed by (language, query hash, content hash, result-shaping limits).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use moka::sync::Cache;
use serde::Serialize;
use std::time::Instant;
use tree_sitter::{Language, Node};

use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use super::check::{CheckOutcome, CompileCheck, crashed};
use super::compiled::{CompiledQuery, query_hash};
use super::error::QueryError;
use super::limits::QueryLimits;
use super::metrics;
use super::run::{QueryContext, QueryResult};
use super::shape::inspect;

/// Keeps the keys of slow texts (by normal form) apart from those of failed texts (exact).
const SLOW_KEY_TWEAK: u128 = 0x736c_6f77;

/// Estimated memory of a compiled query per byte of query text. tree-sitter's `Query` holds
/// its pattern steps, capture and predicate tables, and string pools; across the grammars'
/// shipped queries this is roughly 5–15× the text, so 16 is a conservative weight.
pub const COMPILED_BYTES_PER_QUERY_BYTE: u64 = 16;
/// Fixed per-entry overhead counted for a compiled query (struct, key, cache bookkeeping).
pub const COMPILED_OVERHEAD_BYTES: u64 = 1024;
/// Fixed per-entry overhead counted for a cached result (key, `Arc`, cache bookkeeping).
pub const RESULT_OVERHEAD_BYTES: u64 = 256;

/// Hit and miss counts of one cache instance (the Prometheus counters are process-wide).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that had to compute.
    pub misses: u64,
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

/// Compiled queries by (language id, xxh3 of the query text's normal form, see
/// [`inspect`]), bounded by estimated bytes:
/// `text_len × COMPILED_BYTES_PER_QUERY_BYTE + COMPILED_OVERHEAD_BYTES` per entry. Texts that
/// differ only in whitespace and comments share one entry.
///
/// A hit is verified against the stored normal form and grammar, so a hash collision compiles
/// afresh instead of answering with the wrong query. Compile failures are remembered too
/// (by exact text, so their positions stay right), and so are texts whose compile took longer
/// than `QueryLimits::compile_timeout` (by normal form): both are answered at once next time.
pub struct QueryCache {
    inner: Cache<(String, u64), Arc<CompiledQuery>>,
    failures: Cache<(String, u128), QueryError>,
    counters: Counters,
    check: Option<CompileCheck>,
}

/// Compile failures remembered (entries; each is a small error value).
const FAILURES_REMEMBERED: u64 = 4_096;

impl std::fmt::Debug for QueryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryCache")
            .field("entries", &self.inner.entry_count())
            .field("weighted_bytes", &self.inner.weighted_size())
            .finish()
    }
}

impl QueryCache {
    /// A cache holding at most about `budget_bytes` of compiled queries.
    pub fn new(budget_bytes: u64) -> Self {
        let inner = Cache::builder()
            .max_capacity(budget_bytes)
            .weigher(|_key: &(String, u64), value: &Arc<CompiledQuery>| {
                let bytes = (value.text().len() as u64)
                    .saturating_mul(COMPILED_BYTES_PER_QUERY_BYTE)
                    .saturating_add(COMPILED_OVERHEAD_BYTES);
                u32::try_from(bytes).unwrap_or(u32::MAX)
            })
            .build();
        // Exported from the start (at 0), not only after the first remembered failure.
        std::sync::LazyLock::force(&metrics::COMPILE_FAILURES_REMEMBERED_TOTAL);
        Self {
            inner,
            failures: Cache::new(FAILURES_REMEMBERED),
            counters: Counters::default(),
            check: None,
        }
    }

    /// Compiles each text not seen before in a child process first (see [`CompileCheck`]):
    /// a text that crashes the child is refused with [`QueryError::Unsupported`], one whose
    /// child runs past `QueryLimits::compile_timeout` with [`QueryError::CompileTimeout`]; both
    /// are remembered.
    #[must_use]
    pub fn with_compile_check(mut self, check: Option<CompileCheck>) -> Self {
        self.check = check;
        self
    }

    /// The compiled query for `text` in `language`, compiling and caching it on a miss.
    ///
    /// # Errors
    /// [`QueryError::TooLarge`] (checked before hashing or compiling),
    /// [`QueryError::TooComplex`] (counted before compiling), [`QueryError::Invalid`] and
    /// [`QueryError::CompileTimeout`] (remembered: the same text fails at once next time).
    pub fn get_or_compile(
        &self,
        language_id: &str,
        language: &Language,
        text: &str,
        limits: &QueryLimits,
    ) -> Result<Arc<CompiledQuery>, QueryError> {
        if text.len() > limits.max_query_bytes {
            return Err(QueryError::TooLarge {
                len_bytes: text.len(),
                max_bytes: limits.max_query_bytes,
            });
        }
        let shape = inspect(text);
        if shape.field_on_predicate {
            return Err(field_on_predicate());
        }
        for (what, count, max) in [
            ("patterns", shape.patterns, limits.max_patterns),
            ("predicates", shape.predicates, limits.max_predicates),
            (
                "regex bytes",
                shape.longest_regex_bytes,
                limits.max_regex_bytes,
            ),
        ] {
            if count > max {
                return Err(QueryError::TooComplex { what, count, max });
            }
        }
        let key = (language_id.to_owned(), query_hash(&shape.normal));
        if let Some(hit) = self.inner.get(&key)
            && hit.normal() == shape.normal
            && hit.language() == language
        {
            self.counters.hits.fetch_add(1, Ordering::Relaxed);
            metrics::COMPILE_CACHE_HITS_TOTAL.inc();
            return Ok(hit);
        }
        let exact_key = (language_id.to_owned(), xxh3_128(text.as_bytes()));
        let slow_key = (
            language_id.to_owned(),
            xxh3_128(shape.normal.as_bytes()) ^ SLOW_KEY_TWEAK,
        );
        for k in [&exact_key, &slow_key] {
            if let Some(failure) = self.failures.get(k) {
                metrics::COMPILE_FAILURES_REMEMBERED_TOTAL.inc();
                return Err(match failure {
                    QueryError::CompileTimeout { limit_ms, .. } => QueryError::CompileTimeout {
                        elapsed_ms: 0,
                        limit_ms,
                    },
                    other => other,
                });
            }
        }
        self.counters.misses.fetch_add(1, Ordering::Relaxed);
        metrics::COMPILE_CACHE_MISSES_TOTAL.inc();
        if let Some(check) = &self.check {
            match check.check(language_id, text, limits.compile_timeout) {
                CheckOutcome::Safe => {}
                CheckOutcome::Crashed(how) => {
                    tracing::warn!(
                        language = language_id,
                        query_hash = format!("{:032x}", exact_key.1),
                        "a query text crashed the compile check ({how}); refused and remembered"
                    );
                    let e = crashed();
                    self.failures.insert(exact_key, e.clone());
                    return Err(e);
                }
                CheckOutcome::TimedOut(elapsed) => {
                    let e = QueryError::CompileTimeout {
                        elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                        limit_ms: u64::try_from(limits.compile_timeout.as_millis())
                            .unwrap_or(u64::MAX),
                    };
                    self.failures.insert(slow_key, e.clone());
                    return Err(e);
                }
                CheckOutcome::Unavailable(why) => {
                    // Compiling here is what the daemon did before the check existed; say so.
                    tracing::warn!(
                        language = language_id,
                        "the query compile check could not run ({why}); compiling in process"
                    );
                }
            }
        }
        let started = Instant::now();
        let compiled = CompiledQuery::with_normal(
            language_id,
            language,
            text,
            shape.normal,
            limits.max_query_bytes,
        );
        let elapsed = started.elapsed();
        let compiled = match compiled {
            Ok(c) => Arc::new(c),
            Err(e) => {
                if matches!(e, QueryError::Invalid { .. }) {
                    self.failures.insert(exact_key, e.clone());
                }
                return Err(e);
            }
        };
        if elapsed > limits.compile_timeout {
            let e = QueryError::CompileTimeout {
                elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                limit_ms: u64::try_from(limits.compile_timeout.as_millis()).unwrap_or(u64::MAX),
            };
            self.failures.insert(slow_key, e.clone());
            return Err(e);
        }
        self.inner.insert(key, compiled.clone());
        Ok(compiled)
    }

    /// This instance's hit and miss counts.
    pub fn stats(&self) -> CacheStats {
        self.counters.snapshot()
    }

    /// The estimated bytes held (after pending maintenance runs).
    pub fn weighted_bytes(&self) -> u64 {
        self.inner.run_pending_tasks();
        self.inner.weighted_size()
    }
}

/// What identifies a query result: everything that can change the captures returned.
/// Time and cancellation are not part of it because results they cut short are never cached.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResultKey {
    /// Language id.
    pub language_id: String,
    /// [`query_hash`] of the query text.
    pub query_hash: u64,
    /// Length of the query text (a second guard against hash collisions).
    pub query_len: usize,
    /// xxh3-64 of the source bytes.
    pub content_hash: u64,
    /// Length of the source (a second guard against hash collisions).
    pub content_len: usize,
    /// `QueryLimits::max_captures`.
    pub max_captures: usize,
    /// `QueryLimits::match_limit`.
    pub match_limit: u32,
    /// `QueryLimits::max_capture_text_bytes`.
    pub max_capture_text_bytes: usize,
    /// `QueryLimits::max_total_text_bytes`.
    pub max_total_text_bytes: usize,
}

impl ResultKey {
    /// The key for running `compiled` over `source` (hashed here with xxh3-64) with `limits`.
    pub fn new(compiled: &CompiledQuery, source: &[u8], limits: &QueryLimits) -> Self {
        Self {
            language_id: compiled.language_id().to_owned(),
            query_hash: compiled.hash(),
            query_len: compiled.normal().len(),
            content_hash: xxh3_64(source),
            content_len: source.len(),
            max_captures: limits.max_captures,
            match_limit: limits.match_limit,
            max_capture_text_bytes: limits.max_capture_text_bytes,
            max_total_text_bytes: limits.max_total_text_bytes,
        }
    }
}

/// Query results bounded by [`QueryResult::weight_bytes`] plus `RESULT_OVERHEAD_BYTES` per
/// entry. Complete results, and results cut by a deterministic limit (`limit_reached`,
/// `match_limit_exceeded`), are cached; results cut by the deadline or a cancellation are not.
pub struct ResultCache {
    inner: Cache<ResultKey, Arc<QueryResult>>,
    counters: Counters,
}

impl std::fmt::Debug for ResultCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultCache")
            .field("entries", &self.inner.entry_count())
            .field("weighted_bytes", &self.inner.weighted_size())
            .finish()
    }
}

impl ResultCache {
    /// A cache holding at most about `budget_bytes` of results.
    pub fn new(budget_bytes: u64) -> Self {
        let inner = Cache::builder()
            .max_capacity(budget_bytes)
            .weigher(|_key: &ResultKey, value: &Arc<QueryResult>| {
                let bytes = (value.weight_bytes() as u64).saturating_add(RESULT_OVERHEAD_BYTES);
                u32::try_from(bytes).unwrap_or(u32::MAX)
            })
            .build();
        Self {
            inner,
            counters: Counters::default(),
        }
    }

    /// The result of `compiled` over `root`/`source`, from the cache or by running it.
    ///
    /// # Errors
    /// As [`QueryContext::run`]; errors are not cached.
    pub fn get_or_run(
        &self,
        compiled: &CompiledQuery,
        root: Node<'_>,
        source: &[u8],
        limits: &QueryLimits,
    ) -> Result<Arc<QueryResult>, QueryError> {
        limits.validate()?;
        let key = ResultKey::new(compiled, source, limits);
        if let Some(hit) = self.inner.get(&key) {
            self.counters.hits.fetch_add(1, Ordering::Relaxed);
            metrics::RESULT_CACHE_HITS_TOTAL.inc();
            return Ok(hit);
        }
        self.counters.misses.fetch_add(1, Ordering::Relaxed);
        metrics::RESULT_CACHE_MISSES_TOTAL.inc();
        let mut result = QueryContext::new().run(compiled, root, source, limits)?;
        let cacheable = result
            .incomplete_reason
            .is_none_or(|r| r.is_deterministic());
        if cacheable {
            // Kept for a while: give back the growth slack of the capture list.
            result.captures.shrink_to_fit();
        }
        let result = Arc::new(result);
        if cacheable {
            self.inner.insert(key, result.clone());
        }
        Ok(result)
    }

    /// This instance's hit and miss counts.
    pub fn stats(&self) -> CacheStats {
        self.counters.snapshot()
    }

    /// The bytes held (after pending maintenance runs).
    pub fn weighted_bytes(&self) -> u64 {
        self.inner.run_pending_tasks();
        self.inner.weighted_size()
    }
}

/// Both caches together: the entry point for the HTTP layer.
#[derive(Debug)]
pub struct QueryEngine {
    /// Compiled queries.
    pub compiled: QueryCache,
    /// Results.
    pub results: ResultCache,
}

impl QueryEngine {
    /// An engine whose caches hold about `compiled_budget_bytes` and `result_budget_bytes`.
    pub fn new(compiled_budget_bytes: u64, result_budget_bytes: u64) -> Self {
        Self {
            compiled: QueryCache::new(compiled_budget_bytes),
            results: ResultCache::new(result_budget_bytes),
        }
    }

    /// This engine with new query texts compiled in a child process first
    /// ([`QueryCache::with_compile_check`]).
    #[must_use]
    pub fn with_compile_check(mut self, check: Option<CompileCheck>) -> Self {
        self.compiled = self.compiled.with_compile_check(check);
        self
    }

    /// Sets `syntaxd_query_cache_bytes` for the compiled-query and result caches (and for
    /// the caller's live-tree cache, `tree_bytes`).
    pub fn refresh_gauges(&self, tree_bytes: u64) {
        let gauge = &super::metrics::QUERY_CACHE_BYTES;
        let set = |cache: &str, bytes: u64| {
            gauge
                .with_label_values(&[cache])
                .set(i64::try_from(bytes).unwrap_or(i64::MAX));
        };
        set("compiled", self.compiled.weighted_bytes());
        set("results", self.results.weighted_bytes());
        set("trees", tree_bytes);
    }

    /// Compiles (or reuses) `text` for the language and answers it over `root`/`source`.
    ///
    /// # Errors
    /// As [`QueryCache::get_or_compile`] and [`ResultCache::get_or_run`].
    pub fn query(
        &self,
        language_id: &str,
        language: &Language,
        text: &str,
        root: Node<'_>,
        source: &[u8],
        limits: &QueryLimits,
    ) -> Result<Arc<QueryResult>, QueryError> {
        let compiled = self
            .compiled
            .get_or_compile(language_id, language, text, limits)?;
        self.results.get_or_run(&compiled, root, source, limits)
    }
}

/// The refusal of a field name in front of a predicate (`name: (#eq? ...)`): tree-sitter's query
/// parser aborts the process on it (found by the `http` fuzz target), so it is never compiled.
pub(crate) fn field_on_predicate() -> QueryError {
    QueryError::Unsupported {
        construct: "a field name in front of a predicate (`name: (#eq? ...)`)",
    }
}
