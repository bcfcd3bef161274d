//! Parse budgets: the size cap, the deadline and the cancellation handle every parse carries,
//! and the memory formula that derives the default size cap and parse concurrency.
//!
//! # Memory formula
//!
//! A live tree-sitter tree costs up to [`TREE_BYTES_PER_SOURCE_BYTE`] (≈ 80) bytes of memory per
//! byte of source for dense input such as minified JavaScript, and the source itself is held
//! while it is parsed. With `P` parses running at once (the parser pool's `max_parsers`) and a
//! per-parse cap of `S` source bytes, the worst case held by parsing is
//!
//! ```text
//! worst_case_bytes = P × S × (TREE_BYTES_PER_SOURCE_BYTE + 1)
//! ```
//!
//! [`ParseLimits::for_memory_budget`] solves this for a memory budget `M`:
//!
//! ```text
//! P = min(cores, floor(M / (MIN_SOURCE_CAP_BYTES × 81)))      (at least 1)
//! S = min(MAX_SOURCE_CAP_BYTES, floor(M / (P × 81)))
//! ```
//!
//! so the size cap never drops below [`MIN_SOURCE_CAP_BYTES`] (1 MiB) on machines with many
//! cores — concurrency is reduced instead — and never grows past [`MAX_SOURCE_CAP_BYTES`]
//! (16 MiB) on machines with few. With the default budget of 2 GiB on 2 cores this gives
//! `P = 2`, `S = 13 256 071` bytes (≈ 12.6 MiB); on 8 cores `P = 8`, `S = 3 314 017` bytes.
//! `docs/parsing.md` repeats this table.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// Worst-case bytes of tree memory per byte of source (minified code; measured by the
/// engine's benchmark, typical source is 10–30×).
pub const TREE_BYTES_PER_SOURCE_BYTE: u64 = 80;

/// Default memory budget for everything parsing holds at once (trees under construction plus
/// their sources): 2 GiB.
pub const DEFAULT_PARSE_MEMORY_BUDGET_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// The size cap is never derived below this; concurrency is reduced instead.
pub const MIN_SOURCE_CAP_BYTES: u64 = 1024 * 1024;

/// The size cap is never derived above this, however large the budget.
pub const MAX_SOURCE_CAP_BYTES: u64 = crate::limits::PARSE_MAX_SOURCE_BYTES;

/// Default deadline of one parse.
pub const DEFAULT_PARSE_DEADLINE: Duration = crate::limits::PARSE_TIMEOUT;

/// A cheap, clonable cancellation flag. Any clone may [`cancel`](Self::cancel) from any
/// thread; a parse polls it from tree-sitter's progress callback (every ~100 parser operations)
/// and stops with [`ParseError::Cancelled`](super::ParseError::Cancelled).
#[derive(Clone, Default)]
pub struct CancelHandle(Arc<AtomicBool>);

impl CancelHandle {
    /// A fresh, untriggered handle.
    pub fn new() -> Self {
        Self::default()
    }

    /// Request cancellation. Idempotent.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// The shared flag itself, for budgets that take one (e.g. a query's `QueryLimits`).
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelHandle")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// The limits one parse runs under.
#[derive(Clone, Debug)]
pub struct ParseBudget {
    /// Sources longer than this are refused with `TooLarge` before any parsing.
    pub max_source_bytes: usize,
    /// Wall-clock time allowed from the call to the end of the parse, including the wait for a
    /// pooled parser.
    pub deadline: Duration,
    /// Triggered by the caller (e.g. when an HTTP client goes away).
    pub cancel: CancelHandle,
}

impl ParseBudget {
    /// A budget with the given cap and deadline and a fresh cancel handle.
    pub fn new(max_source_bytes: usize, deadline: Duration) -> Self {
        Self {
            max_source_bytes,
            deadline,
            cancel: CancelHandle::new(),
        }
    }

