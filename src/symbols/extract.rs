//! The per-call half of symbol extraction: run a [`SymbolConfig`]'s tags query within
//! [`QueryLimits`] and turn matches into deduplicated, ordered symbols with containers.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::{Deserialize, Serialize};
use tree_sitter::{Node, QueryCursor, QueryCursorOptions, QueryCursorState, StreamingIterator};

use super::config::{SymbolConfig, SymbolError};
use crate::query::{
    BUDGET_CHECK_INTERVAL, Budget, IncompleteReason, QueryError, QueryLimits, Range, check_source,
    node_text, record_incomplete,
};

/// Whether a symbol is defined or referenced at its position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SymbolRole {
    /// From a `@definition.<kind>` capture.
    Definition,
    /// From a `@reference.<kind>` capture.
    Reference,
}

/// One symbol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Symbol {
    /// The `@name` node's text (at most `max_capture_text_bytes`, invalid UTF-8 replaced).
    pub name: String,
    /// The tag kind: `function`, `class`, `method`, `module`, `interface`, `macro`,
    /// `constant`, `type`, ... for definitions; `call`, `class`, `implementation`, `type`, ...
    /// for references.
    pub kind: String,
    /// Definition or reference.
    pub role: SymbolRole,
    /// The span of the whole definition (the `@definition.*` / `@reference.*` node).
    pub range: Range,
    /// The span of the `@name` node.
    pub name_range: Range,
    /// Index in `symbols` of the innermost *definition* whose range contains this symbol's
    /// range (a method's class, a nested function's function), if any.
    pub parent: Option<usize>,
    /// True when the name's bytes were not valid UTF-8 and `name` is a lossy rendering.
    #[serde(default)]
    pub name_lossy: bool,
}

/// The answer to one extraction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolsResult {
    /// Symbols sorted by start byte, then outer before inner, then by name start.
    pub symbols: Vec<Symbol>,
    /// False when a limit stopped the extraction; `incomplete_reason` says which.
    pub complete: bool,
    /// Why the extraction stopped early, if it did.
    pub incomplete_reason: Option<IncompleteReason>,
}

/// What to extract and within which limits.
#[derive(Debug, Clone, Default)]
pub struct SymbolOptions {
    /// Budgets; `max_captures` bounds the number of symbols.
    pub limits: QueryLimits,
    /// Also return `@reference.*` symbols (default: definitions only).
    pub include_references: bool,
}

/// A per-thread extraction context owning the `QueryCursor`.
#[derive(Default)]
pub struct SymbolContext {
    cursor: QueryCursor,
}

impl std::fmt::Debug for SymbolContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SymbolContext").finish_non_exhaustive()
    }
}

/// A symbol found by a match, before ordering and parent resolution.
struct Candidate {
    symbol: Symbol,
    pattern_index: usize,
}

