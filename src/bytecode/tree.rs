//! The decoded tree: a struct-of-arrays arena in preorder, with navigation and `to_sexp`.

use std::num::NonZeroU16;

use tree_sitter::{Language, Point};

use super::error::DecodeError;
use super::format::{ERROR_KIND_ID, FLAG_EXTRA, FLAG_HAS_ERROR, FLAG_MISSING, Header};
use super::lines::LineIndex;

/// The arena columns the decoder produces from the node stream.
pub(crate) struct Stream {
    pub(crate) kinds: Vec<u16>,
    pub(crate) fields: Vec<u16>,
    pub(crate) flags: Vec<u8>,
    pub(crate) starts: Vec<u32>,
    pub(crate) ends: Vec<u32>,
    pub(crate) parents: Vec<u32>,
    pub(crate) subtree_ends: Vec<u32>,
    pub(crate) unexpected: Vec<(u32, Box<str>)>,
    pub(crate) phantoms: Vec<(u32, Box<str>)>,
}

/// A node of a [`DecodedTree`]: its index in preorder (the root is 0).
///
/// Ids are only meaningful for the tree that produced them; passing another tree's id to a
/// method may panic or return an unrelated node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(u32);

impl NodeId {
    /// The preorder index of this node.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    pub(crate) fn from_index(index: u32) -> Self {
        NodeId(index)
    }
}

/// A decoded syntax tree. Nodes are stored in preorder, so a node's descendants are the
/// contiguous range `id + 1 .. subtree_end(id)`.
///
/// Invariants established by [`super::decode`]: at least one node (the root, id 0); every
/// non-root node's parent precedes it; `start_byte <= end_byte <= header().source_len`.
#[derive(Debug, Clone)]
pub struct DecodedTree {
    header: Header,
    kinds: Vec<u16>,
    fields: Vec<u16>,
    flags: Vec<u8>,
    starts: Vec<u32>,
    ends: Vec<u32>,
    parents: Vec<u32>,
    subtree_ends: Vec<u32>,
    unexpected: Vec<(u32, Box<str>)>,
    /// `(printer event, text)` of hidden MISSING nodes, in event order.
    phantoms: Vec<(u32, Box<str>)>,
}

/// Iterator over the children of a node (see [`DecodedTree::children`]).
#[derive(Debug, Clone)]
pub struct Children<'a> {
    tree: &'a DecodedTree,
    next: u32,
    end: u32,
}

impl Iterator for Children<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        if self.next >= self.end {
            return None;
        }
        let id = self.next;
        self.next = self.tree.subtree_ends[id as usize];
        Some(NodeId(id))
    }
}

impl DecodedTree {
    /// The header the tree was decoded from.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Number of nodes (always at least 1).
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    /// Always `false`: a decoded tree has a root.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// The root node.
    pub fn root(&self) -> NodeId {
        NodeId(0)
    }

