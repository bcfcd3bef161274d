//! Configuration: embedded defaults < TOML file < `SYNTAXD_*` environment < CLI flags, merged
//! into one validated [`Config`] before any port is bound. Unknown keys and invalid values are
//! errors that name the key and where it came from. Every key is documented in
//! `docs/configuration.md`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::limits;

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// HTTP server.
    pub server: ServerConfig,
    /// Parsing budgets and the parser pool.
    pub parse: ParseConfig,
    /// Query budgets.
    pub query: QueryConfig,
    /// The tiered cache.
    pub cache: CacheSection,
    /// Live documents.
    pub documents: DocumentsConfig,
    /// Workspaces: symbol indexes of directory trees (`docs/workspaces.md`).
    pub workspace: WorkspaceConfig,
    /// Logging.
    pub log: LogConfig,
}

/// `[server]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub listen: String,
    /// Bearer token required on `/v1` routes; empty disables authentication.
    pub auth_token: String,
    /// File holding the bearer token (a container secret); read once at load, trailing
    /// whitespace trimmed. Exclusive with `auth_token`.
    pub auth_token_file: String,
    /// Allow serving `/v1` without a token on a non-loopback address (off: refuse to start).
    pub allow_unauthenticated: bool,
    /// Largest request body accepted.
    pub max_body_bytes: u64,
    /// Largest response body rendered (JSON trees); past it, 413 `response_too_large`.
    pub max_response_bytes: u64,
    /// Requests served at once; more get 503 with `Retry-After`.
    pub max_concurrent_requests: u64,
    /// Threads of the blocking pool (parsing, rendering, disk); 0 means
    /// `max_concurrent_requests` + 16.
    pub max_blocking_threads: u64,
    /// Deadline of one request, parse or query included.
    pub request_timeout_ms: u64,
    /// Connections open at once; one more is answered 503 `too_many_connections` and closed.
    pub max_connections: u64,
    /// Time a client has to send its request headers.
    pub header_read_timeout_ms: u64,
    /// Time a client has to send a `/v1` request's whole body, read before the request is
    /// admitted (it holds no permit meanwhile); over it, 408 `body_timeout`.
    pub body_read_timeout_ms: u64,
    /// Time in-flight requests get to finish after SIGTERM.
    pub shutdown_grace_ms: u64,
}

/// `[parse]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ParseConfig {
    /// Largest source parsed.
    pub max_source_bytes: u64,
    /// Deadline of one parse.
    pub timeout_ms: u64,
    /// Parsers in the pool (parses at once); 0 means the number of cores.
    pub max_parsers: u64,
    /// How long a parse waits for a free parser before a "busy" error.
    pub pool_wait_ms: u64,
    /// How long past its deadline a parse may run before the watchdog gives up on it
    /// (quarantines its input and replaces its parser slot).
    pub watchdog_margin_ms: u64,
    /// Most parse threads abandoned at once; past it `/healthz` fails (restart the process).
    pub max_abandoned_threads: u64,
}

/// `[query]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueryConfig {
    /// Largest query text accepted.
    pub max_query_bytes: u64,
    /// Deadline of one query.
    pub timeout_ms: u64,
    /// Most captures returned (a request's `limit` may lower it).
    pub max_captures: u64,
    /// tree-sitter's limit on in-progress matches.
    pub match_limit: u64,
    /// Total text of all captures of one answer at most; past it the answer is cut
    /// (`complete: false`, `text_limit_reached`).
    pub max_captured_text_bytes: u64,
    /// Most top-level patterns in a query (counted before compiling).
    pub max_patterns: u64,
    /// Most predicates in a query (counted before compiling).
    pub max_predicates: u64,
    /// Longest regex of a `#match?` predicate.
    pub max_regex_bytes: u64,
    /// A compile slower than this is refused (422), and the same text at once next time.
    pub compile_timeout_ms: u64,
    /// Memory of the compiled-query cache (queries compiled for `/v1/query`).
    pub compiled_cache_bytes: u64,
    /// Memory of the query result cache (answers of repeated queries on the same tree).
    pub result_cache_bytes: u64,
    /// Memory of the live trees kept for queries on posted content (estimated at ~80 bytes per
    /// source byte), so a second query on the same content does not parse again.
    pub tree_cache_bytes: u64,
    /// The program that compiles each new query text in a child process first
    /// (`PROGRAM query-check`), so a text that crashes tree-sitter's query compiler costs the
    /// child, not the daemon. Empty: the running `syntaxd` binary (under `syntaxd serve`);
    /// `none`: compile in the daemon's process only.
    pub compile_check_program: String,
}

