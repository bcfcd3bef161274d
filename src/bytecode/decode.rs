//! Decoder: validates untrusted bytes and builds the [`DecodedTree`] arena.

pub use super::error::DecodeError;
use super::format::{
    EXT_PHANTOM, EXT_SET_POS, FLAG_UNEXPECTED, FLAGS_KNOWN, FORMAT_VERSION, Header, KIND_NAMED,
    LEAVE_DELTA_VARINT, MAGIC, MAX_HEADER_STRING_LEN, NODE_GAP_SHIFT, NODE_GAP_VARINT,
    NODE_HAS_FIELD, NODE_HAS_FLAGS, OP_ENTER, OP_EXT, OP_LEAF, OP_LEAVE, OP_MASK, checksum_of,
};
use super::tree::{DecodedTree, NO_PARENT, NodeFlags, Stream};
use super::varint::{VarintError, read_varint};

/// Parses only the header (no checksum check, no body access), so a cache can compare
/// format version, language id and grammar version before decoding.
///
/// # Errors
/// [`DecodeError::Truncated`], [`DecodeError::BadMagic`], [`DecodeError::UnsupportedVersion`],
/// [`DecodeError::InvalidUtf8`] or [`DecodeError::TooLarge`] for header strings over 1024
/// bytes.
pub fn read_header(bytes: &[u8]) -> Result<Header, DecodeError> {
    let mut r = Reader { bytes, at: 0 };
    let magic = r.array::<4>()?;
    if magic != MAGIC {
        return Err(DecodeError::BadMagic { found: magic });
    }
    let format_version = u16::from_le_bytes(r.array()?);
    if format_version != FORMAT_VERSION {
        return Err(DecodeError::UnsupportedVersion {
            found: format_version,
            supported: FORMAT_VERSION,
        });
    }
    let language_id = r.string("language_id")?;
    let grammar_version = r.string("grammar_version")?;
    let source_len = u64::from_le_bytes(r.array()?);
    let source_hash = u64::from_le_bytes(r.array()?);
    let node_count = u32::from_le_bytes(r.array()?);
    let body_len = u64::from_le_bytes(r.array()?);
    let checksum = u32::from_le_bytes(r.array()?);
    Ok(Header {
        format_version,
        language_id,
        grammar_version,
        source_len,
        source_hash,
        node_count,
        body_len,
        checksum,
        header_len: r.at,
    })
}

/// Validates and decodes bytes produced by [`super::encode`].
///
/// Checks, in order: header, total length, crc32, kind table, then every opcode (positions
/// within the source, balanced ENTER/LEAVE, exactly one root, the declared node count). Never
/// panics, never allocates more than a small multiple of `bytes.len()`, and consumes at least
/// one byte per loop step.
///
/// # Errors
/// A [`DecodeError`] naming the first problem found and where.
pub fn decode(bytes: &[u8]) -> Result<DecodedTree, DecodeError> {
    let header = read_header(bytes)?;
    let found_len = bytes.len() as u64;
    let expected_len = (header.header_len as u64).saturating_add(header.body_len);
    if found_len != expected_len {
        return Err(DecodeError::LengthMismatch {
            expected: expected_len,
            found: found_len,
        });
    }
    let found = checksum_of(bytes, header.header_len);
    if found != header.checksum {
        return Err(DecodeError::ChecksumMismatch {
            expected: header.checksum,
            found,
        });
    }
    if header.source_len > u64::from(u32::MAX) {
        return Err(DecodeError::TooLarge {
            field: "source_len",
            offset: header.header_len - 32,
            value: header.source_len,
            max: u64::from(u32::MAX),
        });
    }
    // Every node costs at least two bytes (opcode and kind index).
    let body_len = bytes.len() - header.header_len;
    if u64::from(header.node_count) > (body_len / 2) as u64 {
        return Err(DecodeError::TooLarge {
            field: "node_count",
            offset: header.header_len - 16,
            value: u64::from(header.node_count),
            max: (body_len / 2) as u64,
        });
    }
    if header.node_count == 0 {
        return Err(DecodeError::NodeCountMismatch {
            declared: 0,
            found: 0,
        });
    }
    let mut r = Reader {
        bytes,
        at: header.header_len,
    };
    let kinds = read_kind_table(&mut r, header.source_len)?;
    let stream = read_stream(&mut r, &kinds, &header)?;
    Ok(DecodedTree::from_parts(header, stream))
}

// ---- private helpers ------------------------------------------------------------------------

