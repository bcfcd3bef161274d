//! Encoder: walks a live tree with a `TreeCursor` loop and writes format v1 bytes.

use tree_sitter::{Node, Tree};

use super::decode::decode;
use super::format::{
    ERROR_KIND_ID, EXT_PHANTOM, EXT_SET_POS, FLAG_EXTRA, FLAG_HAS_ERROR, FLAG_MISSING,
    FLAG_UNEXPECTED, KIND_NAMED, LEAVE_DELTA_VARINT, NODE_GAP_SHIFT, NODE_GAP_VARINT,
    NODE_HAS_FIELD, NODE_HAS_FLAGS, OP_ENTER, OP_EXT, OP_LEAF, OP_LEAVE, checksum_of, write_header,
};
use super::varint::write_varint;
use super::walk::{WalkFailure, Walked, WantedKinds, unexpected_char_text, walk};

/// What the header records besides facts taken from the tree and the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeMeta<'a> {
    /// The registry's language id, e.g. `python` (at most 1024 bytes are kept).
    pub language_id: &'a str,
    /// The grammar version the tree was parsed with (at most 1024 bytes are kept).
    pub grammar_version: &'a str,
}

/// Encodes `tree`, which must have been parsed from exactly `source`, as format v1 bytes.
///
/// Walks the tree once with a `TreeCursor` (no recursion, so any depth is fine), then writes
/// the header, a kind table sorted by frequency, and the opcode stream. The result decodes
/// with [`super::decode`] and passes [`super::verify`] against the same tree and source.
pub fn encode(tree: &Tree, source: &[u8], meta: &EncodeMeta) -> Vec<u8> {
    match encode_unless(tree, source, meta, &|| false) {
        Some(bytes) => bytes,
        None => unreachable!("an encoding that is never cancelled completes"),
    }
}

/// Nodes walked or written between two polls of the cancel check.
const CANCEL_POLL_NODES: usize = 4096;

/// [`encode`], polling `cancelled` every few thousand nodes (and before the error-tree
/// alignment, which prints the whole tree): `None` as soon as it returns true. A request that
/// timed out or was abandoned stops its encoding instead of finishing work nobody reads.
pub fn encode_unless(
    tree: &Tree,
    source: &[u8],
    meta: &EncodeMeta,
    cancelled: &dyn Fn() -> bool,
) -> Option<Vec<u8>> {
    encode_finding(tree, source, meta, cancelled, None).map(|(bytes, _)| bytes)
}

