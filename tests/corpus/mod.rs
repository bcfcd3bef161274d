//! Real source corpora for tests, assembled at run time by `../shared/corpus/make-corpus.sh`
//! (Python, C and Rust code already on the machine). A missing or failing script fails the
//! test: a broken corpus setup never passes silently.
#![allow(dead_code)] // each test binary uses the part it needs

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Runs `make-corpus.sh DEST LANG...`; `DEST/<lang>/` and `DEST/<lang>.manifest` then exist.
pub fn assemble(dest: &Path, languages: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/make-corpus.sh");
    assert!(
        script.is_file(),
        "corpus script {} is missing (shared/ must sit beside the repository)",
        script.display()
    );
    let status = Command::new("bash")
        .arg(&script)
        .arg(dest)
        .args(languages)
        .stdout(Stdio::null())
        .status()
        .expect("bash runs");
    assert!(status.success(), "make-corpus.sh failed: {status}");
}

/// The files of one assembled language, in manifest (sorted) order.
pub fn files(dest: &Path, language: &str) -> Vec<PathBuf> {
    let manifest = std::fs::read_to_string(dest.join(format!("{language}.manifest")))
        .expect("manifest written");
    manifest
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| dest.join(language).join(l))
        .collect()
}
