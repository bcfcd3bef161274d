//! The on-disk snapshot of a workspace index: every file's stamp (size, modification time,
//! content hash) with its indexed definitions and references, or its stamp alone when it was
//! walked and skipped. A restart loads it, answers from it at once and then re-checks the
//! disk against the stamps (see `docs/workspaces.md`, "Persistence", for the byte layout).
//!
//! The format is little-endian, header first, with an xxh3-64 checksum of the body; every
//! length and count is checked against the bytes left before anything is allocated, so a
//! damaged, truncated or foreign file is a [`SnapshotError`], never a panic. Files are
//! written whole to a temporary file in the same directory, synced, then renamed over the
//! old snapshot, so a crash leaves the old or the new snapshot, never a mix.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::index::{FileStamp, IndexedFile, IndexedSymbol, Kind, Name, intern_kind};
use crate::position::{Position, Range};
use crate::symbols::SymbolRole;

/// The first 8 bytes of a snapshot.
pub const MAGIC: [u8; 8] = *b"SXDWSIDX";

/// The format version. 1: the first format (header, string table, files with stamps,
/// definitions and references).
pub const VERSION: u32 = 1;

/// Bytes of the header: magic, version, body length, body checksum.
pub const HEADER_BYTES: usize = 8 + 4 + 8 + 8;

/// Why a snapshot cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Reading or writing the file failed.
    #[error("workspace snapshot {path}: {source}")]
    Io {
        /// The snapshot's path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file does not start with [`MAGIC`].
    #[error("not a workspace snapshot (bad magic)")]
    BadMagic,
    /// A version this build does not read.
    #[error("workspace snapshot version {found} (this build reads {expected})")]
    UnsupportedVersion {
        /// The file's version.
        found: u32,
        /// [`VERSION`].
        expected: u32,
    },
    /// The body's length or checksum does not match the header.
    #[error("workspace snapshot damaged: {what}")]
    Damaged {
        /// Which check failed.
        what: &'static str,
    },
    /// The body ends before a field, or a field is out of range.
    #[error("workspace snapshot malformed at byte {offset}: {what}")]
    Malformed {
        /// Offset in the body.
        offset: usize,
        /// What was expected.
        what: &'static str,
    },
    /// The snapshot was written for another root, build or index settings.
    #[error("workspace snapshot is stale: its {what} differs")]
    Stale {
        /// The setting that differs.
        what: &'static str,
    },
}

/// What a snapshot must have been written with to be used: anything else indexes
/// differently, so the snapshot is stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMeta {
    /// The syntaxd version that wrote it and a fingerprint of its tags queries (extraction
    /// changes with either).
    pub producer: String,
    /// The canonical root.
    pub root: String,
    /// `workspace.index_references`.
    pub references: bool,
    /// `parse.max_source_bytes`.
    pub max_file_bytes: u64,
    /// `workspace.max_files`.
    pub max_files: u64,
}

/// One file of a snapshot, borrowed from the index (what [`encode`] writes).
#[derive(Debug, Clone, Copy)]
pub enum RecordRef<'a> {
    /// An indexed file.
    Indexed(&'a IndexedFile, FileStamp),
    /// A walked file that was skipped (its relative path).
    Skipped(&'a str, FileStamp),
}

/// One file of a snapshot, owned (what [`decode`] reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// An indexed file.
    Indexed(IndexedFile, FileStamp),
    /// A walked file that was skipped (its relative path).
    Skipped(Name, FileStamp),
}

/// A decoded snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// What it was written with.
    pub meta: SnapshotMeta,
    /// Its files, in the order written. Files of a language this build does not know are
    /// left out (they are indexed again as new files).
    pub records: Vec<Record>,
}

/// The snapshot's path for the workspace `id` under the snapshot directory `dir`.
pub fn path_for_id(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.idx"))
}

/// Encodes a snapshot in memory (what [`encode_into`] writes).
pub fn encode<'a>(meta: &SnapshotMeta, records: impl Iterator<Item = RecordRef<'a>>) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    match encode_into(meta, records, &mut out) {
        Ok(_) => out.into_inner(),
        // Writing to a vector fails only when memory runs out, which aborts first.
        Err(e) => unreachable!("writing a snapshot to memory failed: {e}"),
    }
}

/// Bytes of encoded records gathered before they are written.
const WRITE_CHUNK_BYTES: usize = 64 << 10;