/// [`encode_unless`], collecting in the same walk the nodes of the `kinds` wanted, if any (a
/// symbol extraction's match roots, as [`super::walk::find_kinds`] finds them), so that the
/// tree is walked once for both. The nodes are `None` without `kinds` and when the walk fell
/// back to a cursor.
pub(crate) fn encode_finding<'tree>(
    tree: &'tree Tree,
    source: &[u8],
    meta: &EncodeMeta,
    cancelled: &dyn Fn() -> bool,
    kinds: Option<WantedKinds<'_>>,
) -> Option<(Vec<u8>, Option<Vec<Node<'tree>>>)> {
    // Polled once before any work (a small tree is walked without a poll).
    if cancelled() {
        return None;
    }
    let (walk, found) = collect(tree, source.len(), cancelled, kinds)?;

    // Kind table: (kind id, named) pairs sorted by descending frequency, so that the common
    // kinds get one-byte indices.
    let mut order: Vec<usize> = (0..walk.kind_slots.len())
        .filter(|&s| walk.kind_slots[s].count > 0)
        .collect();
    order.sort_by(|&a, &b| {
        walk.kind_slots[b]
            .count
            .cmp(&walk.kind_slots[a].count)
            .then(a.cmp(&b))
    });
    let mut local_of_slot = vec![0u32; walk.kind_slots.len()];
    for (local, &slot) in order.iter().enumerate() {
        local_of_slot[slot] = local as u32;
    }

    let node_count = u32::try_from(walk.nodes.len()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(source.len() / 2 + 256);
    write_header(
        &mut out,
        meta.language_id,
        meta.grammar_version,
        source,
        node_count,
    );
    let header_len = out.len();

    write_varint(&mut out, order.len() as u64);
    for &slot in &order {
        let info = &walk.kind_slots[slot];
        write_varint(&mut out, u64::from(slot_kind_id(slot)));
        out.push(if slot_is_named(slot) { KIND_NAMED } else { 0 });
        write_varint(&mut out, info.fixed_len_plus_one());
    }

    let mut pos: u32 = 0;
    let mut open: Vec<u32> = Vec::new();
    let mut unexpected = walk.unexpected.iter().peekable();
    for (i, rec) in walk.nodes.iter().enumerate() {
        if i % CANCEL_POLL_NODES == CANCEL_POLL_NODES - 1 && cancelled() {
            return None;
        }
        let start = rec.start;
        if start < pos {
            set_pos(&mut out, start);
            pos = start;
        }
        let gap = start - pos;
        let mut op = if rec.leaf { OP_LEAF } else { OP_ENTER };
        if rec.field != 0 {
            op |= NODE_HAS_FIELD;
        }
        if rec.flags != 0 {
            op |= NODE_HAS_FLAGS;
        }
        op |= (gap.min(u32::from(NODE_GAP_VARINT)) as u8) << NODE_GAP_SHIFT;
        out.push(op);
        write_varint(&mut out, u64::from(local_of_slot[rec.kind_slot as usize]));
        if rec.field != 0 {
            write_varint(&mut out, u64::from(rec.field));
        }
        if rec.flags != 0 {
            out.push(rec.flags);
        }
        if rec.flags & FLAG_UNEXPECTED != 0 {
            let text = match unexpected.peek() {
                Some((at, text)) if *at == i => {
                    unexpected.next();
                    text.as_bytes()
                }
                _ => &[],
            };
            write_varint(&mut out, text.len() as u64);
            out.extend_from_slice(text);
        }
        if gap >= u32::from(NODE_GAP_VARINT) {
            write_varint(&mut out, u64::from(gap - u32::from(NODE_GAP_VARINT)));
        }
        if rec.leaf {
            let fixed = walk.kind_slots[rec.kind_slot as usize].fixed_len;
            if rec.flags != 0 || fixed >= FIXED_VARIABLE {
                write_varint(&mut out, u64::from(rec.end - rec.start));
            }
            pos = rec.end;
        } else {
            open.push(i as u32);
            pos = start;
        }
        for _ in 0..rec.closes {
            let Some(parent) = open.pop() else { break };
            let end = walk.nodes[parent as usize].end;
            if end < pos {
                set_pos(&mut out, end);
                pos = end;
            }
            let delta = end - pos;
            out.push(OP_LEAVE | ((delta.min(u32::from(LEAVE_DELTA_VARINT)) as u8) << 2));
            if delta >= u32::from(LEAVE_DELTA_VARINT) {
                write_varint(&mut out, u64::from(delta - u32::from(LEAVE_DELTA_VARINT)));
            }
            pos = end;
        }
    }

    seal(&mut out, header_len);
    // Hidden MISSING nodes exist only in trees with errors; the C walk counts them, so the
    // printout alignment runs only when there are some (a cursor walk cannot tell).
    if walk.tree_has_error && walk.hidden_missing != Some(0) {
        if cancelled() {
            return None;
        }
        let visible_missing = walk
            .nodes
            .iter()
            .filter(|n| n.flags & FLAG_MISSING != 0)
            .count();
        add_phantoms(tree, &mut out, header_len, visible_missing);
    }
    Some((out, found))
}

// ---- private helpers ------------------------------------------------------------------------

/// `KindSlot::fixed_len` before any flag-free leaf of the kind was seen.
const FIXED_UNSEEN: u32 = u32::MAX;
/// `KindSlot::fixed_len` once two flag-free leaves of the kind had different lengths.
const FIXED_VARIABLE: u32 = u32::MAX - 1;

/// One node as the walk saw it.
#[derive(Debug, Clone, Copy)]
struct NodeRec {
    start: u32,
    end: u32,
    /// Index into the kind slots (see [`slot_for`]).
    kind_slot: u32,
    field: u16,
    flags: u8,
    leaf: bool,
    /// How many open nodes close right after this node (its subtree, if any, included).
    closes: u32,
}

#[derive(Debug, Clone, Copy)]
struct KindSlot {
    count: u32,
    fixed_len: u32,
}

impl KindSlot {
    fn fixed_len_plus_one(&self) -> u64 {
        if self.fixed_len >= FIXED_VARIABLE {
            0
        } else {
            u64::from(self.fixed_len) + 1
        }
    }
}

struct Walk {
    tree_has_error: bool,
    nodes: Vec<NodeRec>,
    kind_slots: Vec<KindSlot>,
    /// `(node index, text)` for ERROR leaves printed as `(UNEXPECTED text)`, in node order.
    unexpected: Vec<(usize, String)>,
    /// MISSING nodes no cursor visits (`None`: not counted).
    hidden_missing: Option<u32>,
}

/// Slots are `(kind_id + 1) * 2 + named` (wrapping, so ERROR = 65535 takes slots 0 and 1 and
/// the table stays small); a kind id seen both named and anonymous (which tree-sitter does not
/// produce, but the format allows) still round-trips exactly.
fn slot_for(kind: u16, named: bool) -> usize {
    usize::from(kind.wrapping_add(1)) * 2 + usize::from(named)
}

fn slot_kind_id(slot: usize) -> u16 {
    ((slot / 2) as u16).wrapping_sub(1)
}

fn slot_is_named(slot: usize) -> bool {
    slot % 2 == 1
}

/// One preorder pass over the tree recording every node a `TreeCursor` visits: the C walk
/// (see [`super::walk`]), or the cursor itself if the C walk cannot run.
/// With `kinds`, the C walk also gives the nodes of those kinds (`None` after a fallback).
fn collect<'tree>(
    tree: &'tree Tree,
    source_len: usize,
    cancelled: &dyn Fn() -> bool,
    kinds: Option<WantedKinds<'_>>,
) -> Option<(Walk, Option<Vec<Node<'tree>>>)> {
    match walk(tree, cancelled, CANCEL_POLL_NODES as u32, kinds) {
        Ok(mut walked) => {
            let found = kinds.map(|_| std::mem::take(&mut walked.found));
            Some((from_walked(tree, walked), found))
        }
        Err(WalkFailure::Cancelled) => None,
        Err(WalkFailure::Unavailable) => {
            collect_with_cursor(tree, source_len, cancelled).map(|w| (w, None))
        }
    }
}

