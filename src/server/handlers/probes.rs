//! Probes and metrics: `/healthz` (liveness: abandoned parse threads within their cap),
//! `/readyz` (readiness latch, stuck parses, registry queries) and `/metrics` (Prometheus
//! text). Probe bodies list every reason that holds, not only the first.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::super::error::ApiError;
use super::super::state::{AppState, Phase};
use crate::parse::EngineHealth;
use crate::telemetry::{METRICS_CONTENT_TYPE, gather_text};

/// One reason a probe gives: a stable code and a message.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReason {
    /// Stable code, e.g. `abandoned_threads_over_cap`.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
}

/// What a probe found: `reasons` make it fail (503), `warnings` are degradations it survives
/// (200). Both are lists: several can hold at once.
#[derive(Debug, Default)]
pub struct ProbeReport {
    /// Why the probe fails; empty when it passes.
    pub reasons: Vec<ProbeReason>,
    /// Degradations that do not fail the probe.
    pub warnings: Vec<ProbeReason>,
}

impl ProbeReport {
    /// Adds a failing reason.
    pub fn fail(&mut self, code: &'static str, message: impl Into<String>) {
        self.reasons.push(ProbeReason {
            code,
            message: message.into(),
        });
    }

    /// Adds a warning.
    pub fn warn(&mut self, code: &'static str, message: impl Into<String>) {
        self.warnings.push(ProbeReason {
            code,
            message: message.into(),
        });
    }

    /// 200 `{"status": ok_status, "reasons": [], "warnings": [...], "parse": {...}}`, or 503
    /// with `status` `fail_status`, every reason, and `error` (the first reason, as every error
    /// body has).
    fn respond(
        self,
        ok_status: &str,
        fail_status: &str,
        parse: serde_json::Value,
        query_failures: Option<serde_json::Value>,
    ) -> Response {
        let first = self
            .reasons
            .first()
            .map(|r| serde_json::json!({ "code": r.code, "message": r.message }));
        let mut body = serde_json::json!({
            "status": if first.is_some() { fail_status } else { ok_status },
            "reasons": self.reasons,
            "warnings": self.warnings,
            "parse": parse,
        });
        if let Some(failures) = query_failures {
            body["query_failures"] = failures;
        }
        let Some(first) = first else {
            return axum::Json(body).into_response();
        };
        body["error"] = first;
        (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
    }
}

/// `GET /healthz` (liveness): 200 while the process can serve; 503 when it cannot recover by
/// itself and should be restarted — more parses are stuck than `parse.max_abandoned_threads`
/// allows to abandon (their parser slots stay taken for good).
pub async fn healthz(State(state): State<AppState>) -> Response {
    let engine = state.analyzer().engine();
    let health = engine.health();
    let mut report = ProbeReport::default();
    parse_reasons(&health, &mut report, false);
    report.respond(
        "ok",
        "unhealthy",
        parse_json(&health, engine.quarantine().len()),
        None,
    )
}

/// `GET /readyz`: 200 when serving; 503 with every reason while starting or draining, while a
/// stuck parse holds a parser slot that was not replaced, or past the cap of abandoned
/// threads. Degradations it survives are `warnings` in a 200 body: a registry query that does
/// not compile, a cold tier degraded by a storage error (`cold_tier_degraded`).
pub async fn readyz(State(state): State<AppState>) -> Response {
    let mut report = ProbeReport::default();
    match state.readiness().phase() {
        Phase::Starting => report.fail("starting", "the daemon is starting"),
        Phase::Draining => report.fail("draining", "the daemon is shutting down"),
        Phase::Ready => {}
    }
    let engine = state.analyzer().engine();
    let health = engine.health();
    parse_reasons(&health, &mut report, true);
    // Registry queries compile lazily: one that failed disables only its own language's
    // feature, so it is a warning (listed in full in `query_failures`), not a reason.
    // A cold tier disabled by a storage error or a damaged store: the daemon still serves from
    // parses and its memory tiers, so this is a warning with its reason.
    if let Some(cache) = state.analyzer().cache()
        && let crate::cache::StoreHealth::Degraded { reason } = cache.cold().health()
    {
        report.warn(
            "cold_tier_degraded",
            format!("cold tier degraded: {reason}"),
        );
    }
    let query_failures = crate::language::query_failures_seen();
    if let Some(first) = query_failures.first() {
        report.warn(
            "registry_query_invalid",
            format!(
                "{} registry quer(y/ies) failed to compile; first: {} {}: {}",
                query_failures.len(),
                first.language,
                first.kind,
                first.error
            ),
        );
    }
    report.respond(
        "ready",
        "unready",
        parse_json(&health, engine.quarantine().len()),
        Some(serde_json::json!(query_failures)),
    )
}

/// The parse engine's part of a probe. Past the cap of abandoned threads both probes fail;
/// readiness also fails while a stuck parse's slot is not replaced, and warns while threads
/// are abandoned.
fn parse_reasons(health: &EngineHealth, report: &mut ProbeReport, readiness: bool) {
    if health.over_cap() {
        report.fail(
            "abandoned_threads_over_cap",
            format!(
                "{} parse(s) stuck, more than parse.max_abandoned_threads = {}: restart the process",
                health.stuck_parses, health.max_abandoned_threads
            ),
        );
    }
    if !readiness {
        return;
    }
    if !health.over_cap() && health.unreplaced() > 0 {
        report.fail(
            "stuck_parses",
            format!(
                "{} parse(s) overran their deadline and did not stop",
                health.unreplaced()
            ),
        );
    }
    if health.abandoned_threads > 0 {
        report.warn(
            "abandoned_threads",
            format!(
                "{} stuck parse thread(s) abandoned and replaced (cap {})",
                health.abandoned_threads, health.max_abandoned_threads
            ),
        );
    }
}

fn parse_json(health: &EngineHealth, quarantined: usize) -> serde_json::Value {
    serde_json::json!({
        "stuck_parses": health.stuck_parses,
        "abandoned_threads": health.abandoned_threads,
        "max_abandoned_threads": health.max_abandoned_threads,
        "quarantined_inputs": quarantined,
    })
}

/// `GET /metrics`: the default registry, cache and document gauges refreshed first.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let text = tokio::task::spawn_blocking(move || {
        if let Some(cache) = state.analyzer().cache() {
            cache.refresh_gauges();
        }
        state
            .queries()
            .refresh_gauges(state.analyzer().tree_cache_bytes());
        state.workspaces().refresh_gauges();
        gather_text()
    })
    .await;
    match text {
        Ok(text) => {
            let mut response = text.into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(METRICS_CONTENT_TYPE),
            );
            response
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