    /// The same limits with `cancel` as the cancel handle.
    pub fn with_cancel(mut self, cancel: CancelHandle) -> Self {
        self.cancel = cancel;
        self
    }
}

impl Default for ParseBudget {
    /// The cap derived from the default memory budget and this machine's cores, and
    /// [`DEFAULT_PARSE_DEADLINE`].
    fn default() -> Self {
        Self::new(
            ParseLimits::default().max_source_bytes,
            DEFAULT_PARSE_DEADLINE,
        )
    }
}

/// Parse concurrency and size cap derived from a memory budget (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseLimits {
    /// How many parses may run at once (the pool's `max_parsers`).
    pub max_parsers: usize,
    /// The per-parse source cap.
    pub max_source_bytes: usize,
}

impl ParseLimits {
    /// Solve the memory formula for `memory_budget_bytes` on a machine with `cores` cores.
    pub fn for_memory_budget(memory_budget_bytes: u64, cores: usize) -> Self {
        let per_byte = TREE_BYTES_PER_SOURCE_BYTE + 1;
        let by_budget = memory_budget_bytes / (MIN_SOURCE_CAP_BYTES * per_byte);
        let parsers = (cores.max(1) as u64).min(by_budget).max(1);
        let cap = (memory_budget_bytes / (parsers * per_byte)).min(MAX_SOURCE_CAP_BYTES);
        Self {
            max_parsers: usize::try_from(parsers).unwrap_or(usize::MAX),
            max_source_bytes: usize::try_from(cap).unwrap_or(usize::MAX),
        }
    }

    /// The worst-case bytes held by parsing under these limits.
    pub fn worst_case_bytes(&self) -> u64 {
        (self.max_parsers as u64)
            .saturating_mul(self.max_source_bytes as u64)
            .saturating_mul(TREE_BYTES_PER_SOURCE_BYTE + 1)
    }
}

impl Default for ParseLimits {
    /// The limits for [`DEFAULT_PARSE_MEMORY_BUDGET_BYTES`] on this machine's cores (computed
    /// once: reading the core count can touch cgroup files).
    fn default() -> Self {
        static DEFAULT: LazyLock<ParseLimits> = LazyLock::new(|| {
            ParseLimits::for_memory_budget(DEFAULT_PARSE_MEMORY_BUDGET_BYTES, cores())
        });
        *DEFAULT
    }
}

/// Available cores (1 if unknown).
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_is_seen_by_every_clone() {
        let a = CancelHandle::new();
        let b = a.clone();
        assert!(!b.is_cancelled());
        std::thread::spawn(move || a.cancel()).join().unwrap();
        assert!(b.is_cancelled());
    }

    #[test]
    fn derived_limits_fit_the_memory_budget() {
        for cores in [1, 2, 4, 8, 16, 64, 256] {
            for budget in [64 << 20, 512 << 20, 2u64 << 30, 16u64 << 30] {
                let l = ParseLimits::for_memory_budget(budget, cores);
                assert!(l.max_parsers >= 1 && l.max_parsers <= cores);
                assert!(l.max_source_bytes as u64 <= MAX_SOURCE_CAP_BYTES);
                // The budget holds, except when it is below one minimum-cap parse.
                if budget >= MIN_SOURCE_CAP_BYTES * 81 {
                    assert!(l.worst_case_bytes() <= budget, "{cores} {budget} {l:?}");
                    assert!(l.max_source_bytes as u64 >= MIN_SOURCE_CAP_BYTES);
                }
            }
        }
    }

    #[test]
    fn default_limits_match_the_documented_table() {
        let two = ParseLimits::for_memory_budget(DEFAULT_PARSE_MEMORY_BUDGET_BYTES, 2);
        assert_eq!(two.max_parsers, 2);
        assert_eq!(two.max_source_bytes, 13_256_071);
        let eight = ParseLimits::for_memory_budget(DEFAULT_PARSE_MEMORY_BUDGET_BYTES, 8);
        assert_eq!(eight.max_source_bytes, 3_314_017);
    }
}
