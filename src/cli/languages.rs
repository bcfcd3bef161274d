//! `syntaxd languages`: every registered language as a table, JSON or Markdown.

use std::io::Write;
use std::process::ExitCode;

use clap::ValueEnum;

use syntaxd::language::registry;
use syntaxd::server::LanguageRow;

/// Arguments of `syntaxd languages`.
#[derive(clap::Args)]
pub struct LanguagesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Table,
    Json,
    Markdown,
}

/// Prints the registry.
pub fn run(args: &LanguagesArgs) -> anyhow::Result<ExitCode> {
    let reg = registry();
    let mut out = std::io::stdout().lock();
    match args.format {
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
