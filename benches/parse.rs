//! Parse-engine measurements, printed as JSON lines: idle parser RSS, throughput through the
//! pool/engine vs a bare `tree_sitter::Parser` (1 and 2 threads), the cost of the quarantine's
//! in-flight records (`engine` vs `engine_inflight`, same run, interleaved), incremental
//! reparse latency vs a full parse, and the stack 100 000 nested brackets need.
//! `-- --only throughput` runs the throughput part alone.
//!
//! ```text
//! cargo bench --no-default-features \
//!     --features core-langs --bench parse [-- --corpus DIR]
//! ```
//! Without `--corpus`, the Python corpus (the interpreter's standard library) is assembled in a
//! temporary directory by the same code as `syntaxd bench` (`src/cli/corpus.rs`).

#[path = "../src/cli/corpus.rs"]
#[allow(dead_code)] // the bench uses `assemble` only
mod corpus;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use syntaxd::parse::{
    Document, EngineConfig, ParseBudget, ParseEngine, ParserPool, PoolConfig, Quarantine, TextEdit,
};
use tree_sitter::{Language, Parser};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Child mode for the stack probe: `--stack-probe LANG BYTES`; aborts on overflow.
    if let Some(i) = args.iter().position(|a| a == "--stack-probe") {
        let language = args.get(i + 1).cloned().unwrap_or_default();
        let bytes: usize = args.get(i + 2).and_then(|s| s.parse().ok()).unwrap_or(0);
        stack_probe_child(&language, bytes);
        return;
    }
    let corpus_arg = args
        .iter()
        .position(|a| a == "--corpus")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let _tmp;
    let corpus = match corpus_arg {
        Some(dir) => dir,
        None => {
            let tmp = tempfile::tempdir().expect("temp dir");
            if let Err(e) = corpus::assemble(tmp.path(), &["python"]) {
                panic!("{e}");
            }
            let dir = tmp.path().to_path_buf();
            _tmp = tmp;
            dir
        }
    };
    let python: Language = tree_sitter_python::LANGUAGE.into();
    let files = load_python(&corpus);

    if args.iter().any(|a| a == "--only") && args.iter().any(|a| a == "throughput") {
        throughput(&python, &files);
        return;
    }
    idle_parser_rss(&python);
    throughput(&python, &files);
    incremental(&python, &files);
    stack_probe_parent();
}

fn load_python(corpus: &Path) -> Vec<String> {
    let manifest =
        std::fs::read_to_string(corpus.join("python.manifest")).expect("python manifest");
    manifest
        .lines()
        .filter_map(|rel| std::fs::read(corpus.join("python").join(rel)).ok())
        .filter_map(|bytes| String::from_utf8(bytes).ok())
        .filter(|s| !s.contains('\0'))
        .collect()
}

fn rss_bytes() -> u64 {
    use sysinfo::{ProcessesToUpdate, System};
    let pid = sysinfo::get_current_pid().expect("own pid");
    let mut sys = System::new().expect("sysinfo supports this platform");
    sys.refresh_processes(ProcessesToUpdate::Some(&[pid]), true);
    sys.process(pid).map_or(0, |p| p.memory())
}

fn idle_parser_rss(python: &Language) {
    const N: usize = 500;
    let pool = ParserPool::new(PoolConfig {
        max_parsers: N,
        checkout_timeout: Duration::from_secs(1),
    });
    let before = rss_bytes();
    let guards: Vec<_> = (0..N)
        .map(|_| pool.checkout("python", python).expect("checkout"))
        .collect();
    drop(guards);
    let fresh = rss_bytes();
    // Parsers that have parsed once keep their grown buffers.
    let mut guards: Vec<_> = (0..N)
        .map(|_| pool.checkout("python", python).expect("checkout"))
        .collect();
    let src = "def f(a, b):\n    return [a + b for _ in range(10)]\n".repeat(50);
    for g in &mut guards {
        let _ = g.parse(&src, None);
    }
    drop(guards);
    let used = rss_bytes();
    println!(
        "{{\"bench\":\"idle_parser_rss\",\"parsers\":{N},\"fresh_bytes_per_parser\":{},\"after_parse_bytes_per_parser\":{}}}",
        fresh.saturating_sub(before) / N as u64,
        used.saturating_sub(before) / N as u64
    );
}

