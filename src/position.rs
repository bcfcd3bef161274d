//! Source positions and ranges as every output reports them (CLI trees and problems, the HTTP
//! API's trees, problems, changed ranges, query captures and symbols): byte offset plus 0-based
//! row and byte column, exactly as tree-sitter counts them. The one position type of the crate.
//!
//! Edit *input* positions are different: they carry no byte offset and their column unit is
//! chosen by the client (see `parse::TextPosition`).

use serde::{Deserialize, Serialize};

/// A position: byte offset, zero-based row and byte column.
// `column` counts bytes from the start of the row (not UTF-16 code units, not characters). The
// doc comments here are the OpenAPI schema's descriptions (docs/openapi.json): keep them stable.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
// The OpenAPI document has always called it `Point`.
#[schema(as = Point)]
pub struct Position {
    /// Byte offset.
    pub byte: usize,
    /// Zero-based row.
    pub row: usize,
    /// Zero-based column in bytes.
    pub column: usize,
}

/// A half-open span `[start, end)` of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Range {
    /// First byte of the span.
    pub start: Position,
    /// One past the last byte of the span.
    pub end: Position,
}

impl Position {
    /// A byte offset and tree-sitter's row/column point for it.
    pub fn new(byte: usize, point: tree_sitter::Point) -> Self {
        Self {
            byte,
            row: point.row,
            column: point.column,
        }
    }

    /// The start of a node.
    pub fn start_of(node: &tree_sitter::Node<'_>) -> Self {
        let p = node.start_position();
        Self {
            byte: node.start_byte(),
            row: p.row,
            column: p.column,
        }
    }

    /// The end of a node.
    pub fn end_of(node: &tree_sitter::Node<'_>) -> Self {
        let p = node.end_position();
        Self {
            byte: node.end_byte(),
            row: p.row,
            column: p.column,
        }
    }
}

impl Range {
    /// The span of a node.
    pub fn of(node: &tree_sitter::Node<'_>) -> Self {
        Self {
            start: Position::start_of(node),
            end: Position::end_of(node),
        }
    }

    /// True when `other` lies entirely inside `self` (equal spans contain each other).
    pub fn contains(&self, other: &Range) -> bool {
        self.start.byte <= other.start.byte && other.end.byte <= self.end.byte
    }
}
