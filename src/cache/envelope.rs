//! The envelope around every stored cache value: magic, envelope version, payload format
//! version, codec, lengths and a checksum. Specified byte by byte in `docs/cache-format.md`.
//!
//! Sizes read from stored bytes are untrusted: they are checked against
//! [`MAX_PAYLOAD_BYTES`] and against the bytes actually present before anything is allocated.

use std::cell::RefCell;

/// `SXDE`: syntaxd envelope.
pub const MAGIC: [u8; 4] = *b"SXDE";

/// Envelope layout version.
/// - 1: first release (magic, version, codec, payload version, raw len, stored len, crc32 over
///   the header's first 16 bytes and the stored bytes).
pub const ENVELOPE_VERSION: u8 = 1;

/// Header size in bytes: magic 4 + version 1 + codec 1 + payload version 2 + raw length 4 +
/// stored length 4 + crc32 4.
pub const HEADER_BYTES: usize = 20;

/// The largest payload an envelope may declare (uncompressed): 512 MiB. Larger claims are
/// corruption or forgery.
pub const MAX_PAYLOAD_BYTES: usize = 512 * 1024 * 1024;

/// How the payload bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Codec {
    /// Stored as is.
    None = 0,
    /// lz4 block format (lz4_flex), used by the warm tier.
    Lz4 = 1,
    /// zstd frame, used by the cold tier.
    Zstd = 2,
}

impl Codec {
    fn from_byte(b: u8) -> Option<Codec> {
        match b {
            0 => Some(Codec::None),
            1 => Some(Codec::Lz4),
            2 => Some(Codec::Zstd),
            _ => None,
        }
    }

    /// The codec's lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Codec::None => "none",
            Codec::Lz4 => "lz4",
            Codec::Zstd => "zstd",
        }
    }
}

/// Why an envelope was rejected. Every variant is a cache miss plus a metric, never a crash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Fewer bytes than a header, or fewer than the header declares.
    #[error("envelope truncated: {found} bytes, need {needed}")]
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes present.
        found: usize,
    },
    /// Not an envelope at all.
    #[error("not a syntaxd envelope (magic {found:02x?})")]
    BadMagic {
        /// The first four bytes.
        found: [u8; 4],
    },
    /// Written by a newer syntaxd.
    #[error("envelope version {found} is newer than this syntaxd supports ({supported})")]
    UnknownVersion {
        /// Version in the bytes.
        found: u8,
        /// Highest version we read.
        supported: u8,
    },
    /// Unknown codec byte.
    #[error("unknown codec {0}")]
    UnknownCodec(u8),
    /// Declared length over [`MAX_PAYLOAD_BYTES`].
    #[error("declared payload of {declared} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Declared size.
        declared: usize,
        /// The limit.
        limit: usize,
    },
    /// Checksum mismatch: bit rot or a torn write.
    #[error("checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    Checksum {
        /// Checksum in the header.
        stored: u32,
        /// Checksum of the bytes.
        computed: u32,
    },
    /// The codec failed, or produced a different length than declared.
    #[error("{codec} payload does not decompress to {declared} bytes: {reason}")]
    Codec {
        /// The codec.
        codec: &'static str,
        /// Declared raw size.
        declared: usize,
        /// What went wrong.
        reason: String,
    },
}

/// The parsed header of an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeHeader {
    /// Envelope layout version.
    pub version: u8,
    /// Codec of the stored bytes.
    pub codec: Codec,
    /// Format version of the payload inside (the cache entry format).
    pub payload_version: u16,
    /// Uncompressed payload length.
    pub raw_len: usize,
    /// Stored (compressed) length.
    pub stored_len: usize,
    /// crc32 of the header's first 16 bytes and the stored bytes.
    pub crc32: u32,
}

thread_local! {
    /// This thread's zstd decompression context (creating one per value costs more than
    /// decompressing a small entry).
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { RefCell::new(None) };
}

/// Runs `f` with this thread's reused zstd decompression context.
fn with_decompressor<T>(
    f: impl FnOnce(&mut zstd::bulk::Decompressor<'static>) -> std::io::Result<T>,
) -> std::io::Result<T> {
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let decompressor = match &mut *slot {
            Some(d) => d,
            none => none.insert(zstd::bulk::Decompressor::new()?),
        };
        f(decompressor)
    })
}

/// `zstd::bulk::decompress` on this thread's reused context.
fn zstd_decompress(stored: &[u8], capacity: usize) -> std::io::Result<Vec<u8>> {
    with_decompressor(|d| d.decompress(stored, capacity))
}

