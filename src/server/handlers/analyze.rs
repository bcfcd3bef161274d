//! `POST /v1/parse`, `POST /v1/symbols`, `POST /v1/query`: analysis of posted content (through
//! the tiered cache) or of an open document.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::render::{
    Problem, RenderBudget, TreeFormat, body_with_tree, problems_of_decoded, problems_of_tree,
    write_decoded_tree_json, write_json_string, write_tree_json,
};
use super::{CancelOnDrop, JsonBytes, blocking, lock_or_busy, to_json};
use crate::bytecode;
use crate::language::Language;
use crate::language::resolve_language;
use crate::pipeline::CacheStatus;
use crate::query::{MAX_MATCH_LIMIT, QueryLimits};
use crate::server::documents::{document_weight, record_document_symbols};
use crate::server::error::{ApiError, ErrorBody};
use crate::server::middleware::ApiJson;
use crate::server::state::AppState;
use crate::symbols::{DocumentSymbolsSource, Symbol, SymbolContext, SymbolOptions, SymbolsResult};

/// `POST /v1/parse` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParseRequest {
    /// The source text.
    pub content: String,
    /// A file path used to detect the language (not read).
    #[serde(default)]
    pub path: Option<String>,
    /// Language id or alias; overrides detection.
    #[serde(default)]
    pub language: Option<String>,
    /// Tree format of the answer (default `none`).
    #[serde(default)]
    pub format: TreeFormat,
}

/// `POST /v1/parse` answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ParseResponse {
    /// Language id.
    pub language: String,
    /// 128-bit content hash (hex), the cache key's content part.
    pub content_hash: String,
    /// Whether the tree has ERROR or MISSING nodes.
    pub has_errors: bool,
    /// The first ERROR/MISSING nodes (at most 100), as stored in the cache entry's summary.
    #[schema(value_type = Vec<Problem>)]
    pub errors: Box<serde_json::value::RawValue>,
    /// The tree: a string for `sexp`, an object for `json`; absent for `none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub tree: Option<Box<serde_json::value::RawValue>>,
    /// Where the answer came from: `miss` (parsed now), `hot`, `warm` or `cold`.
    #[schema(value_type = String, example = "hot")]
    pub cache: CacheStatus,
    /// Figures.
    pub stats: ParseStats,
}

/// Figures of one parse answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ParseStats {
    /// Source length.
    pub source_bytes: usize,
    /// Nodes in the tree.
    pub nodes: usize,
    /// Parse time when parsed now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_ms: Option<f64>,
    /// Time of the analysis (cache lookup or parse, encode, store).
    pub analyze_ms: f64,
}

