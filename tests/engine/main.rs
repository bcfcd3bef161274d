//! The engine's integration tests, in one test binary: the bytecode, parsing, queries, the
//! language registry, symbols and the cache tiers, through the library's public API.
//!
//! One binary instead of one per file: every test binary links all grammars (about 160 MB of
//! parse tables each), so a binary per file made a clean `cargo test` need tens of gigabytes.
//! Run one module with `cargo test --test engine <module>::`.

#[path = "../corpus/mod.rs"]
mod corpus;

mod bytecode_corpus;
mod bytecode_golden;
mod bytecode_robustness;
mod bytecode_roundtrip;
mod cache_tiers;
mod languages;
mod maintenance;
mod parse_hostile;
mod parse_incremental;
mod query_cache;
mod query_run;
mod symbols_fixtures;
mod symbols_match_roots;
mod symbols_structure;
mod symbols_tags;
