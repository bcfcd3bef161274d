//! The immutable, thread-shared half of symbol extraction: a compiled tags query with its
//! capture indices resolved by name once.

use tree_sitter::{Language, Query};

use crate::query::QueryError;

/// Errors from building a [`SymbolConfig`] or extracting symbols.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SymbolError {
    /// The tags query does not compile, or a run was refused (see [`QueryError`]).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The tags query has no `@name` capture, so it can never produce a symbol.
    #[error("tags query for language {language} has no @name capture")]
    MissingNameCapture {
        /// Grammar name.
        language: String,
    },
}

/// What a `@definition.<kind>`, `@declaration.<kind>` or `@reference.<kind>` capture means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagCapture {
    /// The `<kind>` part: `function`, `class`, `method`, `call`, ...
    pub kind: String,
    /// True for `@definition.*` and `@declaration.*`.
    pub is_definition: bool,
    /// True for `@declaration.*`: the symbol is declared here, defined elsewhere.
    pub is_declaration: bool,
}

/// A compiled tags query with its capture indices resolved. Immutable and `Send + Sync`:
/// build it once per language and share it behind an `Arc`.
#[derive(Debug)]
pub struct SymbolConfig {
    pub(crate) language: Language,
    pub(crate) language_name: String,
    pub(crate) query: Query,
    pub(crate) name_capture: u32,
    pub(crate) ignore_capture: Option<u32>,
    pub(crate) doc_capture: Option<u32>,
    /// Indexed by capture index; `None` for captures that are not tags.
    pub(crate) tag_captures: Vec<Option<TagCapture>>,
    /// The node kinds where a match can start, when every pattern has a single root of a
    /// known kind (see [`MatchRoots`]); `None` runs the query over the whole tree.
    pub(crate) match_roots: Option<MatchRoots>,
    /// [`tags_query_hash`] of the query's text: the lists it extracts name it.
    pub(crate) tags_query: String,
    /// C family: extract a tree with errors from its text without lone macro-call lines when
    /// that parses better (`macro_lines`).
    pub(crate) macro_lines: bool,
}

/// The hash that names a tags query's full text in the symbols lists it extracts
/// (`SymbolsResult::tags_query`): 16 hex digits of its xxh3-64. A stored list is served only
/// while the language's query has the same hash, so a syntaxd with another query (a new
/// release) extracts again instead of answering with what an older one stored.
pub fn tags_query_hash(text: &str) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

/// The node kinds at which matches of a tags query can start, split by what the pattern
/// tags: a full extraction can then run the query only at those nodes, one node at a time
/// (the query cursor's own walk, which checks every pattern state at every node, cost about
/// as much as the parse), and skip patterns that tag only references when they are not
/// wanted. Built only when every pattern is rooted in one named kind or an alternation of
/// kinds, never a wildcard, a supertype, `ERROR` or a sibling sequence.
#[derive(Debug, Clone)]
pub(crate) struct MatchRoots {
    /// Indexed by node kind id: [`MatchRoots::DEFINITION`] and/or [`MatchRoots::REFERENCE`].
    flags: Vec<u8>,
    /// Indexed by node kind id: `None` when a pattern may start at any node of the kind;
    /// else one entry per pattern rooted in the kind, each the children a match of it needs
    /// (see [`NeededChild`]). A node none of whose patterns has its children cannot start a
    /// match: the query does not run there. Python's lambda pattern is rooted at every
    /// assignment, and starting the query at each cost 2.5 % of a cold index.
    needs: Vec<Option<Vec<Vec<NeededChild>>>>,
}

/// A child a pattern cannot match without: one under `field` whose kind is one of `kinds`
/// (`field: (kind ...)` or `field: [(a ...) (b ...)]`, not quantified, in the root's own
/// parentheses).
#[derive(Debug, Clone)]
struct NeededChild {
    field: std::num::NonZeroU16,
    kinds: Vec<u16>,
}

impl MatchRoots {
    /// The kind roots a pattern with a `@definition.*` or `@declaration.*` capture.
    pub(crate) const DEFINITION: u8 = 1;
    /// The kind roots a pattern whose tags are all `@reference.*`.
    pub(crate) const REFERENCE: u8 = 2;

    /// The flags of every node kind, indexed by kind id.
    pub(crate) fn table(&self) -> &[u8] {
        &self.flags
    }

