//! Decode errors, shared by the decoder and the decoded tree (which checks a source against the
//! header's hash), so that neither module depends on the other in both directions.

use super::format::MAGIC;

/// Why bytes could not be decoded. Every variant carries the byte offset (into the whole
/// encoding) where the problem was found, or the values that disagree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ended before a field that must be there.
    #[error("bytecode truncated at offset {offset}: needed {needed} more bytes, {available} left")]
    Truncated {
        /// Byte offset where the problem was found.
        offset: usize,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the input.
        available: usize,
    },
    /// The input does not start with [`MAGIC`].
    #[error("not syntaxd bytecode: magic is {found:02x?}, expected {:02x?}", MAGIC)]
    BadMagic {
        /// The value found.
        found: [u8; 4],
    },
    /// Written by a format version this build cannot read.
    #[error(
        "bytecode format version {found} is not supported (this build reads version {supported}); re-encode from source"
    )]
    UnsupportedVersion {
        /// The value found.
        found: u16,
        /// The version this build supports.
        supported: u16,
    },
    /// A header string is not UTF-8.
    #[error("header field {field} at offset {offset} is not valid UTF-8")]
    InvalidUtf8 {
        /// The field being read.
        field: &'static str,
        /// Byte offset where the problem was found.
        offset: usize,
    },
    /// A length or count is larger than the input could possibly hold.
    #[error("{field} at offset {offset} is {value}, but at most {max} is possible here")]
    TooLarge {
        /// The field being read.
        field: &'static str,
        /// Byte offset where the problem was found.
        offset: usize,
        /// The value found.
        value: u64,
        /// The largest value allowed.
        max: u64,
    },
    /// The input length disagrees with the header's body length.
    #[error("bytecode is {found} bytes long, but its header says {expected}")]
    LengthMismatch {
        /// The value expected.
        expected: u64,
        /// The value found.
        found: u64,
    },
    /// The crc32 does not match: the bytes were corrupted.
    #[error(
        "bytecode checksum mismatch: header says {expected:#010x}, bytes hash to {found:#010x}"
    )]
    ChecksumMismatch {
        /// The value expected.
        expected: u32,
        /// The value found.
        found: u32,
    },
    /// A varint is longer than 64 bits.
    #[error("varint at offset {offset} overflows 64 bits")]
    VarintOverflow {
        /// Byte offset where the problem was found.
        offset: usize,
    },
    /// An opcode (or EXT sub-opcode) that format v1 does not define.
    #[error("invalid opcode {byte:#04x} at offset {offset}")]
    InvalidOpcode {
        /// Byte offset where the problem was found.
        offset: usize,
        /// The byte found.
        byte: u8,
    },
    /// A flags byte or kind-table byte with bits that format v1 does not define.
    #[error("reserved bits set in {field} {byte:#04x} at offset {offset}")]
    ReservedBits {
        /// The field being read.
        field: &'static str,
        /// Byte offset where the problem was found.
        offset: usize,
        /// The byte found.
        byte: u8,
    },
    /// A node refers to a kind-table entry that does not exist.
    #[error("kind index {index} at offset {offset} is out of range (table has {table_len})")]
    KindIndexOutOfRange {
        /// Byte offset where the problem was found.
        offset: usize,
        /// The index found.
        index: u64,
        /// Length of the table it indexes.
        table_len: usize,
    },
    /// A position lies outside the source.
    #[error("position {position} at offset {offset} lies outside the {source_len}-byte source")]
    PositionOutOfRange {
        /// Byte offset where the problem was found.
        offset: usize,
        /// The position found.
        position: u64,
        /// Length of the source.
        source_len: u64,
    },
    /// A node would end before it starts.
    #[error("node closed at offset {offset} ends at {end}, before its start {start}")]
    InvertedRange {
        /// Byte offset where the problem was found.
        offset: usize,
        /// Start of the range.
        start: u64,
        /// End of the range (exclusive).
        end: u64,
    },
    /// A LEAVE with no open node, nodes after the root, or a stream that ends inside a node.
    #[error("unbalanced opcode stream at offset {offset}: {problem}")]
    Unbalanced {
        /// Byte offset where the problem was found.
        offset: usize,
        /// What is wrong.
        problem: &'static str,
    },
    /// The stream holds a different number of nodes than the header declares.
    #[error("header declares {declared} nodes, stream holds {found}")]
    NodeCountMismatch {
        /// The count the header declares.
        declared: u32,
        /// The value found.
        found: u64,
    },
    /// The source offered for points is not the one the tree was encoded from.
    #[error(
        "source mismatch: bytecode was encoded from {expected_len} bytes with hash {expected_hash:#018x}, got {found_len} bytes with hash {found_hash:#018x}"
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
}
