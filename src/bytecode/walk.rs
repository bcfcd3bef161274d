//! The encoder's tree walk, in C over tree-sitter's subtrees (`csrc/tree_walk.c`): every node a
//! `TreeCursor` visits, in its order, with what the encoder needs of each. The cursor's own
//! steps cost more than the rest of the encoding (each step re-derives child positions, alias
//! sequences and descendant indices; each field lookup walks up through hidden ancestors).

use std::ffi::{c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

use tree_sitter::Tree;

/// One visited node (`SyntaxdWalkNode` in `csrc/tree_walk.c`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WalkNode {
    pub start: u32,
    pub end: u32,
    /// Open nodes that close right after this one (its own subtree included).
    pub closes: u32,
    /// For an ERROR leaf printed as `(UNEXPECTED c)`: the lexer's lookahead character.
    pub lookahead_char: i32,
    /// The public kind id (aliases applied), as `Node::kind_id`.
    pub symbol: u16,
    /// The field id (0: none), as `TreeCursor::field_id`.
    pub field: u16,
    /// The format's node flags (`FLAG_EXTRA`, `FLAG_MISSING`, `FLAG_HAS_ERROR`,
    /// `FLAG_UNEXPECTED`: the C walk uses the same bits); missing and error flags only in
    /// trees with errors.
    pub flags: u8,
    /// 1 when the cursor finds no child.
    pub leaf: u8,
    pad: [u8; 2],
}

const WALK_DONE: c_int = 0;
const WALK_CANCELLED: c_int = 1;

unsafe extern "C" {
    fn syntaxd_tree_walk(
        root: tree_sitter::ffi::TSNode,
        out: *mut WalkNode,
        capacity: u32,
        count: *mut u32,
        hidden_missing: *mut u32,
        cancelled: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
        data: *mut c_void,
        poll_every: u32,
        wanted: *const u8,
        kind_count: u32,
        mask: u8,
        found: Option<unsafe extern "C" fn(*mut c_void, tree_sitter::ffi::TSNode)>,
    ) -> c_int;
    fn syntaxd_find_kinds(
        root: tree_sitter::ffi::TSNode,
        wanted: *const u8,
        kind_count: u32,
        mask: u8,
        found: unsafe extern "C" fn(*mut c_void, tree_sitter::ffi::TSNode),
        cancelled: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
        data: *mut c_void,
        poll_every: u32,
    ) -> c_int;
}

/// What the walk found.
pub(crate) struct Walked<'tree> {
    /// Every node the cursor visits, in preorder.
    pub nodes: Vec<WalkNode>,
    /// MISSING nodes the cursor does not visit (hidden ones); counted in trees with errors.
    pub hidden_missing: u32,
    /// The nodes of the wanted kinds, in preorder (what [`find_kinds`] finds), when kinds
    /// were asked for.
    pub found: Vec<tree_sitter::Node<'tree>>,
}

/// Node kinds a walk also collects: those whose `table[kind] & mask` is set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WantedKinds<'a> {
    /// Flags by kind id.
    pub table: &'a [u8],
    /// The flags wanted.
    pub mask: u8,
}

/// Why the walk gave no result.
#[derive(Debug)]
pub(crate) enum WalkFailure {
    /// `cancelled` returned true.
    Cancelled,
    /// The tree did not fit the node count tree-sitter reported, or memory ran out: the
    /// caller walks with a cursor instead.
    Unavailable,
}