    /// The flags an extraction runs the query at: definitions, and references when asked for.
    pub(crate) fn mask(include_references: bool) -> u8 {
        if include_references {
            Self::DEFINITION | Self::REFERENCE
        } else {
            Self::DEFINITION
        }
    }

    /// Whether a match of some pattern may start at `node` (of a kind in the table): false
    /// when every pattern rooted in its kind needs a child `node` lacks. `cursor` is scratch.
    pub(crate) fn may_start_at<'tree>(
        &self,
        node: tree_sitter::Node<'tree>,
        cursor: &mut tree_sitter::TreeCursor<'tree>,
    ) -> bool {
        let Some(Some(patterns)) = self.needs.get(usize::from(node.kind_id())) else {
            return true;
        };
        patterns.iter().any(|needs| {
            needs.iter().all(|need| {
                cursor.reset(node);
                node.children_by_field_id(need.field, cursor)
                    .any(|child| need.kinds.contains(&child.kind_id()))
            })
        })
    }

    /// The flags of node kind `kind_id` (0 for a kind no pattern starts at).
    #[cfg(test)]
    pub(crate) fn flags(&self, kind_id: u16) -> u8 {
        self.flags.get(usize::from(kind_id)).copied().unwrap_or(0)
    }

    /// The roots of every pattern of `query` (compiled from `text` for `language`), or `None`
    /// when one pattern's root cannot be told from its text.
    fn of(
        language: &Language,
        query: &Query,
        text: &str,
        tag_captures: &[Option<TagCapture>],
    ) -> Option<MatchRoots> {
        let kind_count = language.node_kind_count();
        let mut flags = vec![0u8; kind_count];
        // Per kind: the needs of each pattern rooted in it (an empty list: none known).
        let mut needs: Vec<Vec<Vec<NeededChild>>> = vec![Vec::new(); kind_count];
        for pattern in 0..query.pattern_count() {
            if !query.is_pattern_rooted(pattern) || query.is_pattern_non_local(pattern) {
                return None;
            }
            let source = text
                .get(query.start_byte_for_pattern(pattern)..query.end_byte_for_pattern(pattern))?;
            let roots = pattern_roots(source)?;
            let quantifiers = query.capture_quantifiers(pattern);
            let mut flag = 0u8;
            for (capture, tag) in tag_captures.iter().enumerate() {
                let used = quantifiers
                    .get(capture)
                    .is_some_and(|q| *q != tree_sitter::CaptureQuantifier::Zero);
                match tag {
                    Some(tag) if used && tag.is_definition => flag |= Self::DEFINITION,
                    Some(_) if used => flag |= Self::REFERENCE,
                    _ => {}
                }
            }
            if flag & Self::DEFINITION != 0 {
                flag = Self::DEFINITION;
            }
            let pattern_needs = needed_children(language, source);
            for (name, named) in roots {
                let mut found = false;
                for (id, slot) in flags.iter_mut().enumerate() {
                    let id = u16::try_from(id).ok()?;
                    if language.node_kind_for_id(id) == Some(name.as_str())
                        && language.node_kind_is_named(id) == named
                    {
                        if language.node_kind_is_supertype(id) {
                            return None;
                        }
                        *slot |= flag;
                        needs[usize::from(id)].push(pattern_needs.clone());
                        found = true;
                    }
                }
                if !found {
                    return None;
                }
            }
        }
        let needs = needs
            .into_iter()
            .map(|patterns| {
                // A kind no pattern starts at is never looked up; one with a pattern that
                // needs nothing known is not filtered.
                (!patterns.is_empty() && patterns.iter().all(|p| !p.is_empty())).then_some(patterns)
            })
            .collect();
        Some(MatchRoots { flags, needs })
    }
}

