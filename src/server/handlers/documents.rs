//! Live documents: `PUT` opens or replaces, `PATCH` applies versioned LSP-style edits
//! incrementally, `GET` reads the text, `GET .../tree` the tree, `DELETE` closes.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::render::{
    Problem, RenderBudget, TreeFormat, body_with_tree, problems_of_tree, write_json_string,
    write_tree_json,
};
use super::{CancelOnDrop, JsonBytes, blocking, lock_or_busy, to_json};
use crate::language::{registry, resolve_language};
use crate::parse::{Document, ParseBudget, TextEdit, TextPosition};
use crate::position::Position;
use crate::server::documents::{
    DocumentBinding, DocumentsError, MAX_DOCUMENT_ID_BYTES, document_weight,
};
use crate::server::error::{ApiError, ErrorBody};
use crate::server::middleware::ApiJson;
use crate::server::state::AppState;
use crate::workspace::index::{IndexedFile, index_document};
use crate::workspace::walk;

/// `PUT /v1/documents/{id}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    /// The text.
    pub content: String,
    /// Language id or alias.
    #[serde(default)]
    pub language: Option<String>,
    /// A file path used to detect the language; with `workspace`, the file's path relative to
    /// the workspace root, whose symbols the document's text then stands for.
    #[serde(default)]
    pub path: Option<String>,
    /// An open workspace's id: the document's edits update `path`'s symbols in that
    /// workspace's index without a save, until the document is closed.
    #[serde(default)]
    pub workspace: Option<String>,
}

/// Answer of `PUT`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OpenResponse {
    /// The id.
    pub id: String,
    /// Always 1 after an open.
    pub version: i64,
    /// Language id.
    pub language: String,
    /// Whether the tree has syntax errors.
    pub has_errors: bool,
    /// Documents closed to stay within the bounds.
    pub evicted: usize,
}

/// A line/column position of an edit (columns in the unit of `encoding`).
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditPosition {
    /// Zero-based line.
    pub row: usize,
    /// Zero-based column.
    pub column: usize,
}

/// One edit: replace `start..end` with `text` (positions in the text after the previous
/// edits of the batch, like LSP `didChange`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    /// Start.
    pub start: EditPosition,
    /// End.
    pub end: EditPosition,
    /// Replacement text.
    pub text: String,
}

/// Column unit of edit positions.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
pub enum ColumnEncoding {
    /// Bytes of UTF-8 (tree-sitter's unit; the default).
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    /// UTF-16 code units (LSP's default).
    #[serde(rename = "utf-16")]
    Utf16,
}

/// `PATCH /v1/documents/{id}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    /// The new version: greater than the current one, or 409.
    pub version: i64,
    /// Edits applied in order.
    pub edits: Vec<Edit>,
    /// Column unit (default `utf-8`).
    #[serde(default)]
    pub encoding: ColumnEncoding,
}

/// A changed range.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangedRange {
    /// Start.
    pub start: Position,
    /// End.
    pub end: Position,
}

/// Answer of `PATCH`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EditResponse {
    /// The new version.
    pub version: i64,
    /// Ranges whose syntactic structure changed.
    pub changed_ranges: Vec<ChangedRange>,
    /// Whether the new tree has syntax errors.
    pub has_errors: bool,
    /// Incremental reparse time.
    pub reparse_ms: f64,
}

/// Answer of `GET`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DocumentResponse {
    /// The id.
    pub id: String,
    /// Current version.
    pub version: i64,
    /// Language id.
    pub language: String,
    /// Current text.
    pub text: String,
}

/// `?format=` of `GET .../tree`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TreeParams {
    /// `sexp` (default), `json` or `none`.
    #[serde(default)]
    pub format: Option<TreeFormat>,
}

/// Answer of `GET .../tree`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TreeResponse {
    /// The id.
    pub id: String,
    /// Current version.
    pub version: i64,
    /// Language id.
    pub language: String,
    /// Whether the tree has syntax errors.
    pub has_errors: bool,
    /// The first ERROR/MISSING nodes.
    pub errors: Vec<Problem>,
    /// The tree (string for sexp, object for json).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub tree: Option<Box<serde_json::value::RawValue>>,
}