/// Parses content (or answers from the cache).
#[utoipa::path(
    post,
    path = "/v1/parse",
    tag = "analysis",
    request_body = ParseRequest,
    responses(
        (status = 200, description = "Parsed", body = ParseResponse),
        (status = 400, description = "Bad JSON, unknown language, invalid UTF-8, binary content", body = ErrorBody),
        (status = 413, description = "Body, source or answer too large (`response_too_large`: ask for `sexp`, `none` or a query)", body = ErrorBody),
        (status = 503, description = "Overloaded or draining", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn parse(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ParseRequest>,
) -> Result<JsonBytes, ApiError> {
    let cancel = CancelOnDrop::new();
    let handle = cancel.parse.clone();
    let stop = Arc::clone(&cancel.query);
    blocking(move || {
        let lang = resolve_language(
            req.language.as_deref(),
            req.path.as_deref(),
            req.content.as_bytes(),
        )?;
        let analysis = state
            .analyzer()
            .analyze(lang, req.content.into_bytes(), handle)?;
        let grammar = lang.ts_language()?;
        let entry = &analysis.entry;
        let budget = RenderBudget {
            max_bytes: usize::try_from(state.config().server.max_response_bytes)
                .unwrap_or(usize::MAX),
            cancel: &stop,
        };
        // The summary answers `errors`, `has_errors` and `nodes` without touching the tree; a
        // format-1 entry (older cache) has none and is summarised from the tree or bytecode.
        let stored = entry.summary.as_ref().and_then(|s| {
            Some((
                s.has_errors,
                raw_json(&s.problems_json).ok()?,
                usize::try_from(s.nodes).unwrap_or(usize::MAX),
            ))
        });
        let mut response = ParseResponse {
            language: lang.id.clone(),
            content_hash: format!("{:032x}", entry.key().content_hash),
            has_errors: false,
            errors: to_raw(&Vec::<Problem>::new())?,
            tree: None,
            cache: analysis.cache,
            stats: ParseStats {
                source_bytes: entry.source.len(),
                nodes: 0,
                parse_ms: analysis.parse_elapsed.map(millis),
                analyze_ms: millis(analysis.elapsed),
            },
        };
        // The tree is rendered once, straight into the body, within the response bound.
        match (&analysis.tree, stored) {
            (Some(tree), stored) => {
                match stored {
                    Some((has_errors, errors, nodes)) => {
                        response.has_errors = has_errors;
                        response.errors = errors;
                        response.stats.nodes = nodes;
                    }
                    None => {
                        response.errors = to_raw(&problems_of_tree(tree))?;
                        response.has_errors = tree.root_node().has_error();
                        response.stats.nodes = tree.root_node().descendant_count();
                    }
                }
                match req.format {
                    TreeFormat::None => body_with_tree(&response, &budget, None),
                    TreeFormat::Sexp => {
                        let sexp = tree.root_node().to_sexp();
                        body_with_tree(
                            &response,
                            &budget,
                            Some(&|out: &mut Vec<u8>| write_json_string(out, &sexp, &budget)),
                        )
                    }
                    TreeFormat::Json => body_with_tree(
                        &response,
                        &budget,
                        Some(&|out: &mut Vec<u8>| write_tree_json(out, tree, &budget)),
                    ),
                }
            }
            (None, Some((has_errors, errors, nodes))) if req.format == TreeFormat::None => {
                response.has_errors = has_errors;
                response.errors = errors;
                response.stats.nodes = nodes;
                body_with_tree(&response, &budget, None)
            }
            (None, _) => {
                let decoded = bytecode::decode(&entry.bytecode).map_err(ApiError::internal)?;
                let lines = decoded
                    .line_index(&entry.source)
                    .map_err(ApiError::internal)?;
                response.errors = to_raw(&problems_of_decoded(&decoded, &lines, grammar))?;
                response.has_errors = !decoded.is_empty() && decoded.has_error(decoded.root());
                response.stats.nodes = decoded.len();
                match req.format {
                    TreeFormat::None => body_with_tree(&response, &budget, None),
                    TreeFormat::Sexp => {
                        let sexp = decoded.to_sexp(grammar);
                        body_with_tree(
                            &response,
                            &budget,
                            Some(&|out: &mut Vec<u8>| write_json_string(out, &sexp, &budget)),
                        )
                    }
                    TreeFormat::Json => body_with_tree(
                        &response,
                        &budget,
                        Some(&|out: &mut Vec<u8>| {
                            write_decoded_tree_json(out, &decoded, &lines, grammar, &budget)
                        }),
                    ),
                }
            }
        }
    })
    .await
}

/// `POST /v1/symbols` body: `content` (with `path` or `language`) or an open `document`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SymbolsRequest {
    /// The source text.
    #[serde(default)]
    pub content: Option<String>,
    /// An open document's id instead of `content`.
    #[serde(default)]
    pub document: Option<String>,
    /// A file path used to detect the language.
    #[serde(default)]
    pub path: Option<String>,
    /// Language id or alias.
    #[serde(default)]
    pub language: Option<String>,
    /// Also answer `outline`: the symbols nested by container (default false).
    #[serde(default)]
    pub outline: bool,
}

/// `POST /v1/symbols` answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SymbolsResponse {
    /// Language id.
    pub language: String,
    /// Version of the symbol objects' format (2: normalised kinds, `lsp_kind`, `tag_kind`,
    /// `declaration`, `container`, `container_kind`, `doc`).
    pub symbols_format: u32,
    /// Definitions in source order (outer before inner): name, kind (normalised), tag_kind,
    /// lsp_kind, role, declaration, range, name_range (rows, columns and bytes), parent (index
    /// in this list), container, container_kind, doc, name_lossy.
    #[schema(value_type = Vec<Object>)]
    pub symbols: serde_json::Value,
    /// With `"outline": true`: the same symbols as a tree, each with `children`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub outline: Option<serde_json::Value>,
    /// False when a limit cut the list.
    pub complete: bool,
    /// Why the list was cut.
    #[schema(value_type = Option<String>)]
    pub incomplete_reason: Option<crate::query::IncompleteReason>,
    /// `miss`, `hot`, `warm`, `cold`, or absent for a document.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub cache: Option<CacheStatus>,
}

