//! The in-memory symbol index of one workspace: per file, its language and the definitions and
//! references of its tags query (name, kind, range, container), with running totals and an
//! approximate memory figure; and how one file is indexed through the pipeline and its cache.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use crate::cache::{Cache, Sealed};
use crate::language::{QueryKind, looks_binary, registry};
use crate::parse::{CancelHandle, ParseBudget, ParseError};
use crate::pipeline::{AnalyzeError, Analyzer};
use crate::position::{Position, Range};
use crate::query::QueryLimits;
use crate::symbols::{Symbol, SymbolConfig, SymbolOptions, SymbolRole, extract_symbols};

use super::names::NameIndex;
use super::walk::{Refused, WalkedFile, read_inside};

/// Room left after the last (or before the first) file's number when a file is added past the
/// ends of the path order: appending in path order (a walk's order) then needs no renumbering.
const ORDER_END_GAP: u64 = 1 << 32;

/// A number strictly between `below` and `above` (`None`: no such bound; the numbers used are
/// 1 ..= `u64::MAX - 1`), or `None` when there is none.
fn order_between(below: Option<u64>, above: Option<u64>) -> Option<u64> {
    let mid = |low: u64, high: u64| (high - low >= 2).then(|| low + (high - low) / 2);
    match (below, above) {
        (None, None) => Some(1 << 63),
        (Some(low), None) if u64::MAX - low > ORDER_END_GAP => Some(low + ORDER_END_GAP),
        (Some(low), None) => mid(low, u64::MAX),
        (None, Some(high)) if high > ORDER_END_GAP => Some(high - ORDER_END_GAP),
        (None, Some(high)) => mid(0, high),
        (Some(low), Some(high)) if low < high => mid(low, high),
        (Some(_), Some(_)) => None,
    }
}

/// A shared name: a reference-counted string behind an 8-byte pointer (`Arc<str>` is a
/// 16-byte pointer), its length and counts in the allocation's header.
pub type Name = arcstr::ArcStr;

/// One symbol of the index, in 32 bytes. Names are shared: once in a workspace index, every
/// symbol of a name holds the same allocation as the index by name (see `NameIndex::add`);
/// the kind is two bytes into the process-wide kind table ([`Kind`]) and the container an
/// index into its file's table of containers ([`IndexedFile::container`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedSymbol {
    /// The name.
    pub name: Name,
    /// The span of the `@name` node (where an editor puts the cursor).
    pub range: NameRange,
    /// 0: no container; `n`: the file's container `n - 1`.
    container: u32,
    /// The normalised kind for definitions, the tag kind for references ([`intern_kind`]).
    pub kind: Kind,
    /// Definition or reference.
    pub role: SymbolRole,
}

impl IndexedSymbol {
    /// This symbol with the container `place` of its file's table (`None`: no container);
    /// for [`IndexedFile::from_ordered`].
    pub fn with_container(mut self, place: Option<u32>) -> IndexedSymbol {
        self.container = place.map_or(0, |p| p.saturating_add(1));
        self
    }

    /// A symbol without a container (see [`IndexedFile::from_symbols`] for one with).
    pub fn new(name: Name, kind: Kind, role: SymbolRole, range: NameRange) -> IndexedSymbol {
        IndexedSymbol {
            name,
            range,
            container: 0,
            kind,
            role,
        }
    }
}

/// A name's span in 16 bytes rather than 48: its start as three `u32` (a position past 4 GiB,
/// row or column 2³² − 1 is kept as `u32::MAX`; `parse.max_source_bytes` keeps files far
/// smaller), and its end relative to the start in one `u32`: the length in bytes (16 bits),
/// the rows it spans (4 bits) and, for a name over several lines, its end column (12 bits; on
/// one line the end column is the start's plus the length, columns being in bytes). A name
/// longer than 65 535 bytes, over more than 15 lines or ending past column 4 095 of a later
/// line (never seen: names are identifiers) is kept with its end clamped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameRange {
    byte: u32,
    row: u32,
    column: u32,
    /// Length (bits 0-15), rows spanned (16-19), end column when rows > 0 (20-31).
    end: u32,
}

const LEN_MAX: usize = 0xFFFF;
const ROWS_MAX: usize = 0xF;
const END_COLUMN_MAX: usize = 0xFFF;

impl NameRange {
    /// The span as the daemon's [`Range`].
    pub fn get(&self) -> Range {
        Range {
            start: self.start(),
            end: self.end(),
        }
    }

    /// Where it starts.
    pub fn start(&self) -> Position {
        position(self.byte, self.row, self.column)
    }

    /// Where it ends.
    pub fn end(&self) -> Position {
        let len = self.end & 0xFFFF;
        let rows = (self.end >> 16) & 0xF;
        let column = if rows == 0 {
            self.column.saturating_add(len)
        } else {
            self.end >> 20
        };
        position(
            self.byte.saturating_add(len),
            self.row.saturating_add(rows),
            column,
        )
    }
}

impl From<Range> for NameRange {
    fn from(r: Range) -> NameRange {
        let c = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        let len = r.end.byte.saturating_sub(r.start.byte).min(LEN_MAX);
        let rows = r.end.row.saturating_sub(r.start.row).min(ROWS_MAX);
        let column = if rows == 0 {
            0
        } else {
            r.end.column.min(END_COLUMN_MAX)
        };
        NameRange {
            byte: c(r.start.byte),
            row: c(r.start.row),
            column: c(r.start.column),
            end: c(len | rows << 16 | column << 20),
        }
    }
}

fn position(byte: u32, row: u32, column: u32) -> Position {
    Position {
        byte: byte as usize,
        row: row as usize,
        column: column as usize,
    }
}

/// Distinct kinds kept at most by [`intern_kind`].
pub const MAX_KINDS: usize = 4096;

/// A kind in the process-wide kind table (see [`intern_kind`]): two bytes in a symbol, where
/// a `&'static str` took sixteen. Kinds are a small set (the tags queries' kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Kind(u16);

