//! Helpers shared by the fuzz targets: checksum fix-ups (so the fuzzer reaches the code behind
//! a crc instead of stopping at it), a real parse of fuzz-chosen source with a core grammar,
//! and the cache-hit serving path (decode, line index, problems, S-expression, JSON tree).
#![allow(dead_code)]

use std::cell::RefCell;

use syntaxd::bytecode::{self, DecodedTree, EncodeMeta, LineIndex};
use syntaxd::language::{Language, registry};
use syntaxd::server::handlers::render::{
    RenderBudget, problems_of_decoded, write_decoded_tree_json,
};

/// Languages of the `core-langs` feature, picked by a fuzz byte.
pub const CORE: [&str; 9] = [
    "python",
    "c",
    "rust",
    "go",
    "java",
    "javascript",
    "json",
    "bash",
    "toml",
];

/// The registry entry of `CORE[selector % 9]`.
pub fn language(selector: u8) -> &'static Language {
    registry()
        .language_for_name(CORE[selector as usize % CORE.len()])
        .expect("core language registered")
}

/// Bytecode header offsets: (offset of source_len, header_len), or `None` when the bytes are
/// too short to carry the two strings.
fn bytecode_layout(bytes: &[u8]) -> Option<(usize, usize)> {
    let le16 = |at: usize| -> Option<usize> {
        Some(u16::from_le_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]) as usize)
    };
    let lang_len = le16(6)?;
    let gv_at = 8 + lang_len;
    let gv_len = le16(gv_at)?;
    let source_len_at = gv_at + 2 + gv_len;
    let header_len = source_len_at + 8 + 8 + 4 + 8 + 4;
    (bytes.len() >= header_len).then_some((source_len_at, header_len))
}

/// Makes `bytes` pass the bytecode's length and crc32 checks (and, with `source`, its source
/// length and hash checks), keeping everything else as the fuzzer wrote it.
pub fn fix_bytecode(bytes: &mut [u8], source: Option<&[u8]>) {
    let Some((at, header_len)) = bytecode_layout(bytes) else {
        return;
    };
    if let Some(source) = source {
        bytes[at..at + 8].copy_from_slice(&(source.len() as u64).to_le_bytes());
        bytes[at + 8..at + 16].copy_from_slice(&bytecode::source_hash(source).to_le_bytes());
    }
    let body_len = (bytes.len() - header_len) as u64;
    bytes[at + 20..at + 28].copy_from_slice(&body_len.to_le_bytes());
    let mut h = crc32fast::Hasher::new();
    h.update(&bytes[..header_len - 4]);
    h.update(&bytes[header_len..]);
    let crc = h.finalize();
    bytes[header_len - 4..header_len].copy_from_slice(&crc.to_le_bytes());
}

/// Makes `bytes` pass the cache envelope's stored-length and crc32 checks.
pub fn fix_envelope(bytes: &mut [u8]) {
    const HEADER: usize = syntaxd::cache::envelope::HEADER_BYTES;
    if bytes.len() < HEADER {
        return;
    }
    let stored = (bytes.len() - HEADER) as u32;
    bytes[12..16].copy_from_slice(&stored.to_le_bytes());
    let mut h = crc32fast::Hasher::new();
    h.update(&bytes[..16]);
    h.update(&bytes[HEADER..]);
    let crc = h.finalize();
    bytes[16..20].copy_from_slice(&crc.to_le_bytes());
}

thread_local! {
    static PARSER: RefCell<tree_sitter::Parser> = RefCell::new(tree_sitter::Parser::new());
}

/// Parses `source` with `lang` (a small source: the fuzzer's inputs are at most a few KiB).
pub fn parse(lang: &Language, source: &[u8]) -> Option<tree_sitter::Tree> {
    let grammar = lang.ts_language().ok()?;
    PARSER.with(|p| {
        let mut p = p.borrow_mut();
        p.set_language(grammar).ok()?;
        p.parse(source, None)
    })
}

/// A real encoding of `source` parsed with `lang`, and the tree.
pub fn encode(lang: &Language, source: &[u8]) -> Option<(tree_sitter::Tree, Vec<u8>)> {
    let tree = parse(lang, source)?;
    let bytes = bytecode::encode(
        &tree,
        source,
        &EncodeMeta {
            language_id: &lang.id,
            grammar_version: &lang.grammar_version,
        },
    );
    Some((tree, bytes))
}

/// Everything the daemon does with a decoded tree when it answers from the cache, plus the
/// navigation API. The JSON it renders must be valid JSON (the server wraps it in a
/// `RawValue`, which would turn invalid text into a 500).
pub fn serve_decoded(tree: &DecodedTree, lines: &LineIndex, lang: &Language) {
    let Ok(grammar) = lang.ts_language() else {
        return;
    };
    let _ = problems_of_decoded(tree, lines, grammar);
    let _ = tree.to_sexp(grammar);
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let budget = RenderBudget {
        max_bytes: usize::MAX,
        cancel: &cancel,
    };
    let mut json = Vec::new();
    if let Err(e) = write_decoded_tree_json(&mut json, tree, lines, grammar, &budget) {
        panic!("an unbounded, uncancelled render failed: {e}");
    }
    if !tree.is_empty() {
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&json) {
            panic!(
                "write_decoded_tree_json rendered invalid JSON ({e}): {}",
                String::from_utf8_lossy(&json)
            );
        }
    }
    navigate(tree, lines);
}

/// Every navigation call on every node.
pub fn navigate(tree: &DecodedTree, lines: &LineIndex) {
    if tree.is_empty() {
        return;
    }
    for node in tree.nodes() {
        let _ = tree.parent(node);
        let _ = tree.children(node).count();
        let _ = tree.named_children(node).count();
        let _ = tree.next_sibling(node);
        let _ = tree.start_point(node, lines);
        let _ = tree.end_point(node, lines);
        if let Some(f) = tree.field_id(node) {
            let _ = tree.child_by_field_id(node, f.get());
        }
    }
    let len = tree.header().source_len as usize;
    for byte in [0, len / 2, len, len.saturating_add(1)] {
        let _ = tree.node_at_byte(byte);
        let _ = tree.named_node_at_byte(byte);
        let p = lines.point_for_byte(byte.min(lines.source_len()));
        let _ = tree.node_at_point(p, lines);
        let _ = tree.named_node_at_point(p, lines);
    }
}
