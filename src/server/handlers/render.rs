//! Rendering trees and syntax problems for answers: from a live tree, or from the bytecode of
//! a cache hit (which has no live tree).

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::bytecode::{DecodedTree, LineIndex, NodeId};
use crate::position::Position;

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

/// The decoded tree as JSON, in the same shape as [`crate::output::tree_json`].
pub fn decoded_tree_json(
    tree: &DecodedTree,
    lines: &LineIndex,
    language: &tree_sitter::Language,
) -> String {
    let mut s = String::new();
    let mut open_ends: Vec<usize> = Vec::new();
    let mut need_comma = false;
    for node in tree.nodes() {
        let i = node.index();
        while open_ends.last().is_some_and(|&end| end <= i) {
            open_ends.pop();
            s.push_str("]}");
            need_comma = true;
        }
        if need_comma {
            s.push(',');
        }
        let _ = write!(
            s,
            "{{\"kind\":{},\"named\":{}",
            json_str(kind_name(tree, node, language)),
            tree.is_named(node)
        );
        if let Some(field) = tree.field_name(node, language) {
            let _ = write!(s, ",\"field\":{}", json_str(field));
        }
        for (flag, on) in [
            ("error", tree.is_error(node)),
            ("missing", tree.is_missing(node)),
            ("extra", tree.is_extra(node)),
        ] {
            if on {
                let _ = write!(s, ",\"{flag}\":true");
            }
        }
        let (a, b) = (
            point(tree.start_byte(node), lines),
            point(tree.end_byte(node), lines),
        );
        let _ = write!(
            s,
            ",\"start\":{{\"byte\":{},\"row\":{},\"column\":{}}},\"end\":{{\"byte\":{},\"row\":{},\"column\":{}}}",
            a.byte, a.row, a.column, b.byte, b.row, b.column
        );
        let end = tree.subtree_end(node);
        if end > i + 1 {
            s.push_str(",\"children\":[");
            open_ends.push(end);
            need_comma = false;
        } else {
            s.push('}');
            need_comma = true;
        }
    }
    for _ in open_ends {
        s.push_str("]}");
    }
    s
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

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}
