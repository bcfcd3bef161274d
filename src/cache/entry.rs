//! A cache entry — everything needed to answer for one file version without reparsing — and
//! its binary payload format (the bytes inside an envelope). Specified in
//! `docs/cache-format.md`.

use std::fmt;

/// Payload format of a cache entry.
/// - 1: first release: language id, grammar version, content hash, source, bytecode, symbols.
/// - 2: adds the tree summary (node count, error flag, the first syntax problems as JSON) after
///   the symbols, so a cache hit answers `/v1/parse` without decoding the bytecode. Format 1
///   is still read (its entries have no summary).
pub const ENTRY_FORMAT_VERSION: u16 = 2;

/// The oldest payload format [`CacheEntry::from_payload`] still reads.
pub const OLDEST_ENTRY_FORMAT_VERSION: u16 = 1;

/// The identity of a cached file version. A grammar upgrade or a bytecode format change gives
/// every affected file a new key, so old entries are simply never asked for again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// Registry id of the language.
    pub language_id: String,
    /// The grammar crate's version.
    pub grammar_version: String,
    /// The syntax-tree bytecode format version.
    pub bytecode_version: u16,
    /// xxh3-128 of the source bytes.
    pub content_hash: u128,
}

impl CacheKey {
    /// The key for `source` in a language.
    pub fn for_source(
        language_id: &str,
        grammar_version: &str,
        bytecode_version: u16,
        source: &[u8],
    ) -> CacheKey {
        CacheKey {
            language_id: language_id.to_string(),
            grammar_version: grammar_version.to_string(),
            bytecode_version,
            content_hash: content_hash(source),
        }
    }

    /// The key as stored: `language:grammar-version:bytecode-version:hash`.
    pub fn as_string(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}:{:032x}",
            self.language_id, self.grammar_version, self.bytecode_version, self.content_hash
        )
    }
}

/// xxh3-128 of the content: the content part of every cache key.
pub fn content_hash(source: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(source)
}

/// One cached file version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    /// Registry id of the language.
    pub language_id: String,
    /// The grammar crate's version.
    pub grammar_version: String,
    /// The bytecode format version of `bytecode`.
    pub bytecode_version: u16,
    /// The source bytes.
    pub source: Vec<u8>,
    /// The syntax tree in bytecode.
    pub bytecode: Vec<u8>,
    /// Extracted symbols (JSON), when they have been computed.
    pub symbols: Option<Vec<u8>>,
    /// Facts about the tree computed when it was parsed (absent in format-1 entries).
    pub summary: Option<TreeSummary>,
    /// `symbols` in packed form ([`crate::symbols::packed`]), for an entry made now: the cold
    /// tier stores it beside the entry, for readers of the list alone. Not part of the
    /// payload (`None` in an entry read back).
    pub symbols_packed: Option<Vec<u8>>,
}

/// What a parse answer needs from the tree besides the tree itself, computed once from the
/// live tree when the entry is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeSummary {
    /// Nodes in the tree (tree-sitter's `descendant_count` of the root).
    pub nodes: u64,
    /// Whether the tree has ERROR or MISSING nodes.
    pub has_errors: bool,
    /// The first syntax problems, as the JSON array the API answers with.
    pub problems_json: Vec<u8>,
}

impl CacheEntry {
    /// The entry's key.
    pub fn key(&self) -> CacheKey {
        CacheKey::for_source(
            &self.language_id,
            &self.grammar_version,
            self.bytecode_version,
            &self.source,
        )
    }

    /// Approximate bytes this entry occupies in memory.
    pub fn memory_bytes(&self) -> usize {
        self.source.len()
            + self.bytecode.len()
            + self.symbols.as_ref().map_or(0, Vec::len)
            + self.symbols_packed.as_ref().map_or(0, Vec::len)
            + self
                .summary
                .as_ref()
                .map_or(0, |s| s.problems_json.len() + 16)
            + self.language_id.len()
            + self.grammar_version.len()
            + 128
    }

    /// Serialises the entry in payload format [`ENTRY_FORMAT_VERSION`].
    pub fn to_payload(&self) -> Vec<u8> {
        self.to_payload_as(ENTRY_FORMAT_VERSION)
    }

