//! Request handlers, one file per resource, and what they share: the cancel-on-drop guard, and running work (parse, encode, JSON) on the blocking pool.

pub mod analyze;
pub mod documents;
pub mod languages;
pub mod probes;
pub mod render;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::ApiError;
use crate::parse::CancelHandle;

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
pub async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work).await?
}