/// `[cache]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheSection {
    /// Cache directory; empty means the user's cache directory (`~/.cache/syntaxd`).
    pub dir: String,
    /// Hot tier memory; 0 derives it from the machine's memory.
    pub hot_budget_bytes: u64,
    /// Warm tier memory; 0 derives it from the machine's memory.
    pub warm_budget_bytes: u64,
    /// Cold tier disk; 0 derives it from the free disk space.
    pub cold_budget_bytes: u64,
    /// zstd level of the cold tier (1-19).
    pub zstd_level: i32,
    /// redb's page cache for the cold store, in bytes.
    pub cold_page_cache_bytes: u64,
    /// Keys whose recency the cold tier remembers for eviction (about 32 bytes each).
    pub cold_recency_max_entries: u64,
    /// Cold writes queued behind request answers at most (past it a write is dropped).
    pub write_queue_entries: u64,
}

/// `[documents]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DocumentsConfig {
    /// Open documents at most; over it the least recently used is closed.
    pub max_documents: u64,
    /// Total weight of open documents at most: text + estimated tree (80 bytes per text byte)
    /// + line index.
    pub max_total_bytes: u64,
    /// How long a request waits for a document another request holds; then 503 `busy`.
    pub lock_wait_ms: u64,
    /// Edits one `PATCH` may carry at most; more is refused with 413 `too_many_edits`.
    pub max_edits_per_patch: u64,
    /// Total replacement text of one `PATCH`'s edits at most; more is refused with 413
    /// `edit_text_too_large`.
    pub max_edit_bytes_per_patch: u64,
}

/// `[workspace]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkspaceConfig {
    /// Directories under which `POST /v1/workspaces` may open a root (compared after
    /// canonicalisation). Empty (the default): the API opens no workspace.
    pub allowed_roots: Vec<String>,
    /// Workspaces open at once; one more is refused with 409 `too_many_workspaces`.
    pub max_workspaces: u64,
    /// Files indexed per workspace at most (after ignore rules); the rest are counted as skipped.
    pub max_files: u64,
    /// Results of one symbol search at most (a request's `limit` may lower it).
    pub max_results: u64,
    /// Also index references (`@reference.*` captures). Cached entries keep definitions only,
    /// so with references every file is parsed once when it is indexed (cached or not).
    pub index_references: bool,
    /// Also store each file the index parses in the parse cache, as `syntaxd index` does, so
    /// that later requests for the same content are hits. Off by default: the workspace itself
    /// never reads those entries (its index is kept in its snapshot), and encoding, compressing
    /// and writing every file's tree costs about a tenth of the initial index.
    pub fill_cache: bool,
    /// Largest token budget of one repo map (`GET /v1/workspaces/{id}/map?tokens=`); more is
    /// refused with 400 `invalid_map`.
    pub max_map_tokens: u64,
    /// Watch each workspace for changes (a file watcher with a debouncer) and re-index changed,
    /// added, renamed and deleted files. `false`: the index is the initial walk's.
    pub watch: bool,
    /// Debounce window of the watcher: changes to one path within it are taken as one.
    pub watch_debounce_ms: u64,
    /// File events queued between the watcher and the indexing thread at most; past it the
    /// events are dropped and the workspace is rescanned instead.
    pub watch_queue_events: u64,
}