    /// Serialises the entry in payload format `version` (1 drops the summary; any other value
    /// writes the current format). Older formats exist for golden files and migration tests.
    pub fn to_payload_as(&self, version: u16) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.memory_bytes() + 32);
        put_str(&mut out, &self.language_id);
        put_str(&mut out, &self.grammar_version);
        out.extend_from_slice(&self.bytecode_version.to_le_bytes());
        out.extend_from_slice(&content_hash(&self.source).to_le_bytes());
        put_bytes(&mut out, &self.source);
        put_bytes(&mut out, &self.bytecode);
        match &self.symbols {
            Some(s) => {
                out.push(1);
                put_bytes(&mut out, s);
            }
            None => out.push(0),
        }
        if version == 1 {
            return out;
        }
        match &self.summary {
            Some(summary) => {
                out.push(1);
                out.extend_from_slice(&summary.nodes.to_le_bytes());
                out.push(u8::from(summary.has_errors));
                put_bytes(&mut out, &summary.problems_json);
            }
            None => out.push(0),
        }
        out
    }

    /// Parses a payload of format `version`. Every length is checked against the bytes present.
    pub fn from_payload(version: u16, bytes: &[u8]) -> Result<CacheEntry, EntryError> {
        let mut r = Reader { bytes, at: 0 };
        let (language_id, grammar_version, bytecode_version, stored_hash) =
            read_head(version, &mut r)?;
        let source = r.bytes()?.to_vec();
        let bytecode = r.bytes()?.to_vec();
        let symbols = match r.array::<1>()?[0] {
            0 => None,
            1 => Some(r.bytes()?.to_vec()),
            other => {
                return Err(EntryError::Malformed {
                    offset: r.at - 1,
                    what: format!("symbols flag {other}"),
                });
            }
        };
        let summary = if version == 1 {
            None
        } else {
            match r.array::<1>()?[0] {
                0 => None,
                1 => {
                    let nodes = u64::from_le_bytes(r.array::<8>()?);
                    let has_errors = match r.array::<1>()?[0] {
                        0 => false,
                        1 => true,
                        other => {
                            return Err(EntryError::Malformed {
                                offset: r.at - 1,
                                what: format!("error flag {other}"),
                            });
                        }
                    };
                    let problems_json = r.bytes()?.to_vec();
                    Some(TreeSummary {
                        nodes,
                        has_errors,
                        problems_json,
                    })
                }
                other => {
                    return Err(EntryError::Malformed {
                        offset: r.at - 1,
                        what: format!("summary flag {other}"),
                    });
                }
            }
        };
        if r.at != bytes.len() {
            return Err(EntryError::Malformed {
                offset: r.at,
                what: format!("{} trailing bytes", bytes.len() - r.at),
            });
        }
        let computed = content_hash(&source);
        if computed != stored_hash {
            return Err(EntryError::ContentHash);
        }
        Ok(CacheEntry {
            language_id,
            grammar_version,
            bytecode_version,
            source,
            bytecode,
            symbols,
            summary,
            symbols_packed: None,
        })
    }
}

/// The stored symbols JSON of a payload of format `version` (`None`: stored without symbols),
/// read without copying the source or the bytecode. The payload's language, grammar, bytecode
/// version and content hash must be `key`'s (the envelope's checksum already covers the bytes;
/// the source is not hashed again).
///
/// # Errors
/// As [`CacheEntry::from_payload`], and [`EntryError::ContentHash`] when the payload is not
/// `key`'s.
pub fn symbols_from_payload(
    version: u16,
    bytes: &[u8],
    key: &CacheKey,
) -> Result<Option<Vec<u8>>, EntryError> {
    let mut r = Reader { bytes, at: 0 };
    let (language_id, grammar_version, bytecode_version, stored_hash) = read_head(version, &mut r)?;
    if language_id != key.language_id
        || grammar_version != key.grammar_version
        || bytecode_version != key.bytecode_version
        || stored_hash != key.content_hash
    {
        return Err(EntryError::ContentHash);
    }
    let _source = r.bytes()?;
    let _bytecode = r.bytes()?;
    match r.array::<1>()?[0] {
        0 => Ok(None),
        1 => Ok(Some(r.bytes()?.to_vec())),
        other => Err(EntryError::Malformed {
            offset: r.at - 1,
            what: format!("symbols flag {other}"),
        }),
    }
}

/// A payload's format check and its first fields: language id, grammar version, bytecode
/// version and content hash.
fn read_head(version: u16, r: &mut Reader<'_>) -> Result<(String, String, u16, u128), EntryError> {
    if !(OLDEST_ENTRY_FORMAT_VERSION..=ENTRY_FORMAT_VERSION).contains(&version) {
        return Err(EntryError::UnknownVersion {
            found: version,
            supported: ENTRY_FORMAT_VERSION,
        });
    }
    let language_id = r.string()?;
    let grammar_version = r.string()?;
    let bytecode_version = u16::from_le_bytes(r.array::<2>()?);
    let stored_hash = u128::from_le_bytes(r.array::<16>()?);
    Ok((language_id, grammar_version, bytecode_version, stored_hash))
}

