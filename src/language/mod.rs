//! The language registry: every grammar we ship, its id, aliases, extensions, file names,
//! shebangs, grammar crate and version, and its queries; plus detection.
//!
//! The data lives in `grammars/languages.toml` (embedded at build time); the compiled-in grammars
//! are bound in `grammars`. Lookups follow the `x_for_y` naming: [`Registry::language_for_name`],
//! [`Registry::language_for_path`], [`Registry::language_for_shebang`], and [`Registry::detect`]
//! which combines them with the content-based rules of `docs/languages.md`.

mod detect;
mod grammars;
pub mod inventory;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::Instant;

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts};
use serde::{Deserialize, Serialize};

pub use detect::{DetectedBy, Detection, looks_binary};

/// The registry data, embedded so the binary needs no files at run time.
const LANGUAGES_TOML: &str = include_str!("../../grammars/languages.toml");

/// Grammar crate versions, read from `Cargo.lock` by the build script.
const GRAMMAR_VERSIONS: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/grammar_versions.rs"));

/// Queries this project writes under `grammars/queries/<id>/<kind>.scm`: (id, kind, text).
const OWN_QUERIES: &[(&str, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/own_queries.rs"));

/// The kinds of query a language can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueryKind {
    /// Syntax highlighting captures.
    Highlights,
    /// Definitions and references (symbol extraction).
    Tags,
    /// Scopes, definitions and references for local variables.
    Locals,
    /// Embedded languages.
    Injections,
}

impl QueryKind {
    /// Every kind, in a stable order.
    pub const ALL: [QueryKind; 4] = [
        QueryKind::Highlights,
        QueryKind::Tags,
        QueryKind::Locals,
        QueryKind::Injections,
    ];

    /// The kind's lower-case name, as used in file names and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            QueryKind::Highlights => "highlights",
            QueryKind::Tags => "tags",
            QueryKind::Locals => "locals",
            QueryKind::Injections => "injections",
        }
    }

    /// The kind for a file stem such as `tags`, or `None`.
    pub fn from_name(name: &str) -> Option<QueryKind> {
        QueryKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for QueryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a query's text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QueryOrigin {
    /// Shipped by the grammar crate.
    Crate,
    /// Written by this project under `grammars/queries/`.
    Project,
}

/// Errors of the registry: unknown names, compiled-out grammars, queries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LanguageError {
    /// No language has this id or alias.
    #[error("unknown language `{name}`")]
    Unknown {
        /// The name that was asked for.
        name: String,
    },
    /// The language is registered, but its grammar is not compiled into this binary.
    #[error("language `{id}` is not available in this build (cargo feature `{feature}` is off)")]
    Unavailable {
        /// Registry id.
        id: String,
        /// The cargo feature that would compile it in.
        feature: String,
    },
    /// No name was given and neither the path nor the content identifies the language.
    #[error("cannot detect the language")]
    Undetected,
    /// The language carries no query of this kind.
    #[error("language `{id}` has no {kind} query")]
    QueryMissing {
        /// Registry id.
        id: String,
        /// The query kind.
        kind: QueryKind,
    },
    /// A registered query does not compile against its grammar.
    #[error("the {kind} query of `{id}` does not compile at row {row}, column {column}: {message}")]
    QueryInvalid {
        /// Registry id.
        id: String,
        /// The query kind.
        kind: QueryKind,
        /// Zero-based row of the error in the query text.
        row: usize,
        /// Zero-based column.
        column: usize,
        /// tree-sitter's message.
        message: String,
    },
    /// Compiling a registered query panicked; the panic was contained (other languages and
    /// other query kinds are unaffected) and the failure is remembered.
    #[error("compiling the {kind} query of `{id}` panicked: {message}")]
    QueryPanicked {
        /// Registry id.
        id: String,
        /// The query kind.
        kind: QueryKind,
        /// The panic payload, when it was a string.
        message: String,
    },
    /// A query compiles but a component cannot use it (e.g. a tags query whose captures the
    /// symbol extractor does not understand).
    #[error("the {kind} query of `{id}` is unusable: {message}")]
    QueryUnusable {
        /// Registry id.
        id: String,
        /// The query kind.
        kind: QueryKind,
        /// Why.
        message: String,
    },
    /// A query's `; inherits:` line names a language with no such query.
    #[error("the {kind} query of `{id}` inherits from `{base}`, which is unknown or unavailable")]
    QueryInheritance {
        /// Registry id.
        id: String,
        /// The query kind.
        kind: QueryKind,
        /// The base language named.
        base: String,
    },
}

