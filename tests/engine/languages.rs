//! Registry tests over every language: smoke parses of our own snippets, query compilation,
//! detection rules, and the generated inventory files.

use std::path::{Path, PathBuf};

use syntaxd::language::{DetectedBy, QueryKind, registry};

fn snippets_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/snippets")
}

/// The snippet written for a language: `tests/data/snippets/<id>.<any extension>`.
fn snippet_for(id: &str) -> Option<(PathBuf, String)> {
    let dir = snippets_dir();
    let entries = std::fs::read_dir(&dir).expect("tests/data/snippets exists");
    for entry in entries.flatten() {
        let path = entry.path();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if stem == id {
            let text = std::fs::read_to_string(&path).expect("snippets are UTF-8");
            return Some((path, text));
        }
    }
    None
}

/// Every available language parses a realistic snippet of at least 10 lines with no ERROR or
/// MISSING node and a root of the registered kind. Fails listing every language that does not.
#[test]
fn every_available_language_parses_its_snippet_cleanly() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for lang in registry().languages().iter().filter(|l| l.available()) {
        let Some((path, text)) = snippet_for(&lang.id) else {
            failures.push(format!("{}: no snippet in tests/data/snippets", lang.id));
            continue;
        };
        let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
        if lines < 10 {
            failures.push(format!(
                "{}: snippet has only {lines} non-blank lines",
                lang.id
            ));
        }
        let mut parser = tree_sitter::Parser::new();
        let grammar = lang
            .ts_language()
            .expect("available languages have a grammar");
        if let Err(e) = parser.set_language(grammar) {
            failures.push(format!("{}: grammar does not load: {e}", lang.id));
            continue;
        }
        let Some(tree) = parser.parse(&text, None) else {
            failures.push(format!("{}: no tree", lang.id));
            continue;
        };
        let root = tree.root_node();
        if root.kind() != lang.root_kind {
            failures.push(format!(
                "{}: root is `{}`, expected `{}`",
                lang.id,
                root.kind(),
                lang.root_kind
            ));
        }
        let problems = syntaxd::output::syntax_problems(&tree, 5);
        if let Some(p) = problems.first() {
            failures.push(format!(
                "{}: {} has a {} `{}` node at {}:{}",
                lang.id,
                path.display(),
                p.kind,
                p.node_kind,
                p.start.row + 1,
                p.start.column + 1
            ));
        }
        let named = named_node_count(&tree);
        if named < 15 {
            failures.push(format!(
                "{}: snippet has only {named} named nodes: too few constructs",
                lang.id
            ));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} languages failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 0, "no language is available in this build");
}

fn named_node_count(tree: &tree_sitter::Tree) -> usize {
    let mut cursor = tree.walk();
    let mut count = 0;
    loop {
        if cursor.node().is_named() {
            count += 1;
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return count;
            }
        }
    }
}

