//! Symbols over a real socket: normalised kinds and containers in `/v1/symbols`, the outline
//! for content and for documents (`GET /v1/documents/{id}/symbols`), and a stored entry
//! without a usable symbols list (extraction failed, or an older format) re-extracted instead
//! of answering 500 forever (issue 8 §4).

#![cfg(feature = "tree-sitter-python")]

mod support;

use std::time::Duration;

use serde_json::json;
use support::{Server, config, gauge, json_of, python_source};
use syntaxd::cache::Cache;
use syntaxd::language::registry;
use syntaxd::parse::{CancelHandle, EngineConfig, ParseEngine};
use syntaxd::pipeline::Analyzer;

const SOURCE: &str = "class Greeter:\n    \"\"\"Greets.\"\"\"\n\n    def __init__(self):\n        pass\n\n    def greet(self):\n        pass\n\n\ndef main():\n    pass\n";

fn names(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|s| s["name"].as_str().expect("a name").to_owned())
        .collect()
}

#[test]
fn symbols_have_kinds_containers_docs_and_an_outline() {
    let s = Server::start(config(|_| {}));
    let (status, body) = s.post_json(
        "/v1/symbols",
        json!({ "content": SOURCE, "path": "g.py", "outline": true }),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["symbols_format"], 2);
    let greet = &body["symbols"][2];
    assert_eq!(greet["name"], "greet");
    assert_eq!(greet["kind"], "method");
    assert_eq!(greet["lsp_kind"], 6);
    assert_eq!(greet["container"], "Greeter");
    assert_eq!(body["symbols"][0]["doc"], "Greets.");
    assert_eq!(body["symbols"][1]["kind"], "constructor");
    assert_eq!(names(&body["outline"]), ["Greeter", "main"]);
    assert_eq!(
        names(&body["outline"][0]["children"]),
        ["__init__", "greet"]
    );
    // A cache hit answers the same symbols (and the outline when asked).
    let (_, hit) = s.post_json(
        "/v1/symbols",
        json!({ "content": SOURCE, "path": "g.py", "outline": true }),
    );
    assert_eq!(hit["cache"], "hot");
    assert_eq!(hit["symbols"], body["symbols"]);
    assert_eq!(hit["outline"], body["outline"]);
    let (_, flat) = s.post_json("/v1/symbols", json!({ "content": SOURCE, "path": "g.py" }));
    assert!(flat.get("outline").is_none());
    assert_eq!(flat["symbols"], body["symbols"]);

    // Documents: GET .../symbols, with and without the outline.
    let r = s
        .client
        .put(s.url("/v1/documents/d1"))
        .json(&json!({ "content": SOURCE, "language": "python" }))
        .send()
        .expect("open");
    assert_eq!(r.status(), 200);
    let (status, doc) = json_of(s.get("/v1/documents/d1/symbols?outline=true"));
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["symbols"], body["symbols"]);
    assert_eq!(doc["outline"], body["outline"]);
    let (_, doc_flat) = json_of(s.get("/v1/documents/d1/symbols"));
    assert!(doc_flat.get("outline").is_none());
    let (status, missing) = json_of(s.get("/v1/documents/nope/symbols"));
    assert_eq!(
        (status, missing["error"]["code"].as_str()),
        (404, Some("document_not_found"))
    );
}

/// Asks for SOURCE's symbols and checks they are the ones its extraction gives.
fn source_symbols_are_the_extracted_ones(s: &Server) -> serde_json::Value {
    let (status, body) = s.post_json("/v1/symbols", json!({ "content": SOURCE, "path": "g.py" }));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        names(&body["symbols"]),
        ["Greeter", "__init__", "greet", "main"]
    );
    body
}

/// A cache directory and the daemon's config over it, Python, and a cacheless analyzer (to
/// make the entries a test stores there by hand).
fn stored_entries_setup() -> (
    tempfile::TempDir,
    syntaxd::config::Config,
    &'static syntaxd::language::Language,
    Analyzer,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = config(|_| {});
    cfg.cache.dir = dir.path().join("cache").display().to_string();
    let python = registry()
        .language_for_name("python")
        .expect("python is registered");
    let analyzer = Analyzer::new(
        ParseEngine::new(EngineConfig::default()),
        None,
        1 << 20,
        Duration::from_secs(10),
    );
    (dir, cfg, python, analyzer)
}

