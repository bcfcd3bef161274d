//! `syntaxd search DIR QUERY`: indexes DIR as a workspace, through the cache and without a
//! daemon (the same code as `POST /v1/workspaces`), and prints the best matches of QUERY.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use syntaxd::server::handlers::workspaces::{DEFAULT_LIMIT, symbol_hit};
use syntaxd::workspace::search::{RoleFilter, SymbolQuery, search};
use syntaxd::workspace::{WorkspaceSettings, index_once};

use super::{UsageError, offline_analyzer, offline_config};

/// Arguments of `syntaxd search`.
#[derive(clap::Args)]
pub struct SearchArgs {
    /// The directory (walked respecting .gitignore and .ignore; symlinks are not followed).
    dir: PathBuf,
    /// The text matched against symbol names: exact, prefix or fuzzy.
    query: String,
    /// Only these kinds (comma-separated, e.g. `class,function`).
    #[arg(long)]
    kind: Option<String>,
    /// Definitions only.
    #[arg(long)]
    definitions: bool,
    /// Results at most (at most `workspace.max_results`).
    #[arg(long, default_value_t = DEFAULT_LIMIT)]
    limit: usize,
    /// Print one JSON object: `{root, generation, files, results: [...]}` as the API answers.
    #[arg(long)]
    json: bool,
    /// Cache directory (default: the configured one, or the user's cache directory).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Index threads (default: `parse.max_parsers`, or the number of cores).
    #[arg(long)]
    threads: Option<usize>,
}

/// Prints the matches, best first: `path:line:column kind name [in container]` (1-based line
/// and column), or JSON with `--json`. Exit 0 with matches, 1 without, 2 on a bad directory.
pub fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    if args.query.is_empty() {
        return Err(UsageError("the query is empty".to_owned()).into());
    }
    let dir = std::fs::canonicalize(&args.dir)
        .map_err(|e| UsageError(format!("{}: {e}", args.dir.display())))?;
    let config = offline_config(args.cache_dir)?;
    let (analyzer, _opened) = offline_analyzer(&config)?;
    let mut settings = WorkspaceSettings::from_config(&config);
    if let Some(threads) = args.threads {
        settings.threads = threads.max(1);
    }
    let limit = args.limit.min(settings.max_results);
    let ws = index_once(&dir, &analyzer, settings).map_err(|e| UsageError(e.to_string()))?;
    let query = SymbolQuery {
        text: &args.query,
        kinds: args
            .kind
            .as_deref()
            .map(|k| {
                k.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        role: if args.definitions {
            RoleFilter::Definitions
        } else {
            RoleFilter::Any
        },
        limit,
    };
    let (index, generation) = ws.read();
    let hits = search(&index, &query);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let results: Vec<_> = hits.iter().map(symbol_hit).collect();
        let answer = serde_json::json!({
            "root": ws.root().display().to_string(),
            "generation": generation,
            "files": index.file_count(),
            "results": results,
        });
        serde_json::to_writer(&mut out, &answer)?;
        writeln!(out)?;
    } else {
        for hit in &hits {
            let at = hit.symbol.range.start();
            write!(
                out,
                "{}:{}:{} {} {}",
                hit.file.path,
                at.row + 1,
                at.column + 1,
                hit.symbol.kind,
                hit.symbol.name
            )?;
            if let Some(container) = hit.file.container(hit.symbol) {
                write!(out, " in {container}")?;
            }
            writeln!(out)?;
        }
    }
    out.flush().context("writing the results")?;
    Ok(if hits.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
