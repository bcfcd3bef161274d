//! `syntaxd symbols`: the definitions of files and directory trees as a ctags, etags, JSON or
//! LSP tags file, through the cache (the walk and rendering live in `syntaxd::tags`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use syntaxd::symbols::tags_file::TagsSelection;
use syntaxd::tags::{TagsError, TagsFormat, TagsOptions, write_tags};

use super::{UsageError, offline_analyzer, offline_config};

/// Arguments of `syntaxd symbols`.
#[derive(clap::Args)]
pub struct SymbolsArgs {
    /// Files and directories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Walk directories recursively (respecting .gitignore).
    #[arg(short = 'R', long)]
    recursive: bool,
    /// Output format: `ctags` (sorted Vim tags file), `etags` (Emacs TAGS), `json` (ctags JSON
    /// lines), `lsp` (one DocumentSymbol JSON line per file).
    #[arg(long, value_enum, default_value_t = TagsFormat::Ctags)]
    format: TagsFormat,
    /// Write here instead of standard output (`-` for standard output).
    #[arg(short = 'o', long)]
    output: Option<PathBuf>,
    /// Also list declarations (C prototypes, signatures), kind `prototype`.
    #[arg(long)]
    declarations: bool,
    /// Cache directory (default: the configured one, or the user's cache directory).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Parse threads (default: the number of cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Print the run's figures (files, cache hits, parsed, symbols, seconds) as JSON on stderr.
    #[arg(long)]
    stats: bool,
}

/// Writes the tags of the given files and directories; exit 2 on a usage error (a directory
/// without `-R`, a missing path), 1 when any file failed.
pub fn run(args: SymbolsArgs) -> anyhow::Result<ExitCode> {
    let config = offline_config(args.cache_dir)?;
    // A damaged store was moved aside (and reported) when it was opened: its files are parsed again.
    let (analyzer, _opened) = offline_analyzer(&config)?;
    let options = TagsOptions {
        paths: args.paths,
        recursive: args.recursive,
        threads: args.threads.unwrap_or_else(syntaxd::parse::cores),
        format: args.format,
        selection: TagsSelection {
            declarations: args.declarations,
        },
    };
    let mut out: Box<dyn Write> = match args.output.as_deref() {
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
        Some(p) if p == Path::new("-") => {
            Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
        }
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
    };
    let summary = match write_tags(&analyzer, &options, &mut out) {
        Ok(s) => s,
        Err(e @ (TagsError::Directory { .. } | TagsError::Missing { .. })) => {
            return Err(UsageError(e.to_string()).into());
        }
        Err(e) => return Err(e.into()),
    };
    drop(out);
    if args.stats {
        eprintln!("{}", serde_json::to_string(&summary)?);
    }
    Ok(if summary.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
