//! Rendering trees and syntax problems for answers: from a live tree, or from the bytecode of
//! a cache hit (which has no live tree).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::JsonBytes;
use crate::bytecode::{DecodedTree, LineIndex, NodeId};
use crate::position::Position;
use crate::server::error::ApiError;

/// Most syntax problems listed in one answer.
pub const MAX_PROBLEMS: usize = 100;

/// How a tree is returned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TreeFormat {
    /// No tree (the default: cheapest).
    #[default]
    None,
    /// tree-sitter's S-expression (named nodes only).
    Sexp,
    /// Nested JSON objects with every node.
    Json,
}

/// An ERROR node, or a MISSING node inserted by error recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// `error` or `missing`.
    pub kind: String,
    /// `ERROR`, or for a missing node the kind that was expected.
    pub node_kind: String,
    /// Start.
    pub start: Position,
    /// End (exclusive).
    pub end: Position,
}

/// Problems of a live tree.
pub fn problems_of_tree(tree: &tree_sitter::Tree) -> Vec<Problem> {
    crate::output::syntax_problems(tree, MAX_PROBLEMS)
        .into_iter()
        .map(|p| Problem {
            kind: p.kind.to_string(),
            node_kind: p.node_kind,
            start: p.start,
            end: p.end,
        })
        .collect()
}

/// Problems of a decoded tree.
pub fn problems_of_decoded(
    tree: &DecodedTree,
    lines: &LineIndex,
    language: &tree_sitter::Language,
) -> Vec<Problem> {
    let mut out = Vec::new();
    if tree.is_empty() || !tree.has_error(tree.root()) {
        return out;
    }
    for node in tree.nodes() {
        if !(tree.is_error(node) || tree.is_missing(node)) {
            continue;
        }
        out.push(Problem {
            kind: if tree.is_missing(node) {
                "missing"
            } else {
                "error"
            }
            .to_string(),
            node_kind: kind_name(tree, node, language).to_string(),
            start: point(tree.start_byte(node), lines),
            end: point(tree.end_byte(node), lines),
        });
        if out.len() >= MAX_PROBLEMS {
            break;
        }
    }
    out
}

/// Why rendering stopped: the answer would exceed its bound, or the request is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The answer would exceed `server.max_response_bytes`.
    #[error(
        "the answer exceeds server.max_response_bytes ({limit} bytes): ask for `format: \"sexp\"` or `\"none\"`, or select the nodes you need with POST /v1/query"
    )]
    TooLarge {
        /// The bound.
        limit: usize,
    },
    /// The request was cancelled (deadline or client gone) while rendering.
    #[error("the request was cancelled while its answer was rendered")]
    Cancelled,
}

impl From<RenderError> for ApiError {
    fn from(e: RenderError) -> Self {
        match e {
            RenderError::TooLarge { .. } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "response_too_large",
                e.to_string(),
            ),
            RenderError::Cancelled => ApiError::unavailable("cancelled", e.to_string(), 1),
        }
    }
}

/// The bounds of one rendering: the largest body and the request's cancel flag.
#[derive(Debug, Clone, Copy)]
pub struct RenderBudget<'a> {
    /// `server.max_response_bytes`.
    pub max_bytes: usize,
    /// Set when the request is gone.
    pub cancel: &'a AtomicBool,
}

impl RenderBudget<'_> {
    /// Checks the size written so far and the cancel flag.
    ///
    /// # Errors
    /// [`RenderError::TooLarge`] past the bound, [`RenderError::Cancelled`].
    pub fn check(&self, written: usize) -> Result<(), RenderError> {
        if written > self.max_bytes {
            return Err(RenderError::TooLarge {
                limit: self.max_bytes,
            });
        }
        if self.cancel.load(Ordering::Relaxed) {
            return Err(RenderError::Cancelled);
        }
        Ok(())
    }
}

/// Nodes rendered between two budget checks.
const CHECK_EVERY_NODES: usize = 1024;

/// Writes a tree into the answer being built (checking the budget as it goes).
pub type TreeWriter<'a> = dyn Fn(&mut Vec<u8>) -> Result<(), RenderError> + 'a;

/// Serialises `head` (an answer whose `tree` field is absent) and appends `"tree":` with
/// what `tree` writes, straight into the one body buffer: the tree is rendered once, never
/// copied, and the whole body stays within `budget`.
///
/// # Errors
/// [`RenderError`] as an API error (413 `response_too_large`, 503 `cancelled`).
pub fn body_with_tree<T: Serialize>(
    head: &T,
    budget: &RenderBudget<'_>,
    tree: Option<&TreeWriter<'_>>,
) -> Result<JsonBytes, ApiError> {
    let mut out = serde_json::to_vec(head).map_err(ApiError::internal)?;
    if let Some(render) = tree {
        if out.last() != Some(&b'}') {
            return Err(ApiError::internal(
                "an answer did not serialise to an object",
            ));
        }
        out.pop();
        if out.len() > 1 {
            out.push(b',');
        }
        out.extend_from_slice(b"\"tree\":");
        render(&mut out)?;
        out.push(b'}');
    }
    budget.check(out.len())?;
    Ok(JsonBytes(StatusCode::OK, out))
}

