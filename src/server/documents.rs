//! Open live documents: a table bounded in count and total weight (text + tree + line index,
//! see [`document_weight`]); over a bound the least recently used document is closed (and counted in `syntaxd_documents_evicted_total`).
//!
//! The table's lock is a `std::sync::Mutex` taken only for short bookkeeping (never across
//! `.await`); each document has its own mutex, taken on blocking threads while it is parsed,
//! edited or queried.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts};

use crate::parse::{Document, TREE_BYTES_PER_SOURCE_BYTE};

/// A shared, individually locked document.
pub type SharedDocument = Arc<Mutex<Document>>;

/// Longest document id accepted.
pub const MAX_DOCUMENT_ID_BYTES: usize = 512;

struct Metrics {
    open: IntGauge,
    bytes: IntGauge,
    evicted: IntCounter,
    symbols: IntCounterVec,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    Metrics {
    open: register(
        IntGauge::new("syntaxd_documents_open", "Live documents currently open.")
            .expect("static metric definition is valid"),
    ),
    bytes: register(
        IntGauge::new(
            "syntaxd_documents_bytes",
            "Total weight of the open live documents: text, estimated tree and line index.",
        )
        .expect("static metric definition is valid"),
    ),
    evicted: register(
        IntCounter::new(
            "syntaxd_documents_evicted_total",
            "Live documents closed because the count or byte bound was exceeded.",
        )
        .expect("static metric definition is valid"),
    ),
    symbols: register(
        IntCounterVec::new(
            Opts::new(
                "syntaxd_document_symbols_total",
                "Symbol lists of open documents answered, by how: cached (unchanged since the last answer), incremental (only what edits touched re-extracted) or full.",
            ),
            &["how"],
        )
        .expect("static metric definition is valid"),
    ),
}
});

/// Counts one answer of a document's symbols in `syntaxd_document_symbols_total`.
pub fn record_document_symbols(how: crate::symbols::DocumentSymbolsSource) {
    use crate::symbols::DocumentSymbolsSource as How;
    let label = match how {
        How::Cached => "cached",
        How::Incremental => "incremental",
        How::Full => "full",
    };
    METRICS.symbols.with_label_values(&[label]).inc();
}

fn register<C: prometheus::core::Collector + Clone + 'static>(c: C) -> C {
    if let Err(e) = prometheus::default_registry().register(Box::new(c.clone())) {
        tracing::debug!(error = %e, "documents metric already registered");
    }
    c
}

/// Why a document cannot be admitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentsError {
    /// The document alone weighs more than the bound of all documents.
    #[error(
        "document weighing {bytes} bytes (text, tree and line index) exceeds documents.max_total_bytes ({limit})"
    )]
    TooLarge {
        /// Its size.
        bytes: usize,
        /// The bound.
        limit: usize,
    },
}

/// The table of open documents.
pub struct Documents {
    table: Mutex<Table>,
    max_documents: usize,
    max_total_bytes: usize,
}

#[derive(Default)]
struct Table {
    slots: HashMap<String, Slot>,
    tick: u64,
    total_bytes: usize,
}

struct Slot {
    doc: SharedDocument,
    bytes: usize,
    last_used: u64,
    binding: Option<DocumentBinding>,
}

/// The workspace file an open document stands for (`PUT` with `workspace` and `path`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentBinding {
    /// The workspace id.
    pub workspace: String,
    /// The file's path relative to the workspace root, `/`-separated.
    pub path: String,
}

impl Documents {
    /// An empty table with these bounds.
    pub fn new(max_documents: usize, max_total_bytes: usize) -> Self {
        LazyLock::force(&METRICS);
        Self {
            table: Mutex::new(Table::default()),
            max_documents: max_documents.max(1),
            max_total_bytes,
        }
    }

    /// The document, marked as used now.
    pub fn get(&self, id: &str) -> Option<SharedDocument> {
        let mut table = self.lock();
        table.tick += 1;
        let tick = table.tick;
        let slot = table.slots.get_mut(id)?;
        slot.last_used = tick;
        Some(Arc::clone(&slot.doc))
    }

    /// Opens or replaces `id`, then closes least recently used others while over a bound.
    /// Returns how many were closed.
    ///
    /// # Errors
    /// `TooLarge` when this document alone exceeds the byte bound.
    pub fn insert(&self, id: &str, doc: Document) -> Result<usize, DocumentsError> {
        let bytes = document_weight(&doc);
        if bytes > self.max_total_bytes {
            return Err(DocumentsError::TooLarge {
                bytes,
                limit: self.max_total_bytes,
            });
        }
        let mut table = self.lock();
        table.tick += 1;
        let slot = Slot {
            doc: Arc::new(Mutex::new(doc)),
            bytes,
            last_used: table.tick,
            binding: None,
        };
        if let Some(old) = table.slots.insert(id.to_string(), slot) {
            table.total_bytes -= old.bytes;
        }
        table.total_bytes += bytes;
        let evicted = self.evict(&mut table, id);
        publish(&table);
        Ok(evicted)
    }

