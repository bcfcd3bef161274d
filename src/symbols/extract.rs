//! The per-call half of symbol extraction: run a [`SymbolConfig`]'s tags query within
//! [`QueryLimits`] and turn matches into deduplicated, ordered symbols with normalised kinds,
//! containers, full and name ranges, declarations and doc comments.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::{Deserialize, Serialize};
use tree_sitter::{Node, QueryCursor, QueryCursorOptions, QueryCursorState, StreamingIterator};

use super::config::{SymbolConfig, SymbolError};
use super::doc;
use super::kind;
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

/// Version of the symbols JSON stored in cache entries (the serialised [`SymbolsResult`]).
/// A stored list of another version is re-extracted on use, never served.
/// - 1 (implicit, no `symbols_format` field): name, kind (the tag kind), role, range,
///   name_range, parent, name_lossy.
/// - 2: `kind` normalised; `tag_kind`, `lsp_kind`, `declaration`, `container`,
///   `container_kind`, `doc` added; C declarators widened to their declaration.
pub const SYMBOLS_FORMAT_VERSION: u32 = 2;

/// One symbol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Symbol {
    /// The `@name` node's text (at most `max_capture_text_bytes`, invalid UTF-8 replaced).
    pub name: String,
    /// The normalised kind (see `docs/symbols.md`): `function`, `method`, `constructor`,
    /// `class`, `interface`, `struct`, `enum`, `enum_member`, `type_alias`, `module`,
    /// `namespace`, `constant`, `variable`, `field`, `macro`, `heading`, `key`, `target`, ...
    /// for definitions; the tag kind (`call`, `class`, `implementation`, ...) for references
    /// and for tag kinds outside the normalised set.
    pub kind: String,
    /// The kind as the tags query wrote it (`@definition.<tag_kind>`).
    #[serde(default)]
    pub tag_kind: String,
    /// The LSP `SymbolKind` number of `kind` (13 = Variable for kinds outside the set).
    #[serde(default)]
    pub lsp_kind: u8,
    /// Definition or reference.
    pub role: SymbolRole,
    /// True for a declaration whose definition is elsewhere (a C prototype, a Rust trait
    /// method without a body, a TypeScript signature, an abstract Java method).
    #[serde(default)]
    pub declaration: bool,
    /// The span of the whole definition (the `@definition.*` node; a C declarator is widened
    /// to its function definition or declaration).
    pub range: Range,
    /// The span of the `@name` node (LSP's selection range).
    pub name_range: Range,
    /// Index in `symbols` of the innermost *definition* whose range contains this symbol's
    /// range (a method's class, a nested function's function), if any.
    pub parent: Option<usize>,
    /// The name of the `parent` symbol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The kind of the `parent` symbol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_kind: Option<String>,
    /// The first line of the symbol's doc comment: the query's `@doc` capture, a Python
    /// docstring, or the comment block immediately above the definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    /// True when the name's bytes were not valid UTF-8 and `name` is a lossy rendering.
    #[serde(default)]
    pub name_lossy: bool,
}

/// The answer to one extraction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolsResult {
    /// [`SYMBOLS_FORMAT_VERSION`] when extracted by this syntaxd (0 when read from a list
    /// stored before the field existed). Serialised first, so a stored list's version is
    /// known from its first bytes.
    #[serde(default)]
    pub symbols_format: u32,
    /// Symbols sorted by start byte, then outer before inner, then by name start.
    pub symbols: Vec<Symbol>,
    /// False when a limit stopped the extraction; `incomplete_reason` says which.
    pub complete: bool,
    /// Why the extraction stopped early, if it did.
    pub incomplete_reason: Option<IncompleteReason>,
}

impl SymbolsResult {
    /// The prefix every stored list of the current format starts with.
    pub const STORED_PREFIX: &'static [u8] = b"{\"symbols_format\":2,";

    /// True when `stored` (a serialised result) is of the current format and complete or
    /// cut by a deterministic limit, so it may be served as stored. Lists cut by a deadline
    /// or a cancellation are never stored (see `pipeline`), but an old store may hold some.
    pub fn is_current(stored: &[u8]) -> bool {
        stored.starts_with(Self::STORED_PREFIX)
    }