/// Counts one node of `slot`; `flag_free_leaf_len` is the length of a flag-free leaf (whose
/// kind keeps a fixed length while every such leaf has the same one).
fn count_kind(kind_slots: &mut Vec<KindSlot>, slot: usize, flag_free_leaf_len: Option<u32>) {
    if slot >= kind_slots.len() {
        kind_slots.resize(
            slot + 1,
            KindSlot {
                count: 0,
                fixed_len: FIXED_UNSEEN,
            },
        );
    }
    let info = &mut kind_slots[slot];
    info.count += 1;
    if let Some(len) = flag_free_leaf_len {
        if info.fixed_len == FIXED_UNSEEN {
            info.fixed_len = len;
        } else if info.fixed_len != len {
            info.fixed_len = FIXED_VARIABLE;
        }
    }
}

fn named_by_kind(tree: &Tree) -> Vec<bool> {
    let language = tree.language();
    (0..language.node_kind_count())
        .map(|k| u16::try_from(k).is_ok_and(|k| language.node_kind_is_named(k)))
        .collect()
}

fn from_walked(tree: &Tree, walked: Walked<'_>) -> Walk {
    let tree_has_error = tree.root_node().has_error();
    let named_by_kind = named_by_kind(tree);
    let mut kind_slots: Vec<KindSlot> = Vec::new();
    let mut unexpected = Vec::new();
    let mut nodes = Vec::with_capacity(walked.nodes.len());
    for (i, w) in walked.nodes.iter().enumerate() {
        let named = named_by_kind
            .get(usize::from(w.symbol))
            .copied()
            .unwrap_or_else(|| {
                // Not in the grammar's table (ERROR): ask tree-sitter.
                tree.language().node_kind_is_named(w.symbol)
            });
        let slot = slot_for(w.symbol, named);
        let leaf = w.leaf != 0;
        count_kind(
            &mut kind_slots,
            slot,
            (leaf && w.flags == 0).then(|| w.end - w.start),
        );
        if w.flags & FLAG_UNEXPECTED != 0 {
            unexpected.push((i, unexpected_char_text(w.lookahead_char)));
        }
        nodes.push(NodeRec {
            start: w.start,
            end: w.end,
            kind_slot: slot as u32,
            field: w.field,
            flags: w.flags,
            leaf,
            closes: w.closes,
        });
    }
    Walk {
        tree_has_error,
        nodes,
        kind_slots,
        unexpected,
        hidden_missing: Some(walked.hidden_missing),
    }
}