#[test]
fn an_entry_stored_without_usable_symbols_is_re_extracted_not_a_500() {
    let (dir, cfg, python, analyzer) = stored_entries_setup();
    let stale = "def old_format():\n    pass\n";
    {
        let (cache, _) =
            Cache::open(cfg.cache_config(), &prometheus::Registry::new()).expect("cache opens");
        // As stored when extraction failed (or was cut by a deadline): no symbols at all.
        let (mut failed, _, _) = analyzer
            .parse_entry(python, SOURCE.as_bytes().to_vec(), CancelHandle::new())
            .expect("parses");
        failed.symbols = None;
        // As stored by symbols format 1 (no `symbols_format`, un-normalised kinds).
        let (mut old, _, _) = analyzer
            .parse_entry(python, stale.as_bytes().to_vec(), CancelHandle::new())
            .expect("parses");
        old.symbols = Some(
            br#"{"symbols":[{"name":"old_format","kind":"function","role":"definition","range":{"start":{"byte":0,"row":0,"column":0},"end":{"byte":26,"row":1,"column":8}},"name_range":{"start":{"byte":4,"row":0,"column":4},"end":{"byte":14,"row":0,"column":14}},"parent":null}],"complete":true,"incomplete_reason":null}"#
                .to_vec(),
        );
        cache.put_many(vec![failed, old]).expect("stored");
        cache.flush().expect("flushed");
    }
    let s = Server::start_in(cfg, dir);
    for _ in 0..2 {
        let body = source_symbols_are_the_extracted_ones(&s);
        assert_eq!(body["symbols_format"], 2);
    }
    let (status, body) = s.post_json("/v1/symbols", json!({ "content": stale, "path": "o.py" }));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["symbols_format"], 2);
    assert_eq!(body["symbols"][0]["lsp_kind"], 12);
}

#[test]
fn symbols_stored_by_another_tags_query_are_extracted_again() {
    let (dir, cfg, python, analyzer) = stored_entries_setup();
    // What a syntaxd whose Python tags query differed stored for SOURCE: a list of the
    // current symbols format with one symbol, as JSON in the entry (as a build that did not
    // name the query wrote it) and packed beside it (naming another query).
    let mut list = analyzer
        .parse_entry(python, SOURCE.as_bytes().to_vec(), CancelHandle::new())
        .map(|(entry, _, _)| entry)
        .expect("parses");
    let mut other: syntaxd::symbols::SymbolsResult =
        serde_json::from_slice(list.symbols.as_deref().expect("symbols")).expect("JSON");
    other.symbols.truncate(1);
    other.symbols[0].name = "from_another_query".to_owned();
    other.tags_query = syntaxd::symbols::tags_query_hash("(class_definition) @definition.class");
    let json = String::from_utf8(other.to_json()).expect("UTF-8");
    // The list as an older build wrote it: no tags query named.
    let older = without_tags_query(&json);
    list.symbols = Some(older.into_bytes());
    list.symbols_packed = Some(syntaxd::symbols::packed::pack(&other));
    {
        let (cache, _) =
            Cache::open(cfg.cache_config(), &prometheus::Registry::new()).expect("cache opens");
        cache.put_many(vec![list]).expect("stored");
        cache.flush().expect("flushed");
        // The CLI's and the workspaces' path: the stored list is not taken.
        let analyzer = Analyzer::new(
            ParseEngine::new(EngineConfig::default()),
            Some(std::sync::Arc::new(cache)),
            1 << 20,
            Duration::from_secs(10),
        );
        assert_eq!(analyzer.lookup_symbol_list(python, SOURCE.as_bytes()), None);
    }
    let s = Server::start_in(cfg, dir);
    for _ in 0..2 {
        let body = source_symbols_are_the_extracted_ones(&s);
        assert_eq!(
            body["tags_query"],
            python.tags_query_hash().expect("a tags query")
        );
    }
}

