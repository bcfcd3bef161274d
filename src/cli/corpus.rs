//! Real source corpora assembled from code that already lives on the machine (code nobody in
//! this project wrote), so that `syntaxd bench` and the end-to-end tests run on real input
//! without committing third-party source. Shared by the binary (`src/cli/`) and the tests
//! (`tests/corpus/mod.rs` includes this file with `#[path]`); it uses std only.
//!
//! | language | source | files |
//! |---|---|---|
//! | `python` | the interpreter's standard library (`python3 -c 'import sysconfig; …["stdlib"]'`), without its top-level `site-packages` | `*.py` |
//! | `c` | the system headers: `/usr/include` (macOS: the SDK's; anywhere: `$C_CORPUS_DIR`) | `*.h` |
//! | `rust` | cargo's registry sources, `$CARGO_HOME/registry/src` (default `~/.cargo`) | `*.rs` |
//!
//! `assemble(DEST, langs)` copies each language's files into `DEST/<lang>/` keeping their
//! relative layout, and writes `DEST/<lang>.manifest`: the files' relative paths as `./a/b.py`,
//! one per line, sorted by bytes. Symbolic links are neither followed nor copied. The result is
//! deterministic for a given machine image. A language whose source is missing is an error
//! that says what to install — never an empty corpus.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The corpus languages, in their default order.
pub const LANGUAGES: [&str; 3] = ["python", "c", "rust"];