/// Walks `tree`, polling `cancelled` every `poll_every` nodes; with `kinds`, also collects the
/// nodes of those kinds in the same pass (a symbol extraction's match roots).
pub(crate) fn walk<'tree>(
    tree: &'tree Tree,
    cancelled: &dyn Fn() -> bool,
    poll_every: u32,
    kinds: Option<WantedKinds<'_>>,
) -> Result<Walked<'tree>, WalkFailure> {
    let root = tree.root_node();
    let capacity = u32::try_from(root.descendant_count()).map_err(|_| WalkFailure::Unavailable)?;
    let mut nodes: Vec<WalkNode> = Vec::with_capacity(capacity as usize);
    let mut count = 0u32;
    let mut hidden_missing = 0u32;
    let mut state = FindState {
        cancelled,
        nodes: Vec::new(),
    };
    let data: *mut FindState<'_> = &mut state;
    let (wanted, kind_count, mask) = match kinds {
        Some(k) => (
            k.table.as_ptr(),
            u32::try_from(k.table.len()).unwrap_or(u32::MAX),
            k.mask,
        ),
        None => (std::ptr::null(), 0, 0),
    };
    // SAFETY: `root` belongs to `tree`, which outlives the call; `nodes` has room for
    // `capacity` records and the C side writes at most that many; `wanted` (when not null)
    // holds `kind_count` bytes and outlives the call; `data` points at `state`, alive and only
    // used through `data` until the call returns.
    let result = unsafe {
        syntaxd_tree_walk(
            root.into_raw(),
            nodes.as_mut_ptr(),
            capacity,
            &mut count,
            &mut hidden_missing,
            Some(poll_find),
            data.cast::<c_void>(),
            poll_every,
            wanted,
            kind_count,
            mask,
            Some(found_kind),
        )
    };
    match result {
        WALK_DONE => {
            // SAFETY: the walk initialised the first `count` (≤ capacity) records.
            unsafe { nodes.set_len(count.min(capacity) as usize) };
            let found = state
                .nodes
                .into_iter()
                // SAFETY: each raw node was made by tree-sitter's `ts_node_new` over a subtree
                // of `tree`, which lives for `'tree`.
                .map(|raw| unsafe { tree_sitter::Node::from_raw(raw) })
                .collect();
            Ok(Walked {
                nodes,
                hidden_missing,
                found,
            })
        }
        WALK_CANCELLED => Err(WalkFailure::Cancelled),
        _ => Err(WalkFailure::Unavailable),
    }
}

/// What [`find_kinds`] and [`walk`] hand to their C callbacks.
struct FindState<'a> {
    cancelled: &'a dyn Fn() -> bool,
    nodes: Vec<tree_sitter::ffi::TSNode>,
}

