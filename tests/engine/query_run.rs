//! Running queries: captures in document order, predicates, compile errors with positions,
//! limits that mark results incomplete (captures, match limit, deadline, cancellation),
//! invalid UTF-8, and caller mistakes.

#![cfg(feature = "tree-sitter-python")]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use syntaxd::query::{
    CompiledQuery, IncompleteReason, InvalidQueryKind, QueryContext, QueryError, QueryLimits,
    QueryResult, run_query,
};
use tree_sitter::{Language, Parser, Tree};

fn python() -> Language {
    tree_sitter_python::LANGUAGE.into()
}

fn parse(source: &[u8]) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&python())
        .expect("grammar ABI is supported");
    parser
        .parse(source, None)
        .expect("no budget set, parse completes")
}

fn compile(text: &str) -> CompiledQuery {
    CompiledQuery::new("python", &python(), text, 64 * 1024).expect("test query compiles")
}

fn run(text: &str, source: &str, limits: &QueryLimits) -> QueryResult {
    let tree = parse(source.as_bytes());
    run_query(&compile(text), tree.root_node(), source.as_bytes(), limits)
        .expect("valid limits and matching tree")
}

fn texts(result: &QueryResult) -> Vec<(&str, &str)> {
    result
        .captures
        .iter()
        .map(|c| (c.name.as_str(), c.text.as_str()))
        .collect()
}

/// `lines` lines of `x<i> = <i>`, about 10 bytes each.
fn big_python(lines: usize) -> String {
    (0..lines).map(|i| format!("x{i} = {i}\n")).collect()
}

const SOURCE: &str = "def outer(a):\n    def inner(b):\n        return b\n    return inner(a)\n\nclass K:\n    name = 1\n";

#[test]
fn captures_come_in_document_order_with_positions() {
    let result = run(
        "(function_definition name: (identifier) @fn)\n(class_definition name: (identifier) @class)",
        SOURCE,
        &QueryLimits::default(),
    );
    assert!(result.complete);
    assert_eq!(result.incomplete_reason, None);
    assert_eq!(
        texts(&result),
        vec![("fn", "outer"), ("fn", "inner"), ("class", "K")]
    );
    let inner = &result.captures[1];
    assert_eq!(inner.node_kind, "identifier");
    assert_eq!(
        (inner.start.row, inner.start.column, inner.start.byte),
        (1, 8, 22)
    );
    assert_eq!(
        (inner.end.row, inner.end.column, inner.end.byte),
        (1, 13, 27)
    );
    assert_eq!(inner.pattern_index, 0);
    assert_eq!(result.captures[2].pattern_index, 1);
}

#[test]
fn eq_and_match_predicates_filter_captures() {
    let eq = run(
        r#"((identifier) @id (#eq? @id "inner"))"#,
        SOURCE,
        &QueryLimits::default(),
    );
    assert_eq!(texts(&eq), vec![("id", "inner"), ("id", "inner")]);
    assert_eq!(eq.captures[1].start.row, 3);

    let matched = run(
        r#"((identifier) @id (#match? @id "^[a-b]$"))"#,
        SOURCE,
        &QueryLimits::default(),
    );
    assert_eq!(
        texts(&matched),
        vec![("id", "a"), ("id", "b"), ("id", "b"), ("id", "a")]
    );

    let not_eq = run(
        r#"((function_definition name: (identifier) @fn) (#not-eq? @fn "outer"))"#,
        SOURCE,
        &QueryLimits::default(),
    );
    assert_eq!(texts(&not_eq), vec![("fn", "inner")]);
}

#[test]
fn private_underscore_captures_are_not_returned() {
    let result = run(
        r#"(function_definition name: (identifier) @_n body: (block) @body (#eq? @_n "inner"))"#,
        SOURCE,
        &QueryLimits::default(),
    );
    assert_eq!(texts(&result), vec![("body", "return b")]);
}

