//! Develops tags queries without rebuilding: prints the definitions of files using the tags
//! queries found on disk under `--queries DIR/<id>/tags.scm` (falling back to the embedded
//! ones), one JSON object per line in the shape of `ctags --output-format=json`.
//!
//! ```text
//! cargo build --example tags
//! target/debug/examples/tags --queries grammars/queries [--language ID] [--refs] PATH...
//! ```
//!
//! Directories are walked like `syntaxd index` (respecting `.gitignore`); each file's language
//! is detected from its path and content unless `--language` is given. Files of languages
//! without a tags query are skipped. `scripts/ctags-agreement --syntaxd-cmd` can run it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser as _;
use syntaxd::language::{QueryKind, registry};
use syntaxd::symbols::{SymbolConfig, SymbolOptions, SymbolRole, extract_symbols};

/// Command-line arguments.
#[derive(clap::Parser)]
#[command(
    name = "tags",
    about = "Print definitions with tags queries read from disk"
)]
struct Cli {
    /// Directory holding `<id>/tags.scm` files (default: only the embedded queries).
    #[arg(long)]
    queries: Option<PathBuf>,
    /// Language id or alias for every file (default: detect per file).
    #[arg(long, short)]
    language: Option<String>,
    /// Also print references.
    #[arg(long)]
    refs: bool,
    /// Files and directories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

/// The tags query text for `id`: from disk when present (with `; inherits:` resolved the same
/// way as the registry does), else the embedded one.
fn query_text(id: &str, dir: Option<&Path>, depth: usize) -> Result<String, String> {
    let lang = registry()
        .language_for_name(id)
        .map_err(|e| e.to_string())?;
    let on_disk = dir
        .map(|d| d.join(&lang.id).join("tags.scm"))
        .filter(|p| p.is_file());
    let Some(path) = on_disk else {
        return lang.query_text(QueryKind::Tags).map_err(|e| e.to_string());
    };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = String::new();
    for line in text.lines().take_while(|l| l.starts_with(';')) {
        let Some(rest) = line
            .trim_start_matches(';')
            .trim()
            .strip_prefix("inherits:")
        else {
            continue;
        };
        for base in rest.split(',').map(str::trim).filter(|b| !b.is_empty()) {
            if depth > 4 {
                return Err(format!("{id}: inherits too deep"));
            }
            match query_text(base, dir, depth + 1) {
                Ok(t) => {
                    out.push_str(&t);
                    out.push('\n');
                }
                Err(e) if e.contains("has no tags query") => {}
                Err(e) => return Err(e),
            }
        }
    }
    out.push_str(&text);
    Ok(out)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let forced = match cli
        .language
        .as_deref()
        .map(|n| registry().language_for_name(n))
    {
        Some(Ok(l)) => Some(l),
        Some(Err(e)) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
        None => None,
    };
    let mut files = Vec::new();
    for p in &cli.paths {
        if p.is_dir() {
            files.extend(syntaxd::index::walk_files(p));
        } else {
            files.push(p.clone());
        }
    }
    let mut configs: HashMap<String, Option<Arc<SymbolConfig>>> = HashMap::new();
    let options = SymbolOptions {
        include_references: cli.refs,
        ..SymbolOptions::default()
    };
    let mut failed = false;
    for file in files {
        let Ok(source) = std::fs::read(&file) else {
            continue;
        };
        let language = match forced {
            Some(l) => l,
            None => match registry().detect(Some(&file), &source) {
                Some(d) => d.language,
                None => continue,
            },
        };
        let Ok(grammar) = language.ts_language() else {
            continue;
        };
        let config = configs
            .entry(language.id.clone())
            .or_insert_with(|| {
                let text = query_text(&language.id, cli.queries.as_deref(), 0).ok()?;
                match SymbolConfig::new(grammar.clone(), &text) {
                    Ok(c) => Some(Arc::new(c)),
                    Err(e) => {
                        eprintln!("{}: {e}", language.id);
                        failed = true;
                        None
                    }
                }
            })
            .clone();
        let Some(config) = config else { continue };
        let mut parser = tree_sitter::Parser::new();
        if parser.set_language(grammar).is_err() {
            continue;
        }
        let Some(tree) = parser.parse(&source, None) else {
            continue;
        };
        let result = match extract_symbols(&config, tree.root_node(), &source, &options) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                continue;
            }
        };
        for s in &result.symbols {
            let line = serde_json::json!({
                "_type": "tag",
                "name": s.name,
                "path": file.display().to_string(),
                "language": language.id,
                "line": s.name_range.start.row + 1,
                "kind": s.kind,
                "role": if s.role == SymbolRole::Definition { "definition" } else { "reference" },
                "scope": s.parent.and_then(|p| result.symbols.get(p)).map(|p| p.name.clone()),
            });
            println!("{line}");
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