/// Wraps `payload` (a cache entry in format `payload_version`) with `codec`. zstd runs in a
/// compression context kept per thread (with its output buffer): creating one per value cost
/// more than compressing a small file.
pub fn seal(payload: &[u8], payload_version: u16, codec: Codec, zstd_level: i32) -> Vec<u8> {
    match codec {
        Codec::None => frame(payload, payload_version, codec, payload),
        Codec::Lz4 => frame(
            payload,
            payload_version,
            codec,
            &lz4_flex::block::compress(payload),
        ),
        Codec::Zstd => ZSTD.with(|z| {
            let mut z = z.borrow_mut();
            match z.compress(payload, zstd_level) {
                Some(stored) => frame(payload, payload_version, codec, stored),
                // zstd on an in-memory buffer only fails on allocation failure: store raw bytes.
                None => frame(payload, payload_version, Codec::None, payload),
            }
        }),
    }
}

thread_local! {
    /// This thread's zstd context and output buffer, reused by every [`seal`].
    static ZSTD: std::cell::RefCell<ZstdScratch> = const {
        std::cell::RefCell::new(ZstdScratch { compressor: None, level: 0, out: Vec::new() })
    };
}

/// A reusable zstd compression context at one level, and its output buffer.
struct ZstdScratch {
    compressor: Option<zstd::bulk::Compressor<'static>>,
    level: i32,
    out: Vec<u8>,
}

/// Output buffers kept between calls at most; a larger one is freed after use.
const ZSTD_SCRATCH_KEEP_BYTES: usize = 4 << 20;

impl ZstdScratch {
    /// Compresses `payload` at `level` into the scratch buffer; `None` if zstd failed.
    fn compress(&mut self, payload: &[u8], level: i32) -> Option<&[u8]> {
        if self.compressor.is_none() || self.level != level {
            self.compressor = zstd::bulk::Compressor::new(level).ok();
            self.level = level;
        }
        let compressor = self.compressor.as_mut()?;
        if self.out.capacity() > ZSTD_SCRATCH_KEEP_BYTES {
            self.out = Vec::new();
        }
        self.out.clear();
        self.out
            .reserve(zstd::zstd_safe::compress_bound(payload.len()));
        match compressor.compress_to_buffer(payload, &mut self.out) {
            Ok(_) => Some(&self.out),
            Err(_) => {
                // A failed job leaves the context reusable, but start afresh to be sure.
                self.compressor = None;
                None
            }
        }
    }
}

/// The envelope of `stored` (the payload encoded with `codec`).
fn frame(payload: &[u8], payload_version: u16, codec: Codec, stored: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_BYTES + stored.len());
    out.extend_from_slice(&MAGIC);
    out.push(ENVELOPE_VERSION);
    out.push(codec as u8);
    out.extend_from_slice(&payload_version.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&(stored.len() as u32).to_le_bytes());
    let crc = checksum(&out[..16], stored);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(stored);
    out
}

/// crc32 over the first 16 header bytes and the stored bytes: a flip anywhere is detected.
fn checksum(header16: &[u8], stored: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(header16);
    h.update(stored);
    h.finalize()
}

/// Reads and checks the header only (no checksum over the body).
pub fn read_header(bytes: &[u8]) -> Result<EnvelopeHeader, EnvelopeError> {
    if bytes.len() < HEADER_BYTES {
        return Err(EnvelopeError::Truncated {
            needed: HEADER_BYTES,
            found: bytes.len(),
        });
    }
    let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
    if magic != MAGIC {
        return Err(EnvelopeError::BadMagic { found: magic });
    }
    let version = bytes[4];
    if version == 0 || version > ENVELOPE_VERSION {
        return Err(EnvelopeError::UnknownVersion {
            found: version,
            supported: ENVELOPE_VERSION,
        });
    }
    let codec = Codec::from_byte(bytes[5]).ok_or(EnvelopeError::UnknownCodec(bytes[5]))?;
    let payload_version = u16::from_le_bytes([bytes[6], bytes[7]]);
    let le32 =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let raw_len = le32(8) as usize;
    let stored_len = le32(12) as usize;
    let crc32 = le32(16);
    for declared in [raw_len, stored_len] {
        if declared > MAX_PAYLOAD_BYTES {
            return Err(EnvelopeError::TooLarge {
                declared,
                limit: MAX_PAYLOAD_BYTES,
            });
        }
    }
    Ok(EnvelopeHeader {
        version,
        codec,
        payload_version,
        raw_len,
        stored_len,
        crc32,
    })
}

