//! `/v1/workspaces`: open, list, inspect and close workspaces, and search their symbol index
//! (`symbols`, `definitions`, `references`). See `docs/workspaces.md`.

use std::path::PathBuf;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::{JsonBytes, blocking, to_json};
use crate::server::error::{ApiError, ErrorBody};
use crate::server::middleware::ApiJson;
use crate::server::state::AppState;
use crate::symbols::SymbolRole;
use crate::workspace::search::{self, Hit, MatchClass, RoleFilter, SymbolQuery};
use crate::workspace::{WorkspaceError, WorkspaceState, WorkspaceStatus};

/// Results of a search when the request names no `limit`.
pub const DEFAULT_LIMIT: usize = 50;
/// Longest `q` or `name` accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 1024;

/// `POST /v1/workspaces` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenWorkspaceRequest {
    /// Absolute path of the directory, under `workspace.allowed_roots`.
    pub root: String,
}

/// `POST /v1/workspaces` answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OpenWorkspaceResponse {
    /// Stable id (derived from the canonical root).
    pub id: String,
    /// The canonical root.
    pub root: String,
    /// Changes of the index so far.
    pub generation: u64,
}

/// `GET /v1/workspaces` answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkspaceList {
    /// Open workspaces, by id.
    pub workspaces: Vec<WorkspaceStatus>,
}

/// `?q=&kind=&role=&limit=` of `GET /v1/workspaces/{id}/symbols`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SymbolSearchParams {
    /// The text matched against names: exact, prefix or fuzzy.
    pub q: String,
    /// Only these kinds (comma-separated, e.g. `class,function`).
    #[serde(default)]
    pub kind: Option<String>,
    /// `definition`, `reference` or `any` (default).
    #[serde(default)]
    pub role: Option<String>,
    /// Results at most (default 50, at most `workspace.max_results`).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// `?name=&limit=` of `GET /v1/workspaces/{id}/definitions` and `.../references`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NameParams {
    /// The exact name.
    pub name: String,
    /// Results at most (default 50, at most `workspace.max_results`).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// Token budget of a repo map when the request names none.
pub const DEFAULT_MAP_TOKENS: usize = 1024;
/// Focus paths of one repo map at most.
pub const MAX_FOCUS_PATHS: usize = 100;

/// `?tokens=&focus=` of `GET /v1/workspaces/{id}/map`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MapParams {
    /// Token budget (estimated as bytes / 4; default 1024, at most `workspace.max_map_tokens`).
    #[serde(default)]
    pub tokens: Option<usize>,
    /// Paths relative to the root (comma-separated, at most 100) the ranking is personalised
    /// towards; unknown paths are ignored.
    #[serde(default)]
    pub focus: Option<String>,
}

/// A repo map answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MapResponse {
    /// The workspace.
    pub id: String,
    /// The index's generation the map comes from.
    pub generation: u64,
    /// `indexing` (the map covers the files indexed so far) or `ready`.
    pub state: WorkspaceState,
    /// The budget asked for.
    pub budget: usize,
    /// Estimated tokens of `text` (bytes / 4, rounded up, per line): at most `budget`.
    pub tokens: usize,
    /// Files in rank order with their top definitions.
    pub files: Vec<crate::workspace::map::MapFile>,
    /// The map as text: each file's path, then `  LINE: SIGNATURE  [in CONTAINER]` per
    /// definition.
    pub text: String,
}

/// One symbol found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SymbolHit {
    /// Path relative to the workspace root, `/`-separated.
    pub path: String,
    /// Language id.
    pub language: String,
    /// The symbol's name.
    pub name: String,
    /// Normalised kind (definitions) or tag kind (references).
    pub kind: String,
    /// `definition` or `reference`.
    #[schema(value_type = String)]
    pub role: SymbolRole,
    /// The span of the name: `{start, end}` positions.
    #[schema(value_type = Object)]
    pub range: crate::position::Range,
    /// The enclosing definition's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// How the name matched: `exact`, `exact_ignore_case`, `prefix`, `prefix_ignore_case`,
    /// `fuzzy`.
    #[serde(rename = "match")]
    #[schema(value_type = String)]
    pub match_class: MatchClass,
    /// nucleo's score of a fuzzy match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u16>,
}

/// A search answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SymbolSearchResponse {
    /// The workspace.
    pub id: String,
    /// The index's generation the results come from.
    pub generation: u64,
    /// `indexing` (results cover the files indexed so far) or `ready`.
    pub state: WorkspaceState,
    /// Best first (see `docs/workspaces.md`, "Ranking").
    pub results: Vec<SymbolHit>,
}

