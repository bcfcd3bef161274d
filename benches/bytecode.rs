//! Bytecode benchmarks: `encode` and `decode` of a ~1 000-line Python file (the project's
//! Python snippet repeated), plus the parse they are compared with.
//!
//! ```text
//! cargo bench --no-default-features \
//!     --features core-langs --bench bytecode
//! ```

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use syntaxd::bytecode::{EncodeMeta, decode, encode};
use tree_sitter::{Language, Parser};

/// About 1 000 lines of Python: `tests/data/snippets/python.py` repeated.
fn python_file() -> String {
    let snippet = include_str!("../tests/data/snippets/python.py");
    let per_copy = snippet.lines().count().max(1);
    snippet.repeat(1_000usize.div_ceil(per_copy))
}

fn benches(c: &mut Criterion) {
    let language: Language = tree_sitter_python::LANGUAGE.into();
    let source = python_file();
    let mut parser = Parser::new();
    parser
        .set_language(&language)
        .expect("grammar ABI is supported");
    let tree = parser.parse(&source, None).expect("no budget set");
    let meta = EncodeMeta {
        language_id: "python",
        grammar_version: "bench",
    };
    let bytes = encode(&tree, source.as_bytes(), &meta);

    let mut group = c.benchmark_group("python_1000_lines");
    group.throughput(Throughput::Bytes(source.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| {
            parser
                .parse(black_box(&source), None)
                .expect("no budget set")
        })
    });
    group.bench_function("encode", |b| {
        b.iter(|| encode(black_box(&tree), black_box(source.as_bytes()), &meta))
    });
    group.bench_function("decode", |b| {
        b.iter(|| decode(black_box(&bytes)).expect("freshly encoded bytes decode"))
    });
    group.finish();
}

criterion_group!(bytecode, benches);
criterion_main!(bytecode);
