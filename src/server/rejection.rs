//! Keeps every client error typed: axum's own rejections (a path segment that is not UTF-8, a
//! query string that does not deserialise, a method the route does not serve) answer plain
//! text or an empty body; [`json_errors`] turns any 4xx answer that is not JSON into the API's
//! `{"error": {"code", "message"}}`, keeping its status and headers (`Allow`,
//! `WWW-Authenticate`, the request id). Found by the `http` fuzz target.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// The most of a rejection's text kept as the message.
const MAX_REJECTION_BYTES: usize = 4096;

/// Router layer: a 4xx answer without a JSON body becomes a typed JSON error.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if !response.status().is_client_error() || is_json(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, MAX_REJECTION_BYTES).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() {
        parts
            .status
            .canonical_reason()
            .unwrap_or("client error")
            .to_string()
    } else {
        text
    };
    let mut typed = ApiError::new(parts.status, code_for(parts.status), message).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            typed.headers_mut().append(name, value.clone());
        }
    }
    typed
}

/// The stable code of an untyped client error, by status.
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        _ => "invalid_request",
    }
}

fn is_json(response: &Response<Body>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}
