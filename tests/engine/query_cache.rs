//! The compiled-query and result caches: repeated queries hit, changed content or limits
//! miss, deadline-cut results are not cached, and the Prometheus counters move.

#![cfg(feature = "tree-sitter-python")]

use std::sync::Arc;
use std::time::Duration;

use syntaxd::query::{IncompleteReason, QueryCache, QueryEngine, QueryLimits};
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

/// The value of a counter in the global registry's exposition (0 when not yet created).
fn counter(name: &str) -> f64 {
    prometheus::gather()
        .iter()
        .filter(|family| family.name() == name)
        .flat_map(|family| family.get_metric().iter())
        .map(|m| m.get_counter().value())
        .sum()
}

const SOURCE: &str = "def f():\n    return g()\n";
const QUERY: &str = "(call function: (identifier) @callee)";

#[test]
fn second_identical_query_hits_both_caches() {
    let engine = QueryEngine::new(1 << 20, 1 << 20);
    let tree = parse(SOURCE.as_bytes());
    let limits = QueryLimits::default();
    let hits_before = counter("syntaxd_query_result_cache_hits_total");
    let compile_hits_before = counter("syntaxd_query_compile_cache_hits_total");

    let first = engine
        .query(
            "python",
            &python(),
            QUERY,
            tree.root_node(),
            SOURCE.as_bytes(),
            &limits,
        )
        .expect("valid query");
    let second = engine
        .query(
            "python",
            &python(),
            QUERY,
            tree.root_node(),
            SOURCE.as_bytes(),
            &limits,
        )
        .expect("valid query");

    assert!(
        Arc::ptr_eq(&first, &second),
        "second answer comes from the cache"
    );
    assert_eq!(first.captures[0].text, "g");
    assert_eq!(engine.compiled.stats().misses, 1);
    assert_eq!(engine.compiled.stats().hits, 1);
    assert_eq!(engine.results.stats().misses, 1);
    assert_eq!(engine.results.stats().hits, 1);
    // Other tests share the global registry and only ever add.
    assert!(counter("syntaxd_query_result_cache_hits_total") >= hits_before + 1.0);
    assert!(counter("syntaxd_query_compile_cache_hits_total") >= compile_hits_before + 1.0);
    let exposition = prometheus::TextEncoder::new()
        .encode_to_string(&prometheus::gather())
        .expect("metrics encode");
    assert!(exposition.contains("syntaxd_query_duration_seconds_bucket{language=\"python\""));
}

#[test]
fn changed_content_or_limits_miss_the_result_cache() {
    let engine = QueryEngine::new(1 << 20, 1 << 20);
    let limits = QueryLimits::default();
    let tree = parse(SOURCE.as_bytes());
    engine
        .query(
            "python",
            &python(),
            QUERY,
            tree.root_node(),
            SOURCE.as_bytes(),
            &limits,
        )
        .expect("valid query");

    let edited = "def f():\n    return h()\n";
    let edited_tree = parse(edited.as_bytes());
    let result = engine
        .query(
            "python",
            &python(),
            QUERY,
            edited_tree.root_node(),
            edited.as_bytes(),
            &limits,
        )
        .expect("valid query");
    assert_eq!(result.captures[0].text, "h");

    let tighter = QueryLimits {
        max_captures: 0,
        ..QueryLimits::default()
    };
    let result = engine
        .query(
            "python",
            &python(),
            QUERY,
            tree.root_node(),
            SOURCE.as_bytes(),
            &tighter,
        )
        .expect("valid query");
    assert_eq!(
        result.incomplete_reason,
        Some(IncompleteReason::LimitReached)
    );
    assert_eq!(engine.results.stats().hits, 0);
    assert_eq!(engine.results.stats().misses, 3);
    // The compiled query was reused every time.
    assert_eq!(engine.compiled.stats().misses, 1);
    assert_eq!(engine.compiled.stats().hits, 2);
}

#[test]
fn deadline_cut_results_are_not_cached() {
    let engine = QueryEngine::new(1 << 20, 1 << 20);
    let tree = parse(SOURCE.as_bytes());
    let limits = QueryLimits {
        deadline: Duration::ZERO,
        ..QueryLimits::default()
    };
    for _ in 0..2 {
        let result = engine
            .query(
                "python",
                &python(),
                QUERY,
                tree.root_node(),
                SOURCE.as_bytes(),
                &limits,
            )
            .expect("valid query");
        assert_eq!(result.incomplete_reason, Some(IncompleteReason::Deadline));
    }
    assert_eq!(engine.results.stats().hits, 0);
    assert_eq!(engine.results.stats().misses, 2);
}

#[test]
fn invalid_queries_are_remembered_and_oversized_ones_never_compile() {
    let cache = QueryCache::new(1 << 20);
    let limits = QueryLimits {
        max_query_bytes: 100,
        ..QueryLimits::default()
    };
    // A compile failure is remembered (issue 9): the second try is answered without compiling,
    // with the same error.
    let errors: Vec<_> = (0..2)
        .map(|_| {
            cache
                .get_or_compile("python", &python(), "(call", &limits)
                .expect_err("unterminated")
        })
        .collect();
    assert_eq!(errors[0], errors[1]);
    assert_eq!(cache.stats().misses, 1);
    let huge = "(identifier) @i ".repeat(20);
    let err = cache
        .get_or_compile("python", &python(), &huge, &limits)
        .expect_err("over max_query_bytes");
    assert_eq!(err.code(), "query_too_large");
    assert_eq!(cache.stats().misses, 1, "size is checked before any lookup");
}

#[test]
fn compiled_cache_is_bounded_in_bytes() {
    // Each entry weighs text × 16 + 1024 bytes; 64 KiB holds a few dozen small queries.
    let budget = 64 * 1024;
    let cache = QueryCache::new(budget);
    let limits = QueryLimits::default();
    for i in 0..500 {
        let text = format!("((identifier) @id (#eq? @id \"name_{i}\"))");
        cache
            .get_or_compile("python", &python(), &text, &limits)
            .expect("valid query");
    }
    assert!(
        cache.weighted_bytes() <= budget,
        "{}",
        cache.weighted_bytes()
    );
}
