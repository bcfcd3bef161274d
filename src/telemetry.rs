//! Telemetry: the tracing subscriber (pretty or JSON, `RUST_LOG` over the configured level),
//! the process and build metrics, the HTTP metrics, and the Prometheus text exposition of the
//! default registry. Every metric is listed in `docs/metrics.md`.

use std::sync::{LazyLock, Mutex, Once};
use std::time::Duration;

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, Opts, TextEncoder,
    default_registry,
};

/// Why the subscriber could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The level filter does not parse.
    #[error("log level filter `{filter}` is invalid: {message}")]
    Filter {
        /// The filter text (from `RUST_LOG` or `log.level`).
        filter: String,
        /// tracing-subscriber's message.
        message: String,
    },
    /// The format is neither `pretty` nor `json`.
    #[error("log format `{0}` is not `pretty` or `json`")]
    Format(String),
}

/// Installs the global tracing subscriber: `format` is `pretty` or `json`; the filter is
/// `RUST_LOG` when set, else `level`. A second call (tests) keeps the first subscriber.
///
/// # Errors
/// A bad filter or format.
pub fn init_tracing(format: &str, level: &str) -> Result<(), TelemetryError> {
    let filter_text = std::env::var("RUST_LOG")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| level.to_string());
    let filter = tracing_subscriber::EnvFilter::try_new(&filter_text).map_err(|e| {
        TelemetryError::Filter {
            filter: filter_text.clone(),
            message: e.to_string(),
        }
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match format {
        "json" => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        "pretty" => builder.try_init(),
        other => return Err(TelemetryError::Format(other.to_string())),
    };
    if installed.is_err() {
        tracing::debug!("a tracing subscriber is already installed; keeping it");
    }
    Ok(())
}

/// HTTP metrics, registered in the default registry on first use.
pub struct HttpMetrics {
    /// `syntaxd_http_requests_total{route,status}`.
    pub requests_total: IntCounterVec,
    /// `syntaxd_http_request_duration_seconds{route}`.
    pub request_duration_seconds: HistogramVec,
    /// `syntaxd_http_requests_rejected_total{reason}`.
    pub rejected_total: IntCounterVec,
}

/// The HTTP metrics.
pub static HTTP: LazyLock<HttpMetrics> = LazyLock::new(|| HttpMetrics {
    requests_total: register(
        IntCounterVec::new(
            Opts::new(
                "syntaxd_http_requests_total",
                "HTTP requests answered, by route template and status class.",
            ),
            &["route", "status"],
        )
        .expect("static metric definition is valid"),
    ),
    // A cache hit answers in well under a millisecond; misses parse for 1–100 ms; the request
    // deadline is tens of seconds.
    request_duration_seconds: register(
        HistogramVec::new(
            HistogramOpts::new(
                "syntaxd_http_request_duration_seconds",
                "Time from request received to response headers, by route template.",
            )
            .buckets(vec![
                0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
            &["route"],
        )
        .expect("static metric definition is valid"),
    ),
    rejected_total: register(
        IntCounterVec::new(
            Opts::new(
                "syntaxd_http_requests_rejected_total",
                "Requests refused before a handler ran, by reason (overloaded, draining, timeout).",
            ),
            &["reason"],
        )
        .expect("static metric definition is valid"),
    ),
});

/// The status class label of a status code: `1xx` … `5xx`.
pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Records one answered request.
pub fn observe_request(route: &str, status: u16, elapsed: Duration) {
    HTTP.requests_total
        .with_label_values(&[route, status_class(status)])
        .inc();
    HTTP.request_duration_seconds
        .with_label_values(&[route])
        .observe(elapsed.as_secs_f64());
}

/// Registers `syntaxd_build_info` and the process collector in the default registry (once),
/// and forces the HTTP metrics into existence so they appear before the first request.
pub fn register_process_metrics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let build_info = GaugeVec::new(
            Opts::new(
                "syntaxd_build_info",
                "Always 1; the label carries the version of the running binary.",
            ),
            &["version"],
        )
        .expect("static metric definition is valid");
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1.0);
        register(build_info);
        if let Err(e) = default_registry().register(Box::new(ProcessCollector::new())) {
            tracing::debug!(error = %e, "process collector already registered");
        }
        LazyLock::force(&HTTP);
    });
}