/// Writes a snapshot to `out` in one pass over the records, without holding it in memory
/// (a snapshot of a large tree is tens of MB): the string table is gathered first, then the
/// body is written in chunks while its length and checksum are computed, and the header is
/// written again with them at the end (`out` is left at the end). Returns the bytes written.
///
/// # Errors
/// Writing or seeking `out` failed.
pub fn encode_into<'a, W: Write + std::io::Seek>(
    meta: &SnapshotMeta,
    records: impl Iterator<Item = RecordRef<'a>>,
    out: &mut W,
) -> std::io::Result<u64> {
    let records: Vec<RecordRef<'a>> = records.collect();
    // The string table: languages, names, kinds and containers, each once, in order of
    // first use.
    let mut table: Vec<&str> = Vec::new();
    let mut ids: HashMap<&str, u64> = HashMap::new();
    let mut intern = |s: &'a str| {
        ids.entry(s).or_insert_with(|| {
            table.push(s);
            table.len() as u64 - 1
        });
    };
    for record in &records {
        if let RecordRef::Indexed(file, _) = *record {
            intern(file.language);
            for s in &file.symbols {
                intern(&s.name);
                intern(s.kind.as_str());
                if let Some(c) = file.container(s) {
                    intern(c);
                }
            }
        }
    }
    let id = |s: &str| ids.get(s).copied().unwrap_or_default();
    let start = out.stream_position()?;
    let mut header = [0u8; HEADER_BYTES];
    header[..8].copy_from_slice(&MAGIC);
    header[8..12].copy_from_slice(&VERSION.to_le_bytes());
    out.write_all(&header)?;
    let mut body = Body {
        out,
        hash: xxhash_rust::xxh3::Xxh3Default::new(),
        len: 0,
        buf: Vec::with_capacity(WRITE_CHUNK_BYTES + 4096),
    };
    let buf = &mut body.buf;
    put_str(buf, &meta.producer);
    put_str(buf, &meta.root);
    buf.push(u8::from(meta.references));
    put_varint(buf, meta.max_file_bytes);
    put_varint(buf, meta.max_files);
    put_varint(buf, table.len() as u64);
    for s in &table {
        put_str(&mut body.buf, s);
        body.flush_over(WRITE_CHUNK_BYTES)?;
    }
    put_varint(&mut body.buf, records.len() as u64);
    for record in &records {
        let buf = &mut body.buf;
        match *record {
            RecordRef::Indexed(file, stamp) => {
                put_str(buf, &file.path);
                buf.push(0);
                put_stamp(buf, stamp);
                put_varint(buf, id(file.language));
                put_varint(buf, file.definitions as u64);
                put_varint(buf, file.symbols.len() as u64);
                for s in &file.symbols {
                    put_varint(buf, id(&s.name));
                    put_varint(buf, id(s.kind.as_str()));
                    buf.push(u8::from(s.role == SymbolRole::Reference));
                    put_varint(buf, file.container(s).map_or(0, |c| id(c) + 1));
                    let (a, b) = (s.range.start(), s.range.end());
                    for v in [
                        a.byte,
                        a.row,
                        a.column,
                        b.byte.saturating_sub(a.byte),
                        b.row.saturating_sub(a.row),
                        b.column,
                    ] {
                        put_varint(buf, v as u64);
                    }
                }
            }
            RecordRef::Skipped(path, stamp) => {
                put_str(buf, path);
                buf.push(1);
                put_stamp(buf, stamp);
            }
        }
        body.flush_over(WRITE_CHUNK_BYTES)?;
    }
    body.flush_over(0)?;
    let (len, checksum) = (body.len, body.hash.digest());
    out.seek(std::io::SeekFrom::Start(start + 12))?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(&checksum.to_le_bytes())?;
    out.seek(std::io::SeekFrom::Start(start + HEADER_BYTES as u64 + len))?;
    Ok(HEADER_BYTES as u64 + len)
}

/// The body of a snapshot being written: encoded bytes gather in `buf` and go to `out`
/// through the running checksum.
struct Body<'w, W> {
    out: &'w mut W,
    hash: xxhash_rust::xxh3::Xxh3Default,
    len: u64,
    buf: Vec<u8>,
}

impl<W: Write> Body<'_, W> {
    /// Writes what gathered when it is more than `limit` bytes.
    fn flush_over(&mut self, limit: usize) -> std::io::Result<()> {
        if self.buf.len() > limit || (limit == 0 && !self.buf.is_empty()) {
            self.hash.update(&self.buf);
            self.out.write_all(&self.buf)?;
            self.len += self.buf.len() as u64;
            self.buf.clear();
        }
        Ok(())
    }
}

