//! Robustness: decoding random, truncated or bit-flipped bytes never panics and yields either
//! a typed error or a self-consistent tree.

use proptest::prelude::*;
use syntaxd::bytecode::{DecodeError, DecodedTree, MAGIC, decode, read_header};

/// Checks the invariants every successfully decoded tree must hold, whatever the input was.
fn assert_self_consistent(tree: &DecodedTree) {
    assert!(!tree.is_empty());
    assert_eq!(tree.len(), tree.header().node_count as usize);
    let source_len = tree.header().source_len as usize;
    let mut child_total = 0;
    for node in tree.nodes() {
        assert!(tree.start_byte(node) <= tree.end_byte(node));
        assert!(tree.end_byte(node) <= source_len);
        assert!(tree.subtree_end(node) > node.index());
        assert!(tree.subtree_end(node) <= tree.len());
        match tree.parent(node) {
            None => assert_eq!(node, tree.root()),
            Some(p) => {
                assert!(p < node);
                assert!(tree.subtree_end(node) <= tree.subtree_end(p));
            }
        }
        for child in tree.children(node) {
            assert_eq!(tree.parent(child), Some(node));
            child_total += 1;
        }
    }
    assert_eq!(
        child_total,
        tree.len() - 1,
        "every non-root node is someone's child"
    );
    assert_eq!(tree.subtree_end(tree.root()), tree.len());
    let _ = tree.node_at_byte(source_len / 2);
    let _ = tree.named_node_at_byte(0);
    #[cfg(feature = "tree-sitter-python")]
    {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        let _ = tree.uses_only_ids_of(&language);
        let _ = tree.to_sexp(&language);
    }
}

fn check_no_panic(bytes: &[u8]) {
    match decode(bytes) {
        Ok(tree) => assert_self_consistent(&tree),
        Err(e) => {
            // Errors print without panicking.
            let _ = e.to_string();
        }
    }
    let _ = read_header(bytes);
}

/// Recomputes the checksum so that mutations reach the body parser instead of stopping at the
/// crc check.
fn fix_checksum(bytes: &mut [u8]) {
    let Ok(header) = read_header(bytes) else {
        return;
    };
    let h = header.header_len;
    if bytes.len() < h {
        return;
    }
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&bytes[..h - 4]);
    hasher.update(&bytes[h..]);
    let crc = hasher.finalize();
    bytes[h - 4..h].copy_from_slice(&crc.to_le_bytes());
}

#[cfg(feature = "tree-sitter-python")]
fn sample_encodings() -> Vec<Vec<u8>> {
    use syntaxd::bytecode::{EncodeMeta, encode};
    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&language)
        .expect("grammar is ABI-compatible with the linked tree-sitter");
    [
        "def f(a, b=1):\n    return a + b  # c\n",
        "x = (1 +\n",
        "class A:\n    '''doc'''\n    x: int = 3\n",
        "",
        "@@ $ `\n",
    ]
    .iter()
    .map(|src| {
        let tree = parser
            .parse(src, None)
            .expect("parsing without a timeout always yields a tree");
        encode(
            &tree,
            src.as_bytes(),
            &EncodeMeta {
                language_id: "python",
                grammar_version: "test",
            },
        )
    })
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_no_panic(&bytes);
    }

    #[test]
    fn random_bytes_after_a_valid_magic_never_panic(
        version in prop_oneof![Just(1u16), any::<u16>()],
        rest in proptest::collection::vec(any::<u8>(), 0..512),
        fix in any::<bool>(),
    ) {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&version.to_le_bytes());
        bytes.extend_from_slice(&rest);
        if fix {
            fix_checksum(&mut bytes);
        }
        check_no_panic(&bytes);
    }
}

#[cfg(feature = "tree-sitter-python")]
proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn truncated_encodings_are_errors(which in 0usize..5, cut in any::<prop::sample::Index>()) {
        let samples = sample_encodings();
        let bytes = &samples[which];
        let cut = cut.index(bytes.len());
        let result = decode(&bytes[..cut]);
        prop_assert!(result.is_err(), "a strict prefix must not decode");
    }

    #[test]
    fn bit_flipped_encodings_never_panic(
        which in 0usize..5,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..8), 1..4),
        fix in any::<bool>(),
    ) {
        let samples = sample_encodings();
        let mut bytes = samples[which].clone();
        for (at, bit) in &flips {
            let i = at.index(bytes.len());
            bytes[i] ^= 1 << bit;
        }
        if fix {
            fix_checksum(&mut bytes);
        } else if bytes != samples[which] {
            prop_assert!(decode(&bytes).is_err(), "crc32 catches up to three flipped bits");
        }
        check_no_panic(&bytes);
    }

    #[test]
    fn overwritten_bytes_with_fixed_checksum_never_panic(
        which in 0usize..5,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let samples = sample_encodings();
        let mut bytes = samples[which].clone();
        for (at, value) in &edits {
            let i = at.index(bytes.len());
            bytes[i] = *value;
        }
        fix_checksum(&mut bytes);
        check_no_panic(&bytes);
    }
}

#[test]
fn empty_input_is_a_truncation_error() {
    assert!(matches!(
        decode(&[]),
        Err(DecodeError::Truncated { offset: 0, .. })
    ));
}

#[test]
fn wrong_magic_is_reported_with_the_bytes_found() {
    let err = decode(b"NOPE\x01\x00").expect_err("wrong magic");
    assert_eq!(err, DecodeError::BadMagic { found: *b"NOPE" });
}

#[test]
fn unknown_format_version_asks_for_an_upgrade() {
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&2u16.to_le_bytes());
    let err = read_header(&bytes).expect_err("version 2 does not exist yet");
    assert_eq!(
        err,
        DecodeError::UnsupportedVersion {
            found: 2,
            supported: 1
        }
    );
}

#[cfg(feature = "tree-sitter-python")]
#[test]
fn a_flipped_bit_is_a_checksum_error_and_a_huge_node_count_is_refused() {
    let bytes = sample_encodings().swap_remove(0);
    let header = read_header(&bytes).expect("fresh header");
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x10;
    assert!(matches!(
        decode(&flipped),
        Err(DecodeError::ChecksumMismatch { .. })
    ));

    let mut huge = bytes.clone();
    let at = header.header_len - 16;
    huge[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    fix_checksum(&mut huge);
    assert!(matches!(
        decode(&huge),
        Err(DecodeError::TooLarge {
            field: "node_count",
            ..
        })
    ));

    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        decode(&longer),
        Err(DecodeError::LengthMismatch { .. })
    ));
}
