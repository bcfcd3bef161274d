//! The router: probes and `/metrics` outside the admission limits and the token; `/v1`
//! behind the bearer token, the body read (whole body within its timeout and limit, before
//! admission), admission (draining, concurrency, deadline) and the body limit;
//! request ids, one span per request and per-route metrics around everything; a panic in any
//! handler becomes a 500 JSON answer for that request (`CatchPanicLayer`, innermost, so the
//! answer is counted, traced and carries the request id).

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use super::error::ApiError;
use super::handlers::{analyze, documents, languages, probes, workspaces};
use super::middleware::{
    MakeId, admit, label_route, observe, panic_response, read_body, require_token,
    sanitize_request_id,
};
use super::openapi;
use super::rejection::json_errors;
use super::state::AppState;

/// The whole application.
pub fn router(state: AppState) -> Router {
    let body_limit = usize::try_from(state.config().server.max_body_bytes).unwrap_or(usize::MAX);
    let v1 = Router::new()
        .route("/v1/languages", get(languages::languages))
        .route("/v1/parse", post(analyze::parse))
        .route("/v1/symbols", post(analyze::symbols))
        .route("/v1/query", post(analyze::query))
        .route(
            "/v1/documents/{id}",
            get(documents::read)
                .put(documents::open)
                .patch(documents::edit)
                .delete(documents::close),
        )
        .route("/v1/documents/{id}/tree", get(documents::tree))
        .route("/v1/documents/{id}/symbols", get(documents::symbols))
        .route(
            "/v1/workspaces",
            get(workspaces::list).post(workspaces::open),
        )
        .route(
            "/v1/workspaces/{id}",
            get(workspaces::status).delete(workspaces::close),
        )
        .route("/v1/workspaces/{id}/symbols", get(workspaces::symbols))
        .route("/v1/workspaces/{id}/map", get(workspaces::map))
        .route(
            "/v1/workspaces/{id}/definitions",
            get(workspaces::definitions),
        )
        .route(
            "/v1/workspaces/{id}/references",
            get(workspaces::references),
        )
        .route("/v1/openapi.json", get(openapi::serve));
    #[cfg(feature = "test-hooks")]
    let v1 = v1.route_layer(from_fn(super::middleware::test_panic_hook));
    let v1 = v1
        .route_layer(from_fn_with_state(state.clone(), admit))
        .route_layer(from_fn_with_state(state.clone(), read_body))
        .route_layer(from_fn_with_state(state.clone(), require_token))
        .layer(DefaultBodyLimit::max(body_limit));
    let probes = Router::new()
        .route("/healthz", get(probes::healthz))
        .route("/readyz", get(probes::readyz))
        .route("/metrics", get(probes::metrics));
    Router::new()
        .merge(v1)
        .merge(probes)
        .fallback(not_found)
        .route_layer(from_fn(label_route))
        .with_state(state)
        .layer(from_fn(json_errors))
        .layer(
            ServiceBuilder::new()
                .layer(from_fn(sanitize_request_id))
                .layer(SetRequestIdLayer::x_request_id(MakeId::default()))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request<_>| {
                            let id = req
                                .headers()
                                .get("x-request-id")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("-");
                            tracing::info_span!(
                                "request",
                                request_id = %id,
                                method = %req.method(),
                                path = %req.uri().path(),
                            )
                        })
                        // One line per request costs more than a cache hit itself: access
                        // lines are `debug`; per-route counts and latencies are in the metrics.
                        .on_response(DefaultOnResponse::new().level(Level::DEBUG)),
                )
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(from_fn(observe))
                .layer(CatchPanicLayer::custom(panic_response)),
        )
}

async fn not_found() -> impl IntoResponse {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}
