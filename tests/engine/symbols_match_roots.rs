//! A full symbol extraction runs the tags query only at the nodes where a wanted match can
//! start (its match roots) instead of over the whole tree at once. These tests hold the two
//! ways to the same answer, symbol for symbol, on every language's fixtures and snippets and
//! on real corpora (the Python standard library, the system's C headers), with and without
//! references. The parse pipeline, which finds the match roots in the walk that encodes the
//! tree, stores the same list.

use std::path::{Path, PathBuf};

use std::time::Duration;

use syntaxd::language::{Language, QueryKind, registry};
use syntaxd::parse::{CancelHandle, EngineConfig, ParseEngine, ParseError};
use syntaxd::pipeline::{AnalyzeError, Analyzer};
use syntaxd::symbols::{SymbolConfig, SymbolContext, SymbolOptions};

use crate::corpus;

/// The registry's tags configuration of `lang`, if it has one.
fn config(lang: &Language) -> Option<SymbolConfig> {
    let grammar = lang.ts_language().ok()?;
    let text = lang.query_text(QueryKind::Tags).ok()?;
    Some(SymbolConfig::new(grammar.clone(), &text).expect("registry tags queries compile"))
}

/// A pipeline without a cache, as a miss or `syntaxd index` parses.
fn analyzer() -> Analyzer {
    Analyzer::new(
        ParseEngine::new(EngineConfig::default()),
        None,
        64 << 20,
        Duration::from_secs(60),
    )
}

/// Extracts `source` both ways (definitions only, then with references) and through the
/// pipeline, and returns a description of the first difference, if any.
fn difference(
    analyzer: &Analyzer,
    lang: &'static Language,
    config: &SymbolConfig,
    source: &[u8],
) -> Option<String> {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(lang.ts_language().expect("available"))
        .expect("grammar loads");
    let tree = parser.parse(source, None).expect("parses");
    for include_references in [false, true] {
        let options = SymbolOptions {
            include_references,
            ..SymbolOptions::default()
        };
        let at_roots = SymbolContext::new()
            .extract(config, tree.root_node(), source, &options)
            .expect("extracts");
        let whole = SymbolContext::whole_tree()
            .extract(config, tree.root_node(), source, &options)
            .expect("extracts");
        if !include_references {
            // What a parse stores: symbols from the roots its encoding walk found.
            let entry = match analyzer.parse_entry(lang, source.to_vec(), CancelHandle::new()) {
                Ok((entry, _, _)) => Some(entry),
                // Inputs the pipeline refuses (tree-sitter parses them anyway).
                Err(AnalyzeError::Parse(
                    ParseError::InvalidUtf8 { .. } | ParseError::Binary { .. },
                )) => None,
                Err(e) => return Some(format!("the pipeline failed: {e}")),
            };
            if let Some(entry) = entry
                && entry.symbols.as_deref() != Some(whole.to_json().as_slice())
            {
                return Some(format!(
                    "the pipeline's stored list differs from the whole-tree query's ({} symbols)",
                    whole.symbols.len()
                ));
            }
        }
        if at_roots != whole {
            let first = at_roots
                .symbols
                .iter()
                .zip(&whole.symbols)
                .position(|(a, b)| a != b)
                .unwrap_or(at_roots.symbols.len().min(whole.symbols.len()));
            return Some(format!(
                "references {include_references}: {} vs {} symbols (complete {} vs {}); first \
                 difference at {first}: {:?} vs {:?}",
                at_roots.symbols.len(),
                whole.symbols.len(),
                at_roots.complete,
                whole.complete,
                at_roots.symbols.get(first),
                whole.symbols.get(first),
            ));
        }
    }
    None
}

/// Regular files directly in `dir`.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn extraction_at_match_roots_equals_the_whole_tree_query_on_every_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let snippets = files_in(&root.join("snippets"));
    let mut failures = Vec::new();
    let mut compared = 0;
    let analyzer = analyzer();
    for lang in registry().languages().iter().filter(|l| l.available()) {
        let Some(config) = config(lang) else { continue };
        let mut inputs: Vec<PathBuf> = files_in(&root.join("symbols").join(&lang.id))
            .into_iter()
            .filter(|p| !p.to_string_lossy().ends_with(".expected.json"))
            .collect();
        inputs.extend(
            snippets
                .iter()
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .and_then(|n| n.split('.').next())
                        == Some(lang.id.as_str())
                })
                .cloned(),
        );
        for input in inputs {
            let source = std::fs::read(&input).expect("reads");
            compared += 1;
            if let Some(d) = difference(&analyzer, lang, &config, &source) {
                failures.push(format!("{}: {d}", input.display()));
            }
        }
    }
    assert!(compared > 0, "no fixture compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn extraction_at_match_roots_equals_the_whole_tree_query_on_real_code() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut compared = 0;
    let mut failures = Vec::new();
    let analyzer = analyzer();
    // Every third Python module and every fifth C header keep the test to seconds.
    for (language, every) in [("python", 3), ("c", 5)] {
        let Some(lang) = registry()
            .language_for_name(language)
            .ok()
            .filter(|l| l.available())
        else {
            continue;
        };
        let config = config(lang).expect("a tags query");
        assert!(
            config.runs_at_match_roots(),
            "{language}: the tags query's match roots are known"
        );
        corpus::assemble(tmp.path(), &[language]);
        for file in corpus::files(tmp.path(), language).iter().step_by(every) {
            let source = std::fs::read(file).expect("reads");
            compared += 1;
            if let Some(d) = difference(&analyzer, lang, &config, &source) {
                failures.push(format!("{}: {d}", file.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared > 100, "only {compared} files compared");
}
