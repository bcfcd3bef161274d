//! Hostile input through the parse engine: deep nesting, a 50 MB single line, NUL bytes,
//! invalid UTF-8, empty input. Each gets a tree or a typed error, never a crash.
#![cfg(all(
    feature = "tree-sitter-python",
    feature = "tree-sitter-c",
    feature = "tree-sitter-javascript",
    feature = "tree-sitter-json",
    feature = "tree-sitter-rust"
))]

use std::time::Duration;

use syntaxd::parse::{
    EngineConfig, InputPolicy, ParseBudget, ParseEngine, ParseError, run_on_parse_thread,
};
use tree_sitter::{Language, Tree};

const NESTING: usize = 100_000;

fn nested(prefix: &str, open: &str, inner: &str, close: &str, suffix: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + NESTING * (open.len() + close.len()) + 16);
    s.push_str(prefix);
    s.push_str(&open.repeat(NESTING));
    s.push_str(inner);
    s.push_str(&close.repeat(NESTING));
    s.push_str(suffix);
    s
}

/// Depth of the deepest node, by a `TreeCursor` loop.
fn max_depth(tree: &Tree) -> usize {
    let mut cursor = tree.walk();
    let (mut depth, mut deepest) = (0usize, 0usize);
    loop {
        if cursor.goto_first_child() {
            depth += 1;
            deepest = deepest.max(depth);
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return deepest;
            }
            depth -= 1;
        }
    }
}

#[test]
fn a_hundred_thousand_nested_brackets_parse_walk_print_and_drop_on_a_parse_thread() {
    let engine = ParseEngine::new(EngineConfig::default());
    let cases: [(&'static str, Language, String); 5] = [
        (
            "python",
            tree_sitter_python::LANGUAGE.into(),
            nested("x = ", "(", "1", ")", "\n"),
        ),
        (
            "c",
            tree_sitter_c::LANGUAGE.into(),
            nested("int x = ", "(", "1", ")", ";\n"),
        ),
        (
            "javascript",
            tree_sitter_javascript::LANGUAGE.into(),
            nested("let x = ", "[", "1", "]", ";\n"),
        ),
        (
            "json",
            tree_sitter_json::LANGUAGE.into(),
            nested("", "[", "", "]", "\n"),
        ),
        (
            "rust",
            tree_sitter_rust::LANGUAGE.into(),
            nested("fn f() { let x = ", "(", "1", ")", "; }\n"),
        ),
    ];
    for (language_id, language, source) in cases {
        let budget = ParseBudget::new(source.len(), Duration::from_secs(60));
        let (depth, sexp_len, has_errors) = run_on_parse_thread(language_id, || {
            let outcome = engine
                .parse(language_id, &language, source.as_bytes(), &budget)
                .unwrap_or_else(|err| panic!("{err}"));
            let tree = outcome.tree;
            let depth = max_depth(&tree);
            let sexp_len = tree.root_node().to_sexp().len();
            let edited = {
                let mut t = tree.clone();
                t.edit(&tree_sitter::InputEdit {
                    start_byte: 0,
                    old_end_byte: 0,
                    new_end_byte: 1,
                    start_position: tree_sitter::Point::new(0, 0),
                    old_end_position: tree_sitter::Point::new(0, 0),
                    new_end_position: tree_sitter::Point::new(0, 1),
                });
                t
            };
            let changed = tree.changed_ranges(&edited).count();
            drop((tree, edited, changed));
            (depth, sexp_len, outcome.has_errors)
        })
        .unwrap_or_else(|err| panic!("{language_id}: {err}"));
        assert!(depth >= NESTING, "{language_id}: depth {depth}");
        assert!(sexp_len > NESTING, "{language_id}");
        assert!(
            !has_errors,
            "{language_id}: nested brackets are valid syntax"
        );
    }
}

#[test]
fn tree_sitter_handles_deep_nesting_without_recursion_on_a_small_stack() {
    // 256 KiB is 1/32 of PARSE_THREAD_STACK_BYTES; the measured need is 16 KiB (docs/parsing.md).
    // If tree-sitter ever recursed over nesting depth again, this would overflow.
    let source = nested("x = ", "(", "1", ")", "\n");
    let language: Language = tree_sitter_python::LANGUAGE.into();
    let sexp_len = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&language).unwrap();
            let tree = parser.parse(&source, None).unwrap();
            let mut edited = tree.clone();
            edited.edit(&tree_sitter::InputEdit {
                start_byte: 0,
                old_end_byte: 1,
                new_end_byte: 1,
                start_position: tree_sitter::Point::new(0, 0),
                old_end_position: tree_sitter::Point::new(0, 1),
                new_end_position: tree_sitter::Point::new(0, 1),
            });
            let reparsed = parser
                .parse(format!("y{}", &source[1..]), Some(&edited))
                .unwrap();
            assert!(edited.changed_ranges(&reparsed).count() <= 1);
            let len = reparsed.root_node().to_sexp().len();
            drop((tree, edited, reparsed));
            len
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(sexp_len > NESTING);
}

