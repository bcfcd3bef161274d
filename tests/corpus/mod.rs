//! Real source corpora for tests, assembled at run time from what the machine has (the Python
//! standard library, /usr/include, cargo's registry sources) by the same code as `syntaxd bench`
//! (`src/cli/corpus.rs`). A missing source fails the test with what to install: a broken corpus
//! setup never passes silently.
#![allow(dead_code)] // each test binary uses the part it needs

use std::path::{Path, PathBuf};

#[path = "../../src/cli/corpus.rs"]
mod assembly;

/// Assembles `DEST/<lang>/` and `DEST/<lang>.manifest` for each language, or panics saying why.
pub fn assemble(dest: &Path, languages: &[&str]) {
    if let Err(e) = assembly::assemble(dest, languages) {
        panic!("{e}");
    }
}

/// The files of one assembled language, in manifest (sorted) order.
pub fn files(dest: &Path, language: &str) -> Vec<PathBuf> {
    assembly::files(dest, language).unwrap_or_else(|e| panic!("{e}"))
}