/// [`collect`] with a `TreeCursor`: the reference the C walk is tested against, and its
/// fallback.
fn collect_with_cursor(
    tree: &Tree,
    source_len: usize,
    cancelled: &dyn Fn() -> bool,
) -> Option<Walk> {
    let tree_has_error = tree.root_node().has_error();
    let named_by_kind = named_by_kind(tree);
    // Real code has roughly one node per four source bytes.
    let mut nodes: Vec<NodeRec> = Vec::with_capacity(source_len / 4 + 1);
    let mut kind_slots: Vec<KindSlot> = Vec::new();
    let mut unexpected = Vec::new();
    let mut cursor = tree.walk();
    'walk: loop {
        if nodes.len() % CANCEL_POLL_NODES == CANCEL_POLL_NODES - 1 && cancelled() {
            return None;
        }
        let node = cursor.node();
        let field = cursor.field_id().map_or(0, |f| f.get());
        let start = node.start_byte() as u32;
        let end = node.end_byte() as u32;
        let kind_id = node.kind_id();
        // `Node::is_named` is the named bit of the (possibly aliased) kind's metadata.
        let named = match named_by_kind.get(usize::from(kind_id)) {
            Some(&named) => named,
            None => node.is_named(),
        };
        let slot = slot_for(kind_id, named);
        let mut flags = 0u8;
        if node.is_extra() {
            flags |= FLAG_EXTRA;
        }
        // A tree whose root has no error has no ERROR, MISSING or has_error node anywhere
        // (tree-sitter sums error costs upwards), so clean trees skip these calls.
        if tree_has_error && node.is_missing() {
            flags |= FLAG_MISSING;
        }
        if tree_has_error && node.has_error() {
            flags |= FLAG_HAS_ERROR;
        }
        if tree_has_error
            && kind_id == ERROR_KIND_ID
            && end > start
            && node.child_count() == 0
            && let Some(text) = unexpected_text(&node)
        {
            flags |= FLAG_UNEXPECTED;
            unexpected.push((nodes.len(), text));
        }
        let leaf = !cursor.goto_first_child();
        count_kind(
            &mut kind_slots,
            slot,
            (leaf && flags == 0).then(|| end - start),
        );
        nodes.push(NodeRec {
            start,
            end,
            kind_slot: slot as u32,
            field,
            flags,
            leaf,
            closes: 0,
        });
        if !leaf {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                break 'walk;
            }
            if let Some(last) = nodes.last_mut() {
                last.closes += 1;
            }
        }
    }
    Some(Walk {
        tree_has_error,
        nodes,
        kind_slots,
        unexpected,
        hidden_missing: None,
    })
}

/// The `c` of `(UNEXPECTED c)` for an ERROR leaf: the lexer's first unexpected character,
/// which only tree-sitter's own printer exposes.
pub(crate) fn unexpected_text(node: &Node) -> Option<String> {
    let sexp = node.to_sexp();
    let rest = sexp.strip_prefix("(UNEXPECTED ")?;
    Some(rest.strip_suffix(')').unwrap_or(rest).to_owned())
}

fn set_pos(out: &mut Vec<u8>, pos: u32) {
    out.push(OP_EXT | (EXT_SET_POS << 2));
    write_varint(out, u64::from(pos));
}

/// Patches body length and checksum into a finished encoding.
fn seal(out: &mut [u8], header_len: usize) {
    let body_len = (out.len() - header_len) as u64;
    out[header_len - 12..header_len - 4].copy_from_slice(&body_len.to_le_bytes());
    let checksum = checksum_of(out, header_len);
    out[header_len - 4..header_len].copy_from_slice(&checksum.to_le_bytes());
}

