//! `GET /v1/languages`: the registry, one row per language (the same fields as
//! `syntaxd languages --format json`).

use axum::Json;
use serde::Serialize;

use crate::language::{Language, QueryKind, registry};

/// One registry row.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LanguageRow {
    /// Stable id, e.g. `c_sharp`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Other names accepted as `language`.
    pub aliases: Vec<String>,
    /// File extensions (without the dot).
    pub extensions: Vec<String>,
    /// Exact file names.
    pub filenames: Vec<String>,
    /// Interpreter names recognised in a shebang line.
    pub shebangs: Vec<String>,
    /// The grammar crate.
    pub grammar_crate: String,
    /// Its version.
    pub grammar_version: String,
    /// Query kinds available (`highlights`, `tags`, ...).
    #[schema(value_type = Vec<String>)]
    pub queries: Vec<QueryKind>,
    /// The language this one is a variant of (e.g. `tsx` of `typescript`).
    pub variant_of: Option<String>,
    /// Whether the grammar is compiled into this binary.
    pub available: bool,
}

impl LanguageRow {
    /// The row of `lang`.
    pub fn of(lang: &Language) -> Self {
        Self {
            id: lang.id.clone(),
            name: lang.name.clone(),
            aliases: lang.aliases.clone(),
            extensions: lang.extensions.clone(),
            filenames: lang.filenames.clone(),
            shebangs: lang.shebangs.clone(),
            grammar_crate: lang.grammar_crate.clone(),
            grammar_version: lang.grammar_version.clone(),
            queries: lang.query_kinds(),
            variant_of: lang.variant_of.clone(),
            available: lang.available(),
        }
    }
}

/// Every registered language.
#[utoipa::path(
    get,
    path = "/v1/languages",
    tag = "languages",
    responses((status = 200, description = "The registry", body = [LanguageRow]))
)]
pub async fn languages() -> Json<Vec<LanguageRow>> {
    Json(registry().languages().iter().map(LanguageRow::of).collect())
}
