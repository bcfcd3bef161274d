//! An immutable, thread-shared compiled query: the `tree_sitter::Query` plus the facts needed
//! to cache it and to label its metrics.

use tree_sitter::{Language, Query};
use xxhash_rust::xxh3::xxh3_64;

use super::error::QueryError;

/// The xxh3-64 hash of a query's text, used in cache keys.
pub fn query_hash(text: &str) -> u64 {
    xxh3_64(text.as_bytes())
}

/// A query compiled for one language. Immutable and `Send + Sync`: share it behind an `Arc`
/// and run it from any thread with its own [`super::QueryContext`].
#[derive(Debug)]
pub struct CompiledQuery {
    language_id: String,
    language: Language,
    query: Query,
    text: String,
    normal: String,
    hash: u64,
}

impl CompiledQuery {
    /// Compiles `text` for `language` (identified as `language_id` in errors and metrics).
    ///
    /// # Errors
    /// [`QueryError::TooLarge`] when `text` is longer than `max_query_bytes` (checked before
    /// compiling); [`QueryError::Invalid`] with tree-sitter's 0-based row, byte column and
    /// offset when it does not compile.
    pub fn new(
        language_id: &str,
        language: &Language,
        text: &str,
        max_query_bytes: usize,
    ) -> Result<Self, QueryError> {
        if text.len() > max_query_bytes {
            return Err(QueryError::TooLarge {
                len_bytes: text.len(),
                max_bytes: max_query_bytes,
            });
        }
        let shape = super::shape::inspect(text);
        if shape.field_on_predicate {
            return Err(super::cache::field_on_predicate());
        }
        let normal = shape.normal;
        Self::with_normal(language_id, language, text, normal, max_query_bytes)
    }

    /// As [`CompiledQuery::new`], with the normal form of `text` already computed.
    pub(crate) fn with_normal(
        language_id: &str,
        language: &Language,
        text: &str,
        normal: String,
        max_query_bytes: usize,
    ) -> Result<Self, QueryError> {
        if text.len() > max_query_bytes {
            return Err(QueryError::TooLarge {
                len_bytes: text.len(),
                max_bytes: max_query_bytes,
            });
        }
        let query = Query::new(language, text)
            .map_err(|err| QueryError::from_tree_sitter(language_id, &err))?;
        Ok(Self {
            language_id: language_id.to_owned(),
            language: language.clone(),
            query,
            text: text.to_owned(),
            hash: query_hash(&normal),
            normal,
        })
    }

    /// The language id this query was compiled for.
    pub fn language_id(&self) -> &str {
        &self.language_id
    }

    /// The grammar this query was compiled for.
    pub fn language(&self) -> &Language {
        &self.language
    }

    /// The compiled tree-sitter query.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// The query's source text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text's normal form (whitespace and comments do not count).
    pub fn normal(&self) -> &str {
        &self.normal
    }

    /// [`query_hash`] of the text's normal form.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// Capture names, indexed by capture index.
    pub fn capture_names(&self) -> &[&str] {
        self.query.capture_names()
    }
}
