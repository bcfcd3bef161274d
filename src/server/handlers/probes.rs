//! Probes and metrics: `/healthz` (liveness), `/readyz` (readiness latch, watchdog, registry
//! queries) and `/metrics` (Prometheus text).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::super::error::ApiError;
use super::super::state::{AppState, Phase};
use crate::telemetry::{METRICS_CONTENT_TYPE, gather_text};

/// `GET /healthz`: 200 while the process can serve.
pub async fn healthz() -> Response {
    axum::Json(serde_json::json!({ "status": "ok" })).into_response()
}

/// `GET /readyz`: 200 when serving; 503 with a reason while starting or draining, or when the
/// parse watchdog sees stuck parses or a registry query does not compile. A 200 body lists
/// what is degraded but still serving (`degraded`: `[{component, reason}]`, e.g. the cold
/// tier after a storage error).
pub async fn readyz(State(state): State<AppState>) -> Response {
    let unready = |code: &'static str, message: String| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message).into_response()
    };
    match state.readiness().phase() {
        Phase::Starting => return unready("starting", "the daemon is starting".to_string()),
        Phase::Draining => return unready("draining", "the daemon is shutting down".to_string()),
        Phase::Ready => {}
    }
    let watchdog = state.analyzer().engine().watchdog();
    if !watchdog.is_healthy() {
        return unready(
            "stuck_parses",
            format!(
                "{} parse(s) overran their deadline and did not stop",
                watchdog.stuck_parses().len()
            ),
        );
    }
    if let Some(first) = state.query_failures().first() {
        return unready(
            "registry_query_invalid",
            format!(
                "{} registry quer(y/ies) do not compile; first: {first}",
                state.query_failures().len()
            ),
        );
    }
    // Degradations keep the daemon ready (it serves) and are listed, one object per cause.
    let mut degraded = Vec::new();
    if let Some(cache) = state.analyzer().cache()
        && let crate::cache::StoreHealth::Degraded { reason } = cache.cold().health()
    {
        degraded.push(serde_json::json!({ "component": "cold_tier", "reason": reason }));
    }
    axum::Json(serde_json::json!({ "status": "ready", "degraded": degraded })).into_response()
}

/// `GET /metrics`: the default registry, cache and document gauges refreshed first.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let text = tokio::task::spawn_blocking(move || {
        if let Some(cache) = state.analyzer().cache() {
            cache.refresh_gauges();
        }
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
