//! Cache get latency per tier (p50 / p99), printed as one JSON document. Entries are real: the
//! files of the Python corpus, parsed and encoded by the pipeline.
//!
//! ```text
//! cargo bench --bench cache [-- --corpus DIR --files N]
//! ```
//! Without `--corpus`, the Python corpus (the interpreter's standard library) is assembled by
//! the same code as `syntaxd bench` (`src/cli/corpus.rs`).

#[path = "../src/cli/corpus.rs"]
#[allow(dead_code)] // the bench uses `assemble` only
mod corpus;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use syntaxd::cache::{Cache, CacheConfig, CacheEntry, CacheKey, Lookup, Tier};
use syntaxd::language::registry;
use syntaxd::parse::{CancelHandle, EngineConfig, ParseEngine};
use syntaxd::pipeline::Analyzer;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let files_wanted: usize = arg("--files").and_then(|n| n.parse().ok()).unwrap_or(400);
    let _tmp_corpus;
    let corpus = match arg("--corpus") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let tmp = tempfile::tempdir().expect("temp dir");
            if let Err(e) = corpus::assemble(tmp.path(), &["python"]) {
                panic!("{e}");
            }
            let dir = tmp.path().to_path_buf();
            _tmp_corpus = tmp;
            dir
        }
    };
    let python = registry()
        .language_for_name("python")
        .expect("python is registered");
    let manifest =
        std::fs::read_to_string(corpus.join("python.manifest")).expect("python.manifest");
    let analyzer = Analyzer::new(
        ParseEngine::new(EngineConfig::default()),
        None,
        16 << 20,
        Duration::from_secs(30),
    );
    let step = (manifest.lines().count() / files_wanted).max(1);
    let entries: Vec<CacheEntry> = manifest
        .lines()
        .step_by(step)
        .take(files_wanted)
        .filter_map(|l| std::fs::read(corpus.join("python").join(l)).ok())
        .filter_map(|src| analyzer.parse_entry(python, src, CancelHandle::new()).ok())
        .map(|(e, _, _)| e)
        .collect();
    let source_bytes: usize = entries.iter().map(|e| e.source.len()).sum();

    let mut report = serde_json::Map::new();
    report.insert("entries".into(), entries.len().into());
    report.insert("source_bytes".into(), source_bytes.into());
    // Hot: everything fits. Warm: hot holds ~nothing, warm everything. Cold: neither holds it.
    for (tier, hot, warm) in [
        (Tier::Hot, 1u64 << 30, 1u64 << 30),
        (Tier::Warm, 1, 1 << 30),
        (Tier::Cold, 1, 1),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = CacheConfig {
            dir: dir.path().to_path_buf(),
            hot_budget_bytes: hot,
            warm_budget_bytes: warm,
            cold_budget_bytes: 1 << 32,
            zstd_level: 3,
            cold_page_cache_bytes: 32 << 20,
            cold_recency_max_entries: 1 << 18,
            write_queue_entries: 1024,
        };
        let (cache, _) = Cache::open(config, &prometheus::Registry::new()).expect("cache opens");
        let cache = Arc::new(cache);
        let started = Instant::now();
        let keys: Vec<CacheKey> = entries
            .iter()
            .map(|e| cache.put(e.clone()).expect("stores").key())
            .collect();
        let store_seconds = started.elapsed().as_secs_f64();
        cache.run_pending_tasks();
        let mut samples = Vec::with_capacity(keys.len());
        for key in &keys {
            // Put the entry back where this measurement wants it (a hit promotes to hot).
            if tier != Tier::Hot {
                cache.run_pending_tasks();
            }
            let t = Instant::now();
            let hit = cache.get(key);
            let elapsed = t.elapsed();
            match hit {
                Lookup::Hit(_, got) if got == tier => samples.push(elapsed),
                _ => {}
            }
            if tier != Tier::Hot {
                // Evict it again from hot (and warm for cold) so the next key is measured cold.
                let _ = cache.stats();
            }
        }
        samples.sort();
        let pct = |p: f64| {
            samples
                .get(((samples.len() as f64 * p) as usize).min(samples.len().saturating_sub(1)))
                .map(|d| d.as_secs_f64() * 1e6)
                .unwrap_or(f64::NAN)
        };
        let mut t = serde_json::Map::new();
        t.insert("samples".into(), samples.len().into());
        t.insert("get_p50_us".into(), pct(0.50).into());
        t.insert("get_p99_us".into(), pct(0.99).into());
        t.insert(
            "store_ms_per_entry".into(),
            (store_seconds * 1e3 / keys.len().max(1) as f64).into(),
        );
        if tier == Tier::Cold {
            let (_, stored) = cache.cold().stats().expect("stats");
            t.insert(
                "stored_bytes_per_source_byte".into(),
                (stored as f64 / source_bytes.max(1) as f64).into(),
            );
        }
        report.insert(tier.as_str().into(), t.into());
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::Value::Object(report)).expect("serialises")
    );
}
