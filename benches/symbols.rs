//! Symbols of one ~1 000-line file, uncached: parse + extract, and the pipeline's whole miss
//! path (parse, bytecode, symbols, no store). Prints one JSON object with percentiles.
//!
//! `cargo bench --bench symbols` (a synthetic Python file), or with
//! `SYMBOLS_BENCH_FILE=path/to/file.py` a real file.

use std::time::{Duration, Instant};

use syntaxd::language::registry;
use syntaxd::parse::{CancelHandle, EngineConfig, ParseEngine};
use syntaxd::pipeline::Analyzer;
use syntaxd::symbols::{SymbolConfig, SymbolContext, SymbolOptions};

const ITERATIONS: usize = 200;

/// About 1 000 lines of ordinary Python: classes with methods, functions, docstrings.
fn python_file() -> String {
    let mut source = String::from("import os\n\nLIMIT = 10\n\n");
    for i in 0..80 {
        source.push_str(&format!(
            "# Widget number {i}.\nclass Widget{i}:\n    \"\"\"A widget.\"\"\"\n\n    def __init__(self, x):\n        self.x = x\n\n    def size(self):\n        return len(str(self.x)) + {i}\n\n\ndef build_{i}(n):\n    return Widget{i}(n).size()\n"
        ));
    }
    source
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

fn main() {
    let (path, source) = match std::env::var_os("SYMBOLS_BENCH_FILE") {
        Some(p) => {
            let text = std::fs::read(&p).expect("SYMBOLS_BENCH_FILE is readable");
            (p.to_string_lossy().into_owned(), text)
        }
        None => ("synthetic.py".to_owned(), python_file().into_bytes()),
    };
    let language = registry()
        .detect(Some(std::path::Path::new(&path)), &source)
        .expect("a known language")
        .language;
    let grammar = language.ts_language().expect("grammar available").clone();
    let tags = language
        .query_text(syntaxd::language::QueryKind::Tags)
        .expect("a tags query");
    let config = SymbolConfig::new(grammar.clone(), &tags).expect("tags query compiles");
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&grammar).expect("supported ABI");
    let mut context = SymbolContext::new();
    let options = SymbolOptions::default();

    let mut parse_extract = Vec::with_capacity(ITERATIONS);
    let mut extract_only = Vec::with_capacity(ITERATIONS);
    let mut symbols = 0;
    for _ in 0..ITERATIONS {
        let started = Instant::now();
        let tree = parser.parse(&source, None).expect("no budget: completes");
        let parsed = Instant::now();
        let result = context
            .extract(&config, tree.root_node(), &source, &options)
            .expect("valid input");
        let done = Instant::now();
        symbols = result.symbols.len();
        parse_extract.push(done - started);
        extract_only.push(done - parsed);
    }

    let analyzer = Analyzer::new(
        ParseEngine::new(EngineConfig::default()),
        None,
        64 << 20,
        Duration::from_secs(10),
    );
    let mut miss = Vec::with_capacity(ITERATIONS);
    for _ in 0..ITERATIONS {
        let started = Instant::now();
        let (entry, _, _) = analyzer
            .parse_entry(language, source.clone(), CancelHandle::new())
            .expect("parses");
        miss.push(started.elapsed());
        assert!(entry.symbols.is_some());
    }
    for v in [&mut parse_extract, &mut extract_only, &mut miss] {
        v.sort_unstable();
    }
    let lines = source.iter().filter(|&&b| b == b'\n').count();
    let report = serde_json::json!({
        "file": path,
        "language": language.id,
        "lines": lines,
        "bytes": source.len(),
        "symbols": symbols,
        "iterations": ITERATIONS,
        "parse_and_extract_ms": {"p50": percentile(&parse_extract, 0.5), "p90": percentile(&parse_extract, 0.9), "p99": percentile(&parse_extract, 0.99)},
        "extract_only_ms": {"p50": percentile(&extract_only, 0.5), "p90": percentile(&extract_only, 0.9)},
        "pipeline_miss_ms": {"p50": percentile(&miss, 0.5), "p90": percentile(&miss, 0.9), "p99": percentile(&miss, 0.99)},
    });
    println!("{report}");
}