/// Opens a workspace (or returns the one open for the same root) and starts indexing it.
#[utoipa::path(
    post,
    path = "/v1/workspaces",
    tag = "workspaces",
    request_body = OpenWorkspaceRequest,
    responses(
        (status = 201, description = "Opened; indexing in the background", body = OpenWorkspaceResponse),
        (status = 200, description = "Already open for this root", body = OpenWorkspaceResponse),
        (status = 400, description = "Not an absolute path to a directory, or `..` (`invalid_workspace_root`)", body = ErrorBody),
        (status = 403, description = "Not under `workspace.allowed_roots` (`workspace_root_not_allowed`)", body = ErrorBody),
        (status = 409, description = "`workspace.max_workspaces` are open (`too_many_workspaces`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn open(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<OpenWorkspaceRequest>,
) -> Result<JsonBytes, ApiError> {
    blocking(move || {
        let (ws, created) = state.workspaces().open(&PathBuf::from(&req.root))?;
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        let generation = ws.generation();
        to_json(
            status,
            &OpenWorkspaceResponse {
                id: ws.id().to_owned(),
                root: ws.root().display().to_string(),
                generation,
            },
        )
    })
    .await
}

/// Lists the open workspaces with their status.
#[utoipa::path(
    get,
    path = "/v1/workspaces",
    tag = "workspaces",
    responses((status = 200, description = "Open workspaces", body = WorkspaceList)),
    security(("bearer" = []))
)]
pub async fn list(State(state): State<AppState>) -> Result<JsonBytes, ApiError> {
    blocking(move || {
        let workspaces = state
            .workspaces()
            .list()
            .iter()
            .map(|ws| ws.status())
            .collect();
        to_json(StatusCode::OK, &WorkspaceList { workspaces })
    })
    .await
}

