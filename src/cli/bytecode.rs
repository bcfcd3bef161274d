//! `syntaxd bytecode verify`: encode, decode and verify (node for node) every file of a detected
//! language under the given paths.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use syntaxd::bytecode;
use syntaxd::language::{self, registry};

use super::UsageError;

/// `syntaxd bytecode ...`.
#[derive(Subcommand)]
pub enum BytecodeCommand {
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

/// Runs a bytecode command; exit 1 when any file fails.
pub fn run(cmd: &BytecodeCommand) -> anyhow::Result<ExitCode> {
    let BytecodeCommand::Verify { language, paths } = cmd;
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