/// Opens (or replaces) a document at version 1.
#[utoipa::path(
    put,
    path = "/v1/documents/{id}",
    tag = "documents",
    params(("id" = String, Path, description = "Document id (up to 512 bytes)")),
    request_body = OpenRequest,
    responses(
        (status = 200, description = "Opened", body = OpenResponse),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 413, description = "Too large", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn open(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<OpenRequest>,
) -> Result<JsonBytes, ApiError> {
    check_id(&id)?;
    let cancel = CancelOnDrop::new();
    let handle = cancel.parse.clone();
    blocking(move || {
        let binding = match (&req.workspace, &req.path) {
            (Some(workspace), Some(path)) => Some(check_binding(&state, workspace, path)?),
            (Some(_), None) => {
                return Err(ApiError::bad_request(
                    "invalid_document_path",
                    "a document with `workspace` needs `path`, relative to the workspace root",
                ));
            }
            (None, _) => None,
        };
        let previous = state.documents().binding(&id);
        let lang = resolve_language(
            req.language.as_deref(),
            req.path.as_deref(),
            req.content.as_bytes(),
        )?;
        let budget = budget(&state).with_cancel(handle);
        let doc = Document::open(
            state.analyzer().engine(),
            lang.id.as_str(),
            lang.ts_language()?.clone(),
            req.content,
            1,
            &budget,
        )?;
        let has_errors = doc.tree().root_node().has_error();
        let evicted = state.documents().insert(&id, doc).map_err(|e| match e {
            DocumentsError::TooLarge { .. } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "document_too_large",
                e.to_string(),
            ),
        })?;
        state.documents().bind(&id, binding.clone());
        if let Some(previous) = previous.filter(|p| Some(p) != binding.as_ref()) {
            end_overlay(&state, &previous);
        }
        if let (Some(binding), Some(shared)) = (&binding, state.documents().get(&id)) {
            let file = {
                let doc = lock_or_busy(&state, &id, &shared)?;
                workspace_entry(&state, &doc, &binding.path)
            };
            if let Ok(ws) = state.workspaces().get(&binding.workspace) {
                ws.overlay(&binding.path, &shared, file);
            }
        }
        to_json(
            StatusCode::OK,
            &OpenResponse {
                id,
                version: 1,
                language: lang.id.clone(),
                has_errors,
                evicted,
            },
        )
    })
    .await
}

