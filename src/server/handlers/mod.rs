//! Request handlers, one file per resource, and what they share: the cancel-on-drop guard, and running work (parse, encode, JSON) on the blocking pool.

pub mod analyze;
pub mod documents;
pub mod languages;
pub mod probes;
pub mod render;
pub mod workspaces;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, MutexGuard};
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::documents::{SharedDocument, lock_document_within};
use super::error::ApiError;
use super::middleware::ADMISSION;
use super::state::AppState;
use crate::parse::{CancelHandle, Document};
use prometheus::IntGauge;

/// Cancels the parse and query of a request when its handler future is dropped (request
/// deadline or client gone) — and harmlessly after it finished.
pub struct CancelOnDrop {
    /// For parses.
    pub parse: CancelHandle,
    /// For queries (`QueryLimits::cancel`).
    pub query: Arc<AtomicBool>,
}

impl CancelOnDrop {
    /// A fresh, untriggered guard.
    pub fn new() -> Self {
        Self {
            parse: CancelHandle::new(),
            query: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl Default for CancelOnDrop {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.parse.cancel();
        self.query.store(true, Ordering::Relaxed);
    }
}

/// Locks an open document for this request, waiting at most `documents.lock_wait_ms`.
///
/// # Errors
/// 503 `busy` when another request holds it longer.
pub fn lock_or_busy<'a>(
    state: &AppState,
    id: &str,
    doc: &'a SharedDocument,
) -> Result<MutexGuard<'a, Document>, ApiError> {
    let wait = Duration::from_millis(state.config().documents.lock_wait_ms);
    lock_document_within(doc, wait).ok_or_else(|| {
        ApiError::unavailable(
            "busy",
            format!(
                "document `{id}` is held by another request for longer than documents.lock_wait_ms ({} ms); retry shortly",
                wait.as_millis()
            ),
            1,
        )
    })
}

/// A pre-serialised JSON body.
pub struct JsonBytes(pub StatusCode, pub Vec<u8>);

impl IntoResponse for JsonBytes {
    fn into_response(self) -> Response {
        let mut response = (self.0, self.1).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

/// Serialises on the calling (blocking) thread.
pub fn to_json<T: Serialize>(status: StatusCode, value: &T) -> Result<JsonBytes, ApiError> {
    serde_json::to_vec(value)
        .map(|v| JsonBytes(status, v))
        .map_err(ApiError::internal)
}

/// Runs `work` on the blocking pool (parsing, encoding and JSON never run on executor threads).
/// The request's admission permit moves into the job: when the request times out, its permit
/// is held until the work has stopped (it stops at the request's cancel flag), so
/// `server.max_concurrent_requests` bounds work, not only waiting requests.
pub async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let admission = ADMISSION.try_with(Clone::clone).ok();
    tokio::task::spawn_blocking(move || {
        let _admission = admission;
        BLOCKING_JOBS.inc();
        let _done = scopeguard(|| BLOCKING_JOBS.dec());
        work()
    })
    .await?
}

/// `syntaxd_http_blocking_jobs`: request work running on the blocking pool now (including
/// work of requests that already timed out and is stopping).
pub static BLOCKING_JOBS: LazyLock<IntGauge> = LazyLock::new(|| {
    let gauge = IntGauge::new(
        "syntaxd_http_blocking_jobs",
        "Request work running on the blocking pool now, including work of requests that timed out and is stopping.",
    )
    .expect("static metric definition is valid");
    if let Err(e) = prometheus::default_registry().register(Box::new(gauge.clone())) {
        tracing::debug!(error = %e, "blocking jobs gauge already registered");
    }
    gauge
});

/// Runs `f` on drop (also on unwind).
fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}
