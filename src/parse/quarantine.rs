//! The parse quarantine: inputs that made a grammar misbehave are refused at once instead of
//! being parsed again.
//!
//! An input enters the quarantine when
//! - its parse ran past its deadline by the watchdog margin (a grammar's external scanner that
//!   spins never reaches tree-sitter's progress callback, so the deadline cannot stop it), or
//! - it was being parsed when the process died (a crash inside grammar C code): every parse
//!   records its content hash in an in-flight file before it starts and clears it when it ends,
//!   so what is left in that file at the next start is what the dead process was parsing.
//!
//! An entry is (language id, xxh3-64 of the source). With a directory, both files live there
//! (normally the cache directory):
//!
//! - `parse-quarantine` — one line per entry, appended when an entry is added:
//!   `<16 hex digits> <language id> <reason> <unix seconds>`; lines starting with `#` are
//!   comments. Delete the file (with the daemon stopped) to lift every quarantine.
//! - `parse-inflight` — fixed records of [`INFLIGHT_RECORD_BYTES`] bytes, one per parse running
//!   now: `<16 hex digits> <language id padded with spaces>\n`, a free record is all spaces
//!   and a newline. Written with one positioned write at the start and one at the end of each
//!   parse; never fsynced (a crash of the process keeps the page cache; only a crash of the
//!   machine loses it). Cleared at start-up, after its records were quarantined, and by
//!   [`Quarantine::close`] on a clean shutdown.
//!
//! The quarantine holds at most [`MAX_ENTRIES`] entries; past that, new ones are logged and
//! not recorded. Failing to read or write the files never fails a parse: the quarantine then
//! works in memory only and says so in the log once.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use super::metrics::METRICS;

/// Name of the quarantine list inside the quarantine directory.
pub const QUARANTINE_FILE: &str = "parse-quarantine";

/// Name of the in-flight record file inside the quarantine directory.
pub const INFLIGHT_FILE: &str = "parse-inflight";

/// Size of one in-flight record: 16 hex digits, a space, the language id padded with spaces
/// to 46 bytes, a newline.
pub const INFLIGHT_RECORD_BYTES: usize = 64;

/// Most entries kept.
pub const MAX_ENTRIES: usize = 10_000;

/// Longest language id an in-flight record holds (ids are short, e.g. `python`).
const MAX_LANGUAGE_BYTES: usize = INFLIGHT_RECORD_BYTES - 18;

/// Why an input is quarantined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuarantineReason {
    /// Its parse ran past the deadline by the watchdog margin.
    Overrun,
    /// It was being parsed when the process died.
    Crashed,
}

impl QuarantineReason {
    /// The word used in the file, logs and error messages: `overrun` or `crashed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Overrun => "overrun",
            Self::Crashed => "crashed",
        }
    }

    /// What happened, for error messages.
    pub fn explain(self) -> &'static str {
        match self {
            Self::Overrun => "an earlier parse of it never returned (a grammar got stuck)",
            Self::Crashed => "an earlier parse of it crashed the daemon",
        }
    }

    fn from_word(word: &str) -> Option<Self> {
        match word {
            "overrun" => Some(Self::Overrun),
            "crashed" => Some(Self::Crashed),
            _ => None,
        }
    }
}

impl std::fmt::Display for QuarantineReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The quarantine. Cheap to clone; clones share the entries and files.
#[derive(Clone, Debug)]
pub struct Quarantine {
    inner: Arc<Inner>,
}

/// A parse recorded as in flight; dropping it clears the record.
#[must_use = "the parse is cleared from the in-flight file as soon as the record is dropped"]
pub struct InFlightRecord {
    slot: Option<usize>,
    inner: Arc<Inner>,
}

impl Quarantine {
    /// A quarantine in memory only (nothing survives the process, no in-flight file).
    pub fn in_memory() -> Self {
        Self {
            inner: Arc::new(Inner {
                dir: None,
                entries: RwLock::new(Entries::default()),
                inflight: None,
                slots: Mutex::new(Vec::new()),
                closed: AtomicBool::new(false),
                write_failed: AtomicBool::new(false),
            }),
        }
    }

