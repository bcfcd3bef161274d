//! Exact verification: proves that bytes decode to the live tree, node for node.

use tree_sitter::{Node, Tree};

use super::decode::{DecodeError, decode};
use super::encode::unexpected_text;
use super::tree::{DecodedTree, NodeId};

/// What a successful [`verify`] checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VerifyStats {
    /// Nodes compared (the whole tree).
    pub nodes: usize,
    /// Deepest node's depth (the root is 0).
    pub max_depth: usize,
    /// ERROR nodes in the tree.
    pub error_nodes: usize,
    /// MISSING nodes in the tree.
    pub missing_nodes: usize,
    /// Length of the source in bytes.
    pub source_bytes: usize,
    /// Length of the encoding in bytes.
    pub encoded_bytes: usize,
}

/// The first node where the bytecode and the live tree disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Preorder index of the node (the root is 0).
    pub index: usize,
    /// Path from the root: `kind[child index]` steps, e.g. `module/function_definition[3]`.
    pub path: String,
    /// The live node's start byte.
    pub byte: usize,
    /// Which property differs, e.g. `kind_id`, `end_point`, `child_count`.
    pub what: &'static str,
    /// The live tree's value.
    pub expected: String,
    /// The bytecode's value.
    pub found: String,
}

/// Why [`verify`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The bytes do not decode.
    #[error("bytecode does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The header's source length or hash is not the given source's.
    #[error(
        "bytecode was encoded from another source: header has {expected_len} bytes / hash {expected_hash:#018x}, source has {found_len} bytes / hash {found_hash:#018x}"
    )]
    SourceMismatch {
        /// Source length recorded in the encoding.
        expected_len: u64,
        /// Source hash recorded in the encoding.
        expected_hash: u64,
        /// Length of the source given.
        found_len: u64,
        /// Hash of the source given.
        found_hash: u64,
    },
    /// A node differs.
    #[error(
        "node {} at byte {} ({}): {} differs: live tree has {}, bytecode has {}",
        .0.index, .0.byte, .0.path, .0.what, .0.expected, .0.found
    )]
    Node(Box<Mismatch>),
    /// The trees have different numbers of nodes.
    #[error("node count differs: live tree has {expected}, bytecode has {found}")]
    NodeCount {
        /// The value expected.
        expected: usize,
        /// The value found.
        found: usize,
    },
}

/// Decodes `bytes` and compares the result with `tree` (parsed from `source`) node for node:
/// kind id, field id, start/end byte, start/end point, named / extra / error / missing /
/// has_error flags, child count and the `(UNEXPECTED c)` text of ERROR leaves. Preorder order
/// plus equal child counts make the shapes equal too.
///
/// # Errors
/// The first difference found, with the node's preorder index, path and start byte.
pub fn verify(tree: &Tree, source: &[u8], bytes: &[u8]) -> Result<VerifyStats, VerifyError> {
    let decoded = decode(bytes)?;
    let lines = decoded.line_index(source).map_err(|e| match e {
        DecodeError::SourceMismatch {
            expected_len,
            expected_hash,
            found_len,
            found_hash,
        } => VerifyError::SourceMismatch {
            expected_len,
            expected_hash,
            found_len,
            found_hash,
        },
        other => VerifyError::Decode(other),
    })?;
    let mut stats = VerifyStats {
        source_bytes: source.len(),
        encoded_bytes: bytes.len(),
        ..VerifyStats::default()
    };
    // (kind id, child index) of every node from the root to the current one.
    let mut path: Vec<(u16, u32)> = vec![(0, 0)];
    let mut cursor = tree.walk();
    let mut index = 0usize;
    'walk: loop {
        let node = cursor.node();
        if let Some(last) = path.last_mut() {
            last.0 = node.kind_id();
        }
        if index >= decoded.len() {
            return Err(VerifyError::NodeCount {
                expected: count_nodes(tree),
                found: decoded.len(),
            });
        }
        let id = NodeId::from_index(index as u32);
        let field = cursor.field_id().map_or(0, |f| f.get());
        compare_node(&node, field, &decoded, id, &lines).map_err(|(what, expected, found)| {
            VerifyError::Node(Box::new(Mismatch {
                index,
                path: format_path(&path, tree),
                byte: node.start_byte(),
                what,
                expected,
                found,
            }))
        })?;
        stats.nodes += 1;
        stats.max_depth = stats.max_depth.max(path.len() - 1);
        stats.error_nodes += usize::from(node.is_error());
        stats.missing_nodes += usize::from(node.is_missing());
        index += 1;
        if cursor.goto_first_child() {
            path.push((0, 0));
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                if let Some(last) = path.last_mut() {
                    last.1 += 1;
                }
                continue 'walk;
            }
            if !cursor.goto_parent() {
                break 'walk;
            }
            path.pop();
        }
    }
    if index != decoded.len() {
        return Err(VerifyError::NodeCount {
            expected: index,
            found: decoded.len(),
        });
    }
    Ok(stats)
}