/// One kind-table entry.
#[derive(Debug, Clone, Copy)]
struct KindEntry {
    kind_id: u16,
    named: bool,
    /// Length of flag-free leaves of this kind, if fixed.
    fixed_len: Option<u32>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn truncated(&self, needed: usize) -> DecodeError {
        DecodeError::Truncated {
            offset: self.at,
            needed,
            available: self.remaining(),
        }
    }

    #[inline]
    fn u8(&mut self) -> Result<u8, DecodeError> {
        let b = *self.bytes.get(self.at).ok_or_else(|| self.truncated(1))?;
        self.at += 1;
        Ok(b)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let slice = self.slice(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    fn slice(&mut self, len: usize) -> Result<&[u8], DecodeError> {
        if len > self.remaining() {
            return Err(self.truncated(len));
        }
        let s = &self.bytes[self.at..self.at + len];
        self.at += len;
        Ok(s)
    }

    #[inline]
    fn varint(&mut self) -> Result<u64, DecodeError> {
        let offset = self.at;
        read_varint(self.bytes, &mut self.at).map_err(|e| match e {
            VarintError::Truncated => DecodeError::Truncated {
                offset,
                needed: 1,
                available: 0,
            },
            VarintError::Overflow => DecodeError::VarintOverflow { offset },
        })
    }

    /// A varint that must be at most `max` (e.g. a length bounded by the remaining input).
    fn varint_max(&mut self, field: &'static str, max: u64) -> Result<u64, DecodeError> {
        let offset = self.at;
        let value = self.varint()?;
        if value > max {
            return Err(DecodeError::TooLarge {
                field,
                offset,
                value,
                max,
            });
        }
        Ok(value)
    }

    fn string(&mut self, field: &'static str) -> Result<String, DecodeError> {
        let offset = self.at;
        let len = usize::from(u16::from_le_bytes(self.array()?));
        if len > MAX_HEADER_STRING_LEN {
            return Err(DecodeError::TooLarge {
                field,
                offset,
                value: len as u64,
                max: MAX_HEADER_STRING_LEN as u64,
            });
        }
        let raw = self.slice(len)?;
        std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|_| DecodeError::InvalidUtf8 {
                field,
                offset: offset + 2,
            })
    }
}

fn read_kind_table(r: &mut Reader, source_len: u64) -> Result<Vec<KindEntry>, DecodeError> {
    // Each entry takes at least three bytes; there are at most 2 * 65536 (kind, named) pairs.
    let max = (r.remaining() / 3).min(2 * 65536) as u64;
    let count = r.varint_max("kind table length", max)? as usize;
    let mut kinds = Vec::with_capacity(count);
    for _ in 0..count {
        let kind_id = r.varint_max("kind id", u64::from(u16::MAX))? as u16;
        let offset = r.at;
        let info = r.u8()?;
        if info & !KIND_NAMED != 0 {
            return Err(DecodeError::ReservedBits {
                field: "kind entry",
                offset,
                byte: info,
            });
        }
        let fixed = r.varint_max("fixed leaf length", source_len.saturating_add(1))?;
        kinds.push(KindEntry {
            kind_id,
            named: info & KIND_NAMED != 0,
            fixed_len: fixed.checked_sub(1).map(|l| l as u32),
        });
    }
    Ok(kinds)
}

fn read_stream(
    r: &mut Reader,
    kinds: &[KindEntry],
    header: &Header,
) -> Result<Stream, DecodeError> {
    let n = header.node_count as usize;
    let source_len = header.source_len;
    let mut s = Stream {
        kinds: Vec::with_capacity(n),
        fields: Vec::with_capacity(n),
        flags: Vec::with_capacity(n),
        starts: Vec::with_capacity(n),
        ends: Vec::with_capacity(n),
        parents: Vec::with_capacity(n),
        subtree_ends: Vec::with_capacity(n),
        unexpected: Vec::new(),
        phantoms: Vec::new(),
    };
    let out_of_range = |offset: usize, position: u64| DecodeError::PositionOutOfRange {
        offset,
        position,
        source_len,
    };
    let mut open: Vec<u32> = Vec::new();
    let mut pos: u64 = 0;
    let mut root_done = false;
    while r.remaining() > 0 {
        let op_offset = r.at;
        let op = r.u8()?;
        if root_done {
            if op != OP_EXT | (EXT_PHANTOM << 2) {
                return Err(DecodeError::Unbalanced {
                    offset: op_offset,
                    problem: "opcode other than PHANTOM after the root node closed",
                });
            }
            // The printer has 2 events per node plus one final event.
            let max_event = 2 * s.kinds.len() as u64;
            let min_event = s.phantoms.last().map_or(0, |&(e, _)| u64::from(e));
            let offset = r.at;
            let event = r.varint_max("phantom event", max_event)?;
            if event < min_event {
                return Err(DecodeError::TooLarge {
                    field: "phantom event (must not decrease)",
                    offset,
                    value: event,
                    max: min_event,
                });
            }
            let len = r.varint_max("phantom text length", r.remaining() as u64)?;
            let offset = r.at;
            let raw = r.slice(len as usize)?;
            let text = std::str::from_utf8(raw).map_err(|_| DecodeError::InvalidUtf8 {
                field: "phantom text",
                offset,
            })?;
            s.phantoms.push((event as u32, text.into()));
            continue;
        }
        match op & OP_MASK {
            OP_ENTER | OP_LEAF => {
                let id = s.kinds.len();
                if id >= n {
                    return Err(DecodeError::NodeCountMismatch {
                        declared: header.node_count,
                        found: id as u64 + 1,
                    });
                }
                let kind_offset = r.at;
                let index = r.varint()?;
                let Some(kind) = kinds
                    .get(index as usize)
                    .filter(|_| index < kinds.len() as u64)
                else {
                    return Err(DecodeError::KindIndexOutOfRange {
                        offset: kind_offset,
                        index,
                        table_len: kinds.len(),
                    });
                };
                let field = if op & NODE_HAS_FIELD != 0 {
                    let offset = r.at;
                    let f = r.varint_max("field id", u64::from(u16::MAX))?;
                    if f == 0 {
                        return Err(DecodeError::TooLarge {
                            field: "field id (0 means none and is never written)",
                            offset,
                            value: 0,
                            max: 0,
                        });
                    }
                    f as u16
                } else {
                    0
                };
                let flags = if op & NODE_HAS_FLAGS != 0 {
                    let offset = r.at;
                    let f = r.u8()?;
                    if f & !FLAGS_KNOWN != 0 {
                        return Err(DecodeError::ReservedBits {
                            field: "node flags",
                            offset,
                            byte: f,
                        });
                    }
                    f
                } else {
                    0
                };
                if flags & FLAG_UNEXPECTED != 0 {
                    let len = r.varint_max("unexpected text length", r.remaining() as u64)?;
                    let offset = r.at;
                    let raw = r.slice(len as usize)?;
                    let text = std::str::from_utf8(raw).map_err(|_| DecodeError::InvalidUtf8 {
                        field: "unexpected text",
                        offset,
                    })?;
                    s.unexpected.push((id as u32, text.into()));
                }
                let mut gap = u64::from(op >> NODE_GAP_SHIFT);
                if gap == u64::from(NODE_GAP_VARINT) {
                    gap += r.varint()?;
                }
                let start = pos
                    .checked_add(gap)
                    .filter(|&p| p <= source_len)
                    .ok_or_else(|| out_of_range(op_offset, pos.saturating_add(gap)))?;
                let leaf = op & OP_MASK == OP_LEAF;
                let end = if leaf {
                    let len = match kind.fixed_len {
                        Some(l) if flags == 0 => u64::from(l),
                        _ => r.varint()?,
                    };
                    start
                        .checked_add(len)
                        .filter(|&p| p <= source_len)
                        .ok_or_else(|| out_of_range(op_offset, start.saturating_add(len)))?
                } else {
                    start
                };
                let mut node_flags = flags;
                if kind.named {
                    node_flags |= NodeFlags::NAMED;
                }
                s.kinds.push(kind.kind_id);
                s.fields.push(field);
                s.flags.push(node_flags);
                // Positions are at most `source_len`, which is checked to fit in u32.
                s.starts.push(start as u32);
                s.ends.push(end as u32);
                s.parents.push(open.last().copied().unwrap_or(NO_PARENT));
                s.subtree_ends.push(id as u32 + 1);
                if leaf {
                    pos = end;
                    root_done = open.is_empty();
                } else {
                    open.push(id as u32);
                    pos = start;
                }
            }
            OP_LEAVE => {
                let Some(node) = open.pop() else {
                    return Err(DecodeError::Unbalanced {
                        offset: op_offset,
                        problem: "LEAVE without an open node",
                    });
                };
                let mut delta = u64::from(op >> 2);
                if delta == u64::from(LEAVE_DELTA_VARINT) {
                    delta += r.varint()?;
                }
                let end = pos
                    .checked_add(delta)
                    .filter(|&p| p <= source_len)
                    .ok_or_else(|| out_of_range(op_offset, pos.saturating_add(delta)))?;
                let node = node as usize;
                if end < u64::from(s.starts[node]) {
                    return Err(DecodeError::InvertedRange {
                        offset: op_offset,
                        start: u64::from(s.starts[node]),
                        end,
                    });
                }
                s.ends[node] = end as u32;
                s.subtree_ends[node] = s.kinds.len() as u32;
                pos = end;
                root_done = open.is_empty();
            }
            _ => {
                debug_assert_eq!(op & OP_MASK, OP_EXT);
                if op >> 2 != EXT_SET_POS {
                    return Err(DecodeError::InvalidOpcode {
                        offset: op_offset,
                        byte: op,
                    });
                }
                let offset = r.at;
                let p = r.varint()?;
                if p > source_len {
                    return Err(out_of_range(offset, p));
                }
                pos = p;
            }
        }
    }
    if !open.is_empty() {
        return Err(DecodeError::Unbalanced {
            offset: r.at,
            problem: "stream ended inside an open node",
        });
    }
    if s.kinds.len() != n {
        return Err(DecodeError::NodeCountMismatch {
            declared: header.node_count,
            found: s.kinds.len() as u64,
        });
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytecode::format::write_header;
    use crate::bytecode::varint::write_varint;

    /// Builds an encoding by hand: one kind (id 7, named, variable length), then `stream`.
    fn encoding(source: &[u8], node_count: u32, stream: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_header(&mut out, "test", "0", source, node_count);
        let h = out.len();
        write_varint(&mut out, 1);
        write_varint(&mut out, 7);
        out.push(KIND_NAMED);
        write_varint(&mut out, 0);
        out.extend_from_slice(stream);
        let body_len = (out.len() - h) as u64;
        out[h - 12..h - 4].copy_from_slice(&body_len.to_le_bytes());
        let crc = checksum_of(&out, h);
        out[h - 4..h].copy_from_slice(&crc.to_le_bytes());
        out
    }

    #[test]
    fn a_hand_built_two_node_stream_decodes() {
        // ENTER kind 0 gap 1; LEAF kind 0 len 2; LEAVE delta 1.
        let bytes = encoding(b" abc", 2, &[0x10, 0, 0x01, 0, 2, OP_LEAVE | (1 << 2)]);
        let tree = decode(&bytes).expect("valid stream");
        assert_eq!(tree.len(), 2);
        let root = tree.root();
        assert_eq!((tree.start_byte(root), tree.end_byte(root)), (1, 4));
        let leaf = tree.children(root).next().expect("one child");
        assert_eq!((tree.start_byte(leaf), tree.end_byte(leaf)), (1, 3));
        assert!(tree.is_named(leaf));
        assert_eq!(tree.kind_id(leaf), 7);
    }

    #[test]
    fn structural_errors_are_reported_with_their_offset() {
        let leave_first = encoding(b"ab", 1, &[OP_LEAVE]);
        assert!(matches!(
            decode(&leave_first),
            Err(DecodeError::Unbalanced {
                problem: "LEAVE without an open node",
                ..
            })
        ));
        let unclosed = encoding(b"ab", 1, &[OP_ENTER, 0]);
        assert!(matches!(
            decode(&unclosed),
            Err(DecodeError::Unbalanced { .. })
        ));
        let two_roots = encoding(b"ab", 2, &[OP_LEAF, 0, 1, OP_LEAF, 0, 1]);
        assert!(matches!(
            decode(&two_roots),
            Err(DecodeError::Unbalanced { .. })
        ));
        let past_end = encoding(b"ab", 1, &[OP_LEAF, 0, 3]);
        assert!(matches!(
            decode(&past_end),
            Err(DecodeError::PositionOutOfRange {
                position: 3,
                source_len: 2,
                ..
            })
        ));
        let set_pos_back = encoding(b"abcd", 1, &[0x20, 0, OP_EXT, 0, OP_LEAVE]);
        assert!(matches!(
            decode(&set_pos_back),
            Err(DecodeError::InvertedRange { .. })
        ));
        let bad_kind = encoding(b"ab", 1, &[OP_LEAF, 5, 1]);
        assert!(matches!(
            decode(&bad_kind),
            Err(DecodeError::KindIndexOutOfRange {
                index: 5,
                table_len: 1,
                ..
            })
        ));
        let bad_ext = encoding(b"ab", 1, &[OP_EXT | (9 << 2), 0]);
        assert!(matches!(
            decode(&bad_ext),
            Err(DecodeError::InvalidOpcode { .. })
        ));
        let reserved = encoding(b"ab", 1, &[OP_LEAF | NODE_HAS_FLAGS, 0, 0x80, 1]);
        assert!(matches!(
            decode(&reserved),
            Err(DecodeError::ReservedBits { .. })
        ));
    }
}
