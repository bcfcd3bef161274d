//! syntaxd: a code-intelligence engine — language registry, parser pool, syntax-tree bytecode,
//! tiered cache, symbols and queries — shared by the daemon and the offline CLI.

pub mod bench;
pub mod bytecode;
pub mod cache;
pub mod config;
pub mod index;
pub mod language;
pub mod maintenance;
pub mod memory;
pub mod output;
pub mod parse;
pub mod pipeline;
pub mod query;
pub mod server;
pub mod symbols;
pub mod tags;
pub mod telemetry;