/// One registered language. Obtained from [`registry()`]; lives for the whole process.
#[derive(Debug)]
pub struct Language {
    /// Stable id (lower-case snake_case), e.g. `c_sharp`.
    pub id: String,
    /// Display name, e.g. `C#`.
    pub name: String,
    /// Other names accepted by [`Registry::language_for_name`].
    pub aliases: Vec<String>,
    /// File extensions without the dot.
    pub extensions: Vec<String>,
    /// Exact file names, e.g. `Makefile`.
    pub filenames: Vec<String>,
    /// Interpreter names recognised after `#!`.
    pub shebangs: Vec<String>,
    /// The grammar crate, which is also the cargo feature that compiles it in.
    pub grammar_crate: String,
    /// The grammar crate's version as built (from `Cargo.lock`).
    pub grammar_version: String,
    /// The kind of the grammar's root node.
    pub root_kind: String,
    /// The language this one is a dialect or sub-grammar of, if any.
    pub variant_of: Option<String>,
    grammar: Option<tree_sitter::Language>,
    query_sources: BTreeMap<QueryKind, (QueryOrigin, &'static str)>,
    compiled: [OnceLock<Result<Arc<tree_sitter::Query>, LanguageError>>; 4],
    tags_hash: OnceLock<Option<String>>,
}

impl Language {
    /// Whether the grammar is compiled into this binary.
    pub fn available(&self) -> bool {
        self.grammar.is_some()
    }

    /// The tree-sitter grammar, or [`LanguageError::Unavailable`] when compiled out.
    pub fn ts_language(&self) -> Result<&tree_sitter::Language, LanguageError> {
        self.grammar
            .as_ref()
            .ok_or_else(|| LanguageError::Unavailable {
                id: self.id.clone(),
                feature: self.grammar_crate.clone(),
            })
    }

    /// The kinds of query this language carries (empty when compiled out).
    pub fn query_kinds(&self) -> Vec<QueryKind> {
        self.query_sources.keys().copied().collect()
    }

    /// The origin of a query kind, if the language carries it.
    pub fn query_origin(&self, kind: QueryKind) -> Option<QueryOrigin> {
        self.query_sources.get(&kind).map(|(origin, _)| *origin)
    }

    /// The hash of the tags query's full text ([`crate::symbols::tags_query_hash`]) that
    /// stored symbols lists must name to be served (`None` without a usable tags query).
    pub fn tags_query_hash(&self) -> Option<&str> {
        self.tags_hash
            .get_or_init(|| {
                self.query_text(QueryKind::Tags)
                    .ok()
                    .map(|text| crate::symbols::tags_query_hash(&text))
            })
            .as_deref()
    }

    /// The full text of a query, with `; inherits:` bases prepended.
    pub fn query_text(&self, kind: QueryKind) -> Result<String, LanguageError> {
        self.resolve_query_text(kind, 0)
    }

    /// The compiled query of this kind; compiled once, on first use (never at start-up), and
    /// shared. Thread-safe: concurrent first callers wait for one compilation. A failure —
    /// including a panic inside the compiler — is remembered for this (language, kind) only,
    /// counted in `syntaxd_language_query_compiles_total{result="error"}` and listed by
    /// [`query_failures_seen`]; every other language and kind stays usable.
    pub fn query(&self, kind: QueryKind) -> Result<Arc<tree_sitter::Query>, LanguageError> {
        let slot = &self.compiled[kind as usize];
        slot.get_or_init(|| {
            if !self.query_sources.contains_key(&kind) {
                // Not a compilation: nothing to count or report.
                return Err(LanguageError::QueryMissing {
                    id: self.id.clone(),
                    kind,
                });
            }
            compile_guarded(&self.id, kind, || self.compile_query(kind)).map(Arc::new)
        })
        .clone()
    }

    fn compile_query(&self, kind: QueryKind) -> Result<tree_sitter::Query, LanguageError> {
        let grammar = self.ts_language()?;
        let text = self.query_text(kind)?;
        tree_sitter::Query::new(grammar, &text).map_err(|e| LanguageError::QueryInvalid {
            id: self.id.clone(),
            kind,
            row: e.row,
            column: e.column,
            message: e.message,
        })
    }

