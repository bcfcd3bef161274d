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
    ) -> c_int;
}

/// What the walk found.
pub(crate) struct Walked {
    /// Every node the cursor visits, in preorder.
    pub nodes: Vec<WalkNode>,
    /// MISSING nodes the cursor does not visit (hidden ones); counted in trees with errors.
    pub hidden_missing: u32,
}

/// Why the walk gave no result.
pub(crate) enum WalkFailure {
    /// `cancelled` returned true.
    Cancelled,
    /// The tree did not fit the node count tree-sitter reported, or memory ran out: the
    /// caller walks with a cursor instead.
    Unavailable,
}

unsafe extern "C" fn poll(data: *mut c_void) -> c_int {
    // SAFETY: `data` is the `&&dyn Fn() -> bool` that `walk` passed, alive for the call.
    let cancelled = unsafe { &*(data as *const &dyn Fn() -> bool) };
    // A panic must not unwind into C: count it as a cancellation.
    c_int::from(catch_unwind(AssertUnwindSafe(cancelled)).unwrap_or(true))
}

/// Walks `tree`, polling `cancelled` every `poll_every` nodes.
pub(crate) fn walk(
    tree: &Tree,
    cancelled: &dyn Fn() -> bool,
    poll_every: u32,
) -> Result<Walked, WalkFailure> {
    let root = tree.root_node();
    let capacity = u32::try_from(root.descendant_count()).map_err(|_| WalkFailure::Unavailable)?;
    let mut nodes: Vec<WalkNode> = Vec::with_capacity(capacity as usize);
    let mut count = 0u32;
    let mut hidden_missing = 0u32;
    let data: *const &dyn Fn() -> bool = &cancelled;
    // SAFETY: `root` belongs to `tree`, which outlives the call; `nodes` has room for
    // `capacity` records and the C side writes at most that many; `data` outlives the call.
    let result = unsafe {
        syntaxd_tree_walk(
            root.into_raw(),
            nodes.as_mut_ptr(),
            capacity,
            &mut count,
            &mut hidden_missing,
            Some(poll),
            data as *mut c_void,
            poll_every,
        )
    };
    match result {
        WALK_DONE => {
            // SAFETY: the walk initialised the first `count` (≤ capacity) records.
            unsafe { nodes.set_len(count.min(capacity) as usize) };
            Ok(Walked {
                nodes,
                hidden_missing,
            })
        }
        WALK_CANCELLED => Err(WalkFailure::Cancelled),
        _ => Err(WalkFailure::Unavailable),
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
