//! A compact binary form of a [`SymbolsResult`], stored beside a cache entry so that
//! `syntaxd symbols` reads a cached file's list without decompressing its source and
//! bytecode and without parsing JSON (the two were ~65 % of a warm run's instructions).
//!
//! The JSON form stays the entry's own (the daemon answers `/v1/symbols` with it as stored);
//! this form is a second copy, checked and versioned on its own: a value of another
//! [`PACKED_FORMAT`] or one that does not decode is not used, and the caller falls back to
//! the entry.
//!
//! Layout (integers are unsigned LEB128 varints unless a byte is named):
//! `PACKED_FORMAT` byte, `symbols_format`, `tags_query` (a string), flags byte (bit 0 complete), incomplete-reason
//! byte (0 none), symbol count, then per symbol: name, kind, tag_kind (strings: length then
//! UTF-8 bytes), lsp_kind byte, flags byte (bit 0 reference, bit 1 declaration, bit 2
//! name_lossy), range and name_range (start byte, row, column, end byte, row, column), parent
//! (0 none, else index + 1), container, container_kind, doc (optional strings: 0 none, else
//! length + 1, then the bytes).

use crate::bytecode::varint::{read_varint, write_varint};
use crate::position::{Position, Range};
use crate::query::IncompleteReason;

use super::extract::{Symbol, SymbolRole, SymbolsResult};

/// Version of the packed layout; a stored value of another version is not read. 2: the
/// `tags_query` hash after `symbols_format`.
pub const PACKED_FORMAT: u8 = 2;

/// Why packed bytes are not a symbols list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("packed symbols: {what} at byte {offset}")]
pub struct PackedError {
    /// Where the problem was found.
    pub offset: usize,
    /// What was wrong.
    pub what: &'static str,
}

/// Packs `result`.
pub fn pack(result: &SymbolsResult) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + result.symbols.len() * 48);
    out.push(PACKED_FORMAT);
    write_varint(&mut out, u64::from(result.symbols_format));
    put_str(&mut out, &result.tags_query);
    out.push(u8::from(result.complete));
    out.push(match result.incomplete_reason {
        None => 0,
        Some(IncompleteReason::LimitReached) => 1,
        Some(IncompleteReason::TextLimitReached) => 2,
        Some(IncompleteReason::MatchLimitExceeded) => 3,
        Some(IncompleteReason::Deadline) => 4,
        Some(IncompleteReason::Cancelled) => 5,
    });
    write_varint(&mut out, result.symbols.len() as u64);
    for s in &result.symbols {
        put_str(&mut out, &s.name);
        put_str(&mut out, &s.kind);
        put_str(&mut out, &s.tag_kind);
        out.push(s.lsp_kind);
        out.push(
            u8::from(s.role == SymbolRole::Reference)
                | u8::from(s.declaration) << 1
                | u8::from(s.name_lossy) << 2,
        );
        put_range(&mut out, &s.range);
        put_range(&mut out, &s.name_range);
        write_varint(&mut out, s.parent.map_or(0, |p| p as u64 + 1));
        put_opt_str(&mut out, s.container.as_deref());
        put_opt_str(&mut out, s.container_kind.as_deref());
        put_opt_str(&mut out, s.doc.as_deref());
    }
    out
}

/// Unpacks bytes written by [`pack`]. Every length, index and flag is checked against the
/// bytes present: untrusted input gives an error, never a panic.
///
/// # Errors
/// Another [`PACKED_FORMAT`], truncated or malformed bytes, or trailing bytes.
pub fn unpack(bytes: &[u8]) -> Result<SymbolsResult, PackedError> {
    let mut r = Reader { bytes, at: 0 };
    if r.byte()? != PACKED_FORMAT {
        return Err(r.error("another packed format"));
    }
    let symbols_format = u32::try_from(r.varint()?).map_err(|_| r.error("symbols format"))?;
    let tags_query = r.string()?;
    let complete = match r.byte()? {
        0 => false,
        1 => true,
        _ => return Err(r.error("complete flag")),
    };
    let incomplete_reason = match r.byte()? {
        0 => None,
        1 => Some(IncompleteReason::LimitReached),
        2 => Some(IncompleteReason::TextLimitReached),
        3 => Some(IncompleteReason::MatchLimitExceeded),
        4 => Some(IncompleteReason::Deadline),
        5 => Some(IncompleteReason::Cancelled),
        _ => return Err(r.error("incomplete reason")),
    };
    let count = r.varint()?;
    // Each symbol takes at least 20 bytes: a count beyond that is a lie, not an allocation.
    if count > (bytes.len() / 20) as u64 {
        return Err(r.error("symbol count"));
    }
    let mut symbols = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        let name = r.string()?;
        let kind = r.string()?;
        let tag_kind = r.string()?;
        let lsp_kind = r.byte()?;
        let flags = r.byte()?;
        if flags > 0b111 {
            return Err(r.error("symbol flags"));
        }
        let range = r.range()?;
        let name_range = r.range()?;
        let parent = match r.varint()? {
            0 => None,
            p if p - 1 < i as u64 => Some((p - 1) as usize),
            _ => return Err(r.error("parent index")),
        };
        symbols.push(Symbol {
            name,
            kind,
            tag_kind,
            lsp_kind,
            role: if flags & 1 == 0 {
                SymbolRole::Definition
            } else {
                SymbolRole::Reference
            },
            declaration: flags & 2 != 0,
            range,
            name_range,
            parent,
            container: r.opt_string()?,
            container_kind: r.opt_string()?,
            doc: r.opt_string()?,
            name_lossy: flags & 4 != 0,
        });
    }
    if r.at != bytes.len() {
        return Err(r.error("trailing bytes"));
    }
    Ok(SymbolsResult {
        symbols_format,
        tags_query,
        symbols,
        complete,
        incomplete_reason,
    })
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    write_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            write_varint(out, s.len() as u64 + 1);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