#[test]
fn a_fifty_megabyte_minified_line_gets_a_budget_error_not_a_crash() {
    let unit = "var a=function(b,c){return b+c*2-(b/c)};";
    let source = unit.repeat(50 * 1024 * 1024 / unit.len() + 1);
    assert!(source.len() >= 50 * 1024 * 1024 && !source.contains('\n'));
    let engine = ParseEngine::new(EngineConfig::default());
    let js: Language = tree_sitter_javascript::LANGUAGE.into();

    // The default budget refuses it outright: it is over the memory-derived cap.
    let err = engine
        .parse(
            "javascript",
            &js,
            source.as_bytes(),
            &ParseBudget::default(),
        )
        .unwrap_err();
    assert!(
        matches!(err, ParseError::TooLarge { bytes, .. } if bytes == source.len()),
        "{err}"
    );

    // With the cap lifted, the deadline stops it, and the engine keeps working.
    let budget = ParseBudget::new(usize::MAX, Duration::from_millis(200));
    let err = run_on_parse_thread("javascript", || {
        engine.parse("javascript", &js, source.as_bytes(), &budget)
    })
    .unwrap()
    .unwrap_err();
    assert!(
        matches!(err, ParseError::Timeout { limit_ms: 200, .. }),
        "{err}"
    );
    let ok = engine
        .parse("javascript", &js, unit.as_bytes(), &ParseBudget::default())
        .unwrap();
    assert_eq!(ok.tree.root_node().end_byte(), unit.len());
}

#[test]
fn nul_bytes_are_binary_unless_allowed() {
    let py: Language = tree_sitter_python::LANGUAGE.into();
    let source = b"x = 1\n\0\0\0y = 2\n";
    let strict = ParseEngine::new(EngineConfig::default());
    let err = strict
        .parse("python", &py, source, &ParseBudget::default())
        .unwrap_err();
    assert_eq!(
        err,
        ParseError::Binary {
            language: "python",
            offset: 6
        }
    );

    let lenient = ParseEngine::new(EngineConfig {
        input: InputPolicy {
            reject_nul: false,
            require_utf8: true,
        },
        ..EngineConfig::default()
    });
    let outcome = lenient
        .parse("python", &py, source, &ParseBudget::default())
        .unwrap();
    assert_eq!(outcome.tree.root_node().kind(), "module");
}

#[test]
fn invalid_utf8_is_refused_unless_allowed() {
    let c: Language = tree_sitter_c::LANGUAGE.into();
    let source = b"char *s = \"\xc3\x28\xff\";\n";
    let strict = ParseEngine::new(EngineConfig::default());
    let err = strict
        .parse("c", &c, source, &ParseBudget::default())
        .unwrap_err();
    assert_eq!(
        err,
        ParseError::InvalidUtf8 {
            language: "c",
            valid_up_to: 11
        }
    );

    let lenient = ParseEngine::new(EngineConfig {
        input: InputPolicy {
            reject_nul: true,
            require_utf8: false,
        },
        ..EngineConfig::default()
    });
    let outcome = lenient
        .parse("c", &c, source, &ParseBudget::default())
        .unwrap();
    assert_eq!(outcome.tree.root_node().end_byte(), source.len());
}

#[test]
fn empty_input_gives_an_empty_tree_in_every_language() {
    let engine = ParseEngine::new(EngineConfig::default());
    let languages: [(&'static str, Language); 5] = [
        ("python", tree_sitter_python::LANGUAGE.into()),
        ("c", tree_sitter_c::LANGUAGE.into()),
        ("javascript", tree_sitter_javascript::LANGUAGE.into()),
        ("json", tree_sitter_json::LANGUAGE.into()),
        ("rust", tree_sitter_rust::LANGUAGE.into()),
    ];
    for (id, language) in languages {
        let outcome = engine
            .parse(id, &language, b"", &ParseBudget::default())
            .unwrap();
        assert_eq!(outcome.tree.root_node().byte_range(), 0..0, "{id}");
        assert_eq!(outcome.source_bytes, 0);
    }
}
