//! Language detection: file names, extensions (with content rules for ambiguous ones),
//! modelines and shebangs. The order and the ambiguous cases are documented in
//! `docs/languages.md`.

use std::path::Path;

use serde::Serialize;

use super::{Language, Registry};

/// How a language was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectedBy {
    /// The caller named it.
    Explicit,
    /// An exact file name such as `Makefile`.
    Filename,
    /// A vim or emacs modeline in the content.
    Modeline,
    /// The file extension.
    Extension,
    /// The `#!` line.
    Shebang,
}

/// The result of [`Registry::detect`].
#[derive(Debug, Clone, Copy)]
pub struct Detection {
    /// The language.
    pub language: &'static Language,
    /// Which rule chose it.
    pub by: DetectedBy,
}

/// Longest file name considered by detection (Linux's `NAME_MAX`); a longer name is no real
/// file's and is ignored, so hostile names cost nothing.
pub const MAX_FILE_NAME_BYTES: usize = 255;

/// How much of the content the disambiguation rules read.
const SNIFF_BYTES: usize = 64 * 1024;

/// Lines at each end of a file that may hold a modeline (vim's default `modelines`).
const MODELINE_LINES: usize = 5;

/// Bytes at each end of a file searched for those lines at most (a modeline is short; a
/// file of a few huge lines costs no more).
const MODELINE_SCAN_BYTES: usize = 4096;

/// The first `n` lines of `content` (without the last line's newline), within the first
/// [`MODELINE_SCAN_BYTES`].
fn first_lines(content: &[u8], n: usize) -> &[u8] {
    let window = &content[..content.len().min(MODELINE_SCAN_BYTES)];
    match window
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .nth(n.saturating_sub(1))
    {
        Some((end, _)) => &window[..end],
        None => window,
    }
}

/// The last `n` lines of `content` (a final newline ends the last line, it does not start
/// another), within the last [`MODELINE_SCAN_BYTES`].
fn last_lines(content: &[u8], n: usize) -> &[u8] {
    let window = &content[content.len().saturating_sub(MODELINE_SCAN_BYTES)..];
    let body = window.strip_suffix(b"\n").unwrap_or(window);
    match body
        .iter()
        .enumerate()
        .rev()
        .filter(|&(_, &b)| b == b'\n')
        .nth(n.saturating_sub(1))
    {
        Some((start, _)) => &body[start + 1..],
        None => body,
    }
}

/// True when the content looks binary: a NUL byte in its first 8 000 bytes (git's rule).
pub fn looks_binary(content: &[u8]) -> bool {
    content.iter().take(8000).any(|&b| b == 0)
}

impl Registry {
    /// The language for an exact file name (`Makefile`, `go.mod`, `Dockerfile.dev`).
    pub fn language_for_filename(&self, file_name: &str) -> Option<&Language> {
        if let Some(&i) = self.by_filename.get(file_name) {
            return Some(&self.languages[i]);
        }
        // Variants users expect: `Dockerfile.prod`, `Containerfile.dev`, `requirements-test.txt`.
        let special =
            if file_name.starts_with("Dockerfile.") || file_name.starts_with("Containerfile.") {
                Some("Dockerfile")
            } else if file_name.starts_with("requirements") && file_name.ends_with(".txt") {
                Some("requirements.txt")
            } else {
                None
            };
        special
            .and_then(|k| self.by_filename.get(k))
            .map(|&i| &self.languages[i])
    }

    /// The default language for a path, from its file name or extension (no content rules).
    pub fn language_for_path(&self, path: &Path) -> Option<&Language> {
        let file_name = path
            .file_name()?
            .to_str()
            .filter(|n| n.len() <= MAX_FILE_NAME_BYTES)?;
        self.language_for_filename(file_name)
            .or_else(|| self.language_for_extension_of(file_name))
    }

    /// The language for the interpreter of a `#!` line (`#!/usr/bin/env python3`, `#!/bin/bash`).
    pub fn language_for_shebang(&self, first_line: &str) -> Option<&Language> {
        let rest = first_line.strip_prefix("#!")?.trim();
        let mut words = rest.split_whitespace();
        let mut program = words.next()?.rsplit('/').next()?;
        if program == "env" {
            // `env -S python3 -u`, `env PYTHONPATH=x python3`
            program = words.find(|w| !w.starts_with('-') && !w.contains('='))?;
            program = program.rsplit('/').next()?;
        }
        if let Some(&i) = self.by_shebang.get(program) {
            return Some(&self.languages[i]);
        }
        // `python3.12` -> `python3` -> `python`
        let trimmed = program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        let major = program
            .char_indices()
            .find(|&(_, c)| c == '.')
            .map(|(i, _)| &program[..i]);
        major
            .into_iter()
            .chain(std::iter::once(trimmed))
            .find_map(|p| self.by_shebang.get(p))
            .map(|&i| &self.languages[i])
    }

