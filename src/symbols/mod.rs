//! Symbol extraction with tags queries (`@definition.*`, `@reference.*`, `@name`), following
//! tree-sitter's `tags` crate: an immutable shared [`SymbolConfig`] and a per-thread
//! [`SymbolContext`]; normalised kinds with LSP numbers ([`kind`]), doc comments, outlines,
//! and ctags/etags/LSP renderings ([`tags_file`]). See `docs/symbols.md`.

mod config;
mod doc;
mod extract;
mod incremental;
pub mod kind;
mod macro_lines;
mod outline;
pub mod packed;
pub mod tags_file;

pub use config::{SymbolConfig, SymbolError, TagCapture, tags_query_hash};
pub use extract::{
    SYMBOLS_FORMAT_VERSION, Symbol, SymbolContext, SymbolOptions, SymbolRole, SymbolsResult,
    extract_symbols,
};
pub use incremental::{DocumentSymbolsSource, SymbolCache};
pub use outline::{OutlineNode, outline};