/// Applies edits as a new version.
#[utoipa::path(
    patch,
    path = "/v1/documents/{id}",
    tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    request_body = EditRequest,
    responses(
        (status = 200, description = "Applied", body = EditResponse),
        (status = 400, description = "An edit is out of range", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 409, description = "Stale version", body = ErrorBody),
        (status = 413, description = "More edits or edit text than `documents.max_edits_per_patch` / `documents.max_edit_bytes_per_patch`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EditRequest>,
) -> Result<JsonBytes, ApiError> {
    check_edit_bounds(&state, &req)?;
    let cancel = CancelOnDrop::new();
    let handle = cancel.parse.clone();
    blocking(move || {
        let shared = state
            .documents()
            .get(&id)
            .ok_or_else(|| ApiError::document_not_found(&id))?;
        let edits: Vec<TextEdit> = req
            .edits
            .into_iter()
            .map(|e| {
                let (start, end) = (
                    TextPosition::new(e.start.row, e.start.column),
                    TextPosition::new(e.end.row, e.end.column),
                );
                match req.encoding {
                    ColumnEncoding::Utf8 => TextEdit::points(start, end, e.text),
                    ColumnEncoding::Utf16 => TextEdit::utf16(start, end, e.text),
                }
            })
            .collect();
        let budget = budget(&state).with_cancel(handle);
        let binding = state.documents().binding(&id);
        let (outcome, bytes, entry) = {
            let mut doc = lock_or_busy(&state, &id, &shared)?;
            let outcome = doc.apply_edits_with_budget(req.version, &edits, &budget)?;
            let entry = binding
                .as_ref()
                .map(|b| workspace_entry(&state, &doc, &b.path));
            (outcome, document_weight(&doc), entry)
        };
        state.documents().resized(&id, bytes);
        if let (Some(binding), Some(entry)) = (&binding, entry)
            && let Ok(ws) = state.workspaces().get(&binding.workspace)
        {
            ws.overlay(&binding.path, &shared, entry);
        }
        let changed_ranges = outcome
            .changed_ranges
            .iter()
            .map(|r| ChangedRange {
                start: Position::new(r.start_byte, r.start_point),
                end: Position::new(r.end_byte, r.end_point),
            })
            .collect();
        to_json(
            StatusCode::OK,
            &EditResponse {
                version: outcome.version,
                changed_ranges,
                has_errors: outcome.has_errors,
                reparse_ms: outcome.reparse_elapsed.as_secs_f64() * 1000.0,
            },
        )
    })
    .await
}

/// Reads a document's text and version.
#[utoipa::path(
    get,
    path = "/v1/documents/{id}",
    tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 200, description = "The document", body = DocumentResponse),
        (status = 404, description = "No such document", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<JsonBytes, ApiError> {
    blocking(move || {
        let shared = state
            .documents()
            .get(&id)
            .ok_or_else(|| ApiError::document_not_found(&id))?;
        let doc = lock_or_busy(&state, &id, &shared)?;
        to_json(
            StatusCode::OK,
            &DocumentResponse {
                version: doc.version(),
                language: doc.language_id().to_string(),
                text: doc.text().to_string(),
                id,
            },
        )
    })
    .await
}

/// A document's current syntax tree.
#[utoipa::path(
    get,
    path = "/v1/documents/{id}/tree",
    tag = "documents",
    params(("id" = String, Path, description = "Document id"), TreeParams),
    responses(
        (status = 200, description = "The tree", body = TreeResponse),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 413, description = "The answer would exceed `server.max_response_bytes` (`response_too_large`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn tree(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<TreeParams>,
) -> Result<JsonBytes, ApiError> {
    let cancel = CancelOnDrop::new();
    let stop = Arc::clone(&cancel.query);
    blocking(move || {
        let shared = state
            .documents()
            .get(&id)
            .ok_or_else(|| ApiError::document_not_found(&id))?;
        let doc = lock_or_busy(&state, &id, &shared)?;
        let tree = doc.tree();
        let budget = RenderBudget {
            max_bytes: usize::try_from(state.config().server.max_response_bytes)
                .unwrap_or(usize::MAX),
            cancel: &stop,
        };
        let head = TreeResponse {
            version: doc.version(),
            language: doc.language_id().to_string(),
            has_errors: tree.root_node().has_error(),
            errors: problems_of_tree(tree),
            tree: None,
            id,
        };
        // Rendered once, straight into the body, within the response bound.
        match params.format.unwrap_or(TreeFormat::Sexp) {
            TreeFormat::None => body_with_tree(&head, &budget, None),
            TreeFormat::Sexp => {
                let sexp = tree.root_node().to_sexp();
                body_with_tree(
                    &head,
                    &budget,
                    Some(&|out: &mut Vec<u8>| write_json_string(out, &sexp, &budget)),
                )
            }
            TreeFormat::Json => body_with_tree(
                &head,
                &budget,
                Some(&|out: &mut Vec<u8>| write_tree_json(out, tree, &budget)),
            ),
        }
    })
    .await
}

/// `?outline=` of `GET .../symbols`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SymbolsParams {
    /// `true` to also answer `outline`, the symbols nested by container.
    #[serde(default)]
    pub outline: bool,
}

