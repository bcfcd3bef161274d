//! `cache migrate` and `cache verify --repair` (the `maintenance` module), on a real store:
//! an entry of an old format is rewritten under the current one, a current entry is left as it
//! is, an unreadable value and an entry of a language this build does not carry are dropped;
//! `verify --repair` reports and removes a damaged value and leaves the good ones. Both read
//! the store a page at a time (here, pages of one entry too).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use syntaxd::cache::{Cache, CacheConfig, CacheEntry, Codec, envelope};
use syntaxd::language::registry;
use syntaxd::maintenance::{migrate, migrate_in_pages, verify, verify_in_pages};
use syntaxd::parse::{CancelHandle, EngineConfig, ParseEngine};
use syntaxd::pipeline::Analyzer;

fn open(dir: &Path) -> (Arc<Cache>, Analyzer) {
    let (cache, _) = Cache::open(
        CacheConfig::with_defaults(dir.to_path_buf()),
        &prometheus::Registry::new(),
    )
    .expect("opens");
    let cache = Arc::new(cache);
    let analyzer = Analyzer::new(
        ParseEngine::new(EngineConfig::default()),
        Some(Arc::clone(&cache)),
        16 << 20,
        Duration::from_secs(10),
    );
    (cache, analyzer)
}

#[test]
fn migrate_rewrites_old_entries_and_drops_what_cannot_be_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cache, analyzer) = open(dir.path());
    let python = registry().language_for_name("python").expect("python");
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cache");
    // A format-1 entry, stored under its own key.
    let old = std::fs::read(golden.join("v1-entry-zstd.bin")).expect("golden file");
    let (header, payload) = envelope::open(&old).expect("opens");
    let old_entry = CacheEntry::from_payload(header.payload_version, &payload).expect("parses");
    let old_key = old_entry.key().to_string();
    // A current entry.
    let current_source = b"def current():\n    return 1\n".to_vec();
    let (current, _, _) = analyzer
        .parse_entry(python, current_source.clone(), CancelHandle::new())
        .expect("parses");
    let current_key = current.key().to_string();
    cache.put(current).expect("stores");
    // An entry of an older grammar version: its fresh key sorts after its own.
    let (mut stale, _, _) = analyzer
        .parse_entry(
            python,
            b"def stale():\n    pass\n".to_vec(),
            CancelHandle::new(),
        )
        .expect("parses");
    stale.grammar_version = "0.0.0".to_owned();
    let stale_key = stale.key().to_string();
    let stale_fresh_key = Analyzer::key_for(python, &stale.source).to_string();
    assert!(stale_fresh_key > stale_key);
    let stale_value = envelope::seal(&stale.to_payload(), 2, Codec::Zstd, 3);
    // A language this build does not carry, and a value that is no envelope.
    let mut alien = old_entry.clone();
    alien.language_id = "klingon".to_owned();
    let alien_key = alien.key().to_string();
    let alien_value = envelope::seal(&alien.to_payload(), 2, Codec::Zstd, 3);
    cache
        .cold()
        .put_many(&[
            (old_key.clone(), old),
            (alien_key.clone(), alien_value),
            ("garbage".to_owned(), b"not an envelope".to_vec()),
            (stale_key.clone(), stale_value),
        ])
        .expect("stores");

    // One entry a page: the store is read in pages, and an entry this run rewrote under a key
    // that sorts later is not read again.
    let report = migrate_in_pages(&cache, &analyzer, 1);
    assert_eq!(
        (
            report.checked,
            report.current,
            report.migrated,
            report.dropped
        ),
        (5, 1, 2, 2),
        "{report:?}"
    );
    let fresh_key = Analyzer::key_for(python, &old_entry.source).to_string();
    for (key, present) in [
        (&fresh_key, true),
        (&current_key, true),
        (&stale_fresh_key, true),
        (&stale_key, false),
        (&alien_key, false),
        (&"garbage".to_owned(), false),
    ] {
        assert_eq!(
            cache.cold().get(key).expect("reads").is_some(),
            present,
            "{key}"
        );
    }
    if fresh_key != old_key {
        assert_eq!(cache.cold().get(&old_key).expect("reads"), None);
    }
    // What was migrated is current: a second run rewrites nothing.
    let again = migrate(&cache, &analyzer);
    assert_eq!(
        (again.checked, again.current, again.migrated, again.dropped),
        (3, 3, 0, 0)
    );
    let check = verify(&cache, false);
    assert!(check.is_clean(), "{check:?}");
    assert_eq!(check.ok, 3);
}

#[test]
fn verify_with_repair_removes_bad_values_and_keeps_good_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cache, analyzer) = open(dir.path());
    let python = registry().language_for_name("python").expect("python");
    let (good, _, _) = analyzer
        .parse_entry(
            python,
            b"class Kept:\n    pass\n".to_vec(),
            CancelHandle::new(),
        )
        .expect("parses");
    let good_key = good.key().to_string();
    cache.put(good).expect("stores");
    // A valid envelope stored under another entry's key, and a value with a flipped byte.
    let (other, _, _) = analyzer
        .parse_entry(python, b"x = 1\n".to_vec(), CancelHandle::new())
        .expect("parses");
    let misfiled = envelope::seal(&other.to_payload(), 2, Codec::Zstd, 3);
    let mut flipped = misfiled.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    cache
        .cold()
        .put_many(&[
            ("misfiled".to_owned(), misfiled),
            ("flipped".to_owned(), flipped),
        ])
        .expect("stores");

    let report = verify_in_pages(&cache, false, 1);
    assert!(!report.is_clean());
    assert_eq!(
        (report.checked, report.ok, report.removed),
        (3, 1, 0),
        "{report:?}"
    );
    let mut bad: Vec<&str> = report.bad.iter().map(|b| b.key.as_str()).collect();
    bad.sort_unstable();
    assert_eq!(bad, ["flipped", "misfiled"]);

    let repaired = verify(&cache, true);
    assert_eq!(repaired.removed, 2, "{repaired:?}");
    let after = verify(&cache, false);
    assert!(after.is_clean(), "{after:?}");
    assert_eq!((after.checked, after.ok), (1, 1));
    assert!(cache.cold().get(&good_key).expect("reads").is_some());
}
