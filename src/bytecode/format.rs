//! Format v1 constants and the header layout (see `docs/bytecode.md` for the byte-level spec).

/// The first four bytes of every encoding: `SXBC` ("syntaxd bytecode").
pub const MAGIC: [u8; 4] = *b"SXBC";

/// Format version 1: the first released format.
/// Header: magic, version, language id, grammar version, source length and xxh3-64 hash, node
/// count, body length, crc32. Body: a frequency-sorted kind table with per-kind fixed leaf
/// lengths, then the ENTER / LEAF / LEAVE / EXT opcode stream with LEB128 position deltas,
/// then a trailer of PHANTOM opcodes for hidden MISSING tokens.
pub const FORMAT_VERSION: u16 = 1;

/// Bytes of the header that do not depend on the two strings:
/// magic 4 + version 2 + two string lengths 2 + 2 + source_len 8 + source_hash 8 +
/// node_count 4 + body_len 8 + checksum 4.
pub(crate) const HEADER_FIXED_LEN: usize = 4 + 2 + 2 + 2 + 8 + 8 + 4 + 8 + 4;

/// Longest accepted language id or grammar version string, in bytes.
pub(crate) const MAX_HEADER_STRING_LEN: usize = 1024;

/// The parsed header of an encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u16,
    /// The registry's language id, e.g. `python`.
    pub language_id: String,
    /// The grammar version the tree was parsed with, e.g. `0.25.0`.
    pub grammar_version: String,
    /// Length in bytes of the source that was parsed.
    pub source_len: u64,
    /// xxh3-64 of the source ([`super::source_hash`]).
    pub source_hash: u64,
    /// Number of nodes (the tree-sitter nodes a `TreeCursor` visits, root included).
    pub node_count: u32,
    /// Length in bytes of the body that follows the header.
    pub body_len: u64,
    /// crc32 (IEEE) of every byte of the encoding except these four.
    pub checksum: u32,
    /// Length in bytes of the header itself; the body starts here.
    pub header_len: usize,
}

// ---- opcode stream --------------------------------------------------------------------------

/// Low two bits of an opcode byte.
pub(crate) const OP_MASK: u8 = 0b11;
/// Enter a node that has children; they follow, then a matching [`OP_LEAVE`].
pub(crate) const OP_ENTER: u8 = 0;
/// A node without children.
pub(crate) const OP_LEAF: u8 = 1;
/// Close the innermost open node; bits 2..8 hold the end delta (63 = varint follows).
pub(crate) const OP_LEAVE: u8 = 2;
/// Extended opcode; bits 2..8 hold the sub-opcode.
pub(crate) const OP_EXT: u8 = 3;

/// ENTER/LEAF bit: a varint field id follows.
pub(crate) const NODE_HAS_FIELD: u8 = 1 << 2;
/// ENTER/LEAF bit: a flags byte follows.
pub(crate) const NODE_HAS_FLAGS: u8 = 1 << 3;
/// ENTER/LEAF bits 4..8: the gap from the current position to the node's start; 15 = varint.
pub(crate) const NODE_GAP_SHIFT: u32 = 4;
pub(crate) const NODE_GAP_VARINT: u8 = 15;

/// LEAVE: the inline end delta occupies bits 2..8; this value means "varint follows".
pub(crate) const LEAVE_DELTA_VARINT: u8 = 63;

/// EXT sub-opcode 0: set the current position to an absolute byte offset (varint follows).
pub(crate) const EXT_SET_POS: u8 = 0;
/// EXT sub-opcode 1, only after the root closed: a hidden MISSING node that `to_sexp` prints
/// but a `TreeCursor` never visits. A varint printer event index and a varint-length UTF-8
/// text (` field: (MISSING "x")`) follow.
pub(crate) const EXT_PHANTOM: u8 = 1;

/// Flags byte bit: `Node::is_extra`.
pub(crate) const FLAG_EXTRA: u8 = 1 << 0;
/// Flags byte bit: `Node::is_missing`.
pub(crate) const FLAG_MISSING: u8 = 1 << 1;
/// Flags byte bit: `Node::has_error`.
pub(crate) const FLAG_HAS_ERROR: u8 = 1 << 2;
/// Flags byte bit: an ERROR leaf that `to_sexp` prints as `(UNEXPECTED c)`; the text of `c`
/// follows as a varint length and UTF-8 bytes.
pub(crate) const FLAG_UNEXPECTED: u8 = 1 << 3;
/// Every flag bit v1 defines; the others must be zero.
pub(crate) const FLAGS_KNOWN: u8 = FLAG_EXTRA | FLAG_MISSING | FLAG_HAS_ERROR | FLAG_UNEXPECTED;

/// Kind table entry bit: nodes of this kind are named.
pub(crate) const KIND_NAMED: u8 = 1 << 0;

/// tree-sitter's kind id for ERROR nodes (`ts_builtin_sym_error`).
pub(crate) const ERROR_KIND_ID: u16 = u16::MAX;

/// Writes a header whose checksum is still zero; the encoder patches it in last.
pub(crate) fn write_header(
    out: &mut Vec<u8>,
    language_id: &str,
    grammar_version: &str,
    source: &[u8],
    node_count: u32,
) {
    out.reserve(HEADER_FIXED_LEN + language_id.len() + grammar_version.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    write_string(out, language_id);
    write_string(out, grammar_version);
    out.extend_from_slice(&(source.len() as u64).to_le_bytes());
    out.extend_from_slice(&super::source_hash(source).to_le_bytes());
    out.extend_from_slice(&node_count.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes()); // body_len, patched by the encoder
    out.extend_from_slice(&0u32.to_le_bytes()); // checksum, patched by the encoder
}

/// Writes a u16-length-prefixed string, truncated (on a char boundary) to
/// [`MAX_HEADER_STRING_LEN`] bytes so the reader never rejects what the writer produced.
fn write_string(out: &mut Vec<u8>, s: &str) {
    let mut end = s.len().min(MAX_HEADER_STRING_LEN);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    out.extend_from_slice(&(end as u16).to_le_bytes());
    out.extend_from_slice(&s.as_bytes()[..end]);
}

/// The crc32 of an encoding: every byte except the checksum field at
/// `header_len - 4 .. header_len`.
pub(crate) fn checksum_of(bytes: &[u8], header_len: usize) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&bytes[..header_len - 4]);
    hasher.update(&bytes[header_len..]);
    hasher.finalize()
}
