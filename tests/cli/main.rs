//! The command line as users run it, in one test binary: the real `syntaxd` binary's commands,
//! output and exit codes (`index`, `symbols`, `bench`), and the deployment files in `deploy/`.
//!
//! One binary instead of one per file: every test binary links all grammars (about 160 MB of
//! parse tables each), so a binary per file made a clean `cargo test` need tens of gigabytes.
//! Run one module with `cargo test --test cli <module>::`.

#[path = "../corpus/mod.rs"]
mod corpus;

mod bench_smoke;
mod commands;
mod deploy;
mod index_cli;
mod map_cli;
mod search_cli;
mod symbols_cli;