/// `json` without a `"tags_query":"…",` member (as a build before that field wrote it).
fn without_tags_query(json: &str) -> String {
    match json.find("\"tags_query\":\"") {
        Some(at) => {
            let end = at + json[at..].find("\",").expect("member end") + 2;
            format!("{}{}", &json[..at], &json[end..])
        }
        None => json.to_owned(),
    }
}

/// Byte offset of a (row, byte column) position of `text`.
fn offset(text: &str, row: usize, column: usize) -> usize {
    text.split_inclusive('\n')
        .take(row)
        .map(str::len)
        .sum::<usize>()
        + column
}

/// After PATCHes, a document's symbols (re-extracted only where the edits touched, from the
/// symbols cached with the document) equal those of the same text posted as content, through
/// both document routes; the daemon counts the incremental answers.
#[test]
fn document_symbols_after_edits_equal_those_of_the_same_text_as_content() {
    let s = Server::start(config(|_| {}));
    let mut text = format!("{}{SOURCE}", python_source(30));
    let r = s
        .client
        .put(s.url("/v1/documents/edited"))
        .json(&json!({ "content": text, "language": "python" }))
        .send()
        .expect("open");
    assert_eq!(r.status(), 200);
    let (status, _) = json_of(s.get("/v1/documents/edited/symbols"));
    assert_eq!(status, 200);
    let incremental =
        || gauge(&s, "syntaxd_document_symbols_total{how=\"incremental\"}").unwrap_or(0.0);
    let before = incremental();
    let class_row = text.lines().position(|l| l == "class C10:").expect("C10");
    let func_row = text
        .lines()
        .position(|l| l == "def func_5(a, b):")
        .expect("func_5");
    let main_row = text.lines().position(|l| l == "def main():").expect("main");
    let greeter_row = text
        .lines()
        .position(|l| l == "class Greeter:")
        .expect("Greeter");
    // (row, start column, end column, replacement), each edit above the rows of the later
    // ones: rename a method, change a docstring, give `main` a doc comment, turn a class into
    // a function (its method becomes a nested function), undo the rename, add a function.
    let edits = [
        (class_row + 1, 14, 14, "_renamed"),
        (greeter_row + 1, 4, 17, "\"\"\"Greets loudly.\"\"\""),
        (main_row, 0, 0, "# The entry point.\n"),
        (class_row, 0, 10, "def C10():"),
        (class_row + 1, 14, 22, ""),
        (func_row, 0, 0, "def added(q):\n    return q\n\n\n"),
    ];
    for (version, (row, start, end, new_text)) in edits.into_iter().enumerate() {
        let version = version as i64 + 2;
        let (a, b) = (offset(&text, row, start), offset(&text, row, end));
        text.replace_range(a..b, new_text);
        let (status, patched) = json_of(
            s.client
                .patch(s.url("/v1/documents/edited"))
                .json(&json!({
                    "version": version,
                    "edits": [{
                        "start": { "row": row, "column": start },
                        "end": { "row": row, "column": end },
                        "text": new_text,
                    }],
                }))
                .send()
                .expect("PATCH"),
        );
        assert_eq!(status, 200, "{patched}");
        let (status, expected) = s.post_json(
            "/v1/symbols",
            json!({ "content": text, "path": "edited.py", "outline": true }),
        );
        assert_eq!(status, 200, "{expected}");
        let (status, by_post) = s.post_json(
            "/v1/symbols",
            json!({ "document": "edited", "outline": true }),
        );
        assert_eq!(status, 200, "{by_post}");
        assert_eq!(
            by_post["symbols"], expected["symbols"],
            "after edit {version}"
        );
        assert_eq!(
            by_post["outline"], expected["outline"],
            "after edit {version}"
        );
        assert_eq!(by_post["complete"], true);
        let (_, by_get) = json_of(s.get("/v1/documents/edited/symbols"));
        assert_eq!(
            by_get["symbols"], expected["symbols"],
            "after edit {version}"
        );
    }
    let (_, read) = json_of(s.get("/v1/documents/edited"));
    assert_eq!(read["text"], text.as_str());
    assert!(
        incremental() >= before + 6.0,
        "every answer after an edit should be incremental: {} -> {}",
        before,
        incremental()
    );
}