/// A workspace's status: indexing progress, counts, generation.
#[utoipa::path(
    get,
    path = "/v1/workspaces/{id}",
    tag = "workspaces",
    params(("id" = String, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "Status", body = WorkspaceStatus),
        (status = 404, description = "No such workspace (`workspace_not_found`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<JsonBytes, ApiError> {
    blocking(move || to_json(StatusCode::OK, &state.workspaces().get(&id)?.status())).await
}

/// Closes a workspace: its indexing stops and its index is freed.
#[utoipa::path(
    delete,
    path = "/v1/workspaces/{id}",
    tag = "workspaces",
    params(("id" = String, Path, description = "Workspace id")),
    responses(
        (status = 204, description = "Closed"),
        (status = 404, description = "No such workspace (`workspace_not_found`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn close(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    // The index may be large: free it off the executor.
    match blocking(move || Ok(state.workspaces().close(&id)?)).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

/// Searches the workspace's symbols by name: exact, then prefix, then fuzzy matches.
#[utoipa::path(
    get,
    path = "/v1/workspaces/{id}/symbols",
    tag = "workspaces",
    params(("id" = String, Path, description = "Workspace id"), SymbolSearchParams),
    responses(
        (status = 200, description = "Results, best first", body = SymbolSearchResponse),
        (status = 400, description = "Empty or too long `q`, unknown `role` (`invalid_search`)", body = ErrorBody),
        (status = 404, description = "No such workspace (`workspace_not_found`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn symbols(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<SymbolSearchParams>,
) -> Result<JsonBytes, ApiError> {
    check_text("q", &params.q)?;
    let role = match params.role.as_deref() {
        None | Some("any") => RoleFilter::Any,
        Some("definition") => RoleFilter::Definitions,
        Some("reference") => RoleFilter::References,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_search",
                format!("`role` is `definition`, `reference` or `any`, not `{other}`"),
            ));
        }
    };
    blocking(move || {
        let ws = state.workspaces().get(&id)?;
        let limit = limit_of(&state, params.limit);
        let kinds: Vec<&str> = params
            .kind
            .as_deref()
            .map(|k| {
                k.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let query = SymbolQuery {
            text: &params.q,
            kinds,
            role,
            limit,
        };
        let (index, generation) = ws.read();
        let hits = search::search(&index, &query);
        answer(ws.id(), generation, ws.is_ready(), &hits)
    })
    .await
}

/// The definitions named exactly `name`, by path and position.
#[utoipa::path(
    get,
    path = "/v1/workspaces/{id}/definitions",
    tag = "workspaces",
    params(("id" = String, Path, description = "Workspace id"), NameParams),
    responses(
        (status = 200, description = "Definitions", body = SymbolSearchResponse),
        (status = 400, description = "Empty or too long `name` (`invalid_search`)", body = ErrorBody),
        (status = 404, description = "No such workspace (`workspace_not_found`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn definitions(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<NameParams>,
) -> Result<JsonBytes, ApiError> {
    by_name(state, id, params, SymbolRole::Definition).await
}

/// The references to `name` (exact), by path and position.
#[utoipa::path(
    get,
    path = "/v1/workspaces/{id}/references",
    tag = "workspaces",
    params(("id" = String, Path, description = "Workspace id"), NameParams),
    responses(
        (status = 200, description = "References", body = SymbolSearchResponse),
        (status = 400, description = "Empty or too long `name` (`invalid_search`)", body = ErrorBody),
        (status = 404, description = "No such workspace (`workspace_not_found`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn references(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<NameParams>,
) -> Result<JsonBytes, ApiError> {
    by_name(state, id, params, SymbolRole::Reference).await
}

async fn by_name(
    state: AppState,
    id: String,
    params: NameParams,
    role: SymbolRole,
) -> Result<JsonBytes, ApiError> {
    check_text("name", &params.name)?;
    blocking(move || {
        let ws = state.workspaces().get(&id)?;
        let limit = limit_of(&state, params.limit);
        let (index, generation) = ws.read();
        let hits = search::by_name(&index, &params.name, role, limit);
        answer(ws.id(), generation, ws.is_ready(), &hits)
    })
    .await
}

/// The repository's most important definitions within a token budget: files ranked by
/// PageRank over the reference graph (personalised towards `focus`), each with its top
/// definitions and their source line.
#[utoipa::path(
    get,
    path = "/v1/workspaces/{id}/map",
    tag = "workspaces",
    params(("id" = String, Path, description = "Workspace id"), MapParams),
    responses(
        (status = 200, description = "The map", body = MapResponse),
        (status = 400, description = "`tokens` 0 or over `workspace.max_map_tokens`, too many or too long `focus` paths (`invalid_map`)", body = ErrorBody),
        (status = 404, description = "No such workspace (`workspace_not_found`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn map(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<MapParams>,
) -> Result<JsonBytes, ApiError> {
    let max_tokens = state.workspaces().settings().max_map_tokens;
    let budget = params.tokens.unwrap_or(DEFAULT_MAP_TOKENS);
    if budget == 0 || budget > max_tokens {
        return Err(ApiError::bad_request(
            "invalid_map",
            format!("`tokens` must be 1 to {max_tokens} (workspace.max_map_tokens)"),
        ));
    }
    let focus = crate::workspace::map::focus_paths(params.focus.as_deref());
    if focus.len() > MAX_FOCUS_PATHS || focus.iter().any(|p| p.len() > 4096) {
        return Err(ApiError::bad_request(
            "invalid_map",
            format!("`focus` takes at most {MAX_FOCUS_PATHS} paths of at most 4096 bytes"),
        ));
    }
    blocking(move || {
        let ws = state.workspaces().get(&id)?;
        let max_file_bytes = state.config().parse.max_source_bytes;
        let (map, generation) = ws.map(&focus, budget, max_file_bytes);
        to_json(
            StatusCode::OK,
            &MapResponse {
                id: ws.id().to_owned(),
                generation,
                state: if ws.is_ready() {
                    WorkspaceState::Ready
                } else {
                    WorkspaceState::Indexing
                },
                budget,
                tokens: map.tokens,
                files: map.files,
                text: map.text,
            },
        )
    })
    .await
}

impl From<WorkspaceError> for ApiError {
    fn from(e: WorkspaceError) -> Self {
        match e {
            WorkspaceError::InvalidRoot { .. } => {
                ApiError::bad_request("invalid_workspace_root", e.to_string())
            }
            WorkspaceError::RootNotAllowed { .. } => ApiError::new(
                StatusCode::FORBIDDEN,
                "workspace_root_not_allowed",
                e.to_string(),
            ),
            WorkspaceError::NotFound { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "workspace_not_found", e.to_string())
            }
            WorkspaceError::TooMany { .. } => {
                ApiError::new(StatusCode::CONFLICT, "too_many_workspaces", e.to_string())
            }
            WorkspaceError::Spawn(_) => ApiError::internal(e),
        }
    }
}

fn check_text(key: &str, text: &str) -> Result<(), ApiError> {
    if text.is_empty() || text.len() > MAX_QUERY_BYTES {
        return Err(ApiError::bad_request(
            "invalid_search",
            format!("`{key}` must have 1 to {MAX_QUERY_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// The request's limit: [`DEFAULT_LIMIT`] when absent, at most `workspace.max_results`.
fn limit_of(state: &AppState, asked: Option<usize>) -> usize {
    asked
        .unwrap_or(DEFAULT_LIMIT)
        .min(state.workspaces().settings().max_results)
}

fn answer(id: &str, generation: u64, ready: bool, hits: &[Hit<'_>]) -> Result<JsonBytes, ApiError> {
    let response = SymbolSearchResponse {
        id: id.to_owned(),
        generation,
        state: if ready {
            WorkspaceState::Ready
        } else {
            WorkspaceState::Indexing
        },
        results: hits.iter().map(symbol_hit).collect(),
    };
    to_json(StatusCode::OK, &response)
}

/// A hit as answered.
pub fn symbol_hit(hit: &Hit<'_>) -> SymbolHit {
    SymbolHit {
        path: hit.file.path.to_string(),
        language: hit.file.language.to_owned(),
        name: hit.symbol.name.to_string(),
        kind: hit.symbol.kind.to_string(),
        role: hit.symbol.role,
        range: hit.symbol.range.get(),
        container: hit.file.container(hit.symbol).map(str::to_owned),
        match_class: hit.class,
        score: (hit.class == MatchClass::Fuzzy).then_some(hit.score),
    }
}