/// Decodes a snapshot; `language_for_id` maps a stored language id to the registry's
/// (`None`: unknown to this build, the file is left out).
///
/// # Errors
/// [`SnapshotError::BadMagic`], [`SnapshotError::UnsupportedVersion`],
/// [`SnapshotError::Damaged`] (length or checksum), [`SnapshotError::Malformed`].
pub fn decode(
    bytes: &[u8],
    language_for_id: impl Fn(&str) -> Option<&'static str>,
) -> Result<Snapshot, SnapshotError> {
    if bytes.len() < 8 || bytes[..8] != MAGIC {
        return Err(SnapshotError::BadMagic);
    }
    let mut header = Reader::new(bytes.get(8..).unwrap_or_default());
    let damaged = |what| SnapshotError::Damaged { what };
    let version = header.u32().map_err(|_| damaged("header truncated"))?;
    if version != VERSION {
        return Err(SnapshotError::UnsupportedVersion {
            found: version,
            expected: VERSION,
        });
    }
    let length = header.u64().map_err(|_| damaged("header truncated"))?;
    let checksum = header.u64().map_err(|_| damaged("header truncated"))?;
    let body = &bytes[HEADER_BYTES..];
    if body.len() as u64 != length {
        return Err(damaged("body length"));
    }
    if xxhash_rust::xxh3::xxh3_64(body) != checksum {
        return Err(damaged("checksum"));
    }
    let mut r = Reader::new(body);
    let meta = SnapshotMeta {
        producer: r.str()?.to_owned(),
        root: r.str()?.to_owned(),
        references: r.flag()?,
        max_file_bytes: r.varint()?,
        max_files: r.varint()?,
    };
    let strings = r.count(1)?;
    let mut table: Vec<&str> = Vec::with_capacity(strings);
    for _ in 0..strings {
        table.push(r.str()?);
    }
    // One allocation per distinct string used as a name or a container, shared by every
    // symbol and container table of that string (and kept by the index by name when the
    // records are inserted); made on first use. Kinds are interned once per string. Each
    // file's symbols are read straight into their final list (definitions come first in a
    // snapshot), its containers into their table: nothing is copied, reordered or made and
    // dropped per file while the index is built.
    let mut shared: Vec<Option<Name>> = vec![None; table.len()];
    let mut kinds: Vec<Option<Kind>> = vec![None; table.len()];
    // The string id of each of the current file's containers, and back (`u32::MAX`: not one).
    let mut file_containers: Vec<usize> = Vec::new();
    let mut container_place: Vec<u32> = vec![u32::MAX; table.len()];
    let files = r.count(1)?;
    let mut records = Vec::with_capacity(files);
    for _ in 0..files {
        let path = r.str()?;
        let tag = r.u8()?;
        let stamp = FileStamp {
            size: r.varint()?,
            mtime_ns: r.varint()?,
            hash: r.u64()?,
        };
        match tag {
            1 => records.push(Record::Skipped(Name::from(path), stamp)),
            0 => {
                let language: &str = r.index(&table)?;
                let definitions = r.usize()?;
                let count = r.count(10)?;
                if definitions > count {
                    return Err(r.malformed("more definitions than symbols"));
                }
                for id in file_containers.drain(..) {
                    container_place[id] = u32::MAX;
                }
                let mut symbols = Vec::with_capacity(count);
                for i in 0..count {
                    let at = r.index_of(table.len())?;
                    let name = Name::clone(shared[at].get_or_insert_with(|| Name::from(table[at])));
                    let at = r.index_of(table.len())?;
                    let kind = *kinds[at].get_or_insert_with(|| intern_kind(table[at]));
                    let role = if r.flag()? {
                        SymbolRole::Reference
                    } else {
                        SymbolRole::Definition
                    };
                    if (role == SymbolRole::Definition) != (i < definitions) {
                        return Err(r.malformed("definitions must come first"));
                    }
                    let container = match r.usize()? {
                        0 => None,
                        n => {
                            let id = n - 1;
                            if id >= table.len() {
                                return Err(r.malformed("string id out of range"));
                            }
                            if container_place[id] == u32::MAX {
                                container_place[id] =
                                    u32::try_from(file_containers.len()).unwrap_or(u32::MAX - 1);
                                file_containers.push(id);
                            }
                            Some(container_place[id])
                        }
                    };
                    let start = Position {
                        byte: r.usize()?,
                        row: r.usize()?,
                        column: r.usize()?,
                    };
                    let end = Position {
                        byte: start
                            .byte
                            .checked_add(r.usize()?)
                            .ok_or_else(|| r.malformed("range overflows"))?,
                        row: start
                            .row
                            .checked_add(r.usize()?)
                            .ok_or_else(|| r.malformed("range overflows"))?,
                        column: r.usize()?,
                    };
                    symbols.push(
                        IndexedSymbol::new(name, kind, role, Range { start, end }.into())
                            .with_container(container),
                    );
                }
                if let Some(language) = language_for_id(language) {
                    let containers: Box<[Name]> = file_containers
                        .iter()
                        .map(|&id| {
                            Name::clone(shared[id].get_or_insert_with(|| Name::from(table[id])))
                        })
                        .collect();
                    let file = IndexedFile::from_ordered(
                        Name::from(path),
                        language,
                        symbols,
                        definitions,
                        containers,
                    )
                    .map_err(|what| r.malformed(what))?;
                    records.push(Record::Indexed(file, stamp));
                }
            }
            _ => return Err(r.malformed("unknown record tag")),
        }
    }
    if r.pos != body.len() {
        return Err(r.malformed("bytes after the last file"));
    }
    Ok(Snapshot { meta, records })
}