/// Trees with errors can hold MISSING nodes of hidden kinds, which `to_sexp` prints but a
/// `TreeCursor` never visits. Finds them by aligning our printout with tree-sitter's and
/// appends them as PHANTOM opcodes at their printer events. Keeps them only if the result
/// then prints exactly like tree-sitter; otherwise leaves the encoding as it was.
fn add_phantoms(tree: &Tree, out: &mut Vec<u8>, header_len: usize, visible_missing: usize) {
    let live = tree.root_node().to_sexp();
    // Every phantom prints one more `(MISSING ` than the visible MISSING nodes do.
    if live.matches("(MISSING ").count() <= visible_missing {
        return;
    }
    let Ok(decoded) = decode(out) else { return };
    let language = tree.language();
    let mut events = Vec::new();
    let ours = decoded.render_sexp(&language, Some(&mut events));
    if ours == live {
        return;
    }
    let Some(phantoms) = align_phantoms(ours.as_bytes(), live.as_bytes(), &events) else {
        return;
    };
    let sealed_len = out.len();
    for (event, text) in &phantoms {
        out.push(OP_EXT | (EXT_PHANTOM << 2));
        write_varint(out, u64::from(*event));
        write_varint(out, text.len() as u64);
        out.extend_from_slice(text);
    }
    seal(out, header_len);
    let exact = decode(out).is_ok_and(|d| d.to_sexp(&language) == live);
    if !exact {
        out.truncate(sealed_len);
        seal(out, header_len);
    }
}

/// `live` is `ours` with phantom segments inserted at printer events; returns
/// `(event index, segment)` pairs, or `None` when the difference is anything else.
fn align_phantoms(ours: &[u8], live: &[u8], events: &[usize]) -> Option<Vec<(u32, Vec<u8>)>> {
    let mut found = Vec::new();
    let (mut ia, mut ib) = (0usize, 0usize);
    let mut lower = 0usize;
    loop {
        while ia < ours.len() && ib < live.len() && ours[ia] == live[ib] {
            ia += 1;
            ib += 1;
        }
        if ia == ours.len() && ib == live.len() {
            return Some(found);
        }
        let shift = ib.checked_sub(ia)?;
        let upto = events.partition_point(|&o| o <= ia);
        let mut hit = None;
        for k in (0..upto).rev() {
            let p = events[k];
            if p < lower {
                break;
            }
            if k > 0 && events[k - 1] == p {
                continue;
            }
            if let Some(len) = phantom_len(live.get(p + shift..)?) {
                hit = Some((k, p, len));
                break;
            }
        }
        let (k, p, len) = hit?;
        found.push((k as u32, live[p + shift..p + shift + len].to_vec()));
        lower = p;
        ia = p;
        ib = p + shift + len;
    }
}

