//! Middleware: request ids, per-route metrics, the bearer token, admission (draining, the
//! global concurrency limit, the request deadline), the JSON body extractor, and the answer to
//! a panic (a 500 JSON body for that request only, never a reset connection).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use tokio::sync::OwnedSemaphorePermit;
use tower_http::request_id::{MakeRequestId, RequestId};

use super::error::ApiError;
use super::state::{AppState, Phase};
use crate::telemetry::{HTTP, observe_request};

/// The request id header, set on every request that lacks one and echoed in the response.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Request ids: a per-process prefix and a counter.
#[derive(Clone, Debug)]
pub struct MakeId {
    prefix: u32,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Default for MakeId {
    fn default() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        Self {
            prefix: nanos ^ std::process::id().rotate_left(16),
        }
    }
}

impl MakeRequestId for MakeId {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{:08x}-{n:x}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

/// Longest client-chosen request id kept.
pub const MAX_REQUEST_ID_BYTES: usize = 64;

/// Whether a client's `x-request-id` is kept: 1..=64 characters of `[A-Za-z0-9._-]`.
pub fn acceptable_request_id(value: &[u8]) -> bool {
    !value.is_empty()
        && value.len() <= MAX_REQUEST_ID_BYTES
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Outermost layer: drops a client's `x-request-id` that is not [`acceptable_request_id`]
/// (too long, or characters that could forge log lines), so a fresh one is generated.
pub async fn sanitize_request_id(mut req: Request, next: Next) -> Response {
    let values = req.headers().get_all(REQUEST_ID_HEADER);
    let mut count = 0;
    let mut ok = true;
    for v in values {
        count += 1;
        ok &= acceptable_request_id(v.as_bytes());
    }
    if count > 1 || !ok {
        req.headers_mut().remove(REQUEST_ID_HEADER);
    }
    next.run(req).await
}

/// The matched route template, carried from the router to [`observe`].
#[derive(Clone, Debug)]
struct RouteLabel(String);

/// Route layer: records the matched route template in the response.
pub async fn label_route(matched: Option<MatchedPath>, req: Request, next: Next) -> Response {
    let label = matched.map(|m| m.as_str().to_string());
    let mut response = next.run(req).await;
    if let Some(label) = label {
        response.extensions_mut().insert(RouteLabel(label));
    }
    response
}

/// Outer layer: counts the request and its latency under its route template (`unmatched` for
/// a path no route matched: a raw path is never a label).
pub async fn observe(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(req).await;
    let route = response
        .extensions()
        .get::<RouteLabel>()
        .map(|r| r.0.as_str())
        .unwrap_or("unmatched");
    observe_request(route, response.status().as_u16(), started.elapsed());
    response
}

/// `/v1` layer: requires `Authorization: Bearer <server.auth_token>` when one is configured.
pub async fn require_token(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let expected = state.config().server.auth_token.as_str();
    if expected.is_empty() {
        return next.run(req).await;
    }
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(token) if token_matches(token.as_bytes(), expected.as_bytes()) => next.run(req).await,
        _ => {
            let mut response = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this route needs `Authorization: Bearer <token>`",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
    }
}

/// `/v1` layer, outside admission: reads the whole request body within
/// `server.body_read_timeout_ms` and `server.max_body_bytes` before the request may take an
/// admission permit, so a client that trickles its body holds only its connection (408
/// `body_timeout`, connection closed), never a permit or a blocking thread.
pub async fn read_body(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let server = &state.config().server;
    let limit = usize::try_from(server.max_body_bytes).unwrap_or(usize::MAX);
    let timeout = Duration::from_millis(server.body_read_timeout_ms);
    let (parts, body) = req.into_parts();
    let read = http_body_util::BodyExt::collect(http_body_util::Limited::new(body, limit));
    match tokio::time::timeout(timeout, read).await {
        Ok(Ok(collected)) => {
            let body = Body::from(collected.to_bytes());
            next.run(Request::from_parts(parts, body)).await
        }
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body exceeds server.max_body_bytes",
        )
        .into_response(),
        Ok(Err(e)) => ApiError::bad_request(
            "bad_body",
            format!("the request body could not be read: {e}"),
        )
        .into_response(),
        Err(_) => {
            HTTP.rejected_total
                .with_label_values(&["body_timeout"])
                .inc();
            let mut response = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                format!(
                    "the request body did not arrive within server.body_read_timeout_ms = {} ms",
                    timeout.as_millis()
                ),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

/// `/v1` layer: refuses new work while draining, sheds load over the global concurrency limit
/// (503 + `Retry-After` at once, no queue), and bounds the request by `request_timeout_ms`
/// (the handler future is dropped, which cancels its parse or query).
pub async fn admit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if state.readiness().phase() == Phase::Draining {
        HTTP.rejected_total.with_label_values(&["draining"]).inc();
        let mut response =
            ApiError::unavailable("draining", "the daemon is shutting down", 1).into_response();
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    let Ok(permit) = state.limiter().clone().try_acquire_owned() else {
        HTTP.rejected_total.with_label_values(&["overloaded"]).inc();
        return ApiError::unavailable(
            "overloaded",
            format!(
                "more than {} requests in flight; retry shortly",
                state.config().server.max_concurrent_requests
            ),
            1,
        )
        .into_response();
    };
    let _in_flight = state.in_flight().enter();
    let deadline = Duration::from_millis(state.config().server.request_timeout_ms);
    // The permit travels with the request's blocking work (see `handlers::blocking`): a
    // request that times out frees its permit only when that work has stopped.
    let admission = Admission(Arc::new(permit));
    match ADMISSION
        .scope(admission, tokio::time::timeout(deadline, next.run(req)))
        .await
    {
        Ok(response) => response,
        Err(_) => {
            HTTP.rejected_total.with_label_values(&["timeout"]).inc();
            ApiError::unavailable(
                "request_timeout",
                format!(
                    "the request took longer than {} ms and was cancelled",
                    deadline.as_millis()
                ),
                1,
            )
            .into_response()
        }
    }
}

/// The answer to a request whose handler panicked (installed with tower-http's
/// `CatchPanicLayer`): 500 `internal` as JSON, the panic message logged (never returned).
/// The connection stays usable and every other request is unaffected.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("non-string panic payload");
    ApiError::internal(format!("request handler panicked: {message}")).into_response()
}

/// Test hook (only with the `test-hooks` feature): a request carrying
/// `x-syntaxd-test-hook: panic` panics here, in async code.
#[cfg(feature = "test-hooks")]
pub async fn test_panic_hook(req: Request, next: Next) -> Response {
    let wanted = req
        .headers()
        .get(crate::parse::test_hooks::PANIC_HEADER)
        .is_some_and(|v| v.as_bytes() == b"panic");
    if wanted {
        panic!("test hook: panic in async code");
    }
    next.run(req).await
}

/// A request's share of `server.max_concurrent_requests`, held by the request and by the
/// blocking work it started, released when the last of them is done.
#[derive(Clone, Debug)]
pub struct Admission(#[allow(dead_code)] Arc<OwnedSemaphorePermit>);

tokio::task_local! {
    /// The admission of the request this task serves (set by [`admit`]).
    pub static ADMISSION: Admission;
}

/// A JSON body: 413 over the body limit, 400 for bad JSON or invalid UTF-8, as API errors.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request<Body>, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "the request body exceeds server.max_body_bytes",
                )
            } else {
                ApiError::bad_request("bad_body", rejection.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Deserialises a request body, telling invalid UTF-8 apart from malformed JSON.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let message = e.to_string();
        if std::str::from_utf8(bytes).is_err() || message.contains("surrogate") {
            ApiError::bad_request(
                "invalid_utf8",
                format!("the body is not valid UTF-8: {message}"),
            )
        } else if e.is_data() {
            ApiError::bad_request("invalid_request", message)
        } else {
            ApiError::bad_request("bad_json", message)
        }
    })
}

/// Compares a presented token with the expected one in time independent of where they differ
/// and of their lengths: both are hashed with a per-process secret seed (xxh3-128) and the
/// fixed-size digests are compared without an early exit.
pub fn token_matches(given: &[u8], expected: &[u8]) -> bool {
    static SEED: LazyLock<u64> = LazyLock::new(|| {
        use std::hash::BuildHasher;
        std::collections::hash_map::RandomState::new().hash_one(std::process::id())
    });
    let a = xxhash_rust::xxh3::xxh3_128_with_seed(given, *SEED).to_le_bytes();
    let b = xxhash_rust::xxh3::xxh3_128_with_seed(expected, *SEED).to_le_bytes();
    let diff = a
        .iter()
        .zip(&b)
        .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_when_equal_whatever_their_lengths() {
        assert!(token_matches(b"s3cret-token", b"s3cret-token"));
        assert!(!token_matches(b"s3cret-tokem", b"s3cret-token"));
        assert!(!token_matches(b"s3cret", b"s3cret-token"));
        assert!(!token_matches(b"s3cret-token-and-more", b"s3cret-token"));
        assert!(!token_matches(b"", b"s3cret-token"));
    }

    #[test]
    fn request_ids_are_short_and_plain() {
        assert!(acceptable_request_id(b"abc-DEF_1.2"));
        assert!(acceptable_request_id(&[b'a'; 64]));
        assert!(!acceptable_request_id(&[b'a'; 65]));
        assert!(!acceptable_request_id(b""));
        assert!(!acceptable_request_id(b"a b"));
        assert!(!acceptable_request_id(b"a\"}"));
    }
}
