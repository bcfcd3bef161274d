//! The parse engine: parser pool, budgets (size, deadline, cancellation), watchdog, parse
//! threads and incremental documents.
//!
//! # Public API
//!
//! ```text
//! // Budgets (budget.rs)
//! CancelHandle::new() / .cancel() / .is_cancelled()             clonable Arc<AtomicBool>
//! ParseBudget { max_source_bytes: usize, deadline: Duration, cancel: CancelHandle }
//! ParseBudget::new(max_source_bytes, deadline) / .with_cancel(cancel) / default()
//! ParseLimits::for_memory_budget(memory_budget_bytes: u64, cores) -> ParseLimits; ParseLimits::default()
//!     { max_parsers, max_source_bytes }  .worst_case_bytes()
//!
//! // Pool (pool.rs)
//! ParserPool::new(PoolConfig { max_parsers, checkout_timeout })
//! pool.checkout(language_id: &'static str, language: &Language) -> Result<PooledParser, ParseError>
//! pool.checkout_within(language_id, language, wait: Duration) -> Result<PooledParser, ParseError>
//! pool.stats() -> PoolStats { in_use, idle, max_parsers, abandoned, max_abandoned }
//! pooled.abandon_handle().abandon() -> bool      (the watchdog gives up on a stuck parse)
//! PooledParser: Deref<Target = tree_sitter::Parser> + DerefMut; reset and returned on drop
//!
//! // Engine (engine.rs)
//! ParseEngine::new(EngineConfig { pool, input: InputPolicy { reject_nul, require_utf8 }, watchdog })
//! engine.parse(language_id, &Language, source: &[u8], &ParseBudget) -> Result<ParseOutcome, ParseError>
//! engine.reparse(language_id, &Language, source, old_tree: &Tree, &ParseBudget) -> Result<ParseOutcome, ParseError>
//! ParseOutcome { tree, language_id, source_bytes, content_hash, has_errors, elapsed }
//! engine.pool() / engine.watchdog() / engine.quarantine() / engine.health() -> EngineHealth
//! engine.with_quarantine(Quarantine::open(dir) | Quarantine::in_memory())
//!
//! // Quarantine (quarantine.rs)
//! quarantine.reason_for(language, content_hash) / .add(..) / .begin(..) -> InFlightRecord / .close()
//!
//! // Watchdog (watchdog.rs)
//! Watchdog::start(WatchdogConfig { margin, tick }) / .is_healthy() / .stuck_parses() -> Vec<StuckParse>
//!
//! // Threads (thread.rs)
//! PARSE_THREAD_STACK_BYTES; run_on_parse_thread(language_id, || ...) -> Result<R, ParseError>
//!
//! // Documents (document.rs)
//! Document::open(engine, language_id, language, text: String, version: i64, &ParseBudget) -> Result<Document, ParseError>
//! doc.apply_edits(version: i64, edits: &[TextEdit]) -> Result<EditOutcome, EditError>
//! doc.apply_edits_with_budget(version, edits, &ParseBudget) -> Result<EditOutcome, EditError>
//! TextEdit { range: EditRange::{Bytes{start,end} | Points{start,end} | Utf16{start,end}}, new_text }
//! EditOutcome { version, changed_ranges: Vec<tree_sitter::Range>, has_errors, reparse_elapsed }
//! ```
//!
//! Everything that parses runs on the caller's thread: call it from a blocking thread with
//! [`PARSE_THREAD_STACK_BYTES`] of stack, never from an async executor. `docs/parsing.md`
//! explains the memory formula, the stack measurement and the watchdog.

mod budget;
mod document;
mod engine;
mod metrics;
mod pool;
mod quarantine;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;
mod thread;
mod watchdog;

pub use budget::{
    CancelHandle, DEFAULT_PARSE_DEADLINE, DEFAULT_PARSE_MEMORY_BUDGET_BYTES, MAX_SOURCE_CAP_BYTES,
    MIN_SOURCE_CAP_BYTES, ParseBudget, ParseLimits, TREE_BYTES_PER_SOURCE_BYTE, cores,
};
pub(crate) use document::shift_point;
pub use document::{Document, EditError, EditOutcome, EditRange, TextEdit, TextPosition};
pub use engine::{EngineConfig, EngineHealth, InputPolicy, ParseEngine, ParseOutcome};
pub use pool::{
    AbandonHandle, DEFAULT_CHECKOUT_TIMEOUT, DEFAULT_MAX_ABANDONED_THREADS, ParserPool, PoolConfig,
    PoolStats, PooledParser,
};
pub use quarantine::{
    INFLIGHT_FILE, INFLIGHT_RECORD_BYTES, InFlightRecord, MAX_ENTRIES, QUARANTINE_FILE, Quarantine,
    QuarantineReason,
};
pub use thread::{PARSE_THREAD_STACK_BYTES, run_on_parse_thread};
pub use watchdog::{OnStuck, StuckParse, WatchTicket, Watchdog, WatchdogConfig};