/// The definitions in content or a document, from the language's tags query.
#[utoipa::path(
    post,
    path = "/v1/symbols",
    tag = "analysis",
    request_body = SymbolsRequest,
    responses(
        (status = 200, description = "Symbols", body = SymbolsResponse),
        (status = 400, description = "Bad input, or no tags query for the language", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn symbols(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SymbolsRequest>,
) -> Result<JsonBytes, ApiError> {
    let cancel = CancelOnDrop::new();
    let handle = cancel.parse.clone();
    let stop = Arc::clone(&cancel.query);
    blocking(move || match (req.document, req.content) {
        (Some(id), None) => document_symbols(&state, &id, req.outline, &stop),
        (None, Some(content)) => {
            let lang = resolve_language(
                req.language.as_deref(),
                req.path.as_deref(),
                content.as_bytes(),
            )?;
            if state.analyzer().symbol_config(lang).is_none() {
                return Err(symbols_unsupported(lang));
            }
            let (analysis, stored) =
                state
                    .analyzer()
                    .analyze_symbols(lang, content.into_bytes(), handle)?;
            if req.outline {
                let result: SymbolsResult =
                    serde_json::from_slice(&stored).map_err(ApiError::internal)?;
                return symbols_response(lang, &result, Some(analysis.cache), true);
            }
            // The symbols JSON is the serialised `SymbolsResult` object
            // (`{"symbols_format":2,"symbols":..,"complete":..,"incomplete_reason":..}`), as
            // stored: answer with it prefixed by this response's own fields, instead of
            // decoding and re-encoding every symbol on each cache hit.
            if stored.first() != Some(&b'{') {
                return Err(ApiError::internal(format!(
                    "stored symbols of a {} entry are not a JSON object",
                    lang.id
                )));
            }
            let mut body = Vec::with_capacity(stored.len() + 64);
            body.extend_from_slice(b"{\"language\":");
            serde_json::to_writer(&mut body, &lang.id).map_err(ApiError::internal)?;
            body.extend_from_slice(b",\"cache\":");
            serde_json::to_writer(&mut body, &analysis.cache).map_err(ApiError::internal)?;
            body.push(b',');
            body.extend_from_slice(&stored[1..]);
            Ok(JsonBytes(StatusCode::OK, body))
        }
        _ => Err(ApiError::bad_request(
            "invalid_request",
            "give exactly one of `content` and `document`",
        )),
    })
    .await
}

/// 400 `symbols_unsupported`: the language has no usable tags query.
fn symbols_unsupported(lang: &Language) -> ApiError {
    ApiError::bad_request(
        "symbols_unsupported",
        format!("language `{}` has no tags query", lang.id),
    )
}

/// The symbols of an open document, from its live tree (documents are not in the content
/// cache): answered from the document's own cached symbols when it did not change, by
/// re-extracting only the nodes edits touched (and the definitions enclosing them) when it did, else in full (see
/// `SymbolContext::document_symbols`); the cached symbols count in the document's weight.
/// The extraction stops at `stop` (the request's deadline or the client going away); the
/// document lock is waited for at most `documents.lock_wait_ms` (503 `busy`).
pub(crate) fn document_symbols(
    state: &AppState,
    id: &str,
    outline: bool,
    stop: &Arc<AtomicBool>,
) -> Result<JsonBytes, ApiError> {
    let shared = state
        .documents()
        .get(id)
        .ok_or_else(|| ApiError::document_not_found(id))?;
    let mut doc = lock_or_busy(state, id, &shared)?;
    let lang = resolve_language(Some(doc.language_id()), None::<&str>, b"")?;
    let config = state
        .analyzer()
        .symbol_config(lang)
        .ok_or_else(|| symbols_unsupported(lang))?;
    let options = SymbolOptions {
        limits: QueryLimits {
            cancel: Some(Arc::clone(stop)),
            ..QueryLimits::default()
        },
        ..SymbolOptions::default()
    };
    let (result, source) = SymbolContext::new()
        .document_symbols(&config, &mut doc, &options)
        .map_err(ApiError::internal)?;
    record_document_symbols(source);
    let resized = (source != DocumentSymbolsSource::Cached).then(|| {
        if document_weight(&doc) > state.documents().max_total_bytes() {
            // The symbols would not fit beside the document: keep only the document.
            doc.set_symbol_cache(None);
        }
        document_weight(&doc)
    });
    drop(doc);
    if let Some(bytes) = resized {
        state.documents().resized(id, bytes);
    }
    symbols_response(lang, &result, None, outline)
}

/// [`SymbolsResponse`] as serialised: borrowing the symbols.
#[derive(Serialize)]
struct SymbolsAnswer<'a> {
    language: &'a str,
    symbols_format: u32,
    symbols: &'a [Symbol],
    #[serde(skip_serializing_if = "Option::is_none")]
    outline: Option<Vec<crate::symbols::OutlineNode>>,
    complete: bool,
    incomplete_reason: Option<crate::query::IncompleteReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache: Option<CacheStatus>,
}

/// The answer, serialised straight from the result (no intermediate JSON values).
fn symbols_response(
    lang: &Language,
    result: &SymbolsResult,
    cache: Option<CacheStatus>,
    outline: bool,
) -> Result<JsonBytes, ApiError> {
    let response = SymbolsAnswer {
        language: &lang.id,
        symbols_format: result.symbols_format,
        symbols: &result.symbols,
        outline: outline.then(|| crate::symbols::outline(&result.symbols)),
        complete: result.complete,
        incomplete_reason: result.incomplete_reason,
        cache,
    };
    to_json(StatusCode::OK, &response)
}

/// `POST /v1/query` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryRequest {
    /// The tree-sitter query, e.g. `(function_definition name: (identifier) @name)`.
    pub query: String,
    /// Language id or alias (optional with `document` or a `path`).
    #[serde(default)]
    pub language: Option<String>,
    /// A file path used to detect the language.
    #[serde(default)]
    pub path: Option<String>,
    /// The source text.
    #[serde(default)]
    pub content: Option<String>,
    /// An open document's id instead of `content`.
    #[serde(default)]
    pub document: Option<String>,
    /// Most captures returned (capped by `query.max_captures`).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// `POST /v1/query` answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueryResponse {
    /// Language id.
    pub language: String,
    /// Captures in document order: name, node_kind, text, start, end, pattern_index.
    #[schema(value_type = Vec<Object>)]
    pub captures: serde_json::Value,
    /// False when a limit or the deadline cut the result.
    pub complete: bool,
    /// `limit_reached`, `text_limit_reached`, `match_limit_exceeded`, `deadline` or
    /// `cancelled`.
    #[schema(value_type = Option<String>)]
    pub incomplete_reason: Option<crate::query::IncompleteReason>,
}

