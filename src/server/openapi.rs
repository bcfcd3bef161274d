//! The OpenAPI 3 document of `/v1`, generated from the handlers' annotations (utoipa),
//! served at `GET /v1/openapi.json` and committed as `docs/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::error::{ErrorBody, ErrorObject};
use super::handlers::analyze::{
    ParseRequest, ParseResponse, ParseStats, QueryRequest, QueryResponse, SymbolsRequest,
    SymbolsResponse,
};
use super::handlers::documents::{
    ChangedRange, ColumnEncoding, DocumentResponse, Edit, EditPosition, EditRequest, EditResponse,
    OpenRequest, OpenResponse, TreeResponse,
};
use super::handlers::languages::LanguageRow;
use super::handlers::render::{Problem, TreeFormat};
use super::handlers::workspaces::{
    MapResponse, OpenWorkspaceRequest, OpenWorkspaceResponse, SymbolHit, SymbolSearchResponse,
    WorkspaceList,
};
use super::handlers::{analyze, documents, languages, workspaces};
use crate::position::Position;
use crate::workspace::map::{MapDefinition, MapFile};
use crate::workspace::{WorkspaceState, WorkspaceStatus};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "syntaxd",
        description = "Code-intelligence daemon: parse, symbols, queries, live documents and workspace symbol search over tree-sitter. Errors are `{\"error\": {\"code\", \"message\"}}`."
    ),
    paths(
        languages::languages,
        analyze::parse,
        analyze::symbols,
        analyze::query,
        documents::open,
        documents::edit,
        documents::read,
        documents::tree,
        documents::symbols,
        documents::close,
        workspaces::open,
        workspaces::list,
        workspaces::status,
        workspaces::close,
        workspaces::symbols,
        workspaces::definitions,
        workspaces::references,
        workspaces::map,
    ),
    components(schemas(
        ErrorBody, ErrorObject, LanguageRow, ParseRequest, ParseResponse, ParseStats,
        SymbolsRequest, SymbolsResponse, QueryRequest, QueryResponse, OpenRequest, OpenResponse,
        EditRequest, Edit, EditPosition, ColumnEncoding, EditResponse, ChangedRange,
        DocumentResponse, TreeResponse, Position, Problem, TreeFormat, OpenWorkspaceRequest,
        OpenWorkspaceResponse, WorkspaceList, WorkspaceStatus, WorkspaceState, SymbolHit,
        MapResponse, MapFile, MapDefinition,
        SymbolSearchResponse,
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as pretty JSON (what `docs/openapi.json` holds).
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_string())
}

/// `GET /v1/openapi.json`.
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