fn throughput(python: &Language, files: &[String]) {
    let total: usize = files.iter().map(String::len).sum();
    let mb = total as f64 / 1e6;
    let report = |mode: &str, threads: usize, run: &dyn Fn()| {
        // Best of three runs (the machine is shared).
        let elapsed = (0..3)
            .map(|_| {
                let t = Instant::now();
                run();
                t.elapsed()
            })
            .min()
            .unwrap_or_default();
        println!(
            "{{\"bench\":\"throughput\",\"mode\":\"{mode}\",\"threads\":{threads},\"files\":{},\"mb\":{mb:.1},\"seconds\":{:.3},\"mb_per_s\":{:.2}}}",
            files.len(),
            elapsed.as_secs_f64(),
            mb / elapsed.as_secs_f64()
        );
    };
    let budget = ParseBudget::new(usize::MAX, Duration::from_secs(60));
    // Warm-up: page cache, allocator arenas, CPU frequency.
    let mut warm = Parser::new();
    warm.set_language(python).expect("python");
    for f in files {
        std::hint::black_box(warm.parse(f, None));
    }
    for threads in [1usize, 2] {
        let chunks: Vec<&[String]> = files.chunks(files.len().div_ceil(threads)).collect();
        // Bare parser, one per thread.
        report("bare_parser", threads, &|| {
            std::thread::scope(|s| {
                for chunk in &chunks {
                    s.spawn(|| {
                        let mut p = Parser::new();
                        p.set_language(python).expect("python");
                        for f in *chunk {
                            std::hint::black_box(p.parse(f, None));
                        }
                    });
                }
            });
        });
        // Pool checkout per file.
        let pool = ParserPool::new(PoolConfig {
            max_parsers: threads,
            checkout_timeout: Duration::from_secs(10),
        });
        report("pool_checkout", threads, &|| {
            std::thread::scope(|s| {
                for chunk in &chunks {
                    let pool = &pool;
                    s.spawn(move || {
                        for f in *chunk {
                            let mut p = pool.checkout("python", python).expect("checkout");
                            std::hint::black_box(p.parse(f, None));
                        }
                    });
                }
            });
        });
        // Full engine path: checks, hash, quarantine lookup, watchdog, budget callback,
        // metrics — with the quarantine in memory (no in-flight file) and with its in-flight
        // records in a directory (two positioned 64-byte writes per parse). Runs alternate so
        // both see the same machine state; each figure is the best of its runs.
        let config = EngineConfig {
            pool: PoolConfig {
                max_parsers: threads,
                checkout_timeout: Duration::from_secs(10),
            },
            ..EngineConfig::default()
        };
        let quarantine_dir = tempfile::tempdir().expect("temp dir");
        let engines = [
            ("engine", ParseEngine::new(config)),
            (
                "engine_inflight",
                ParseEngine::new(config).with_quarantine(Quarantine::open(quarantine_dir.path())),
            ),
        ];
        let run_engine = |engine: &ParseEngine| {
            std::thread::scope(|s| {
                for chunk in &chunks {
                    let budget = &budget;
                    s.spawn(move || {
                        for f in *chunk {
                            std::hint::black_box(
                                engine
                                    .parse("python", python, f.as_bytes(), budget)
                                    .expect("parse"),
                            );
                        }
                    });
                }
            });
        };
        let mut best = [Duration::MAX; 2];
        for _ in 0..5 {
            for (i, (_, engine)) in engines.iter().enumerate() {
                let t = Instant::now();
                run_engine(engine);
                best[i] = best[i].min(t.elapsed());
            }
        }
        for (i, (mode, _)) in engines.iter().enumerate() {
            println!(
                "{{\"bench\":\"throughput\",\"mode\":\"{mode}\",\"threads\":{threads},\"files\":{},\"mb\":{mb:.1},\"seconds\":{:.3},\"mb_per_s\":{:.2}}}",
                files.len(),
                best[i].as_secs_f64(),
                mb / best[i].as_secs_f64()
            );
        }
        println!(
            "{{\"bench\":\"inflight_overhead\",\"threads\":{threads},\"files\":{},\"engine_seconds\":{:.3},\"engine_inflight_seconds\":{:.3},\"overhead_percent\":{:.2}}}",
            files.len(),
            best[0].as_secs_f64(),
            best[1].as_secs_f64(),
            (best[1].as_secs_f64() / best[0].as_secs_f64() - 1.0) * 100.0
        );
    }
}