/// The children a pattern (`text`, whose root was read by [`pattern_roots`]) cannot match
/// without: for a root `(kind ...)` (in a group or not; not an alternation), each
/// `field: (child ...)` or `field: [(a ...) (b ...)]` directly inside the root's parentheses
/// and not quantified, whose kinds are plain named kinds of the grammar (no supertype, no
/// wildcard, no string). Anything else is left out: the list only ever needs less than the
/// pattern does.
fn needed_children(language: &Language, text: &str) -> Vec<NeededChild> {
    let Some(tokens) = tokens(text) else {
        return Vec::new();
    };
    // The root's opening parenthesis: the first `(` followed by a kind (a group's inner one).
    let Some(open) = (0..tokens.len().saturating_sub(1)).find(|&i| {
        matches!(tokens[i], Token::Open('('))
            && matches!(tokens[i + 1], Token::Atom(a) if !a.starts_with(['#', '@', '.', '!']))
    }) else {
        return Vec::new();
    };
    if tokens[..open].iter().any(|t| matches!(t, Token::Open('['))) {
        return Vec::new();
    }
    let Some(close) = after_close(&tokens, open) else {
        return Vec::new();
    };
    let kinds_named = |name: &str| -> Option<Vec<u16>> {
        let plain = name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.');
        if !plain || matches!(name, "_" | "ERROR" | "MISSING") {
            return None;
        }
        let ids: Vec<u16> = (0..language.node_kind_count())
            .filter_map(|id| u16::try_from(id).ok())
            .filter(|&id| {
                language.node_kind_for_id(id) == Some(name) && language.node_kind_is_named(id)
            })
            .collect();
        let supertype = ids.iter().any(|&id| language.node_kind_is_supertype(id));
        (!ids.is_empty() && !supertype).then_some(ids)
    };
    // A node pattern `(kind ...)` at token `at`: its kinds, and the index after it.
    let node_kinds = |at: usize| -> Option<(Vec<u16>, usize)> {
        match (tokens.get(at)?, tokens.get(at + 1)?) {
            (Token::Open('('), Token::Atom(name)) => {
                Some((kinds_named(name)?, after_close(&tokens, at)?))
            }
            _ => None,
        }
    };
    let mut needs = Vec::new();
    // Skip the root's kind name.
    let mut at = open + 2;
    while at < close - 1 {
        let item_end = match &tokens[at] {
            Token::Open(_) => after_close(&tokens, at).unwrap_or(close),
            _ => at + 1,
        };
        let Token::Atom(atom) = tokens[at] else {
            at = item_end;
            continue;
        };
        let Some(field) = atom.strip_suffix(':') else {
            at = item_end;
            continue;
        };
        // The field's value: one node pattern or an alternation of them.
        let value = at + 1;
        let (kinds, end) = match tokens.get(value) {
            Some(Token::Open('[')) => {
                let end = after_close(&tokens, value).unwrap_or(close);
                let mut kinds = Some(Vec::new());
                let mut i = value + 1;
                while i < end - 1 {
                    match &tokens[i] {
                        Token::Atom(a) if a.starts_with('@') => i += 1,
                        _ => match node_kinds(i) {
                            Some((k, next)) => {
                                if let Some(all) = kinds.as_mut() {
                                    all.extend(k);
                                }
                                i = next;
                            }
                            None => {
                                kinds = None;
                                break;
                            }
                        },
                    }
                }
                (kinds, end)
            }
            Some(Token::Open('(')) => match node_kinds(value) {
                Some((k, next)) => (Some(k), next),
                None => (None, after_close(&tokens, value).unwrap_or(close)),
            },
            _ => (None, value + 1),
        };
        // Captures may follow; a quantifier makes the child optional.
        let mut next = end;
        let mut quantified = false;
        while let Some(Token::Atom(a)) = tokens.get(next) {
            if next >= close - 1 {
                break;
            }
            if a.starts_with('@') {
                next += 1;
            } else if matches!(*a, "?" | "*" | "+") {
                quantified |= *a != "+";
                next += 1;
            } else {
                break;
            }
        }
        if let (Some(kinds), false, Some(field)) =
            (kinds, quantified, language.field_id_for_name(field))
        {
            needs.push(NeededChild { field, kinds });
        }
        at = next;
    }
    needs
}

/// The root node kinds of one pattern's text, as `(name, named)`: `(kind ...)`, `"token"`,
/// an alternation `[...]` of those, or a group `((kind ...) (#predicate ...))`, followed
/// only by captures. `None` for any other shape (a wildcard, a supertype path,
/// `ERROR`/`MISSING`, a sibling sequence, a quantifier, an escaped string).
fn pattern_roots(text: &str) -> Option<Vec<(String, bool)>> {
    let tokens = tokens(text)?;
    let mut roots = Vec::new();
    let at = root_item(&tokens, 0, &mut roots)?;
    // Only captures may follow the root.
    tokens[at..]
        .iter()
        .all(|t| matches!(t, Token::Atom(a) if a.starts_with('@')))
        .then_some(roots)
}

