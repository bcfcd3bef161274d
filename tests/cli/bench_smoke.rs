//! `syntaxd bench` end to end (the real binary) on a tiny corpus made from the project's own
//! snippets: the report has every figure, each a finite positive number (no assertion on how
//! fast anything is).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const SNIPPETS: [(&str, &str); 3] = [("python", "py"), ("c", "c"), ("rust", "rs")];

fn tiny_corpus(dir: &Path) {
    let snippets = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/snippets");
    for (language, ext) in SNIPPETS {
        let text = std::fs::read_to_string(snippets.join(format!("{language}.{ext}")))
            .expect("the snippet exists");
        let sub = dir.join(language).join("pkg");
        std::fs::create_dir_all(&sub).expect("temp dir is writable");
        for i in 0..3 {
            std::fs::write(sub.join(format!("file{i}.{ext}")), &text).expect("writable");
        }
    }
}

/// `syntaxd bench --baseline --corpus DIR` with small sizes, plus `extra` arguments.
fn bench(dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_syntaxd"))
        .arg("bench")
        .args(["--baseline", "--max-files", "2", "--threads", "2"])
        .args([
            "--synthetic-lines",
            "300",
            "--edits",
            "10",
            "--idle-parsers",
            "8",
        ])
        .arg("--corpus")
        .arg(dir)
        .args(extra)
        .output()
        .expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, key| {
        v.get(key)
            .unwrap_or_else(|| panic!("the report has no `{key}` in `{path}`"))
    })
}

fn positive(v: &Value, path: &str) -> f64 {
    let x = get(v, path)
        .as_f64()
        .unwrap_or_else(|| panic!("`{path}` is not a number"));
    assert!(x.is_finite() && x > 0.0, "`{path}` = {x}");
    x
}

/// Every number anywhere in the document is finite and not negative; no null is left.
fn walk(v: &Value, path: &str) {
    match v {
        // Null only where it means "not applicable": no corpus assembled, no /proc.
        Value::Null if path.ends_with(".assembled_with") || path.ends_with(".vm_hwm_bytes") => {}
        Value::Null => panic!("`{path}` is null in a --baseline run on two threads"),
        Value::Number(n) => {
            let x = n.as_f64().expect("serde_json numbers convert");
            assert!(x.is_finite() && x >= 0.0, "`{path}` = {x}");
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, item)| walk(item, &format!("{path}[{i}]"))),
        Value::Object(map) => map
            .iter()
            .for_each(|(k, item)| walk(item, &format!("{path}.{k}"))),
        Value::Bool(_) | Value::String(_) => {}
    }
}