/// `[log]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `pretty` or `json`.
    pub format: String,
    /// Level filter (`info`, `debug`, `syntaxd=debug,tower_http=info`); `RUST_LOG` overrides.
    pub level: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:7878".to_string(),
            auth_token: String::new(),
            auth_token_file: String::new(),
            allow_unauthenticated: false,
            max_body_bytes: 24 << 20,
            max_response_bytes: 32 << 20,
            max_concurrent_requests: 64,
            max_blocking_threads: 0,
            request_timeout_ms: 30_000,
            max_connections: 1_024,
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 10_000,
            shutdown_grace_ms: 10_000,
        }
    }
}

impl Default for ParseConfig {
    fn default() -> Self {
        ParseConfig {
            max_source_bytes: limits::PARSE_MAX_SOURCE_BYTES,
            timeout_ms: limits::millis(limits::PARSE_TIMEOUT),
            max_parsers: 0,
            pool_wait_ms: limits::millis(limits::PARSE_POOL_WAIT),
            watchdog_margin_ms: limits::millis(limits::PARSE_WATCHDOG_MARGIN),
            max_abandoned_threads: limits::PARSE_MAX_ABANDONED_THREADS,
        }
    }
}

impl QueryConfig {
    /// The compile check for new query texts: `compile_check_program`, none when it is empty
    /// or `none` (`syntaxd serve` fills an empty one with its own binary).
    pub fn compile_check(&self) -> Option<crate::query::CompileCheck> {
        match self.compile_check_program.as_str() {
            "" | "none" => None,
            program => Some(crate::query::CompileCheck::new(program)),
        }
    }
}

impl Default for QueryConfig {
    fn default() -> Self {
        QueryConfig {
            max_query_bytes: limits::QUERY_MAX_BYTES,
            timeout_ms: limits::millis(limits::QUERY_TIMEOUT),
            max_captures: limits::QUERY_MAX_CAPTURES,
            match_limit: u64::from(limits::QUERY_MATCH_LIMIT),
            max_captured_text_bytes: limits::QUERY_MAX_TOTAL_TEXT_BYTES,
            max_patterns: limits::QUERY_MAX_PATTERNS,
            max_predicates: limits::QUERY_MAX_PREDICATES,
            max_regex_bytes: limits::QUERY_MAX_REGEX_BYTES,
            compile_timeout_ms: limits::millis(limits::QUERY_COMPILE_TIMEOUT),
            compiled_cache_bytes: 8 << 20,
            result_cache_bytes: 16 << 20,
            tree_cache_bytes: 64 << 20,
            compile_check_program: String::new(),
        }
    }
}

impl Default for CacheSection {
    fn default() -> Self {
        CacheSection {
            dir: String::new(),
            hot_budget_bytes: 0,
            warm_budget_bytes: 0,
            cold_budget_bytes: 0,
            zstd_level: 3,
            cold_page_cache_bytes: 32 << 20,
            cold_recency_max_entries: 1 << 18,
            write_queue_entries: 1024,
        }
    }
}

impl Default for DocumentsConfig {
    fn default() -> Self {
        DocumentsConfig {
            max_documents: 1_000,
            max_total_bytes: 1 << 30,
            lock_wait_ms: 2_000,
            max_edits_per_patch: 1_000,
            max_edit_bytes_per_patch: 8 << 20,
        }
    }
}

impl Default for WorkspaceConfig {
    fn default() -> Self {
        WorkspaceConfig {
            allowed_roots: Vec::new(),
            max_workspaces: 8,
            max_files: 200_000,
            max_results: 1_000,
            index_references: true,
            fill_cache: false,
            max_map_tokens: 65_536,
            watch: true,
            watch_debounce_ms: 100,
            watch_queue_events: 10_000,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: "pretty".to_string(),
            level: "info".to_string(),
        }
    }
}