/// A document's symbols (as `POST /v1/symbols` with `document`), from its current tree.
#[utoipa::path(
    get,
    path = "/v1/documents/{id}/symbols",
    tag = "documents",
    params(("id" = String, Path, description = "Document id"), SymbolsParams),
    responses(
        (status = 200, description = "Symbols", body = super::analyze::SymbolsResponse),
        (status = 400, description = "No tags query for the document's language", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 503, description = "The document is held by another request (`busy`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn symbols(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<SymbolsParams>,
) -> Result<JsonBytes, ApiError> {
    let cancel = CancelOnDrop::new();
    let stop = Arc::clone(&cancel.query);
    blocking(move || super::analyze::document_symbols(&state, &id, params.outline, &stop)).await
}

/// Closes a document.
#[utoipa::path(
    delete,
    path = "/v1/documents/{id}",
    tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 204, description = "Closed"),
        (status = 404, description = "No such document", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn close(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    // Dropping a document frees its tree: do it off the executor.
    let result = tokio::task::spawn_blocking(move || match state.documents().remove(&id) {
        Some(binding) => {
            if let Some(binding) = binding {
                end_overlay(&state, &binding);
            }
            Ok(())
        }
        None => Err(id),
    })
    .await;
    match result {
        Ok(Ok(())) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(id)) => ApiError::document_not_found(&id).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Longest workspace path a document may name.
const MAX_DOCUMENT_PATH_BYTES: usize = 4096;

/// Checks that `path` may stand for a file of the open workspace `workspace`: relative,
/// `/`-separated, no `.`, `..`, empty or hidden component; and, when the file exists, one the
/// workspace's walk finds (not ignored, not a symlink).
fn check_binding(
    state: &AppState,
    workspace: &str,
    path: &str,
) -> Result<DocumentBinding, ApiError> {
    let ws = state.workspaces().get(workspace)?;
    let invalid = |why: &str| {
        ApiError::bad_request(
            "invalid_document_path",
            format!("document path `{path}` {why}"),
        )
    };
    if path.is_empty() || path.len() > MAX_DOCUMENT_PATH_BYTES {
        return Err(invalid("must have 1 to 4096 bytes"));
    }
    if path.starts_with('/')
        || path.contains('\\')
        || path.chars().any(char::is_control)
        || path.split('/').any(|c| c.is_empty() || c.starts_with('.'))
    {
        return Err(invalid(
            "must be relative to the workspace root, `/`-separated, without `.`, `..`, empty or hidden components",
        ));
    }
    let on_disk = ws.root().join(path);
    if std::fs::symlink_metadata(&on_disk).is_ok() {
        let targets = std::iter::once(path.to_owned()).collect();
        let found = walk::walk_targets(ws.root(), &targets);
        if !found.iter().any(|f| f.relative == path) {
            return Err(invalid(
                "is ignored by the workspace's rules, a symlink or not a regular file",
            ));
        }
    }
    Ok(DocumentBinding {
        workspace: ws.id().to_owned(),
        path: path.to_owned(),
    })
}

/// The workspace index entry of a document's current text (`None`: no tags query for its
/// language, or extraction failed: the path is then counted as skipped).
fn workspace_entry(state: &AppState, doc: &Document, path: &str) -> Option<IndexedFile> {
    let language = registry().language_for_name(doc.language_id()).ok()?;
    index_document(
        state.analyzer(),
        language,
        path,
        doc.tree(),
        doc.text().as_bytes(),
        state.workspaces().settings().index.references,
    )
}

/// The document standing for a workspace file was closed or replaced: the file is indexed
/// from the disk again.
fn end_overlay(state: &AppState, binding: &DocumentBinding) {
    if let Ok(ws) = state.workspaces().get(&binding.workspace) {
        ws.end_overlay(&binding.path);
    }
}

fn check_id(id: &str) -> Result<(), ApiError> {
    if id.is_empty() || id.len() > MAX_DOCUMENT_ID_BYTES || id.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "invalid_document_id",
            format!(
                "a document id is 1..={MAX_DOCUMENT_ID_BYTES} bytes without control characters"
            ),
        ));
    }
    Ok(())
}

/// Refuses a `PATCH` over `documents.max_edits_per_patch` edits or
/// `documents.max_edit_bytes_per_patch` bytes of replacement text, before the document is
/// locked.
fn check_edit_bounds(state: &AppState, req: &EditRequest) -> Result<(), ApiError> {
    let limits = &state.config().documents;
    let max_edits = usize::try_from(limits.max_edits_per_patch).unwrap_or(usize::MAX);
    if req.edits.len() > max_edits {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_edits",
            format!(
                "{} edits in one PATCH; documents.max_edits_per_patch is {max_edits}",
                req.edits.len()
            ),
        ));
    }
    let max_bytes = usize::try_from(limits.max_edit_bytes_per_patch).unwrap_or(usize::MAX);
    let text_bytes = req
        .edits
        .iter()
        .fold(0usize, |n, e| n.saturating_add(e.text.len()));
    if text_bytes > max_bytes {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "edit_text_too_large",
            format!(
                "{text_bytes} bytes of edit text in one PATCH; documents.max_edit_bytes_per_patch is {max_bytes}"
            ),
        ));
    }
    Ok(())
}

fn budget(state: &AppState) -> ParseBudget {
    ParseBudget::new(
        usize::try_from(state.config().parse.max_source_bytes).unwrap_or(usize::MAX),
        Duration::from_millis(state.config().parse.timeout_ms),
    )
}
