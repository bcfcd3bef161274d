//! Running a compiled query over a tree within [`QueryLimits`]: captures in document order,
//! text predicates applied, results marked incomplete with a reason when a limit stops them.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use tree_sitter::{Node, QueryCursor, QueryCursorOptions, QueryCursorState, StreamingIterator};

use super::compiled::CompiledQuery;
use super::error::QueryError;
use super::limits::{Budget, IncompleteReason, QueryLimits};
use super::metrics;
use crate::position::Position;

/// How many captures (or matches) are collected between two explicit budget checks; the
/// progress callback also checks every ~100 cursor operations.
pub(crate) const BUDGET_CHECK_INTERVAL: usize = 256;

/// One captured node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capture {
    /// The capture's name without `@`.
    pub name: String,
    /// The grammar's node kind, e.g. `function_definition`.
    pub node_kind: String,
    /// The node's source text, at most `max_capture_text_bytes` bytes (see `text_truncated`);
    /// invalid UTF-8 is replaced by U+FFFD (see `text_lossy`).
    pub text: String,
    /// True when the source bytes were not valid UTF-8 and `text` is a lossy rendering.
    #[serde(default)]
    pub text_lossy: bool,
    /// True when `text` was cut at `max_capture_text_bytes` (at a character boundary).
    #[serde(default)]
    pub text_truncated: bool,
    /// Start of the node.
    pub start: Position,
    /// End of the node (exclusive).
    pub end: Position,
    /// Index of the query pattern that produced this capture.
    pub pattern_index: usize,
}

/// The answer to one query run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryResult {
    /// Captures sorted by start byte (stable: ties keep tree-sitter's order).
    pub captures: Vec<Capture>,
    /// False when a limit stopped the run; `incomplete_reason` then says which.
    pub complete: bool,
    /// Why the run stopped early, if it did.
    pub incomplete_reason: Option<IncompleteReason>,
}

impl QueryResult {
    /// The heap and inline bytes this result holds (allocated capacities, not lengths), for
    /// byte-bounded caches.
    pub fn weight_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.captures.capacity() * std::mem::size_of::<Capture>()
            + self
                .captures
                .iter()
                .map(|c| c.name.capacity() + c.node_kind.capacity() + c.text.capacity())
                .sum::<usize>()
    }
}

/// A per-thread (or per-call) query context owning the `QueryCursor`; the compiled query
/// stays shared and immutable, as in tree-sitter's `tags` crate.
#[derive(Default)]
pub struct QueryContext {
    cursor: QueryCursor,
}

impl std::fmt::Debug for QueryContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryContext").finish_non_exhaustive()
    }
}

impl QueryContext {
    /// A context with a fresh cursor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `compiled` over the subtree at `root`, whose text is `source`.
    ///
    /// Predicates `#eq?`, `#not-eq?`, `#match?`, `#not-match?`, `#any-of?` (and their `any-`
    /// forms) are applied by tree-sitter; other predicates (`#set!`, `#is?`, `#strip!`, ...)
    /// are ignored. Captures whose name starts with `_` are private to predicates and are
    /// not returned.
    ///
    /// # Errors
    /// [`QueryError::InvalidLimits`], [`QueryError::LanguageMismatch`] when the query was
    /// compiled for another grammar, [`QueryError::SourceMismatch`] when the tree extends
    /// past `source`. Running out of budget is not an error: the result is incomplete.
    pub fn run(
        &mut self,
        compiled: &CompiledQuery,
        root: Node<'_>,
        source: &[u8],
        limits: &QueryLimits,
    ) -> Result<QueryResult, QueryError> {
        limits.validate()?;
        check_tree(compiled, &root, source)?;
        let started = Instant::now();
        let budget = Budget::start(limits);
        let names = compiled.capture_names();
        let query = compiled.query();

        self.cursor.set_match_limit(limits.match_limit);
        let mut progress = |_: &QueryCursorState| budget.progress();
        let text_provider =
            |node: Node<'_>| std::iter::once(source.get(node.byte_range()).unwrap_or(&[]));
        let mut iter = self.cursor.captures_with_options(
            query,
            root,
            text_provider,
            QueryCursorOptions::new().progress_callback(&mut progress),
        );

        let mut captures = Vec::new();
        let mut reason = None;
        let mut seen = 0usize;
        let mut text_bytes = 0usize;
        while let Some((m, capture_ix)) = iter.next() {
            if seen.is_multiple_of(BUDGET_CHECK_INTERVAL)
                && let Some(r) = budget.check()
            {
                reason = Some(r);
                break;
            }
            seen += 1;
            let Some(capture) = m.captures().get(*capture_ix) else {
                continue;
            };
            let name = names.get(capture.index as usize).copied().unwrap_or("");
            if name.starts_with('_') {
                continue;
            }
            if captures.len() >= limits.max_captures {
                reason = Some(IncompleteReason::LimitReached);
                break;
            }
            let node = capture.node;
            let text = node_text(source, &node, limits.max_capture_text_bytes);
            if text_bytes + text.text.len() > limits.max_total_text_bytes {
                reason = Some(IncompleteReason::TextLimitReached);
                break;
            }
            text_bytes += text.text.len();
            captures.push(Capture {
                name: name.to_owned(),
                node_kind: node.kind().to_owned(),
                text: text.text,
                text_lossy: text.lossy,
                text_truncated: text.truncated,
                start: Position::start_of(&node),
                end: Position::end_of(&node),
                pattern_index: m.pattern_index,
            });
        }
        drop(iter);
        let reason = reason.or_else(|| budget.stopped()).or_else(|| {
            self.cursor
                .did_exceed_match_limit()
                .then_some(IncompleteReason::MatchLimitExceeded)
        });
        captures.sort_by_key(|c| c.start.byte);

        metrics::QUERY_DURATION_SECONDS
            .with_label_values(&[compiled.language_id()])
            .observe(started.elapsed().as_secs_f64());
        record_incomplete(reason);
        Ok(QueryResult {
            captures,
            complete: reason.is_none(),
            incomplete_reason: reason,
        })
    }
}