/// Why a corpus could not be assembled.
#[derive(Debug)]
pub enum CorpusError {
    /// A language this module does not assemble.
    UnknownLanguage(String),
    /// The language's source is not on this machine; the message says what to install.
    Missing {
        /// The corpus language.
        language: &'static str,
        /// What is missing and how to get it.
        reason: String,
    },
    /// Reading the source or writing the copy failed.
    Io {
        /// The path involved.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownLanguage(l) => {
                write!(
                    f,
                    "unknown corpus language `{l}` (expected python, c or rust)"
                )
            }
            Self::Missing { language, reason } => {
                write!(f, "the {language} corpus is missing: {reason}")
            }
            Self::Io { path, source } => write!(f, "corpus: {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for CorpusError {}

/// What was assembled for one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The corpus language.
    pub language: &'static str,
    /// Where its files were copied from.
    pub source: PathBuf,
    /// Files copied.
    pub files: usize,
    /// Their bytes.
    pub bytes: u64,
    /// Their newline count (as `wc -l` counts).
    pub lines: u64,
}

/// Where a language's files come from on this machine and which extension they have.
///
/// # Errors
/// [`CorpusError::Missing`] naming what to install when the source is absent.
pub fn source(language: &str) -> Result<(&'static str, PathBuf, &'static str), CorpusError> {
    match language {
        "python" => Ok(("python", python_stdlib()?, "py")),
        "c" => Ok(("c", c_headers()?, "h")),
        "rust" => {
            let home = std::env::var_os("CARGO_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
                .or_else(|| {
                    std::env::var_os("USERPROFILE").map(|h| PathBuf::from(h).join(".cargo"))
                });
            let Some(home) = home else {
                return Err(CorpusError::Missing {
                    language: "rust",
                    reason: "neither CARGO_HOME nor HOME is set".to_string(),
                });
            };
            let dir = home.join("registry").join("src");
            if !dir.is_dir() {
                return Err(CorpusError::Missing {
                    language: "rust",
                    reason: format!(
                        "no crate sources under {} yet (run a cargo build first)",
                        dir.display()
                    ),
                });
            }
            Ok(("rust", dir, "rs"))
        }
        other => Err(CorpusError::UnknownLanguage(other.to_string())),
    }
}

/// The system C headers: `/usr/include`, or on macOS the SDK's `usr/include` (`xcrun
/// --show-sdk-path`). Windows has no system headers: set `C_CORPUS_DIR` to a directory of
/// headers (e.g. a Windows SDK include directory); the variable also overrides the default
/// elsewhere.
fn c_headers() -> Result<PathBuf, CorpusError> {
    if let Some(dir) = std::env::var_os("C_CORPUS_DIR").map(PathBuf::from) {
        if dir.is_dir() {
            return Ok(dir);
        }
        return Err(CorpusError::Missing {
            language: "c",
            reason: format!("C_CORPUS_DIR={} is not a directory", dir.display()),
        });
    }
    let usr_include = PathBuf::from("/usr/include");
    if usr_include.is_dir() {
        return Ok(usr_include);
    }
    if cfg!(target_os = "macos")
        && let Ok(o) = Command::new("xcrun").arg("--show-sdk-path").output()
        && o.status.success()
    {
        let sdk = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()).join("usr/include");
        if sdk.is_dir() {
            return Ok(sdk);
        }
    }
    Err(CorpusError::Missing {
        language: "c",
        reason: "/usr/include does not exist (install the C library headers, e.g. libc6-dev; on \
                 macOS the Xcode command line tools; elsewhere set C_CORPUS_DIR to a \
                 directory of C headers)"
            .to_string(),
    })
}

/// The interpreter's standard library directory, from `python3` (or `python`).
fn python_stdlib() -> Result<PathBuf, CorpusError> {
    let mut tried = Vec::new();
    for exe in ["python3", "python"] {
        let out = Command::new(exe)
            .args([
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
            ])
            .output();
        match out {
            Ok(o) if o.status.success() => {
                let dir = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
                if dir.is_dir() {
                    return Ok(dir);
                }
                tried.push(format!(
                    "{exe} names {} which is not a directory",
                    dir.display()
                ));
            }
            Ok(o) => tried.push(format!("{exe} failed ({})", o.status)),
            Err(e) => tried.push(format!("cannot run {exe}: {e}")),
        }
    }
    Err(CorpusError::Missing {
        language: "python",
        reason: format!("{} (install Python 3)", tried.join("; ")),
    })
}

/// Copies every requested language's files into `dest` (see the module docs).
///
/// # Errors
/// An unknown language, a missing source, or an I/O failure while copying.
pub fn assemble(dest: &Path, languages: &[&str]) -> Result<Vec<Summary>, CorpusError> {
    let languages: Vec<&str> = if languages.is_empty() {
        LANGUAGES.to_vec()
    } else {
        languages.to_vec()
    };
    let mut summaries = Vec::new();
    for language in languages {
        let (language, root, ext) = source(language)?;
        summaries.push(copy_tree(dest, language, &root, ext)?);
    }
    Ok(summaries)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CorpusError + '_ {
    move |source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Copies the `*.ext` regular files under `root` into `dest/<language>/` and writes the manifest.
fn copy_tree(
    dest: &Path,
    language: &'static str,
    root: &Path,
    ext: &str,
) -> Result<Summary, CorpusError> {
    let mut rels = Vec::new();
    collect(root, root, language == "python", ext, &mut rels)?;
    // `LC_ALL=C sort`: byte order of the `./`-prefixed paths.
    let mut rels: Vec<String> = rels.into_iter().map(|r| format!("./{r}")).collect();
    rels.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let target = dest.join(language);
    fs::create_dir_all(&target).map_err(io(&target))?;
    let (mut bytes, mut lines) = (0u64, 0u64);
    for rel in &rels {
        let rel_path = Path::new(rel.trim_start_matches("./"));
        let from = root.join(rel_path);
        let to = target.join(rel_path);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let content = fs::read(&from).map_err(io(&from))?;
        fs::write(&to, &content).map_err(io(&to))?;
        bytes += content.len() as u64;
        lines += content.iter().filter(|&&b| b == b'\n').count() as u64;
    }
    let mut manifest = rels.join("\n");
    if !manifest.is_empty() {
        manifest.push('\n');
    }
    let manifest_path = dest.join(format!("{language}.manifest"));
    fs::write(&manifest_path, manifest).map_err(io(&manifest_path))?;
    Ok(Summary {
        language,
        source: root.to_path_buf(),
        files: rels.len(),
        bytes,
        lines,
    })
}

/// Relative paths (with `/` separators) of the regular `*.ext` files under `dir`; for Python the
/// top-level `site-packages` is skipped, as third-party packages are not the standard library.
fn collect(
    root: &Path,
    dir: &Path,
    skip_site_packages: bool,
    ext: &str,
    out: &mut Vec<String>,
) -> Result<(), CorpusError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        // An unreadable subdirectory (permissions) is skipped, as `find` reports and goes on.
        Err(_) if dir != root => return Ok(()),
        Err(e) => return Err(io(dir)(e)),
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            if skip_site_packages && dir == root && entry.file_name() == "site-packages" {
                continue;
            }
            collect(root, &path, skip_site_packages, ext, out)?;
        } else if kind.is_file()
            && path.extension().is_some_and(|e| e == ext)
            && let Ok(rel) = path.strip_prefix(root)
        {
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
    Ok(())
}

/// The files of one assembled language, in manifest (sorted) order.
///
/// # Errors
/// The manifest is missing (the language was not assembled into `dest`).
pub fn files(dest: &Path, language: &str) -> Result<Vec<PathBuf>, CorpusError> {
    let path = dest.join(format!("{language}.manifest"));
    let manifest = fs::read_to_string(&path).map_err(io(&path))?;
    Ok(manifest
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| dest.join(language).join(l.trim_start_matches("./")))
        .collect())
}
