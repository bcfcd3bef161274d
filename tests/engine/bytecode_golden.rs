//! Golden bytes of every released format version: they must keep decoding to the same tree,
//! and today's encoder must still produce the current version's bytes exactly.

#![cfg(feature = "tree-sitter-python")]

use syntaxd::bytecode::{EncodeMeta, FORMAT_VERSION, decode, encode, read_header, verify};

/// A Python snippet with fields, a comment (extra), an ERROR and a MISSING node.
const SOURCE: &str = "def f(a):\n    return a  # c\nx = (1 +\n";

/// `encode` of [`SOURCE`] with tree-sitter-python 0.25 in format v1.
const GOLDEN_V1_HEX: &str = concat!(
    "5358424301000600707974686f6e0600302e32352e30250000000000000012f5104a60b29c97140000006b0000000000",
    "0000b068211610010102070002ffff0301000800021000071700022500042c00023600025d01026301006c01007d0100",
    "9101010092010100a0010100080b04000d0106150013040e17010101000103020105540f06000c0104110002290a0103",
    "0202180205010011071101010911080206",
);

fn parse() -> tree_sitter::Tree {
    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&language)
        .expect("grammar is ABI-compatible with the linked tree-sitter");
    parser
        .parse(SOURCE, None)
        .expect("parsing without a timeout always yields a tree")
}

fn golden_v1() -> Vec<u8> {
    hex::decode(GOLDEN_V1_HEX).expect("golden hex is valid")
}

#[test]
fn format_v1_golden_bytes_still_decode_to_the_same_tree() {
    let bytes = golden_v1();
    let header = read_header(&bytes).expect("golden header");
    assert_eq!(header.format_version, 1);
    assert_eq!(header.language_id, "python");
    assert_eq!(header.grammar_version, "0.25.0");
    let tree = parse();
    verify(&tree, SOURCE.as_bytes(), &bytes).expect("golden v1 bytes match the live tree");
    let decoded = decode(&bytes).expect("golden decodes");
    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    assert_eq!(decoded.to_sexp(&language), tree.root_node().to_sexp());
}

#[test]
fn the_encoder_still_writes_format_v1_byte_for_byte() {
    assert_eq!(
        FORMAT_VERSION, 1,
        "a new version needs its own golden constant"
    );
    let bytes = encode(
        &parse(),
        SOURCE.as_bytes(),
        &EncodeMeta {
            language_id: "python",
            grammar_version: "0.25.0",
        },
    );
    assert_eq!(
        hex::encode(&bytes),
        GOLDEN_V1_HEX,
        "the encoding changed: bump FORMAT_VERSION and add a golden constant"
    );
}
