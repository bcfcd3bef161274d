//! The API error: a status, a stable machine-readable `code` and a message, answered as
//! `{ "error": { "code", "message", ... } }`. A 5xx caused by a server fault hides its
//! internals from the client and is logged once, here.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::language::LanguageError;
use crate::parse::{EditError, ParseError};
use crate::pipeline::{AnalyzeError, SymbolsFailure};
use crate::query::QueryError;

/// An error answered to the client.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code, e.g. `unknown_language`.
    pub code: &'static str,
    /// Human-readable message (never internals for a 500).
    pub message: String,
    /// Extra fields merged into the error object (e.g. `row`, `column` of a bad query).
    pub details: Option<serde_json::Value>,
    /// Seconds for a `Retry-After` header.
    pub retry_after_secs: Option<u64>,
}

/// The JSON body of every error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorObject,
}

/// `{ "code", "message" }` plus optional details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorObject {
    /// Stable machine-readable code.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Zero-based row of a query compile error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// Zero-based byte column of a query compile error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after_secs: None,
        }
    }

    /// 400.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 for a missing document.
    pub fn document_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "document_not_found",
            format!("no open document with id `{id}`"),
        )
    }

    /// 503 with `Retry-After`.
    pub fn unavailable(code: &'static str, message: impl Into<String>, retry_secs: u64) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message);
        e.retry_after_secs = Some(retry_secs);
        e
    }

    /// A server fault: logged once here with its cause, answered as a bare 500.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error (logged on the server)",
        )
    }

    /// Adds detail fields to the error object.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut object = serde_json::json!({ "code": self.code, "message": self.message });
        if let (Some(serde_json::Value::Object(extra)), Some(obj)) =
            (self.details, object.as_object_mut())
        {
            for (k, v) in extra {
                obj.entry(k).or_insert(v);
            }
        }
        let body = serde_json::json!({ "error": object });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<LanguageError> for ApiError {
    fn from(e: LanguageError) -> Self {
        match e {
            LanguageError::Unknown { .. } => Self::bad_request("unknown_language", e.to_string()),
            LanguageError::Unavailable { .. } => {
                Self::bad_request("language_unavailable", e.to_string())
            }
            LanguageError::Undetected => Self::bad_request(
                "language_required",
                "cannot detect the language: pass `language` (see GET /v1/languages) or a `path` with a known extension",
            ),
            LanguageError::QueryMissing { .. } => {
                Self::bad_request("query_unavailable", e.to_string())
            }
            other => Self::internal(other),
        }
    }
}

impl From<ParseError> for ApiError {
    fn from(e: ParseError) -> Self {
        match e {
            ParseError::TooLarge { .. } => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "source_too_large",
                e.to_string(),
            ),
            ParseError::Timeout { .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "parse_timeout",
                e.to_string(),
            ),
            ParseError::Cancelled { .. } => Self::unavailable("cancelled", e.to_string(), 1),
            ParseError::Busy { .. } => Self::unavailable("busy", e.to_string(), 1),
            ParseError::Binary { .. } => Self::bad_request("binary_content", e.to_string()),
            ParseError::InvalidUtf8 { .. } => Self::bad_request("invalid_utf8", e.to_string()),
            ParseError::IncompatibleLanguage { .. } => {
                Self::bad_request("language_unavailable", e.to_string())
            }
            ParseError::Quarantined {
                content_hash,
                reason,
                ..
            } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "parse_quarantined",
                e.to_string(),
            )
            .with_details(serde_json::json!({
                "content_hash": format!("{content_hash:016x}"),
                "reason": reason.as_str(),
            })),
            ParseError::Internal { .. } => Self::internal(e),
        }
    }
}

impl From<AnalyzeError> for ApiError {
    fn from(e: AnalyzeError) -> Self {
        match e {
            AnalyzeError::Language(e) => e.into(),
            AnalyzeError::Parse(e) => e.into(),
            AnalyzeError::Cache(e) => Self::internal(e),
            AnalyzeError::Symbols(SymbolsFailure::Unsupported { language }) => Self::bad_request(
                "symbols_unsupported",
                format!("language `{language}` has no tags query"),
            ),
            AnalyzeError::Symbols(e) => Self::internal(e),
        }
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        match &e {
            QueryError::Invalid {
                row,
                column,
                offset,
                kind,
                ..
            } => {
                let details = serde_json::json!({
                    "row": row, "column": column, "offset": offset, "kind": kind,
                });
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string())
                    .with_details(details)
            }
            QueryError::TooLarge { .. } => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, e.code(), e.to_string())
            }
            QueryError::TooComplex { .. }
            | QueryError::Unsupported { .. }
            | QueryError::CompileTimeout { .. } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string())
            }
            QueryError::InvalidLimits { .. } => Self::bad_request(e.code(), e.to_string()),
            _ => Self::internal(e),
        }
    }
}

impl From<EditError> for ApiError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::VersionConflict { expected, .. } => {
                Self::new(StatusCode::CONFLICT, "version_conflict", e.to_string())
                    .with_details(serde_json::json!({ "current_version": expected - 1 }))
            }
            EditError::Parse { source, .. } => source.into(),
            other => Self::bad_request("invalid_edit", other.to_string()),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::internal(format!("blocking task failed: {e}"))
    }
}
