//! The index by name of a workspace: every distinct name once, under its ASCII-lowercased
//! form in a sorted map, with the original spellings and, for each, its posting list (file
//! id, symbol index). Exact and prefix matches are a range of the map; fuzzy matching runs
//! over distinct spellings, not every occurrence, behind a character-set filter.
//!
//! File ids grow with every insertion and are never reused (until `NameIndex::renumber`),
//! so each posting list is sorted by file id: a file's postings are found by binary search.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::index::{IndexedFile, Name, name_bytes};

/// One occurrence of a name: a file id, the index of the symbol in that file's list, and its
/// ranking key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    /// The file's id (see [`NameIndex::file`]).
    pub file: u32,
    /// Index in the file's `symbols`.
    pub symbol: u32,
    /// [`rank_key`] of the symbol in its file.
    pub key: u32,
}

/// Bit of [`rank_key`] set for references.
pub const REFERENCE_BIT: u32 = 1 << 20;

/// Bits of [`rank_key`] holding the path's depth (all set: the depth is 65 535 or more).
pub const DEPTH_MASK: u32 = 0xFFFF;

/// The ranking steps after the match, packed (lower first): the role (definitions first),
/// the kind's priority, the path's depth (capped at 65 535). Comparing keys compares those
/// steps of [`super::search::rank`] in order.
pub fn rank_key(symbol: &super::index::IndexedSymbol, path: &str) -> u32 {
    let role = match symbol.role {
        crate::symbols::SymbolRole::Definition => 0,
        crate::symbols::SymbolRole::Reference => REFERENCE_BIT,
    };
    let kind = u32::from(super::search::kind_priority(symbol.kind.as_str())) << 16;
    let depth = path
        .bytes()
        .filter(|&b| b == b'/')
        .count()
        .min(DEPTH_MASK as usize) as u32;
    role | kind | depth
}

/// One spelling of a name and where it occurs.
#[derive(Debug)]
pub struct Spelling {
    /// The name as written (the allocation every symbol of this spelling shares).
    pub name: Name,
    /// Occurrences, sorted by file id.
    pub postings: Vec<Posting>,
    /// Its place in the flat table of spellings ([`NameIndex::scan`]).
    slot: u32,
}

/// The spellings of each lowercased name: the ordered map the index keeps, or a hash map
/// while many files are added at once.
trait SpellingMap {
    /// Calls `f` with the spellings of `key` (created empty, under the key `make_key` gives,
    /// when absent) and whether they were created now.
    fn with_spellings<R>(
        &mut self,
        key: &str,
        make_key: impl FnOnce() -> Name,
        f: impl FnOnce(&mut Vec<Spelling>, bool) -> R,
    ) -> R;
}

/// `with_spellings` of a map type with `get_mut` and `entry` (both maps).
macro_rules! with_spellings_of_a_map {
    () => {
        fn with_spellings<R>(
            &mut self,
            key: &str,
            make_key: impl FnOnce() -> Name,
            f: impl FnOnce(&mut Vec<Spelling>, bool) -> R,
        ) -> R {
            match self.get_mut(key) {
                Some(spellings) => f(spellings, false),
                None => f(self.entry(make_key()).or_default(), true),
            }
        }
    };
}

impl SpellingMap for BTreeMap<Name, Vec<Spelling>> {
    with_spellings_of_a_map!();
}

impl SpellingMap for HashMap<Name, Vec<Spelling>> {
    with_spellings_of_a_map!();
}

/// Counts by address (of a name's text), hashed by [`AddressHasher`].
type PointerCounts = HashMap<*const u8, u32, std::hash::BuildHasherDefault<AddressHasher>>;

/// A hasher for addresses (one `usize` each): a multiply and a fold, where the default
/// hasher (SipHash) made a snapshot's load about a tenth slower once every symbol's name was
/// counted (CPU time to `ready`).
#[derive(Default)]
struct AddressHasher(u64);