/// Length of a ` field: (MISSING name)` / ` (MISSING "x")` segment at the start of `s`.
fn phantom_len(s: &[u8]) -> Option<usize> {
    if *s.first()? != b' ' {
        return None;
    }
    let mut i = 1;
    if *s.get(i)? != b'(' {
        while i < s.len() && !matches!(s[i], b':' | b' ' | b'(') {
            i += 1;
        }
        if s.get(i..i + 2)? != b": " {
            return None;
        }
        i += 2;
    }
    if !s.get(i..)?.starts_with(b"(MISSING ") {
        return None;
    }
    i += b"(MISSING ".len();
    if *s.get(i)? == b'"' {
        let j = s.get(i + 1..)?.windows(2).position(|w| w == b"\")")?;
        i += 1 + j + 2;
    } else {
        let j = s.get(i..)?.iter().position(|&c| c == b')')?;
        i += j + 1;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::registry;

    /// Every snippet of a compiled-in language (`tests/data/snippets`), whole and with pieces
    /// cut out (trees with ERROR, MISSING and hidden MISSING nodes), with its language.
    fn samples() -> Vec<(tree_sitter::Language, String, Vec<u8>)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/snippets");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).expect("snippets").flatten() {
            let path = entry.path();
            let source = std::fs::read(&path).expect("read snippet");
            let Some(detection) = registry().detect(Some(&path), &source) else {
                continue;
            };
            let Ok(grammar) = detection.language.ts_language() else {
                continue;
            };
            let name = path.display().to_string();
            out.push((grammar.clone(), name.clone(), source.clone()));
            // Cuts at a few places and of a few lengths: unbalanced brackets, half statements.
            for (k, len) in [(7usize, 1usize), (3, 2), (5, 9), (2, 31), (11, 4)] {
                let mut cut = source.clone();
                let at = source.len() * k / 13;
                let end = (at + len).min(cut.len());
                cut.drain(at..end);
                out.push((grammar.clone(), format!("{name} minus {at}..{end}"), cut));
            }
        }
        // C preprocessor lines whose trees hold MISSING tokens of hidden kinds.
        if let Ok(c) = registry().language_for_name("c")
            && let Ok(grammar) = c.ts_language()
        {
            for src in ["#define f(a, b) g(a) /* c */", "#define A(x) x // c"] {
                out.push((grammar.clone(), src.to_owned(), src.as_bytes().to_vec()));
            }
        }
        assert!(
            out.len() >= 6 * 4,
            "snippets of the core languages at least"
        );
        out
    }

    #[test]
    fn the_c_walk_records_exactly_what_the_cursor_visits() {
        let mut parser = tree_sitter::Parser::new();
        let mut with_errors = 0;
        let mut with_hidden_missing = 0;
        for (grammar, name, source) in samples() {
            parser.set_language(&grammar).expect("grammar");
            let tree = parser.parse(&source, None).expect("parses");
            let (c, _) = collect(&tree, source.len(), &|| false, None).expect("walks");
            let cursor = collect_with_cursor(&tree, source.len(), &|| false).expect("walks");
            assert!(c.hidden_missing.is_some(), "{name}: the C walk ran");
            assert_eq!(c.tree_has_error, cursor.tree_has_error, "{name}");
            assert_eq!(c.nodes.len(), cursor.nodes.len(), "{name}");
            for (i, (a, b)) in c.nodes.iter().zip(&cursor.nodes).enumerate() {
                let same = (
                    a.start,
                    a.end,
                    a.kind_slot,
                    a.field,
                    a.flags,
                    a.leaf,
                    a.closes,
                ) == (
                    b.start,
                    b.end,
                    b.kind_slot,
                    b.field,
                    b.flags,
                    b.leaf,
                    b.closes,
                );
                assert!(same, "{name}: node {i}: C {a:?}, cursor {b:?}");
            }
            assert_eq!(c.unexpected, cursor.unexpected, "{name}");
            let counts = |w: &Walk| {
                w.kind_slots
                    .iter()
                    .map(|k| (k.count, k.fixed_len))
                    .collect::<Vec<_>>()
            };
            assert_eq!(counts(&c), counts(&cursor), "{name}");
            // The hidden MISSING count is what the printout shows beyond the visible ones.
            let printed = tree.root_node().to_sexp().matches("(MISSING ").count();
            let visible = c
                .nodes
                .iter()
                .filter(|n| n.flags & FLAG_MISSING != 0)
                .count();
            let hidden = c.hidden_missing.unwrap_or(0) as usize;
            assert_eq!(printed, visible + hidden, "{name}");
            with_errors += usize::from(c.tree_has_error);
            with_hidden_missing += usize::from(hidden > 0);
        }
        assert!(with_errors >= 10, "{with_errors} samples with errors");
        assert!(
            with_hidden_missing >= 1,
            "samples with hidden MISSING nodes"
        );
    }

    #[test]
    fn the_c_walk_stops_when_cancelled() {
        let source = "def f(x):\n    return [x, (x, x), {x: x}]\n".repeat(2000);
        let mut parser = tree_sitter::Parser::new();
        let grammar = registry()
            .language_for_name("python")
            .expect("python")
            .ts_language()
            .expect("compiled in");
        parser.set_language(grammar).expect("grammar");
        let tree = parser.parse(&source, None).expect("parses");
        let polls = std::cell::Cell::new(0);
        let walked = walk(
            &tree,
            &|| {
                polls.set(polls.get() + 1);
                polls.get() == 3
            },
            CANCEL_POLL_NODES as u32,
            None,
        );
        assert!(matches!(walked, Err(WalkFailure::Cancelled)));
        assert_eq!(polls.get(), 3);
    }

    #[test]
    fn unexpected_characters_print_like_tree_sitter() {
        for (c, text) in [
            (-1, "INVALID"),
            (0, "'\\0'"),
            (10, "'\\n'"),
            (9, "'\\t'"),
            (13, "'\\r'"),
            (32, "' '"),
            (0x24, "'$'"),
            (0x7e, "'~'"),
            (0x7f, "127"),
            (0x1f, "31"),
            (0xe9, "233"),
            (0x1f600, "128512"),
        ] {
            assert_eq!(unexpected_char_text(c), text, "{c}");
        }
    }
}