/// The kind table, by [`Kind`]: written once per slot, read without a lock. Slot 0 is `other`.
static KIND_NAMES: [std::sync::OnceLock<&'static str>; MAX_KINDS] =
    [const { std::sync::OnceLock::new() }; MAX_KINDS];

/// The kind every kind past [`MAX_KINDS`] becomes.
const OTHER_KIND: &str = "other";

impl Kind {
    /// The kind's name.
    pub fn as_str(self) -> &'static str {
        KIND_NAMES
            .get(usize::from(self.0))
            .and_then(|k| k.get())
            .copied()
            .unwrap_or(OTHER_KIND)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind `kind` in the process-wide kind table: each kind is kept once (its name lives
/// for the whole process), so a symbol holds a [`Kind`] of two bytes. Past [`MAX_KINDS`]
/// distinct kinds (never seen: only a damaged snapshot could bring that many), further ones
/// are `other`.
pub fn intern_kind(kind: &str) -> Kind {
    static IDS: std::sync::LazyLock<std::sync::Mutex<HashMap<&'static str, u16>>> =
        std::sync::LazyLock::new(|| {
            let _ = KIND_NAMES[0].set(OTHER_KIND);
            std::sync::Mutex::new(HashMap::from([(OTHER_KIND, 0)]))
        });
    let mut ids = IDS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(&id) = ids.get(kind) {
        return Kind(id);
    }
    let next = ids.len();
    if next >= MAX_KINDS {
        return Kind(0);
    }
    let leaked: &'static str = Box::leak(kind.to_owned().into_boxed_str());
    let id = u16::try_from(next).unwrap_or(0);
    let _ = KIND_NAMES[next].set(leaked);
    ids.insert(leaked, id);
    Kind(id)
}

/// The kind of name references (`name`, see [`name_references`]).
fn name_kind() -> Kind {
    static NAME: std::sync::LazyLock<Kind> = std::sync::LazyLock::new(|| intern_kind("name"));
    *NAME
}

/// What a file on disk was when it was last read: its size and modification time (from its
/// metadata, taken before the read) and the xxh3-64 of its content (0 when it was not read:
/// over the size cap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch (0 when unknown).
    pub mtime_ns: u64,
    /// xxh3-64 of the content (0: not read).
    pub hash: u64,
}

impl FileStamp {
    /// The size and modification time of `meta`, with no hash yet.
    pub fn of_metadata(meta: &std::fs::Metadata) -> FileStamp {
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        FileStamp {
            size: meta.len(),
            mtime_ns,
            hash: 0,
        }
    }

    /// This stamp with the hash of `content`.
    pub fn with_content(self, content: &[u8]) -> FileStamp {
        FileStamp {
            hash: xxhash_rust::xxh3::xxh3_64(content),
            ..self
        }
    }

    /// True when the metadata (size and modification time) are the same.
    pub fn same_metadata(&self, other: &FileStamp) -> bool {
        self.size == other.size && self.mtime_ns == other.mtime_ns
    }
}

/// One indexed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedFile {
    /// Relative to the root, `/`-separated (once in an index, the allocation its keys by path
    /// share: see [`WorkspaceIndex`]).
    pub path: Name,
    /// Registry id of the language.
    pub language: &'static str,
    /// Definitions in source order, then references in source order, each referenced
    /// (name, kind) once (its first occurrence).
    pub symbols: Vec<IndexedSymbol>,
    /// How many of `symbols` are definitions.
    pub definitions: usize,
    /// The symbols' distinct containers, in order of first use (once in an index, a
    /// container that is also a name of the file shares that name's allocation).
    containers: Box<[Name]>,
}

impl IndexedFile {
    /// Builds the file's entry from extracted symbols (definitions first).
    pub fn new(path: &str, language: &'static str, symbols: &[Symbol]) -> IndexedFile {
        fn convert(s: &Symbol) -> (IndexedSymbol, Option<&str>) {
            let symbol = IndexedSymbol::new(
                s.name.as_str().into(),
                intern_kind(s.kind.as_str()),
                s.role,
                s.name_range.into(),
            );
            (symbol, s.container.as_deref())
        }
        let mut out: Vec<(IndexedSymbol, Option<&str>)> = symbols
            .iter()
            .filter(|s| s.role == SymbolRole::Definition)
            .map(convert)
            .collect();
        let references = symbols
            .iter()
            .filter(|s| s.role == SymbolRole::Reference)
            .map(convert)
            .collect();
        out.extend(first_of_each_name(references));
        IndexedFile::from_symbols(path, language, out)
    }

    /// Builds an entry from its symbols, each with its container's name: definitions are put
    /// first (each role keeps its order).
    pub fn from_symbols(
        path: &str,
        language: &'static str,
        symbols: Vec<(IndexedSymbol, Option<&str>)>,
    ) -> IndexedFile {
        let mut containers: Vec<Name> = Vec::new();
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut out: Vec<IndexedSymbol> = Vec::with_capacity(symbols.len());
        let mut references = Vec::new();
        for (mut symbol, container) in symbols {
            if let Some(container) = container {
                symbol.container = *ids.entry(container).or_insert_with(|| {
                    containers.push(container.into());
                    u32::try_from(containers.len()).unwrap_or(u32::MAX)
                });
            }
            match symbol.role {
                SymbolRole::Definition => out.push(symbol),
                SymbolRole::Reference => references.push(symbol),
            }
        }
        let definitions = out.len();
        out.extend(references);
        IndexedFile {
            path: Name::from(path),
            language,
            symbols: out,
            definitions,
            containers: containers.into_boxed_slice(),
        }
    }

    /// Builds an entry from symbols already in order (definitions first: `definitions` of
    /// them) whose containers are set by [`with_container`](IndexedSymbol::with_container)
    /// to places in `containers` (a snapshot's load: no list is copied or reordered).
    ///
    /// # Errors
    /// A container place outside `containers`, or more definitions than symbols, or a
    /// reference before a definition (the message says which).
    pub fn from_ordered(
        path: Name,
        language: &'static str,
        symbols: Vec<IndexedSymbol>,
        definitions: usize,
        containers: Box<[Name]>,
    ) -> Result<IndexedFile, &'static str> {
        if definitions > symbols.len() {
            return Err("more definitions than symbols");
        }
        let (defs, refs) = symbols.split_at(definitions);
        if defs.iter().any(|s| s.role != SymbolRole::Definition)
            || refs.iter().any(|s| s.role != SymbolRole::Reference)
        {
            return Err("definitions must come first");
        }
        if symbols
            .iter()
            .any(|s| s.container as usize > containers.len())
        {
            return Err("container out of range");
        }
        Ok(IndexedFile {
            path,
            language,
            symbols,
            definitions,
            containers,
        })
    }

    /// The name of `symbol`'s container (`symbol` must be one of this file's symbols).
    pub fn container(&self, symbol: &IndexedSymbol) -> Option<&str> {
        let at = usize::try_from(symbol.container.checked_sub(1)?).ok()?;
        self.containers.get(at).map(|c| c.as_ref())
    }

    /// Replaces each symbol's name with `shared` (the index by name's allocation, in symbol
    /// order), and each container that is also a name of the file with that name's.
    pub(super) fn share_names(&mut self, shared: Vec<Name>) {
        for (symbol, name) in self.symbols.iter_mut().zip(shared) {
            symbol.name = name;
        }
        let names: std::collections::HashSet<&Name> =
            self.symbols.iter().map(|s| &s.name).collect();
        for container in self.containers.iter_mut() {
            if let Some(shared) = names.get(container) {
                *container = Name::clone(shared);
            }
        }
    }

    /// Adds name references (see [`name_references`]) when the tags query gave none.
    pub fn or_name_references(mut self, tree: &tree_sitter::Tree, source: &[u8]) -> IndexedFile {
        if self.symbols.len() == self.definitions {
            let references = name_references(tree, source, self.definitions());
            self.symbols.extend(references);
        }
        self.symbols.shrink_to_fit();
        self
    }

    /// Estimated heap and inline bytes of this entry once in an index: its symbols' fixed
    /// size, its table of containers and the containers it does not share with one of its
    /// names (names and kinds are shared: the index by name counts each name once), its path
    /// once (the index's keys by path share it: their own size is counted by the index), the
    /// Arc and the map's node overhead.
    pub fn approx_bytes(&self) -> u64 {
        let own_names: std::collections::HashSet<*const u8> =
            self.symbols.iter().map(|s| s.name.as_ptr()).collect();
        let containers: usize = self
            .containers
            .iter()
            .filter(|c| !own_names.contains(&c.as_ptr()))
            .map(|c| c.len() + 16)
            .sum::<usize>()
            + self.containers.len() * std::mem::size_of::<Name>();
        let symbols = self.symbols.capacity() * std::mem::size_of::<IndexedSymbol>();
        (symbols + containers + name_bytes(&self.path) + std::mem::size_of::<IndexedFile>() + 64)
            as u64
    }

    /// The definitions.
    pub fn definitions(&self) -> &[IndexedSymbol] {
        &self.symbols[..self.definitions]
    }

    /// The references.
    pub fn references(&self) -> &[IndexedSymbol] {
        &self.symbols[self.definitions..]
    }
}

/// Most name references kept per file (see [`name_references`]).
pub const MAX_NAME_REFERENCES_PER_FILE: usize = 4096;