    /// Records the new weight of `id` ([`document_weight`]) after an edit and enforces the
    /// bounds.
    pub fn resized(&self, id: &str, bytes: usize) {
        let mut table = self.lock();
        let Some(slot) = table.slots.get_mut(id) else {
            return;
        };
        let old = std::mem::replace(&mut slot.bytes, bytes);
        table.total_bytes = table.total_bytes - old + bytes;
        self.evict(&mut table, id);
        publish(&table);
    }

    /// Closes `id`; `None` when it was not open, else the workspace file it stood for.
    pub fn remove(&self, id: &str) -> Option<Option<DocumentBinding>> {
        let mut table = self.lock();
        let removed = table.slots.remove(id);
        if let Some(slot) = &removed {
            table.total_bytes -= slot.bytes;
        }
        publish(&table);
        removed.map(|slot| slot.binding)
    }

    /// Records the workspace file `id` stands for (after [`Documents::insert`]).
    pub fn bind(&self, id: &str, binding: Option<DocumentBinding>) {
        if let Some(slot) = self.lock().slots.get_mut(id) {
            slot.binding = binding;
        }
    }

    /// The workspace file `id` stands for.
    pub fn binding(&self, id: &str) -> Option<DocumentBinding> {
        self.lock().slots.get(id).and_then(|s| s.binding.clone())
    }

    /// The bound on the total weight of open documents.
    pub fn max_total_bytes(&self) -> usize {
        self.max_total_bytes
    }

    /// (open documents, total bytes).
    pub fn stats(&self) -> (usize, usize) {
        let table = self.lock();
        (table.slots.len(), table.total_bytes)
    }

    fn evict(&self, table: &mut Table, keep: &str) -> usize {
        let mut evicted = 0;
        while table.slots.len() > self.max_documents || table.total_bytes > self.max_total_bytes {
            let victim = table
                .slots
                .iter()
                .filter(|(k, _)| k.as_str() != keep)
                .min_by_key(|(_, s)| s.last_used)
                .map(|(k, _)| k.clone());
            let Some(victim) = victim else { break };
            if let Some(slot) = table.slots.remove(&victim) {
                table.total_bytes -= slot.bytes;
                evicted += 1;
                METRICS.evicted.inc();
                tracing::info!(
                    bytes = slot.bytes,
                    "closed the least recently used document"
                );
            }
        }
        evicted
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // A panic while holding the lock leaves the table consistent (every update is a
        // handful of assignments), so a poisoned lock is still usable.
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn publish(table: &Table) {
    METRICS
        .open
        .set(i64::try_from(table.slots.len()).unwrap_or(i64::MAX));
    METRICS
        .bytes
        .set(i64::try_from(table.total_bytes).unwrap_or(i64::MAX));
}

/// Line-index bytes per line (one `usize` start offset).
const LINE_INDEX_BYTES_PER_LINE: usize = std::mem::size_of::<usize>();

/// What an open document weighs against `documents.max_total_bytes`: its text, its live tree
/// (estimated at [`TREE_BYTES_PER_SOURCE_BYTE`] per text byte, the measured worst case, as for
/// the query trees), its line index and its cached symbols.
pub fn document_weight(doc: &Document) -> usize {
    let text = doc.text().len();
    let tree = usize::try_from(TREE_BYTES_PER_SOURCE_BYTE)
        .unwrap_or(usize::MAX)
        .saturating_mul(text);
    text.saturating_add(tree)
        .saturating_add(doc.line_count().saturating_mul(LINE_INDEX_BYTES_PER_LINE))
        .saturating_add(doc.symbol_cache_weight())
}

/// Locks a document, waiting at most `wait` for a request that holds it (polling, so the
/// waiting blocking thread is bounded in time); `None` when it stays held. Recovers from a
/// poisoned lock like [`lock_document`].
pub fn lock_document_within(
    doc: &SharedDocument,
    wait: Duration,
) -> Option<MutexGuard<'_, Document>> {
    let deadline = Instant::now() + wait;
    let mut pause = Duration::from_micros(200);
    loop {
        match doc.try_lock() {
            Ok(guard) => return Some(guard),
            Err(TryLockError::Poisoned(p)) => return Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => {}
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(10));
    }
}

/// Locks a document, recovering from a poisoned lock (a failed edit leaves the document
/// unchanged, see [`Document::apply_edits`]).
pub fn lock_document(doc: &SharedDocument) -> MutexGuard<'_, Document> {
    doc.lock().unwrap_or_else(|p| p.into_inner())
}
