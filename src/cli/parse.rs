//! `syntaxd parse`: parse one file (or standard input) and print its syntax tree.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::ValueEnum;

use syntaxd::language;
use syntaxd::output;

use super::{UsageError, read_input, resolve_language};

/// Arguments of `syntaxd parse`.
#[derive(clap::Args)]
pub struct ParseArgs {
    /// Language id or alias; detected from the path and content when omitted.
    #[arg(long, short)]
    language: Option<String>,
    /// Output format: `sexp` is exactly tree-sitter's `Node::to_sexp()`.
    #[arg(long, value_enum, default_value_t = TreeFormat::Sexp)]
    format: TreeFormat,
    /// The file to parse, or `-` for standard input.
    file: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum TreeFormat {
    Sexp,
    Json,
}

/// Parses the file and prints the tree; ERROR/MISSING nodes are reported on stderr.
pub fn run(args: &ParseArgs) -> anyhow::Result<ExitCode> {
    let file = args.file.as_path();
    let content = read_input(file)?;
    if language::looks_binary(&content) {
        bail!(UsageError(format!(
            "{} looks binary (it contains a NUL byte): refusing to parse",
            file.display()
        )));
    }
    let lang = resolve_language(args.language.as_deref(), file, &content)?;
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
    match args.format {
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
