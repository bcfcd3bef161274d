//! Query benchmarks: compiling Python's tags query, running a simple query over a ~1 000-line
//! Python file, and answering the same query from the result cache.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use syntaxd::query::{CompiledQuery, QueryEngine, QueryLimits, run_query};
use syntaxd::symbols::{SymbolConfig, SymbolOptions, extract_symbols};
use tree_sitter::{Language, Parser};

/// About 1 000 lines of ordinary Python: classes with methods, functions, calls.
fn python_file() -> String {
    let mut source = String::from("import os\n\nLIMIT = 10\n\n");
    for i in 0..90 {
        source.push_str(&format!(
            "class Widget{i}:\n    def __init__(self, x):\n        self.x = x\n\n    def size(self):\n        return len(str(self.x)) + {i}\n\n\ndef build_{i}(n):\n    return Widget{i}(n).size()\n\n"
        ));
    }
    source
}

fn benches(c: &mut Criterion) {
    let language: Language = tree_sitter_python::LANGUAGE.into();
    let source = python_file();
    let mut parser = Parser::new();
    parser
        .set_language(&language)
        .expect("grammar ABI is supported");
    let tree = parser.parse(&source, None).expect("no budget set");
    let limits = QueryLimits::default();
    let simple = "(function_definition name: (identifier) @name)";

    c.bench_function("compile_python_tags_query", |b| {
        b.iter(|| {
            CompiledQuery::new("python", &language, tree_sitter_python::TAGS_QUERY, 1 << 20)
                .expect("shipped query compiles")
        })
    });

    let compiled = CompiledQuery::new("python", &language, simple, 1 << 20).expect("compiles");
    c.bench_function("run_simple_query_1000_lines", |b| {
        b.iter(|| {
            run_query(
                &compiled,
                tree.root_node(),
                black_box(source.as_bytes()),
                &limits,
            )
            .expect("valid input")
        })
    });

    let config = SymbolConfig::new(language.clone(), tree_sitter_python::TAGS_QUERY)
        .expect("shipped query compiles");
    c.bench_function("extract_symbols_1000_lines", |b| {
        b.iter(|| {
            extract_symbols(
                &config,
                tree.root_node(),
                source.as_bytes(),
                &SymbolOptions::default(),
            )
            .expect("valid input")
        })
    });

    let engine = QueryEngine::new(1 << 24, 1 << 24);
    engine
        .query(
            "python",
            &language,
            simple,
            tree.root_node(),
            source.as_bytes(),
            &limits,
        )
        .expect("valid query");
    c.bench_function("result_cache_hit_1000_lines", |b| {
        b.iter(|| {
            engine
                .query(
                    "python",
                    &language,
                    simple,
                    tree.root_node(),
                    black_box(source.as_bytes()),
                    &limits,
                )
                .expect("valid query")
        })
    });
}

criterion_group!(query, benches);
criterion_main!(query);
