//! Symbol fixtures: for every language with a tags query, files we wrote under
//! `tests/data/symbols/<language id>/<name>.<ext>` and their hand-reviewed definitions in
//! `<name>.expected.json` (name, kind, line). The comparison uses the embedded registry
//! queries, exactly as `/v1/symbols` and `syntaxd symbols` do.
//!
//! Regenerate the expected files after changing a query, then review the diff by hand:
//!
//! ```text
//! SYNTAXD_BLESS=1 cargo test --test engine symbols_fixtures::
//! git diff tests/data/symbols
//! ```

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use syntaxd::language::{Language, QueryKind, registry};
use syntaxd::symbols::{SymbolConfig, SymbolOptions, SymbolRole, extract_symbols};

/// The fewest languages that must answer symbols (issue 11: at least 60).
const MIN_LANGUAGES_WITH_SYMBOLS: usize = 60;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/symbols")
}

/// One definition as the fixtures record it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Def {
    line: usize,
    kind: String,
    name: String,
}

impl Def {
    fn render(&self) -> String {
        format!(
            "{{\"line\": {}, \"kind\": {}, \"name\": {}}}",
            self.line,
            serde_json::Value::String(self.kind.clone()),
            serde_json::Value::String(self.name.clone())
        )
    }
}

/// The input files of a language's fixture directory (everything but `*.expected.json`).
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .filter(|p| {
                    !p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with(".expected.json"))
                })
                .collect()
        })
        .unwrap_or_default();
    // `snippet.expected.json` describes the language's shared snippet,
    // `tests/data/snippets/<id>.<ext>` (the same file the language tests parse).
    if dir.join("snippet.expected.json").is_file() {
        let id = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        files.extend(
            std::fs::read_dir(snippets_dir())
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| stem_of(p) == id),
        );
    }
    files.sort();
    files
}

fn snippets_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/snippets")
}

/// The file name up to its first dot: `basic.test.py` → `basic`.
fn stem_of(path: &Path) -> &str {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.split('.').next().unwrap_or(name)
}

/// `dir/basic.py` → `dir/basic.expected.json`; a shared snippet
/// `tests/data/snippets/<id>.<ext>` → `tests/data/symbols/<id>/snippet.expected.json`.
fn expected_path(input: &Path) -> PathBuf {
    if input.parent() == Some(snippets_dir().as_path()) {
        return fixtures_dir()
            .join(stem_of(input))
            .join("snippet.expected.json");
    }
    input.with_file_name(format!("{}.expected.json", stem_of(input)))
}

/// The definitions syntaxd finds in `input`, in output order.
fn definitions(lang: &Language, input: &Path) -> Result<Vec<Def>, String> {
    let source = std::fs::read(input).map_err(|e| format!("{}: {e}", input.display()))?;
    let grammar = lang.ts_language().map_err(|e| e.to_string())?;
    let text = lang
        .query_text(QueryKind::Tags)
        .map_err(|e| e.to_string())?;
    let config = SymbolConfig::new(grammar.clone(), &text).map_err(|e| e.to_string())?;
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(grammar).map_err(|e| e.to_string())?;
    let tree = parser
        .parse(&source, None)
        .ok_or_else(|| "no tree".to_owned())?;
    let result = extract_symbols(
        &config,
        tree.root_node(),
        &source,
        &SymbolOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    if !result.complete {
        return Err(format!("incomplete: {:?}", result.incomplete_reason));
    }
    Ok(result
        .symbols
        .iter()
        .filter(|s| s.role == SymbolRole::Definition)
        .map(|s| Def {
            line: s.name_range.start.row + 1,
            kind: s.kind.clone(),
            name: s.name.clone(),
        })
        .collect())
}

fn render(defs: &[Def]) -> String {
    let mut out = String::from("[\n");
    for (i, d) in defs.iter().enumerate() {
        let comma = if i + 1 < defs.len() { "," } else { "" };
        writeln!(out, "  {}{comma}", d.render()).ok();
    }
    out.push_str("]\n");
    out
}

fn parse_expected(text: &str) -> Result<Vec<Def>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let rows = value.as_array().ok_or("expected a JSON array")?;
    rows.iter()
        .map(|row| {
            let field = |k: &str| {
                row.get(k)
                    .ok_or_else(|| format!("row without `{k}`: {row}"))
            };
            Ok(Def {
                line: field("line")?
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| format!("bad line in {row}"))?,
                kind: field("kind")?
                    .as_str()
                    .ok_or_else(|| format!("bad kind in {row}"))?
                    .to_owned(),
                name: field("name")?
                    .as_str()
                    .ok_or_else(|| format!("bad name in {row}"))?
                    .to_owned(),
            })
        })
        .collect()
}

/// A readable difference: what is expected but missing, and what is found but not expected.
fn diff(expected: &[Def], actual: &[Def]) -> String {
    let exp: BTreeSet<&Def> = expected.iter().collect();
    let act: BTreeSet<&Def> = actual.iter().collect();
    let mut out = String::new();
    for d in exp.difference(&act) {
        writeln!(out, "    - missing {}", d.render()).ok();
    }
    for d in act.difference(&exp) {
        writeln!(out, "    + extra   {}", d.render()).ok();
    }
    if out.is_empty() && expected != actual {
        out.push_str("    (same definitions, different order)\n");
    }
    out
}

