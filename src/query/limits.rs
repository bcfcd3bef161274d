//! Budgets for one query run (captures, in-progress matches, time, cancellation, sizes) and
//! the reasons a run stops early.

use std::cell::Cell;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::error::QueryError;

/// tree-sitter accepts match limits in `1..=65536`.
pub const MAX_MATCH_LIMIT: u32 = 65_536;

/// Bounds on one query run or symbol extraction.
///
/// A run that hits a bound stops and returns what it has, marked incomplete with an
/// [`IncompleteReason`]; it never errors for running out of budget.
#[derive(Debug, Clone)]
pub struct QueryLimits {
    /// Most captures (for symbols: most symbols) returned. Hitting it gives
    /// [`IncompleteReason::LimitReached`].
    pub max_captures: usize,
    /// Most in-progress matches the cursor keeps (tree-sitter's match limit, `1..=65536`).
    /// When exceeded, tree-sitter drops the oldest in-progress matches and the result is
    /// [`IncompleteReason::MatchLimitExceeded`]. It bounds memory, not time.
    pub match_limit: u32,
    /// Wall-clock budget for the run, checked from tree-sitter's progress callback (every
    /// ~100 cursor operations) and between captures. Gives [`IncompleteReason::Deadline`].
    pub deadline: Duration,
    /// Longest query text accepted, in bytes; longer is [`QueryError::TooLarge`].
    pub max_query_bytes: usize,
    /// Longest text returned per capture, in bytes; longer text is cut at a character
    /// boundary and flagged `text_truncated`. Keeps a capture of the root node of a 50 MB
    /// file from copying 50 MB.
    pub max_capture_text_bytes: usize,
    /// Total text of all captures returned, in bytes; the capture that would pass it is not
    /// returned and the result is [`IncompleteReason::TextLimitReached`]. With
    /// `max_captures` it bounds the memory of one answer (100 000 captures × 4 KiB would
    /// otherwise be 400 MB).
    pub max_total_text_bytes: usize,
    /// Most top-level patterns in a query text (counted before compiling).
    pub max_patterns: usize,
    /// Most predicates and directives in a query text (counted before compiling).
    pub max_predicates: usize,
    /// Longest regex of a `#match?`-family predicate, in bytes (checked before compiling).
    pub max_regex_bytes: usize,
    /// A compile that takes longer is refused, and the same text (up to whitespace) is then
    /// refused at once.
    pub compile_timeout: Duration,
    /// Set to `true` from any thread to stop the run: [`IncompleteReason::Cancelled`].
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_captures: crate::limits::QUERY_MAX_CAPTURES as usize,
            match_limit: crate::limits::QUERY_MATCH_LIMIT,
            deadline: crate::limits::QUERY_TIMEOUT,
            max_query_bytes: crate::limits::QUERY_MAX_BYTES as usize,
            max_capture_text_bytes: crate::limits::QUERY_MAX_CAPTURE_TEXT_BYTES,
            max_total_text_bytes: crate::limits::QUERY_MAX_TOTAL_TEXT_BYTES as usize,
            max_patterns: crate::limits::QUERY_MAX_PATTERNS as usize,
            max_predicates: crate::limits::QUERY_MAX_PREDICATES as usize,
            max_regex_bytes: crate::limits::QUERY_MAX_REGEX_BYTES as usize,
            compile_timeout: crate::limits::QUERY_COMPILE_TIMEOUT,
            cancel: None,
        }
    }
}

impl QueryLimits {
    /// Checks the limits tree-sitter itself constrains.
    ///
    /// # Errors
    /// [`QueryError::InvalidLimits`] when `match_limit` is 0 or above [`MAX_MATCH_LIMIT`].
    pub fn validate(&self) -> Result<(), QueryError> {
        if self.match_limit == 0 || self.match_limit > MAX_MATCH_LIMIT {
            return Err(QueryError::InvalidLimits {
                field: "match_limit",
                value: u64::from(self.match_limit),
                reason: "must be in 1..=65536",
            });
        }
        Ok(())
    }
}

