//! Prometheus metrics of the parse engine, registered once into the default registry.

use std::sync::LazyLock;

use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
};

/// Bounded set of `reason` label values for `syntaxd_parse_errors_total`.
pub(crate) mod reason {
    pub const TOO_LARGE: &str = "too_large";
    pub const TIMEOUT: &str = "timeout";
    pub const CANCELLED: &str = "cancelled";
    pub const BUSY: &str = "busy";
    pub const BINARY: &str = "binary";
    pub const INVALID_UTF8: &str = "invalid_utf8";
    pub const LANGUAGE: &str = "language";
    pub const INTERNAL: &str = "internal";
    pub const QUARANTINED: &str = "quarantined";
}

pub(crate) struct ParseMetrics {
    pub pool_in_use: IntGauge,
    pub pool_idle: IntGauge,
    pub pool_wait_seconds: Histogram,
    pub parse_duration_seconds: HistogramVec,
    pub parse_bytes_total: IntCounterVec,
    pub parse_errors_total: IntCounterVec,
    pub watchdog_overruns_total: IntCounterVec,
    pub abandoned_threads: IntGauge,
    pub abandoned_threads_total: IntCounter,
    pub quarantine_entries: IntGauge,
}

pub(crate) static METRICS: LazyLock<ParseMetrics> = LazyLock::new(|| ParseMetrics {
    pool_in_use: register(IntGauge::with_opts(Opts::new(
        "syntaxd_parser_pool_in_use",
        "Parsers currently checked out of the pool.",
    ))),
    pool_idle: register(IntGauge::with_opts(Opts::new(
        "syntaxd_parser_pool_idle",
        "Parsers idle in the pool, ready for reuse.",
    ))),
    // A checkout is normally immediate (<1 ms); waits up to the pool timeout (seconds) show
    // saturation.
    pool_wait_seconds: register(Histogram::with_opts(
        HistogramOpts::new(
            "syntaxd_parser_pool_wait_seconds",
            "Time spent waiting to check a parser out of the pool.",
        )
        .buckets(vec![
            0.000_1, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
        ]),
    )),
    // Typical files parse in 0.1–50 ms; large or minified ones take seconds up to the deadline.
    parse_duration_seconds: register(HistogramVec::new(
        HistogramOpts::new(
            "syntaxd_parse_duration_seconds",
            "Wall-clock duration of parses that produced a tree, per language.",
        )
        .buckets(vec![
            0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ]),
        &["language"],
    )),
    parse_bytes_total: register(IntCounterVec::new(
        Opts::new(
            "syntaxd_parse_bytes_total",
            "Source bytes parsed into trees, per language.",
        ),
        &["language"],
    )),
    parse_errors_total: register(IntCounterVec::new(
        Opts::new(
            "syntaxd_parse_errors_total",
            "Parses that produced no tree, per language and reason \
             (too_large, timeout, cancelled, busy, binary, invalid_utf8, language, internal, \
             quarantined).",
        ),
        &["language", "reason"],
    )),
    watchdog_overruns_total: register(IntCounterVec::new(
        Opts::new(
            "syntaxd_parse_watchdog_overruns_total",
            "Parses the watchdog saw running past their deadline plus margin, per language.",
        ),
        &["language"],
    )),
    abandoned_threads: register(IntGauge::with_opts(Opts::new(
        "syntaxd_parse_abandoned_threads",
        "Threads whose parse never returned and whose parser slot was replaced; they still run.",
    ))),
    abandoned_threads_total: register(IntCounter::with_opts(Opts::new(
        "syntaxd_parse_abandoned_threads_total",
        "Parser slots replaced because their parse overran its deadline by the watchdog margin.",
    ))),
    quarantine_entries: register(IntGauge::with_opts(Opts::new(
        "syntaxd_parse_quarantine_entries",
        "Inputs quarantined (refused with 422 parse_quarantined) after an overrun or a crash.",
    ))),
});

/// Register `metric` into the default registry. Creation cannot fail: names, help and labels
/// are constants checked by the tests. A registration failure (a name collision with another
/// part) is logged and the metric still counts, unexported: metrics never take the engine down.
fn register<M, E>(metric: Result<M, E>) -> M
where
    M: prometheus::core::Collector + Clone + 'static,
    E: std::fmt::Debug,
{
    let metric = metric.expect("constant, valid metric options");
    if let Err(err) = prometheus::default_registry().register(Box::new(metric.clone())) {
        tracing::warn!(error = %err, "parse metric not registered");
    }
    metric
}

/// Count one failed parse.
pub(crate) fn count_error(language: &str, reason: &'static str) {
    METRICS
        .parse_errors_total
        .with_label_values(&[language, reason])
        .inc();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parse_metric_is_exported_in_the_text_format_with_its_type() {
        METRICS
            .parse_bytes_total
            .with_label_values(&["t"])
            .inc_by(0);
        METRICS
            .parse_duration_seconds
            .with_label_values(&["t"])
            .observe(0.0);
        count_error("t", reason::TIMEOUT);
        METRICS
            .watchdog_overruns_total
            .with_label_values(&["t"])
            .inc_by(0);
        METRICS.pool_wait_seconds.observe(0.0);
        METRICS.abandoned_threads_total.inc_by(0);
        let families = prometheus::default_registry().gather();
        let mut text = String::new();
        prometheus::TextEncoder::new()
            .encode_utf8(&families, &mut text)
            .unwrap();
        for (name, kind) in [
            ("syntaxd_parser_pool_in_use", "gauge"),
            ("syntaxd_parser_pool_idle", "gauge"),
            ("syntaxd_parser_pool_wait_seconds", "histogram"),
            ("syntaxd_parse_duration_seconds", "histogram"),
            ("syntaxd_parse_bytes_total", "counter"),
            ("syntaxd_parse_errors_total", "counter"),
            ("syntaxd_parse_watchdog_overruns_total", "counter"),
            ("syntaxd_parse_abandoned_threads", "gauge"),
            ("syntaxd_parse_abandoned_threads_total", "counter"),
            ("syntaxd_parse_quarantine_entries", "gauge"),
        ] {
            assert!(
                text.lines().any(|l| l == format!("# TYPE {name} {kind}")),
                "{name} {kind} missing from:\n{text}"
            );
        }
        assert!(text.contains("syntaxd_parse_errors_total{language=\"t\",reason=\"timeout\"}"));
    }
}