/// Reads and decodes the snapshot at `path`, then checks that it was written with `expected`.
///
/// # Errors
/// [`SnapshotError::Io`] (a missing file is `NotFound`), the errors of [`decode`], and
/// [`SnapshotError::Stale`].
pub fn load(
    path: &Path,
    expected: &SnapshotMeta,
    language_for_id: impl Fn(&str) -> Option<&'static str>,
) -> Result<Snapshot, SnapshotError> {
    let bytes = std::fs::read(path).map_err(|source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let snapshot = decode(&bytes, language_for_id)?;
    let m = &snapshot.meta;
    let stale = if m.root != expected.root {
        Some("root")
    } else if m.producer != expected.producer {
        Some("producer (version or tags queries)")
    } else if m.references != expected.references {
        Some("workspace.index_references")
    } else if m.max_file_bytes != expected.max_file_bytes {
        Some("parse.max_source_bytes")
    } else if m.max_files != expected.max_files {
        Some("workspace.max_files")
    } else {
        None
    };
    match stale {
        Some(what) => Err(SnapshotError::Stale { what }),
        None => Ok(snapshot),
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory (created if
/// needed), synced, renamed over `path`, then the directory synced.
///
/// # Errors
/// [`SnapshotError::Io`].
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SnapshotError> {
    write_atomically_with(path, |out| out.write_all(bytes))
}

/// Writes the snapshot of `records` to `path` atomically as [`write_atomically`] does,
/// streamed to the file ([`encode_into`]) rather than encoded in memory first. Returns the
/// bytes written.
///
/// # Errors
/// [`SnapshotError::Io`].
pub fn write<'a>(
    path: &Path,
    meta: &SnapshotMeta,
    records: impl Iterator<Item = RecordRef<'a>>,
) -> Result<u64, SnapshotError> {
    write_atomically_with(path, |out| encode_into(meta, records, out))
}

/// [`write_atomically`] with the content written by `write` to the temporary file.
fn write_atomically_with<T>(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<T>,
) -> Result<T, SnapshotError> {
    let io = |source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".snapshot-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    let value = write(tmp.as_file_mut()).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(value)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_stamp(out: &mut Vec<u8>, stamp: FileStamp) {
    put_varint(out, stamp.size);
    put_varint(out, stamp.mtime_ns);
    out.extend_from_slice(&stamp.hash.to_le_bytes());
}

/// A bounds-checked cursor over a body.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    fn malformed(&self, what: &'static str) -> SnapshotError {
        SnapshotError::Malformed {
            offset: self.pos,
            what,
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| self.malformed("truncated"))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?[0])
    }

    fn flag(&mut self) -> Result<bool, SnapshotError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(self.malformed("a flag is 0 or 1")),
        }
    }

    fn u32(&mut self) -> Result<u32, SnapshotError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, SnapshotError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }

    fn varint(&mut self) -> Result<u64, SnapshotError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            let part = u64::from(b & 0x7f);
            if shift == 63 && part > 1 {
                return Err(self.malformed("varint overflows 64 bits"));
            }
            v |= part << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.malformed("varint longer than 10 bytes"))
    }

    fn usize(&mut self) -> Result<usize, SnapshotError> {
        let v = self.varint()?;
        usize::try_from(v).map_err(|_| self.malformed("value out of range"))
    }

    /// A count of items of at least `min_bytes` each: never more than the bytes left allow.
    fn count(&mut self, min_bytes: usize) -> Result<usize, SnapshotError> {
        let n = self.usize()?;
        if n > (self.bytes.len() - self.pos) / min_bytes.max(1) {
            return Err(self.malformed("count larger than the bytes left"));
        }
        Ok(n)
    }

    fn str(&mut self) -> Result<&'a str, SnapshotError> {
        let n = self.usize()?;
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes).map_err(|_| self.malformed("a string is not UTF-8"))
    }

    /// A string id below `len`.
    fn index_of(&mut self, len: usize) -> Result<usize, SnapshotError> {
        let i = self.usize()?;
        if i < len {
            Ok(i)
        } else {
            Err(self.malformed("string id out of range"))
        }
    }

    fn index<'t, T>(&mut self, table: &'t [T]) -> Result<&'t T, SnapshotError> {
        let i = self.usize()?;
        table
            .get(i)
            .ok_or_else(|| self.malformed("string id out of range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(byte: usize, row: usize, column: usize) -> Position {
        Position { byte, row, column }
    }

    fn symbol<'c>(
        name: &str,
        kind: &str,
        role: SymbolRole,
        container: Option<&'c str>,
    ) -> (IndexedSymbol, Option<&'c str>) {
        let range = Range {
            start: at(300, 12, 4),
            end: at(300 + name.len(), 12, 4 + name.len()),
        };
        (
            IndexedSymbol::new(name.into(), intern_kind(kind), role, range.into()),
            container,
        )
    }

    fn meta() -> SnapshotMeta {
        SnapshotMeta {
            producer: "0.1.0".into(),
            root: "/r".into(),
            references: true,
            max_file_bytes: 1 << 20,
            max_files: 100_000,
        }
    }

    fn sample() -> (SnapshotMeta, Vec<Record>) {
        let stamp = |n: u64| FileStamp {
            size: n,
            mtime_ns: 1_700_000_000_000_000_000 + n,
            hash: u64::MAX - n,
        };
        let a = IndexedFile::from_symbols(
            "app/models.py",
            "python",
            vec![
                symbol("User", "class", SymbolRole::Definition, None),
                symbol(
                    "__init__",
                    "constructor",
                    SymbolRole::Definition,
                    Some("User"),
                ),
                symbol("User", "name", SymbolRole::Reference, None),
                symbol("éclair", "name", SymbolRole::Reference, None),
            ],
        );
        let b = IndexedFile::from_symbols("lib.rs", "rust", Vec::new());
        (
            meta(),
            vec![
                Record::Indexed(a, stamp(1)),
                Record::Skipped("big.py".into(), stamp(2)),
                Record::Indexed(b, stamp(0)),
            ],
        )
    }

    fn encode_records(meta: &SnapshotMeta, records: &[Record]) -> Vec<u8> {
        encode(
            meta,
            records.iter().map(|r| match r {
                Record::Indexed(f, s) => RecordRef::Indexed(f, *s),
                Record::Skipped(p, s) => RecordRef::Skipped(p, *s),
            }),
        )
    }

    fn known(id: &str) -> Option<&'static str> {
        ["python", "rust"].into_iter().find(|l| *l == id)
    }

    #[test]
    fn a_snapshot_reads_back_as_written() {
        let (meta, records) = sample();
        let bytes = encode_records(&meta, &records);
        let back = decode(&bytes, known).expect("decodes");
        assert_eq!(back, Snapshot { meta, records });
    }

    #[test]
    fn a_file_of_a_language_this_build_lacks_is_left_out() {
        let (meta, records) = sample();
        let bytes = encode_records(&meta, &records);
        let back = decode(&bytes, |id| (id == "python").then_some("python")).expect("decodes");
        assert_eq!(back.records, records[..2]);
    }

    #[test]
    fn every_truncation_and_every_flipped_byte_is_an_error_never_a_panic() {
        let (meta, records) = sample();
        let bytes = encode_records(&meta, &records);
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n], known).is_err(), "truncated to {n}");
        }
        for i in 0..bytes.len() {
            for bit in [0x01, 0x80] {
                let mut damaged = bytes.clone();
                damaged[i] ^= bit;
                assert!(decode(&damaged, known).is_err(), "byte {i} bit {bit:#x}");
            }
        }
    }

    #[test]
    fn a_wrong_version_is_a_typed_error() {
        let (meta, records) = sample();
        let mut bytes = encode_records(&meta, &records);
        bytes[8..12].copy_from_slice(&2u32.to_le_bytes());
        assert!(matches!(
            decode(&bytes, known),
            Err(SnapshotError::UnsupportedVersion {
                found: 2,
                expected: VERSION
            })
        ));
    }

    #[test]
    fn malformed_bodies_with_a_valid_checksum_are_errors() {
        // A body rewritten with its checksum fixed up: the decoder's own checks must hold.
        let (meta, records) = sample();
        let bytes = encode_records(&meta, &records);
        let body = &bytes[HEADER_BYTES..];
        for i in 0..body.len() {
            for value in [0x00, 0x7f, 0xff] {
                let mut b = body.to_vec();
                b[i] = value;
                let mut out = bytes[..HEADER_BYTES].to_vec();
                out[20..28].copy_from_slice(&xxhash_rust::xxh3::xxh3_64(&b).to_le_bytes());
                out.extend_from_slice(&b);
                // Any outcome but a panic; a success must still be a consistent snapshot.
                if let Ok(s) = decode(&out, known) {
                    for r in &s.records {
                        if let Record::Indexed(f, _) = r {
                            assert!(f.definitions <= f.symbols.len());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_snapshot_streamed_to_its_file_in_chunks_is_the_one_encoded_in_memory() {
        // Enough files for the body to go out in many chunks.
        let (meta, mut records) = sample();
        for i in 0..3_000 {
            let names = [format!("f{i}"), format!("g{}", i % 7), "User".to_owned()];
            let symbols = names
                .iter()
                .map(|n| symbol(n, "function", SymbolRole::Definition, Some("Outer")))
                .collect();
            records.push(Record::Indexed(
                IndexedFile::from_symbols(&format!("pkg/m{i}.py"), "python", symbols),
                FileStamp {
                    size: i,
                    mtime_ns: i * 1_000,
                    hash: i ^ 0x5555,
                },
            ));
        }
        let in_memory = encode_records(&meta, &records);
        assert!(
            in_memory.len() > 2 * WRITE_CHUNK_BYTES,
            "{}",
            in_memory.len()
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let path = path_for_id(dir.path(), "0abc");
        let view = records.iter().map(|r| match r {
            Record::Indexed(f, s) => RecordRef::Indexed(f, *s),
            Record::Skipped(p, s) => RecordRef::Skipped(p, *s),
        });
        let written = write(&path, &meta, view).expect("writes");
        assert_eq!(written, in_memory.len() as u64);
        assert_eq!(std::fs::read(&path).expect("reads"), in_memory);
        let loaded = load(&path, &meta, known).expect("loads");
        assert_eq!(loaded.records, records);
        // Written after other bytes, the header still lands at the start of the snapshot.
        let mut out = std::io::Cursor::new(b"prefix".to_vec());
        out.set_position(6);
        let view = records.iter().map(|r| match r {
            Record::Indexed(f, s) => RecordRef::Indexed(f, *s),
            Record::Skipped(p, s) => RecordRef::Skipped(p, *s),
        });
        encode_into(&meta, view, &mut out).expect("writes");
        assert_eq!(out.position() as usize, 6 + in_memory.len());
        assert_eq!(&out.into_inner()[6..], &in_memory[..]);
    }

    #[test]
    fn a_stale_snapshot_is_refused_and_writes_are_atomic() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = path_for_id(&dir.path().join("workspaces"), "00ff");
        let (meta, records) = sample();
        write_atomically(&path, &encode_records(&meta, &records)).expect("writes");
        assert!(load(&path, &meta, known).is_ok());
        let other = SnapshotMeta {
            references: false,
            ..meta.clone()
        };
        assert!(matches!(
            load(&path, &other, known),
            Err(SnapshotError::Stale {
                what: "workspace.index_references"
            })
        ));
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
            .expect("list")
            .flatten()
            .filter(|e| e.path() != path)
            .collect();
        assert!(
            leftovers.is_empty(),
            "no temporary file left: {leftovers:?}"
        );
    }
}
