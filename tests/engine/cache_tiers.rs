//! The tiered cache as users rely on it: tier moves under byte budgets, persistence across a
//! restart, corruption detection, and the golden files of every released format.

use crate::corpus;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use syntaxd::bytecode;
use syntaxd::cache::{Cache, CacheConfig, CacheEntry, CacheKey, Lookup, Tier, envelope};
use syntaxd::language::registry;
use syntaxd::parse::{CancelHandle, EngineConfig, ParseEngine};
use syntaxd::pipeline::Analyzer;

fn entry(i: usize, size: usize) -> CacheEntry {
    // Incompressible bytes, so lz4 in the warm tier keeps them at about their size.
    let mut source = format!("# file {i}\n").into_bytes();
    let mut state = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    while source.len() < size {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        source.push(b'a' + (state % 26) as u8);
    }
    CacheEntry {
        language_id: "python".into(),
        grammar_version: "test".into(),
        bytecode_version: 1,
        source,
        bytecode: vec![7; size / 2],
        symbols: None,
        summary: None,
        symbols_packed: None,
    }
}

fn config(dir: &Path, hot: u64, warm: u64) -> CacheConfig {
    CacheConfig {
        dir: dir.to_path_buf(),
        hot_budget_bytes: hot,
        warm_budget_bytes: warm,
        cold_budget_bytes: 1 << 30,
        zstd_level: 3,
        cold_page_cache_bytes: 8 << 20,
        cold_recency_max_entries: 4096,
        write_queue_entries: 256,
    }
}

#[test]
fn filling_hot_demotes_to_warm_then_cold_and_hits_promote() {
    let dir = tempfile::tempdir().expect("tempdir");
    let registry = prometheus::Registry::new();
    // Each entry weighs ~30 KB in hot (~25 KB sealed in warm): hot holds ~10, warm ~8.
    let (cache, _) = Cache::open(config(dir.path(), 300_000, 200_000), &registry).expect("opens");
    let keys: Vec<CacheKey> = (0..60)
        .map(|i| cache.put(entry(i, 20_000)).expect("stores").key())
        .collect();
    cache.run_pending_tasks();
    let stats = cache.stats();
    assert!(stats.hot.bytes <= 300_000, "{stats:?}");
    assert!(stats.warm.bytes <= 200_000, "{stats:?}");
    assert_eq!(
        stats.cold.entries, 60,
        "write-through keeps every entry on disk"
    );
    let m = cache.metrics();
    assert!(
        m.demotions(Tier::Hot, Tier::Warm) > 0,
        "hot over budget demotes to warm"
    );
    assert!(
        m.demotions(Tier::Warm, Tier::Cold) > 0,
        "warm over budget demotes to cold"
    );

    // Every key is answered, from whichever tier holds it; each answer is the stored entry.
    let mut by_tier = [0u64; 3];
    for (i, key) in keys.iter().enumerate() {
        match cache.get(key) {
            Lookup::Hit(e, tier) => {
                assert_eq!(*e, entry(i, 20_000));
                by_tier[tier as usize] += 1;
            }
            Lookup::Miss => panic!("entry {i} lost"),
        }
    }
    assert!(by_tier[Tier::Cold as usize] > 0, "{by_tier:?}");
    assert_eq!(m.hits(Tier::Hot), by_tier[0]);
    assert_eq!(m.hits(Tier::Warm), by_tier[1]);
    assert_eq!(m.hits(Tier::Cold), by_tier[2]);
    assert_eq!(m.promotions(Tier::Cold, Tier::Hot), by_tier[2]);
    assert_eq!(m.promotions(Tier::Warm, Tier::Hot), by_tier[1]);
    // A promoted entry is now hot.
    let last = keys.last().expect("keys");
    assert!(matches!(cache.get(last), Lookup::Hit(_, Tier::Hot)));
    // The exposition carries the same numbers.
    let text = prometheus::TextEncoder::new()
        .encode_to_string(&registry.gather())
        .expect("encodes");
    assert!(
        text.contains(&format!(
            "syntaxd_cache_hits_total{{tier=\"cold\"}} {}",
            by_tier[2]
        )),
        "{text}"
    );
}