/// Checks an envelope's header, length and checksum without decompressing it.
pub fn check(bytes: &[u8]) -> Result<EnvelopeHeader, EnvelopeError> {
    let header = read_header(bytes)?;
    let needed = HEADER_BYTES + header.stored_len;
    if bytes.len() != needed {
        return Err(EnvelopeError::Truncated {
            needed,
            found: bytes.len(),
        });
    }
    let computed = checksum(&bytes[..16], &bytes[HEADER_BYTES..]);
    if computed != header.crc32 {
        return Err(EnvelopeError::Checksum {
            stored: header.crc32,
            computed,
        });
    }
    Ok(header)
}

/// Payload buffers a thread keeps for [`open_with`] at most (a larger one is freed after use).
const SCRATCH_KEEP_BYTES: usize = 8 << 20;

thread_local! {
    /// This thread's buffer for [`open_with`]'s decompressed payloads.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// [`open`], lending the payload to `f` from a buffer this thread reuses, instead of
/// allocating one per envelope: for reads that keep only a part of the payload (the symbols
/// of a whole tree), where fresh buffers cost more (the kernel zeroes each new page) than
/// decompressing.
pub fn open_with<T>(
    bytes: &[u8],
    f: impl FnOnce(&EnvelopeHeader, &[u8]) -> T,
) -> Result<T, EnvelopeError> {
    let (header, stored) = checked(bytes)?;
    if header.codec != Codec::Zstd {
        // Raw payloads are lent as stored; lz4 (the warm tier) allocates.
        return Ok(f(&header, &decode(&header, stored)?));
    }
    SCRATCH.with(|cell| {
        let Ok(mut buffer) = cell.try_borrow_mut() else {
            // A call from inside `f` (none today) allocates its own buffer.
            return Ok(f(&header, &decode(&header, stored)?));
        };
        buffer.clear();
        buffer.reserve(header.raw_len);
        let written = with_decompressor(|d| d.decompress_to_buffer(stored, &mut *buffer))
            .map_err(|e| codec_error(&header, e.to_string()));
        let result = match written {
            Ok(n) if n == header.raw_len && buffer.len() == n => Ok(f(&header, &buffer)),
            Ok(n) => Err(codec_error(&header, format!("got {n} bytes"))),
            Err(e) => Err(e),
        };
        if buffer.capacity() > SCRATCH_KEEP_BYTES {
            *buffer = Vec::new();
        }
        result
    })
}

/// The header and stored bytes of an envelope whose length and checksum are right.
fn checked(bytes: &[u8]) -> Result<(EnvelopeHeader, &[u8]), EnvelopeError> {
    let header = read_header(bytes)?;
    let needed = HEADER_BYTES + header.stored_len;
    if bytes.len() != needed {
        return Err(EnvelopeError::Truncated {
            needed,
            found: bytes.len(),
        });
    }
    let stored = &bytes[HEADER_BYTES..];
    let computed = checksum(&bytes[..16], stored);
    if computed != header.crc32 {
        return Err(EnvelopeError::Checksum {
            stored: header.crc32,
            computed,
        });
    }
    Ok((header, stored))
}

/// Checks and opens an envelope, returning its header and the decompressed payload.
pub fn open(bytes: &[u8]) -> Result<(EnvelopeHeader, Vec<u8>), EnvelopeError> {
    let (header, stored) = checked(bytes)?;
    let payload = decode(&header, stored)?.into_owned();
    Ok((header, payload))
}

/// The payload of checked `stored` bytes: lent as is for the raw codec, else decompressed
/// (to exactly the declared length).
fn decode<'a>(
    header: &EnvelopeHeader,
    stored: &'a [u8],
) -> Result<std::borrow::Cow<'a, [u8]>, EnvelopeError> {
    let payload = match header.codec {
        Codec::None => std::borrow::Cow::Borrowed(stored),
        // The declared size was bounded above; lz4 never writes past it.
        Codec::Lz4 => lz4_flex::block::decompress(stored, header.raw_len)
            .map_err(|e| codec_error(header, e.to_string()))?
            .into(),
        Codec::Zstd => zstd_decompress(stored, header.raw_len)
            .map_err(|e| codec_error(header, e.to_string()))?
            .into(),
    };
    if payload.len() != header.raw_len {
        return Err(codec_error(header, format!("got {} bytes", payload.len())));
    }
    Ok(payload)
}

