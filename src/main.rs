//! The `syntaxd` binary: command-line parsing (clap) and exit codes. Each command is a thin
//! layer over the library; see `syntaxd --help`.

mod cli_symbols;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};

use std::sync::Arc;
use std::time::Duration;

use syntaxd::bytecode;
use syntaxd::cache::Cache;
use syntaxd::config::{Config, Overrides};
use syntaxd::index::{IndexOptions, index_tree};
use syntaxd::language::{self, Language, registry};
use syntaxd::maintenance;
use syntaxd::output;
use syntaxd::parse::{EngineConfig, ParseEngine};
use syntaxd::pipeline::Analyzer;
use syntaxd::server::LanguageRow;

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
    Serve(syntaxd::server::cli::ServeArgs),
    /// Probe a running daemon's /healthz (exit 0 when healthy); for container health checks.
    Health(syntaxd::server::cli::HealthArgs),
    /// Validate or show the configuration.
    #[command(subcommand)]
    Config(syntaxd::server::cli::ConfigCommand),
    /// List every registered language.
    Languages {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Parse a file (or `-` for standard input) and print its syntax tree.
    Parse {
        /// Language id or alias; detected from the path and content when omitted.
        #[arg(long, short)]
        language: Option<String>,
        /// Output format: `sexp` is exactly tree-sitter's `Node::to_sexp()`.
        #[arg(long, value_enum, default_value_t = TreeFormat::Sexp)]
        format: TreeFormat,
        /// The file to parse, or `-` for standard input.
        file: PathBuf,
    },
    /// Syntax-tree bytecode tools.
    #[command(subcommand)]
    Bytecode(BytecodeCommand),
    /// Parse every file of a known language under DIR into the cache (respects .gitignore).
    Index {
        /// The directory to walk.
        dir: PathBuf,
        /// Cache directory (default: the configured one, or the user's cache directory).
        #[arg(long)]
        cache_dir: Option<PathBuf>,
        /// Parse threads (default: the number of cores).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// List the symbols of files (directories with -R) as a ctags/etags/JSON/LSP tags file.
    Symbols(cli_symbols::SymbolsArgs),
    /// Inspect and maintain the on-disk cache.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Measure parsing, bytecode, incremental reparsing and memory on a corpus.
    Bench(syntaxd::bench::BenchArgs),
    /// Regenerate (or check) LANGUAGE_INVENTORY.md and NOTICES from the registry.
    Inventory {
        /// Write the files into this directory (default: print the inventory to stdout).
        #[arg(long)]
        write: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BytecodeCommand {
    /// Encode, decode and verify (node for node) every file of a detected language under PATHs.
    Verify {
        /// Language id or alias for every file (default: detect per file; undetected files are skipped).
        #[arg(long, short)]
        language: Option<String>,
        /// Files and directories (directories are walked, respecting .gitignore).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum CacheCommand {
    /// Entries and bytes per tier, and cold entries per language (JSON).
    Stats(CacheDirArg),
    /// Check every cold entry: envelope, checksum, decode, and a round-trip against a fresh parse.
    Verify {
        #[command(flatten)]
        dir: CacheDirArg,
        /// Remove the entries that fail.
        #[arg(long)]
        repair: bool,
    },
    /// Rewrite entries of older formats or grammar versions into the current ones.
    Migrate(CacheDirArg),
    /// Delete every entry.
    Purge(CacheDirArg),
}

#[derive(clap::Args)]
struct CacheDirArg {
    /// Cache directory (default: the configured one, or the user's cache directory).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum TreeFormat {
    Sexp,
    Json,
}

/// A failure that is the user's to fix: reported without a backtrace, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => syntaxd::server::cli::run_serve(args),
        Command::Health(args) => syntaxd::server::cli::run_health(args),
        Command::Config(cmd) => syntaxd::server::cli::run_config(cmd),
        Command::Languages { format } => cmd_languages(format),
        Command::Parse {
            language,
            format,
            file,
        } => cmd_parse(language.as_deref(), format, &file),
        Command::Inventory { write } => cmd_inventory(write.as_deref()),
        Command::Bytecode(BytecodeCommand::Verify { language, paths }) => {
            cmd_bytecode_verify(language.as_deref(), &paths)
        }
        Command::Index {
            dir,
            cache_dir,
            threads,
        } => cmd_index(&dir, cache_dir, threads),
        Command::Cache(cmd) => cmd_cache(cmd),
        Command::Symbols(args) => cli_symbols::run(args),
        Command::Bench(args) => cmd_bench(&args),
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

fn cmd_languages(format: ListFormat) -> anyhow::Result<ExitCode> {
    let reg = registry();
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let rows: Vec<LanguageRow> = reg.languages().iter().map(LanguageRow::of).collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        ListFormat::Markdown => {
            writeln!(
                out,
                "| id | name | extensions | grammar | queries | available |"
            )?;
            writeln!(out, "|---|---|---|---|---|---|")?;
            for l in reg.languages() {
                let queries: Vec<&str> = l.query_kinds().iter().map(|k| k.as_str()).collect();
                writeln!(
                    out,
                    "| `{}` | {} | {} | {} {} | {} | {} |",
                    l.id,
                    l.name.replace('|', "\\|"),
                    l.extensions.join(", "),
                    l.grammar_crate,
                    l.grammar_version,
                    queries.join(", "),
                    if l.available() { "yes" } else { "no" }
                )?;
            }
        }
        ListFormat::Table => {
            writeln!(
                out,
                "{:<18} {:<30} {:<10} {:<32} QUERIES",
                "ID", "NAME", "AVAILABLE", "GRAMMAR"
            )?;
            for l in reg.languages() {
                let queries: Vec<&str> = l.query_kinds().iter().map(|k| k.as_str()).collect();
                writeln!(
                    out,
                    "{:<18} {:<30} {:<10} {:<32} {}",
                    l.id,
                    l.name,
                    if l.available() { "yes" } else { "no" },
                    format!("{} {}", l.grammar_crate, l.grammar_version),
                    queries.join(",")
                )?;
            }
            let available = reg.languages().iter().filter(|l| l.available()).count();
            writeln!(
                out,
                "{} grammars ({} distinct languages), {} available in this build",
                reg.languages().len(),
                reg.distinct_language_count(),
                available
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

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

/// Resolves the language of a CLI input: explicit name, or detection from path and content.
fn resolve_language(
    explicit: Option<&str>,
    file: &Path,
    content: &[u8],
) -> anyhow::Result<&'static Language> {
    let reg = registry();
    let lang = match explicit {
        Some(name) => reg
            .language_for_name(name)
            .map_err(|e| UsageError(e.to_string()))?,
        None => {
            let path = (file != Path::new("-")).then_some(file);
            match reg.detect(path, content) {
                Some(d) => d.language,
                None => bail!(UsageError(format!(
                    "cannot detect the language of {}: pass --language (see `syntaxd languages`)",
                    file.display()
                ))),
            }
        }
    };
    if !lang.available() {
        bail!(UsageError(
            language::LanguageError::Unavailable {
                id: lang.id.clone(),
                feature: lang.grammar_crate.clone(),
            }
            .to_string()
        ));
    }
    Ok(lang)
}

fn cmd_parse(language: Option<&str>, format: TreeFormat, file: &Path) -> anyhow::Result<ExitCode> {
    let content = read_input(file)?;
    if language::looks_binary(&content) {
        bail!(UsageError(format!(
            "{} looks binary (it contains a NUL byte): refusing to parse",
            file.display()
        )));
    }
    let lang = resolve_language(language, file, &content)?;
    let grammar = lang.ts_language()?;
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(grammar).with_context(|| {
        format!(
            "grammar of `{}` is incompatible with this tree-sitter",
            lang.id
        )
    })?;
    let tree = parser
        .parse(&content, None)
        .with_context(|| format!("tree-sitter returned no tree for {}", file.display()))?;
    let mut out = std::io::stdout().lock();
    match format {
        TreeFormat::Sexp => writeln!(out, "{}", tree.root_node().to_sexp())?,
        TreeFormat::Json => writeln!(out, "{}", output::tree_json(&tree))?,
    }
    let problems = output::syntax_problems(&tree, 1000);
    if let Some(first) = problems.first() {
        eprintln!(
            "syntaxd: warning: {}: the {} tree contains {}{} ERROR/MISSING node(s); first: {} `{}` at {}:{}",
            file.display(),
            lang.id,
            problems.len(),
            if problems.len() >= 1000 { "+" } else { "" },
            first.kind,
            first.node_kind,
            first.start.row + 1,
            first.start.column + 1
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_inventory(write: Option<&Path>) -> anyhow::Result<ExitCode> {
    let reg = registry();
    // A development command: run it from the repository root.
    let manifest_dir = Path::new(".");
    let licenses = language::inventory::crate_licenses(manifest_dir, reg)?;
    let inventory = language::inventory::inventory_markdown(reg, &licenses);
    match write {
        Some(dir) => {
            std::fs::write(dir.join("LANGUAGE_INVENTORY.md"), &inventory)?;
            std::fs::write(dir.join("NOTICES"), language::inventory::notices(&licenses))?;
            eprintln!(
                "wrote LANGUAGE_INVENTORY.md and NOTICES to {}",
                dir.display()
            );
        }
        None => print!("{inventory}"),
    }
    Ok(ExitCode::SUCCESS)
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

fn cmd_index(
    dir: &Path,
    cache_dir: Option<PathBuf>,
    threads: Option<usize>,
) -> anyhow::Result<ExitCode> {
    let config = offline_config(cache_dir)?;
    let (analyzer, opened) = offline_analyzer(&config)?;
    let options = IndexOptions {
        root: dir.to_path_buf(),
        threads: threads.unwrap_or_else(syntaxd::parse::cores),
        progress: true,
        batch_entries: syntaxd::index::BATCH_ENTRIES,
    };
    let mut summary = index_tree(&analyzer, &options).map_err(|e| UsageError(e.to_string()))?;
    // A store found damaged when this run opened it was moved aside before the run began:
    // everything it held is parsed again, and the summary says why.
    summary.store_damaged += u64::from(opened.moved_aside.is_some());
    println!("{}", serde_json::to_string(&summary)?);
    Ok(if summary.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn cmd_cache(cmd: CacheCommand) -> anyhow::Result<ExitCode> {
    let dir = match &cmd {
        CacheCommand::Stats(d) | CacheCommand::Migrate(d) | CacheCommand::Purge(d) => {
            d.cache_dir.clone()
        }
        CacheCommand::Verify { dir, .. } => dir.cache_dir.clone(),
    };
    let config = offline_config(dir)?;
    let (analyzer, opened) = offline_analyzer(&config)?;
    let cache = analyzer
        .cache()
        .context("offline analyzers always have a cache")?;
    let mut out = std::io::stdout().lock();
    match cmd {
        CacheCommand::Stats(_) => {
            serde_json::to_writer_pretty(&mut out, &maintenance::stats(cache))?;
            writeln!(out)?;
        }
        CacheCommand::Verify { repair, .. } => {
            let mut report = maintenance::verify(cache, repair);
            if let Some(aside) = &opened.moved_aside {
                // Damaged beyond opening: moved aside before any check could run.
                report.integrity.ok = false;
                report.integrity.detail = opened.reason.clone();
                report.integrity.moved_aside = Some(aside.display().to_string());
            }
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
            // Damage is a failure even when repaired: what it held is gone.
            if !report.integrity.ok || (!report.bad.is_empty() && !repair) {
                return Ok(ExitCode::FAILURE);
            }
        }
        CacheCommand::Migrate(_) => {
            serde_json::to_writer_pretty(&mut out, &maintenance::migrate(cache, &analyzer))?;
            writeln!(out)?;
        }
        CacheCommand::Purge(_) => {
            let removed = cache.cold().purge()?;
            writeln!(out, "{{\"removed\":{removed}}}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_bytecode_verify(language: Option<&str>, paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let reg = registry();
    let forced = match language {
        Some(name) => Some(
            reg.language_for_name(name)
                .map_err(|e| UsageError(e.to_string()))?,
        ),
        None => None,
    };
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(syntaxd::index::walk_files(path));
        } else {
            files.push(path.clone());
        }
    }
    let (mut verified, mut failed, mut skipped) = (0u64, 0u64, 0u64);
    let mut parser = tree_sitter::Parser::new();
    for file in &files {
        let Ok(source) = std::fs::read(file) else {
            eprintln!("{}: unreadable", file.display());
            failed += 1;
            continue;
        };
        let lang = match forced {
            Some(l) => Some(l),
            None if language::looks_binary(&source) => None,
            None => reg.detect(Some(file), &source).map(|d| d.language),
        };
        let Some(lang) = lang.filter(|l| l.available()) else {
            skipped += 1;
            continue;
        };
        let grammar = lang.ts_language()?;
        parser.set_language(grammar)?;
        let Some(tree) = parser.parse(&source, None) else {
            eprintln!("{}: no tree", file.display());
            failed += 1;
            continue;
        };
        let meta = bytecode::EncodeMeta {
            language_id: &lang.id,
            grammar_version: &lang.grammar_version,
        };
        let bytes = bytecode::encode(&tree, &source, &meta);
        let sexp_ok = bytecode::decode(&bytes)
            .map(|d| d.to_sexp(grammar) == tree.root_node().to_sexp())
            .map_err(|e| e.to_string());
        match (bytecode::verify(&tree, &source, &bytes), sexp_ok) {
            (Ok(_), Ok(true)) => verified += 1,
            (Err(e), _) => {
                eprintln!("{}: {e}", file.display());
                failed += 1;
            }
            (Ok(_), Ok(false)) => {
                eprintln!(
                    "{}: decoded S-expression differs from tree-sitter's",
                    file.display()
                );
                failed += 1;
            }
            (Ok(_), Err(e)) => {
                eprintln!("{}: decode failed: {e}", file.display());
                failed += 1;
            }
        }
    }
    println!("verified={verified} failed={failed} skipped={skipped}");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn cmd_bench(args: &syntaxd::bench::BenchArgs) -> anyhow::Result<ExitCode> {
    let report = syntaxd::bench::run_bench(args)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", syntaxd::bench::render(&report))?;
    }
    Ok(ExitCode::SUCCESS)
}