impl SymbolContext {
    /// A context with a fresh cursor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Extracts symbols from the subtree at `root`, whose text is `source`.
    ///
    /// When several patterns tag the same `@name` node (Rust's method and function
    /// patterns), the earliest pattern wins, as in tree-sitter's `tags` crate. Matches with
    /// an `@ignore` capture and names containing syntax errors are skipped.
    ///
    /// # Errors
    /// [`SymbolError::Query`] for invalid limits, a tree of another grammar, or a tree that
    /// extends past `source`. Running out of budget gives an incomplete result, not an error.
    pub fn extract(
        &mut self,
        config: &SymbolConfig,
        root: Node<'_>,
        source: &[u8],
        options: &SymbolOptions,
    ) -> Result<SymbolsResult, SymbolError> {
        let limits = &options.limits;
        limits.validate()?;
        if *root.language() != config.language {
            return Err(QueryError::LanguageMismatch {
                query_language: config.language_name.clone(),
                tree_language: root.language().name().unwrap_or("unknown").to_owned(),
            }
            .into());
        }
        check_source(&root, source)?;
        let budget = Budget::start(limits);

        self.cursor.set_match_limit(limits.match_limit);
        let mut progress = |_: &QueryCursorState| budget.progress();
        let text_provider =
            |node: Node<'_>| std::iter::once(source.get(node.byte_range()).unwrap_or(&[]));
        let mut matches = self.cursor.matches_with_options(
            &config.query,
            root,
            text_provider,
            QueryCursorOptions::new().progress_callback(&mut progress),
        );

        let mut candidates: Vec<Candidate> = Vec::new();
        let mut by_name_range: HashMap<(usize, usize), usize> = HashMap::new();
        let mut reason = None;
        let mut seen = 0usize;
        while let Some(m) = matches.next() {
            if seen.is_multiple_of(BUDGET_CHECK_INTERVAL)
                && let Some(r) = budget.check()
            {
                reason = Some(r);
                break;
            }
            seen += 1;
            let mut name_node = None;
            let mut tag = None;
            let mut ignored = false;
            for capture in m.captures() {
                if capture.index == config.name_capture {
                    name_node = Some(capture.node);
                } else if Some(capture.index) == config.ignore_capture {
                    ignored = true;
                } else if let Some(t) = config.tag_capture(capture.index) {
                    tag = Some((t, capture.node));
                }
            }
            let (Some(name_node), Some((tag, tag_node))) = (name_node, tag) else {
                continue;
            };
            if ignored || name_node.has_error() {
                continue;
            }
            if !tag.is_definition && !options.include_references {
                continue;
            }
            let name = node_text(source, &name_node, limits.max_capture_text_bytes);
            let candidate = Candidate {
                symbol: Symbol {
                    name: name.text,
                    kind: tag.kind.clone(),
                    role: if tag.is_definition {
                        SymbolRole::Definition
                    } else {
                        SymbolRole::Reference
                    },
                    range: Range::of(&tag_node),
                    name_range: Range::of(&name_node),
                    parent: None,
                    name_lossy: name.lossy,
                },
                pattern_index: m.pattern_index,
            };
            match by_name_range.entry((name_node.start_byte(), name_node.end_byte())) {
                Entry::Occupied(slot) => {
                    let existing = &mut candidates[*slot.get()];
                    if candidate.pattern_index < existing.pattern_index {
                        *existing = candidate;
                    }
                }
                Entry::Vacant(slot) => {
                    if candidates.len() >= limits.max_captures {
                        reason = Some(IncompleteReason::LimitReached);
                        break;
                    }
                    slot.insert(candidates.len());
                    candidates.push(candidate);
                }
            }
        }
        drop(matches);
        let reason = reason.or_else(|| budget.stopped()).or_else(|| {
            self.cursor
                .did_exceed_match_limit()
                .then_some(IncompleteReason::MatchLimitExceeded)
        });
        record_incomplete(reason);

        let mut symbols: Vec<Symbol> = candidates.into_iter().map(|c| c.symbol).collect();
        symbols.sort_by(|a, b| {
            a.range
                .start
                .byte
                .cmp(&b.range.start.byte)
                .then(b.range.end.byte.cmp(&a.range.end.byte))
                .then(a.name_range.start.byte.cmp(&b.name_range.start.byte))
        });
        assign_parents(&mut symbols);
        Ok(SymbolsResult {
            symbols,
            complete: reason.is_none(),
            incomplete_reason: reason,
        })
    }
}

/// Extracts symbols with a fresh [`SymbolContext`].
///
/// # Errors
/// As [`SymbolContext::extract`].
pub fn extract_symbols(
    config: &SymbolConfig,
    root: Node<'_>,
    source: &[u8],
    options: &SymbolOptions,
) -> Result<SymbolsResult, SymbolError> {
    SymbolContext::new().extract(config, root, source, options)
}

/// Sets each symbol's `parent` to the innermost enclosing definition. `symbols` must be
/// sorted by start ascending, end descending; syntax nodes nest or are disjoint, so a stack
/// of open definitions suffices (linear time).
fn assign_parents(symbols: &mut [Symbol]) {
    let mut open: Vec<usize> = Vec::new();
    for i in 0..symbols.len() {
        while let Some(&top) = open.last() {
            if symbols[top].range.contains(&symbols[i].range) {
                break;
            }
            open.pop();
        }
        symbols[i].parent = open.last().copied();
        if symbols[i].role == SymbolRole::Definition {
            open.push(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Position;

    fn sym(name: &str, start: usize, end: usize, role: SymbolRole) -> Symbol {
        let pos = |byte| Position {
            byte,
            row: 0,
            column: byte,
        };
        let range = Range {
            start: pos(start),
            end: pos(end),
        };
        Symbol {
            name: name.to_owned(),
            kind: "function".to_owned(),
            role,
            range,
            name_range: range,
            parent: None,
            name_lossy: false,
        }
    }

    #[test]
    fn parents_are_innermost_enclosing_definitions() {
        use SymbolRole::{Definition as D, Reference as R};
        let mut symbols = vec![
            sym("outer", 0, 100, D),
            sym("inner", 10, 50, D),
            sym("call", 20, 30, R),
            sym("inside_call", 22, 25, D),
            sym("sibling", 60, 90, D),
            sym("after", 120, 130, D),
        ];
        assign_parents(&mut symbols);
        let parents: Vec<_> = symbols.iter().map(|s| s.parent).collect();
        // A reference is never a parent: `inside_call` belongs to `inner`.
        assert_eq!(parents, [None, Some(0), Some(1), Some(1), Some(0), None]);
    }
}