fn put_range(out: &mut Vec<u8>, range: &Range) {
    for p in [range.start, range.end] {
        write_varint(out, p.byte as u64);
        write_varint(out, p.row as u64);
        write_varint(out, p.column as u64);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, what: &'static str) -> PackedError {
        PackedError {
            offset: self.at,
            what,
        }
    }

    fn byte(&mut self) -> Result<u8, PackedError> {
        let b = *self.bytes.get(self.at).ok_or(self.error("truncated"))?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, PackedError> {
        read_varint(self.bytes, &mut self.at).map_err(|_| self.error("varint"))
    }

    fn usize(&mut self) -> Result<usize, PackedError> {
        let v = self.varint()?;
        usize::try_from(v).map_err(|_| self.error("integer out of range"))
    }

    fn str_of_len(&mut self, len: u64) -> Result<String, PackedError> {
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| self.at.checked_add(len))
            .filter(|&end| end <= self.bytes.len())
            .ok_or(self.error("string length"))?;
        let s = std::str::from_utf8(&self.bytes[self.at..end]).map_err(|_| self.error("UTF-8"))?;
        self.at = end;
        Ok(s.to_owned())
    }

    fn string(&mut self) -> Result<String, PackedError> {
        let len = self.varint()?;
        self.str_of_len(len)
    }

    fn opt_string(&mut self) -> Result<Option<String>, PackedError> {
        match self.varint()? {
            0 => Ok(None),
            n => self.str_of_len(n - 1).map(Some),
        }
    }

    fn position(&mut self) -> Result<Position, PackedError> {
        Ok(Position {
            byte: self.usize()?,
            row: self.usize()?,
            column: self.usize()?,
        })
    }

    fn range(&mut self) -> Result<Range, PackedError> {
        Ok(Range {
            start: self.position()?,
            end: self.position()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SymbolsResult {
        let at = |byte, row, column| Position { byte, row, column };
        let range = |a: Position, b: Position| Range { start: a, end: b };
        SymbolsResult {
            symbols_format: super::super::SYMBOLS_FORMAT_VERSION,
            tags_query: super::super::tags_query_hash("(identifier) @name"),
            symbols: vec![
                Symbol {
                    name: "Parser".into(),
                    kind: "class".into(),
                    tag_kind: "class".into(),
                    lsp_kind: 5,
                    role: SymbolRole::Definition,
                    declaration: false,
                    range: range(at(0, 0, 0), at(300, 20, 0)),
                    name_range: range(at(6, 0, 6), at(12, 0, 12)),
                    parent: None,
                    container: None,
                    container_kind: None,
                    doc: Some("Parses — everything.".into()),
                    name_lossy: false,
                },
                Symbol {
                    name: "parse\u{fffd}".into(),
                    kind: "call".into(),
                    tag_kind: "call".into(),
                    lsp_kind: 12,
                    role: SymbolRole::Reference,
                    declaration: true,
                    range: range(at(200, 10, 4), at(1 << 40, 1 << 33, 70_000)),
                    name_range: range(at(200, 10, 4), at(205, 10, 9)),
                    parent: Some(0),
                    container: Some("Parser".into()),
                    container_kind: Some("class".into()),
                    doc: None,
                    name_lossy: true,
                },
            ],
            complete: false,
            incomplete_reason: Some(IncompleteReason::MatchLimitExceeded),
        }
    }

    #[test]
    fn a_list_round_trips() {
        let result = sample();
        assert_eq!(unpack(&pack(&result)), Ok(result));
        let empty = SymbolsResult {
            symbols_format: 2,
            tags_query: String::new(),
            symbols: Vec::new(),
            complete: true,
            incomplete_reason: None,
        };
        assert_eq!(unpack(&pack(&empty)), Ok(empty));
    }

    #[test]
    fn every_cut_and_every_flipped_byte_is_an_error_or_a_list_never_a_panic() {
        let packed = pack(&sample());
        for len in 0..packed.len() {
            assert!(unpack(&packed[..len]).is_err(), "cut at {len} decoded");
        }
        let mut longer = packed.clone();
        longer.push(0);
        assert!(unpack(&longer).is_err(), "trailing byte accepted");
        for i in 0..packed.len() {
            for bit in 0..8 {
                let mut bad = packed.clone();
                bad[i] ^= 1 << bit;
                let _ = unpack(&bad);
            }
        }
    }

    #[test]
    fn another_format_and_a_forward_parent_are_refused() {
        let mut packed = pack(&sample());
        packed[0] = PACKED_FORMAT + 1;
        assert_eq!(
            unpack(&packed).map_err(|e| e.what),
            Err("another packed format")
        );
        let mut forward = sample();
        forward.symbols[0].parent = Some(1);
        assert_eq!(
            unpack(&pack(&forward)).map_err(|e| e.what),
            Err("parent index")
        );
    }
}