/// Runs `compiled` over the subtree at `root` with a fresh [`QueryContext`].
///
/// # Errors
/// As [`QueryContext::run`].
pub fn run_query(
    compiled: &CompiledQuery,
    root: Node<'_>,
    source: &[u8],
    limits: &QueryLimits,
) -> Result<QueryResult, QueryError> {
    QueryContext::new().run(compiled, root, source, limits)
}

/// Counts an incomplete run in `syntaxd_query_incomplete_total{reason}`.
pub(crate) fn record_incomplete(reason: Option<IncompleteReason>) {
    if let Some(reason) = reason {
        metrics::INCOMPLETE_TOTAL
            .with_label_values(&[reason.as_str()])
            .inc();
    }
}

/// Rejects a tree of another grammar or one that extends past its source.
fn check_tree(compiled: &CompiledQuery, root: &Node<'_>, source: &[u8]) -> Result<(), QueryError> {
    let tree_language = root.language();
    if *tree_language != *compiled.language() {
        return Err(QueryError::LanguageMismatch {
            query_language: compiled.language_id().to_owned(),
            tree_language: tree_language.name().unwrap_or("unknown").to_owned(),
        });
    }
    check_source(root, source)
}

/// Rejects a tree that extends past its source (a caller pairing the wrong text and tree).
pub(crate) fn check_source(root: &Node<'_>, source: &[u8]) -> Result<(), QueryError> {
    if root.end_byte() > source.len() {
        return Err(QueryError::SourceMismatch {
            tree_end_byte: root.end_byte(),
            source_len: source.len(),
        });
    }
    Ok(())
}

/// A node's text as returned to clients.
pub(crate) struct NodeText {
    pub(crate) text: String,
    pub(crate) lossy: bool,
    pub(crate) truncated: bool,
}

/// The text of `node`, cut to `max_bytes` at a character boundary, invalid UTF-8 replaced.
/// Never panics: a node outside `source` has empty text.
pub(crate) fn node_text(source: &[u8], node: &Node<'_>, max_bytes: usize) -> NodeText {
    let bytes = source.get(node.byte_range()).unwrap_or(&[]);
    let (mut cut, truncated) = match bytes.get(..max_bytes) {
        Some(prefix) if bytes.len() > max_bytes => (prefix, true),
        _ => (bytes, false),
    };
    if truncated
        && let Err(err) = std::str::from_utf8(cut)
        && err.error_len().is_none()
    {
        // The cut fell inside a multi-byte character: drop its first bytes.
        cut = cut.get(..err.valid_up_to()).unwrap_or(&[]);
    }
    match std::str::from_utf8(cut) {
        Ok(text) => NodeText {
            text: text.to_owned(),
            lossy: false,
            truncated,
        },
        Err(_) => NodeText {
            text: String::from_utf8_lossy(cut).into_owned(),
            lossy: true,
            truncated,
        },
    }
}

#[cfg(all(test, feature = "tree-sitter-python"))]
mod tests {
    use super::*;

    fn with_root<R>(source: &[u8], f: impl FnOnce(Node<'_>) -> R) -> R {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("grammar ABI is supported");
        let tree = parser.parse(source, None).expect("no budget set");
        f(tree.root_node())
    }

    #[test]
    fn node_text_outside_source_is_empty_not_a_panic() {
        with_root(b"x = 1\n", |root| {
            let text = node_text(b"x", &root, 100);
            assert_eq!(text.text, "");
            assert!(!text.lossy && !text.truncated);
        });
    }

    #[test]
    fn node_text_cut_inside_a_character_drops_the_partial_character() {
        let source = "s = 'ü'\n".as_bytes();
        with_root(source, |root| {
            // "s = '" is 5 bytes; byte 6 is the second byte of `ü`.
            let text = node_text(source, &root, 6);
            assert_eq!(text.text, "s = '");
            assert!(text.truncated);
            assert!(!text.lossy);
        });
    }

    #[test]
    fn node_text_with_invalid_bytes_is_lossy() {
        let source: &[u8] = b"s = '\xff'\n";
        with_root(source, |root| {
            let text = node_text(source, &root, 100);
            assert_eq!(text.text, "s = '\u{FFFD}'\n");
            assert!(text.lossy);
        });
    }

    #[test]
    fn result_weight_counts_capture_text() {
        let small = QueryResult {
            captures: Vec::new(),
            complete: true,
            incomplete_reason: None,
        };
        let pos = Position {
            byte: 0,
            row: 0,
            column: 0,
        };
        let mut big = small.clone();
        big.captures.push(Capture {
            name: "n".to_owned(),
            node_kind: "identifier".to_owned(),
            text: "x".repeat(1000),
            text_lossy: false,
            text_truncated: false,
            start: pos,
            end: pos,
            pattern_index: 0,
        });
        assert!(big.weight_bytes() >= small.weight_bytes() + 1000);
    }
}