/// [`QueryResponse`] as serialised: borrowing the captures.
#[derive(Serialize)]
struct QueryAnswer<'a> {
    language: &'a str,
    captures: &'a [crate::query::Capture],
    complete: bool,
    incomplete_reason: Option<crate::query::IncompleteReason>,
}

/// Runs a query over content or a document.
#[utoipa::path(
    post,
    path = "/v1/query",
    tag = "analysis",
    request_body = QueryRequest,
    responses(
        (status = 200, description = "Captures (possibly cut: see `complete`)", body = QueryResponse),
        (status = 400, description = "Bad input", body = ErrorBody),
        (status = 404, description = "No such document", body = ErrorBody),
        (status = 413, description = "Query text too large", body = ErrorBody),
        (status = 422, description = "The query does not compile (`invalid_query` with row, column, offset, kind), has too many patterns or predicates or too long a regex (`query_too_complex`), uses a construct refused before compiling (`query_unsupported`), or compiled too slowly (`query_compile_timeout`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn query(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<QueryRequest>,
) -> Result<JsonBytes, ApiError> {
    let cancel = CancelOnDrop::new();
    let parse_cancel = cancel.parse.clone();
    let query_cancel = Arc::clone(&cancel.query);
    blocking(move || {
        let q = &state.config().query;
        let max_captures = usize::try_from(q.max_captures).unwrap_or(usize::MAX);
        let limits = QueryLimits {
            max_captures: req.limit.map_or(max_captures, |l| l.min(max_captures)),
            match_limit: u32::try_from(q.match_limit)
                .unwrap_or(MAX_MATCH_LIMIT)
                .min(MAX_MATCH_LIMIT),
            deadline: Duration::from_millis(q.timeout_ms),
            max_query_bytes: usize::try_from(q.max_query_bytes).unwrap_or(usize::MAX),
            max_total_text_bytes: usize::try_from(q.max_captured_text_bytes).unwrap_or(usize::MAX),
            max_patterns: usize::try_from(q.max_patterns).unwrap_or(usize::MAX),
            max_predicates: usize::try_from(q.max_predicates).unwrap_or(usize::MAX),
            max_regex_bytes: usize::try_from(q.max_regex_bytes).unwrap_or(usize::MAX),
            compile_timeout: Duration::from_millis(q.compile_timeout_ms),
            cancel: Some(query_cancel),
            ..QueryLimits::default()
        };
        let queries = state.queries();
        let (lang, result) = match (req.document, req.content) {
            (Some(id), None) => {
                let doc = state
                    .documents()
                    .get(&id)
                    .ok_or_else(|| ApiError::document_not_found(&id))?;
                let doc = lock_or_busy(&state, &id, &doc)?;
                let lang = resolve_language(Some(doc.language_id()), None::<&str>, b"")?;
                let result = queries.query(
                    &lang.id,
                    lang.ts_language()?,
                    &req.query,
                    doc.tree().root_node(),
                    doc.text().as_bytes(),
                    &limits,
                )?;
                (lang, result)
            }
            (None, Some(content)) => {
                let lang = resolve_language(
                    req.language.as_deref(),
                    req.path.as_deref(),
                    content.as_bytes(),
                )?;
                let grammar = lang.ts_language()?;
                // Compile first: a bad query is answered without parsing.
                queries
                    .compiled
                    .get_or_compile(&lang.id, grammar, &req.query, &limits)?;
                // Through the pipeline: the parse is stored like any miss, so a parse or
                // symbols request for the same content afterwards is a hit.
                let tree = state
                    .analyzer()
                    .live_tree(lang, content.as_bytes(), parse_cancel)?;
                let result = queries.query(
                    &lang.id,
                    grammar,
                    &req.query,
                    tree.root_node(),
                    content.as_bytes(),
                    &limits,
                )?;
                (lang, result)
            }
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_request",
                    "give exactly one of `content` and `document`",
                ));
            }
        };
        // Serialised straight from the result (no intermediate JSON value).
        let response = QueryAnswer {
            language: &lang.id,
            captures: &result.captures,
            complete: result.complete,
            incomplete_reason: result.incomplete_reason,
        };
        to_json(StatusCode::OK, &response)
    })
    .await
}

/// Stored JSON as a raw value (checked: a damaged summary is an error, never sent as is).
fn raw_json(bytes: &[u8]) -> Result<Box<serde_json::value::RawValue>, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(ApiError::internal)?;
    serde_json::value::RawValue::from_string(text.to_owned()).map_err(ApiError::internal)
}

fn to_raw<T: Serialize>(value: &T) -> Result<Box<serde_json::value::RawValue>, ApiError> {
    serde_json::value::to_raw_value(value).map_err(ApiError::internal)
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