/// A configuration error, naming the key and its source.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys or wrong types.
    #[error("config file {path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// toml's message (names the key and position).
        message: String,
    },
    /// An environment variable names no key or has a value of the wrong type.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable.
        var: String,
        /// What is wrong.
        message: String,
    },
    /// `server.auth_token_file` cannot be read or holds no token.
    #[error("cannot read the token of `server.auth_token_file` ({path}): {message}")]
    TokenFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A value that parses but is not allowed.
    #[error("invalid value for `{key}` ({origin}): {message}")]
    Invalid {
        /// Dotted key, e.g. `server.listen`.
        key: String,
        /// Where the effective value came from: default, file, env or flag.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

/// Values given on the command line; `None` leaves the lower layers' value.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--listen`
    pub listen: Option<String>,
    /// `--cache-dir`
    pub cache_dir: Option<PathBuf>,
    /// `--log-format`
    pub log_format: Option<String>,
}

impl Config {
    /// Loads defaults < `file` < environment (`SYNTAXD_<SECTION>_<KEY>`) < `overrides`, then
    /// validates. `env` is passed in (normally `std::env::vars()`) so tests stay hermetic.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        let mut value =
            toml::Value::try_from(Config::default()).expect("the default config serialises");
        let mut origin = "default";
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            let file_value: toml::Value = toml::from_str(&text).map_err(|e| ConfigError::File {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
            // Deserialise the file alone first, so unknown keys are reported against the file.
            Config::deserialize(file_value.clone()).map_err(|e| ConfigError::File {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
            merge(&mut value, file_value);
            origin = "file";
        }
        for (var, raw) in env {
            let Some(rest) = var.strip_prefix("SYNTAXD_") else {
                continue;
            };
            if rest == "CONFIG" {
                continue;
            }
            apply_env(&mut value, &var, rest, &raw)?;
            origin = "env";
        }
        let mut config: Config = Config::deserialize(value).map_err(|e| ConfigError::Invalid {
            key: "?".to_string(),
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        if let Some(listen) = &overrides.listen {
            config.server.listen = listen.clone();
        }
        if let Some(dir) = &overrides.cache_dir {
            config.cache.dir = dir.display().to_string();
        }
        if let Some(format) = &overrides.log_format {
            config.log.format = format.clone();
        }
        config.validate()?;
        config.read_token_file()?;
        Ok(config)
    }

    /// Checks values that parse but make no sense.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            key: key.to_string(),
            origin: "effective configuration".to_string(),
            message,
        };
        self.listen_addr().map_err(|e| {
            invalid(
                "server.listen",
                format!("`{}` is not ADDR:PORT ({e})", self.server.listen),
            )
        })?;
        if let Ok(addr) = self.listen_addr()
            && !addr.ip().is_loopback()
            && self.server.auth_token.is_empty()
            && self.server.auth_token_file.is_empty()
            && !self.server.allow_unauthenticated
        {
            return Err(invalid(
                "server.listen",
                format!(
                    "`{}` is not a loopback address and no token is set: set \
                     `server.auth_token` or `server.auth_token_file` \
                     (SYNTAXD_SERVER_AUTH_TOKEN, SYNTAXD_SERVER_AUTH_TOKEN_FILE), or \
                     `server.allow_unauthenticated = true` to serve /v1 to anyone who can \
                     reach the port",
                    self.server.listen
                ),
            ));
        }
        for (key, v) in [
            ("server.max_body_bytes", self.server.max_body_bytes),
            ("server.max_response_bytes", self.server.max_response_bytes),
            (
                "server.max_concurrent_requests",
                self.server.max_concurrent_requests,
            ),
            ("server.request_timeout_ms", self.server.request_timeout_ms),
            ("server.max_connections", self.server.max_connections),
            (
                "server.header_read_timeout_ms",
                self.server.header_read_timeout_ms,
            ),
            (
                "server.body_read_timeout_ms",
                self.server.body_read_timeout_ms,
            ),
            ("parse.max_source_bytes", self.parse.max_source_bytes),
            ("parse.timeout_ms", self.parse.timeout_ms),
            ("parse.watchdog_margin_ms", self.parse.watchdog_margin_ms),
            ("query.max_query_bytes", self.query.max_query_bytes),
            ("query.timeout_ms", self.query.timeout_ms),
            ("query.max_captures", self.query.max_captures),
            ("query.match_limit", self.query.match_limit),
            (
                "query.max_captured_text_bytes",
                self.query.max_captured_text_bytes,
            ),
            ("query.max_patterns", self.query.max_patterns),
            ("query.compile_timeout_ms", self.query.compile_timeout_ms),
            (
                "query.compiled_cache_bytes",
                self.query.compiled_cache_bytes,
            ),
            ("query.result_cache_bytes", self.query.result_cache_bytes),
            ("query.tree_cache_bytes", self.query.tree_cache_bytes),
            ("documents.max_documents", self.documents.max_documents),
            ("documents.max_total_bytes", self.documents.max_total_bytes),
            (
                "cache.cold_page_cache_bytes",
                self.cache.cold_page_cache_bytes,
            ),
            (
                "cache.cold_recency_max_entries",
                self.cache.cold_recency_max_entries,
            ),
            ("cache.write_queue_entries", self.cache.write_queue_entries),
            (
                "documents.max_edits_per_patch",
                self.documents.max_edits_per_patch,
            ),
            (
                "documents.max_edit_bytes_per_patch",
                self.documents.max_edit_bytes_per_patch,
            ),
            ("workspace.max_workspaces", self.workspace.max_workspaces),
            ("workspace.max_files", self.workspace.max_files),
            ("workspace.max_results", self.workspace.max_results),
            (
                "workspace.watch_debounce_ms",
                self.workspace.watch_debounce_ms,
            ),
            (
                "workspace.watch_queue_events",
                self.workspace.watch_queue_events,
            ),
        ] {
            if v == 0 {
                return Err(invalid(key, "must be greater than 0".to_string()));
            }
        }
        if self.parse.max_source_bytes > u32::MAX as u64 {
            return Err(invalid(
                "parse.max_source_bytes",
                "must be below 4 GiB".to_string(),
            ));
        }
        for root in &self.workspace.allowed_roots {
            if !Path::new(root).is_absolute() {
                return Err(invalid(
                    "workspace.allowed_roots",
                    format!("`{root}` is not an absolute path"),
                ));
            }
        }
        if !(1..=19).contains(&self.cache.zstd_level) {
            return Err(invalid(
                "cache.zstd_level",
                format!("{} is not in 1..=19", self.cache.zstd_level),
            ));
        }
        if !matches!(self.log.format.as_str(), "pretty" | "json") {
            return Err(invalid(
                "log.format",
                format!("`{}` is not `pretty` or `json`", self.log.format),
            ));
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(invalid(
                "log.level",
                format!("`{}` is not a level filter", self.log.level),
            ));
        }
        Ok(())
    }

    /// Reads `server.auth_token_file` into `server.auth_token` (trailing whitespace trimmed).
    ///
    /// # Errors
    /// The file cannot be read, is not UTF-8, or holds only whitespace.
    pub fn read_token_file(&mut self) -> Result<(), ConfigError> {
        if self.server.auth_token_file.is_empty() {
            return Ok(());
        }
        if !self.server.auth_token.is_empty() {
            return Err(ConfigError::Invalid {
                key: "server.auth_token_file".to_string(),
                origin: "effective configuration".to_string(),
                message: "set either `server.auth_token` or `server.auth_token_file`, not both"
                    .to_string(),
            });
        }
        let path = PathBuf::from(&self.server.auth_token_file);
        let bytes = std::fs::read(&path).map_err(|e| ConfigError::TokenFile {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| ConfigError::TokenFile {
            path: path.clone(),
            message: "not UTF-8".to_string(),
        })?;
        let token = text.trim();
        if token.is_empty() {
            return Err(ConfigError::TokenFile {
                path,
                message: "the file is empty".to_string(),
            });
        }
        self.server.auth_token = token.to_string();
        Ok(())
    }

    /// Threads of the tokio blocking pool: `server.max_blocking_threads`, or when 0 one per
    /// admitted request plus 16 for the cache flush, document closes and file I/O.
    pub fn blocking_threads(&self) -> usize {
        let n = match self.server.max_blocking_threads {
            0 => self.server.max_concurrent_requests.saturating_add(16),
            n => n,
        };
        usize::try_from(n).unwrap_or(usize::MAX).clamp(1, 4096)
    }

    /// The socket address to bind.
    pub fn listen_addr(&self) -> Result<SocketAddr, std::net::AddrParseError> {
        self.server.listen.parse()
    }

    /// The cache directory: configured, or the user's cache directory.
    pub fn cache_dir(&self) -> PathBuf {
        if self.cache.dir.is_empty() {
            crate::cache::CacheConfig::default_dir()
        } else {
            PathBuf::from(&self.cache.dir)
        }
    }

    /// The cache configuration, with budgets of 0 derived from the machine.
    pub fn cache_config(&self) -> crate::cache::CacheConfig {
        let mut c = crate::cache::CacheConfig::with_defaults(self.cache_dir());
        if self.cache.hot_budget_bytes > 0 {
            c.hot_budget_bytes = self.cache.hot_budget_bytes;
        }
        if self.cache.warm_budget_bytes > 0 {
            c.warm_budget_bytes = self.cache.warm_budget_bytes;
        }
        if self.cache.cold_budget_bytes > 0 {
            c.cold_budget_bytes = self.cache.cold_budget_bytes;
        }
        c.zstd_level = self.cache.zstd_level;
        c.cold_page_cache_bytes = self.cache.cold_page_cache_bytes;
        c.cold_recency_max_entries = self.cache.cold_recency_max_entries;
        c.write_queue_entries = self.cache.write_queue_entries;
        c
    }

    /// The effective configuration as TOML (`syntaxd config show`); the token is masked.
    pub fn to_toml(&self) -> String {
        let mut shown = self.clone();
        if !shown.server.auth_token_file.is_empty() {
            // Read from the file: show where it comes from, not a second source.
            shown.server.auth_token.clear();
        } else if !shown.server.auth_token.is_empty() {
            shown.server.auth_token = "********".to_string();
        }
        toml::to_string_pretty(&shown).unwrap_or_default()
    }
}

/// Overlays `top` onto `base`, table by table.
fn merge(base: &mut toml::Value, top: toml::Value) {
    match (base, top) {
        (toml::Value::Table(b), toml::Value::Table(t)) => {
            for (k, v) in t {
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, t) => *b = t,
    }
}

/// Applies `SYNTAXD_<SECTION>_<KEY>=raw`, typed like the key's default value.
fn apply_env(value: &mut toml::Value, var: &str, rest: &str, raw: &str) -> Result<(), ConfigError> {
    let lower = rest.to_ascii_lowercase();
    let table = value.as_table_mut().expect("the config is a table");
    for (section, body) in table.iter_mut() {
        let Some(key) = lower.strip_prefix(&format!("{section}_")) else {
            continue;
        };
        let Some(slot) = body.as_table_mut().and_then(|t| t.get_mut(key)) else {
            continue;
        };
        let parsed = match slot {
            toml::Value::String(_) => toml::Value::String(raw.to_string()),
            toml::Value::Integer(_) => raw
                .trim()
                .parse::<i64>()
                .map(toml::Value::Integer)
                .map_err(|_| ConfigError::Env {
                    var: var.to_string(),
                    message: format!("`{raw}` is not a whole number (for `{section}.{key}`)"),
                })?,
            // A list of paths, separated like `PATH` (`:` on Unix, `;` on Windows).
            toml::Value::Array(_) => toml::Value::Array(
                std::env::split_paths(raw)
                    .filter(|p| !p.as_os_str().is_empty())
                    .map(|p| toml::Value::String(p.display().to_string()))
                    .collect(),
            ),
            toml::Value::Boolean(_) => raw
                .trim()
                .parse::<bool>()
                .map(toml::Value::Boolean)
                .map_err(|_| ConfigError::Env {
                    var: var.to_string(),
                    message: format!("`{raw}` is not true or false (for `{section}.{key}`)"),
                })?,
            _ => {
                return Err(ConfigError::Env {
                    var: var.to_string(),
                    message: format!("`{section}.{key}` cannot be set from the environment"),
                });
            }
        };
        *slot = parsed;
        return Ok(());
    }
    Err(ConfigError::Env {
        var: var.to_string(),
        message: "names no configuration key (see docs/configuration.md)".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_valid_and_local() {
        let c = Config::load(None, env(&[]), &Overrides::default()).expect("defaults load");
        assert_eq!(c.server.listen, "127.0.0.1:7878");
        assert!(c.listen_addr().expect("parses").ip().is_loopback());
    }

    #[test]
    fn precedence_is_default_file_env_flag() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:1111\"\nmax_body_bytes = 100\n[log]\nformat = \"json\"\n")
            .expect("write");
        let c = Config::load(Some(&file), env(&[]), &Overrides::default()).expect("loads");
        assert_eq!(
            (c.server.listen.as_str(), c.server.max_body_bytes),
            ("127.0.0.1:1111", 100)
        );
        let c = Config::load(
            Some(&file),
            env(&[("SYNTAXD_SERVER_LISTEN", "127.0.0.1:2222")]),
            &Overrides::default(),
        )
        .expect("loads");
        assert_eq!(c.server.listen, "127.0.0.1:2222");
        assert_eq!(c.log.format, "json");
        let flags = Overrides {
            listen: Some("127.0.0.1:3333".into()),
            ..Overrides::default()
        };
        let c = Config::load(
            Some(&file),
            env(&[("SYNTAXD_SERVER_LISTEN", "127.0.0.1:2222")]),
            &flags,
        )
        .expect("loads");
        assert_eq!(c.server.listen, "127.0.0.1:3333");
    }

    #[test]
    fn unknown_file_key_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[server]\nlisten_port = 80\n").expect("write");
        let err = Config::load(Some(&file), env(&[]), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("listen_port") && err.contains("c.toml"),
            "{err}"
        );
    }

    #[test]
    fn bad_env_var_and_bad_values_are_named() {
        let err = Config::load(
            None,
            env(&[("SYNTAXD_SERVER_LISTN", "x")]),
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("SYNTAXD_SERVER_LISTN"), "{err}");
        let err = Config::load(
            None,
            env(&[("SYNTAXD_PARSE_TIMEOUT_MS", "soon")]),
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("SYNTAXD_PARSE_TIMEOUT_MS") && err.contains("parse.timeout_ms"),
            "{err}"
        );
        let flags = Overrides {
            listen: Some("not-an-address".into()),
            ..Overrides::default()
        };
        let err = Config::load(None, env(&[]), &flags)
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.listen"), "{err}");
        let err = Config::load(
            None,
            env(&[("SYNTAXD_QUERY_TIMEOUT_MS", "0")]),
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("query.timeout_ms"), "{err}");
    }

    #[test]
    fn workspace_roots_come_from_the_file_or_a_path_list_and_must_be_absolute() {
        let c = Config::load(None, env(&[]), &Overrides::default()).expect("defaults load");
        assert!(
            c.workspace.allowed_roots.is_empty(),
            "no root is allowed by default"
        );
        let c = Config::load(
            None,
            env(&[("SYNTAXD_WORKSPACE_ALLOWED_ROOTS", "/srv/a:/srv/b")]),
            &Overrides::default(),
        )
        .expect("loads");
        assert_eq!(c.workspace.allowed_roots, ["/srv/a", "/srv/b"]);
        let err = Config::load(
            None,
            env(&[("SYNTAXD_WORKSPACE_ALLOWED_ROOTS", "relative/dir")]),
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("workspace.allowed_roots"), "{err}");
        let err = Config::load(
            None,
            env(&[("SYNTAXD_WORKSPACE_MAX_WORKSPACES", "0")]),
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("workspace.max_workspaces"), "{err}");
    }
}
