//! The cache's Prometheus metrics, registered once per cache in the registry it is given.

use std::time::Instant;

use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
};

use super::Tier;

/// Buckets for cache get/store latency: hot hits take microseconds, cold reads with zstd and
/// an fsync'd store take milliseconds; 10 µs .. 1 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0,
];

/// Counters, histograms and gauges of one cache.
pub struct CacheMetrics {
    hits: IntCounterVec,
    misses: IntCounter,
    promotions: IntCounterVec,
    demotions: IntCounterVec,
    get_duration: HistogramVec,
    miss_duration: Histogram,
    store_duration: HistogramVec,
    entries: IntGaugeVec,
    bytes: IntGaugeVec,
    corrupt: IntCounterVec,
    write_dropped: IntCounter,
    write_failed: IntCounter,
}

fn counter_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels)
        .expect("metric names and labels are valid");
    register(registry, Box::new(c.clone()));
    c
}

fn register(registry: &Registry, c: Box<dyn prometheus::core::Collector>) {
    // A second cache in the same registry (tests) shares nothing; ignore AlreadyReg.
    if let Err(e) = registry.register(c) {
        tracing::debug!(error = %e, "cache metric already registered");
    }
}

impl CacheMetrics {
    /// Creates and registers the metrics.
    pub fn register(registry: &Registry) -> CacheMetrics {
        let hits = counter_vec(
            registry,
            "syntaxd_cache_hits_total",
            "Cache lookups answered, by tier.",
            &["tier"],
        );
        let misses = IntCounter::new(
            "syntaxd_cache_misses_total",
            "Cache lookups not answered by any tier.",
        )
        .expect("valid metric");
        register(registry, Box::new(misses.clone()));
        let promotions = counter_vec(
            registry,
            "syntaxd_cache_promotions_total",
            "Entries moved to a faster tier on access.",
            &["from", "to"],
        );
        let demotions = counter_vec(
            registry,
            "syntaxd_cache_demotions_total",
            "Entries moved to a slower tier on eviction.",
            &["from", "to"],
        );
        let get_duration = HistogramVec::new(
            HistogramOpts::new(
                "syntaxd_cache_get_duration_seconds",
                "Latency of cache hits, by the tier that answered.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["tier"],
        )
        .expect("valid metric");
        register(registry, Box::new(get_duration.clone()));
        let miss_duration = Histogram::with_opts(
            HistogramOpts::new(
                "syntaxd_cache_miss_duration_seconds",
                "Latency of lookups that missed every tier.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
        )
        .expect("valid metric");
        register(registry, Box::new(miss_duration.clone()));
        let store_duration = HistogramVec::new(
            HistogramOpts::new(
                "syntaxd_cache_store_duration_seconds",
                "Latency of storing entries, by tier.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["tier"],
        )
        .expect("valid metric");
        register(registry, Box::new(store_duration.clone()));
        let entries = IntGaugeVec::new(
            Opts::new("syntaxd_cache_entries", "Entries held, by tier."),
            &["tier"],
        )
        .expect("valid metric");
        register(registry, Box::new(entries.clone()));
        let bytes = IntGaugeVec::new(
            Opts::new(
                "syntaxd_cache_bytes",
                "Bytes held, by tier (memory for hot and warm, stored values for cold).",
            ),
            &["tier"],
        )
        .expect("valid metric");
        register(registry, Box::new(bytes.clone()));
        let corrupt = counter_vec(
            registry,
            "syntaxd_cache_corrupt_total",
            "Stored values rejected as corrupt, truncated or of an unknown version (each one a miss).",
            &["tier"],
        );
        let write_dropped = IntCounter::new(
            "syntaxd_cache_write_behind_dropped_total",
            "Cold writes dropped because the write-behind queue was full (the entry stays in memory and is written on eviction or flush).",
        )
        .expect("valid metric");
        register(registry, Box::new(write_dropped.clone()));
        let write_failed = IntCounter::new(
            "syntaxd_cache_write_behind_failed_total",
            "Entries of write-behind batches the cold store failed to write (storage error, damage, degraded cold tier).",
        )
        .expect("valid metric");
        register(registry, Box::new(write_failed.clone()));
        CacheMetrics {
            write_dropped,
            write_failed,
            hits,
            misses,
            promotions,
            demotions,
            get_duration,
            miss_duration,
            store_duration,
            entries,
            bytes,
            corrupt,
        }
    }

    pub(crate) fn hit(&self, tier: Tier, started: Instant) {
        self.hits.with_label_values(&[tier.as_str()]).inc();
        self.get_duration
            .with_label_values(&[tier.as_str()])
            .observe(started.elapsed().as_secs_f64());
    }

    pub(crate) fn miss(&self, started: Instant) {
        self.misses.inc();
        self.miss_duration.observe(started.elapsed().as_secs_f64());
    }

    pub(crate) fn stored(&self, tier: Tier, started: Instant) {
        self.store_duration
            .with_label_values(&[tier.as_str()])
            .observe(started.elapsed().as_secs_f64());
    }

    pub(crate) fn promotion(&self, from: Tier, to: Tier) {
        self.promotions
            .with_label_values(&[from.as_str(), to.as_str()])
            .inc();
    }

    pub(crate) fn demotion(&self, from: Tier, to: Tier) {
        self.demotions
            .with_label_values(&[from.as_str(), to.as_str()])
            .inc();
    }

    pub(crate) fn corrupt(&self, tier: Tier) {
        self.corrupt.with_label_values(&[tier.as_str()]).inc();
    }

    pub(crate) fn write_dropped(&self) {
        self.write_dropped.inc();
    }

    pub(crate) fn writes_failed(&self, n: usize) {
        self.write_failed.inc_by(n as u64);
    }

    /// Cold writes dropped by a full write-behind queue so far.
    pub fn writes_dropped(&self) -> u64 {
        self.write_dropped.get()
    }

    pub(crate) fn set_size(&self, tier: Tier, entries: u64, bytes: u64) {
        self.entries
            .with_label_values(&[tier.as_str()])
            .set(entries as i64);
        self.bytes
            .with_label_values(&[tier.as_str()])
            .set(bytes as i64);
    }

    /// Hits so far in a tier.
    pub fn hits(&self, tier: Tier) -> u64 {
        self.hits.with_label_values(&[tier.as_str()]).get()
    }

    /// Misses so far.
    pub fn misses(&self) -> u64 {
        self.misses.get()
    }

    /// Promotions so far between two tiers.
    pub fn promotions(&self, from: Tier, to: Tier) -> u64 {
        self.promotions
            .with_label_values(&[from.as_str(), to.as_str()])
            .get()
    }

    /// Demotions so far between two tiers.
    pub fn demotions(&self, from: Tier, to: Tier) -> u64 {
        self.demotions
            .with_label_values(&[from.as_str(), to.as_str()])
            .get()
    }

    /// Corrupt values seen so far in a tier.
    pub fn corrupt_count(&self, tier: Tier) -> u64 {
        self.corrupt.with_label_values(&[tier.as_str()]).get()
    }
}
