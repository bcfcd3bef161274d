//! Prometheus metrics of the query part, registered once in the global default registry.

use std::sync::LazyLock;

use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts,
    register_histogram_vec, register_int_counter, register_int_counter_vec, register_int_gauge_vec,
};

/// Query runs take from tens of microseconds (a small file) to the deadline (default 2 s),
/// so buckets go from 50 µs to 5 s, about 2.5× apart.
const DURATION_BUCKETS_SECONDS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 5.0,
];

/// `syntaxd_query_duration_seconds{language}`: time of each query run (cache misses only).
pub(crate) static QUERY_DURATION_SECONDS: LazyLock<HistogramVec> = LazyLock::new(|| {
    let name = "syntaxd_query_duration_seconds";
    let help = "Time to run one syntax query over a tree (result-cache misses only)";
    register_histogram_vec!(name, help, &["language"], DURATION_BUCKETS_SECONDS.to_vec())
        .unwrap_or_else(|err| {
            tracing::warn!(metric = name, %err, "metric not registered; it will not be exported");
            HistogramVec::new(
                HistogramOpts::new(name, help).buckets(DURATION_BUCKETS_SECONDS.to_vec()),
                &["language"],
            )
            .expect("constant metric name, help and labels are valid")
        })
});

/// `syntaxd_query_compile_cache_hits_total`.
pub(crate) static COMPILE_CACHE_HITS_TOTAL: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "syntaxd_query_compile_cache_hits_total",
        "Compiled-query cache lookups answered from the cache",
    )
});

/// `syntaxd_query_compile_cache_misses_total`.
pub(crate) static COMPILE_CACHE_MISSES_TOTAL: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "syntaxd_query_compile_cache_misses_total",
        "Compiled-query cache lookups that had to compile the query",
    )
});

/// `syntaxd_query_compile_failures_remembered_total`.
pub(crate) static COMPILE_FAILURES_REMEMBERED_TOTAL: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "syntaxd_query_compile_failures_remembered_total",
        "Query compiles refused at once because the same text failed or was too slow before",
    )
});

/// `syntaxd_query_result_cache_hits_total`.
pub(crate) static RESULT_CACHE_HITS_TOTAL: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "syntaxd_query_result_cache_hits_total",
        "Query results answered from the result cache without running the query",
    )
});

/// `syntaxd_query_result_cache_misses_total`.
pub(crate) static RESULT_CACHE_MISSES_TOTAL: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "syntaxd_query_result_cache_misses_total",
        "Query result-cache lookups that had to run the query",
    )
});

/// `syntaxd_query_incomplete_total{reason}`: runs (queries and symbol extractions) that
/// stopped early; `reason` is one of the four `IncompleteReason` names.
pub(crate) static INCOMPLETE_TOTAL: LazyLock<IntCounterVec> = LazyLock::new(|| {
    let name = "syntaxd_query_incomplete_total";
    let help = "Query runs and symbol extractions that returned an incomplete result, by reason";
    register_int_counter_vec!(name, help, &["reason"]).unwrap_or_else(|err| {
        tracing::warn!(metric = name, %err, "metric not registered; it will not be exported");
        IntCounterVec::new(Opts::new(name, help), &["reason"])
            .expect("constant metric name, help and labels are valid")
    })
});

fn counter(name: &str, help: &str) -> IntCounter {
    register_int_counter!(name, help).unwrap_or_else(|err| {
        tracing::warn!(metric = name, %err, "metric not registered; it will not be exported");
        IntCounter::new(name, help).expect("constant metric name and help are valid")
    })
}

/// `syntaxd_query_cache_bytes{cache}`: bytes held by the query caches (`compiled`, `results`,
/// `trees`), refreshed at each scrape.
pub(crate) static QUERY_CACHE_BYTES: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    let name = "syntaxd_query_cache_bytes";
    let help = "Bytes held by the query caches (compiled queries, results, live trees)";
    register_int_gauge_vec!(name, help, &["cache"]).unwrap_or_else(|err| {
        tracing::warn!(metric = name, %err, "metric not registered; it will not be exported");
        IntGaugeVec::new(Opts::new(name, help), &["cache"])
            .expect("constant metric name, help and labels are valid")
    })
});
