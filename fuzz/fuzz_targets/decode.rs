//! Fuzz target: the bytecode decoder (`read_header`, `decode`) and everything served from a
//! decoded tree. The first byte picks a mode:
//!
//! - 0: arbitrary bytes as they are (most stop at the header or the crc32);
//! - 1: arbitrary bytes with body length and crc32 fixed up, so the opcode stream itself is
//!   fuzzed, and rendered against a synthetic source of the declared length;
//! - 2: `[language, flips, (offset, xor) * flips, source...]`: a real parse of the source,
//!   encoded, then bit-flipped and fixed up. Without flips the encoding must decode, verify
//!   against the live tree and print the same S-expression as tree-sitter; with flips the
//!   decoder must refuse or yield a tree that is safe to serve.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use syntaxd::bytecode::{LineIndex, decode, read_header, verify};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => raw(rest),
        1 => {
            let mut bytes = rest.to_vec();
            common::fix_bytecode(&mut bytes, None);
            raw(&bytes);
            // The same stream against a source of the declared length (bounded) whose hash
            // is fixed up, so `line_index` accepts it as the production path does.
            if let Ok(h) = read_header(&bytes) {
                if h.source_len <= 1 << 16 {
                    let source: Vec<u8> = (0..h.source_len)
                        .map(|i| if i % 7 == 6 { b'\n' } else { b'a' })
                        .collect();
                    common::fix_bytecode(&mut bytes, Some(&source));
                    serve(&bytes, &source);
                }
            }
        }
        _ => structured(rest),
    }
});

/// Decodes and, when it decodes, navigates with a line index of a source of the declared size.
fn raw(bytes: &[u8]) {
    let _ = read_header(bytes);
    if let Ok(tree) = decode(bytes) {
        let lines = LineIndex::new(b"");
        common::navigate(&tree, &lines);
    }
}

/// Decodes and serves against `source` the way a cache hit is answered.
fn serve(bytes: &[u8], source: &[u8]) {
    let Ok(tree) = decode(bytes) else {
        return;
    };
    let Ok(lines) = tree.line_index(source) else {
        return;
    };
    let lang = syntaxd::language::registry()
        .language_for_name(&tree.header().language_id)
        .ok()
        .filter(|l| l.available())
        .unwrap_or_else(|| common::language(0));
    common::serve_decoded(&tree, &lines, lang);
}

fn structured(data: &[u8]) {
    let [sel, flips, rest @ ..] = data else {
        return;
    };
    let flips = usize::from(*flips % 8);
    if rest.len() < flips * 3 {
        return;
    }
    let (edits, source) = rest.split_at(flips * 3);
    let lang = common::language(*sel);
    let Some((live, mut bytes)) = common::encode(lang, source) else {
        return;
    };
    if flips == 0 {
        let tree = decode(&bytes).expect("a fresh encoding decodes");
        verify(&live, source, &bytes).expect("a fresh encoding verifies");
        let grammar = lang.ts_language().expect("core grammar");
        assert_eq!(
            tree.to_sexp(grammar),
            live.root_node().to_sexp(),
            "decoded S-expression differs from tree-sitter's"
        );
        serve(&bytes, source);
        return;
    }
    for e in edits.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([e[0], e[1]])) % bytes.len();
        bytes[at] ^= e[2];
    }
    common::fix_bytecode(&mut bytes, Some(source));
    // A tampered encoding that still decodes must be safe to serve; `verify` must tell the
    // truth about it without panicking.
    let _ = verify(&live, source, &bytes);
    serve(&bytes, source);
}