    /// The language named by a vim (`vim: set ft=python:`) or emacs (`-*- mode: c++ -*-`)
    /// modeline in the first or last five lines of the content.
    pub fn language_for_modeline(&self, content: &str) -> Option<&Language> {
        let lines: Vec<&str> = content.lines().collect();
        let head = lines.iter().take(5);
        let tail = lines.iter().rev().take(5);
        head.chain(tail).find_map(|line| {
            modeline_name(line).and_then(|name| self.language_for_name(&name).ok())
        })
    }

    /// Detects the language of a file from its path and content, in this order: exact file
    /// name, modeline, extension (ambiguous ones resolved by content), shebang. `None` when no
    /// rule matches.
    pub fn detect(&'static self, path: Option<&Path>, content: &[u8]) -> Option<Detection> {
        let file_name = path
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .filter(|n| n.len() <= MAX_FILE_NAME_BYTES);
        if let Some(lang) = file_name.and_then(|n| self.language_for_filename(n)) {
            return Some(Detection {
                language: lang,
                by: DetectedBy::Filename,
            });
        }
        // Only the lines a modeline may be on are read (not the whole sniff: detection runs
        // for every file of a tree, and most have no modeline).
        let head = first_lines(content, MODELINE_LINES);
        let tail = last_lines(&content[head.len()..], MODELINE_LINES);
        let modeline = self
            .language_for_modeline(&String::from_utf8_lossy(head))
            .or_else(|| self.language_for_modeline(&String::from_utf8_lossy(tail)));
        if let Some(lang) = modeline {
            return Some(Detection {
                language: lang,
                by: DetectedBy::Modeline,
            });
        }
        if let Some(name) = file_name
            && let Some(lang) = self.language_for_extension_of(name)
        {
            let lang = self.disambiguate(name, lang, || {
                String::from_utf8_lossy(&content[..content.len().min(SNIFF_BYTES)])
            });
            return Some(Detection {
                language: lang,
                by: DetectedBy::Extension,
            });
        }
        let first_line = String::from_utf8_lossy(first_lines(content, 1));
        self.language_for_shebang(first_line.trim_end())
            .map(|lang| Detection {
                language: lang,
                by: DetectedBy::Shebang,
            })
    }

    fn language_for_extension_of(&self, file_name: &str) -> Option<&Language> {
        // Longest compound extension first (`app.src`), then the last one; exact case, then
        // lower. Each suffix is a slice of the name (no joining), and names are capped, so a
        // name of many dots costs at most MAX_FILE_NAME_BYTES lookups.
        if file_name.len() > MAX_FILE_NAME_BYTES {
            return None;
        }
        for (dot, _) in file_name.match_indices('.') {
            let ext = &file_name[dot + 1..];
            let found = self.by_extension.get(ext).or_else(|| {
                ext.bytes()
                    .any(|b| b.is_ascii_uppercase())
                    .then(|| self.by_extension.get(&ext.to_lowercase()))
                    .flatten()
            });
            if let Some(&i) = found {
                return Some(&self.languages[i]);
            }
        }
        None
    }

    /// Content rules for extensions shared by several languages (see docs/languages.md).
    fn disambiguate<'a, 'c>(
        &'a self,
        file_name: &str,
        default: &'a Language,
        sniff: impl Fn() -> std::borrow::Cow<'c, str>,
    ) -> &'a Language {
        let ext = file_name.rsplit('.').next().unwrap_or("");
        // Read (and converted) only for an extension that has rules.
        let read = std::cell::OnceCell::new();
        let sniff = || read.get_or_init(&sniff).as_ref();
        let pick = |id: &str| self.language_for_name(id).ok();
        let objc = || {
            has_any(
                sniff(),
                &[
                    "@interface",
                    "@implementation",
                    "@protocol",
                    "#import ",
                    "@end",
                ],
            )
        };
        let chosen = match ext {
            "h" if objc() => pick("objc"),
            "h" if has_any(sniff(), CPP_MARKERS) => pick("cpp"),
            "m" if objc() => pick("objc"),
            "fs" if has_any(sniff(), &["#version", "gl_FragColor", "gl_Position"]) => pick("glsl"),
            "cls"
                if has_any(
                    sniff(),
                    &["\\NeedsTeXFormat", "\\ProvidesClass", "\\LoadClass"],
                ) =>
            {
                pick("latex")
            }
            _ => None,
        };
        chosen.unwrap_or(default)
    }
}