/// Reads the node pattern at token `at` into `roots`; the index after it.
fn root_item(tokens: &[Token<'_>], at: usize, roots: &mut Vec<(String, bool)>) -> Option<usize> {
    match tokens.get(at)? {
        Token::Str(s) => {
            roots.push((s.to_string(), false));
            Some(at + 1)
        }
        Token::Open('[') => {
            let mut at = at + 1;
            loop {
                match tokens.get(at)? {
                    Token::Close(']') => return Some(at + 1),
                    Token::Atom(a) if a.starts_with('@') => at += 1,
                    _ => at = root_item(tokens, at, roots)?,
                }
            }
        }
        Token::Open('(') => match tokens.get(at + 1)? {
            // A group: one node pattern, then only captures and predicates.
            Token::Open(_) | Token::Str(_) => {
                let mut at = root_item(tokens, at + 1, roots)?;
                loop {
                    match tokens.get(at)? {
                        Token::Close(')') => return Some(at + 1),
                        Token::Atom(a) if a.starts_with('@') => at += 1,
                        Token::Open('(') if matches!(tokens.get(at + 1), Some(Token::Atom(a)) if a.starts_with('#')) =>
                        {
                            at = after_close(tokens, at)?;
                        }
                        _ => return None,
                    }
                }
            }
            Token::Atom(name) => {
                let plain = name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.');
                if !plain
                    || name.starts_with(['#', '.', '@'])
                    || matches!(*name, "_" | "ERROR" | "MISSING")
                {
                    return None;
                }
                roots.push((name.to_string(), true));
                after_close(tokens, at)
            }
            _ => None,
        },
        _ => None,
    }
}

/// The index after the bracket that closes the one opened at token `at`.
fn after_close(tokens: &[Token<'_>], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(at) {
        match t {
            Token::Open(_) => depth += 1,
            Token::Close(_) => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// A token of query text.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    Open(char),
    Close(char),
    /// A string's contents (without quotes); strings with escapes are refused.
    Str(&'a str),
    /// Anything else up to a delimiter: a kind, field, capture, quantifier, predicate name.
    Atom(&'a str),
}

/// The tokens of `text` (comments and whitespace dropped), or `None` on an escaped or
/// unterminated string.
fn tokens(text: &str) -> Option<Vec<Token<'_>>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b';' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' | b'[' => {
                out.push(Token::Open(char::from(c)));
                i += 1;
            }
            b')' | b']' => {
                out.push(Token::Close(char::from(c)));
                i += 1;
            }
            b'"' => {
                let start = i + 1;
                let end = start + text[start..].find('"')?;
                let s = &text[start..end];
                if s.contains('\\') {
                    return None;
                }
                out.push(Token::Str(s));
                i = end + 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !matches!(bytes[i], b'(' | b')' | b'[' | b']' | b'"' | b';')
                {
                    i += 1;
                }
                out.push(Token::Atom(&text[start..i]));
            }
        }
    }
    Some(out)
}

impl SymbolConfig {
    /// Compiles `tags_query` for `language` and resolves its captures.
    ///
    /// Captures: `@name` (required), `@definition.<kind>`, `@declaration.<kind>` (a
    /// definition flagged as a declaration), `@reference.<kind>`, `@ignore` (suppresses the
    /// match), `@doc` (the symbol's doc comment), and private `@_name` captures used by
    /// predicates. Any other capture (`@local.*`, C#'s `@module`, ...) is disabled and
    /// ignored: an extra capture never makes a language unsupported.
    ///
    /// # Errors
    /// [`SymbolError::Query`] with the position when the query does not compile;
    /// [`SymbolError::MissingNameCapture`] without `@name`.
    pub fn new(language: Language, tags_query: &str) -> Result<Self, SymbolError> {
        let language_name = language.name().unwrap_or("unknown").to_owned();
        let mut query = Query::new(&language, tags_query)
            .map_err(|err| QueryError::from_tree_sitter(&language_name, &err))?;
        let mut name_capture = None;
        let mut ignore_capture = None;
        let mut doc_capture = None;
        let mut disabled = Vec::new();
        let mut tag_captures = Vec::with_capacity(query.capture_names().len());
        for (index, capture) in query.capture_names().iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            let mut tag = None;
            match *capture {
                "name" => name_capture = Some(index),
                "ignore" => ignore_capture = Some(index),
                "doc" => doc_capture = Some(index),
                // Private captures serve predicates; they stay enabled so `#eq?` sees them.
                c if c.starts_with('_') => {}
                c => {
                    let (kind, is_definition, is_declaration) =
                        if let Some(kind) = c.strip_prefix("definition.") {
                            (kind, true, false)
                        } else if let Some(kind) = c.strip_prefix("declaration.") {
                            (kind, true, true)
                        } else if let Some(kind) = c.strip_prefix("reference.") {
                            (kind, false, false)
                        } else {
                            // `@local.*`, `@module`, ...: not a tags convention we use.
                            disabled.push(c.to_owned());
                            tag_captures.push(None);
                            continue;
                        };
                    tag = Some(TagCapture {
                        kind: kind.to_owned(),
                        is_definition,
                        is_declaration,
                    });
                }
            }
            tag_captures.push(tag);
        }
        let Some(name_capture) = name_capture else {
            return Err(SymbolError::MissingNameCapture {
                language: language_name,
            });
        };
        if !disabled.is_empty() {
            tracing::debug!(language = %language_name, captures = ?disabled, "tags query captures ignored");
        }
        // Captures outside the conventions are not extracted: stop recording them.
        for name in &disabled {
            query.disable_capture(name);
        }
        let match_roots = MatchRoots::of(&language, &query, tags_query, &tag_captures);
        let macro_lines = super::macro_lines::applies_to(&language);
        Ok(Self {
            language,
            language_name,
            query,
            name_capture,
            ignore_capture,
            doc_capture,
            tag_captures,
            match_roots,
            tags_query: tags_query_hash(tags_query),
            macro_lines,
        })
    }

    /// The node kinds a full extraction with `options` runs the query at, for a walk of the
    /// tree to collect ([`SymbolContext::extract_at`](super::SymbolContext::extract_at)
    /// takes them); `None` when the query runs over the whole tree.
    pub(crate) fn wanted_kinds(
        &self,
        options: &super::SymbolOptions,
    ) -> Option<crate::bytecode::walk::WantedKinds<'_>> {
        self.match_roots
            .as_ref()
            .map(|roots| crate::bytecode::walk::WantedKinds {
                table: roots.table(),
                mask: MatchRoots::mask(options.include_references),
            })
    }

    /// The grammar this configuration was compiled for.
    pub fn language(&self) -> &Language {
        &self.language
    }

    /// [`tags_query_hash`] of the query's text.
    pub fn tags_query_hash(&self) -> &str {
        &self.tags_query
    }

    /// The compiled tags query.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// True when every pattern of the query is rooted in a node kind known from its text, so
    /// that a full extraction runs the query only at nodes of those kinds (see
    /// [`SymbolContext::whole_tree`](super::SymbolContext::whole_tree) for the other way).
    pub fn runs_at_match_roots(&self) -> bool {
        self.match_roots.is_some()
    }

    /// The tag meaning of capture `index`, if it is a `@definition.*` or `@reference.*`.
    pub fn tag_capture(&self, index: u32) -> Option<&TagCapture> {
        self.tag_captures
            .get(index as usize)
            .and_then(Option::as_ref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots(text: &str) -> Option<Vec<(String, bool)>> {
        pattern_roots(text)
    }

    fn named(kinds: &[&str]) -> Option<Vec<(String, bool)>> {
        Some(kinds.iter().map(|k| ((*k).to_string(), true)).collect())
    }

    #[test]
    fn pattern_roots_are_read_from_plain_alternated_and_grouped_patterns() {
        assert_eq!(
            roots("(function_definition name: (identifier) @name) @definition.function"),
            named(&["function_definition"])
        );
        assert_eq!(
            roots("; comment (x)\n[(class) (struct_item (x))] @definition.class"),
            named(&["class", "struct_item"])
        );
        assert_eq!(
            roots("((identifier) @name (#match? @name \"^[A-Z]\")) @definition.constant"),
            named(&["identifier"])
        );
        assert_eq!(
            roots("\"fn\" @definition.keyword"),
            Some(vec![("fn".to_string(), false)])
        );
    }

    #[test]
    fn patterns_without_one_known_root_are_refused() {
        for text in [
            "(_) @definition.any",
            "(ERROR) @x",
            "(expression/identifier) @name",
            "((comment)* @doc . (function_item) @definition.function)",
            "((a) (b))",
            "(a) @x (b)",
            "\"a\\\"b\" @x",
            "(unclosed",
        ] {
            assert_eq!(roots(text), None, "{text}");
        }
    }

    #[cfg(feature = "tree-sitter-python")]
    #[test]
    fn match_roots_split_definition_patterns_from_reference_patterns() {
        let language: Language = tree_sitter_python::LANGUAGE.into();
        let query = "(function_definition name: (identifier) @name) @definition.function\n\
                     (call function: (identifier) @name) @reference.call";
        let config = SymbolConfig::new(language.clone(), query).expect("compiles");
        let roots = config.match_roots.as_ref().expect("every root is known");
        let id = |kind: &str| language.id_for_node_kind(kind, true);
        assert_eq!(
            roots.flags(id("function_definition")),
            MatchRoots::DEFINITION
        );
        assert_eq!(roots.flags(id("call")), MatchRoots::REFERENCE);
        assert_eq!(roots.flags(id("module")), 0);
        assert_eq!(roots.flags(u16::MAX), 0, "ERROR nodes start nothing");
        let rootless =
            SymbolConfig::new(language, "(_ (identifier) @name) @definition.x").expect("compiles");
        assert!(!rootless.runs_at_match_roots());
    }

    #[cfg(feature = "tree-sitter-python")]
    #[test]
    fn a_match_is_not_started_at_a_node_without_the_children_its_patterns_need() {
        let language: Language = tree_sitter_python::LANGUAGE.into();
        let needs = |pattern: &str| -> Vec<(String, Vec<String>)> {
            needed_children(&language, pattern)
                .into_iter()
                .map(|n| {
                    let field = language
                        .field_name_for_id(n.field.get())
                        .unwrap_or_default()
                        .to_owned();
                    let mut kinds: Vec<String> = n
                        .kinds
                        .iter()
                        .filter_map(|&k| language.node_kind_for_id(k))
                        .map(str::to_owned)
                        .collect();
                    kinds.dedup();
                    (field, kinds)
                })
                .collect()
        };
        let need = |field: &str, kinds: &[&str]| {
            (
                field.to_owned(),
                kinds.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            needs("(assignment left: (identifier) @name right: (lambda)) @definition.function"),
            [need("left", &["identifier"]), need("right", &["lambda"])]
        );
        assert_eq!(
            needs(
                "((assignment right: [(lambda) (call function: (identifier))] @x) (#eq? @x \"y\"))"
            ),
            [need("right", &["lambda", "call"])]
        );
        // Optional, repeated, string-valued, supertype or wildcard children, children without
        // a field and those inside an alternation are not needed.
        for pattern in [
            "(assignment right: (lambda)? @x) @definition.function",
            "(assignment right: (lambda)* @x) @definition.function",
            "(assignment right: \"x\") @definition.function",
            "(assignment right: (expression)) @definition.function",
            "(assignment right: (_)) @definition.function",
            "(assignment (lambda)) @definition.function",
            "(assignment [right: (lambda) left: (identifier)]) @definition.function",
            "[(assignment right: (lambda)) (call)] @definition.function",
        ] {
            assert_eq!(needs(pattern), [], "{pattern}");
        }

        let query = "(assignment left: (identifier) @name right: (lambda)) @definition.function\n\
                     (function_definition name: (identifier) @name) @definition.function\n\
                     (class_definition name: (identifier) @name) @definition.class\n\
                     (class_definition body: (block (function_definition) @x)?) @definition.class";
        let config = SymbolConfig::new(language.clone(), query).expect("compiles");
        let roots = config.match_roots.as_ref().expect("every root is known");
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language).expect("loads");
        let source = "x = 1\nf = lambda: 1\ndef g():\n    pass\nclass C:\n    pass\n";
        let tree = parser.parse(source, None).expect("parses");
        let mut scratch = tree.walk();
        let mut starts = Vec::new();
        let mut cursor = tree.walk();
        loop {
            let node = cursor.node();
            if roots.flags(node.kind_id()) != 0 {
                starts.push((
                    node.kind(),
                    node.start_position().row,
                    roots.may_start_at(node, &mut scratch),
                ));
            }
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    assert_eq!(
                        starts,
                        [
                            ("assignment", 0, false),
                            ("assignment", 1, true),
                            ("function_definition", 2, true),
                            // One of its patterns needs nothing known: never filtered.
                            ("class_definition", 4, true),
                        ]
                    );
                    return;
                }
            }
        }
    }
}