    fn resolve_query_text(&self, kind: QueryKind, depth: usize) -> Result<String, LanguageError> {
        let (_, text) =
            self.query_sources
                .get(&kind)
                .ok_or_else(|| LanguageError::QueryMissing {
                    id: self.id.clone(),
                    kind,
                })?;
        let mut out = String::new();
        // `; inherits: a,b` on the first lines names base languages whose query comes first.
        for line in text.lines().take_while(|l| l.starts_with(';')) {
            let Some(rest) = line
                .trim_start_matches(';')
                .trim()
                .strip_prefix("inherits:")
            else {
                continue;
            };
            for base in rest.split(',').map(str::trim).filter(|b| !b.is_empty()) {
                let inherit_err = || LanguageError::QueryInheritance {
                    id: self.id.clone(),
                    kind,
                    base: base.to_string(),
                };
                let base_lang = registry()
                    .language_for_name(base)
                    .map_err(|_| inherit_err())?;
                if depth > 4 || !base_lang.available() {
                    return Err(inherit_err());
                }
                match base_lang.resolve_query_text(kind, depth + 1) {
                    Ok(base_text) => {
                        out.push_str(&base_text);
                        out.push('\n');
                    }
                    // A base without this kind contributes nothing (e.g. objc locals over C).
                    Err(LanguageError::QueryMissing { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        out.push_str(text);
        Ok(out)
    }
}

/// Runs one lazy compilation of `language`'s `kind` query (a registry query, or a
/// configuration built from one such as the symbol extractor's): times it, contains a panic as
/// [`LanguageError::QueryPanicked`], counts it in `syntaxd_language_query_compiles_total` and
/// `syntaxd_language_query_compile_seconds`, and records a failure for
/// [`query_failures_seen`] (and `/readyz`'s body). Callers keep the result in a once-cell so
/// each (language, kind) compiles at most once per process.
///
/// # Errors
/// The error `compile` returned, or `QueryPanicked` when it panicked.
pub fn compile_guarded<T>(
    language: &str,
    kind: QueryKind,
    compile: impl FnOnce() -> Result<T, LanguageError>,
) -> Result<T, LanguageError> {
    let started = Instant::now();
    let result = match catch_unwind(AssertUnwindSafe(compile)) {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".to_string());
            Err(LanguageError::QueryPanicked {
                id: language.to_string(),
                kind,
                message,
            })
        }
    };
    let metrics = &*QUERY_METRICS;
    metrics
        .compile_seconds
        .with_label_values(&[kind.as_str()])
        .observe(started.elapsed().as_secs_f64());
    let outcome = if result.is_ok() { "ok" } else { "error" };
    metrics
        .compiles_total
        .with_label_values(&[kind.as_str(), outcome])
        .inc();
    if let Err(e) = &result {
        tracing::error!(language, kind = %kind, error = %e, "registry query does not compile");
        let mut seen = QUERY_FAILURES.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: at most one entry per (language, kind) pair.
        if !seen
            .iter()
            .any(|f| f.language == language && f.kind == kind)
        {
            seen.push(QueryFailure {
                language: language.to_string(),
                kind,
                error: e.to_string(),
            });
        }
    }
    result
}

/// A registry query that failed to compile when first used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryFailure {
    /// Registry id.
    pub language: String,
    /// The query kind.
    pub kind: QueryKind,
    /// What went wrong.
    pub error: String,
}

/// Every lazy compilation that has failed in this process so far, in the order seen (at most
/// one per language and kind). Queries not used yet are not compiled, so not listed: the test
/// suite compiles every registered query (see [`Registry::query_failures`]).
pub fn query_failures_seen() -> Vec<QueryFailure> {
    QUERY_FAILURES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
}

static QUERY_FAILURES: Mutex<Vec<QueryFailure>> = Mutex::new(Vec::new());

struct QueryMetrics {
    compiles_total: IntCounterVec,
    compile_seconds: HistogramVec,
}

static QUERY_METRICS: LazyLock<QueryMetrics> = LazyLock::new(|| QueryMetrics {
    compiles_total: register_metric(
        IntCounterVec::new(
            Opts::new(
                "syntaxd_language_query_compiles_total",
                "Registry queries compiled on first use, by kind and result (ok, error).",
            ),
            &["kind", "result"],
        )
        .expect("static metric definition is valid"),
    ),
    // Small queries compile in well under a millisecond; the largest highlights queries take
    // a few hundred milliseconds.
    compile_seconds: register_metric(
        HistogramVec::new(
            HistogramOpts::new(
                "syntaxd_language_query_compile_seconds",
                "Time to compile a registry query on first use, by kind.",
            )
            .buckets(vec![
                0.000_1, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["kind"],
        )
        .expect("static metric definition is valid"),
    ),
});

fn register_metric<C: prometheus::core::Collector + Clone + 'static>(c: C) -> C {
    if let Err(e) = prometheus::default_registry().register(Box::new(c.clone())) {
        tracing::debug!(error = %e, "language metric already registered");
    }
    c
}

/// The registry: every language, with lookup tables.
#[derive(Debug)]
pub struct Registry {
    languages: Vec<Language>,
    by_name: HashMap<String, usize>,
    by_extension: HashMap<String, usize>,
    by_filename: HashMap<String, usize>,
    by_shebang: HashMap<String, usize>,
}

/// The version of a package as locked in `Cargo.lock` when this binary was built, e.g.
/// `locked_package_version("tree-sitter")`; `None` for a package the lock file does not name.
pub fn locked_package_version(name: &str) -> Option<&'static str> {
    GRAMMAR_VERSIONS
        .iter()
        .find(|(package, _)| *package == name)
        .map(|(_, version)| *version)
}

/// The process-wide registry, built on first use from the embedded data.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        Registry::from_toml(LANGUAGES_TOML)
            .expect("grammars/languages.toml is embedded and checked by the registry tests")
    })
}

/// Resolves the language of an input, the one rule for the CLI and the daemon: the explicit
/// `name` (id or alias) when given, else detection from the path and content
/// ([`Registry::detect`]); the language must be compiled into this build.
///
/// # Errors
/// [`LanguageError::Unknown`] for a name no language has, [`LanguageError::Undetected`] when
/// nothing identifies the language, [`LanguageError::Unavailable`] when its grammar's feature
/// is off.
pub fn resolve_language<P: AsRef<std::path::Path> + ?Sized>(
    name: Option<&str>,
    path: Option<&P>,
    content: &[u8],
) -> Result<&'static Language, LanguageError> {
    let reg = registry();
    let lang = match name {
        Some(name) => reg.language_for_name(name)?,
        None => {
            reg.detect(path.map(|p| p.as_ref()), content)
                .ok_or(LanguageError::Undetected)?
                .language
        }
    };
    if !lang.available() {
        return Err(LanguageError::Unavailable {
            id: lang.id.clone(),
            feature: lang.grammar_crate.clone(),
        });
    }
    Ok(lang)
}