/// Why a result is incomplete. Serialised in snake_case; the same strings label
/// `syntaxd_query_incomplete_total{reason}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncompleteReason {
    /// `max_captures` (or most symbols) reached; more results exist.
    LimitReached,
    /// `max_total_text_bytes` reached: the captured text would exceed it.
    TextLimitReached,
    /// The cursor had more in-progress matches than `match_limit` and dropped some.
    MatchLimitExceeded,
    /// The `deadline` passed.
    Deadline,
    /// The cancel flag was set.
    Cancelled,
}

impl IncompleteReason {
    /// The metric label and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LimitReached => "limit_reached",
            Self::TextLimitReached => "text_limit_reached",
            Self::MatchLimitExceeded => "match_limit_exceeded",
            Self::Deadline => "deadline",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether a result stopped for this reason is the same every time for the same input
    /// and limits, and so may be cached.
    pub fn is_deterministic(self) -> bool {
        matches!(
            self,
            Self::LimitReached | Self::TextLimitReached | Self::MatchLimitExceeded
        )
    }
}

/// The time and cancellation half of [`QueryLimits`] for one run, shared by the progress
/// callback and the collecting loop (hence the `Cell`).
pub(crate) struct Budget<'a> {
    deadline_at: Option<Instant>,
    cancel: Option<&'a AtomicBool>,
    stopped: Cell<Option<IncompleteReason>>,
}

impl<'a> Budget<'a> {
    pub(crate) fn start(limits: &'a QueryLimits) -> Self {
        Self {
            // A deadline too far to represent is no deadline.
            deadline_at: Instant::now().checked_add(limits.deadline),
            cancel: limits.cancel.as_deref(),
            stopped: Cell::new(None),
        }
    }

    /// Records and returns the reason to stop, if any.
    pub(crate) fn check(&self) -> Option<IncompleteReason> {
        if let Some(reason) = self.stopped.get() {
            return Some(reason);
        }
        let reason = if self.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            Some(IncompleteReason::Cancelled)
        } else if self.deadline_at.is_some_and(|at| Instant::now() >= at) {
            Some(IncompleteReason::Deadline)
        } else {
            None
        };
        if reason.is_some() {
            self.stopped.set(reason);
        }
        reason
    }

    /// The progress-callback answer.
    pub(crate) fn progress(&self) -> ControlFlow<()> {
        match self.check() {
            Some(_) => ControlFlow::Break(()),
            None => ControlFlow::Continue(()),
        }
    }

    /// The reason recorded so far, without checking again.
    pub(crate) fn stopped(&self) -> Option<IncompleteReason> {
        self.stopped.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_limit_outside_tree_sitter_range_is_rejected() {
        let mut limits = QueryLimits {
            match_limit: 0,
            ..QueryLimits::default()
        };
        assert!(matches!(
            limits.validate(),
            Err(QueryError::InvalidLimits {
                field: "match_limit",
                value: 0,
                ..
            })
        ));
        limits.match_limit = MAX_MATCH_LIMIT + 1;
        assert!(limits.validate().is_err());
        limits.match_limit = MAX_MATCH_LIMIT;
        assert!(limits.validate().is_ok());
    }

    #[test]
    fn cancel_flag_stops_budget_and_reason_sticks() {
        let flag = Arc::new(AtomicBool::new(false));
        let limits = QueryLimits {
            cancel: Some(flag.clone()),
            ..QueryLimits::default()
        };
        let budget = Budget::start(&limits);
        assert_eq!(budget.check(), None);
        flag.store(true, Ordering::Relaxed);
        assert_eq!(budget.check(), Some(IncompleteReason::Cancelled));
        flag.store(false, Ordering::Relaxed);
        assert_eq!(budget.stopped(), Some(IncompleteReason::Cancelled));
    }

    #[test]
    fn zero_deadline_is_already_over() {
        let limits = QueryLimits {
            deadline: Duration::ZERO,
            ..QueryLimits::default()
        };
        assert_eq!(
            Budget::start(&limits).check(),
            Some(IncompleteReason::Deadline)
        );
    }

    #[test]
    fn huge_deadline_means_no_deadline() {
        let limits = QueryLimits {
            deadline: Duration::MAX,
            ..QueryLimits::default()
        };
        assert_eq!(Budget::start(&limits).check(), None);
    }
}