fn incremental(python: &Language, files: &[String]) {
    // A real file of 8 000–10 000 lines if the corpus has one, else the largest files joined.
    let text = files
        .iter()
        .find(|f| (8_000..=10_000).contains(&f.lines().count()))
        .cloned()
        .unwrap_or_else(|| {
            let mut by_size: Vec<&String> = files.iter().collect();
            by_size.sort_by_key(|f| std::cmp::Reverse(f.len()));
            let mut joined = String::new();
            for f in by_size {
                if joined.lines().count() >= 9_000 {
                    break;
                }
                joined.push_str(f);
                joined.push('\n');
            }
            joined
        });
    let lines = text.lines().count();
    let engine = ParseEngine::new(EngineConfig::default());
    let budget = ParseBudget::new(usize::MAX, Duration::from_secs(60));
    const ROUNDS: u32 = 50;
    let t = Instant::now();
    for _ in 0..ROUNDS {
        std::hint::black_box(
            engine
                .parse("python", python, text.as_bytes(), &budget)
                .expect("parse"),
        );
    }
    let full = t.elapsed() / ROUNDS;
    let mut doc =
        Document::open(&engine, "python", python.clone(), text.clone(), 0, &budget).expect("open");
    // The middle line's first byte: insert an identifier character, then delete it again.
    let mid = text
        .match_indices('\n')
        .nth(lines / 2)
        .map_or(0, |(i, _)| i + 1);
    let mut reparse = Duration::ZERO;
    let mut edit_total = Duration::ZERO;
    for round in 0..ROUNDS as i64 {
        let t = Instant::now();
        let a = doc
            .apply_edits(2 * round + 1, &[TextEdit::bytes(mid, mid, "x")])
            .expect("edit");
        let b = doc
            .apply_edits(2 * round + 2, &[TextEdit::bytes(mid, mid + 1, "")])
            .expect("edit");
        edit_total += t.elapsed();
        reparse += a.reparse_elapsed + b.reparse_elapsed;
    }
    println!(
        "{{\"bench\":\"incremental\",\"lines\":{lines},\"bytes\":{},\"full_parse_ms\":{:.3},\"reparse_after_one_char_edit_ms\":{:.3},\"apply_edits_total_ms\":{:.3}}}",
        text.len(),
        full.as_secs_f64() * 1e3,
        reparse.as_secs_f64() * 1e3 / f64::from(2 * ROUNDS),
        edit_total.as_secs_f64() * 1e3 / f64::from(2 * ROUNDS)
    );
}

const NESTING: usize = 100_000;