#[test]
fn miss_is_counted_and_unknown_key_is_a_miss() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cache, _) = Cache::open(
        config(dir.path(), 1 << 20, 1 << 20),
        &prometheus::Registry::new(),
    )
    .expect("opens");
    let key = entry(1, 100).key();
    assert!(matches!(cache.get(&key), Lookup::Miss));
    assert_eq!(cache.metrics().misses(), 1);
}

/// Writes real entries through the pipeline, reopens, and checks every cold hit's tree.
#[cfg(feature = "tree-sitter-python")]
#[test]
fn entries_survive_a_restart_and_verify_against_a_fresh_parse() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = tempfile::tempdir().expect("tempdir");
    corpus::assemble(corpus.path(), &["python"]);
    let files: Vec<_> = corpus::files(corpus.path(), "python")
        .into_iter()
        .step_by(25)
        .collect();
    assert!(files.len() > 40);
    let python = registry().language_for_name("python").expect("python");
    let open = || {
        let (cache, _) = Cache::open(
            config(dir.path(), 1 << 26, 1 << 24),
            &prometheus::Registry::new(),
        )
        .expect("opens");
        Analyzer::new(
            ParseEngine::new(EngineConfig::default()),
            Some(Arc::new(cache)),
            16 << 20,
            Duration::from_secs(10),
        )
    };
    {
        let analyzer = open();
        for f in &files {
            let a = analyzer
                .analyze(
                    python,
                    std::fs::read(f).expect("reads"),
                    CancelHandle::new(),
                )
                .expect("parses");
            assert!(matches!(
                a.cache,
                syntaxd::pipeline::CacheStatus::Miss | syntaxd::pipeline::CacheStatus::Hot
            ));
        }
    }
    let analyzer = open();
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(python.ts_language().expect("available"))
        .expect("loads");
    for f in &files {
        let source = std::fs::read(f).expect("reads");
        let (entry, tier) = analyzer
            .lookup(python, &source)
            .expect("every file is cached after a restart");
        assert_eq!(tier, Tier::Cold);
        let tree = parser.parse(&source, None).expect("parses");
        bytecode::verify(&tree, &source, &entry.bytecode).expect("cold entry equals a fresh parse");
        assert!(
            entry.symbols.is_some(),
            "python has a tags query: symbols are stored"
        );
    }
}

#[test]
fn corrupt_values_are_misses_with_a_metric_and_the_cache_keeps_working() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cache, _) =
        Cache::open(config(dir.path(), 1, 1), &prometheus::Registry::new()).expect("opens");
    let good = cache.put(entry(1, 5000)).expect("stores").key();
    let victim = cache.put(entry(2, 5000)).expect("stores").key();
    cache.run_pending_tasks();
    // Demotions queue cold writes of the same keys; let them land before the values are
    // damaged (a later one would find the damage and repair it, see below).
    cache.drain_writes();
    // Flip one bit in the stored value of `victim`, and truncate another.
    let mut stored = cache
        .cold()
        .get(&victim.to_string())
        .expect("reads")
        .expect("stored");
    let mid = stored.len() / 2;
    stored[mid] ^= 0x10;
    cache
        .cold()
        .put_many(&[(victim.to_string(), stored)])
        .expect("rewrites");
    let truncated = cache.put(entry(3, 5000)).expect("stores").key();
    cache.run_pending_tasks();
    cache.drain_writes();
    let mut t = cache
        .cold()
        .get(&truncated.to_string())
        .expect("reads")
        .expect("stored");
    t.truncate(t.len() - 7);
    cache
        .cold()
        .put_many(&[(truncated.to_string(), t)])
        .expect("rewrites");
    // A value stored under the wrong key is a wrong answer waiting to happen: also rejected.
    let foreign = envelope::seal(
        &entry(9, 100).to_payload(),
        1,
        syntaxd::cache::Codec::Zstd,
        3,
    );
    let wrong_key = entry(4, 100).key();
    cache
        .cold()
        .put_many(&[(wrong_key.to_string(), foreign)])
        .expect("writes");
    cache.run_pending_tasks();

    for key in [&victim, &truncated, &wrong_key] {
        assert!(matches!(cache.get(key), Lookup::Miss), "{key}");
    }
    assert_eq!(cache.metrics().corrupt_count(Tier::Cold), 3);
    assert!(
        !cache.cold().contains(&victim.to_string()).expect("reads"),
        "the bad value is removed"
    );
    assert!(matches!(cache.get(&good), Lookup::Hit(..)));
    cache.put(entry(2, 5000)).expect("stores again");
    assert!(matches!(cache.get(&victim), Lookup::Hit(..)));
}