unsafe extern "C" fn poll_find(data: *mut c_void) -> c_int {
    // SAFETY: `data` is the `FindState` that `find_kinds` or `walk` passed, alive for the call.
    let state = unsafe { &*(data as *const FindState<'_>) };
    // A panic must not unwind into C: count it as a cancellation.
    c_int::from(catch_unwind(AssertUnwindSafe(state.cancelled)).unwrap_or(true))
}

unsafe extern "C" fn found_kind(data: *mut c_void, node: tree_sitter::ffi::TSNode) {
    // SAFETY: `data` is the `FindState` that `find_kinds` or `walk` passed, alive and not
    // otherwise borrowed during the call.
    let state = unsafe { &mut *(data as *mut FindState<'_>) };
    // A failed allocation aborts the process, as everywhere in Rust: nothing unwinds into C.
    state.nodes.push(node);
}

/// The nodes below `root` (inclusive) that a `TreeCursor` walk visits, in its order, whose
/// `kind_id()` has `wanted[kind] & mask` set (the symbol extractor's match roots), found by a
/// walk over tree-sitter's subtrees in C (`csrc/tree_walk.c`): stepping a cursor over every
/// node cost as much as running the queries at the nodes found. `cancelled` is polled every
/// `poll_every` visited nodes; when it answers true the walk stops and the nodes found so far
/// are returned with `true`.
pub(crate) fn find_kinds<'tree>(
    root: tree_sitter::Node<'tree>,
    wanted: &[u8],
    mask: u8,
    cancelled: &dyn Fn() -> bool,
    poll_every: u32,
) -> Result<(Vec<tree_sitter::Node<'tree>>, bool), WalkFailure> {
    let kind_count = u32::try_from(wanted.len()).unwrap_or(u32::MAX);
    let mut state = FindState {
        cancelled,
        nodes: Vec::new(),
    };
    let data: *mut FindState<'_> = &mut state;
    // SAFETY: `root` is a node of a tree alive for `'tree`; `wanted` holds `kind_count` bytes
    // and outlives the call; `data` points at `state`, alive and only used through `data`
    // until the call returns.
    let result = unsafe {
        syntaxd_find_kinds(
            root.into_raw(),
            wanted.as_ptr(),
            kind_count,
            mask,
            found_kind,
            Some(poll_find),
            data.cast::<c_void>(),
            poll_every,
        )
    };
    if result != WALK_DONE && result != WALK_CANCELLED {
        return Err(WalkFailure::Unavailable);
    }
    let nodes = state
        .nodes
        .into_iter()
        // SAFETY: each raw node was made by tree-sitter's `ts_node_new` over a subtree of
        // `root`'s tree, which lives for `'tree`.
        .map(|raw| unsafe { tree_sitter::Node::from_raw(raw) })
        .collect();
    Ok((nodes, result == WALK_CANCELLED))
}

/// [`find_kinds`], falling back to a `TreeCursor` walk (same nodes, same order, not polled)
/// when the C walk cannot have the memory it needs: what its callers want, with one fallback
/// for all of them.
pub(crate) fn find_kinds_or_cursor<'tree>(
    root: tree_sitter::Node<'tree>,
    wanted: &[u8],
    mask: u8,
    cancelled: &dyn Fn() -> bool,
    poll_every: u32,
) -> (Vec<tree_sitter::Node<'tree>>, bool) {
    match find_kinds(root, wanted, mask, cancelled, poll_every) {
        Ok(found) => found,
        Err(_) => (cursor_kinds(root, wanted, mask), false),
    }
}

/// The nodes of [`find_kinds`] found by stepping a `TreeCursor` (no memory of its own).
pub(crate) fn cursor_kinds<'tree>(
    root: tree_sitter::Node<'tree>,
    wanted: &[u8],
    mask: u8,
) -> Vec<tree_sitter::Node<'tree>> {
    let is_wanted = |node: tree_sitter::Node<'_>| {
        wanted
            .get(usize::from(node.kind_id()))
            .is_some_and(|flags| flags & mask != 0)
    };
    let mut nodes = Vec::new();
    let mut walk = root.walk();
    loop {
        let node = walk.node();
        if is_wanted(node) {
            nodes.push(node);
        }
        if walk.goto_first_child() {
            continue;
        }
        while !walk.goto_next_sibling() {
            if !walk.goto_parent() {
                return nodes;
            }
        }
    }
}

