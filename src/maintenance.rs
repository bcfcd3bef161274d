//! Offline cache maintenance behind `syntaxd cache stats|verify|migrate|purge`: checks every
//! cold entry end to end, rewrites entries of older formats or grammars, and reports.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::bytecode;
use crate::cache::{Cache, CacheEntry, CacheStats, ENTRY_FORMAT_VERSION, envelope};
use crate::language::registry;
use crate::parse::CancelHandle;
use crate::pipeline::Analyzer;

/// `cache stats`: the tiers plus cold entries per language.
#[derive(Debug, Serialize)]
pub struct StatsReport {
    /// Path of the store.
    pub store: String,
    /// Per-tier figures.
    pub tiers: CacheStats,
    /// Cold entries per language id (from the keys).
    pub languages: BTreeMap<String, u64>,
}

/// Cold entries per language, from the stored keys.
pub fn stats(cache: &Cache) -> StatsReport {
    let mut languages = BTreeMap::new();
    let _ = cache.cold().for_each(|key, _| {
        let lang = key.split(':').next().unwrap_or("?").to_string();
        *languages.entry(lang).or_insert(0u64) += 1;
    });
    StatsReport {
        store: cache.cold().path().display().to_string(),
        tiers: cache.stats(),
        languages,
    }
}

/// One entry that failed verification.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BadEntry {
    /// Its key.
    pub key: String,
    /// What failed.
    pub reason: String,
}

/// The result of redb's integrity check of the store's pages.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct IntegrityReport {
    /// Every page checksum of the committed trees and the allocator state verified.
    pub ok: bool,
    /// What failed, when it failed.
    pub detail: Option<String>,
    /// With `--repair`: where the damaged store was moved (a fresh one replaces it).
    pub moved_aside: Option<String>,
}

/// `cache verify`.
#[derive(Debug, Default, Serialize)]
pub struct VerifyReport {
    /// redb's integrity check of the store's pages (run first; entries are read only when it
    /// passes).
    pub integrity: IntegrityReport,
    /// Entries read.
    pub checked: u64,
    /// Entries that verified: envelope, payload, key, bytecode decode, and a node-for-node
    /// round-trip against a fresh parse of the stored source.
    pub ok: u64,
    /// Entries of another grammar version or format (valid, but not checkable by this build;
    /// `cache migrate` rewrites them).
    pub stale: u64,
    /// Entries that failed, with the reason.
    pub bad: Vec<BadEntry>,
    /// Bad entries removed (`--repair`).
    pub removed: u64,
}

impl VerifyReport {
    /// Whether the store is intact: pages and every entry (stale entries are not damage).
    pub fn is_clean(&self) -> bool {
        self.integrity.ok && self.bad.is_empty()
    }
}

/// Entries read from the store at once by `verify` and `migrate`: their memory is one page of
/// values, whatever the size of the store.
pub const PAGE_ENTRIES: usize = 256;

/// Calls `f(key, value)` for every cold entry, in key order, reading `page_entries` at a time
/// (each page in its own read transaction: `f` may write to the store).
fn for_each_page(
    cache: &Cache,
    page_entries: usize,
    mut f: impl FnMut(String, Vec<u8>),
) -> Result<(), crate::cache::StoreError> {
    let mut after: Option<String> = None;
    loop {
        let page = cache
            .cold()
            .page_after(after.as_deref(), page_entries.max(1))?;
        let Some((last, _)) = page.last() else {
            return Ok(());
        };
        after = Some(last.clone());
        for (key, value) in page {
            f(key, value);
        }
    }
}

/// Runs redb's integrity check, then verifies every cold entry; with `repair`, moves a
/// damaged store aside (a fresh one replaces it) and removes bad entries.
pub fn verify(cache: &Cache, repair: bool) -> VerifyReport {
    verify_in_pages(cache, repair, PAGE_ENTRIES)
}

/// [`verify`], reading `page_entries` entries at a time.
pub fn verify_in_pages(cache: &Cache, repair: bool, page_entries: usize) -> VerifyReport {
    let mut report = VerifyReport::default();
    match cache.cold().check_integrity() {
        Ok(None) => report.integrity.ok = true,
        Ok(Some(detail)) => {
            report.integrity.detail = Some(detail.clone());
            if repair {
                match cache.cold().replace_damaged(&detail) {
                    Ok(aside) => report.integrity.moved_aside = Some(aside.display().to_string()),
                    Err(e) => {
                        report.integrity.detail = Some(format!("{detail}; not replaced: {e}"));
                    }
                }
            }
            return report;
        }
        Err(e) => {
            report.integrity.detail = Some(e.to_string());
            return report;
        }
    }
    let scanned = for_each_page(cache, page_entries, |key, value| {
        report.checked += 1;
        match verify_one(&key, &value) {
            Ok(true) => report.ok += 1,
            Ok(false) => report.stale += 1,
            Err(reason) => report.bad.push(BadEntry { key, reason }),
        }
    });
    if let Err(e) = scanned {
        report.bad.push(BadEntry {
            key: "*".to_string(),
            reason: format!("store unreadable: {e}"),
        });
        return report;
    }
    if repair && !report.bad.is_empty() {
        let keys: Vec<String> = report.bad.iter().map(|b| b.key.clone()).collect();
        report.removed = cache.cold().remove_many(&keys).unwrap_or(0);
    }
    report
}