#[test]
fn a_damaged_store_file_is_moved_aside_and_the_cache_starts_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let (cache, _) = Cache::open(
            config(dir.path(), 1 << 20, 1 << 20),
            &prometheus::Registry::new(),
        )
        .expect("opens");
        for i in 0..20 {
            cache.put(entry(i, 3000)).expect("stores");
        }
    }
    let file = dir.path().join(syntaxd::cache::store::STORE_FILE);
    let mut bytes = std::fs::read(&file).expect("reads");
    for b in bytes.iter_mut().take(4096) {
        *b = !*b;
    }
    std::fs::write(&file, &bytes).expect("writes");
    let (cache, report) = Cache::open(
        config(dir.path(), 1 << 20, 1 << 20),
        &prometheus::Registry::new(),
    )
    .expect("opens anyway");
    assert!(report.moved_aside.is_some(), "{report:?}");
    cache.put(entry(1, 100)).expect("the new store works");
}

/// Golden values of every released cache format: each must still open, or `cache migrate`
/// must rewrite it. Regenerate only when adding a format version (never edit an old one).
#[cfg(feature = "tree-sitter-python")]
/// Every released entry format still opens: format 1 (no summary) and format 2 (with the
/// tree summary), each under every codec.
#[test]
fn golden_v1_values_still_open_and_decode() {
    let golden_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cache");
    let source = std::fs::read(golden_dir.join("v1-source.py")).expect("golden source");
    let python = registry().language_for_name("python").expect("python");
    for format in [1u16, 2] {
        for codec in ["none", "lz4", "zstd"] {
            let path = golden_dir.join(format!("v{format}-entry-{codec}.bin"));
            if std::env::var_os("SYNTAXD_WRITE_GOLDEN").is_some() {
                write_golden(&path, &source, codec, format);
            }
            let sealed = std::fs::read(&path).expect("golden file is committed");
            let (header, payload) = envelope::open(&sealed).expect("v1 envelope opens");
            assert_eq!(header.version, 1);
            assert_eq!(header.payload_version, format);
            assert_eq!(header.codec.as_str(), codec);
            let entry = CacheEntry::from_payload(header.payload_version, &payload)
                .expect("golden entry parses");
            assert_eq!(entry.source, source);
            assert_eq!(entry.language_id, "python");
            let tree = bytecode::decode(&entry.bytecode).expect("v1 bytecode decodes");
            let mut parser = tree_sitter::Parser::new();
            parser
                .set_language(python.ts_language().expect("available"))
                .expect("loads");
            let fresh = parser.parse(&source, None).expect("parses");
            assert_eq!(
                tree.to_sexp(python.ts_language().expect("available")),
                fresh.root_node().to_sexp()
            );
            match format {
                1 => assert_eq!(entry.summary, None),
                _ => assert_eq!(entry.summary, Some(syntaxd::pipeline::summarize(&fresh))),
            }
        }
    }
}