impl std::hash::Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_usize(self.0 as usize ^ usize::from(b));
        }
    }

    fn write_usize(&mut self, n: usize) {
        let h = (self.0 ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // The high bits mixed into the low ones (a table's index), which an aligned
        // address's multiple leaves zero.
        self.0 = h ^ (h >> 29);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The index by name.
#[derive(Debug, Default)]
pub struct NameIndex {
    /// By lowercased name: a name without ASCII capitals is its own key (the key shares the
    /// spelling's allocation); others have a key of their own.
    names: BTreeMap<Name, Vec<Spelling>>,
    /// By id: the file's place in the path order ([`NameIndex::set_order`]) and the file.
    files: HashMap<u32, (u64, Arc<IndexedFile>)>,
    next_id: u32,
    /// Posting slots allocated: the sum of the posting lists' capacities.
    posting_slots: u64,
    /// Bytes of keys and spellings (see [`NameIndex::approx_bytes`]).
    name_bytes: u64,
    /// Every spelling's mask, contiguous, for the fuzzy scan (by slot).
    flat_masks: Vec<u64>,
    /// Every spelling, by slot.
    flat_names: Vec<Name>,
}

/// Bytes of one file's entry by id.
const FILE_ENTRY_BYTES: usize = std::mem::size_of::<(u32, (u64, Arc<IndexedFile>))>();

/// Estimated fixed cost of one map key: its pointer and value in a node and its share of the
/// node's spare room (the text is counted apart: see `post` and `remove`).
const KEY_OVERHEAD: u64 = 48;

/// A bit per ASCII letter (either case), digit and `_` present in `text`; with `conservative`,
/// every bit when `text` has a non-ASCII character (nucleo's normalisation may match it to an
/// ASCII one). A name can only fuzzily match a query whose mask is a subset of its own.
pub fn char_mask(text: &str, conservative: bool) -> u64 {
    let mut mask = 0u64;
    for b in text.bytes() {
        let bit = match b {
            b'a'..=b'z' => b - b'a',
            b'A'..=b'Z' => b - b'A',
            b'0'..=b'9' => 26 + (b - b'0'),
            b'_' => 36,
            0x80.. if conservative => return u64::MAX,
            _ => continue,
        };
        mask |= 1 << bit;
    }
    mask
}

impl NameIndex {
    /// Adds `file`'s symbols; returns its id and the file as kept, its symbols' names (and
    /// the containers that are names of the file) sharing the index's allocation of each name.
    pub fn add(&mut self, file: IndexedFile) -> (u32, Arc<IndexedFile>) {
        self.make_room_for(1);
        let mut names = std::mem::take(&mut self.names);
        let added = self.add_to(&mut names, file, None);
        self.names = names;
        added
    }

    /// [`add`](Self::add) for each file, in order: the same index, built through a hash map
    /// and sorted once at the end instead of a search of the ordered map per symbol (a
    /// snapshot's load posts about a million symbols).
    ///
    /// Each new spelling's posting list is allocated once, at the number of symbols of that
    /// name allocation in `files` (a snapshot's symbols share one allocation per name): no
    /// list grows by doubling and is shrunk again, which left the freed blocks scattered
    /// among the ones kept.
    pub fn add_all(&mut self, files: Vec<IndexedFile>) -> Vec<(u32, Arc<IndexedFile>)> {
        self.make_room_for(files.len());
        let mut counts: PointerCounts = HashMap::default();
        for symbol in files.iter().flat_map(|f| &f.symbols) {
            *counts.entry(symbol.name.as_ptr()).or_default() += 1;
        }
        self.flat_masks.reserve(counts.len());
        self.flat_names.reserve(counts.len());
        let mut names: HashMap<Name, Vec<Spelling>> = HashMap::with_capacity(counts.len());
        names.extend(std::mem::take(&mut self.names));
        let added = files
            .into_iter()
            .map(|file| self.add_to(&mut names, file, Some(&counts)))
            .collect();
        drop(counts);
        self.names = names.into_iter().collect();
        self.shrink();
        added
    }

    /// Renumbers the files when `count` more ids would run out.
    fn make_room_for(&mut self, count: usize) {
        if u64::from(self.next_id) + count as u64 > u64::from(u32::MAX) {
            self.renumber();
        }
    }

    /// Adds one file to `names` (the index's map, taken out); the ids have room
    /// ([`make_room_for`](Self::make_room_for)). `sizes`: the postings a new spelling will
    /// have, by the address of its name's text (see [`add_all`](Self::add_all)).
    fn add_to<M: SpellingMap>(
        &mut self,
        names: &mut M,
        mut file: IndexedFile,
        sizes: Option<&PointerCounts>,
    ) -> (u32, Arc<IndexedFile>) {
        let id = self.next_id;
        self.next_id += 1;
        let shared = self.post_all(names, id, &file, sizes);
        file.share_names(shared);
        let file = Arc::new(file);
        self.files.insert(id, (0, Arc::clone(&file)));
        (id, file)
    }

    /// Adds a posting of every symbol of `file` (with the id `id`) to `names`; returns each
    /// symbol's shared name. `sizes` as in [`add_to`](Self::add_to).
    fn post_all<M: SpellingMap>(
        &mut self,
        names: &mut M,
        id: u32,
        file: &IndexedFile,
        sizes: Option<&PointerCounts>,
    ) -> Vec<Name> {
        file.symbols
            .iter()
            .enumerate()
            .map(|(i, symbol)| {
                let posting = Posting {
                    file: id,
                    symbol: u32::try_from(i).unwrap_or(u32::MAX),
                    key: rank_key(symbol, &file.path),
                };
                let size = sizes
                    .and_then(|s| s.get(&symbol.name.as_ptr()))
                    .map_or(1, |&n| n as usize);
                self.post(names, &symbol.name, posting, size)
            })
            .collect()
    }

    /// Adds `posting` to the spelling `name` (created when new, with room for `size`
    /// postings); returns the spelling's name.
    fn post<M: SpellingMap>(
        &mut self,
        names: &mut M,
        name: &Name,
        posting: Posting,
        size: usize,
    ) -> Name {
        // Most names are lowercase already: look them up without a lowercased copy.
        let lowered = name
            .bytes()
            .any(|b| b.is_ascii_uppercase())
            .then(|| name.to_ascii_lowercase());
        let key: &str = lowered.as_deref().unwrap_or(name);
        let make_key = || {
            lowered
                .as_deref()
                .map_or_else(|| Name::clone(name), Name::from)
        };
        names.with_spellings(key, make_key, |spellings, new_key| {
            if new_key {
                // A key of its own is counted until it is removed; a shared one while no
                // spelling holds it (see `remove`).
                let own = if lowered.is_some() {
                    name_bytes(key)
                } else {
                    0
                };
                self.name_bytes += KEY_OVERHEAD + own as u64;
            }
            match spellings.iter_mut().find(|s| s.name == *name) {
                Some(spelling) => {
                    let before = spelling.postings.capacity();
                    spelling.postings.push(posting);
                    self.posting_slots += (spelling.postings.capacity() - before) as u64;
                    Name::clone(&spelling.name)
                }
                None => {
                    self.name_bytes += spelling_bytes(name);
                    let mask = char_mask(name, true);
                    let slot = u32::try_from(self.flat_names.len()).unwrap_or(u32::MAX);
                    self.flat_masks.push(mask);
                    self.flat_names.push(Name::clone(name));
                    let mut postings = Vec::with_capacity(size.max(1));
                    postings.push(posting);
                    self.posting_slots += postings.capacity() as u64;
                    // Most names have one spelling: no room kept for more.
                    spellings.reserve_exact(1);
                    spellings.push(Spelling {
                        name: Name::clone(name),
                        postings,
                        slot,
                    });
                    Name::clone(name)
                }
            }
        })
    }

    /// Removes the file with this id.
    pub fn remove(&mut self, id: u32) {
        let Some((_, file)) = self.files.remove(&id) else {
            return;
        };
        for symbol in &file.symbols {
            let key = symbol.name.to_ascii_lowercase();
            let Some(key_text) = self
                .names
                .get_key_value(key.as_str())
                .map(|(k, _)| k.as_ptr())
            else {
                continue;
            };
            let Some(spellings) = self.names.get_mut(key.as_str()) else {
                continue;
            };
            let mut freed = None;
            if let Some(at) = spellings.iter().position(|s| s.name == symbol.name) {
                let postings = &mut spellings[at].postings;
                let from = postings.partition_point(|p| p.file < id);
                let to = postings.partition_point(|p| p.file <= id);
                postings.drain(from..to);
                if postings.is_empty() {
                    self.posting_slots -= postings.capacity() as u64;
                    self.name_bytes -= spelling_bytes(&symbol.name);
                    let gone = spellings.swap_remove(at);
                    if gone.name.as_ptr() == key_text {
                        // The key shared this spelling's text: it now holds it alone.
                        self.name_bytes += name_bytes(&key) as u64;
                    }
                    freed = Some(gone.slot as usize);
                    spellings.shrink_to_fit();
                } else if postings.len() * 2 < postings.capacity() {
                    self.posting_slots -= postings.capacity() as u64;
                    postings.shrink_to_fit();
                    self.posting_slots += postings.capacity() as u64;
                }
            }
            if spellings.is_empty() {
                self.name_bytes -= KEY_OVERHEAD + name_bytes(&key) as u64;
                self.names.remove(key.as_str());
            }
            if let Some(slot) = freed {
                self.free_slot(slot);
            }
        }
    }

    /// Removes a slot of the flat table (the last one moves into it).
    fn free_slot(&mut self, slot: usize) {
        if slot >= self.flat_names.len() {
            return;
        }
        self.flat_masks.swap_remove(slot);
        self.flat_names.swap_remove(slot);
        if let Some(moved) = self.flat_names.get(slot) {
            let key = moved.to_ascii_lowercase();
            if let Some(spelling) = self
                .names
                .get_mut(key.as_str())
                .and_then(|v| v.iter_mut().find(|s| s.name == *moved))
            {
                spelling.slot = u32::try_from(slot).unwrap_or(u32::MAX);
            }
        }
    }

    /// The slots whose spelling has every bit of `wanted` in its mask, with the spelling's
    /// name (a contiguous scan).
    pub fn scan(&self, wanted: u64) -> impl Iterator<Item = &str> {
        self.flat_masks
            .iter()
            .zip(&self.flat_names)
            .filter(move |(m, _)| *m & wanted == wanted)
            .map(|(_, n)| n.as_ref())
    }

    /// The spelling `name` (exactly).
    pub fn spelling(&self, name: &str) -> Option<&Spelling> {
        self.names
            .get(name.to_ascii_lowercase().as_str())?
            .iter()
            .find(|s| s.name.as_str() == name)
    }

    /// Gives every file a new id, in id order (when the ids ran out).
    fn renumber(&mut self) {
        let mut files: Vec<(u32, (u64, Arc<IndexedFile>))> = self.files.drain().collect();
        files.sort_by_key(|(id, _)| *id);
        self.names.clear();
        self.next_id = 0;
        self.posting_slots = 0;
        self.name_bytes = 0;
        self.flat_masks.clear();
        self.flat_names.clear();
        let mut names = std::mem::take(&mut self.names);
        for (_, (order, file)) in files {
            let id = self.next_id;
            self.next_id += 1;
            self.post_all(&mut names, id, &file, None);
            self.files.insert(id, (order, file));
        }
        self.names = names;
    }

    /// The file with this id.
    pub fn file(&self, id: u32) -> Option<&IndexedFile> {
        self.files.get(&id).map(|f| f.1.as_ref())
    }

    /// The file with this id and its place in the path order (see
    /// [`set_order`](Self::set_order)).
    pub fn file_with_order(&self, id: u32) -> Option<(&IndexedFile, u64)> {
        self.files.get(&id).map(|f| (f.1.as_ref(), f.0))
    }

    /// The place in the path order of the file with this id (0 until set).
    pub fn order(&self, id: u32) -> Option<u64> {
        self.files.get(&id).map(|f| f.0)
    }

    /// Sets the place in the path order of the file with this id: the workspace index keeps
    /// these numbers increasing with the files' paths (distinct paths, distinct numbers), so
    /// ranking compares two files' paths as two integers.
    pub fn set_order(&mut self, id: u32, order: u64) {
        if let Some(f) = self.files.get_mut(&id) {
            f.0 = order;
        }
    }

    /// The spellings of names whose ASCII-lowercased form starts with `lower` (itself
    /// lowercased), in key order.
    pub fn with_prefix<'a>(
        &'a self,
        lower: &str,
    ) -> impl Iterator<Item = (&'a str, &'a [Spelling])> + use<'a> {
        let prefix = lower.to_owned();
        self.names
            .range::<str, _>((std::ops::Bound::Included(lower), std::ops::Bound::Unbounded))
            .take_while(move |(k, _)| k.starts_with(prefix.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// The spellings of the names equal to `lower` ignoring ASCII case.
    pub fn exact_ignore_case(&self, lower: &str) -> &[Spelling] {
        self.names.get(lower).map_or(&[], |v| v.as_slice())
    }

    /// Every (lowercased name, spellings), in key order.
    pub fn all(&self) -> impl Iterator<Item = (&str, &[Spelling])> {
        self.names.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Distinct names (ignoring ASCII case).
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// Estimated bytes of the name index: keys, spellings, posting slots (allocated, used or
    /// not), and per file its entry by id (id, place in the path order, pointer).
    pub fn approx_bytes(&self) -> u64 {
        self.name_bytes
            + self.posting_slots * std::mem::size_of::<Posting>() as u64
            + (self.files.len() * FILE_ENTRY_BYTES) as u64
    }

    /// Gives back the room the posting lists and the flat tables keep for growth (after many
    /// files were added: a snapshot's load, an initial index).
    pub fn shrink(&mut self) {
        let mut slots = 0u64;
        for spellings in self.names.values_mut() {
            for spelling in spellings.iter_mut() {
                spelling.postings.shrink_to_fit();
                slots += spelling.postings.capacity() as u64;
            }
        }
        self.posting_slots = slots;
        self.flat_masks.shrink_to_fit();
        self.flat_names.shrink_to_fit();
    }
}

/// A spelling's bytes: its entry, its name once (the shared allocation with its two
/// reference counts) and its slot in the flat tables (name pointer and mask).
fn spelling_bytes(name: &str) -> u64 {
    (name.len() + 16 + std::mem::size_of::<Spelling>() + std::mem::size_of::<Name>() + 8) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::position::{Position, Range};
    use crate::symbols::SymbolRole;
    use crate::workspace::index::{IndexedSymbol, intern_kind};

    fn file(path: &str, names: &[&str]) -> IndexedFile {
        let at = Position {
            byte: 0,
            row: 0,
            column: 0,
        };
        let symbols = names
            .iter()
            .map(|n| {
                let range = Range { start: at, end: at }.into();
                let symbol = IndexedSymbol::new(
                    (*n).into(),
                    intern_kind("function"),
                    SymbolRole::Definition,
                    range,
                );
                (symbol, None)
            })
            .collect();
        IndexedFile::from_symbols(path, "python", symbols)
    }

    fn slots(names: &NameIndex) -> u64 {
        names
            .all()
            .flat_map(|(_, spellings)| spellings)
            .map(|s| s.postings.capacity() as u64)
            .sum()
    }

    #[test]
    fn posting_slots_are_counted_as_allocated_and_shrink_gives_them_back() {
        let mut names = NameIndex::default();
        for i in 0..5 {
            names.add(file(&format!("f{i}.py"), &["run", "Run", "stop"]));
        }
        let fixed = names.approx_bytes() - slots(&names) * 12;
        names.shrink();
        assert_eq!(slots(&names), 15, "one slot per posting");
        assert_eq!(names.approx_bytes(), fixed + 15 * 12);
        // Removing most of a name's postings gives room back too, and stays counted.
        for id in 0..4 {
            names.remove(id);
        }
        assert_eq!(
            names.approx_bytes() - slots(&names) * 12,
            fixed - 4 * FILE_ENTRY_BYTES as u64
        );
        assert!(slots(&names) <= 2 * 3, "{}", slots(&names));
    }

    #[test]
    fn aligned_addresses_spread_over_a_table_s_low_bits() {
        use std::hash::BuildHasher;
        let hasher = std::hash::BuildHasherDefault::<AddressHasher>::default();
        let buckets: std::collections::HashSet<u64> = (0..1024usize)
            .map(|i| hasher.hash_one((0x7f00_0000_0000 + i * 16) as *const u8) & 1023)
            .collect();
        assert!(buckets.len() > 600, "{} of 1024 buckets", buckets.len());
        // And the counts it keeps are a map's counts.
        let mut counts: PointerCounts = HashMap::default();
        let names: Vec<Name> = ["a", "b", "c"].iter().map(|n| Name::from(*n)).collect();
        for i in 0..30 {
            *counts.entry(names[i % 3].as_ptr()).or_default() += 1;
        }
        assert!(names.iter().all(|n| counts.get(&n.as_ptr()) == Some(&10)));
    }

    #[test]
    fn a_lowercase_name_is_its_own_key_and_keys_are_counted_until_removed() {
        let key_of = |names: &NameIndex, lower: &str| -> Name {
            let (k, _) = names.names.get_key_value(lower).expect("key");
            k.clone()
        };
        // Every order of adding and removing spellings of one key (lowercase first or not)
        // comes back to an index of no bytes.
        for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2], [0, 2, 1]] {
            let mut names = NameIndex::default();
            let run = names.add(file("a.py", &["run"])).1;
            names.add(file("b.py", &["Run", "RUN"]));
            names.add(file("c.py", &["stop", "Stop"]));
            let shared = &run.symbols[0].name;
            assert!(
                Name::ptr_eq(&key_of(&names, "run"), shared),
                "the spelling's text"
            );
            let stop = names.spelling("stop").expect("stop");
            assert!(Name::ptr_eq(&key_of(&names, "stop"), &stop.name));
            // Keys and spellings: each key's pointer and node share, its own text when it has
            // one ("RUN" and "Stop" have none: their keys came first), each spelling once.
            let expected = 2 * KEY_OVERHEAD
                + ["run", "Run", "RUN", "stop", "Stop"]
                    .iter()
                    .map(|n| spelling_bytes(n))
                    .sum::<u64>();
            assert_eq!(names.name_bytes, expected);
            for id in order {
                names.remove(id);
                let held: u64 = names
                    .names
                    .iter()
                    .map(|(k, spellings)| {
                        let shared = spellings.iter().any(|s| Name::ptr_eq(&s.name, k));
                        let own = if shared { 0 } else { name_bytes(k) as u64 };
                        KEY_OVERHEAD
                            + own
                            + spellings
                                .iter()
                                .map(|s| spelling_bytes(&s.name))
                                .sum::<u64>()
                    })
                    .sum();
                assert_eq!(names.name_bytes, held, "after removing {id} in {order:?}");
            }
            assert_eq!((names.name_bytes, names.approx_bytes()), (0, 0));
            assert_eq!(names.name_count(), 0);
        }
    }
}
