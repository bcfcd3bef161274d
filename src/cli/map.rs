//! `syntaxd map DIR --tokens N`: indexes DIR as a workspace (through the cache, no daemon, the
//! same code as `POST /v1/workspaces`) and prints its repo map: files ranked by PageRank over
//! the reference graph, each with its top definitions, within a token budget.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use syntaxd::server::handlers::workspaces::{DEFAULT_MAP_TOKENS, MAX_FOCUS_PATHS};
use syntaxd::workspace::{WorkspaceSettings, index_once};

use super::{UsageError, offline_analyzer, offline_config};

/// Arguments of `syntaxd map`.
#[derive(clap::Args)]
pub struct MapArgs {
    /// The directory (walked respecting .gitignore and .ignore; symlinks are not followed).
    dir: PathBuf,
    /// Token budget (estimated as bytes / 4; at most `workspace.max_map_tokens`).
    #[arg(long, default_value_t = DEFAULT_MAP_TOKENS)]
    tokens: usize,
    /// Paths relative to DIR (comma-separated) the ranking is personalised towards.
    #[arg(long)]
    focus: Option<String>,
    /// Print one JSON object `{root, generation, budget, tokens, files, text}`.
    #[arg(long)]
    json: bool,
    /// Cache directory (default: the configured one, or the user's cache directory).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Index threads (default: `parse.max_parsers`, or the number of cores).
    #[arg(long)]
    threads: Option<usize>,
}

/// Prints the map (text, or JSON with `--json`). Exit 0 with at least one file, 1 when the
/// map is empty, 2 on a bad directory or budget.
pub fn run(args: MapArgs) -> anyhow::Result<ExitCode> {
    let dir = std::fs::canonicalize(&args.dir)
        .map_err(|e| UsageError(format!("{}: {e}", args.dir.display())))?;
    let config = offline_config(args.cache_dir)?;
    let (analyzer, _opened) = offline_analyzer(&config)?;
    let mut settings = WorkspaceSettings::from_config(&config);
    if let Some(threads) = args.threads {
        settings.threads = threads.max(1);
    }
    if args.tokens == 0 || args.tokens > settings.max_map_tokens {
        return Err(UsageError(format!(
            "--tokens must be 1 to {} (workspace.max_map_tokens)",
            settings.max_map_tokens
        ))
        .into());
    }
    let focus = syntaxd::workspace::map::focus_paths(args.focus.as_deref());
    if focus.len() > MAX_FOCUS_PATHS {
        return Err(UsageError(format!("--focus takes at most {MAX_FOCUS_PATHS} paths")).into());
    }
    let ws = index_once(&dir, &analyzer, settings).map_err(|e| UsageError(e.to_string()))?;
    let (map, generation) = ws.map(&focus, args.tokens, config.parse.max_source_bytes);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let answer = serde_json::json!({
            "root": ws.root().display().to_string(),
            "generation": generation,
            "budget": args.tokens,
            "tokens": map.tokens,
            "files": map.files,
            "text": map.text,
        });
        serde_json::to_writer(&mut out, &answer)?;
        writeln!(out)?;
    } else {
        out.write_all(map.text.as_bytes())?;
    }
    out.flush().context("writing the map")?;
    Ok(if map.files.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