#[cfg(feature = "tree-sitter-python")]
fn write_golden(path: &Path, source: &[u8], codec: &str, format: u16) {
    let python = registry().language_for_name("python").expect("python");
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(python.ts_language().expect("available"))
        .expect("loads");
    let tree = parser.parse(source, None).expect("parses");
    let meta = bytecode::EncodeMeta {
        language_id: "python",
        grammar_version: &python.grammar_version,
    };
    let entry = CacheEntry {
        language_id: "python".into(),
        grammar_version: python.grammar_version.clone(),
        bytecode_version: bytecode::FORMAT_VERSION,
        source: source.to_vec(),
        bytecode: bytecode::encode(&tree, source, &meta),
        symbols: Some(b"{\"symbols\":[],\"complete\":true,\"incomplete_reason\":null}".to_vec()),
        summary: Some(syntaxd::pipeline::summarize(&tree)),
        symbols_packed: None,
    };
    let codec = match codec {
        "lz4" => syntaxd::cache::Codec::Lz4,
        "zstd" => syntaxd::cache::Codec::Zstd,
        _ => syntaxd::cache::Codec::None,
    };
    std::fs::write(
        path,
        envelope::seal(&entry.to_payload_as(format), format, codec, 3),
    )
    .expect("writes golden");
}

/// `syntaxd symbols` over a tree reads and writes through the cold tier only: neither its
/// first run (parsing) nor its second (cached) fills the memory tiers with the tree's entries
/// (they once held every file, hundreds of MB for a large tree), and both write the same tags.
#[test]
fn a_tags_run_leaves_the_memory_tiers_empty_and_a_second_run_reads_the_same_symbols() {
    use syntaxd::symbols::tags_file::TagsSelection;
    use syntaxd::tags::{TagsFormat, TagsOptions, write_tags};
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = tempfile::tempdir().expect("tempdir");
    corpus::assemble(corpus.path(), &["python"]);
    let (cache, analyzer) = tags_setup(dir.path());
    let options = TagsOptions {
        paths: vec![corpus.path().join("python")],
        recursive: true,
        threads: 2,
        format: TagsFormat::Json,
        selection: TagsSelection::default(),
    };
    let mut runs = Vec::new();
    for run in ["cold", "warm"] {
        let mut out = Vec::new();
        let summary = write_tags(&analyzer, &options, &mut out).expect("runs");
        cache.run_pending_tasks();
        let stats = cache.stats();
        assert_eq!(stats.hot.entries, 0, "{run}: hot tier filled");
        assert_eq!(stats.warm.entries, 0, "{run}: warm tier filled");
        assert!(summary.symbols > 1000, "{run}: {summary:?}");
        runs.push((summary, out));
    }
    let (cold, warm) = (&runs[0], &runs[1]);
    assert!(cold.0.parsed > 100, "{:?}", cold.0);
    assert_eq!(warm.0.parsed, 0, "{:?}", warm.0);
    assert_eq!(warm.0.cache_hits, cold.0.parsed + cold.0.cache_hits);
    assert_eq!(warm.1, cold.1, "the cached run writes the same symbols");
}

