//! The per-call half of symbol extraction: run a [`SymbolConfig`]'s tags query within
//! [`QueryLimits`] and turn matches into deduplicated, ordered symbols with normalised kinds,
//! containers, full and name ranges, declarations and doc comments.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::{Deserialize, Serialize};
use tree_sitter::{Node, QueryCursor, QueryCursorOptions, QueryCursorState, StreamingIterator};

use super::config::{MatchRoots, SymbolConfig, SymbolError};
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
    /// The tags query the list was extracted with ([`super::tags_query_hash`] of its text;
    /// empty when read from a list stored before the field existed). Serialised second: a
    /// stored list is served only while it names the language's current query.
    #[serde(default)]
    pub tags_query: String,
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

    /// True when `stored` (a serialised result) is of the current format, was extracted
    /// with the tags query whose hash is `tags_query` (see [`super::tags_query_hash`]), and is
    /// complete or cut by a deterministic limit, so it may be served as stored. Lists cut by a
    /// deadline or a cancellation are never stored (see `pipeline`), but an old store may
    /// hold some.
    pub fn is_current(stored: &[u8], tags_query: &str) -> bool {
        stored
            .strip_prefix(Self::STORED_PREFIX)
            .and_then(|rest| rest.strip_prefix(b"\"tags_query\":\""))
            .and_then(|rest| rest.strip_prefix(tags_query.as_bytes()))
            .is_some_and(|rest| rest.starts_with(b"\","))
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
pub struct SymbolContext {
    cursor: QueryCursor,
    /// Run the query node by node at its match roots where it can (see `collect`).
    at_roots: bool,
}

impl Default for SymbolContext {
    fn default() -> Self {
        Self {
            cursor: QueryCursor::new(),
            at_roots: true,
        }
    }
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

    /// A context that always runs the tags query over the whole tree at once, as tree-sitter's
    /// `tags` crate does, never node by node at the query's match roots. Both find the same
    /// symbols; this one is the reference the other is compared with, and slower.
    pub fn whole_tree() -> Self {
        Self {
            at_roots: false,
            ..Self::default()
        }
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
        if config.macro_lines {
            // C family with syntax errors: a tree of the text with its macros blanked may
            // name what error recovery swallowed (same positions; see `macro_lines`). Its
            // parse counts against the extraction's deadline.
            let started = std::time::Instant::now();
            let budget = Budget::start(&options.limits);
            if let Some((tree, text)) = super::macro_lines::reparsed(root, source, &budget) {
                let mut rest = options.clone();
                rest.limits.deadline = rest.limits.deadline.saturating_sub(started.elapsed());
                return self.extract_checked(config, tree.root_node(), &text, &rest);
            }
        }
        self.extract_checked(config, root, source, options)
    }

    /// [`extract_with_flags`](Self::extract_with_flags) of a checked tree.
    fn extract_checked(
        &mut self,
        config: &SymbolConfig,
        root: Node<'_>,
        source: &[u8],
        options: &SymbolOptions,
    ) -> Result<(SymbolsResult, Vec<bool>), SymbolError> {
        let (candidates, reason) = self.collect(config, root, source, options, 0..usize::MAX);
        Ok(result_of(config, candidates, reason))
    }

    /// [`extract`](Self::extract) of a whole tree (`root` is its root) whose match roots for
    /// `options` ([`SymbolConfig::wanted_kinds`]) the walk that encoded it found: the tree is
    /// not walked again for them. A tree the query does not run at match roots for is
    /// extracted as by [`extract`](Self::extract).
    ///
    /// # Errors
    /// As [`extract`](Self::extract).
    pub(crate) fn extract_at<'tree>(
        &mut self,
        config: &SymbolConfig,
        root: Node<'tree>,
        source: &[u8],
        options: &SymbolOptions,
        roots: Vec<Node<'tree>>,
    ) -> Result<SymbolsResult, SymbolError> {
        match &config.match_roots {
            Some(match_roots) if !root.has_error() && self.at_roots => {
                self.check(config, root, source, options)?;
                let (candidates, reason) =
                    self.collect_at_roots(config, match_roots, root, source, options, Some(roots));
                Ok(result_of(config, candidates, reason).0)
            }
            _ => self.extract(config, root, source, options),
        }
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
    /// the run stopped early, if it did. Over the whole tree of a query whose match roots are
    /// known ([`MatchRoots`]) and a tree without syntax errors, the query runs only at the
    /// nodes where a wanted match can start; otherwise over the whole range at once. Both
    /// find the same matches (`tests/engine/symbols_match_roots.rs` compares them on corpora).
    pub(super) fn collect<'tree>(
        &mut self,
        config: &SymbolConfig,
        root: Node<'tree>,
        source: &[u8],
        options: &SymbolOptions,
        bytes: std::ops::Range<usize>,
    ) -> (Vec<Candidate<'tree>>, Option<IncompleteReason>) {
        let whole = bytes.start == 0 && bytes.end >= root.end_byte();
        match &config.match_roots {
            Some(roots) if whole && !root.has_error() && self.at_roots => {
                self.collect_at_roots(config, roots, root, source, options, None)
            }
            _ => self.collect_in_range(config, root, source, options, bytes),
        }
    }

    /// [`collect`](Self::collect) with one query run over `bytes`.
    fn collect_in_range<'tree>(
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
        self.cursor.set_max_start_depth(None);
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
        let mut found = Found::default();
        while let Some(m) = matches.next() {
            if found.seen.is_multiple_of(BUDGET_CHECK_INTERVAL)
                && let Some(r) = budget.check()
            {
                found.reason = Some(r);
                break;
            }
            if found.add(config, m, source, options).is_break() {
                break;
            }
        }
        drop(matches);
        let exceeded = self.cursor.did_exceed_match_limit();
        found.finish(&budget, exceeded)
    }

    /// [`collect`](Self::collect) over the whole tree, running the query only at the nodes
    /// whose kind roots a wanted pattern (definitions; references too when asked for), with
    /// matches starting at that node alone. Those nodes are `walked` when the caller has them
    /// already (in preorder, as `find_kinds` gives them); else the tree is walked for them.
    fn collect_at_roots<'tree>(
        &mut self,
        config: &SymbolConfig,
        roots: &MatchRoots,
        root: Node<'tree>,
        source: &[u8],
        options: &SymbolOptions,
        walked: Option<Vec<Node<'tree>>>,
    ) -> (Vec<Candidate<'tree>>, Option<IncompleteReason>) {
        let limits = &options.limits;
        let budget = Budget::start(limits);
        let wanted = MatchRoots::mask(options.include_references);
        self.cursor.set_match_limit(limits.match_limit);
        self.cursor.set_byte_range(0..usize::MAX);
        self.cursor.set_max_start_depth(Some(0));
        let text_provider =
            |node: Node<'_>| std::iter::once(source.get(node.byte_range()).unwrap_or(&[]));
        let mut found = Found::default();
        let mut exceeded = false;
        let cancelled = || budget.check().is_some();
        // Stopped by the budget during the walk: the matches at the nodes found so far count.
        let (nodes, stopped) = match walked {
            Some(nodes) => (nodes, false),
            None => crate::bytecode::walk::find_kinds_or_cursor(
                root,
                roots.table(),
                wanted,
                &cancelled,
                (BUDGET_CHECK_INTERVAL * 4) as u32,
            ),
        };
        let stopped = if stopped { budget.check() } else { None };
        let mut scratch = root.walk();
        'nodes: for node in nodes {
            if !roots.may_start_at(node, &mut scratch) {
                continue;
            }
            let mut progress = |_: &QueryCursorState| budget.progress();
            let mut matches = self.cursor.matches_with_options(
                &config.query,
                node,
                text_provider,
                QueryCursorOptions::new().progress_callback(&mut progress),
            );
            while let Some(m) = matches.next() {
                if found.seen.is_multiple_of(BUDGET_CHECK_INTERVAL)
                    && let Some(r) = budget.check()
                {
                    found.reason = Some(r);
                    break 'nodes;
                }
                if found.add(config, m, source, options).is_break() {
                    break 'nodes;
                }
            }
            drop(matches);
            exceeded |= self.cursor.did_exceed_match_limit();
        }
        found.reason = found.reason.or(stopped);
        self.cursor.set_max_start_depth(None);
        found.finish(&budget, exceeded)
    }
}

