//! Fuzz target: the cache envelope (`envelope::open`) and entry payload
//! (`CacheEntry::from_payload`) decoders, and the cache-hit path behind them. The first byte
//! picks a mode:
//!
//! - 0: arbitrary bytes as a stored value, unsealed the way `Cache::get` does;
//! - 1: the same with the envelope's stored length and crc32 fixed up, so the codecs (none,
//!   lz4, zstd) and the entry payload parser see fuzzed bytes;
//! - 2: `[codec, language, source...]`: a real entry (parse, bytecode, symbols-shaped JSON)
//!   sealed with each codec must open to the same entry; then the sealed bytes are cut at a
//!   fuzz-chosen point, which must be refused.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use syntaxd::bytecode::{FORMAT_VERSION, decode};
use syntaxd::cache::envelope::{self, Codec};
use syntaxd::cache::{CacheEntry, ENTRY_FORMAT_VERSION};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => unseal_and_serve(rest),
        1 => {
            let mut bytes = rest.to_vec();
            common::fix_envelope(&mut bytes);
            unseal_and_serve(&bytes);
        }
        _ => round_trip(rest),
    }
});

/// `Cache::unseal` and then what a handler does with a hit.
fn unseal_and_serve(bytes: &[u8]) {
    let _ = envelope::read_header(bytes);
    let Ok((header, payload)) = envelope::open(bytes) else {
        return;
    };
    assert_eq!(
        payload.len(),
        header.raw_len,
        "open returned a payload of another length"
    );
    let Ok(entry) = CacheEntry::from_payload(header.payload_version, &payload) else {
        return;
    };
    // A decoded entry re-encodes to the same payload.
    assert_eq!(
        entry.to_payload(),
        payload,
        "entry payload does not round-trip"
    );
    let _ = entry.key().to_string();
    serve_entry(&entry);
}

fn serve_entry(entry: &CacheEntry) {
    let Ok(tree) = decode(&entry.bytecode) else {
        return;
    };
    let Ok(lines) = tree.line_index(&entry.source) else {
        return;
    };
    if let Ok(lang) = syntaxd::language::registry().language_for_name(&entry.language_id) {
        common::serve_decoded(&tree, &lines, lang);
    }
    if let Some(symbols) = &entry.symbols {
        let _ = serde_json::from_slice::<serde_json::Value>(symbols);
    }
}

fn round_trip(data: &[u8]) {
    let [codec, sel, source @ ..] = data else {
        return;
    };
    let lang = common::language(*sel);
    let Some((_, bytecode)) = common::encode(lang, source) else {
        return;
    };
    let entry = CacheEntry {
        language_id: lang.id.clone(),
        grammar_version: lang.grammar_version.clone(),
        bytecode_version: FORMAT_VERSION,
        source: source.to_vec(),
        bytecode,
        symbols: (codec & 0x80 != 0).then(|| br#"{"symbols":[],"complete":true}"#.to_vec()),
        summary: None,
        symbols_packed: None,
    };
    let payload = entry.to_payload();
    let codec = [Codec::None, Codec::Lz4, Codec::Zstd][usize::from(*codec % 3)];
    let sealed = envelope::seal(&payload, ENTRY_FORMAT_VERSION, codec, 1);
    let (header, opened) = envelope::open(&sealed).expect("a sealed entry opens");
    assert_eq!(header.codec, codec);
    assert_eq!(opened, payload, "envelope does not round-trip");
    let back = CacheEntry::from_payload(header.payload_version, &opened).expect("entry parses");
    assert_eq!(back, entry, "entry does not round-trip");
    serve_entry(&back);
    // Any strict prefix is refused.
    let cut = usize::from(data.len() as u16) % sealed.len();
    assert!(
        envelope::open(&sealed[..cut]).is_err(),
        "a cut envelope opened"
    );
}