/// The references of a file whose tags query tags none (most registry queries tag
/// definitions only): every named leaf whose node kind ends in `identifier` (`identifier`,
/// `type_identifier`, `field_identifier`, ...) and that is not a definition's name, kind
/// `name`, each name once (its first occurrence), at most [`MAX_NAME_REFERENCES_PER_FILE`].
/// Found by the C walk over the tree's subtrees (`find_kinds`, the cursor's order) at the
/// kinds that can be such a leaf: stepping a cursor over every node was a tenth of a
/// workspace's initial index.
pub fn name_references(
    tree: &tree_sitter::Tree,
    source: &[u8],
    definitions: &[IndexedSymbol],
) -> Vec<IndexedSymbol> {
    let root = tree.root_node();
    let wanted = identifier_kinds(&tree.language());
    let (nodes, _) = crate::bytecode::walk::find_kinds_or_cursor(root, &wanted, 1, &|| false, 0);
    let defined: std::collections::HashSet<usize> =
        definitions.iter().map(|d| d.range.start().byte).collect();
    let mut seen: std::collections::HashSet<&[u8]> = std::collections::HashSet::new();
    let mut out = Vec::new();
    for node in nodes {
        if node.child_count() == 0
            && node.is_named()
            && node.kind().ends_with("identifier")
            && !defined.contains(&node.start_byte())
            && let Some(text) = source.get(node.start_byte()..node.end_byte())
            && !text.is_empty()
            && seen.insert(text)
        {
            out.push(IndexedSymbol::new(
                String::from_utf8_lossy(text).into(),
                name_kind(),
                SymbolRole::Reference,
                Range::of(&node).into(),
            ));
            if out.len() >= MAX_NAME_REFERENCES_PER_FILE {
                break;
            }
        }
    }
    out
}

/// `1` for each node kind id of `language` that is named and ends in `identifier`.
fn identifier_kinds(language: &tree_sitter::Language) -> Vec<u8> {
    (0..language.node_kind_count())
        .map(|id| {
            let id = u16::try_from(id).unwrap_or(u16::MAX);
            let named = language.node_kind_is_named(id);
            let identifier = language
                .node_kind_for_id(id)
                .is_some_and(|kind| kind.ends_with("identifier"));
            u8::from(named && identifier)
        })
        .collect()
}

/// References (with their containers) in source order, each (name, kind) once: its first
/// occurrence.
fn first_of_each_name(
    mut references: Vec<(IndexedSymbol, Option<&str>)>,
) -> Vec<(IndexedSymbol, Option<&str>)> {
    references.sort_by(|(a, _), (b, _)| {
        (&a.name, a.kind, a.range.start()).cmp(&(&b.name, b.kind, b.range.start()))
    });
    references.dedup_by(|(b, _), (a, _)| a.name == b.name && a.kind == b.kind);
    references.sort_by_key(|(r, _)| r.range.start());
    references
}

/// Bytes of a [`Name`]'s allocation: its text and its header (length and count).
pub fn name_bytes(name: &str) -> usize {
    name.len() + 16
}

/// The index of one workspace: files by relative path, with totals kept in step, and the
/// walked files that are not indexed (skipped or failed), so the counts stay right as files
/// change. Each path is held once: the keys of `files`, `unindexed` and `stamps` and the
/// file's own `path` share one allocation (`WorkspaceIndex::known_path`).
#[derive(Debug, Default)]
pub struct WorkspaceIndex {
    /// By path: the file's id in `names` and its entry.
    files: BTreeMap<Name, (u32, Arc<IndexedFile>)>,
    names: NameIndex,
    /// Walked files not indexed: `true` when indexing failed, `false` when skipped.
    unindexed: BTreeMap<Name, bool>,
    /// What the disk held when each known file was last read (files read from an open
    /// document, past `max_files` or that failed have none).
    stamps: HashMap<Name, FileStamp>,
    errors: u64,
    definitions: u64,
    references: u64,
    bytes: u64,
    languages: BTreeMap<&'static str, u64>,
}

impl WorkspaceIndex {
    /// The allocation of `path` the index holds already: a key of its files, of its
    /// unindexed files or of its stamps.
    fn known_path(&self, path: &str) -> Option<Name> {
        let known = self
            .files
            .get_key_value(path)
            .map(|(k, _)| k)
            .or_else(|| self.unindexed.get_key_value(path).map(|(k, _)| k))
            .or_else(|| self.stamps.get_key_value(path).map(|(k, _)| k));
        known.cloned()
    }

    /// [`known_path`](Self::known_path), else `path` itself.
    fn share_path(&self, path: Name) -> Name {
        self.known_path(&path).unwrap_or(path)
    }

    /// Adds or replaces a file (its names are shared with the index by name from now on, and
    /// its path with the index's keys).
    pub fn insert(&mut self, mut file: IndexedFile) {
        file.path = self.share_path(file.path);
        let path = file.path.clone();
        self.remove(&path);
        let (id, file) = self.names.add(file);
        self.definitions += file.definitions as u64;
        self.references += (file.symbols.len() - file.definitions) as u64;
        self.bytes += file.approx_bytes();
        *self.languages.entry(file.language).or_default() += 1;
        self.files.insert(path.clone(), (id, file));
        self.place(&path, id);
    }

    /// Gives the file at `path` (in `files` with id `id`) its place in the path order
    /// ([`NameIndex::set_order`]): a number between its neighbours' (their paths the next
    /// lower and higher), or, when they leave no room, every file a new number in path order.
    fn place(&mut self, path: &str, id: u32) {
        use std::ops::Bound::{Excluded, Unbounded};
        let mut below = self.files.range::<str, _>((Unbounded, Excluded(path)));
        let below = below.next_back().map(|(_, (id, _))| *id);
        let above = self.files.range::<str, _>((Excluded(path), Unbounded));
        let above = above.map(|(_, (id, _))| *id).next();
        let (below, above) = (
            below.and_then(|id| self.names.order(id)),
            above.and_then(|id| self.names.order(id)),
        );
        match order_between(below, above) {
            Some(order) => self.names.set_order(id, order),
            None => self.renumber_paths(),
        }
    }

    /// Numbers every file in path order, evenly spread over `u64` (room between each two).
    fn renumber_paths(&mut self) {
        let step = u64::MAX / (self.files.len() as u64 + 1);
        for (i, (id, _)) in self.files.values().enumerate() {
            self.names.set_order(*id, (i as u64 + 1) * step);
        }
    }

    /// [`set_indexed`](Self::set_indexed) for each file, in order, with one build of the
    /// index by name (a snapshot's load).
    pub fn set_all_indexed(&mut self, files: Vec<IndexedFile>) {
        let mut fresh = Vec::with_capacity(files.len());
        for mut file in files {
            file.path = self.share_path(file.path);
            self.forget_unindexed(&file.path);
            self.remove(&file.path);
            fresh.push(file);
        }
        for (id, file) in self.names.add_all(fresh) {
            self.definitions += file.definitions as u64;
            self.references += (file.symbols.len() - file.definitions) as u64;
            self.bytes += file.approx_bytes();
            *self.languages.entry(file.language).or_default() += 1;
            self.files.insert(file.path.clone(), (id, file));
        }
        self.renumber_paths();
    }

    /// Removes a file; true when it was indexed.
    pub fn remove(&mut self, path: &str) -> bool {
        let Some((id, old)) = self.files.remove(path) else {
            return false;
        };
        self.names.remove(id);
        self.definitions -= old.definitions as u64;
        self.references -= (old.symbols.len() - old.definitions) as u64;
        self.bytes -= old.approx_bytes();
        if let Some(n) = self.languages.get_mut(old.language) {
            *n -= 1;
            if *n == 0 {
                self.languages.remove(old.language);
            }
        }
        true
    }

