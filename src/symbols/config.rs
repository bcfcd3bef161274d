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
                        found = true;
                    }
                }
                if !found {
                    return None;
                }
            }
        }
        Some(MatchRoots { flags })
    }
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
}