    /// Opens the quarantine kept in `dir` (created if missing): loads the list, quarantines
    /// (reason `crashed`) every input the in-flight file still names — the previous process
    /// died while parsing it — and starts a fresh in-flight file. Each I/O failure is logged
    /// and leaves that part in memory only.
    pub fn open(dir: &Path) -> Self {
        let quarantine = Self::in_memory();
        if let Err(err) = std::fs::create_dir_all(dir) {
            tracing::error!(dir = %dir.display(), error = %err, "parse quarantine directory unusable; quarantine kept in memory only");
            return quarantine;
        }
        let mut entries = Entries::default();
        match std::fs::read_to_string(dir.join(QUARANTINE_FILE)) {
            Ok(text) => {
                for (hash, language, reason) in text.lines().filter_map(parse_line) {
                    if entries.len < MAX_ENTRIES {
                        entries.insert(hash, language, reason);
                    }
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                tracing::error!(error = %err, "parse quarantine list unreadable; starting empty");
            }
        }
        let crashed = match std::fs::read(dir.join(INFLIGHT_FILE)) {
            Ok(bytes) => bytes
                .chunks(INFLIGHT_RECORD_BYTES)
                .filter_map(parse_record)
                .collect::<Vec<_>>(),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(err) => {
                tracing::error!(error = %err, "parse in-flight file unreadable");
                Vec::new()
            }
        };
        let inflight = open_private(&dir.join(INFLIGHT_FILE), true)
            .map_err(|err| {
                tracing::error!(error = %err, "parse in-flight file unwritable; crashes will not quarantine their input");
            })
            .ok();
        let quarantine = Self {
            inner: Arc::new(Inner {
                dir: Some(dir.to_path_buf()),
                entries: RwLock::new(entries),
                inflight,
                slots: Mutex::new(Vec::new()),
                closed: AtomicBool::new(false),
                write_failed: AtomicBool::new(false),
            }),
        };
        for (hash, language) in crashed {
            tracing::error!(
                language = %language,
                content_hash = format_args!("{hash:016x}"),
                "the previous process died while parsing this input; quarantined"
            );
            quarantine.insert(hash, language, QuarantineReason::Crashed);
        }
        METRICS.quarantine_entries.set(quarantine.len() as i64);
        quarantine
    }

    /// Why (`language`, `content_hash`) is quarantined, if it is.
    pub fn reason_for(&self, language: &str, content_hash: u64) -> Option<QuarantineReason> {
        self.inner.read().get(content_hash, language)
    }

    /// Quarantines (`language`, `content_hash`); appends it to the list file. Returns false
    /// when it was already quarantined or the quarantine is full.
    pub fn add(&self, language: &str, content_hash: u64, reason: QuarantineReason) -> bool {
        let added = self.insert(content_hash, language.to_owned(), reason);
        METRICS.quarantine_entries.set(self.len() as i64);
        added
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.inner.read().len
    }

    /// Whether nothing is quarantined.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records a parse of (`language`, `content_hash`) as in flight until the record drops.
    /// Without an in-flight file (in memory, or unwritable) the record does nothing.
    pub fn begin(&self, language: &str, content_hash: u64) -> InFlightRecord {
        let mut record = InFlightRecord {
            slot: None,
            inner: Arc::clone(&self.inner),
        };
        if self.inner.inflight.is_none()
            || language.len() > MAX_LANGUAGE_BYTES
            || self.inner.closed.load(Ordering::Acquire)
        {
            return record;
        }
        let slot = {
            let mut slots = self.inner.slots();
            match slots.iter().position(|used| !used) {
                Some(free) => {
                    slots[free] = true;
                    free
                }
                None => {
                    slots.push(true);
                    slots.len() - 1
                }
            }
        };
        let mut bytes = [b' '; INFLIGHT_RECORD_BYTES];
        let hex = format!("{content_hash:016x}");
        bytes[..16].copy_from_slice(hex.as_bytes());
        bytes[17..17 + language.len()].copy_from_slice(language.as_bytes());
        bytes[INFLIGHT_RECORD_BYTES - 1] = b'\n';
        self.inner.write_record(slot, &bytes);
        record.slot = Some(slot);
        record
    }

    /// A clean shutdown: the parses still running did not crash the process, so the in-flight
    /// file is emptied and no longer written.
    pub fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        if let Some(file) = &self.inner.inflight
            && let Err(err) = file.set_len(0)
        {
            tracing::warn!(error = %err, "parse in-flight file not cleared at shutdown");
        }
    }

