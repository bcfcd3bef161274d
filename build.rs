//! Build script: embeds the grammar crates' versions (from Cargo.lock) and the query files this
//! project writes (`grammars/queries/<language id>/<kind>.scm`) into the binary, and generates
//! the grammar table (registry id -> the crate's language and query constants, each behind the
//! crate's feature) from `grammars/languages.toml`, so each grammar is named in one place.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

fn main() {
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let root = Path::new(&manifest_dir);
    println!("cargo:rerun-if-changed=Cargo.lock");
    // The directory, not `grammars/queries`: a path that does not exist makes cargo rerun
    // this script (and rebuild the crate) on every build.
    println!("cargo:rerun-if-changed=grammars");
    println!("cargo:rerun-if-changed=grammars/languages.toml");

    // Package versions from Cargo.lock: the one place that knows what was actually built.
    let lock = fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
    let mut versions = String::from("&[\n");
    let mut name: Option<String> = None;
    for line in lock.lines() {
        if line == "[[package]]" {
            name = None;
        } else if let Some(v) = line.strip_prefix("name = ") {
            name = Some(v.trim_matches('"').to_string());
        } else if let Some(v) = line.strip_prefix("version = ")
            && let Some(n) = name.take()
        {
            writeln!(versions, "    ({n:?}, {:?}),", v.trim_matches('"')).ok();
        }
    }
    versions.push_str("]\n");
    fs::write(Path::new(&out_dir).join("grammar_versions.rs"), versions)
        .expect("OUT_DIR is writable");

    // Our own query files, embedded with include_str! so they ship inside the binary.
    let mut queries = String::from("&[\n");
    let qdir = root.join("grammars/queries");
    let mut entries: Vec<(String, String, String)> = Vec::new();
    if let Ok(langs) = fs::read_dir(&qdir) {
        for lang in langs.flatten() {
            let lang_name = lang.file_name().to_string_lossy().into_owned();
            println!("cargo:rerun-if-changed={}", lang.path().display());
            if let Ok(files) = fs::read_dir(lang.path()) {
                for file in files.flatten() {
                    let path = file.path();
                    if path.extension().is_some_and(|e| e == "scm") {
                        let kind = path
                            .file_stem()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        entries.push((lang_name.clone(), kind, path.display().to_string()));
                    }
                }
            }
        }
    }
    entries.sort();
    for (lang, kind, path) in entries {
        writeln!(queries, "    ({lang:?}, {kind:?}, include_str!({path:?})),").ok();
    }
    queries.push_str("]\n");
    fs::write(Path::new(&out_dir).join("own_queries.rs"), queries).expect("OUT_DIR is writable");

    fs::write(
        Path::new(&out_dir).join("grammar_table.rs"),
        grammar_table(&root.join("grammars/languages.toml")),
    )
    .expect("OUT_DIR is writable");
    compile_tree_walk();
}

/// Compiles the bytecode encoder's tree walk (`csrc/tree_walk.c`) against the private headers
/// of the tree-sitter crate this build links: its `links = "tree-sitter"` build script exports
/// the crate's `include` directory, whose sibling `src` holds the headers.
fn compile_tree_walk() {
    println!("cargo:rerun-if-changed=csrc/tree_walk.c");
    let include = env::var("DEP_TREE_SITTER_INCLUDE")
        .expect("the tree-sitter crate exports its include directory");
    let include = Path::new(&include);
    let private = include.parent().expect("include has a parent").join("src");
    cc::Build::new()
        .std("c11")
        .include(include)
        .include(&private)
        .define("_POSIX_C_SOURCE", "200112L")
        .define("_DEFAULT_SOURCE", None)
        .flag_if_supported("-fvisibility=hidden")
        .warnings(true)
        .file("csrc/tree_walk.c")
        .compile("syntaxd-tree-walk");
}

/// `grammar_for_id`, one match arm per `[[language]]` of the registry file.
fn grammar_table(path: &Path) -> String {
    let text = fs::read_to_string(path).expect("grammars/languages.toml is readable");
    let table: toml::Table = text.parse().expect("grammars/languages.toml is valid TOML");
    let entries = table
        .get("language")
        .and_then(toml::Value::as_array)
        .expect("grammars/languages.toml has [[language]] entries");
    let mut out = String::from(
        "/// The compiled-in grammar for a registry id, or `None` when its feature is off.\n\
         #[allow(clippy::match_single_binding)] // every grammar feature may be off\n\
         pub(crate) fn grammar_for_id(id: &str) -> Option<Grammar> {\n    match id {\n",
    );
    for entry in entries {
        let field = |key: &str| entry.get(key).and_then(toml::Value::as_str);
        let id = field("id").expect("every language has an id");
        let krate = field("crate").unwrap_or_else(|| panic!("`{id}` has no crate"));
        let ident = krate.replace('-', "_");
        let grammar = field("grammar").unwrap_or("LANGUAGE");
        let language = if grammar.ends_with("()") {
            format!("{ident}::{grammar}")
        } else {
            format!("{ident}::{grammar}.into()")
        };
        let mut queries = String::new();
        if let Some(q) = entry.get("crate_queries") {
            let q = q
                .as_table()
                .unwrap_or_else(|| panic!("`{id}`: crate_queries is not a table"));
            for (kind, constant) in q {
                let variant = match kind.as_str() {
                    "highlights" => "Highlights",
                    "tags" => "Tags",
                    "locals" => "Locals",
                    "injections" => "Injections",
                    other => panic!("`{id}`: unknown query kind `{other}` in crate_queries"),
                };
                let constant = constant
                    .as_str()
                    .unwrap_or_else(|| panic!("`{id}`: crate_queries.{kind} is not a string"));
                write!(queries, "(QueryKind::{variant}, {ident}::{constant}), ").ok();
            }
        }
        writeln!(
            out,
            "        #[cfg(feature = {krate:?})]\n        {id:?} => Some(Grammar {{ language: {language}, queries: &[{queries}] }}),"
        )
        .ok();
    }
    out.push_str("        _ => None,\n    }\n}\n");
    out
}
