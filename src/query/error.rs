//! The query part's error type: every failure carries the facts (positions, sizes, names).

use serde::Serialize;

/// What kind of mistake made a query fail to compile (mirrors `tree_sitter::QueryErrorKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidQueryKind {
    /// The S-expression itself is malformed.
    Syntax,
    /// A node type that the grammar does not have.
    NodeType,
    /// A field name that the grammar does not have.
    Field,
    /// A predicate refers to a capture that the pattern does not define.
    Capture,
    /// A predicate is malformed (wrong arity, bad regex, ...).
    Predicate,
    /// The pattern's structure is impossible in this grammar.
    Structure,
    /// The grammar's ABI version is not supported by the tree-sitter core.
    Language,
}

impl From<&tree_sitter::QueryErrorKind> for InvalidQueryKind {
    fn from(kind: &tree_sitter::QueryErrorKind) -> Self {
        use tree_sitter::QueryErrorKind as K;
        match kind {
            K::Syntax => Self::Syntax,
            K::NodeType => Self::NodeType,
            K::Field => Self::Field,
            K::Capture => Self::Capture,
            K::Predicate => Self::Predicate,
            K::Structure => Self::Structure,
            K::Language => Self::Language,
        }
    }
}

/// Errors from compiling or running a query.
///
/// `Invalid` and `TooLarge` are the client's fault (HTTP 422 and 413); `InvalidLimits` is a
/// bad request (400); `SourceMismatch` and `LanguageMismatch` are caller bugs (500).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// The query text does not compile for this language. `row` and `column` are 0-based,
    /// `column` and `offset` count bytes of the query text.
    #[error(
        "query for language {language} does not compile: {kind:?} error at row {row}, column {column} (byte {offset}): {message}"
    )]
    Invalid {
        /// Language id the query was compiled for.
        language: String,
        /// 0-based line of the query text.
        row: usize,
        /// 0-based byte column within that line.
        column: usize,
        /// Byte offset in the query text.
        offset: usize,
        /// What kind of error tree-sitter reported.
        kind: InvalidQueryKind,
        /// tree-sitter's message (the offending token or name).
        message: String,
    },
    /// The query text is longer than `QueryLimits::max_query_bytes`.
    #[error("query text is {len_bytes} bytes, over the limit of {max_bytes} bytes")]
    TooLarge {
        /// Length of the query text.
        len_bytes: usize,
        /// The configured maximum.
        max_bytes: usize,
    },
    /// The query text has more patterns or predicates, or a longer regex, than allowed
    /// (counted before compiling).
    #[error("query has {count} {what}, over the limit of {max}")]
    TooComplex {
        /// `patterns`, `predicates` or `regex bytes`.
        what: &'static str,
        /// What the text has.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The text uses a construct tree-sitter's query compiler cannot handle safely (it would
    /// abort the process); refused before compiling.
    #[error("query uses {construct}, which is not supported")]
    Unsupported {
        /// The construct, as a user would recognise it.
        construct: &'static str,
    },
    /// Compiling took longer than `query.compile_timeout_ms`; the text is refused from now on.
    #[error(
        "query took {elapsed_ms} ms to compile, over query.compile_timeout_ms ({limit_ms} ms); this text is refused from now on"
    )]
    CompileTimeout {
        /// How long the compile took (0 when refused from memory).
        elapsed_ms: u64,
        /// The limit.
        limit_ms: u64,
    },
    /// A limit is outside the range tree-sitter accepts.
    #[error("query limit {field} = {value} is invalid: {reason}")]
    InvalidLimits {
        /// The limit's field name in `QueryLimits`.
        field: &'static str,
        /// The value given.
        value: u64,
        /// The accepted range.
        reason: &'static str,
    },
    /// The syntax tree does not belong to the source text it was given with.
    #[error("syntax tree ends at byte {tree_end_byte} but the source has only {source_len} bytes")]
    SourceMismatch {
        /// End byte of the root node.
        tree_end_byte: usize,
        /// Length of the source given.
        source_len: usize,
    },
    /// The query was compiled for another language than the tree's.
    #[error(
        "query compiled for language {query_language} cannot run on a tree of language {tree_language}"
    )]
    LanguageMismatch {
        /// The language id of the compiled query.
        query_language: String,
        /// The grammar name of the tree, as tree-sitter reports it.
        tree_language: String,
    },
}

impl QueryError {
    /// Converts tree-sitter's compile error, tagging it with our language id.
    pub fn from_tree_sitter(language: &str, err: &tree_sitter::QueryError) -> Self {
        Self::Invalid {
            language: language.to_owned(),
            row: err.row,
            column: err.column,
            offset: err.offset,
            kind: InvalidQueryKind::from(&err.kind),
            message: err.message.clone(),
        }
    }

    /// A stable machine-readable code for the HTTP error body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "invalid_query",
            Self::TooLarge { .. } => "query_too_large",
            Self::TooComplex { .. } => "query_too_complex",
            Self::Unsupported { .. } => "query_unsupported",
            Self::CompileTimeout { .. } => "query_compile_timeout",
            Self::InvalidLimits { .. } => "invalid_limits",
            Self::SourceMismatch { .. } => "source_mismatch",
            Self::LanguageMismatch { .. } => "language_mismatch",
        }
    }
}
