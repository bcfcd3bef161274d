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
        Ok(Self {
            language,
            language_name,
            query,
            name_capture,
            ignore_capture,
            doc_capture,
            tag_captures,
        })
    }

    /// The grammar this configuration was compiled for.
    pub fn language(&self) -> &Language {
        &self.language
    }

    /// The compiled tags query.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// The tag meaning of capture `index`, if it is a `@definition.*` or `@reference.*`.
    pub fn tag_capture(&self, index: u32) -> Option<&TagCapture> {
        self.tag_captures
            .get(index as usize)
            .and_then(Option::as_ref)
    }
}
