//! `syntaxd cache stats|verify|migrate|purge`: inspect and maintain the on-disk cache.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use syntaxd::maintenance;

use super::{offline_analyzer, offline_config};

/// `syntaxd cache ...`.
#[derive(Subcommand)]
pub enum CacheCommand {
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

/// The `--cache-dir` flag shared by the cache commands.
#[derive(clap::Args)]
pub struct CacheDirArg {
    /// Cache directory (default: the configured one, or the user's cache directory).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
}

/// Runs one cache command; `verify` without `--repair` exits 1 when an entry is bad.
pub fn run(cmd: CacheCommand) -> anyhow::Result<ExitCode> {
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