    /// Records `file` as indexed (replacing what was known of its path); false when the index
    /// already held an equal entry (nothing changed).
    pub fn set_indexed(&mut self, file: IndexedFile) -> bool {
        let was_unindexed = self.forget_unindexed(&file.path);
        if !was_unindexed && self.files.get(&file.path).is_some_and(|f| *f.1 == file) {
            return false;
        }
        self.insert(file);
        true
    }

    /// Records `path` as walked but not indexed (`error`: it failed; else skipped); false when
    /// that was known already.
    pub fn set_unindexed(&mut self, path: &str, error: bool) -> bool {
        let path = self.known_path(path).unwrap_or_else(|| Name::from(path));
        self.set_unindexed_at(path, error)
    }

    /// A skipped file of a snapshot and its stamp: [`set_unindexed`](Self::set_unindexed)
    /// (skipped) and [`set_stamp`](Self::set_stamp) keeping the snapshot's allocation of the
    /// path when the index has none.
    pub fn restore_skipped(&mut self, path: Name, stamp: FileStamp) {
        let path = self.share_path(path);
        self.set_unindexed_at(path.clone(), false);
        self.set_stamp(&path, Some(stamp));
    }

    /// [`set_unindexed`](Self::set_unindexed) with the path's allocation.
    fn set_unindexed_at(&mut self, key: Name, error: bool) -> bool {
        let path: &str = &key;
        let removed = self.remove(path);
        let same = self.unindexed.get(path) == Some(&error);
        if !same {
            self.forget_unindexed(path);
            self.unindexed.insert(key, error);
            if error {
                self.errors += 1;
            }
        }
        removed || !same
    }

    /// Sets (or with `None` clears) what the disk held when `path` was last read.
    pub fn set_stamp(&mut self, path: &str, stamp: Option<FileStamp>) {
        match stamp {
            Some(stamp) => {
                if let Some(old) = self.stamps.get_mut(path) {
                    *old = stamp;
                } else {
                    let key = self.known_path(path).unwrap_or_else(|| Name::from(path));
                    self.stamps.insert(key, stamp);
                }
            }
            None => {
                self.stamps.remove(path);
            }
        }
    }

    /// What the disk held when `path` was last read, if known.
    pub fn stamp(&self, path: &str) -> Option<FileStamp> {
        self.stamps.get(path).copied()
    }

    /// The known files with a stamp, as snapshot records (indexed files and skipped ones;
    /// failed files are left out: they are tried again).
    pub fn snapshot_records(&self) -> impl Iterator<Item = super::snapshot::RecordRef<'_>> {
        use super::snapshot::RecordRef;
        let indexed = self.files.iter().filter_map(|(path, (_, file))| {
            Some(RecordRef::Indexed(file, *self.stamps.get(path)?))
        });
        let skipped = self
            .unindexed
            .iter()
            .filter(|(_, error)| !**error)
            .filter_map(|(path, _)| Some(RecordRef::Skipped(path, *self.stamps.get(path)?)));
        indexed.chain(skipped)
    }

    /// Forgets `path` (deleted, or no longer walked); true when it was known.
    pub fn forget(&mut self, path: &str) -> bool {
        self.stamps.remove(path);
        let removed = self.remove(path);
        self.forget_unindexed(path) || removed
    }

    fn forget_unindexed(&mut self, path: &str) -> bool {
        match self.unindexed.remove(path) {
            Some(error) => {
                if error {
                    self.errors -= 1;
                }
                true
            }
            None => false,
        }
    }

    /// Every known path (indexed or not), in no particular order.
    pub fn known_paths(&self) -> impl Iterator<Item = &str> {
        self.files
            .keys()
            .chain(self.unindexed.keys())
            .map(|k| k.as_str())
    }

    /// True when `path` is known (indexed, skipped or failed).
    pub fn is_known(&self, path: &str) -> bool {
        self.files.contains_key(path) || self.unindexed.contains_key(path)
    }

    /// Known paths: indexed, skipped and failed.
    pub fn known_count(&self) -> u64 {
        (self.files.len() + self.unindexed.len()) as u64
    }

    /// Walked files not indexed because they failed.
    pub fn error_count(&self) -> u64 {
        self.errors
    }

    /// Walked files skipped (no tags query, binary, too large, past `max_files`, ...).
    pub fn skipped_count(&self) -> u64 {
        self.unindexed.len() as u64 - self.errors
    }

    /// The indexed file at `path`.
    pub fn get(&self, path: &str) -> Option<&IndexedFile> {
        self.files.get(path).map(|f| f.1.as_ref())
    }

    /// The index by name.
    pub fn names(&self) -> &NameIndex {
        &self.names
    }

    /// The files with their ids in the index by name, by relative path.
    pub fn files_with_ids(&self) -> impl Iterator<Item = (u32, &IndexedFile)> {
        self.files.values().map(|(id, f)| (*id, f.as_ref()))
    }

    /// The files, by relative path.
    pub fn files(&self) -> impl Iterator<Item = &IndexedFile> {
        self.files.values().map(|f| f.1.as_ref())
    }

    /// Files indexed.
    pub fn file_count(&self) -> u64 {
        self.files.len() as u64
    }

    /// Definitions indexed.
    pub fn definition_count(&self) -> u64 {
        self.definitions
    }

    /// References indexed.
    pub fn reference_count(&self) -> u64 {
        self.references
    }

    /// Estimated memory of the index: the files' entries (each with its path), the index by
    /// name, the unindexed files (each path, its entry and its share of a map node) and the
    /// stamps (their entries: their keys are the paths counted with the files).
    pub fn approx_bytes(&self) -> u64 {
        let stamps = self.stamps.len() * (std::mem::size_of::<(Name, FileStamp)>() + 8);
        let unindexed: usize = self
            .unindexed
            .keys()
            .map(|k| name_bytes(k) + std::mem::size_of::<(Name, bool)>() + 8)
            .sum();
        self.bytes + self.names.approx_bytes() + (stamps + unindexed) as u64
    }

    /// Indexed files per language id.
    pub fn languages(&self) -> &BTreeMap<&'static str, u64> {
        &self.languages
    }

    /// Gives back the room kept for growth (see [`NameIndex::shrink`]); once many files were
    /// added.
    pub fn shrink(&mut self) {
        self.names.shrink();
    }
}

/// What indexing one file gave.
#[derive(Debug)]
pub enum FileOutcome {
    /// Indexed (`stored`: a new cache entry, sealed for the cold tier, when it was parsed now).
    Indexed {
        /// The file's entry.
        file: IndexedFile,
        /// `(key, sealed value)` to store durably.
        stored: Option<Sealed>,
        /// What was read.
        stamp: FileStamp,
    },
    /// Read, and its content hash is the one the index holds: nothing to index again.
    Unchanged {
        /// What was read (the size or time may differ from the index's).
        stamp: FileStamp,
    },
    /// Not indexed: unknown language, no tags query, binary, not UTF-8, over the size cap, a
    /// symlink or a path that leaves the root.
    Skipped {
        /// What was read (`None`: nothing, a symlink or a path that leaves the root).
        stamp: Option<FileStamp>,
    },
    /// Unreadable, or the parse failed.
    Error(String),
}

/// How files are indexed.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Larger files are skipped (`parse.max_source_bytes`).
    pub max_file_bytes: u64,
    /// Also index references.
    pub references: bool,
    /// Deadline of one parse (`parse.timeout_ms`).
    pub parse_timeout: Duration,
    /// Also store each file parsed for the index in the parse cache (`workspace.fill_cache`):
    /// its tree is encoded and sealed, and the caller stores it. `false`: a file is parsed for
    /// its tree and symbols only.
    pub fill_cache: bool,
}

