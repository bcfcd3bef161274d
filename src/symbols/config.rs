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
    /// A capture name the tags conventions do not define.
    #[error(
        "tags query for language {language} has capture @{capture}; expected @definition.*, @reference.*, @name, @doc, @ignore, @local.* or a private @_name"
    )]
    InvalidCapture {
        /// Grammar name.
        language: String,
        /// The offending capture name.
        capture: String,
    },
    /// The tags query has no `@name` capture, so it can never produce a symbol.
    #[error("tags query for language {language} has no @name capture")]
    MissingNameCapture {
        /// Grammar name.
        language: String,
    },
}

/// What a `@definition.<kind>` or `@reference.<kind>` capture means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagCapture {
    /// The `<kind>` part: `function`, `class`, `method`, `call`, ...
    pub kind: String,
    /// True for `@definition.*`.
    pub is_definition: bool,
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
    /// Indexed by capture index; `None` for captures that are not tags.
    pub(crate) tag_captures: Vec<Option<TagCapture>>,
}

impl SymbolConfig {
    /// Compiles `tags_query` for `language` and resolves its captures.
    ///
    /// Captures: `@name` (required), `@definition.<kind>`, `@reference.<kind>`, `@ignore`
    /// (suppresses the match), `@doc` and `@local.*` (accepted, disabled: docs and local
    /// scopes are not extracted), and private `@_name` captures used by predicates.
    ///
    /// # Errors
    /// [`SymbolError::Query`] with the position when the query does not compile;
    /// [`SymbolError::InvalidCapture`] for any other capture name;
    /// [`SymbolError::MissingNameCapture`] without `@name`.
    pub fn new(language: Language, tags_query: &str) -> Result<Self, SymbolError> {
        let language_name = language.name().unwrap_or("unknown").to_owned();
        let mut query = Query::new(&language, tags_query)
            .map_err(|err| QueryError::from_tree_sitter(&language_name, &err))?;
        let mut name_capture = None;
        let mut ignore_capture = None;
        let mut disabled = Vec::new();
        let mut tag_captures = Vec::with_capacity(query.capture_names().len());
        for (index, capture) in query.capture_names().iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            let mut tag = None;
            match *capture {
                "name" => name_capture = Some(index),
                "ignore" => ignore_capture = Some(index),
                "doc" => disabled.push((*capture).to_owned()),
                c if c.starts_with("local.") => disabled.push(c.to_owned()),
                // Private captures serve predicates; they stay enabled so `#eq?` sees them.
                c if c.starts_with('_') => {}
                c => {
                    if let Some(kind) = c.strip_prefix("definition.") {
                        tag = Some(TagCapture {
                            kind: kind.to_owned(),
                            is_definition: true,
                        });
                    } else if let Some(kind) = c.strip_prefix("reference.") {
                        tag = Some(TagCapture {
                            kind: kind.to_owned(),
                            is_definition: false,
                        });
                    } else {
                        return Err(SymbolError::InvalidCapture {
                            language: language_name,
                            capture: c.to_owned(),
                        });
                    }
                }
            }
            tag_captures.push(tag);
        }
        let Some(name_capture) = name_capture else {
            return Err(SymbolError::MissingNameCapture {
                language: language_name,
            });
        };
        // Docs and local scopes are not extracted: stop recording them.
        for name in &disabled {
            query.disable_capture(name);
        }
        Ok(Self {
            language,
            language_name,
            query,
            name_capture,
            ignore_capture,
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