    /// The directory the quarantine is kept in, if any.
    pub fn dir(&self) -> Option<&Path> {
        self.inner.dir.as_deref()
    }

    fn insert(&self, hash: u64, language: String, reason: QuarantineReason) -> bool {
        {
            let mut entries = self
                .inner
                .entries
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if entries.len >= MAX_ENTRIES {
                tracing::error!(
                    language = %language,
                    content_hash = format_args!("{hash:016x}"),
                    max = MAX_ENTRIES,
                    "parse quarantine full; input not quarantined"
                );
                return false;
            }
            if !entries.insert(hash, language.clone(), reason) {
                return false;
            }
        }
        if let Some(dir) = &self.inner.dir {
            let line = format!("{hash:016x} {language} {reason} {}\n", unix_seconds());
            let appended = open_private(&dir.join(QUARANTINE_FILE), false)
                .and_then(|mut file| file.write_all(line.as_bytes()));
            if let Err(err) = appended {
                tracing::error!(error = %err, "parse quarantine entry not persisted; it lasts until restart");
            }
        }
        true
    }
}

impl Drop for InFlightRecord {
    fn drop(&mut self) {
        let Some(slot) = self.slot else { return };
        let mut blank = [b' '; INFLIGHT_RECORD_BYTES];
        blank[INFLIGHT_RECORD_BYTES - 1] = b'\n';
        self.inner.write_record(slot, &blank);
        if let Some(used) = self.inner.slots().get_mut(slot) {
            *used = false;
        }
    }
}

#[derive(Debug)]
struct Inner {
    dir: Option<PathBuf>,
    entries: RwLock<Entries>,
    inflight: Option<File>,
    /// Which in-flight records are in use.
    slots: Mutex<Vec<bool>>,
    /// Set by [`Quarantine::close`]: the file no longer belongs to a running process.
    closed: AtomicBool,
    /// A write already failed (logged once).
    write_failed: AtomicBool,
}

impl Inner {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Entries> {
        self.entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn slots(&self) -> MutexGuard<'_, Vec<bool>> {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write_record(&self, slot: usize, bytes: &[u8; INFLIGHT_RECORD_BYTES]) {
        let Some(file) = &self.inflight else { return };
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        let offset = (slot * INFLIGHT_RECORD_BYTES) as u64;
        if let Err(err) = write_at(file, bytes, offset)
            && !self.write_failed.swap(true, Ordering::AcqRel)
        {
            tracing::error!(error = %err, "parse in-flight record not written; a crash now would not quarantine its input");
        }
    }
}

/// Entries by content hash (a lookup allocates nothing), then language.
#[derive(Debug, Default)]
struct Entries {
    by_hash: HashMap<u64, Vec<(String, QuarantineReason)>>,
    len: usize,
}

impl Entries {
    fn get(&self, hash: u64, language: &str) -> Option<QuarantineReason> {
        self.by_hash
            .get(&hash)?
            .iter()
            .find(|(l, _)| l == language)
            .map(|(_, r)| *r)
    }

    /// False when already present.
    fn insert(&mut self, hash: u64, language: String, reason: QuarantineReason) -> bool {
        let list = self.by_hash.entry(hash).or_default();
        if list.iter().any(|(l, _)| *l == language) {
            return false;
        }
        list.push((language, reason));
        self.len += 1;
        true
    }
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.write_all_at(bytes, offset)
}

#[cfg(not(unix))]
fn write_at(mut file: &File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(bytes)
}