/// Attempts of a parse refused as `busy` (the parser pool is shared with requests).
const BUSY_ATTEMPTS: usize = 5;

/// Indexes one walked file of the canonical `root`: reads it (see [`read_inside`]); when
/// `known` (the index's stamp of the file) has the content's hash, answers
/// [`FileOutcome::Unchanged`]; else detects its language, then takes its definitions from the
/// cache when they are stored, and parses when they are not or when references are wanted
/// (cached entries keep definitions only). With [`IndexOptions::fill_cache`] a file that is not
/// cached is parsed through the pipeline, which seals a new entry for the caller to store.
pub fn index_file(
    analyzer: &Analyzer,
    root: &std::path::Path,
    walked: &WalkedFile,
    options: &IndexOptions,
    cancel: &CancelHandle,
    known: Option<FileStamp>,
) -> FileOutcome {
    // The metadata before the read: a write after it changes the time, so the next check
    // reads the file again rather than trusting a stamp newer than the content.
    let stamp = match std::fs::symlink_metadata(&walked.path) {
        Ok(meta) => FileStamp::of_metadata(&meta),
        Err(e) => return FileOutcome::Error(e.to_string()),
    };
    let source = match read_inside(root, &walked.path, options.max_file_bytes) {
        Ok(Ok(source)) => source,
        Ok(Err(Refused::TooLarge)) => return FileOutcome::Skipped { stamp: Some(stamp) },
        Ok(Err(Refused::Outside)) => return FileOutcome::Skipped { stamp: None },
        Err(e) => return FileOutcome::Error(e.to_string()),
    };
    let stamp = stamp.with_content(&source);
    if known.is_some_and(|k| k.hash != 0 && k.hash == stamp.hash) {
        return FileOutcome::Unchanged { stamp };
    }
    if looks_binary(&source) {
        return FileOutcome::Skipped { stamp: Some(stamp) };
    }
    let Some(detection) = registry().detect(Some(&walked.path), &source) else {
        return FileOutcome::Skipped { stamp: Some(stamp) };
    };
    let language = detection.language;
    if !language.available() || language.query_origin(QueryKind::Tags).is_none() {
        return FileOutcome::Skipped { stamp: Some(stamp) };
    }
    let id: &'static str = language.id.as_str();
    if !options.references
        && let Some(result) = analyzer.lookup_symbol_list(language, &source)
    {
        return FileOutcome::Indexed {
            file: IndexedFile::new(&walked.relative, id, &result.symbols),
            stored: None,
            stamp,
        };
    }
    let Some(config) = analyzer.symbol_config(language) else {
        return FileOutcome::Skipped { stamp: Some(stamp) };
    };
    // A query that tags no references (most of the registry's) gives the same list with or
    // without them: the definitions the cache entry holds are then the whole list, and the
    // references are the tree's name references. One extraction per file, not two.
    let entry_list_suffices = !options.references || !tags_references(&config);
    let fill = options.fill_cache
        && analyzer
            .cache()
            .is_some_and(|c| !stored(c, language, &source));
    let outcome = if !fill {
        // Stored already, or not to be stored: parse for the tree only (nothing to encode).
        // A stored list (absent when the file is not cached) spares the extraction.
        let listed = options.references && entry_list_suffices;
        parse_tree(analyzer, language, &source, options, cancel).map(|tree| {
            let listed = listed
                .then(|| analyzer.lookup_symbol_list(language, &source))
                .flatten();
            (tree, None, listed)
        })
    } else {
        match with_retries(|| analyzer.parse_entry(language, source.clone(), cancel.clone())) {
            Ok((entry, tree, _)) => {
                let sealed = analyzer.cache().map(|c| c.seal_for_cold(&entry));
                // The entry's own list (complete: a cut one is not stored with the entry).
                let listed = entry_list_suffices
                    .then_some(entry.symbols_packed.as_deref())
                    .flatten()
                    .and_then(|p| crate::symbols::packed::unpack(p).ok());
                match listed {
                    Some(result) if !options.references => {
                        return FileOutcome::Indexed {
                            file: IndexedFile::new(&walked.relative, id, &result.symbols),
                            stored: sealed,
                            stamp,
                        };
                    }
                    listed => Ok((tree, sealed, listed)),
                }
            }
            Err(e) => Err(e),
        }
    };
    match outcome {
        Ok((tree, stored, listed)) => {
            let symbols = match listed {
                Some(result) => Ok(result.symbols),
                None => {
                    let symbol_options = SymbolOptions {
                        limits: QueryLimits {
                            cancel: Some(cancel.flag()),
                            ..QueryLimits::default()
                        },
                        include_references: options.references,
                    };
                    extract_symbols(&config, tree.root_node(), &source, &symbol_options)
                        .map(|r| r.symbols)
                }
            };
            match symbols {
                Ok(symbols) => {
                    let file = IndexedFile::new(&walked.relative, id, &symbols);
                    FileOutcome::Indexed {
                        file: if options.references {
                            file.or_name_references(&tree, &source)
                        } else {
                            file
                        },
                        stored,
                        stamp,
                    }
                }
                Err(e) => FileOutcome::Error(e.to_string()),
            }
        }
        Err(AnalyzeError::Parse(
            ParseError::TooLarge { .. }
            | ParseError::Binary { .. }
            | ParseError::InvalidUtf8 { .. },
        )) => FileOutcome::Skipped { stamp: Some(stamp) },
        Err(e) => FileOutcome::Error(e.to_string()),
    }
}

/// The index entry of an open document's current text and tree (definitions, and references
/// when `references`); `None` when its language has no tags query or extraction fails.
pub fn index_document(
    analyzer: &Analyzer,
    language: &'static crate::language::Language,
    relative: &str,
    tree: &tree_sitter::Tree,
    source: &[u8],
    references: bool,
) -> Option<IndexedFile> {
    language.query_origin(QueryKind::Tags)?;
    let config = analyzer.symbol_config(language)?;
    let options = SymbolOptions {
        limits: QueryLimits::default(),
        include_references: references,
    };
    let result = extract_symbols(&config, tree.root_node(), source, &options).ok()?;
    let file = IndexedFile::new(relative, language.id.as_str(), &result.symbols);
    Some(if references {
        file.or_name_references(tree, source)
    } else {
        file
    })
}

/// True when the tags query of `config` tags references (`@reference.*` captures).
fn tags_references(config: &SymbolConfig) -> bool {
    (0..config.query().capture_names().len()).any(|i| {
        u32::try_from(i)
            .ok()
            .and_then(|i| config.tag_capture(i))
            .is_some_and(|t| !t.is_definition)
    })
}

/// True when the cache holds an intact entry for this content.
fn stored(cache: &Cache, language: &crate::language::Language, source: &[u8]) -> bool {
    matches!(
        cache.check_stored(&Analyzer::key_for(language, source)),
        Ok(true)
    )
}

/// Parses for a tree only, through the engine's pool and budgets.
fn parse_tree(
    analyzer: &Analyzer,
    language: &'static crate::language::Language,
    source: &[u8],
    options: &IndexOptions,
    cancel: &CancelHandle,
) -> Result<tree_sitter::Tree, AnalyzeError> {
    let grammar = language.ts_language()?;
    let budget = ParseBudget::new(
        usize::try_from(options.max_file_bytes).unwrap_or(usize::MAX),
        options.parse_timeout,
    )
    .with_cancel(cancel.clone());
    with_retries(|| {
        analyzer
            .engine()
            .parse(language.id.as_str(), grammar, source, &budget)
            .map(|o| o.tree)
            .map_err(AnalyzeError::from)
    })
}

