//! The query caches' memory is bounded by configuration and exported (its own test binary:
//! the gauges are process-wide, and other in-process daemons would set them too).
#![cfg(feature = "tree-sitter-python")]

mod support;

use serde_json::json;
use support::{Server, config, gauge};

/// Issue 8 §5 / issue 9: the query caches (compiled queries, results, live trees of posted
/// content) are bounded by configuration and their bytes are exported, so a stream of
/// distinct queried contents cannot grow the process past its documented memory formula.
#[test]
fn query_caches_stay_within_their_configured_budgets() {
    let s = Server::start(config(|c| {
        c.query.tree_cache_bytes = 2 << 20;
        c.query.result_cache_bytes = 256 << 10;
        c.query.compiled_cache_bytes = 64 << 10;
    }));
    for i in 0..30 {
        let content = format!("# file {i}\n{}", support::python_source(60));
        let (status, body) = s.post_json(
            "/v1/query",
            json!({ "content": content, "language": "python", "query": "(identifier) @id" }),
        );
        assert_eq!(status, 200, "{body}");
        assert!(body["captures"].as_array().is_some_and(|c| !c.is_empty()));
    }
    let bytes = |cache: &str| {
        gauge(
            &s,
            &format!("syntaxd_query_cache_bytes{{cache=\"{cache}\"}}"),
        )
    };
    let trees = bytes("trees").expect("trees gauge");
    let results = bytes("results").expect("results gauge");
    let compiled = bytes("compiled").expect("compiled gauge");
    assert!(
        trees > 0.0 && trees <= f64::from(2u32 << 20),
        "trees {trees}"
    );
    assert!(
        results > 0.0 && results <= f64::from(256u32 << 10),
        "results {results}"
    );
    assert!(
        compiled > 0.0 && compiled <= f64::from(64u32 << 10),
        "compiled {compiled}"
    );
    let (status, body) = s.post_json(
        "/v1/parse",
        json!({ "content": "x = 1\n", "language": "python", "format": "none" }),
    );
    assert_eq!(status, 200, "{body}");
}