/// Every fixture's definitions equal its hand-reviewed expected file (name, kind, line).
/// `SYNTAXD_BLESS=1` rewrites the expected files instead.
#[test]
fn fixtures_match_their_expected_symbols() {
    let bless = std::env::var_os("SYNTAXD_BLESS").is_some();
    let mut failures = String::new();
    let mut compared = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/data/symbols exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let id = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let lang = match registry().language_for_name(&id) {
            Ok(l) => l,
            Err(e) => {
                writeln!(failures, "{id}: {e}").ok();
                continue;
            }
        };
        // A build without this grammar (e.g. `--features core-langs`) cannot check it.
        if !lang.available() {
            continue;
        }
        for input in inputs(&dir) {
            let shown = input.strip_prefix(fixtures_dir()).unwrap_or(&input);
            let actual = match definitions(lang, &input) {
                Ok(defs) => defs,
                Err(e) => {
                    writeln!(failures, "{}: {e}", shown.display()).ok();
                    continue;
                }
            };
            let expected_file = expected_path(&input);
            if bless {
                std::fs::write(&expected_file, render(&actual)).expect("fixture dir is writable");
                continue;
            }
            let expected = match std::fs::read_to_string(&expected_file)
                .map_err(|e| e.to_string())
                .and_then(|t| parse_expected(&t))
            {
                Ok(e) => e,
                Err(e) => {
                    writeln!(failures, "{}: {e}", expected_file.display()).ok();
                    continue;
                }
            };
            compared += 1;
            if expected != actual {
                writeln!(
                    failures,
                    "{} differs from {}:\n{}",
                    shown.display(),
                    expected_file
                        .file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or_default(),
                    diff(&expected, &actual)
                )
                .ok();
            }
        }
    }
    assert!(
        failures.is_empty(),
        "symbol fixtures differ (regenerate with SYNTAXD_BLESS=1 and review):\n{failures}"
    );
    assert!(bless || compared > 0, "no fixture was compared");
}

/// Every available language that lists a tags query answers symbols: its query is accepted
/// by the extractor, it has a fixture, and every fixture yields at least one definition.
/// With all grammars compiled in, at least 60 languages do.
#[test]
fn every_language_listed_with_tags_answers_symbols() {
    let mut failures = Vec::new();
    let mut answering = Vec::new();
    for lang in registry().languages().iter().filter(|l| l.available()) {
        if !lang.query_kinds().contains(&QueryKind::Tags) {
            continue;
        }
        let files = inputs(&fixtures_dir().join(&lang.id));
        if files.is_empty() {
            failures.push(format!(
                "{}: lists a tags query but has no fixture in tests/data/symbols/{}",
                lang.id, lang.id
            ));
            continue;
        }
        let mut ok = true;
        for input in files {
            match definitions(lang, &input) {
                Ok(defs) if !defs.is_empty() => {}
                Ok(_) => {
                    ok = false;
                    failures.push(format!("{}: no definitions", input.display()));
                }
                Err(e) => {
                    ok = false;
                    failures.push(format!("{}: {e}", input.display()));
                }
            }
        }
        if ok {
            answering.push(lang.id.clone());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let all_compiled_in = registry().languages().iter().all(Language::available);
    if all_compiled_in {
        assert!(
            answering.len() >= MIN_LANGUAGES_WITH_SYMBOLS,
            "only {} languages answer symbols: {answering:?}",
            answering.len()
        );
    }
}

/// One case: language id, source, and the (name, line) definitions it must yield.
#[cfg(all(
    feature = "tree-sitter-c-sharp",
    feature = "tree-sitter-elixir",
    feature = "tree-sitter-typescript"
))]
type Case = (&'static str, &'static str, &'static [(&'static str, usize)]);

/// The three languages issue 11 found broken answer with the definitions a reader expects.
#[cfg(all(
    feature = "tree-sitter-c-sharp",
    feature = "tree-sitter-elixir",
    feature = "tree-sitter-typescript"
))]
#[test]
fn c_sharp_elixir_and_typescript_answer() {
    let cases: &[Case] = &[
        (
            "c_sharp",
            "namespace App { class Greeter { public void Greet() {} } }\n",
            &[("App", 1), ("Greeter", 1), ("Greet", 1)],
        ),
        (
            "elixir",
            "defmodule Mix.Tasks.Hello do\n  def run(args) do\n    IO.puts(args)\n  end\nend\n",
            &[("Mix.Tasks.Hello", 1), ("run", 2)],
        ),
        (
            "typescript",
            "interface Shape { area(): number }\nclass Square implements Shape {\n  area() { return 1 }\n}\nfunction main() {}\n",
            &[
                ("Shape", 1),
                ("area", 1),
                ("Square", 2),
                ("area", 3),
                ("main", 5),
            ],
        ),
    ];
    let dir = std::env::temp_dir().join(format!("syntaxd-symbols-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir is writable");
    for (id, source, expected) in cases {
        let lang = registry().language_for_name(id).expect("registered");
        let input = dir.join(format!("{id}.src"));
        std::fs::write(&input, source).expect("temp dir is writable");
        let defs = definitions(lang, &input).unwrap_or_else(|e| panic!("{id}: {e}"));
        let got: Vec<(&str, usize)> = defs.iter().map(|d| (d.name.as_str(), d.line)).collect();
        assert_eq!(&got, expected, "{id}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