fn nested_source(language: &str) -> Option<(Language, String)> {
    let (lang, prefix, open, inner, close, suffix): (Language, _, _, _, _, _) = match language {
        "python" => (
            tree_sitter_python::LANGUAGE.into(),
            "x = ",
            "(",
            "1",
            ")",
            "\n",
        ),
        "c" => (
            tree_sitter_c::LANGUAGE.into(),
            "int x = ",
            "(",
            "1",
            ")",
            ";\n",
        ),
        "javascript" => (
            tree_sitter_javascript::LANGUAGE.into(),
            "let x = ",
            "[",
            "1",
            "]",
            ";",
        ),
        "json" => (tree_sitter_json::LANGUAGE.into(), "", "[", "", "]", ""),
        "rust" => (
            tree_sitter_rust::LANGUAGE.into(),
            "fn f() { let x = ",
            "(",
            "1",
            ")",
            "; }",
        ),
        _ => return None,
    };
    Some((
        lang,
        format!(
            "{prefix}{}{inner}{}{suffix}",
            open.repeat(NESTING),
            close.repeat(NESTING)
        ),
    ))
}

/// In a child process: parse, edit, diff, print and drop 100k nesting on a thread of `bytes`
/// stack. Exits 0 on success; a stack overflow aborts the process.
fn stack_probe_child(language: &str, bytes: usize) {
    if language == "recursive-walk-control" {
        // Control: a naive recursive walk of the same tree must need far more stack, showing
        // the probe does detect overflows.
        let Some((lang, source)) = nested_source("python") else {
            std::process::exit(2)
        };
        let mut p = Parser::new();
        p.set_language(&lang).expect("grammar");
        let tree = p.parse(&source, None).expect("tree");
        let ok = std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(bytes)
                .spawn_scoped(s, || recursive_count(tree.root_node()))
                .expect("spawn")
                .join()
                .is_ok()
        });
        std::process::exit(if ok { 0 } else { 1 });
    }
    let Some((lang, source)) = nested_source(language) else {
        std::process::exit(2)
    };
    let ok = std::thread::Builder::new()
        .stack_size(bytes)
        .spawn(move || {
            let mut p = Parser::new();
            p.set_language(&lang).expect("grammar");
            let tree = p.parse(&source, None).expect("tree");
            let mut edited = tree.clone();
            edited.edit(&tree_sitter::InputEdit {
                start_byte: 0,
                old_end_byte: 0,
                new_end_byte: 1,
                start_position: tree_sitter::Point::new(0, 0),
                old_end_position: tree_sitter::Point::new(0, 0),
                new_end_position: tree_sitter::Point::new(0, 1),
            });
            let reparsed = p.parse(format!(" {source}"), Some(&edited)).expect("tree");
            let n = edited.changed_ranges(&reparsed).count();
            let sexp = tree.root_node().to_sexp().len();
            drop((tree, edited, reparsed));
            std::hint::black_box((n, sexp));
        })
        .expect("spawn")
        .join()
        .is_ok();
    std::process::exit(if ok { 0 } else { 1 });
}

/// Find the smallest power-of-two stack (16 KiB .. 8 MiB) on which the child succeeds.
fn stack_probe_parent() {
    let exe = std::env::current_exe().expect("own path");
    for language in [
        "python",
        "c",
        "javascript",
        "json",
        "rust",
        "recursive-walk-control",
    ] {
        let mut smallest_ok = None;
        let mut size = 16 * 1024;
        while size <= 256 * 1024 * 1024 {
            let status = Command::new(&exe)
                .args(["--stack-probe", language, &size.to_string()])
                .stderr(std::process::Stdio::null())
                .status()
                .expect("run probe");
            if status.success() {
                smallest_ok = Some(size);
                break;
            }
            size *= 2;
        }
        println!(
            "{{\"bench\":\"stack_for_100k_nesting\",\"language\":\"{language}\",\"smallest_ok_stack_bytes\":{}}}",
            smallest_ok.map_or("null".to_string(), |s| s.to_string())
        );
    }
}

fn recursive_count(node: tree_sitter::Node) -> usize {
    let mut cursor = node.walk();
    1 + node
        .children(&mut cursor)
        .map(recursive_count)
        .sum::<usize>()
}