// ---- private helpers ------------------------------------------------------------------------

type Diff = (&'static str, String, String);

fn compare_node(
    node: &Node,
    field: u16,
    decoded: &DecodedTree,
    id: NodeId,
    lines: &super::LineIndex,
) -> Result<(), Diff> {
    fn check<T: PartialEq + std::fmt::Debug>(
        what: &'static str,
        live: T,
        got: T,
    ) -> Result<(), Diff> {
        if live == got {
            Ok(())
        } else {
            Err((what, format!("{live:?}"), format!("{got:?}")))
        }
    }
    check("kind_id", node.kind_id(), decoded.kind_id(id))?;
    check(
        "field_id",
        field,
        decoded.field_id(id).map_or(0, |f| f.get()),
    )?;
    check("start_byte", node.start_byte(), decoded.start_byte(id))?;
    check("end_byte", node.end_byte(), decoded.end_byte(id))?;
    check(
        "start_point",
        node.start_position(),
        decoded.start_point(id, lines),
    )?;
    check(
        "end_point",
        node.end_position(),
        decoded.end_point(id, lines),
    )?;
    check("is_named", node.is_named(), decoded.is_named(id))?;
    check("is_extra", node.is_extra(), decoded.is_extra(id))?;
    check("is_error", node.is_error(), decoded.is_error(id))?;
    check("is_missing", node.is_missing(), decoded.is_missing(id))?;
    check("has_error", node.has_error(), decoded.has_error(id))?;
    let child_count = node.child_count() as usize;
    check("child_count", child_count, decoded.child_count(id))?;
    if node.is_error() && child_count == 0 && node.end_byte() > node.start_byte() {
        check(
            "unexpected_text",
            unexpected_text(node).as_deref(),
            decoded.unexpected_text(id),
        )?;
    }
    Ok(())
}

fn count_nodes(tree: &Tree) -> usize {
    let mut cursor = tree.walk();
    let mut n = 0;
    'walk: loop {
        n += 1;
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                continue 'walk;
            }
            if !cursor.goto_parent() {
                return n;
            }
        }
    }
}

/// `kind[i]/kind[i]/…`, with the middle elided for very deep paths.
fn format_path(path: &[(u16, u32)], tree: &Tree) -> String {
    let language = tree.language();
    let step = |&(kind, i): &(u16, u32)| {
        format!(
            "{}[{i}]",
            language.node_kind_for_id(kind).unwrap_or("(null)")
        )
    };
    if path.len() <= 40 {
        path.iter().map(step).collect::<Vec<_>>().join("/")
    } else {
        let head: Vec<_> = path[..10].iter().map(step).collect();
        let tail: Vec<_> = path[path.len() - 10..].iter().map(step).collect();
        format!(
            "{}/…{} more…/{}",
            head.join("/"),
            path.len() - 20,
            tail.join("/")
        )
    }
}