/// Why a payload is not a valid entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// A payload version this syntaxd does not read (use `syntaxd cache migrate`).
    #[error(
        "entry format {found} is not supported (this syntaxd reads {supported}); run `syntaxd cache migrate`"
    )]
    UnknownVersion {
        /// Version found.
        found: u16,
        /// Version supported.
        supported: u16,
    },
    /// Lengths or flags that do not fit the bytes.
    #[error("malformed entry at byte {offset}: {what}")]
    Malformed {
        /// Where.
        offset: usize,
        /// What was wrong.
        what: String,
    },
    /// The source does not hash to the stored content hash.
    #[error("entry source does not match its content hash")]
    ContentHash,
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    let len = s.len().min(u16::MAX as usize);
    out.extend_from_slice(&(len as u16).to_le_bytes());
    out.extend_from_slice(&s.as_bytes()[..len]);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EntryError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| EntryError::Malformed {
                offset: self.at,
                what: format!("needs {n} bytes, {} left", self.bytes.len() - self.at),
            })?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], EntryError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn bytes(&mut self) -> Result<&'a [u8], EntryError> {
        let len = u32::from_le_bytes(self.array::<4>()?) as usize;
        self.take(len)
    }

    fn string(&mut self) -> Result<String, EntryError> {
        let len = u16::from_le_bytes(self.array::<2>()?) as usize;
        let at = self.at;
        let s = self.take(len)?;
        String::from_utf8(s.to_vec()).map_err(|_| EntryError::Malformed {
            offset: at,
            what: "string is not UTF-8".to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> CacheEntry {
        CacheEntry {
            language_id: "python".into(),
            grammar_version: "0.25.0".into(),
            bytecode_version: 1,
            source: b"def f():\n    return 1\n".to_vec(),
            bytecode: vec![1, 2, 3, 4, 5],
            symbols: Some(br#"[{"name":"f"}]"#.to_vec()),
            summary: Some(TreeSummary {
                nodes: 12,
                has_errors: true,
                problems_json: br#"[{"kind":"error"}]"#.to_vec(),
            }),
            symbols_packed: None,
        }
    }

    #[test]
    fn symbols_are_read_alone_and_only_under_their_own_key() {
        let mut e = sample();
        for version in [1, ENTRY_FORMAT_VERSION] {
            let payload = e.to_payload_as(version);
            assert_eq!(
                symbols_from_payload(version, &payload, &e.key()).expect("reads"),
                e.symbols
            );
            let mut other = e.key();
            other.content_hash ^= 1;
            assert!(matches!(
                symbols_from_payload(version, &payload, &other),
                Err(EntryError::ContentHash)
            ));
            assert!(
                symbols_from_payload(version, &payload[..payload.len() / 2], &e.key()).is_err()
            );
        }
        e.symbols = None;
        let payload = e.to_payload();
        assert_eq!(
            symbols_from_payload(ENTRY_FORMAT_VERSION, &payload, &e.key()).expect("reads"),
            None
        );
    }

    #[test]
    fn payload_round_trips_with_and_without_symbols_and_summary() {
        let v = ENTRY_FORMAT_VERSION;
        let e = sample();
        assert_eq!(CacheEntry::from_payload(v, &e.to_payload()), Ok(e.clone()));
        let mut bare = e;
        bare.symbols = None;
        bare.summary = None;
        assert_eq!(CacheEntry::from_payload(v, &bare.to_payload()), Ok(bare));
    }

    #[test]
    fn format_1_payloads_still_read_without_a_summary() {
        let e = sample();
        let v1 = e.to_payload_as(1);
        let read = CacheEntry::from_payload(1, &v1).expect("format 1 reads");
        assert_eq!(read.summary, None);
        assert_eq!((read.source, read.symbols), (e.source, e.symbols));
        // A format-2 payload is not a format-1 payload (trailing summary) and vice versa.
        assert!(CacheEntry::from_payload(1, &sample().to_payload()).is_err());
        assert!(CacheEntry::from_payload(2, &v1).is_err());
        assert!(matches!(
            CacheEntry::from_payload(ENTRY_FORMAT_VERSION + 1, &v1),
            Err(EntryError::UnknownVersion { .. })
        ));
    }

    #[test]
    fn key_changes_with_grammar_and_content() {
        let a = sample().key();
        let mut other = sample();
        other.grammar_version = "0.26.0".into();
        assert_ne!(a, other.key());
        other = sample();
        other.source.push(b'\n');
        assert_ne!(a, other.key());
        assert!(a.to_string().starts_with("python:0.25.0:1:"));
    }

    #[test]
    fn changed_source_fails_the_content_hash() {
        let mut payload = sample().to_payload();
        let pos = payload
            .windows(3)
            .position(|w| w == b"def")
            .expect("source inside");
        payload[pos] = b'x';
        assert_eq!(
            CacheEntry::from_payload(ENTRY_FORMAT_VERSION, &payload),
            Err(EntryError::ContentHash)
        );
    }

    proptest! {
        #[test]
        fn truncated_or_random_payloads_are_errors_not_panics(cut in 0usize..200, junk in proptest::collection::vec(any::<u8>(), 0..300)) {
            let payload = sample().to_payload();
            let cut = cut % payload.len();
            prop_assert!(CacheEntry::from_payload(ENTRY_FORMAT_VERSION, &payload[..cut]).is_err());
            let _ = CacheEntry::from_payload(ENTRY_FORMAT_VERSION, &junk);
            let _ = CacheEntry::from_payload(1, &junk);
        }
    }
}