/// Runs `f` again while it fails with `busy` (requests hold every parser), a few times.
fn with_retries<T>(mut f: impl FnMut() -> Result<T, AnalyzeError>) -> Result<T, AnalyzeError> {
    let mut attempt = 1;
    loop {
        match f() {
            Err(AnalyzeError::Parse(ParseError::Busy { .. })) if attempt < BUSY_ATTEMPTS => {
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::position::Position;

    fn symbol(name: &str, role: SymbolRole) -> Symbol {
        let at = Position {
            byte: 0,
            row: 0,
            column: 0,
        };
        let range = Range { start: at, end: at };
        serde_json::from_value(serde_json::json!({
            "name": name, "kind": "function", "role": role, "range": range,
            "name_range": range, "parent": null,
        }))
        .expect("a symbol")
    }

    #[test]
    fn a_snapshot_load_builds_the_same_index_as_adding_each_file() {
        let names = [
            "parse",
            "Parse",
            "PARSE",
            "run",
            "Run",
            "main",
            "_x",
            "\u{e9}t\u{e9}",
        ];
        let files: Vec<IndexedFile> = (0..40)
            .map(|i| {
                let symbols: Vec<Symbol> = (0..1 + i % 5)
                    .map(|j| {
                        let role = if (i + j) % 3 == 0 {
                            SymbolRole::Reference
                        } else {
                            SymbolRole::Definition
                        };
                        symbol(names[(i * 7 + j * 3) % names.len()], role)
                    })
                    .collect();
                IndexedFile::new(&format!("d{}/f{i}.py", i % 4), "python", &symbols)
            })
            .collect();
        let mut one_by_one = WorkspaceIndex::default();
        one_by_one.set_unindexed("d0/f0.py", true);
        for file in files.clone() {
            one_by_one.set_indexed(file);
        }
        let mut at_once = WorkspaceIndex::default();
        at_once.set_unindexed("d0/f0.py", true);
        at_once.set_all_indexed(files);
        // A load gives back the room kept for growth; one by one, that is done at the end.
        one_by_one.shrink();
        type Spellings = Vec<(String, Vec<crate::workspace::names::Posting>)>;
        let view = |index: &WorkspaceIndex| {
            let by_name: Vec<(String, Spellings)> = index
                .names()
                .all()
                .map(|(key, spellings)| {
                    let spellings = spellings
                        .iter()
                        .map(|s| (s.name.to_string(), s.postings.clone()))
                        .collect();
                    (key.to_string(), spellings)
                })
                .collect();
            let flat: Vec<String> = index.names().scan(0).map(str::to_string).collect();
            (
                by_name,
                flat,
                index.names().approx_bytes(),
                index.names().name_count(),
                index.file_count(),
                index.definition_count(),
                index.reference_count(),
                index.error_count(),
                index.approx_bytes(),
            )
        };
        assert_eq!(view(&at_once), view(&one_by_one));
        assert_eq!(
            at_once.error_count(),
            0,
            "an indexed file is no longer an error"
        );
        // Names are shared with the index as when added one by one.
        let file = at_once.get("d1/f1.py").expect("indexed");
        let spelling = at_once
            .names()
            .spelling(&file.symbols[0].name)
            .expect("posted");
        assert!(Name::ptr_eq(&spelling.name, &file.symbols[0].name));
    }

    #[test]
    fn the_path_order_follows_the_paths_through_inserts_removes_and_renumbering() {
        let entry =
            |path: &str| IndexedFile::new(path, "python", &[symbol("f", SymbolRole::Definition)]);
        let check = |index: &WorkspaceIndex, at: &str| {
            // `files_with_ids` is in path order.
            let orders: Vec<u64> = index
                .files_with_ids()
                .map(|(id, _)| index.names().order(id).expect("listed"))
                .collect();
            assert!(orders.windows(2).all(|w| w[0] < w[1]), "{at}: {orders:?}");
            assert!(orders.iter().all(|&o| o > 0 && o < u64::MAX), "{at}");
        };
        let mut index = WorkspaceIndex::default();
        // Appended in path order (a walk's order), then each before the first.
        for i in 0..50 {
            index.insert(entry(&format!("m{i:03}.py")));
            check(&index, "append");
        }
        for i in (0..50).rev() {
            index.insert(entry(&format!("b{i:03}.py")));
            check(&index, "prepend");
        }
        // 100 paths each just above "a": every one halves the same gap, so the numbers run
        // out (more than 64 halvings) and every file is numbered again.
        index.insert(entry("a"));
        for k in (1..=100).rev() {
            index.insert(entry(&format!("a{}", "1".repeat(k))));
            check(&index, "between");
        }
        for k in (1..=100).rev() {
            index.insert(entry(&format!("zz{}", "0".repeat(k))));
            index.insert(entry(&format!("zz{}", "1".repeat(k))));
            check(&index, "between, twice");
        }
        // Replacements, removals and a batch (a snapshot's load).
        index.insert(entry("m010.py"));
        assert!(index.remove("m020.py"));
        index.insert(entry("m020.py"));
        index.insert(entry("a11"));
        check(&index, "replace");
        index.set_all_indexed(vec![entry("0.py"), entry("m030.py"), entry("zzz.py")]);
        check(&index, "batch");
        index.insert(entry("m0301.py"));
        check(&index, "after the batch");
    }

    #[test]
    fn the_path_order_numbers_between_bounds() {
        assert_eq!(order_between(None, None), Some(1 << 63));
        assert_eq!(order_between(Some(10), Some(20)), Some(15));
        assert_eq!(order_between(Some(10), Some(12)), Some(11));
        assert_eq!(order_between(Some(10), Some(11)), None);
        assert_eq!(order_between(Some(11), Some(10)), None);
        assert_eq!(order_between(Some(5), None), Some(5 + ORDER_END_GAP));
        assert_eq!(order_between(Some(u64::MAX - 4), None), Some(u64::MAX - 2));
        assert_eq!(order_between(Some(u64::MAX - 1), None), None);
        assert_eq!(order_between(None, Some(ORDER_END_GAP + 7)), Some(7));
        assert_eq!(order_between(None, Some(4)), Some(2));
        assert_eq!(order_between(None, Some(1)), None);
    }

    #[test]
    fn symbols_of_one_name_share_one_allocation_with_the_name_index() {
        let mut index = WorkspaceIndex::default();
        let at = Position {
            byte: 0,
            row: 0,
            column: 0,
        };
        let range = Range { start: at, end: at };
        index.insert(IndexedFile::new("a.py", "python", &[]));
        for path in ["a.py", "b.py"] {
            let symbol = |name: &str, kind| {
                IndexedSymbol::new(
                    name.into(),
                    intern_kind(kind),
                    SymbolRole::Definition,
                    range.into(),
                )
            };
            let file = IndexedFile::from_symbols(
                path,
                "python",
                vec![
                    (symbol("Task", "class"), None),
                    (symbol("run", "method"), Some("Task")),
                ],
            );
            index.insert(file);
        }
        let (a, b) = (index.get("a.py").expect("a"), index.get("b.py").expect("b"));
        assert!(Name::ptr_eq(&a.symbols[1].name, &b.symbols[1].name));
        let spelling = index.names().spelling("run").expect("indexed");
        assert!(Name::ptr_eq(&spelling.name, &a.symbols[1].name));
        let container = a.container(&a.symbols[1]).expect("container");
        assert!(
            std::ptr::eq(container.as_ptr(), a.symbols[0].name.as_ptr()),
            "the file's own name"
        );
        assert_eq!(a.container(&a.symbols[0]), None);
        assert_eq!(a.symbols[0].kind, b.symbols[0].kind);
        assert_eq!(a.symbols[1].kind.as_str(), "method");
        // Names are counted once (by the index by name), not per symbol.
        index.shrink();
        let two = index.approx_bytes();
        let mut c = (*index.get("b.py").expect("b")).clone();
        c.path = "c.py".into();
        index.insert(c.clone());
        index.shrink();
        // Two posting slots and the file's entry by id in the index by name.
        let entry = std::mem::size_of::<(u32, (u64, Arc<IndexedFile>))>() as u64;
        assert_eq!(
            index.approx_bytes() - two,
            c.approx_bytes() + 2 * 12 + entry
        );
    }

    fn analyzer(cache: Option<Arc<Cache>>) -> Analyzer {
        use crate::parse::{EngineConfig, ParseEngine};
        Analyzer::new(
            ParseEngine::new(EngineConfig::default()),
            cache,
            8 << 20,
            Duration::from_secs(10),
        )
    }

    #[test]
    fn one_extraction_gives_the_file_whether_it_is_parsed_cached_filled_or_without_a_cache() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(tmp.path().join("tree")).expect("mkdir");
        let root = tmp.path().join("tree").canonicalize().expect("canonical");
        let source = "import os\n\nclass Task:\n    def run(self, path):\n        \
                      return os.path.join(path, Task.__name__)\n\n\
                      def main():\n    Task().run(os.sep)\n";
        std::fs::write(root.join("m.py"), source).expect("writes");
        let walked = WalkedFile {
            relative: "m.py".into(),
            path: root.join("m.py"),
        };
        let (cache, _) = Cache::open(
            crate::cache::CacheConfig::with_defaults(tmp.path().join("cache")),
            &prometheus::Registry::new(),
        )
        .expect("opens");
        let cache = Arc::new(cache);
        let cached = analyzer(Some(Arc::clone(&cache)));
        let options = IndexOptions {
            max_file_bytes: 1 << 20,
            references: true,
            parse_timeout: Duration::from_secs(10),
            fill_cache: true,
        };
        let cancel = CancelHandle::new();
        let index_with = |analyzer: &Analyzer, options: &IndexOptions| match index_file(
            analyzer, &root, &walked, options, &cancel, None,
        ) {
            FileOutcome::Indexed { file, stored, .. } => (file, stored),
            other => panic!("not indexed: {other:?}"),
        };
        let index = |analyzer: &Analyzer| index_with(analyzer, &options);
        // Not filling the cache: parsed and extracted, nothing sealed, nothing stored.
        let no_fill = IndexOptions {
            fill_cache: false,
            ..options
        };
        let (unfilled, sealed) = index_with(&cached, &no_fill);
        assert!(sealed.is_none(), "nothing sealed without fill_cache");
        let python = registry().language_for_name("python").expect("python");
        assert!(!stored(&cache, python, source.as_bytes()));
        // Parsed now: the entry is sealed, its definitions are the file's.
        let (parsed, sealed) = index(&cached);
        cache
            .store_sealed_durable(&[sealed.expect("a new entry")])
            .expect("stores");
        // Stored: the list comes from the cache, the tree from a parse.
        let (from_cache, sealed) = index(&cached);
        assert!(sealed.is_none(), "nothing new to store");
        let (without_cache, _) = index(&analyzer(None));
        // Stored, without filling: the stored list is used the same way.
        let (stored_unfilled, sealed) = index_with(&cached, &no_fill);
        assert!(sealed.is_none(), "nothing new to store");
        // What a full extraction with references and the name references give.
        let config = cached.symbol_config(python).expect("a tags query");
        assert!(
            !tags_references(&config),
            "the shipped Python query tags no references: the entry's list is used"
        );
        let tree = {
            let mut parser = tree_sitter::Parser::new();
            parser
                .set_language(python.ts_language().expect("grammar"))
                .expect("language");
            parser.parse(source, None).expect("parses")
        };
        let full = SymbolOptions {
            limits: QueryLimits::default(),
            include_references: true,
        };
        let result =
            extract_symbols(&config, tree.root_node(), source.as_bytes(), &full).expect("extracts");
        let expected = IndexedFile::new("m.py", "python", &result.symbols)
            .or_name_references(&tree, source.as_bytes());
        assert!(expected.definitions >= 3, "{expected:?}");
        assert!(expected.references().len() >= 3, "{expected:?}");
        assert_eq!(parsed, expected);
        assert_eq!(from_cache, expected);
        assert_eq!(without_cache, expected);
        assert_eq!(unfilled, expected);
        assert_eq!(stored_unfilled, expected);
    }

    #[test]
    fn name_references_by_the_c_walk_are_the_cursor_s_on_every_fixture() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/symbols");
        let mut compared = 0;
        for dir in std::fs::read_dir(&fixtures).expect("fixtures").flatten() {
            let id = dir.file_name().to_string_lossy().into_owned();
            let Ok(language) = registry().language_for_name(&id) else {
                continue;
            };
            let Ok(grammar) = language.ts_language() else {
                continue;
            };
            for input in std::fs::read_dir(dir.path())
                .expect("a directory")
                .flatten()
            {
                let path = input.path();
                if path.to_string_lossy().ends_with(".json") {
                    continue;
                }
                let source = std::fs::read(&path).expect("a fixture");
                let mut parser = tree_sitter::Parser::new();
                parser.set_language(grammar).expect("language");
                let tree = parser.parse(&source, None).expect("parses");
                let found = name_references(&tree, &source, &[]);
                // The reference: every named `*identifier` leaf the cursor visits, first
                // occurrence of each text.
                let mut seen = std::collections::HashSet::new();
                let every_kind = vec![1u8; usize::from(u16::MAX) + 1];
                let expected: Vec<(String, usize)> =
                    crate::bytecode::walk::cursor_kinds(tree.root_node(), &every_kind, 1)
                        .into_iter()
                        .filter(|n| n.child_count() == 0)
                        .filter(|n| n.is_named() && n.kind().ends_with("identifier"))
                        .filter(|n| n.start_byte() < n.end_byte())
                        .map(|n| {
                            let text = &source[n.byte_range()];
                            (String::from_utf8_lossy(text).into_owned(), n.start_byte())
                        })
                        .filter(|(text, _)| seen.insert(text.clone()))
                        .take(MAX_NAME_REFERENCES_PER_FILE)
                        .collect();
                let found: Vec<(String, usize)> = found
                    .iter()
                    .map(|r| (r.name.to_string(), r.range.start().byte))
                    .collect();
                assert_eq!(found, expected, "{}", path.display());
                compared += usize::from(!expected.is_empty());
            }
        }
        assert!(compared >= 10, "only {compared} fixtures had identifiers");
    }

    #[test]
    fn kinds_are_two_bytes_and_containers_one_entry_per_distinct_name() {
        let (class, method) = (intern_kind("class"), intern_kind("method"));
        assert_eq!(intern_kind("class"), class, "one id per kind");
        assert_ne!(class, method);
        assert_eq!((class.as_str(), method.as_str()), ("class", "method"));
        assert_eq!(std::mem::size_of::<Kind>(), 2);
        let at = Position {
            byte: 0,
            row: 0,
            column: 0,
        };
        let symbol = |name: &str, role| {
            IndexedSymbol::new(
                name.into(),
                method,
                role,
                Range { start: at, end: at }.into(),
            )
        };
        // A reference given first is put after the definitions; "Outer" is no name of the
        // file, so its container entry is its own, once for both symbols.
        let file = IndexedFile::from_symbols(
            "a.py",
            "python",
            vec![
                (symbol("r", SymbolRole::Reference), Some("Outer")),
                (symbol("f", SymbolRole::Definition), Some("Outer")),
                (symbol("g", SymbolRole::Definition), None),
            ],
        );
        assert_eq!(file.definitions, 2);
        let names: Vec<&str> = file.symbols.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["f", "g", "r"]);
        let containers: Vec<Option<&str>> =
            file.symbols.iter().map(|s| file.container(s)).collect();
        assert_eq!(containers, [Some("Outer"), None, Some("Outer")]);
        assert_eq!(file.containers.len(), 1);
    }

    #[test]
    fn a_name_range_gives_back_its_range_in_16_bytes() {
        let at = |byte, row, column| Position { byte, row, column };
        let range = |start, end| Range { start, end };
        let exact = [
            // One line: the end column is the start's plus the length.
            range(at(70_000, 1_234, 7), at(70_011, 1_234, 18)),
            range(at(0, 0, 0), at(0, 0, 0)),
            range(at(5, 0, 5), at(5 + 65_535, 0, 5 + 65_535)),
            // Over lines: the rows spanned and the end column are kept.
            range(at(100, 3, 20), at(130, 5, 9)),
            range(at(100, 3, 20), at(4_000, 18, 4_095)),
        ];
        for r in exact {
            assert_eq!(NameRange::from(r).get(), r, "{r:?}");
        }
        let huge = range(at(usize::MAX, 0, 0), at(usize::MAX, 0, 0));
        assert_eq!(NameRange::from(huge).start().byte, u32::MAX as usize);
        // Past the bounds, the end is clamped (never seen: names are identifiers).
        let long = NameRange::from(range(at(0, 0, 0), at(70_000, 0, 70_000)));
        assert_eq!(long.end(), at(65_535, 0, 65_535));
        let tall = NameRange::from(range(at(0, 0, 0), at(900, 40, 5_000)));
        assert_eq!(tall.end(), at(900, 15, 4_095));
        assert_eq!(std::mem::size_of::<NameRange>(), 16);
        // Name (a thin pointer), kind, container, range and role: no per-symbol heap
        // allocation left.
        assert_eq!(std::mem::size_of::<Name>(), 8);
        assert!(std::mem::size_of::<IndexedSymbol>() <= 32);
    }

    #[test]
    fn totals_follow_inserts_replacements_and_removals() {
        let mut index = WorkspaceIndex::default();
        let a = IndexedFile::new(
            "a.py",
            "python",
            &[
                symbol("r", SymbolRole::Reference),
                symbol("f", SymbolRole::Definition),
            ],
        );
        assert_eq!(a.definitions()[0].name.as_str(), "f");
        assert_eq!(a.references()[0].name.as_str(), "r");
        index.insert(a.clone());
        index.insert(a.clone());
        index.insert(IndexedFile::new("b.rs", "rust", &[]));
        assert_eq!(
            (
                index.file_count(),
                index.definition_count(),
                index.reference_count()
            ),
            (2, 1, 1)
        );
        assert_eq!(index.languages().get("python"), Some(&1));
        assert!(index.remove("a.py"));
        assert!(!index.remove("a.py"));
        assert_eq!((index.definition_count(), index.reference_count()), (0, 0));
        assert_eq!(index.languages().get("python"), None);
        // The file and its entry by id in the index by name.
        let entry = std::mem::size_of::<(u32, (u64, Arc<IndexedFile>))>() as u64;
        assert_eq!(
            index.approx_bytes(),
            IndexedFile::new("b.rs", "rust", &[]).approx_bytes() + entry
        );
    }

    #[test]
    fn each_path_is_held_once_by_the_file_and_the_index_s_keys_and_counted_once() {
        let stamp = FileStamp {
            size: 1,
            mtime_ns: 2,
            hash: 3,
        };
        let key_of = |index: &WorkspaceIndex, path: &str| -> Name {
            let files = index.files.get_key_value(path).map(|(k, _)| k.clone());
            let unindexed = index.unindexed.get_key_value(path).map(|(k, _)| k.clone());
            files.or(unindexed).expect("known")
        };
        let stamp_key = |index: &WorkspaceIndex, path: &str| -> Name {
            let (k, _) = index.stamps.get_key_value(path).expect("stamped");
            k.clone()
        };
        let mut index = WorkspaceIndex::default();
        // A restore's order: the files in one batch, then their stamps; the skipped files
        // with their stamps. The snapshot's allocations are the ones kept.
        let loaded = IndexedFile::new("a.py", "python", &[]);
        let (loaded_path, skipped) = (loaded.path.clone(), Name::from("d.bin"));
        index.set_all_indexed(vec![loaded]);
        index.set_stamp(&loaded_path, Some(stamp));
        index.restore_skipped(skipped.clone(), stamp);
        assert!(Name::ptr_eq(&key_of(&index, "a.py"), &loaded_path));
        assert!(Name::ptr_eq(&stamp_key(&index, "a.py"), &loaded_path));
        assert!(Name::ptr_eq(&key_of(&index, "d.bin"), &skipped));
        assert!(Name::ptr_eq(&stamp_key(&index, "d.bin"), &skipped));
        assert!(index.forget("d.bin"));
        // The other order (a stamp first) shares the stamp's allocation.
        index.set_stamp("e.py", Some(stamp));
        index.set_all_indexed(vec![IndexedFile::new("e.py", "python", &[])]);
        assert!(Name::ptr_eq(
            &key_of(&index, "e.py"),
            &stamp_key(&index, "e.py")
        ));
        assert!(index.forget("e.py"));
        // A worker's order: the file, then its stamp.
        index.set_indexed(IndexedFile::new("b.py", "python", &[]));
        index.set_stamp("b.py", Some(stamp));
        index.set_unindexed("c.bin", false);
        index.set_stamp("c.bin", Some(stamp));
        for path in ["a.py", "b.py"] {
            let file = &index.get(path).expect("indexed").path;
            assert!(Name::ptr_eq(file, &key_of(&index, path)), "{path}");
            assert!(Name::ptr_eq(file, &stamp_key(&index, path)), "{path}");
        }
        assert!(Name::ptr_eq(
            &key_of(&index, "c.bin"),
            &stamp_key(&index, "c.bin")
        ));
        // Re-indexed with new content, skipped, indexed again: still one allocation.
        let first = key_of(&index, "b.py");
        index.set_indexed(IndexedFile::new(
            "b.py",
            "python",
            &[symbol("g", SymbolRole::Definition)],
        ));
        index.set_unindexed("b.py", false);
        index.set_indexed(IndexedFile::new("b.py", "python", &[]));
        let file = &index.get("b.py").expect("indexed").path;
        assert!(Name::ptr_eq(file, &first));
        assert!(Name::ptr_eq(file, &stamp_key(&index, "b.py")));
        // Counted: each indexed file with its path once, each unindexed path with its entry,
        // each stamp's entry (its key is one of those paths).
        let files: u64 = ["a.py", "b.py"]
            .iter()
            .map(|p| index.get(p).expect("indexed").approx_bytes())
            .sum();
        let unindexed = (name_bytes("c.bin") + std::mem::size_of::<(Name, bool)>() + 8) as u64;
        let stamps = 3 * (std::mem::size_of::<(Name, FileStamp)>() + 8) as u64;
        assert_eq!(
            index.approx_bytes(),
            files + index.names().approx_bytes() + unindexed + stamps
        );
        // Forgotten: nothing of it is held.
        assert!(index.forget("c.bin"));
        assert!(index.stamp("c.bin").is_none() && !index.is_known("c.bin"));
    }
}