/// The candidates of one extraction so far.
#[derive(Default)]
struct Found<'tree> {
    candidates: Vec<Candidate<'tree>>,
    by_name_range: HashMap<(usize, usize), usize>,
    reason: Option<IncompleteReason>,
    /// Matches seen.
    seen: usize,
}

impl<'tree> Found<'tree> {
    /// Takes one match: a new candidate, or a better pattern for a name already tagged
    /// (the earliest pattern wins). `Break` when the capture limit is reached.
    fn add(
        &mut self,
        config: &SymbolConfig,
        m: &tree_sitter::QueryMatch<'_, 'tree>,
        source: &[u8],
        options: &SymbolOptions,
    ) -> std::ops::ControlFlow<()> {
        use std::ops::ControlFlow;
        let limits = &options.limits;
        self.seen += 1;
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
            return ControlFlow::Continue(());
        };
        if ignored || name_node.has_error() {
            return ControlFlow::Continue(());
        }
        if !tag.is_definition && !options.include_references {
            return ControlFlow::Continue(());
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
        match self
            .by_name_range
            .entry((name_node.start_byte(), name_node.end_byte()))
        {
            Entry::Occupied(slot) => {
                let existing = &mut self.candidates[*slot.get()];
                if candidate.pattern_index < existing.pattern_index {
                    *existing = candidate;
                }
            }
            Entry::Vacant(slot) => {
                if self.candidates.len() >= limits.max_captures {
                    self.reason = Some(IncompleteReason::LimitReached);
                    return ControlFlow::Break(());
                }
                slot.insert(self.candidates.len());
                self.candidates.push(candidate);
            }
        }
        ControlFlow::Continue(())
    }

    /// The candidates, and why the run stopped early (a limit, the budget, the match limit).
    fn finish(
        self,
        budget: &Budget<'_>,
        exceeded_match_limit: bool,
    ) -> (Vec<Candidate<'tree>>, Option<IncompleteReason>) {
        let reason = self
            .reason
            .or_else(|| budget.stopped())
            .or_else(|| exceeded_match_limit.then_some(IncompleteReason::MatchLimitExceeded));
        (self.candidates, reason)
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

/// The answer of an extraction from its candidates, with per symbol whether its doc came from
/// above it.
fn result_of(
    config: &SymbolConfig,
    candidates: Vec<Candidate<'_>>,
    reason: Option<IncompleteReason>,
) -> (SymbolsResult, Vec<bool>) {
    record_incomplete(reason);
    let (symbols, doc_above) = finish(candidates);
    (
        SymbolsResult {
            symbols_format: SYMBOLS_FORMAT_VERSION,
            tags_query: config.tags_query.clone(),
            symbols,
            complete: reason.is_none(),
            incomplete_reason: reason,
        },
        doc_above,
    )
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