/// Writes `text` as a JSON string (an S-expression).
///
/// # Errors
/// [`RenderError::TooLarge`] when it would not fit.
pub fn write_json_string(
    out: &mut Vec<u8>,
    text: &str,
    budget: &RenderBudget<'_>,
) -> Result<(), RenderError> {
    // Escaping at most doubles plain text (control characters aside): refuse early.
    budget.check(out.len().saturating_add(text.len()))?;
    write_str(out, text);
    budget.check(out.len())
}

/// Writes a live tree as JSON, in the shape of [`crate::output::tree_json`], checking the
/// budget every `CHECK_EVERY_NODES` (1 024) nodes.
///
/// # Errors
/// [`RenderError`] when the bound is passed or the request is cancelled.
pub fn write_tree_json(
    out: &mut Vec<u8>,
    tree: &tree_sitter::Tree,
    budget: &RenderBudget<'_>,
) -> Result<(), RenderError> {
    let mut cursor = tree.walk();
    let mut nodes = 0usize;
    loop {
        nodes += 1;
        if nodes.is_multiple_of(CHECK_EVERY_NODES) {
            budget.check(out.len())?;
        }
        let node = cursor.node();
        out.extend_from_slice(b"{\"kind\":");
        write_str(out, node.kind());
        let _ = write!(out, ",\"named\":{}", node.is_named());
        if let Some(field) = cursor.field_name() {
            out.extend_from_slice(b",\"field\":");
            write_str(out, field);
        }
        for (flag, on) in [
            ("error", node.is_error()),
            ("missing", node.is_missing()),
            ("extra", node.is_extra()),
        ] {
            if on {
                let _ = write!(out, ",\"{flag}\":true");
            }
        }
        let (a, b) = (node.start_position(), node.end_position());
        let _ = write!(
            out,
            ",\"start\":{{\"byte\":{},\"row\":{},\"column\":{}}},\"end\":{{\"byte\":{},\"row\":{},\"column\":{}}}",
            node.start_byte(),
            a.row,
            a.column,
            node.end_byte(),
            b.row,
            b.column
        );
        if cursor.goto_first_child() {
            out.extend_from_slice(b",\"children\":[");
            continue;
        }
        out.push(b'}');
        loop {
            if cursor.goto_next_sibling() {
                out.push(b',');
                break;
            }
            if !cursor.goto_parent() {
                return budget.check(out.len());
            }
            out.extend_from_slice(b"]}");
        }
    }
}

/// Writes a decoded tree as JSON, in the same shape as [`write_tree_json`].
///
/// # Errors
/// [`RenderError`] when the bound is passed or the request is cancelled.
pub fn write_decoded_tree_json(
    out: &mut Vec<u8>,
    tree: &DecodedTree,
    lines: &LineIndex,
    language: &tree_sitter::Language,
    budget: &RenderBudget<'_>,
) -> Result<(), RenderError> {
    let mut open_ends: Vec<usize> = Vec::new();
    let mut need_comma = false;
    for node in tree.nodes() {
        let i = node.index();
        if (i + 1).is_multiple_of(CHECK_EVERY_NODES) {
            budget.check(out.len())?;
        }
        while open_ends.last().is_some_and(|&end| end <= i) {
            open_ends.pop();
            out.extend_from_slice(b"]}");
            need_comma = true;
        }
        if need_comma {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"kind\":");
        write_str(out, kind_name(tree, node, language));
        let _ = write!(out, ",\"named\":{}", tree.is_named(node));
        if let Some(field) = tree.field_name(node, language) {
            out.extend_from_slice(b",\"field\":");
            write_str(out, field);
        }
        for (flag, on) in [
            ("error", tree.is_error(node)),
            ("missing", tree.is_missing(node)),
            ("extra", tree.is_extra(node)),
        ] {
            if on {
                let _ = write!(out, ",\"{flag}\":true");
            }
        }
        let (a, b) = (
            point(tree.start_byte(node), lines),
            point(tree.end_byte(node), lines),
        );
        let _ = write!(
            out,
            ",\"start\":{{\"byte\":{},\"row\":{},\"column\":{}}},\"end\":{{\"byte\":{},\"row\":{},\"column\":{}}}",
            a.byte, a.row, a.column, b.byte, b.row, b.column
        );
        let end = tree.subtree_end(node);
        if end > i + 1 {
            out.extend_from_slice(b",\"children\":[");
            open_ends.push(end);
            need_comma = false;
        } else {
            out.push(b'}');
            need_comma = true;
        }
    }
    for _ in open_ends {
        out.extend_from_slice(b"]}");
    }
    budget.check(out.len())
}

fn kind_name<'l>(tree: &DecodedTree, node: NodeId, language: &'l tree_sitter::Language) -> &'l str {
    if tree.is_error(node) {
        return "ERROR";
    }
    tree.kind(node, language).unwrap_or("UNKNOWN")
}

fn point(byte: usize, lines: &LineIndex) -> Position {
    let p = lines.point_for_byte(byte);
    Position::new(byte, p)
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    // Writing a `str` into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}
