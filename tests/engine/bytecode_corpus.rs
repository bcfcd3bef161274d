//! Real-corpus round trip: every 10th Python file of the shared corpus plus the 20 largest
//! encode, verify node for node and print the same S-expression as tree-sitter.

#![cfg(feature = "tree-sitter-python")]

use crate::corpus;

use std::path::{Path, PathBuf};

use syntaxd::bytecode::{EncodeMeta, decode, encode, verify};

/// Assembles the Python corpus (the interpreter's standard library) into DEST. Fails (never
/// skips) when it cannot, so a broken corpus setup cannot pass silently.
fn make_corpus(dest: &Path) -> Vec<PathBuf> {
    corpus::assemble(dest, &["python"]);
    let files = corpus::files(dest, "python");
    assert!(
        files.len() >= 20,
        "the Python corpus has only {} files",
        files.len()
    );
    files
}

#[test]
fn python_corpus_sample_round_trips_exactly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = make_corpus(dir.path());

    let mut sample: Vec<&PathBuf> = files.iter().step_by(10).collect();
    let mut by_size: Vec<(u64, &PathBuf)> = files
        .iter()
        .map(|f| (std::fs::metadata(f).map(|m| m.len()).unwrap_or(0), f))
        .collect();
    by_size.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    sample.extend(by_size.iter().take(20).map(|&(_, f)| f));
    sample.sort();
    sample.dedup();

    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&language)
        .expect("grammar is ABI-compatible with the linked tree-sitter");
    let meta = EncodeMeta {
        language_id: "python",
        grammar_version: "corpus",
    };
    let (mut source_bytes, mut encoded_bytes, mut nodes) = (0usize, 0usize, 0usize);
    for path in &sample {
        let source = std::fs::read(path).expect("corpus file readable");
        let tree = parser
            .parse(&source, None)
            .expect("parsing without a timeout always yields a tree");
        let bytes = encode(&tree, &source, &meta);
        let stats =
            verify(&tree, &source, &bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let decoded = decode(&bytes).expect("verified bytes decode");
        assert_eq!(
            decoded.to_sexp(&language),
            tree.root_node().to_sexp(),
            "{}: to_sexp differs",
            path.display()
        );
        source_bytes += source.len();
        encoded_bytes += bytes.len();
        nodes += stats.nodes;
    }
    assert!(nodes > 0);
    // The format's size promise: at most one encoded byte per source byte before compression.
    assert!(
        encoded_bytes <= source_bytes,
        "{encoded_bytes} encoded bytes for {source_bytes} source bytes"
    );
}