#[derive(Deserialize)]
struct InventoryFile {
    language: Vec<LanguageSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LanguageSpec {
    id: String,
    name: String,
    #[serde(rename = "crate")]
    grammar_crate: String,
    /// Read by `build.rs`, which generates the grammar table; accepted here so the registry
    /// keeps rejecting unknown keys.
    #[serde(default, rename = "grammar")]
    _grammar: Option<String>,
    /// Read by `build.rs` (see `grammar`).
    #[serde(default, rename = "crate_queries")]
    _crate_queries: BTreeMap<String, String>,
    root_kind: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    extensions: Vec<String>,
    #[serde(default)]
    filenames: Vec<String>,
    #[serde(default)]
    shebangs: Vec<String>,
    variant_of: Option<String>,
}

/// A registry data file that breaks a rule (duplicate id, alias, extension, ...).
#[derive(Debug, thiserror::Error)]
pub enum RegistryDataError {
    /// The TOML does not parse or has unknown keys.
    #[error("grammars/languages.toml: {0}")]
    Toml(#[from] toml::de::Error),
    /// Two entries claim the same name, extension, file name or shebang.
    #[error("grammars/languages.toml: {what} `{key}` is claimed by both `{first}` and `{second}`")]
    Duplicate {
        /// What is duplicated: id/alias, extension, filename, shebang.
        what: &'static str,
        /// The duplicated key.
        key: String,
        /// The first language claiming it.
        first: String,
        /// The second.
        second: String,
    },
    /// `variant_of` names an unknown id.
    #[error("grammars/languages.toml: `{id}` is a variant of unknown language `{base}`")]
    UnknownVariantBase {
        /// The entry.
        id: String,
        /// The unknown base.
        base: String,
    },
}

impl Registry {
    /// Builds a registry from registry TOML, checking that every key is claimed once.
    pub fn from_toml(text: &str) -> Result<Registry, RegistryDataError> {
        let file: InventoryFile = toml::from_str(text)?;
        let mut reg = Registry {
            languages: Vec::with_capacity(file.language.len()),
            by_name: HashMap::new(),
            by_extension: HashMap::new(),
            by_filename: HashMap::new(),
            by_shebang: HashMap::new(),
        };
        for spec in file.language {
            let idx = reg.languages.len();
            let grammar = grammars::grammar_for_id(&spec.id);
            let mut query_sources = BTreeMap::new();
            if let Some(g) = &grammar {
                for (kind, text) in g.queries {
                    query_sources.insert(*kind, (QueryOrigin::Crate, *text));
                }
                // Our own queries replace the crate's of the same kind.
                for (id, kind, text) in OWN_QUERIES {
                    if *id == spec.id
                        && let Some(kind) = QueryKind::from_name(kind)
                    {
                        query_sources.insert(kind, (QueryOrigin::Project, *text));
                    }
                }
            }
            let grammar_version = GRAMMAR_VERSIONS
                .iter()
                .find(|(name, _)| *name == spec.grammar_crate)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default();
            let lang = Language {
                id: spec.id,
                name: spec.name,
                aliases: spec.aliases,
                extensions: spec.extensions,
                filenames: spec.filenames,
                shebangs: spec.shebangs,
                grammar_crate: spec.grammar_crate,
                grammar_version,
                root_kind: spec.root_kind,
                variant_of: spec.variant_of,
                grammar: grammar.map(|g| g.language),
                query_sources,
                compiled: Default::default(),
                tags_hash: OnceLock::new(),
            };
            let names = std::iter::once(&lang.id)
                .chain(&lang.aliases)
                .map(|n| n.to_lowercase());
            for name in names {
                insert_unique(
                    &mut reg.by_name,
                    "id or alias",
                    name,
                    idx,
                    &reg.languages,
                    &lang.id,
                )?;
            }
            for ext in &lang.extensions {
                insert_unique(
                    &mut reg.by_extension,
                    "extension",
                    ext.clone(),
                    idx,
                    &reg.languages,
                    &lang.id,
                )?;
            }
            for name in &lang.filenames {
                insert_unique(
                    &mut reg.by_filename,
                    "filename",
                    name.clone(),
                    idx,
                    &reg.languages,
                    &lang.id,
                )?;
            }
            for name in &lang.shebangs {
                insert_unique(
                    &mut reg.by_shebang,
                    "shebang",
                    name.clone(),
                    idx,
                    &reg.languages,
                    &lang.id,
                )?;
            }
            reg.languages.push(lang);
        }
        for lang in &reg.languages {
            if let Some(base) = &lang.variant_of
                && !reg.by_name.contains_key(base)
            {
                return Err(RegistryDataError::UnknownVariantBase {
                    id: lang.id.clone(),
                    base: base.clone(),
                });
            }
        }
        // Display names are accepted too ("C#", "C++", "Emacs Lisp"), where they are free.
        for (idx, lang) in reg.languages.iter().enumerate() {
            reg.by_name.entry(lang.name.to_lowercase()).or_insert(idx);
        }
        Ok(reg)
    }

