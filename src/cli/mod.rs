//! The command line: the clap definitions and one module per command. This is the binary's
//! code, not library API; each command is a thin layer over the `syntaxd` library.
//!
//! Exit codes: 0 success, 1 failure (including a command that found problems, e.g. `cache
//! verify` with bad entries), 2 usage errors the user must fix ([`EXIT_USAGE`]).

mod bench;
mod bytecode;
mod cache;
mod config;
#[allow(dead_code)] // shared with the tests (tests/corpus), which use all of it
mod corpus;
mod health;
mod index;
mod inventory;
mod languages;
mod map;
mod parse;
mod query_check;
mod search;
mod serve;
mod symbols;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use syntaxd::cache::Cache;
use syntaxd::config::{Config, Overrides};
use syntaxd::language::{self, Language};
use syntaxd::parse::{EngineConfig, ParseEngine};
use syntaxd::pipeline::Analyzer;

/// Exit code for bad usage or input the user must fix (unknown language, binary input).
const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "syntaxd",
    version,
    about = "Code-intelligence daemon and CLI built on tree-sitter"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon (HTTP API, probes, metrics) until SIGTERM/SIGINT.
    Serve(serve::ServeArgs),
    /// Probe a running daemon's /healthz (exit 0 when healthy); for container health checks.
    Health(health::HealthArgs),
    /// Validate or show the configuration.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// List every registered language.
    Languages(languages::LanguagesArgs),
    /// Parse a file (or `-` for standard input) and print its syntax tree.
    Parse(parse::ParseArgs),
    /// Syntax-tree bytecode tools.
    #[command(subcommand)]
    Bytecode(bytecode::BytecodeCommand),
    /// Parse every file of a known language under DIR into the cache (respects .gitignore).
    Index(index::IndexArgs),
    /// Inspect and maintain the on-disk cache.
    #[command(subcommand)]
    Cache(cache::CacheCommand),
    /// Measure parsing, bytecode, incremental reparsing and memory on a corpus.
    Bench(bench::BenchArgs),
    /// Regenerate (or check) LANGUAGE_INVENTORY.md and NOTICES from the registry.
    Inventory(inventory::InventoryArgs),
    /// List the symbols of files (directories with -R) as a ctags/etags/JSON/LSP tags file.
    Symbols(symbols::SymbolsArgs),
    /// Index DIR as a workspace (through the cache, no daemon) and search its symbols.
    Search(search::SearchArgs),
    /// Index DIR as a workspace (through the cache, no daemon) and print its repo map: the
    /// most important definitions within a token budget.
    Map(map::MapArgs),
    /// Compile the query text on standard input (the daemon's crash-isolated compile check).
    #[command(hide = true)]
    QueryCheck(query_check::QueryCheckArgs),
}

/// A failure that is the user's to fix: reported without a backtrace, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

/// Parses the command line, runs the command and maps its outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Health(args) => health::run(&args),
        Command::Config(cmd) => config::run(cmd),
        Command::Languages(args) => languages::run(&args),
        Command::Parse(args) => parse::run(&args),
        Command::Inventory(args) => inventory::run(&args),
        Command::Symbols(args) => symbols::run(args),
        Command::Search(args) => search::run(args),
        Command::Map(args) => map::run(args),
        Command::Bytecode(cmd) => bytecode::run(&cmd),
        Command::Index(args) => index::run(args),
        Command::Cache(cmd) => cache::run(cmd),
        Command::Bench(args) => bench::run(&args),
        Command::QueryCheck(args) => query_check::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("syntaxd: error: {err:#}");
            if err.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Reads a CLI input file, or standard input for `-`.
fn read_input(file: &Path) -> anyhow::Result<Vec<u8>> {
    if file == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("cannot read standard input")?;
        return Ok(buf);
    }
    std::fs::read(file)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", file.display())).into())
}

/// Resolves the language of a CLI input ([`language::resolve_language`]): explicit name, or
/// detection from the path and content. Every failure is the user's to fix.
fn resolve_language(
    explicit: Option<&str>,
    file: &Path,
    content: &[u8],
) -> anyhow::Result<&'static Language> {
    let path = (file != Path::new("-")).then_some(file);
    language::resolve_language(explicit, path, content).map_err(|e| match e {
        language::LanguageError::Undetected => UsageError(format!(
            "cannot detect the language of {}: pass --language (see `syntaxd languages`)",
            file.display()
        ))
        .into(),
        other => UsageError(other.to_string()).into(),
    })
}

/// The effective configuration for offline commands (environment and `--cache-dir` apply).
fn offline_config(cache_dir: Option<PathBuf>) -> anyhow::Result<Config> {
    let overrides = Overrides {
        cache_dir,
        ..Overrides::default()
    };
    let file = std::env::var_os("SYNTAXD_CONFIG").map(PathBuf::from);
    Ok(Config::load(file.as_deref(), std::env::vars(), &overrides)?)
}

/// A cache-backed analyzer for offline commands, and what opening its store found.
fn offline_analyzer(
    config: &Config,
) -> anyhow::Result<(Arc<Analyzer>, syntaxd::cache::OpenReport)> {
    let (cache, report) = Cache::open(config.cache_config(), prometheus::default_registry())?;
    if let (Some(aside), Some(reason)) = (&report.moved_aside, &report.reason) {
        eprintln!(
            "syntaxd: warning: the cache store was unreadable ({reason}); moved it to {} and started empty",
            aside.display()
        );
    }
    let engine = ParseEngine::new(EngineConfig::default());
    let analyzer = Arc::new(Analyzer::new(
        engine,
        Some(Arc::new(cache)),
        config.parse.max_source_bytes as usize,
        Duration::from_millis(config.parse.timeout_ms),
    ));
    Ok((analyzer, report))
}