/// Why a parse produced no tree. Every variant carries the language id and the facts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The source exceeds the budget's size cap (checked before any work).
    #[error("{language}: source of {bytes} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Registry id of the language.
        language: &'static str,
        /// Size of the source, in bytes.
        bytes: usize,
        /// The cap, in bytes.
        limit: usize,
    },
    /// The parse ran past the budget's deadline and was stopped.
    #[error("{language}: parse stopped after {elapsed_ms} ms, over its {limit_ms} ms deadline")]
    Timeout {
        /// Registry id of the language.
        language: &'static str,
        /// Milliseconds the parse ran.
        elapsed_ms: u64,
        /// The deadline, in milliseconds.
        limit_ms: u64,
    },
    /// The budget's cancel handle was triggered.
    #[error("{language}: parse cancelled")]
    Cancelled {
        /// Registry id of the language.
        language: &'static str,
    },
    /// No pooled parser became free in time.
    #[error("{language}: no parser free after {waited_ms} ms (all {max_parsers} in use)")]
    Busy {
        /// Registry id of the language.
        language: &'static str,
        /// Milliseconds waited for a parser.
        waited_ms: u64,
        /// The pool's size.
        max_parsers: usize,
    },
    /// The source contains a NUL byte: binary content, not source code.
    #[error("{language}: binary content (NUL byte at offset {offset})")]
    Binary {
        /// Registry id of the language.
        language: &'static str,
        /// Byte offset where the problem was found.
        offset: usize,
    },
    /// The source is not valid UTF-8.
    #[error("{language}: invalid UTF-8 after {valid_up_to} valid bytes")]
    InvalidUtf8 {
        /// Registry id of the language.
        language: &'static str,
        /// Length of the valid UTF-8 prefix, in bytes.
        valid_up_to: usize,
    },
    /// The grammar's ABI version is not supported by the linked tree-sitter.
    #[error(
        "{language}: grammar ABI version {abi_version} is not supported by tree-sitter {}",
        tree_sitter_version()
    )]
    IncompatibleLanguage {
        /// Registry id of the language.
        language: &'static str,
        /// The grammar's ABI version.
        abi_version: usize,
    },
    /// The source is quarantined: parsing it overran the deadline by the watchdog margin or
    /// crashed the process before; it is refused without parsing.
    #[error(
        "{language}: content {content_hash:016x} is quarantined: {}",
        .reason.explain()
    )]
    Quarantined {
        /// Registry id of the language.
        language: &'static str,
        /// xxh3-64 hash of the source, the quarantine's key.
        content_hash: u64,
        /// Why the input was quarantined.
        reason: QuarantineReason,
    },
    /// A failure of the engine itself (a panicked or unspawnable parse thread).
    #[error("{language}: internal parse failure: {reason}")]
    Internal {
        /// Registry id of the language.
        language: &'static str,
        /// Why.
        reason: &'static str,
    },
}

impl ParseError {
    /// The language the failed parse was for.
    pub fn language(&self) -> &'static str {
        match self {
            Self::TooLarge { language, .. }
            | Self::Timeout { language, .. }
            | Self::Cancelled { language }
            | Self::Busy { language, .. }
            | Self::Binary { language, .. }
            | Self::InvalidUtf8 { language, .. }
            | Self::IncompatibleLanguage { language, .. }
            | Self::Quarantined { language, .. }
            | Self::Internal { language, .. } => language,
        }
    }

    /// A stable, bounded code for metrics labels and API error codes.
    pub fn reason(&self) -> &'static str {
        use metrics::reason;
        match self {
            Self::TooLarge { .. } => reason::TOO_LARGE,
            Self::Timeout { .. } => reason::TIMEOUT,
            Self::Cancelled { .. } => reason::CANCELLED,
            Self::Busy { .. } => reason::BUSY,
            Self::Binary { .. } => reason::BINARY,
            Self::InvalidUtf8 { .. } => reason::INVALID_UTF8,
            Self::IncompatibleLanguage { .. } => reason::LANGUAGE,
            Self::Quarantined { .. } => reason::QUARANTINED,
            Self::Internal { .. } => reason::INTERNAL,
        }
    }
}

fn tree_sitter_version() -> String {
    format!(
        "ABI {}..={}",
        tree_sitter::MIN_COMPATIBLE_LANGUAGE_VERSION,
        tree_sitter::LANGUAGE_VERSION
    )
}