#[test]
fn query_syntax_error_reports_row_and_column() {
    let err = CompiledQuery::new(
        "python",
        &python(),
        "(function_definition\n  name: (identifier) @n)\n(call function: ",
        1024,
    )
    .expect_err("unterminated pattern");
    match &err {
        QueryError::Invalid {
            language,
            row,
            kind,
            ..
        } => {
            assert_eq!(language, "python");
            assert_eq!(*row, 2);
            assert_eq!(*kind, InvalidQueryKind::Syntax);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(err.code(), "invalid_query");
}

#[test]
fn unknown_node_type_reports_its_exact_position() {
    let err = CompiledQuery::new(
        "python",
        &python(),
        "(function_definition\n  name: (identifier) @n\n  (no_such_node))",
        1024,
    )
    .expect_err("unknown node type");
    let QueryError::Invalid {
        row,
        column,
        offset,
        kind,
        message,
        ..
    } = err
    else {
        panic!("unexpected {err:?}");
    };
    assert_eq!((row, column, offset), (2, 3, 48));
    assert_eq!(kind, InvalidQueryKind::NodeType);
    assert!(message.contains("no_such_node"), "{message}");
}

#[test]
fn query_over_the_size_limit_is_rejected_before_compiling() {
    let text = "(identifier) @id ".repeat(100);
    let err = CompiledQuery::new("python", &python(), &text, 1000).expect_err("too large");
    assert_eq!(
        err,
        QueryError::TooLarge {
            len_bytes: text.len(),
            max_bytes: 1000
        }
    );
}

#[test]
fn match_everything_on_200k_lines_stops_at_the_capture_limit() {
    let source = big_python(200_000);
    let limits = QueryLimits {
        max_captures: 1_000,
        ..QueryLimits::default()
    };
    let result = run("(_) @node", &source, &limits);
    assert!(!result.complete);
    assert_eq!(
        result.incomplete_reason,
        Some(IncompleteReason::LimitReached)
    );
    assert_eq!(result.captures.len(), 1_000);
    // The root comes first; its text is cut to the per-capture text limit.
    assert_eq!(result.captures[0].node_kind, "module");
    assert!(result.captures[0].text_truncated);
    assert_eq!(result.captures[0].text.len(), limits.max_capture_text_bytes);
}

#[test]
fn match_everything_on_200k_lines_stops_at_a_zero_deadline() {
    let source = big_python(200_000);
    let limits = QueryLimits {
        max_captures: usize::MAX,
        deadline: Duration::ZERO,
        ..QueryLimits::default()
    };
    let result = run("(_) @node", &source, &limits);
    assert!(!result.complete);
    assert_eq!(result.incomplete_reason, Some(IncompleteReason::Deadline));
    assert!(result.captures.len() < 1_000, "{}", result.captures.len());
}

#[test]
fn exceeding_the_match_limit_is_reported() {
    // Every statement starts a match that waits for a later function definition that never
    // comes, so in-progress matches pile up past the limit.
    let source = big_python(1_000);
    let limits = QueryLimits {
        match_limit: 4,
        ..QueryLimits::default()
    };
    let result = run(
        "(module (expression_statement) @first (function_definition) @last)",
        &source,
        &limits,
    );
    assert!(!result.complete);
    assert_eq!(
        result.incomplete_reason,
        Some(IncompleteReason::MatchLimitExceeded)
    );
}

#[test]
fn cancellation_from_another_thread_stops_a_long_run() {
    let source = big_python(200_000);
    let tree = parse(source.as_bytes());
    let compiled = compile("(_) @node");
    let cancel = Arc::new(AtomicBool::new(false));
    let limits = QueryLimits {
        max_captures: usize::MAX,
        deadline: Duration::from_secs(600),
        cancel: Some(cancel.clone()),
        ..QueryLimits::default()
    };
    let result = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            QueryContext::new().run(&compiled, tree.root_node(), source.as_bytes(), &limits)
        });
        std::thread::sleep(Duration::from_millis(20));
        cancel.store(true, Ordering::Relaxed);
        worker.join().expect("query thread does not panic")
    })
    .expect("valid input");
    assert!(!result.complete);
    assert_eq!(result.incomplete_reason, Some(IncompleteReason::Cancelled));
}