/// `syntaxd symbols` reads a cached file's list from the packed copy the cold tier keeps
/// beside the entry: the copy is the entry's list, counts in the store's bytes, and a damaged
/// copy is not used (the file is parsed again, the output does not change); a copy of another
/// format falls back to the entry's JSON; a purge leaves nothing behind.
#[test]
fn symbols_come_from_their_packed_copy_and_a_bad_copy_is_not_used() {
    use syntaxd::cache::Codec;
    use syntaxd::symbols::SymbolsResult;
    use syntaxd::symbols::packed::unpack;
    use syntaxd::symbols::tags_file::TagsSelection;
    use syntaxd::tags::{TagsFormat, TagsOptions, write_tags};
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = tempfile::tempdir().expect("tempdir");
    let sources = [
        "class Reader:\n    \"\"\"Reads.\"\"\"\n    def read(self, n):\n        return n\n",
        "def top(a, b):\n    def inner():\n        return a\n    return inner() + b\n",
        "import os\n\nLIMIT = 3\n\nclass A:\n    class B:\n        def m(self):\n            pass\n",
    ];
    for (i, text) in sources.iter().enumerate() {
        std::fs::write(tree.path().join(format!("m{i}.py")), text).expect("write");
    }
    let (cache, analyzer) = tags_setup(dir.path());
    let options = TagsOptions {
        paths: vec![tree.path().to_path_buf()],
        recursive: true,
        threads: 2,
        format: TagsFormat::Json,
        selection: TagsSelection::default(),
    };
    let run = || {
        let mut out = Vec::new();
        let summary = write_tags(&analyzer, &options, &mut out).expect("runs");
        (summary, out)
    };
    let (cold, cold_out) = run();
    assert_eq!(cold.parsed, 3, "{cold:?}");
    let python = registry().language_for_name("python").expect("python");
    let keys: Vec<CacheKey> = sources
        .iter()
        .map(|s| Analyzer::key_for(python, s.as_bytes()))
        .collect();
    let mut stored = 0;
    for key in &keys {
        let packed = cache.get_packed_symbols(key).expect("a packed copy");
        let json = cache.get_symbols(key).flatten().expect("the entry's list");
        let from_json: SymbolsResult = serde_json::from_slice(&json).expect("JSON");
        assert_eq!(unpack(&packed).expect("unpacks"), from_json);
        assert!(!from_json.symbols.is_empty());
        let k = key.to_string();
        stored += cache.cold().get(&k).expect("reads").expect("entry").len();
        stored += cache
            .cold()
            .get_symbols(&k)
            .expect("reads")
            .expect("copy")
            .len();
    }
    assert_eq!(cache.cold().stats().expect("stats").1, stored as u64);

    // A damaged copy: not used; the key goes (entry and copy) and the file is parsed again.
    let k0 = keys[0].to_string();
    let entry0 = cache.cold().get(&k0).expect("reads").expect("entry");
    let mut bad = cache.cold().get_symbols(&k0).expect("reads").expect("copy");
    let last = bad.len() - 1;
    bad[last] ^= 0x40;
    cache
        .cold()
        .put_many_with_symbols(&[(&k0, &entry0)], &[(&k0, &bad)])
        .expect("stores");
    // A copy of a packed format this syntaxd does not know: the entry's JSON answers.
    let k1 = keys[1].to_string();
    let entry1 = cache.cold().get(&k1).expect("reads").expect("entry");
    let future = envelope::seal(b"\x63not a list", 99, Codec::Lz4, 0);
    cache
        .cold()
        .put_many_with_symbols(&[(&k1, &entry1)], &[(&k1, &future)])
        .expect("stores");
    let (warm, warm_out) = run();
    assert_eq!((warm.parsed, warm.cache_hits), (1, 2), "{warm:?}");
    assert_eq!(warm_out, cold_out, "the same symbols from every path");
    assert!(cache.get_packed_symbols(&keys[0]).is_some(), "stored again");
    assert!(cache.get_packed_symbols(&keys[1]).is_none());

    cache.cold().purge().expect("purges");
    assert_eq!(cache.cold().stats().expect("stats"), (0, 0));
    for key in &keys {
        let k = key.to_string();
        assert_eq!(cache.cold().get_symbols(&k).expect("reads"), None);
    }
}

/// A cache in `dir` (tiers large enough for a whole run) and an analyzer over it.
fn tags_setup(dir: &Path) -> (Arc<Cache>, Arc<Analyzer>) {
    let (cache, _) =
        Cache::open(config(dir, 1 << 28, 1 << 26), &prometheus::Registry::new()).expect("opens");
    let cache = Arc::new(cache);
    let analyzer = Arc::new(Analyzer::new(
        ParseEngine::new(EngineConfig::default()),
        Some(Arc::clone(&cache)),
        16 << 20,
        Duration::from_secs(10),
    ));
    (cache, analyzer)
}