/// What tree-sitter's printer writes after `(UNEXPECTED ` for an ERROR leaf whose lexer
/// stopped at `c` (`ts_subtree__write_char_to_string`).
pub(crate) fn unexpected_char_text(c: i32) -> String {
    match c {
        -1 => "INVALID".to_owned(),
        0 => "'\\0'".to_owned(),
        0x0a => "'\\n'".to_owned(),
        0x09 => "'\\t'".to_owned(),
        0x0d => "'\\r'".to_owned(),
        // C's `isprint` in the "C" locale: space to tilde.
        0x20..=0x7e => format!("'{}'", c as u8 as char),
        _ => c.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every node a cursor visits, in its order.
    fn cursor_preorder(tree: &Tree) -> Vec<tree_sitter::Node<'_>> {
        let mut nodes = Vec::new();
        let mut walk = tree.walk();
        loop {
            nodes.push(walk.node());
            if walk.goto_first_child() {
                continue;
            }
            while !walk.goto_next_sibling() {
                if !walk.goto_parent() {
                    return nodes;
                }
            }
        }
    }

    #[test]
    fn find_kinds_visits_what_a_cursor_visits_in_its_order_with_the_same_nodes() {
        // Aliased nodes (JavaScript's and Rust's), hidden rules, extras and syntax errors.
        let cases: &[(&str, &str)] = &[
            (
                "python",
                "@d\nclass A(B):\n    def f(self, *a):\n        return {k: v for k, v in a}  # c\nx = lambda: 1\ndef (:\n",
            ),
            (
                "javascript",
                "class A { #p = 1; static [k]() {} get x() { return `${a}` } }\nconst o = { m() {}, 'q': () => 1 };\nfunction (\n",
            ),
            (
                "rust",
                "/// d\nmacro_rules! m { ($x:expr) => { $x } }\nimpl<T> A<T> where T: B { fn f(&self) -> Self { Self { a: 1 } } }\nfn g( {\n",
            ),
            (
                "c",
                "#define M(x) x\ntypedef struct S { int a; } S;\nint f(int (*cb)(void)) { return cb(); }\nint g( {\n",
            ),
        ];
        for (id, source) in cases {
            let language = crate::language::registry()
                .language_for_name(id)
                .unwrap_or_else(|e| panic!("{id} is registered: {e}"));
            let grammar = language.ts_language().expect("core grammar");
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(grammar).expect("grammar loads");
            let tree = parser.parse(source, None).expect("parses");
            let expected = cursor_preorder(&tree);
            let expected_len = expected.len();
            // Every kind id, ERROR (65535) included.
            let all = vec![1u8; usize::from(u16::MAX) + 1];
            let (found, cancelled) =
                find_kinds(tree.root_node(), &all, 1, &|| false, 16).expect("walks");
            assert!(!cancelled);
            assert_eq!(found, expected, "{id}: every node, in the cursor's order");
            for (f, e) in found.iter().zip(&expected) {
                assert_eq!(
                    (
                        f.kind_id(),
                        f.start_position(),
                        f.end_position(),
                        f.is_named()
                    ),
                    (
                        e.kind_id(),
                        e.start_position(),
                        e.end_position(),
                        e.is_named()
                    ),
                    "{id}: same node"
                );
                assert_eq!(f.parent(), e.parent(), "{id}: same parent");
            }
            // Only the wanted kinds; a kind past the table is not wanted.
            let wanted_kind = expected[expected.len() / 2].kind_id();
            let mut one = vec![0u8; usize::from(wanted_kind) + 1];
            one[usize::from(wanted_kind)] = 2;
            let (found, _) = find_kinds(tree.root_node(), &one, 2, &|| false, 16).expect("walks");
            let want: Vec<_> = expected
                .iter()
                .filter(|n| n.kind_id() == wanted_kind)
                .copied()
                .collect();
            assert_eq!(found, want, "{id}: the wanted kind only");
            // The encoder's walk finds the same nodes in the same pass, at the same positions.
            for (table, mask, expected) in [(&all, 1, &expected), (&one, 2, &want)] {
                let kinds = WantedKinds { table, mask };
                let walked = walk(&tree, &|| false, 16, Some(kinds)).expect("walks");
                assert_eq!(&walked.found, expected, "{id}: the encoder walk's nodes");
                assert_eq!(
                    walked.nodes.len(),
                    expected_len,
                    "{id}: every node recorded"
                );
                for (f, e) in walked.found.iter().zip(expected.iter()) {
                    assert_eq!(
                        (
                            f.start_position(),
                            f.end_position(),
                            f.kind_id(),
                            f.parent()
                        ),
                        (
                            e.start_position(),
                            e.end_position(),
                            e.kind_id(),
                            e.parent()
                        ),
                        "{id}: same node"
                    );
                }
            }
            let without = walk(&tree, &|| false, 16, None).expect("walks");
            assert!(without.found.is_empty());
            assert_eq!(
                cursor_kinds(tree.root_node(), &one, 2),
                want,
                "{id}: the cursor fallback finds the same"
            );
            assert_eq!(cursor_kinds(tree.root_node(), &all, 1), expected);
            let (none, _) = find_kinds(tree.root_node(), &one, 1, &|| false, 16).expect("walks");
            assert!(none.is_empty(), "{id}: another mask bit finds nothing");
            // A cancellation stops the walk with what was found so far.
            let (partial, cancelled) =
                find_kinds(tree.root_node(), &all, 1, &|| true, 4).expect("walks");
            assert!(cancelled, "{id}: cancelled");
            assert!(partial.len() < expected.len() && partial[..] == expected[..partial.len()]);
        }
    }
}