/// Every query the registry carries compiles against its grammar (with inherited bases).
#[test]
fn every_registered_query_compiles() {
    let failures: Vec<String> = registry()
        .query_failures()
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Two grammar crates exporting the same C symbol link silently, one replacing the other. Each
/// grammar must therefore be distinct: no two languages from different crates may have
/// identical node-kind tables.
#[test]
fn every_grammar_is_its_own_and_not_a_symbol_clash() {
    let mut seen: Vec<(String, usize, String, String)> = Vec::new();
    for lang in registry().languages().iter().filter(|l| l.available()) {
        let g = lang.ts_language().expect("available");
        let count = g.node_kind_count();
        let kinds: String = (0..count.min(40) as u16)
            .filter_map(|i| g.node_kind_for_id(i))
            .collect::<Vec<_>>()
            .join(",");
        for (other, other_count, other_kinds, other_crate) in &seen {
            if *other_count == count && *other_kinds == kinds && *other_crate != lang.grammar_crate
            {
                panic!(
                    "{} and {other} have identical grammars: a symbol clash",
                    lang.id
                );
            }
        }
        seen.push((lang.id.clone(), count, kinds, lang.grammar_crate.clone()));
    }
}

#[test]
fn all_langs_build_registers_at_least_90_grammars_and_73_languages() {
    let reg = registry();
    assert!(reg.languages().len() >= 90, "{}", reg.languages().len());
    assert!(
        reg.distinct_language_count() >= 73,
        "{}",
        reg.distinct_language_count()
    );
    #[cfg(feature = "all-langs")]
    {
        let missing: Vec<&str> = reg
            .languages()
            .iter()
            .filter(|l| !l.available())
            .map(|l| l.id.as_str())
            .collect();
        assert!(
            missing.is_empty(),
            "compiled out under all-langs: {missing:?}"
        );
    }
}

#[test]
fn compiled_out_language_is_reported_unavailable() {
    let reg = registry();
    for lang in reg.languages() {
        match lang.ts_language() {
            Ok(_) => assert!(lang.available()),
            Err(e) => {
                assert!(!lang.available());
                assert!(e.to_string().contains(&lang.grammar_crate), "{e}");
            }
        }
    }
}

fn detected(path: &str, content: &str) -> Option<(String, DetectedBy)> {
    registry()
        .detect(Some(Path::new(path)), content.as_bytes())
        .map(|d| (d.language.id.clone(), d.by))
}

#[test]
fn detection_by_extension_and_file_name() {
    let cases = [
        ("src/main.rs", "rust"),
        ("lib/x.py", "python"),
        ("a/b/c.tsx", "tsx"),
        ("Component.jsx", "javascript"),
        ("x.CPP", "cpp"),
        ("Makefile", "make"),
        ("GNUmakefile", "make"),
        ("Dockerfile", "dockerfile"),
        ("Dockerfile.prod", "dockerfile"),
        ("CMakeLists.txt", "cmake"),
        ("go.mod", "gomod"),
        ("go.sum", "gosum"),
        ("Cargo.lock", "toml"),
        ("Gemfile", "ruby"),
        ("BUILD.bazel", "starlark"),
        ("requirements-dev.txt", "requirements"),
        ("requirements.txt", "requirements"),
        ("x.app.src", "erlang"),
        (".bashrc", "bash"),
        ("notes.md", "markdown"),
        ("main.tf", "hcl"),
    ];
    for (path, id) in cases {
        let got = detected(path, "");
        assert_eq!(got.as_ref().map(|g| g.0.as_str()), Some(id), "{path}");
    }
    assert!(detected("data.unknownext", "").is_none());
    assert!(detected("noextension", "plain words\n").is_none());
}

#[test]
fn detection_of_ambiguous_extensions_follows_the_documented_rule() {
    // .h: C by default, C++ or Objective-C when the content says so.
    assert_eq!(detected("x.h", "int f(void);\n").unwrap().0, "c");
    assert_eq!(
        detected("x.h", "namespace a { class B {}; }\n").unwrap().0,
        "cpp"
    );
    assert_eq!(
        detected(
            "x.h",
            "#import <Foundation/Foundation.h>\n@interface A\n@end\n"
        )
        .unwrap()
        .0,
        "objc"
    );
    // .m: MATLAB by default, Objective-C with its markers.
    assert_eq!(
        detected("x.m", "function y = f(x)\n  y = x;\nend\n")
            .unwrap()
            .0,
        "matlab"
    );
    assert_eq!(
        detected("x.m", "@implementation A\n@end\n").unwrap().0,
        "objc"
    );
    // .fs: F# unless it is a GLSL shader; .cls: Apex unless it is a LaTeX class.
    assert_eq!(detected("x.fs", "let x = 1\n").unwrap().0, "fsharp");
    assert_eq!(
        detected("x.fs", "#version 330\nvoid main() {}\n")
            .unwrap()
            .0,
        "glsl"
    );
    assert_eq!(detected("x.cls", "public class A {}\n").unwrap().0, "apex");
    assert_eq!(
        detected("x.cls", "\\NeedsTeXFormat{LaTeX2e}\n").unwrap().0,
        "latex"
    );
    // .v is Verilog, .pl is Perl (no Coq or Prolog grammar ships).
    assert_eq!(
        detected("x.v", "module m; endmodule\n").unwrap().0,
        "verilog"
    );
    assert_eq!(detected("x.pl", "print 1;\n").unwrap().0, "perl");
}

#[test]
fn detection_by_shebang_and_modeline() {
    let reg = registry();
    let cases = [
        ("#!/usr/bin/env python3", "python"),
        ("#!/usr/bin/python3.12", "python"),
        ("#!/bin/bash", "bash"),
        ("#!/bin/sh -e", "bash"),
        ("#!/usr/bin/env -S node --experimental", "javascript"),
        ("#!/usr/bin/env ruby", "ruby"),
        ("#!/usr/bin/perl -w", "perl"),
        ("#!/usr/bin/env PYTHONPATH=. python", "python"),
    ];
    for (line, id) in cases {
        assert_eq!(
            reg.language_for_shebang(line).map(|l| l.id.as_str()),
            Some(id),
            "{line}"
        );
    }
    assert!(
        reg.language_for_shebang("#!/usr/bin/env nosuchinterp")
            .is_none()
    );
    assert!(reg.language_for_shebang("no shebang").is_none());
    // A script without extension is detected by its shebang.
    assert_eq!(
        detected("bin/tool", "#!/usr/bin/env python3\nprint(1)\n"),
        Some(("python".into(), DetectedBy::Shebang))
    );
    // A modeline beats an ambiguous extension.
    assert_eq!(
        detected("x.h", "// -*- mode: c++ -*-\nint f();\n"),
        Some(("cpp".into(), DetectedBy::Modeline))
    );
    assert_eq!(
        detected("script", "echo hi\n# vim: set ft=bash :\n"),
        Some(("bash".into(), DetectedBy::Modeline))
    );
    // An exact file name beats everything.
    assert_eq!(
        detected("Makefile", "#!/usr/bin/env python3\n"),
        Some(("make".into(), DetectedBy::Filename))
    );
}

#[test]
fn names_and_aliases_are_case_insensitive() {
    let reg = registry();
    for (name, id) in [
        ("Python", "python"),
        ("PY", "python"),
        ("c#", "c_sharp"),
        ("CSharp", "c_sharp"),
        ("C++", "cpp"),
        ("golang", "go"),
        ("JS", "javascript"),
        ("yml", "yaml"),
        ("Emacs Lisp", "elisp"),
        (" rust ", "rust"),
    ] {
        assert_eq!(
            reg.language_for_name(name).map(|l| l.id.as_str()),
            Ok(id),
            "{name}"
        );
    }
    let err = reg.language_for_name("klingon").unwrap_err();
    assert!(err.to_string().contains("klingon"));
}

#[test]
fn tags_queries_exist_for_the_languages_whose_crates_ship_them() {
    for id in ["python", "rust", "c", "javascript", "java", "go"] {
        let lang = registry().language_for_name(id).expect("registered");
        if lang.available() {
            assert!(lang.query_kinds().contains(&QueryKind::Tags), "{id}");
            lang.query(QueryKind::Tags).expect("tags query compiles");
        }
    }
}

/// LANGUAGE_INVENTORY.md and NOTICES are generated; this fails when the committed files drift
/// from what `syntaxd inventory --write .` would write now.
#[cfg(feature = "all-langs")]
#[test]
fn committed_inventory_and_notices_match_the_registry() {
    use syntaxd::language::inventory;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let licenses = inventory::crate_licenses(root, registry()).expect("cargo metadata runs");
    assert_eq!(
        licenses.len(),
        registry()
            .languages()
            .iter()
            .map(|l| &l.grammar_crate)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        "every grammar crate has metadata"
    );
    let expected_inventory = inventory::inventory_markdown(registry(), &licenses);
    let expected_notices = inventory::notices(&licenses);
    let committed_inventory =
        std::fs::read_to_string(root.join("LANGUAGE_INVENTORY.md")).unwrap_or_default();
    let committed_notices = std::fs::read_to_string(root.join("NOTICES")).unwrap_or_default();
    assert!(
        committed_inventory == expected_inventory && committed_notices == expected_notices,
        "LANGUAGE_INVENTORY.md or NOTICES is stale: run `cargo run -- inventory --write .`"
    );
}

/// The grammar crates of the registry (`grammars/languages.toml`, from which `build.rs`
/// generates the grammar table), the `all-langs` feature list and the optional grammar
/// dependencies of `Cargo.toml` are one set; `core-langs` is a subset of it; and with the
/// features a test build enables, every registry entry of an enabled crate is available.
#[test]
fn cargo_features_and_registry_crates_are_the_same_set() {
    use std::collections::BTreeSet;
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("Cargo.toml is readable");
    let manifest: toml::Table = manifest.parse().expect("Cargo.toml is TOML");
    let feature = |name: &str| -> BTreeSet<String> {
        manifest["features"][name]
            .as_array()
            .unwrap_or_else(|| panic!("feature `{name}` is a list"))
            .iter()
            .map(|v| v.as_str().expect("feature entries are strings").to_string())
            .collect()
    };
    let all_langs = feature("all-langs");
    let core_langs = feature("core-langs");
    let optional: BTreeSet<String> = manifest["dependencies"]
        .as_table()
        .expect("[dependencies] is a table")
        .iter()
        .filter(|(_, spec)| spec.get("optional").and_then(toml::Value::as_bool) == Some(true))
        .map(|(name, _)| name.clone())
        .collect();
    let registry_crates: BTreeSet<String> = registry()
        .languages()
        .iter()
        .map(|l| l.grammar_crate.clone())
        .collect();
    assert_eq!(
        all_langs
            .symmetric_difference(&registry_crates)
            .collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "all-langs vs the registry's crates"
    );
    assert_eq!(
        optional
            .symmetric_difference(&registry_crates)
            .collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "optional dependencies vs the registry's crates"
    );
    assert!(core_langs.is_subset(&all_langs), "core-langs ⊆ all-langs");
    // The generated table binds every registry entry whose crate is compiled in.
    let enabled = if cfg!(feature = "all-langs") {
        all_langs
    } else if cfg!(feature = "core-langs") {
        core_langs
    } else {
        BTreeSet::new()
    };
    for lang in registry().languages() {
        assert!(
            lang.available() || !enabled.contains(&lang.grammar_crate),
            "{}: its crate `{}` is compiled in but the grammar table does not bind it",
            lang.id,
            lang.grammar_crate
        );
    }
}