/// Opens (creating, mode 0600 on Unix) `path` for writing: truncated, or for appending.
fn open_private(path: &Path, truncate: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true);
    if truncate {
        options.write(true).truncate(true);
    } else {
        options.append(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn parse_line(line: &str) -> Option<(u64, String, QuarantineReason)> {
    if line.starts_with('#') {
        return None;
    }
    let mut words = line.split_ascii_whitespace();
    let hash = u64::from_str_radix(words.next()?, 16).ok()?;
    let language = words.next()?.to_owned();
    let reason = QuarantineReason::from_word(words.next()?)?;
    Some((hash, language, reason))
}

fn parse_record(record: &[u8]) -> Option<(u64, String)> {
    if record.len() != INFLIGHT_RECORD_BYTES || record[0] == b' ' {
        return None;
    }
    let text = std::str::from_utf8(record).ok()?;
    parse_line(&format!("{} crashed", text.trim_end())).map(|(hash, language, _)| (hash, language))
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_added_entry_is_refused_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let q = Quarantine::open(dir.path());
        assert_eq!(q.reason_for("python", 7), None);
        assert!(q.add("python", 7, QuarantineReason::Overrun));
        assert!(!q.add("python", 7, QuarantineReason::Overrun), "already in");
        assert_eq!(q.reason_for("python", 7), Some(QuarantineReason::Overrun));
        assert_eq!(q.reason_for("rust", 7), None, "per language");
        drop(q);
        let q = Quarantine::open(dir.path());
        assert_eq!(q.reason_for("python", 7), Some(QuarantineReason::Overrun));
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn what_was_in_flight_when_the_process_died_is_quarantined_at_the_next_open() {
        let dir = tempfile::tempdir().unwrap();
        let q = Quarantine::open(dir.path());
        let done = q.begin("python", 1);
        let crashed = q.begin("rust", 0xdead_beef);
        drop(done);
        let len = std::fs::metadata(dir.path().join(INFLIGHT_FILE))
            .unwrap()
            .len();
        assert_eq!(len, 2 * INFLIGHT_RECORD_BYTES as u64);
        // The process "dies": the record is never cleared.
        std::mem::forget(crashed);
        drop(q);
        let q = Quarantine::open(dir.path());
        assert_eq!(
            q.reason_for("rust", 0xdead_beef),
            Some(QuarantineReason::Crashed)
        );
        assert_eq!(q.reason_for("python", 1), None);
        // The in-flight file starts empty again, and the entry is now in the list.
        assert_eq!(
            std::fs::metadata(dir.path().join(INFLIGHT_FILE))
                .unwrap()
                .len(),
            0
        );
        drop(q);
        let q = Quarantine::open(dir.path());
        assert_eq!(
            q.reason_for("rust", 0xdead_beef),
            Some(QuarantineReason::Crashed)
        );
    }

    #[test]
    fn a_clean_close_forgets_parses_still_running() {
        let dir = tempfile::tempdir().unwrap();
        let q = Quarantine::open(dir.path());
        let running = q.begin("python", 9);
        q.close();
        drop(running);
        drop(q);
        let q = Quarantine::open(dir.path());
        assert!(q.is_empty());
    }

    #[test]
    fn freed_records_are_reused() {
        let dir = tempfile::tempdir().unwrap();
        let q = Quarantine::open(dir.path());
        for n in 0..100 {
            let _r = q.begin("python", n);
        }
        let len = std::fs::metadata(dir.path().join(INFLIGHT_FILE))
            .unwrap()
            .len();
        assert_eq!(len, INFLIGHT_RECORD_BYTES as u64);
    }

    #[test]
    fn malformed_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(QUARANTINE_FILE),
            "# comment\nzz python overrun 1\n00000000000000ff python overrun 1\nbad\n",
        )
        .unwrap();
        let q = Quarantine::open(dir.path());
        assert_eq!(q.len(), 1);
        assert_eq!(
            q.reason_for("python", 0xff),
            Some(QuarantineReason::Overrun)
        );
    }
}
