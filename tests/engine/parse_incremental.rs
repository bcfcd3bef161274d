//! Incremental documents on real files: seeded random edits, each checked against a fresh parse.
#![cfg(all(feature = "tree-sitter-python", feature = "tree-sitter-c"))]

use crate::corpus;

use std::path::{Path, PathBuf};

use syntaxd::parse::{Document, EngineConfig, ParseBudget, ParseEngine, TextEdit, TextPosition};
use tree_sitter::{Language, Parser, Tree};

/// Files per language, edits per file: enough variety while staying well under a minute.
const FILES_PER_LANGUAGE: usize = 6;
const EDITS_PER_FILE: usize = 30;

#[test]
fn random_edits_to_real_files_give_the_same_tree_as_a_fresh_parse() {
    let corpus = tempfile::tempdir().expect("temp dir");
    make_corpus(corpus.path(), &["python", "c"]);
    let engine = ParseEngine::new(EngineConfig::default());
    let languages: [(&'static str, Language, &[&str]); 2] = [
        (
            "python",
            tree_sitter_python::LANGUAGE.into(),
            PYTHON_FRAGMENTS,
        ),
        ("c", tree_sitter_c::LANGUAGE.into(), C_FRAGMENTS),
    ];
    let mut stats = Stats::default();
    for (seed, (language_id, language, fragments)) in languages.into_iter().enumerate() {
        let files = sample(corpus.path(), language_id);
        assert_eq!(
            files.len(),
            FILES_PER_LANGUAGE,
            "{language_id}: corpus sample too small"
        );
        let mut fresh = Parser::new();
        fresh.set_language(&language).expect("grammar loads");
        for (file_index, path) in files.iter().enumerate() {
            let text = String::from_utf8_lossy(&std::fs::read(path).expect("read corpus file"))
                .into_owned();
            let mut doc = Document::open(
                &engine,
                language_id,
                language.clone(),
                text,
                0,
                &ParseBudget::default(),
            )
            .expect("open");
            let mut rng = SplitMix(0x5eed_0000 + (seed as u64) * 1000 + file_index as u64);
            // Phase 1: edit/undo pairs (each undo restores the real file, so the incremental
            // tree is compared with an error-free fresh parse where the file has none).
            // Phase 2: edits that accumulate.
            let mut pending_undo: Option<TextEdit> = None;
            for step in 1..=2 * EDITS_PER_FILE {
                let edit = match pending_undo.take() {
                    Some(undo) => undo,
                    None => {
                        let (edit, start, end) = random_edit(&mut rng, doc.text(), fragments);
                        if step <= EDITS_PER_FILE {
                            pending_undo = Some(TextEdit::bytes(
                                start,
                                start + edit.new_text.len(),
                                &doc.text()[start..end],
                            ));
                        }
                        edit
                    }
                };
                let context = format!("{} edit {step}: {edit:?}", path.display());
                let outcome = doc
                    .apply_edits(step as i64, std::slice::from_ref(&edit))
                    .unwrap_or_else(|err| panic!("{context}: {err}"));
                assert_consistent(doc.tree(), doc.text(), &context);
                let expected = fresh.parse(doc.text(), None).expect("fresh parse");
                let fresh_has_errors = expected.root_node().has_error();
                match compare_trees(doc.tree(), &expected) {
                    Ok(()) => stats.equal += 1,
                    Err(diff) if fresh_has_errors => {
                        eprintln!("{context}: error recovery differs: {diff}");
                        stats.differing_error_recovery += 1;
                    }
                    Err(diff) => panic!("{context}: {diff}"),
                }
                if !fresh_has_errors {
                    stats.error_free += 1;
                    assert!(!outcome.has_errors, "{context}");
                }
                for range in &outcome.changed_ranges {
                    assert!(range.end_byte <= doc.text().len(), "{context}: {range:?}");
                }
            }
        }
    }
    eprintln!("{stats:?}");
    let total = 2 * FILES_PER_LANGUAGE * 2 * EDITS_PER_FILE;
    assert_eq!(stats.equal + stats.differing_error_recovery, total);
    // Error recovery may legitimately differ between an incremental and a fresh parse of text
    // with syntax errors (tree-sitter reuses the old tree's nodes); it must stay rare.
    assert!(
        stats.differing_error_recovery * 20 <= total,
        "more than 5% of edits diverged: {stats:?}"
    );
    assert!(
        stats.error_free > 0,
        "no edit left an error-free text: {stats:?}"
    );
}

#[derive(Debug, Default)]
struct Stats {
    /// Incremental tree identical to the fresh parse (to_sexp and every node's ranges).
    equal: usize,
    /// Differences, all inside texts with syntax errors.
    differing_error_recovery: usize,
    /// Edits after which the text had no syntax error (where equality is required).
    error_free: usize,
}

/// Build the corpus with the shared script; a missing script fails the test.
fn make_corpus(dest: &Path, languages: &[&str]) {
    corpus::assemble(dest, languages);
}

/// A deterministic sample: from the sorted manifest, files of 2–40 KB, evenly spaced.
fn sample(corpus: &Path, language: &str) -> Vec<PathBuf> {
    let manifest = std::fs::read_to_string(corpus.join(format!("{language}.manifest")))
        .expect("read manifest");
    let candidates: Vec<PathBuf> = manifest
        .lines()
        .map(|rel| corpus.join(language).join(rel))
        .filter(|p| {
            std::fs::metadata(p)
                .map(|m| (2_000..40_000).contains(&m.len()))
                .unwrap_or(false)
        })
        .collect();
    let step = (candidates.len() / FILES_PER_LANGUAGE).max(1);
    candidates
        .into_iter()
        .step_by(step)
        .take(FILES_PER_LANGUAGE)
        .collect()
}

const PYTHON_FRAGMENTS: &[&str] = &[
    "x",
    " ",
    "\n",
    "(",
    ")",
    "[",
    "]",
    ":",
    "'",
    "\"\"\"",
    "#",
    "    ",
    "é",
    "😀",
    "\\",
    "def g(a):\n    return a\n",
    "if x:\n    pass\n",
    "{",
    "}",
    ", ",
    "lambda: 0",
];

const C_FRAGMENTS: &[&str] = &[
    "x",
    " ",
    "\n",
    "(",
    ")",
    "{",
    "}",
    ";",
    "/*",
    "*/",
    "\"",
    "é",
    "😀",
    "\\\n",
    "#define X 1\n",
    "int y = 2;\n",
    "#if 0\n",
    "#endif\n",
    "struct s { int a; };",
    "->",
];

/// An insertion, deletion or replacement at random char boundaries, expressed as a byte,
/// byte-column or UTF-16-column range.
/// Returns the edit and the byte range it replaces.
fn random_edit(rng: &mut SplitMix, text: &str, fragments: &[&str]) -> (TextEdit, usize, usize) {
    let start = floor_boundary(text, rng.below(text.len() + 1));
    let kind = rng.below(3);
    let end = if kind == 0 {
        start
    } else {
        floor_boundary(text, (start + 1 + rng.below(40)).min(text.len())).max(start)
    };
    let new_text = if kind == 1 {
        String::new()
    } else {
        (0..1 + rng.below(3))
            .map(|_| fragments[rng.below(fragments.len())])
            .collect()
    };
    let edit = match rng.below(3) {
        0 => TextEdit::bytes(start, end, new_text),
        1 => TextEdit::points(
            position(text, start, false),
            position(text, end, false),
            new_text,
        ),
        _ => TextEdit::utf16(
            position(text, start, true),
            position(text, end, true),
            new_text,
        ),
    };
    (edit, start, end)
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn position(text: &str, byte: usize, utf16: bool) -> TextPosition {
    let before = &text[..byte];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count();
    let column = if utf16 {
        before[line_start..].encode_utf16().count()
    } else {
        byte - line_start
    };
    TextPosition::new(line, column)
}

/// The S-expressions and every node's kind, flags, field, byte and point ranges are equal.
fn compare_trees(actual: &Tree, expected: &Tree) -> Result<(), String> {
    if actual.root_node().to_sexp() != expected.root_node().to_sexp() {
        return Err("to_sexp differs".into());
    }
    let mut a = actual.walk();
    let mut e = expected.walk();
    loop {
        let (an, en) = (a.node(), e.node());
        let facts = |n: tree_sitter::Node, field: Option<&str>| {
            format!(
                "{} named={} missing={} extra={} field={field:?} {:?} {}..{}",
                n.kind(),
                n.is_named(),
                n.is_missing(),
                n.is_extra(),
                n.byte_range(),
                n.start_position(),
                n.end_position()
            )
        };
        let (af, ef) = (facts(an, a.field_name()), facts(en, e.field_name()));
        if af != ef {
            return Err(format!("node differs: incremental {af} / fresh {ef}"));
        }
        // Pre-order step, in lockstep.
        let down = a.goto_first_child();
        if down != e.goto_first_child() {
            return Err(format!("children differ at {ef}"));
        }
        if down {
            continue;
        }
        loop {
            let next = a.goto_next_sibling();
            if next != e.goto_next_sibling() {
                return Err(format!("siblings differ after {ef}"));
            }
            if next {
                break;
            }
            let up = a.goto_parent();
            if up != e.goto_parent() {
                return Err("parents differ".into());
            }
            if !up {
                return Ok(());
            }
        }
    }
}

/// Every node's points agree with its bytes in `text` (proves the `InputEdit` points were
/// right), children lie inside their parent in order, and the root spans the text.
fn assert_consistent(tree: &Tree, text: &str, context: &str) {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let point = |byte: usize| {
        let row = line_starts.partition_point(|&s| s <= byte) - 1;
        tree_sitter::Point::new(row, byte - line_starts[row])
    };
    let root = tree.root_node();
    assert!(
        root.end_byte() <= text.len(),
        "{context}: root past the text"
    );
    let mut cursor = tree.walk();
    loop {
        let n = cursor.node();
        assert!(n.start_byte() <= n.end_byte(), "{context}: {n:?}");
        assert_eq!(
            n.start_position(),
            point(n.start_byte()),
            "{context}: {n:?}"
        );
        assert_eq!(n.end_position(), point(n.end_byte()), "{context}: {n:?}");
        if let Some(parent) = n.parent() {
            assert!(parent.start_byte() <= n.start_byte() && n.end_byte() <= parent.end_byte());
        }
        if let Some(prev) = n.prev_sibling() {
            assert!(
                prev.end_byte() <= n.start_byte(),
                "{context}: {n:?} overlaps {prev:?}"
            );
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// SplitMix64: a tiny seeded generator, so the edit sequence never depends on a crate version.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}
