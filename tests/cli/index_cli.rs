//! `syntaxd index` and `syntaxd cache` as users run them: re-indexing parses nothing, memory
//! stays within the cache budgets, `.gitignore` is respected, and SIGKILL at any point never
//! leaves a corrupt or wrong entry behind.

#![cfg(feature = "tree-sitter-python")]

use crate::corpus;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use rand::{RngExt, SeedableRng};

fn syntaxd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_syntaxd"));
    c.env_remove("SYNTAXD_CONFIG").env_remove("RUST_LOG");
    c
}

/// The Python corpus, assembled at run time from the machine's own standard library.
fn python_corpus(dest: &Path) -> PathBuf {
    corpus::assemble(dest, &["python"]);
    dest.join("python")
}

/// Appends `text` to every file under `dir`.
fn append_to_every_file(dir: &Path, text: &str) {
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            append_to_every_file(&path, text);
        } else {
            use std::io::Write as _;
            std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .expect("appends");
        }
    }
}

fn summary(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON summary line")
}

/// Hot 8 MB + warm 4 MB, far below the corpus (31 MB of source plus trees).
const HOT_BUDGET: u64 = 8_000_000;
const WARM_BUDGET: u64 = 4_000_000;
/// What the process needs besides the tiers: binary and grammar tables, parsers and their
/// trees in flight, one store batch (8 MiB), redb's page cache. Documented in docs/operations.md.
const OVERHEAD_BYTES: u64 = 192 << 20;

#[test]
fn reindexing_an_unchanged_tree_is_all_hits_and_memory_stays_within_budget() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let corpus = python_corpus(&tmp.path().join("corpus"));
    let cache = tmp.path().join("cache");
    let run = || {
        syntaxd()
            .args([
                "index",
                corpus.to_str().expect("utf-8"),
                "--cache-dir",
                cache.to_str().expect("utf-8"),
            ])
            .env("SYNTAXD_CACHE_HOT_BUDGET_BYTES", HOT_BUDGET.to_string())
            .env("SYNTAXD_CACHE_WARM_BUDGET_BYTES", WARM_BUDGET.to_string())
            .output()
            .expect("runs")
    };
    let first = summary(&run());
    for key in [
        "files",
        "parsed",
        "cache_hits",
        "skipped",
        "errors",
        "bytes",
        "languages",
        "seconds",
    ] {
        assert!(first.get(key).is_some(), "{key} missing: {first}");
    }
    assert!(first["parsed"].as_u64().expect("number") > 1000, "{first}");
    assert_eq!(first["errors"], 0);
    let rss = first["peak_rss_bytes"].as_u64().expect("number");
    assert!(
        rss < HOT_BUDGET + WARM_BUDGET + OVERHEAD_BYTES,
        "peak RSS {rss} over budget + overhead"
    );

    let second = summary(&run());
    assert_eq!(second["parsed"], 0, "{second}");
    let indexed = first["parsed"].as_u64().expect("n") + first["cache_hits"].as_u64().expect("n");
    assert_eq!(
        second["cache_hits"].as_u64(),
        Some(indexed),
        "100 % hits: {second}"
    );

    let verify = syntaxd()
        .args([
            "cache",
            "verify",
            "--cache-dir",
            cache.to_str().expect("utf-8"),
        ])
        .output()
        .expect("runs");
    let report = summary(&verify);
    assert_eq!(report["bad"].as_array().map(Vec::len), Some(0), "{report}");
    assert!(report["ok"].as_u64().expect("n") > 1000);
}

#[test]
fn index_respects_gitignore_and_skips_unknown_and_binary_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("tree");
    std::fs::create_dir_all(root.join("build")).expect("mkdir");
    std::fs::write(root.join(".gitignore"), "build/\n").expect("write");
    std::fs::write(root.join("a.py"), "def a():\n    return 1\n").expect("write");
    std::fs::write(root.join("b.rs"), "fn b() -> u8 { 2 }\n").expect("write");
    std::fs::write(root.join("build/generated.py"), "x = 1\n").expect("write");
    std::fs::write(root.join("notes.unknownext"), "text\n").expect("write");
    std::fs::write(root.join("image.py"), b"\x89PNG\r\n\x1a\n\0\0\0").expect("write");
    let cache = tmp.path().join("cache");
    let out = syntaxd()
        .args([
            "index",
            root.to_str().expect("utf-8"),
            "--cache-dir",
            cache.to_str().expect("utf-8"),
        ])
        .output()
        .expect("runs");
    let s = summary(&out);
    assert_eq!(s["files"], 4, "build/ and hidden files are not walked: {s}");
    assert_eq!(s["parsed"], 2, "{s}");
    assert_eq!(s["skipped"], 2, "unknown extension and binary content: {s}");
    assert_eq!(s["languages"]["python"], 1);
    assert_eq!(s["languages"]["rust"], 1);
}

#[test]
fn sigkill_during_index_never_leaves_a_corrupt_or_wrong_entry() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let corpus = python_corpus(&tmp.path().join("corpus"));
    let cache = tmp.path().join("cache");
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5EED_CAFE);
    let mut killed = 0;
    for round in 0..5 {
        // New content in every round, so that every run parses and stores again (a run over
        // a cache that already holds the tree would only check keys and end at once).
        if round > 0 {
            append_to_every_file(&corpus, &format!("\n# round {round}\n"));
        }
        let store = cache.join("cache.redb");
        let size_before = std::fs::metadata(&store).map_or(0, |m| m.len());
        let mut child = syntaxd()
            .args([
                "index",
                corpus.to_str().expect("utf-8"),
                "--cache-dir",
                cache.to_str().expect("utf-8"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawns");
        // Killed once the store has grown (a batch is being or has been committed), at a
        // random moment of the next 300 ms: mid-run, whatever the machine's speed.
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while child.try_wait().expect("waits").is_none()
            && std::fs::metadata(&store).map_or(0, |m| m.len()) <= size_before
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(rng.random_range(0..300)));
        if child.try_wait().expect("waits").is_none() {
            child.kill().expect("SIGKILL");
            killed += 1;
        }
        child.wait().expect("reaped");
        let verify = syntaxd()
            .args([
                "cache",
                "verify",
                "--cache-dir",
                cache.to_str().expect("utf-8"),
            ])
            .output()
            .expect("runs");
        let report: serde_json::Value =
            serde_json::from_slice(&verify.stdout).expect("JSON report");
        assert_eq!(
            report["bad"].as_array().map(Vec::len),
            Some(0),
            "round {round}: {report}"
        );
        assert!(verify.status.success(), "round {round}");
    }
    assert!(
        killed >= 3,
        "the child must really be killed mid-run ({killed} of 5)"
    );
    // The store still works: a full run completes and the next one is all hits.
    let out = syntaxd()
        .args([
            "index",
            corpus.to_str().expect("utf-8"),
            "--cache-dir",
            cache.to_str().expect("utf-8"),
        ])
        .output()
        .expect("runs");
    let s = summary(&out);
    assert_eq!(s["errors"], 0);
}