    /// The result as stored in cache entries and answered by `/v1/symbols`.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self)
            .expect("a SymbolsResult has only string keys and finite numbers: serialisable")
    }
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
pub(super) struct Candidate<'tree> {
    pub(super) symbol: Symbol,
    pattern_index: usize,
    /// The (widened) definition node, for kind refinement.
    node: Node<'tree>,
    /// The doc came from before the definition (a comment block above it).
    doc_above: bool,
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
        self.extract_with_flags(config, root, source, options)
            .map(|(result, _)| result)
    }

    /// [`extract`](Self::extract), with per symbol whether its doc came from above it.
    pub(super) fn extract_with_flags(
        &mut self,
        config: &SymbolConfig,
        root: Node<'_>,
        source: &[u8],
        options: &SymbolOptions,
    ) -> Result<(SymbolsResult, Vec<bool>), SymbolError> {
        self.check(config, root, source, options)?;
        let (candidates, reason) = self.collect(config, root, source, options, 0..usize::MAX);
        record_incomplete(reason);
        let (symbols, doc_above) = finish(candidates);
        Ok((
            SymbolsResult {
                symbols_format: SYMBOLS_FORMAT_VERSION,
                symbols,
                complete: reason.is_none(),
                incomplete_reason: reason,
            },
            doc_above,
        ))
    }

    /// Refuses invalid limits, a tree of another grammar and a tree longer than `source`.
    pub(super) fn check(
        &self,
        config: &SymbolConfig,
        root: Node<'_>,
        source: &[u8],
        options: &SymbolOptions,
    ) -> Result<(), SymbolError> {
        options.limits.validate()?;
        if *root.language() != config.language {
            return Err(QueryError::LanguageMismatch {
                query_language: config.language_name.clone(),
                tree_language: root.language().name().unwrap_or("unknown").to_owned(),
            }
            .into());
        }
        check_source(&root, source)?;
        Ok(())
    }

    /// The deduplicated candidates of the matches intersecting `bytes` (unordered), and why
    /// the run stopped early, if it did.
    pub(super) fn collect<'tree>(
        &mut self,
        config: &SymbolConfig,
        root: Node<'tree>,
        source: &[u8],
        options: &SymbolOptions,
        bytes: std::ops::Range<usize>,
    ) -> (Vec<Candidate<'tree>>, Option<IncompleteReason>) {
        let limits = &options.limits;
        let budget = Budget::start(limits);

        self.cursor.set_match_limit(limits.match_limit);
        self.cursor.set_byte_range(bytes);
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
            let mut doc_nodes: Vec<Node<'_>> = Vec::new();
            for capture in m.captures() {
                if capture.index == config.name_capture {
                    name_node = Some(capture.node);
                } else if Some(capture.index) == config.ignore_capture {
                    ignored = true;
                } else if Some(capture.index) == config.doc_capture {
                    doc_nodes.push(capture.node);
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
            let (node, declaration) = if tag.is_definition {
                let (node, declaration) = widen_declarator(tag_node);
                (
                    node,
                    tag.is_declaration || declaration || is_bodiless_declaration(node, &tag.kind),
                )
            } else {
                (tag_node, false)
            };
            let (doc, doc_above) = if tag.is_definition {
                let captured = if doc_nodes.is_empty() {
                    None
                } else {
                    doc::doc_from_captures(node, &doc_nodes, source)
                };
                match captured {
                    Some((doc, above)) => (Some(doc), above),
                    None => doc::doc_for(node, source),
                }
            } else {
                (None, false)
            };
            let candidate = Candidate {
                symbol: Symbol {
                    name: name.text,
                    kind: tag.kind.clone(),
                    tag_kind: tag.kind.clone(),
                    lsp_kind: kind::LSP_VARIABLE,
                    role: if tag.is_definition {
                        SymbolRole::Definition
                    } else {
                        SymbolRole::Reference
                    },
                    declaration,
                    range: Range::of(&node),
                    name_range: Range::of(&name_node),
                    parent: None,
                    container: None,
                    container_kind: None,
                    doc,
                    name_lossy: name.lossy,
                },
                pattern_index: m.pattern_index,
                node,
                doc_above,
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
        (candidates, reason)
    }
}

/// Orders candidates by start, outer before inner, then by name start; resolves parents,
/// kinds and containers. Returns the symbols and, for each, whether its doc came from above.
pub(super) fn finish(mut candidates: Vec<Candidate<'_>>) -> (Vec<Symbol>, Vec<bool>) {
    candidates.sort_by(|a, b| order(&a.symbol, &b.symbol));
    let nodes: Vec<Node<'_>> = candidates.iter().map(|c| c.node).collect();
    let doc_above: Vec<bool> = candidates.iter().map(|c| c.doc_above).collect();
    let mut symbols: Vec<Symbol> = candidates.into_iter().map(|c| c.symbol).collect();
    assign_parents(&mut symbols);
    normalise_kinds(&mut symbols, &nodes);
    (symbols, doc_above)
}

/// The order of [`SymbolsResult::symbols`]: by start byte, then outer (longer) before inner,
/// then by name start.
pub(super) fn order(a: &Symbol, b: &Symbol) -> std::cmp::Ordering {
    a.range
        .start
        .byte
        .cmp(&b.range.start.byte)
        .then(b.range.end.byte.cmp(&a.range.end.byte))
        .then(a.name_range.start.byte.cmp(&b.name_range.start.byte))
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

/// Normalises definition kinds in order (a parent precedes its children, so a function's
/// container kind is already normalised when the function is) and fills `container`.
fn normalise_kinds(symbols: &mut [Symbol], nodes: &[Node<'_>]) {
    for i in 0..symbols.len() {
        let (container, container_kind) = match symbols[i].parent {
            Some(p) if p < i => (Some(symbols[p].name.clone()), Some(symbols[p].kind.clone())),
            _ => (None, None),
        };
        let symbol = &mut symbols[i];
        if symbol.role == SymbolRole::Definition {
            let normal = kind::normalise(
                &symbol.tag_kind,
                nodes[i],
                &symbol.name,
                container_kind.as_deref(),
            );
            if !normal.name.is_empty() {
                normal.name.clone_into(&mut symbol.kind);
            }
            symbol.lsp_kind = normal.lsp;
        } else {
            symbol.lsp_kind = kind::lsp_kind_for_name(&symbol.kind);
        }
        symbol.container = container;
        symbol.container_kind = container_kind;
    }
}

/// Widens a C-family declarator (`function_declarator`, `pointer_declarator`, ...) to the
/// node that owns it: a `function_definition` (a definition), or a declaration (for a
/// function declarator: a prototype, so `true`). Other nodes are returned unchanged.
fn widen_declarator(node: Node<'_>) -> (Node<'_>, bool) {
    if !node.kind().ends_with("declarator") {
        return (node, false);
    }
    let is_function = node.kind() == "function_declarator";
    let mut owner = node;
    while let Some(parent) = owner.parent() {
        owner = parent;
        if !parent.kind().ends_with("declarator") {
            break;
        }
    }
    match owner.kind() {
        "function_definition" => (owner, false),
        "declaration" | "field_declaration" => (owner, is_function),
        "type_definition" | "template_declaration" => (owner, false),
        _ => (node, is_function && owner.kind().ends_with("declaration")),
    }
}

/// True for a function-like definition node that declares without defining: a
/// `*signature*`/`*prototype*` node, or a `*_declaration` with no `body` in a grammar whose
/// declarations have bodies (an abstract or interface method).
fn is_bodiless_declaration(node: Node<'_>, tag_kind: &str) -> bool {
    if !matches!(tag_kind, "function" | "method" | "constructor") {
        return false;
    }
    let kind = node.kind();
    if kind.contains("signature") || kind.contains("prototype") {
        return true;
    }
    kind.ends_with("_declaration")
        && node.language().field_id_for_name("body").is_some()
        && node.child_by_field_name("body").is_none()
}

/// Sets each symbol's `parent` to the innermost enclosing definition. `symbols` must be
/// sorted by start ascending, end descending; syntax nodes nest or are disjoint, so a stack
/// of open definitions suffices (linear time).
pub(super) fn assign_parents(symbols: &mut [Symbol]) {
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
            tag_kind: "function".to_owned(),
            lsp_kind: 12,
            role,
            declaration: false,
            range,
            name_range: range,
            parent: None,
            container: None,
            container_kind: None,
            doc: None,
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