fn codec_error(header: &EnvelopeHeader, reason: String) -> EnvelopeError {
    EnvelopeError::Codec {
        codec: header.codec.as_str(),
        declared: header.raw_len,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_reused_zstd_contexts_seal_and_open_at_any_level_and_size() {
        let small = b"def f(x):\n    return x\n".repeat(3);
        let large: Vec<u8> = (0..2_000_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        for (level, payload) in [
            (3, &small[..]),
            (3, &large[..]),
            (19, &small[..]),
            (1, &large[..]),
            (3, &small[..]),
        ] {
            let sealed = seal(payload, 2, Codec::Zstd, level);
            let (header, opened) = open(&sealed).expect("opens");
            assert_eq!(header.codec, Codec::Zstd, "level {level}");
            assert_eq!(opened, payload, "level {level}, {} bytes", payload.len());
            // The same through the reused buffer, and its checks.
            let lent = open_with(&sealed, |h, p| (h.raw_len, p == payload)).expect("opens");
            assert_eq!(lent, (payload.len(), true), "level {level}");
            let mut bad = sealed.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(open_with(&bad, |_, _| ()).is_err(), "checksum checked");
        }
        // The other codecs through `open_with` too (raw is lent as stored, lz4 decoded).
        for codec in [Codec::None, Codec::Lz4] {
            let sealed = seal(&small, 2, codec, 3);
            let lent = open_with(&sealed, |h, p| (h.codec, p == small.as_slice())).expect("opens");
            assert_eq!(lent, (codec, true));
        }
    }

    fn sample() -> Vec<u8> {
        (0..5000u32).flat_map(|i| (i % 251).to_le_bytes()).collect()
    }

    #[test]
    fn every_codec_round_trips() {
        for codec in [Codec::None, Codec::Lz4, Codec::Zstd] {
            let sealed = seal(&sample(), 7, codec, 3);
            let (h, payload) = open(&sealed).expect("opens");
            assert_eq!(payload, sample());
            assert_eq!(h.payload_version, 7);
            assert_eq!(h.codec, codec);
        }
    }

    #[test]
    fn the_reused_zstd_context_seals_at_each_callers_level_and_any_size() {
        let big: Vec<u8> = (0..(6u32 << 20))
            .map(|i| (i % 7 + i / 4096) as u8)
            .collect();
        for (payload, level) in [
            (sample(), 1),
            (big.clone(), 19),
            (sample(), 3),
            (b"".to_vec(), 3),
            (big, 3),
        ] {
            let sealed = seal(&payload, 2, Codec::Zstd, level);
            let (h, opened) = open(&sealed).expect("opens");
            assert_eq!(opened, payload, "level {level}");
            assert_eq!(h.codec, Codec::Zstd);
        }
        // The level is the caller's: level 19 packs this sample tighter than level 1.
        let text: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("def f{}(x): return x * {}\n", i % 977, i % 13).into_bytes())
            .collect();
        assert!(
            seal(&text, 2, Codec::Zstd, 19).len() < seal(&text, 2, Codec::Zstd, 1).len(),
            "the context follows the level asked for"
        );
    }

    #[test]
    fn forged_length_is_refused_before_allocating() {
        let mut sealed = seal(b"hello", 1, Codec::Lz4, 3);
        sealed[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(open(&sealed), Err(EnvelopeError::TooLarge { .. })));
    }

    #[test]
    fn future_version_and_foreign_bytes_are_typed_errors() {
        let mut sealed = seal(b"hello", 1, Codec::None, 3);
        sealed[4] = ENVELOPE_VERSION + 1;
        assert!(matches!(
            open(&sealed),
            Err(EnvelopeError::UnknownVersion { .. })
        ));
        assert!(matches!(
            open(b"GIF89a......................"),
            Err(EnvelopeError::BadMagic { .. })
        ));
        assert!(matches!(open(b"SX"), Err(EnvelopeError::Truncated { .. })));
    }

    proptest! {
        #[test]
        fn any_bit_flip_or_truncation_is_detected(pos in 0usize..4000, bit in 0u8..8, cut in 0usize..4000, codec in 0u8..3) {
            let codec = Codec::from_byte(codec).expect("0..3 are codecs");
            let sealed = seal(&sample(), 1, codec, 3);
            let mut flipped = sealed.clone();
            let pos = pos % flipped.len();
            flipped[pos] ^= 1 << bit;
            prop_assert!(open(&flipped).is_err(), "flip at {} undetected", pos);
            let cut = cut % sealed.len();
            prop_assert!(open(&sealed[..cut]).is_err());
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = open(&bytes);
        }
    }
}
