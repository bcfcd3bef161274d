//! `syntaxd query-check --language ID` (hidden): compiles the query text on standard input
//! and exits. The daemon runs it as a child before compiling a new query text itself
//! (`syntaxd::query::CompileCheck`): if tree-sitter's query compiler aborts on the text, this
//! process dies instead of the daemon. Exit 0 when the text compiles, 1 when it does not (an
//! ordinary error, which the daemon reports itself), 2 for an unknown language.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::UsageError;

/// Arguments of `syntaxd query-check`.
#[derive(Args, Debug)]
pub struct QueryCheckArgs {
    /// Language id of the query.
    #[arg(long)]
    language: String,
}

/// Runs `syntaxd query-check`.
pub fn run(args: &QueryCheckArgs) -> anyhow::Result<ExitCode> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read the query text from standard input")?;
    #[cfg(feature = "test-hooks")]
    if text.contains("syntaxd-test-hook:abort-compile") {
        // Stands in for tree-sitter failing an assertion on the text.
        std::process::abort();
    }
    let registry = syntaxd::language::registry();
    let language = registry
        .language_for_name(&args.language)
        .map_err(|e| UsageError(e.to_string()))?;
    let grammar = language
        .ts_language()
        .map_err(|e| UsageError(e.to_string()))?;
    Ok(match tree_sitter::Query::new(grammar, &text) {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    })
}
