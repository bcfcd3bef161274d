//! `syntaxd index`: parse every file of a known language under a directory into the cache.

use std::path::PathBuf;
use std::process::ExitCode;

use syntaxd::index::{IndexOptions, index_tree};

use super::{UsageError, offline_analyzer, offline_config};

/// Arguments of `syntaxd index`.
#[derive(clap::Args)]
pub struct IndexArgs {
    /// The directory to walk.
    dir: PathBuf,
    /// Cache directory (default: the configured one, or the user's cache directory).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Parse threads (default: the number of cores).
    #[arg(long)]
    threads: Option<usize>,
}

/// Indexes the tree and prints the JSON summary; exit 1 when any file failed.
pub fn run(args: IndexArgs) -> anyhow::Result<ExitCode> {
    let mut config = offline_config(args.cache_dir)?;
    config.cache.cold_page_cache_bytes = config
        .cache
        .cold_page_cache_bytes
        .min(syntaxd::index::PAGE_CACHE_BYTES);
    let (analyzer, opened) = offline_analyzer(&config)?;
    let options = IndexOptions {
        root: args.dir,
        threads: args.threads.unwrap_or_else(syntaxd::parse::cores),
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