/// `Ok(true)` verified, `Ok(false)` stale (other grammar/format), `Err` bad.
fn verify_one(key: &str, value: &[u8]) -> Result<bool, String> {
    let (header, payload) = envelope::open(value).map_err(|e| e.to_string())?;
    let entry =
        CacheEntry::from_payload(header.payload_version, &payload).map_err(|e| e.to_string())?;
    if entry.key().to_string() != key {
        return Err(format!("stored under {key} but is {}", entry.key()));
    }
    let language = registry()
        .language_for_name(&entry.language_id)
        .map_err(|e| e.to_string())?;
    if entry.grammar_version != language.grammar_version
        || entry.bytecode_version != bytecode::FORMAT_VERSION
    {
        return Ok(false);
    }
    let Ok(grammar) = language.ts_language() else {
        return Ok(false);
    };
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(grammar).map_err(|e| e.to_string())?;
    let tree = parser
        .parse(&entry.source, None)
        .ok_or_else(|| "fresh parse returned no tree".to_string())?;
    bytecode::verify(&tree, &entry.source, &entry.bytecode)
        .map_err(|e| format!("bytecode does not round-trip: {e}"))?;
    Ok(true)
}

/// `cache migrate`.
#[derive(Debug, Default, Serialize)]
pub struct MigrateReport {
    /// Entries read.
    pub checked: u64,
    /// Entries already current.
    pub current: u64,
    /// Entries rewritten (older envelope/entry/bytecode format or grammar version): reparsed
    /// from their stored source with this build's grammar and stored under their new key.
    pub migrated: u64,
    /// Entries dropped: unreadable, or of a language this build does not carry.
    pub dropped: u64,
}

/// Rewrites every entry that is not in the current formats and grammar versions.
pub fn migrate(cache: &Cache, analyzer: &Analyzer) -> MigrateReport {
    migrate_in_pages(cache, analyzer, PAGE_ENTRIES)
}

/// [`migrate`], reading `page_entries` entries at a time.
pub fn migrate_in_pages(cache: &Cache, analyzer: &Analyzer, page_entries: usize) -> MigrateReport {
    let mut report = MigrateReport::default();
    let mut remove = Vec::new();
    // Keys written by this run: a later page may list them, and they are not entries read.
    let mut written = std::collections::HashSet::new();
    let _ = for_each_page(cache, page_entries, |key, value| {
        if written.contains(&key) {
            return;
        }
        report.checked += 1;
        let opened = envelope::open(&value).ok().and_then(|(h, payload)| {
            CacheEntry::from_payload(h.payload_version, &payload)
                .ok()
                .map(|e| (h, e))
        });
        let Some((header, entry)) = opened else {
            report.dropped += 1;
            remove.push(key);
            return;
        };
        let language = registry()
            .language_for_name(&entry.language_id)
            .ok()
            .filter(|l| l.available());
        let Some(language) = language else {
            report.dropped += 1;
            remove.push(key);
            return;
        };
        let current = header.version == envelope::ENVELOPE_VERSION
            && header.payload_version == ENTRY_FORMAT_VERSION
            && entry.bytecode_version == bytecode::FORMAT_VERSION
            && entry.grammar_version == language.grammar_version;
        if current {
            report.current += 1;
            return;
        }
        match analyzer.parse_entry(language, entry.source, CancelHandle::new()) {
            Ok((fresh, _, _)) => {
                let fresh_key = fresh.key().to_string();
                if cache.put(fresh).is_ok() {
                    report.migrated += 1;
                    if fresh_key != key {
                        remove.push(key);
                    }
                    written.insert(fresh_key);
                }
            }
            Err(e) => {
                tracing::warn!(key = %key, error = %e, "migrate: entry could not be reparsed; dropped");
                report.dropped += 1;
                remove.push(key);
            }
        }
    });
    let _ = cache.cold().remove_many(&remove);
    report
}
