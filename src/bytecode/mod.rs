//! Syntax tree bytecode: a compact, versioned, checksummed serialisation of tree-sitter trees.
//!
//! The format is specified byte by byte in `docs/bytecode.md`. This module is pure: no I/O, no
//! async, no global state.
//!
//! - [`encode`] walks a live [`tree_sitter::Tree`] (with a `TreeCursor` loop, never recursion)
//!   and produces the bytes.
//! - [`read_header`] parses only the header, so a cache can check format, language and grammar
//!   version cheaply.
//! - [`decode`] validates the checksum and builds a [`DecodedTree`]: a struct-of-arrays arena
//!   with navigation, S-expression printing identical to `Node::to_sexp`, and lookups by byte or
//!   point. Arbitrary, truncated or bit-flipped input yields a [`DecodeError`], never a panic.
//! - [`verify`] proves, node for node, that bytes encode a given live tree.
//!
//! Rows and columns are not stored: tree-sitter points are a pure function of the source bytes
//! (row = number of `\n` before the byte, column = bytes since the last `\n`), so they are
//! recomputed with a [`LineIndex`] built from the source.

mod decode;
mod encode;
mod error;
mod format;
mod lines;
mod tree;
pub(crate) mod varint;
mod verify;
#[allow(unsafe_code)] // The FFI of the C tree walk; see the module.
pub(crate) mod walk;

pub use decode::{DecodeError, decode, read_header};
pub(crate) use encode::encode_finding;
pub use encode::{EncodeMeta, encode, encode_unless};
pub use format::{FORMAT_VERSION, Header, MAGIC};
pub use lines::LineIndex;
pub use tree::{Children, DecodedTree, NodeId};
pub use verify::{Mismatch, VerifyError, VerifyStats, verify};

/// The xxh3-64 hash of a source text, as stored in [`Header::source_hash`].
pub fn source_hash(source: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(source)
}