#[test]
fn cancel_flag_set_before_the_run_returns_nothing() {
    let cancel = Arc::new(AtomicBool::new(true));
    let limits = QueryLimits {
        cancel: Some(cancel),
        ..QueryLimits::default()
    };
    let result = run("(_) @node", SOURCE, &limits);
    assert_eq!(result.incomplete_reason, Some(IncompleteReason::Cancelled));
    assert!(result.captures.is_empty());
}

#[test]
fn invalid_utf8_source_gives_lossy_flagged_text() {
    let source: &[u8] = b"x = \"\xff\xfe\"\ndef f\xc3():\n    pass\n";
    let tree = parse(source);
    let result = run_query(
        &compile("(_) @node"),
        tree.root_node(),
        source,
        &QueryLimits::default(),
    )
    .expect("invalid UTF-8 is input, not an error");
    assert!(result.captures.iter().any(|c| c.text_lossy));
    for c in &result.captures {
        let exact = &source[c.start.byte..c.end.byte];
        assert_eq!(c.text_lossy, std::str::from_utf8(exact).is_err(), "{c:?}");
    }
    let json = serde_json::to_string(&result).expect("lossy text is valid UTF-8");
    assert!(json.contains("\\ufffd") || json.contains('\u{FFFD}'));
}

#[test]
fn text_truncation_keeps_whole_characters() {
    let source = "s = \"ééééé\"\n";
    let limits = QueryLimits {
        max_capture_text_bytes: 4,
        ..QueryLimits::default()
    };
    let result = run("(string) @s", source, &limits);
    let s = &result.captures[0];
    // `"é` is 3 bytes; a 4th byte would split the next `é`.
    assert_eq!(s.text, "\"é");
    assert!(s.text_truncated);
    assert!(!s.text_lossy);
}

#[test]
fn source_shorter_than_tree_is_an_error_not_a_panic() {
    let tree = parse(SOURCE.as_bytes());
    let err = run_query(
        &compile("(_) @node"),
        tree.root_node(),
        &SOURCE.as_bytes()[..5],
        &QueryLimits::default(),
    )
    .expect_err("tree and source disagree");
    assert_eq!(
        err,
        QueryError::SourceMismatch {
            tree_end_byte: SOURCE.len(),
            source_len: 5
        }
    );
}

#[test]
fn invalid_match_limit_is_an_error() {
    let tree = parse(SOURCE.as_bytes());
    let limits = QueryLimits {
        match_limit: 0,
        ..QueryLimits::default()
    };
    let err = run_query(
        &compile("(_) @node"),
        tree.root_node(),
        SOURCE.as_bytes(),
        &limits,
    )
    .expect_err("match limit 0");
    assert_eq!(err.code(), "invalid_limits");
}

#[cfg(feature = "tree-sitter-go")]
#[test]
fn query_for_another_language_is_an_error() {
    let go: Language = tree_sitter_go::LANGUAGE.into();
    let compiled = CompiledQuery::new("go", &go, "(_) @node", 1024).expect("compiles");
    let tree = parse(SOURCE.as_bytes());
    let err = run_query(
        &compiled,
        tree.root_node(),
        SOURCE.as_bytes(),
        &QueryLimits::default(),
    )
    .expect_err("language mismatch");
    assert!(
        matches!(err, QueryError::LanguageMismatch { .. }),
        "{err:?}"
    );
}

#[test]
fn result_serialises_with_incomplete_reason() {
    let limits = QueryLimits {
        max_captures: 1,
        ..QueryLimits::default()
    };
    let result = run("(identifier) @id", SOURCE, &limits);
    let json = serde_json::to_value(&result).expect("plain data serialises");
    assert_eq!(json["complete"], false);
    assert_eq!(json["incomplete_reason"], "limit_reached");
    assert_eq!(json["captures"][0]["name"], "id");
    assert_eq!(json["captures"][0]["text"], "outer");
    assert_eq!(
        json["captures"][0]["start"],
        serde_json::json!({"byte": 4, "row": 0, "column": 4})
    );
    let back: QueryResult = serde_json::from_value(json).expect("round-trips");
    assert_eq!(back, result);
}
