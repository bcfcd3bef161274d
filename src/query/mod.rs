//! Syntax queries: compile once (cached by language and query hash), run within limits
//! (captures, in-progress matches, deadline, cancellation), answer repeated queries on
//! unchanged content from a result cache. See `docs/queries.md`.
//!
//! The split follows tree-sitter's `tags` crate: [`CompiledQuery`] is immutable and shared
//! across threads; [`QueryContext`] owns the per-thread `QueryCursor`.

mod cache;
mod check;
mod compiled;
mod error;
mod limits;
mod metrics;
mod run;
mod shape;

pub use crate::position::{Position, Range};
pub use cache::{
    COMPILED_BYTES_PER_QUERY_BYTE, COMPILED_OVERHEAD_BYTES, CacheStats, QueryCache, QueryEngine,
    RESULT_OVERHEAD_BYTES, ResultCache, ResultKey,
};
pub use check::{CheckOutcome, CompileCheck};
pub use compiled::{CompiledQuery, query_hash};
pub use error::{InvalidQueryKind, QueryError};
pub use limits::{IncompleteReason, MAX_MATCH_LIMIT, QueryLimits};
pub use run::{Capture, QueryContext, QueryResult, run_query};
pub use shape::{QueryShape, inspect};

pub(crate) use limits::Budget;
pub(crate) use run::{BUDGET_CHECK_INTERVAL, check_source, node_text, record_incomplete};