    /// Every registered language, in registry order.
    pub fn languages(&self) -> &[Language] {
        &self.languages
    }

    /// The number of distinct languages (entries that are not a variant of another).
    pub fn distinct_language_count(&self) -> usize {
        self.languages
            .iter()
            .filter(|l| l.variant_of.is_none())
            .count()
    }

    /// The language with this id, alias or display name (case-insensitive).
    pub fn language_for_name(&self, name: &str) -> Result<&Language, LanguageError> {
        self.by_name
            .get(&name.trim().to_lowercase())
            .map(|&i| &self.languages[i])
            .ok_or_else(|| LanguageError::Unknown {
                name: name.to_string(),
            })
    }

    /// Compiles every query of every available language now and returns those that fail
    /// (empty when all compile). Expensive (seconds with every grammar): the daemon never calls
    /// it; the test suite does.
    pub fn query_failures(&self) -> Vec<LanguageError> {
        let mut failures = Vec::new();
        for lang in self.languages.iter().filter(|l| l.available()) {
            for kind in lang.query_kinds() {
                if let Err(e) = lang.query(kind) {
                    failures.push(e);
                }
            }
        }
        failures
    }
}

fn insert_unique(
    map: &mut HashMap<String, usize>,
    what: &'static str,
    key: String,
    idx: usize,
    languages: &[Language],
    id: &str,
) -> Result<(), RegistryDataError> {
    if let Some(&other) = map.get(&key) {
        let first = languages.get(other).map(|l| l.id.as_str()).unwrap_or(id);
        if first != id {
            return Err(RegistryDataError::Duplicate {
                what,
                key,
                first: first.to_string(),
                second: id.to_string(),
            });
        }
        return Ok(());
    }
    map.insert(key, idx);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_registry_loads_with_unique_keys() {
        let reg = Registry::from_toml(LANGUAGES_TOML).expect("registry data is valid");
        assert!(reg.languages().len() >= 90, "{}", reg.languages().len());
        assert!(reg.distinct_language_count() >= 73);
    }

    #[test]
    fn duplicate_extension_is_rejected_with_both_ids() {
        let toml = r#"
[[language]]
id = "a"
name = "A"
crate = "x"
root_kind = "r"
extensions = ["q"]
[[language]]
id = "b"
name = "B"
crate = "y"
root_kind = "r"
extensions = ["q"]
"#;
        let err = Registry::from_toml(toml).unwrap_err().to_string();
        assert!(
            err.contains("`q`") && err.contains("`a`") && err.contains("`b`"),
            "{err}"
        );
    }

    #[test]
    fn unknown_key_is_rejected_by_name() {
        let toml = "[[language]]\nid = \"a\"\nname = \"A\"\ncrate = \"x\"\nroot_kind = \"r\"\nextension = [\"q\"]\n";
        let err = Registry::from_toml(toml).unwrap_err().to_string();
        assert!(err.contains("extension"), "{err}");
    }

    #[cfg(feature = "tree-sitter-python")]
    #[test]
    fn a_query_that_fails_or_panics_is_reported_and_disables_nothing_else() {
        let broken = Language {
            id: "test_broken_python".into(),
            name: "Broken".into(),
            aliases: Vec::new(),
            extensions: Vec::new(),
            filenames: Vec::new(),
            shebangs: Vec::new(),
            grammar_crate: "tree-sitter-python".into(),
            grammar_version: String::new(),
            root_kind: "module".into(),
            variant_of: None,
            grammar: Some(tree_sitter_python::LANGUAGE.into()),
            query_sources: BTreeMap::from([
                (
                    QueryKind::Highlights,
                    (QueryOrigin::Project, "(no_such_node) @x"),
                ),
                (
                    QueryKind::Tags,
                    (QueryOrigin::Project, "(identifier) @name"),
                ),
            ]),
            compiled: Default::default(),
            tags_hash: OnceLock::new(),
        };
        let err = broken.query(QueryKind::Highlights).unwrap_err();
        assert!(matches!(err, LanguageError::QueryInvalid { .. }), "{err}");
        // Remembered, not retried: the same error comes back from the once-cell.
        assert_eq!(broken.query(QueryKind::Highlights).unwrap_err(), err);
        // The same language's other kinds, and other languages, still compile.
        assert!(broken.query(QueryKind::Tags).is_ok());
        assert!(matches!(
            broken.query(QueryKind::Locals),
            Err(LanguageError::QueryMissing { .. })
        ));
        let panicked: Result<(), LanguageError> =
            compile_guarded("test_panicking", QueryKind::Locals, || panic!("boom"));
        assert!(
            matches!(&panicked, Err(LanguageError::QueryPanicked { message, .. }) if message == "boom"),
            "{panicked:?}"
        );
        let python = registry().language_for_name("python").expect("python");
        assert!(python.query(QueryKind::Tags).is_ok());
        let seen = query_failures_seen();
        let ours: Vec<_> = seen
            .iter()
            .filter(|f| f.language.starts_with("test_"))
            .map(|f| (f.language.as_str(), f.kind))
            .collect();
        assert_eq!(
            ours,
            [
                ("test_broken_python", QueryKind::Highlights),
                ("test_panicking", QueryKind::Locals)
            ]
        );
        let text = crate::telemetry::gather_text();
        assert!(
            text.contains(
                r#"syntaxd_language_query_compiles_total{kind="highlights",result="error"}"#
            ),
            "{text}"
        );
    }

    #[test]
    fn every_grammar_crate_has_a_locked_version() {
        for lang in registry().languages() {
            assert!(
                !lang.grammar_version.is_empty(),
                "{} ({})",
                lang.id,
                lang.grammar_crate
            );
        }
    }
}