/// Tokens that only C++ (not C) headers contain.
const CPP_MARKERS: &[&str] = &[
    "namespace ",
    "template<",
    "template <",
    "std::",
    "public:",
    "private:",
    "protected:",
    "class ",
    "constexpr",
    "nullptr",
    "#include <iostream>",
    "#include <string>",
    "#include <vector>",
];

fn has_any(haystack: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| haystack.contains(n))
}

/// The language name of a vim or emacs modeline on this line, if any.
fn modeline_name(line: &str) -> Option<String> {
    // emacs: `-*- mode: python -*-` or `-*- python -*-`
    if let Some(start) = line.find("-*-") {
        let rest = &line[start + 3..];
        let end = rest.find("-*-")?;
        let body = rest[..end].trim();
        for part in body.split(';') {
            let part = part.trim();
            if let Some(v) = part.strip_prefix("mode:") {
                return Some(v.trim().to_string());
            }
            if !part.contains(':') && !part.is_empty() {
                return Some(part.to_string());
            }
        }
        return None;
    }
    // vim: `vim: set ft=python :`, `vi: filetype=sh`, `ex: ft=c`
    let idx = ["vim:", "vi:", "ex:"]
        .iter()
        .find_map(|p| line.find(p).map(|i| i + p.len()))?;
    let rest = &line[idx..];
    rest.split(|c: char| c.is_whitespace() || c == ':')
        .find_map(|tok| {
            tok.strip_prefix("ft=")
                .or_else(|| tok.strip_prefix("filetype="))
        })
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modelines_of_vim_and_emacs() {
        assert_eq!(
            modeline_name("# vim: set ft=python :").as_deref(),
            Some("python")
        );
        assert_eq!(
            modeline_name("// vim: filetype=cpp").as_deref(),
            Some("cpp")
        );
        assert_eq!(
            modeline_name("/* -*- mode: c++ -*- */").as_deref(),
            Some("c++")
        );
        assert_eq!(
            modeline_name(";; -*- emacs-lisp -*-").as_deref(),
            Some("emacs-lisp")
        );
        assert_eq!(modeline_name("-*- coding: utf-8 -*-"), None);
        assert_eq!(modeline_name("plain text"), None);
    }

    /// `filler` lines of 60 bytes, with `line` replaced by a modeline.
    fn lines_with_modeline_at(total: usize, at: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..total {
            if i == at {
                out.extend_from_slice(b"# vim: set ft=python :\n");
            } else {
                out.extend_from_slice(format!("{:<59}\n", format!("line {i}")).as_bytes());
            }
        }
        out
    }

    fn detected_by(content: &[u8]) -> Option<(String, DetectedBy)> {
        crate::language::registry()
            .detect(Some(Path::new("notes.unknown-extension")), content)
            .map(|d| (d.language.id.clone(), d.by))
    }

    #[test]
    fn a_modeline_counts_in_the_first_or_last_five_lines_of_the_file_only() {
        let python = Some(("python".to_string(), DetectedBy::Modeline));
        for at in [0, 4, 15, 19] {
            assert_eq!(
                detected_by(&lines_with_modeline_at(20, at)),
                python,
                "line {at} of 20"
            );
        }
        for at in [5, 10, 14] {
            assert_eq!(
                detected_by(&lines_with_modeline_at(20, at)),
                None,
                "line {at} of 20"
            );
        }
        // A large file (~117 KB): its last lines count, but not the lines around the end of
        // the first 64 KB, nor those at the start of its last 4 KB.
        let total = 2000;
        assert_eq!(
            detected_by(&lines_with_modeline_at(total, total - 1)),
            python
        );
        let last_of_64k = 65536 / 60 - 1;
        for at in [last_of_64k, last_of_64k + 1, total - 60] {
            assert_eq!(
                detected_by(&lines_with_modeline_at(total, at)),
                None,
                "line {at}"
            );
        }
    }

    #[test]
    fn binary_is_a_nul_in_the_first_8000_bytes() {
        assert!(looks_binary(b"ab\0cd"));
        assert!(!looks_binary(b"fn main() {}"));
        let mut late = vec![b'a'; 9000];
        late[8500] = 0;
        assert!(!looks_binary(&late));
    }
}