#[test]
fn bench_reports_every_figure_as_a_finite_positive_number() {
    let tmp = tempfile::tempdir().expect("temp dir");
    tiny_corpus(tmp.path());
    let out = bench(tmp.path(), &["--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    walk(&json, "");

    assert_eq!(get(&json, "schema"), "syntaxd-bench/1");
    for key in ["cores", "threads_all_cores", "tree_sitter_abi"] {
        positive(&json, &format!("machine.{key}"));
    }
    for key in ["tree_sitter_version", "syntaxd_version"] {
        assert!(
            get(&json, &format!("machine.{key}"))
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
    }
    let scopes: Vec<String> = SNIPPETS
        .iter()
        .map(|(l, _)| format!("languages.{l}"))
        .chain(["overall".to_string()])
        .collect();
    for scope in &scopes {
        for key in ["files", "bytes", "lines", "parse.all_cores_speedup"] {
            positive(&json, &format!("{scope}.{key}"));
        }
        for run in [
            "engine_single_thread",
            "engine_all_cores",
            "bare_single_thread",
            "bare_all_cores",
        ] {
            for key in [
                "threads",
                "seconds",
                "lines_per_s",
                "mb_per_s",
                "ratio_to_bare",
            ] {
                positive(&json, &format!("{scope}.parse.{run}.{key}"));
            }
        }
        for key in [
            "nodes",
            "encoded_bytes",
            "encode.mb_per_s",
            "encode.ratio_to_bare",
            "decode.mb_per_s",
            "decode.lines_per_s",
            "decode.ratio_to_bare",
            "encode_fraction_of_parse",
            "decode_speedup_vs_parse",
            "bytes_per_source_byte.raw",
            "bytes_per_source_byte.lz4",
            "bytes_per_source_byte.zstd_3",
        ] {
            positive(&json, &format!("{scope}.bytecode.{key}"));
        }
    }
    for (language, _) in SNIPPETS {
        let c = format!("corpus.languages.{language}");
        assert_eq!(positive(&json, &format!("{c}.files_total")), 3.0);
        assert_eq!(positive(&json, &format!("{c}.files_sampled")), 2.0);
        positive(&json, &format!("{c}.bytes_sampled"));
    }

    let incremental = get(&json, "incremental").as_array().expect("an array");
    for language in ["python", "c", "rust", "java", "javascript"] {
        let rows: Vec<&Value> = incremental
            .iter()
            .filter(|r| r["language"] == language)
            .collect();
        assert_eq!(rows.len(), 2, "{language}: one row per file size");
        for row in rows {
            let synthetic = row["synthetic"].as_bool().expect("a bool");
            assert_eq!(synthetic, matches!(language, "java" | "javascript"));
            for key in [
                "lines",
                "bytes",
                "edits",
                "full_parse_ms",
                "reparse_p50_ms",
                "reparse_p99_ms",
                "apply_edits_p50_ms",
                "apply_edits_p99_ms",
                "full_over_incremental_p50",
                "full_over_incremental_p99",
            ] {
                positive(row, key);
            }
            assert!(
                row["edit_node_kind"]
                    .as_str()
                    .is_some_and(|k| k.ends_with("identifier"))
            );
        }
    }

    positive(&json, "memory.peak_rss_bytes");
    positive(&json, "memory.idle_parser.parsers");
    positive(&json, "memory.idle_parser.after_parse_bytes_per_parser");

    let targets = get(&json, "targets").as_object().expect("an object");
    assert_eq!(targets.len(), 8);
    for (name, t) in targets {
        assert!(t["met"].is_boolean(), "{name}");
        assert_eq!(
            t["evaluated"], true,
            "{name}: measured in a --baseline, 2-thread run"
        );
        positive(t, "measured");
        positive(t, "limit");
    }
}

#[test]
fn the_summary_names_the_targets() {
    let tmp = tempfile::tempdir().expect("temp dir");
    tiny_corpus(tmp.path());
    let out = bench(tmp.path(), &["--languages", "python"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("targets"));
}

#[test]
fn a_missing_corpus_directory_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = bench(&tmp.path().join("nope"), &["--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
}

#[test]
fn a_corpus_without_the_language_names_the_missing_directory() {
    let tmp = tempfile::tempdir().expect("temp dir");
    tiny_corpus(tmp.path());
    let out = bench(tmp.path(), &["--json", "--languages", "go"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no go directory"), "{}", stderr(&out));
}

/// `--check` turns a missed target into exit status 1 naming it. The corpus is one Python file
/// of nested one-byte brackets (about two syntax nodes per source byte), so the encoded size per
/// source byte is over its 1.0 limit whatever the machine's speed (the timing targets may be
/// missed too; only this one is asserted).
#[test]
fn check_exits_1_naming_a_missed_target() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("python").join("pkg");
    std::fs::create_dir_all(&dir).expect("temp dir is writable");
    std::fs::write(dir.join("dense.py"), "a=[[[[[[[[1]]]]]]]]\n".repeat(2_000)).expect("writable");
    let out = bench(tmp.path(), &["--json", "--languages", "python", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).expect("the report is still printed");
    let raw = get(&json, "targets.encoded_bytes_per_source_byte_raw");
    assert_eq!(raw["met"], false, "{raw}");
    assert!(
        stderr(&out).contains("target `encoded_bytes_per_source_byte_raw` missed"),
        "{}",
        stderr(&out)
    );
}
