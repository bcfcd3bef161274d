//! Symbol extraction with tags queries (`@definition.*`, `@reference.*`, `@name`), following
//! tree-sitter's `tags` crate: an immutable shared [`SymbolConfig`] and a per-thread
//! [`SymbolContext`]. See `docs/queries.md` for the conventions honoured and ignored.

mod config;
mod extract;

pub use config::{SymbolConfig, SymbolError, TagCapture};
pub use extract::{
    Symbol, SymbolContext, SymbolOptions, SymbolRole, SymbolsResult, extract_symbols,
};