    /// Every node in preorder.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = NodeId> + '_ {
        (0..self.kinds.len() as u32).map(NodeId)
    }

    /// The grammar's numeric kind id (`Node::kind_id`; aliases included, ERROR is 65535).
    pub fn kind_id(&self, node: NodeId) -> u16 {
        self.kinds[node.index()]
    }

    /// The kind's name in `language` (`Node::kind`), if the id exists there.
    pub fn kind<'l>(&self, node: NodeId, language: &'l Language) -> Option<&'l str> {
        language.node_kind_for_id(self.kind_id(node))
    }

    /// The field under which the node sits in its parent (`TreeCursor::field_id`).
    pub fn field_id(&self, node: NodeId) -> Option<NonZeroU16> {
        NonZeroU16::new(self.fields[node.index()])
    }

    /// The field's name in `language` (`TreeCursor::field_name`).
    pub fn field_name<'l>(&self, node: NodeId, language: &'l Language) -> Option<&'l str> {
        self.field_id(node)
            .and_then(|f| language.field_name_for_id(f.get()))
    }

    /// `Node::is_named`.
    pub fn is_named(&self, node: NodeId) -> bool {
        self.flags[node.index()] & NodeFlags::NAMED != 0
    }

    /// `Node::is_extra`.
    pub fn is_extra(&self, node: NodeId) -> bool {
        self.flags[node.index()] & FLAG_EXTRA != 0
    }

    /// `Node::is_missing`.
    pub fn is_missing(&self, node: NodeId) -> bool {
        self.flags[node.index()] & FLAG_MISSING != 0
    }

    /// `Node::has_error`: the node is or contains an ERROR or MISSING node.
    pub fn has_error(&self, node: NodeId) -> bool {
        self.flags[node.index()] & FLAG_HAS_ERROR != 0
    }

    /// `Node::is_error`: the node is an ERROR node.
    pub fn is_error(&self, node: NodeId) -> bool {
        self.kind_id(node) == ERROR_KIND_ID
    }

    /// `Node::start_byte`.
    pub fn start_byte(&self, node: NodeId) -> usize {
        self.starts[node.index()] as usize
    }

    /// `Node::end_byte`.
    pub fn end_byte(&self, node: NodeId) -> usize {
        self.ends[node.index()] as usize
    }

    /// `Node::start_position`, computed from the source's line index.
    pub fn start_point(&self, node: NodeId, lines: &LineIndex) -> Point {
        lines.point_for_byte(self.start_byte(node))
    }

    /// `Node::end_position`, computed from the source's line index.
    pub fn end_point(&self, node: NodeId, lines: &LineIndex) -> Point {
        lines.point_for_byte(self.end_byte(node))
    }

    /// Builds the line index for `source`, checking that it is the source this tree was
    /// encoded from (length and xxh3-64).
    ///
    /// # Errors
    /// [`DecodeError::SourceMismatch`] for any other source.
    pub fn line_index(&self, source: &[u8]) -> Result<LineIndex, DecodeError> {
        let found_hash = super::source_hash(source);
        if source.len() as u64 != self.header.source_len || found_hash != self.header.source_hash {
            return Err(DecodeError::SourceMismatch {
                expected_len: self.header.source_len,
                expected_hash: self.header.source_hash,
                found_len: source.len() as u64,
                found_hash,
            });
        }
        Ok(LineIndex::new(source))
    }

    /// The parent, or `None` for the root.
    pub fn parent(&self, node: NodeId) -> Option<NodeId> {
        let p = self.parents[node.index()];
        (p != NO_PARENT).then_some(NodeId(p))
    }

    /// The children in order (`Node::children`).
    pub fn children(&self, node: NodeId) -> Children<'_> {
        Children {
            tree: self,
            next: node.0 + 1,
            end: self.subtree_ends[node.index()],
        }
    }

    /// The named children in order (`Node::named_children`).
    pub fn named_children(&self, node: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.children(node).filter(|&c| self.is_named(c))
    }

    /// `Node::child_count`.
    pub fn child_count(&self, node: NodeId) -> usize {
        self.children(node).count()
    }

    /// `Node::named_child_count`.
    pub fn named_child_count(&self, node: NodeId) -> usize {
        self.named_children(node).count()
    }

    /// The next sibling (`Node::next_sibling`).
    pub fn next_sibling(&self, node: NodeId) -> Option<NodeId> {
        let parent = self.parent(node)?;
        let next = self.subtree_ends[node.index()];
        (next < self.subtree_ends[parent.index()]).then_some(NodeId(next))
    }

    /// One past the last descendant of `node` in preorder.
    pub fn subtree_end(&self, node: NodeId) -> usize {
        self.subtree_ends[node.index()] as usize
    }

    /// The child whose field is `field_id` (`Node::child_by_field_id`).
    pub fn child_by_field_id(&self, node: NodeId, field_id: u16) -> Option<NodeId> {
        self.children(node)
            .find(|&c| self.fields[c.index()] == field_id)
    }

    /// The smallest node that spans `byte`, following the rules of tree-sitter's
    /// `Node::descendant_for_byte_range(byte, byte)` (an empty node matches at its position; a
    /// non-empty node must extend past `byte`). Returns the root when nothing smaller matches.
    pub fn node_at_byte(&self, byte: usize) -> NodeId {
        self.descend(byte, byte, false, |b| b as usize)
    }

    /// Like [`Self::node_at_byte`] but only named nodes count
    /// (`Node::named_descendant_for_byte_range`).
    pub fn named_node_at_byte(&self, byte: usize) -> NodeId {
        self.descend(byte, byte, true, |b| b as usize)
    }

    /// The smallest node that spans `point` (`Node::descendant_for_point_range(p, p)`).
    pub fn node_at_point(&self, point: Point, lines: &LineIndex) -> NodeId {
        let key = (point.row, point.column);
        self.descend(key, key, false, |b| {
            let p = lines.point_for_byte(b as usize);
            (p.row, p.column)
        })
    }

    /// Like [`Self::node_at_point`] but only named nodes count.
    pub fn named_node_at_point(&self, point: Point, lines: &LineIndex) -> NodeId {
        let key = (point.row, point.column);
        self.descend(key, key, true, |b| {
            let p = lines.point_for_byte(b as usize);
            (p.row, p.column)
        })
    }

    /// Checks that every kind id and field id exists in `language`, so that names can be
    /// printed. `to_sexp` with a language that fails this check prints `(null)` for unknown
    /// names, as tree-sitter's C printer would.
    pub fn uses_only_ids_of(&self, language: &Language) -> bool {
        let kind_count = language.node_kind_count();
        let field_count = language.field_count();
        self.kinds
            .iter()
            .all(|&k| k == ERROR_KIND_ID || usize::from(k) < kind_count)
            && self.fields.iter().all(|&f| usize::from(f) <= field_count)
    }

    /// The S-expression of the whole tree, byte for byte what `tree.root_node().to_sexp()`
    /// prints: named and MISSING nodes only, `field: ` prefixes (inherited through anonymous
    /// nodes, never given to extras), `(MISSING name)` / `(MISSING "x")` and
    /// `(UNEXPECTED c)` for ERROR leaves.
    ///
    /// MISSING nodes of hidden kinds (which a `TreeCursor` never visits) are stored by the
    /// encoder as "phantoms" at their printing position and printed here too.
    pub fn to_sexp(&self, language: &Language) -> String {
        self.render_sexp(language, None)
    }

    /// [`Self::to_sexp`], optionally recording the output length at every printer event
    /// (before each node opens, before each node closes, and once at the end).
    pub(crate) fn render_sexp(
        &self,
        language: &Language,
        mut events: Option<&mut Vec<usize>>,
    ) -> String {
        /// An open ancestor while printing.
        struct Frame {
            end: u32,
            printed: bool,
            /// Field inherited by children that have none of their own (0 = none).
            field: u32,
        }
        let name_of = |k: u16| language.node_kind_for_id(k).unwrap_or("(null)");
        let field_name_of = |f: u32| {
            if f == ROOT_FIELD {
                "__ROOT__"
            } else {
                language.field_name_for_id(f as u16).unwrap_or("(null)")
            }
        };
        let mut out = String::with_capacity(self.len() * 12);
        let mut stack: Vec<Frame> = Vec::new();
        let mut unexpected = self.unexpected.iter().peekable();
        let mut phantoms = self.phantoms.iter().peekable();
        let mut event = 0u32;
        let mut on_event = |out: &mut String| {
            if let Some(events) = events.as_deref_mut() {
                events.push(out.len());
            }
            while let Some((_, text)) = phantoms.next_if(|(e, _)| *e == event) {
                out.push_str(text);
            }
            event += 1;
        };
        for i in 0..self.kinds.len() {
            while let Some(top) = stack.last() {
                if top.end as usize > i {
                    break;
                }
                on_event(&mut out);
                if top.printed {
                    out.push(')');
                }
                stack.pop();
            }
            on_event(&mut out);
            let id = NodeId(i as u32);
            let kind = self.kinds[i];
            let missing = self.is_missing(id);
            let named = self.is_named(id);
            let unexpected_text = match unexpected.peek() {
                Some((at, text)) if *at as usize == i => {
                    unexpected.next();
                    Some(text)
                }
                _ => None,
            };
            let (printed, field) = match stack.last() {
                None => {
                    let printed = missing || (named && language.node_kind_is_visible(kind));
                    (printed, if printed { 0 } else { ROOT_FIELD })
                }
                Some(parent) => {
                    let own = u32::from(self.fields[i]);
                    let field = if self.is_extra(id) {
                        0
                    } else if own != 0 {
                        own
                    } else if !parent.printed {
                        parent.field
                    } else {
                        0
                    };
                    (missing || named, field)
                }
            };
            if printed {
                if !stack.is_empty() {
                    out.push(' ');
                    if field != 0 {
                        out.push_str(field_name_of(field));
                        out.push_str(": ");
                    }
                }
                if let Some(text) = unexpected_text {
                    out.push_str("(UNEXPECTED ");
                    out.push_str(text);
                } else if missing {
                    out.push_str("(MISSING ");
                    if named {
                        out.push_str(name_of(kind));
                    } else {
                        out.push('"');
                        out.push_str(name_of(kind));
                        out.push('"');
                    }
                } else {
                    out.push('(');
                    out.push_str(name_of(kind));
                }
            } else if stack.is_empty() {
                // tree-sitter's printer opens an invisible root but never closes it.
                if self.subtree_ends[i] as usize > i + 1 {
                    out.push('(');
                    out.push_str(name_of(kind));
                } else if named {
                    out.push('(');
                    out.push_str(name_of(kind));
                    out.push(')');
                } else {
                    out.push_str("(\"");
                    out.push_str(name_of(kind));
                    out.push_str("\")");
                }
            }
            stack.push(Frame {
                end: self.subtree_ends[i],
                printed,
                field,
            });
        }
        while let Some(top) = stack.pop() {
            on_event(&mut out);
            if top.printed {
                out.push(')');
            }
        }
        on_event(&mut out);
        out
    }

    pub(crate) fn from_parts(header: Header, s: Stream) -> Self {
        DecodedTree {
            header,
            kinds: s.kinds,
            fields: s.fields,
            flags: s.flags,
            starts: s.starts,
            ends: s.ends,
            parents: s.parents,
            subtree_ends: s.subtree_ends,
            unexpected: s.unexpected,
            phantoms: s.phantoms,
        }
    }

    /// The `(UNEXPECTED c)` text of an ERROR leaf, if it has one.
    pub(crate) fn unexpected_text(&self, node: NodeId) -> Option<&str> {
        self.unexpected
            .binary_search_by_key(&node.0, |(at, _)| *at)
            .ok()
            .map(|i| &*self.unexpected[i].1)
    }

    /// tree-sitter's `ts_node__descendant_for_{byte,point}_range`, over visible children.
    fn descend<K: Ord + Copy>(
        &self,
        range_start: K,
        range_end: K,
        named_only: bool,
        key: impl Fn(u32) -> K,
    ) -> NodeId {
        let mut node = self.root();
        let mut last = node;
        if range_start > range_end {
            return last;
        }
        'descend: loop {
            for child in self.children(node) {
                let child_end = key(self.ends[child.index()]);
                if child_end < range_end {
                    continue;
                }
                let child_start = key(self.starts[child.index()]);
                let empty = child_start == child_end;
                if if empty {
                    child_end < range_start
                } else {
                    child_end <= range_start
                } {
                    continue;
                }
                if range_start < child_start {
                    break;
                }
                node = child;
                if !named_only || self.is_named(child) {
                    last = child;
                }
                continue 'descend;
            }
            return last;
        }
    }
}

/// Parent index of the root.
pub(crate) const NO_PARENT: u32 = u32::MAX;

/// `to_sexp`'s field value for the children of an invisible root: tree-sitter prints
/// `__ROOT__: ` there.
const ROOT_FIELD: u32 = 1 << 16;

/// Bits of the arena's flags column beyond the stored flags byte.
pub(crate) struct NodeFlags;

impl NodeFlags {
    /// From the kind table: the node is named.
    pub(crate) const NAMED: u8 = 1 << 7;
}
