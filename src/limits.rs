//! The default limits, one set shared by the library (`ParseBudget`, `PoolConfig`,
//! `QueryLimits` defaults) and the daemon's configuration (`config::Config` defaults, documented
//! in `docs/configuration.md`). Change a default here and both follow.

use std::time::Duration;

/// Largest source parsed (`parse.max_source_bytes`): 16 MiB. The memory-derived cap of
/// `parse::ParseLimits` never exceeds it.
pub const PARSE_MAX_SOURCE_BYTES: u64 = 16 << 20;
/// Deadline of one parse (`parse.timeout_ms`).
pub const PARSE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait for a pooled parser (`parse.pool_wait_ms`).
pub const PARSE_POOL_WAIT: Duration = Duration::from_secs(2);
/// How long past its deadline a parse may run before the watchdog gives up on it
/// (`parse.watchdog_margin_ms`).
pub const PARSE_WATCHDOG_MARGIN: Duration = Duration::from_secs(2);
/// Most parse threads abandoned at once (`parse.max_abandoned_threads`).
pub const PARSE_MAX_ABANDONED_THREADS: u64 = 2;

/// Largest query text (`query.max_query_bytes`): 64 KiB.
pub const QUERY_MAX_BYTES: u64 = 64 << 10;
/// Deadline of one query run (`query.timeout_ms`).
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(2);
/// Most captures one query run returns (`query.max_captures`).
pub const QUERY_MAX_CAPTURES: u64 = 100_000;
/// tree-sitter's in-progress match limit (`query.match_limit`).
pub const QUERY_MATCH_LIMIT: u32 = 10_000;
/// Longest capture text returned inline, in bytes.
pub const QUERY_MAX_CAPTURE_TEXT_BYTES: usize = 4 << 10;
/// Total text of all captures of one answer (`query.max_captured_text_bytes`): 16 MiB.
pub const QUERY_MAX_TOTAL_TEXT_BYTES: u64 = 16 << 20;
/// Most top-level patterns in a query text (`query.max_patterns`).
pub const QUERY_MAX_PATTERNS: u64 = 1_024;
/// Most predicates and directives in a query text (`query.max_predicates`).
pub const QUERY_MAX_PREDICATES: u64 = 512;
/// Longest regex of a `#match?`-family predicate (`query.max_regex_bytes`).
pub const QUERY_MAX_REGEX_BYTES: u64 = 2_048;
/// Longest query compile (`query.compile_timeout_ms`).
pub const QUERY_COMPILE_TIMEOUT: Duration = Duration::from_secs(1);

/// Milliseconds of a duration, for the configuration's `*_ms` keys.
pub(crate) const fn millis(d: Duration) -> u64 {
    d.as_secs() * 1000 + d.subsec_millis() as u64
}
