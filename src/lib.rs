//! syntaxd: a code-intelligence engine — language registry, parser pool, syntax-tree bytecode,
//! tiered cache, symbols and queries — shared by the daemon and the offline CLI.
//!
//! What embedders use (covered by the semver policy of `docs/compatibility.md`):
//!
//! - [`language`]: the registry of 98 grammars, detection ([`Registry::detect`]) and
//!   [`resolve_language`];
//! - [`parse`]: the [`ParseEngine`] (pooled parsers under a [`ParseBudget`]) and live
//!   [`Document`]s with incremental reparsing;
//! - [`bytecode`]: [`encode`](bytecode::encode) / [`decode`](bytecode::decode) of syntax trees
//!   into a [`DecodedTree`];
//! - [`cache`]: the tiered [`Cache`] (memory, lz4, redb on disk);
//! - [`pipeline`]: the [`Analyzer`] that ties them together (cache → parse → bytecode → symbols);
//! - [`symbols`] and [`query`]: tags-query symbols and bounded query runs;
//! - [`position`], [`limits`], [`config`], [`output`]: the shared types and defaults.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let source = b"def greet(name):\n    return name\n";
//! let language = syntaxd::resolve_language(None, Some("greet.py"), source)?;
//! let engine = syntaxd::ParseEngine::new(syntaxd::parse::EngineConfig::default());
//! let parsed = engine.parse(&language.id, language.ts_language()?, source,
//!     &syntaxd::ParseBudget::default())?;
//! println!("{}", parsed.tree.root_node().to_sexp());
//! # Ok(())
//! # }
//! ```
//!
//! The HTTP server, the offline maintenance and indexing code and the telemetry setup are
//! public only for the `syntaxd` binary: they are `#[doc(hidden)]` and not covered by semver.

// No unsafe code, except the one module that calls C of our own: the bytecode encoder's tree
// walk (`bytecode::walk`, `csrc/tree_walk.c`), tested node by node against the cursor walk.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod bytecode;
pub mod cache;
pub mod config;
pub mod language;
pub mod limits;
pub mod memory;
pub mod output;
pub mod parse;
pub mod pipeline;
pub mod position;
pub mod query;
pub mod symbols;
pub mod tags;

#[doc(hidden)]
pub mod index;
#[doc(hidden)]
pub mod maintenance;
#[doc(hidden)]
pub mod server;
#[doc(hidden)]
pub mod telemetry;
pub mod workspace;

pub use bytecode::{DecodedTree, EncodeMeta};
pub use cache::Cache;
pub use language::{Language, LanguageError, Registry, registry, resolve_language};
pub use parse::{Document, ParseBudget, ParseEngine, ParseError};
pub use pipeline::Analyzer;
pub use position::{Position, Range};
pub use query::{CompiledQuery, QueryLimits};
pub use symbols::{SymbolConfig, extract_symbols};