/// The default registry in Prometheus text format (0.0.4).
pub fn gather_text() -> String {
    let families = default_registry().gather();
    let mut out = Vec::new();
    if let Err(e) = TextEncoder::new().encode(&families, &mut out) {
        tracing::error!(error = %e, "metrics encoding failed");
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The content type of [`gather_text`].
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Resident memory and CPU time of this process, read at scrape time.
struct ProcessCollector {
    rss: prometheus::IntGauge,
    cpu: prometheus::Counter,
    descs: Vec<Desc>,
    system: Mutex<Option<sysinfo::System>>,
}

impl ProcessCollector {
    fn new() -> Self {
        let rss = prometheus::IntGauge::new(
            "syntaxd_process_resident_memory_bytes",
            "Resident set size of the daemon process.",
        )
        .expect("static metric definition is valid");
        let cpu = prometheus::Counter::new(
            "syntaxd_process_cpu_seconds_total",
            "User and system CPU time consumed by the daemon process.",
        )
        .expect("static metric definition is valid");
        let mut descs = rss.desc().into_iter().cloned().collect::<Vec<_>>();
        descs.extend(cpu.desc().into_iter().cloned());
        Self {
            rss,
            cpu,
            descs,
            system: Mutex::new(sysinfo::System::new().ok()),
        }
    }

    /// (resident bytes, cpu seconds) from sysinfo, else `/proc/self`.
    fn sample(&self) -> (Option<u64>, Option<f64>) {
        let from_sysinfo = self.system.lock().ok().and_then(|mut guard| {
            let system = guard.as_mut()?;
            let pid = sysinfo::get_current_pid().ok()?;
            system.refresh_processes_specifics(
                sysinfo::ProcessesToUpdate::Some(&[pid]),
                false,
                sysinfo::ProcessRefreshKind::nothing()
                    .with_memory()
                    .with_cpu(),
            );
            let p = system.process(pid)?;
            Some((p.memory(), p.accumulated_cpu_time() as f64 / 1000.0))
        });
        match from_sysinfo {
            Some((rss, cpu)) if rss > 0 => (Some(rss), Some(cpu)),
            _ => (crate::memory::current_rss_bytes(), proc_self_cpu_seconds()),
        }
    }
}

impl Collector for ProcessCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let (rss, cpu) = self.sample();
        if let Some(rss) = rss {
            self.rss.set(i64::try_from(rss).unwrap_or(i64::MAX));
        }
        if let Some(cpu) = cpu {
            // A counter only goes up: add the difference since the last scrape.
            let delta = cpu - self.cpu.get();
            if delta > 0.0 {
                self.cpu.inc_by(delta);
            }
        }
        let mut families = self.rss.collect();
        families.extend(self.cpu.collect());
        families
    }
}

/// utime + stime from `/proc/self/stat`, assuming the usual 100 clock ticks per second.
fn proc_self_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn register<C: Collector + Clone + 'static>(c: C) -> C {
    if let Err(e) = default_registry().register(Box::new(c.clone())) {
        tracing::debug!(error = %e, "metric already registered");
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classes_are_bounded() {
        assert_eq!(status_class(200), "2xx");
        assert_eq!(status_class(413), "4xx");
        assert_eq!(status_class(503), "5xx");
        assert_eq!(status_class(999), "5xx");
    }

    #[test]
    fn process_metrics_are_exposed() {
        register_process_metrics();
        let text = gather_text();
        assert!(text.contains("syntaxd_build_info{version=\""), "{text}");
        assert!(
            text.contains("syntaxd_process_resident_memory_bytes "),
            "{text}"
        );
        assert!(
            text.contains("syntaxd_process_cpu_seconds_total "),
            "{text}"
        );
    }

    #[test]
    fn proc_fallback_reads_this_process() {
        if std::path::Path::new("/proc/self/status").exists() {
            assert!(crate::memory::current_rss_bytes().is_some_and(|b| b > 0));
            assert!(proc_self_cpu_seconds().is_some());
        }
    }
}
