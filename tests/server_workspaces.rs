//! Workspaces over a real socket on a real tree written here (our own small Python, Rust, C and
//! Go sources): open, wait for ready, search (exact, prefix, fuzzy, kind filter, ranking),
//! definitions and references, close, the `max_workspaces` bound, and every path-escape
//! attempt refused: a root outside `workspace.allowed_roots`, a root with `..`, a relative
//! root, a symlink to a directory outside the root (and to `/etc`), a symlinked file, a
//! `.gitignore`d file, an over-size file, a `../` id.

#![cfg(all(
    feature = "tree-sitter-python",
    feature = "tree-sitter-rust",
    feature = "tree-sitter-c",
    feature = "tree-sitter-go"
))]

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::{Server, code, config, json_of};

const PYTHON: &str = "class User:\n    def __init__(self, name):\n        self.name = name\n\n\ndef get_user_name(user):\n    return user.name\n\n\ndef main():\n    print(get_user_name(User(\"a\")))\n";

const RUST: &str = "pub struct Parser {\n    depth: usize,\n}\n\npub fn parse_entry(input: &str) -> usize {\n    input.len()\n}\n";

const C: &str = "int parse_args(int argc, char **argv)\n{\n    return argc;\n}\n";

const GO: &str =
    "package main\n\nfunc parseFlags() int { return 1 }\n\nfunc main() { parseFlags() }\n";

/// Writes the tree under `root`, and `outside` (a directory the root links to).
fn write_tree(root: &Path, outside: &Path) {
    let write = |base: &Path, rel: &str, text: &str| {
        let path = base.join(rel);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(root, "app/models.py", PYTHON);
    write(root, "lib.rs", RUST);
    write(root, "src/util.c", C);
    write(root, "cmd/main.go", GO);
    write(root, "ignored.py", "def ignored_secret_fn():\n    pass\n");
    write(root, "build/gen.py", "def generated_fn():\n    pass\n");
    write(root, ".gitignore", "ignored.py\nbuild/\n");
    // Over `parse.max_source_bytes` (set to 4096 below).
    let mut big = String::from("def big_function():\n    pass\n");
    while big.len() <= 4096 {
        big.push_str("# padding padding padding padding padding padding padding\n");
    }
    write(root, "big.py", &big);
    write(outside, "leak.py", "def leaked_function():\n    pass\n");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside, root.join("outside_dir")).expect("symlink");
        std::os::unix::fs::symlink(outside.join("leak.py"), root.join("leak_link.py"))
            .expect("symlink");
        std::os::unix::fs::symlink("/etc", root.join("etc_link")).expect("symlink");
    }
}

struct Fixture {
    server: Server,
    /// Holds the allowed directory (the tree is `allowed/tree`).
    _allowed: tempfile::TempDir,
    root: std::path::PathBuf,
    outside: tempfile::TempDir,
}

/// The values of `names` in `v`.
fn fields(v: &Value, names: &[&str]) -> Vec<Value> {
    names.iter().map(|n| v[*n].clone()).collect()
}

/// The tree, written at `allowed/tree`: (allowed, outside, root).
fn tree() -> (tempfile::TempDir, tempfile::TempDir, std::path::PathBuf) {
    let allowed = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("tempdir");
    let root = allowed.path().join("tree");
    std::fs::create_dir(&root).expect("mkdir");
    write_tree(&root, outside.path());
    (allowed, outside, root)
}

fn fixture(edit: impl FnOnce(&mut syntaxd::config::Config)) -> Fixture {
    let (allowed, outside, root) = tree();
    let allowed_root = allowed.path().display().to_string();
    let server = Server::start(config(|c| {
        c.workspace.allowed_roots = vec![allowed_root];
        c.parse.max_source_bytes = 4096;
        edit(c);
    }));
    Fixture {
        server,
        _allowed: allowed,
        root,
        outside,
    }
}

fn open(s: &Server, root: &Path) -> (u16, Value) {
    s.post_json(
        "/v1/workspaces",
        json!({ "root": root.display().to_string() }),
    )
}

/// Polls the status until the initial index is done (bounded: 3000 polls).
fn wait_ready(s: &Server, id: &str) -> Value {
    for _ in 0..3000 {
        let (status, body) = json_of(s.get(&format!("/v1/workspaces/{id}")));
        assert_eq!(status, 200, "{body}");
        if body["state"] == "ready" {
            return body;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("workspace {id} never became ready");
}

fn search(s: &Server, id: &str, query: &str) -> Value {
    let (status, body) = json_of(s.get(&format!("/v1/workspaces/{id}/symbols?{query}")));
    assert_eq!(status, 200, "{body}");
    body
}

fn rows(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {}",
                r["path"].as_str().expect("path"),
                r["name"].as_str().expect("name"),
                r["kind"].as_str().expect("kind"),
                r["role"].as_str().expect("role"),
                r["match"].as_str().expect("match"),
            )
        })
        .collect()
}

#[test]
fn a_workspace_is_indexed_in_the_background_and_searched() {
    let f = fixture(|_| {});
    let s = &f.server;
    let (status, opened) = open(s, &f.root);
    assert_eq!(status, 201, "{opened}");
    let id = opened["id"].as_str().expect("id").to_owned();
    let canonical = std::fs::canonicalize(&f.root).expect("canonical");
    assert_eq!(opened["root"], canonical.display().to_string());

    let ready = wait_ready(s, &id);
    // Walked: the four sources and big.py; not the ignored files, not the symlinks.
    assert_eq!(ready["files"], 5, "{ready}");
    assert_eq!(ready["indexed"], 4, "{ready}");
    assert_eq!(ready["skipped"], 1, "big.py is over the size cap: {ready}");
    assert_eq!(fields(&ready, &["errors", "pending"]), [json!(0), json!(0)]);
    assert_eq!(
        ready["languages"],
        json!({ "c": 1, "go": 1, "python": 1, "rust": 1 })
    );
    assert!(
        ready["definitions"].as_u64().expect("definitions") >= 8,
        "{ready}"
    );
    assert!(
        ready["references"].as_u64().expect("references") >= 2,
        "{ready}"
    );
    assert!(ready["index_bytes"].as_u64().expect("bytes") > 0);
    let generation = ready["generation"].as_u64().expect("generation");
    assert!(generation >= 1, "{ready}");

    // Opening the same root again answers the same workspace.
    let (status, again) = open(s, &f.root.join("app").join("..").join("app"));
    assert_eq!(
        status, 400,
        "`..` is refused even when it stays inside: {again}"
    );
    let (status, again) = open(s, &canonical);
    assert_eq!((status, again["id"].as_str()), (200, Some(id.as_str())));

    // Exact: the definition, then the reference (a call), both exact (a name reference: the registry query tags definitions only); the answer's generation.
    let exact = search(s, &id, "q=get_user_name");
    assert_eq!(exact["generation"], generation);
    assert_eq!(exact["state"], "ready");
    let exact_rows = rows(&exact);
    assert_eq!(
        exact_rows[..2],
        [
            "app/models.py get_user_name function definition exact",
            "app/models.py get_user_name name reference exact",
        ]
    );
    let first = &exact["results"][0];
    assert_eq!(first["language"], "python");
    assert_eq!(first["range"]["start"]["row"], 5);
    assert_eq!(first["range"]["start"]["column"], 4);

    // Prefix: definitions by kind, then shallower paths, then path; `Parser` (prefix ignoring
    // case) after the case-sensitive prefixes.
    let prefix = rows(&search(s, &id, "q=parse&role=definition"));
    assert_eq!(
        prefix,
        [
            "lib.rs parse_entry function definition prefix",
            "cmd/main.go parseFlags function definition prefix",
            "src/util.c parse_args function definition prefix",
            "lib.rs Parser struct definition prefix_ignore_case",
        ]
    );

    // Fuzzy.
    let fuzzy = search(s, &id, "q=gun&role=definition");
    assert_eq!(fuzzy["results"][0]["name"], "get_user_name");
    assert_eq!(fuzzy["results"][0]["match"], "fuzzy");
    assert!(fuzzy["results"][0]["score"].as_u64().is_some());

    // Kind filter and container.
    let class = search(s, &id, "q=user&kind=class");
    assert_eq!(
        rows(&class),
        ["app/models.py User class definition exact_ignore_case"]
    );
    let init = search(s, &id, "q=__init__");
    assert_eq!(init["results"][0]["container"], "User");
    assert_eq!(init["results"][0]["kind"], "constructor");

    // The limit.
    let one = search(s, &id, "q=parse&limit=1");
    assert_eq!(one["results"].as_array().map(Vec::len), Some(1));

    // Definitions and references by exact name.
    let (status, defs) =
        json_of(s.get(&format!("/v1/workspaces/{id}/definitions?name=parseFlags")));
    assert_eq!(status, 200, "{defs}");
    assert_eq!(
        rows(&defs),
        ["cmd/main.go parseFlags function definition exact"]
    );
    let (_, refs) = json_of(s.get(&format!("/v1/workspaces/{id}/references?name=parseFlags")));
    assert_eq!(rows(&refs), ["cmd/main.go parseFlags name reference exact"]);
    assert_eq!(refs["results"][0]["range"]["start"]["row"], 4);
    let (_, none) = json_of(s.get(&format!("/v1/workspaces/{id}/definitions?name=parse")));
    assert_eq!(none["results"], json!([]), "exact names only");

    // Nothing from ignored, over-size or linked files.
    for name in [
        "ignored_secret_fn",
        "generated_fn",
        "big_function",
        "leaked_function",
    ] {
        let body = search(s, &id, &format!("q={name}"));
        assert!(
            !rows(&body).iter().any(|r| r.contains(name)),
            "{name} must not be indexed: {body}"
        );
    }
    let everything = search(s, &id, "q=e&limit=1000");
    for r in everything["results"].as_array().expect("results") {
        let path = r["path"].as_str().expect("path");
        assert!(
            !path.starts_with("outside_dir")
                && !path.starts_with("etc_link")
                && path != "leak_link.py",
            "a symlink was followed: {path}"
        );
    }

    // Listed, then closed.
    let (_, list) = json_of(s.get("/v1/workspaces"));
    assert_eq!(list["workspaces"][0]["id"], id.as_str());
    let deleted = s
        .client
        .delete(s.url(&format!("/v1/workspaces/{id}")))
        .send()
        .expect("DELETE");
    assert_eq!(deleted.status().as_u16(), 204);
    let (status, gone) = json_of(s.get(&format!("/v1/workspaces/{id}")));
    assert_eq!((status, code(&gone)), (404, "workspace_not_found"));
    let (status, gone) = json_of(s.get(&format!("/v1/workspaces/{id}/symbols?q=User")));
    assert_eq!((status, code(&gone)), (404, "workspace_not_found"));
    let (_, list) = json_of(s.get("/v1/workspaces"));
    assert_eq!(list["workspaces"], json!([]));
}

#[test]
fn roots_outside_the_allow_list_or_with_dot_dot_are_refused() {
    let f = fixture(|_| {});
    let s = &f.server;
    // A real directory outside `workspace.allowed_roots`.
    let (status, body) = open(s, f.outside.path());
    assert_eq!(
        (status, code(&body)),
        (403, "workspace_root_not_allowed"),
        "{body}"
    );
    // Through a symlink inside the allowed directory: canonicalised first, still outside.
    let (status, body) = open(s, &f.root.join("outside_dir"));
    assert_eq!(
        (status, code(&body)),
        (403, "workspace_root_not_allowed"),
        "{body}"
    );
    let (status, body) = open(s, Path::new("/etc"));
    assert_eq!(
        (status, code(&body)),
        (403, "workspace_root_not_allowed"),
        "{body}"
    );
    // `..` out of the allowed directory, and `..` at all.
    let escape = f.root.join("..").join("..");
    let (status, body) = open(s, &escape);
    assert_eq!(
        (status, code(&body)),
        (400, "invalid_workspace_root"),
        "{body}"
    );
    // Relative, missing.
    let (status, body) = s.post_json("/v1/workspaces", json!({ "root": "tree" }));
    assert_eq!(
        (status, code(&body)),
        (400, "invalid_workspace_root"),
        "{body}"
    );
    let (status, body) = open(s, &f.root.join("no-such-dir"));
    assert_eq!(
        (status, code(&body)),
        (400, "invalid_workspace_root"),
        "{body}"
    );
    // An id that tries to climb is just not found.
    let (status, body) = json_of(s.get("/v1/workspaces/..%2F..%2Fetc"));
    assert_eq!(
        (status, code(&body)),
        (404, "workspace_not_found"),
        "{body}"
    );
    let (_, list) = json_of(s.get("/v1/workspaces"));
    assert_eq!(list["workspaces"], json!([]));
}

#[test]
fn without_allowed_roots_no_workspace_opens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Server::start(config(|_| {}));
    let (status, body) = open(&s, dir.path());
    assert_eq!(
        (status, code(&body)),
        (403, "workspace_root_not_allowed"),
        "{body}"
    );
}

#[test]
fn max_workspaces_bounds_the_open_workspaces() {
    let f = fixture(|c| c.workspace.max_workspaces = 2);
    let s = &f.server;
    let a = open(s, &f.root.join("app"));
    let b = open(s, &f.root.join("cmd"));
    assert_eq!((a.0, b.0), (201, 201), "{a:?} {b:?}");
    let (status, body) = open(s, &f.root.join("src"));
    assert_eq!(
        (status, code(&body)),
        (409, "too_many_workspaces"),
        "{body}"
    );
    // Reopening one already open is not a new workspace.
    assert_eq!(open(s, &f.root.join("app")).0, 200);
    let id = a.1["id"].as_str().expect("id");
    let deleted = s
        .client
        .delete(s.url(&format!("/v1/workspaces/{id}")))
        .send()
        .expect("DELETE");
    assert_eq!(deleted.status().as_u16(), 204);
    let (status, body) = open(s, &f.root.join("src"));
    assert_eq!(status, 201, "{body}");
    let ready = wait_ready(s, body["id"].as_str().expect("id"));
    assert_eq!(ready["languages"], json!({ "c": 1 }));
}

#[test]
fn workspace_routes_need_the_token_and_check_their_parameters() {
    let f = fixture(|c| c.server.auth_token = "s3cret".to_string());
    let s = &f.server;
    let (status, body) = open(s, &f.root);
    assert_eq!((status, code(&body)), (401, "unauthorized"), "{body}");
    let opened = s
        .client
        .post(s.url("/v1/workspaces"))
        .bearer_auth("s3cret")
        .json(&json!({ "root": f.root.display().to_string() }))
        .send()
        .expect("POST");
    let (status, body) = json_of(opened);
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().expect("id");
    let get = |path: &str| {
        json_of(
            s.client
                .get(s.url(path))
                .bearer_auth("s3cret")
                .send()
                .expect("GET"),
        )
    };
    let (status, body) = get(&format!("/v1/workspaces/{id}/symbols?q="));
    assert_eq!((status, code(&body)), (400, "invalid_search"), "{body}");
    let (status, body) = get(&format!("/v1/workspaces/{id}/symbols?q=a&role=both"));
    assert_eq!((status, code(&body)), (400, "invalid_search"), "{body}");
    let (status, body) = get(&format!("/v1/workspaces/{id}/symbols"));
    assert_eq!((status, code(&body)), (400, "invalid_request"), "{body}");
}

/// Polls `f` until it holds: at most 600 polls 50 ms apart (a generous 30 s overall bound for a
/// loaded machine; nothing asserts how fast a change shows).
fn until(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..600 {
        if f() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("never happened: {what}");
}

/// The paths of the definitions named `name`.
fn defined_in(s: &Server, id: &str, name: &str) -> Vec<String> {
    let (status, body) = json_of(s.get(&format!("/v1/workspaces/{id}/definitions?name={name}")));
    assert_eq!(status, 200, "{body}");
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["path"].as_str().expect("path").to_owned())
        .collect()
}

fn put_document(s: &Server, doc: &str, body: Value) -> (u16, Value) {
    json_of(
        s.client
            .put(s.url(&format!("/v1/documents/{doc}")))
            .json(&body)
            .send()
            .expect("PUT"),
    )
}

#[test]
fn a_live_workspace_follows_writes_renames_deletes_and_open_documents() {
    // One open document at most: opening another evicts the first.
    let f = fixture(|c| c.documents.max_documents = 1);
    let s = &f.server;
    let (status, opened) = open(s, &f.root);
    assert_eq!(status, 201, "{opened}");
    let id = opened["id"].as_str().expect("id").to_owned();
    let ready = wait_ready(s, &id);
    assert_eq!(ready["watching"], true, "{ready}");
    let generation = |s: &Server| {
        let (_, st) = json_of(s.get(&format!("/v1/workspaces/{id}")));
        (
            st["generation"].as_u64().expect("generation"),
            st["last_change_unix_ms"].as_u64().expect("last change"),
        )
    };
    let root = &f.root;

    // A new file (in a new directory) appears.
    let before = generation(s);
    std::fs::create_dir(root.join("pkg")).expect("mkdir");
    std::fs::write(
        root.join("pkg/fresh.py"),
        "def brand_new_function():\n    pass\n",
    )
    .expect("write");
    until("the new file's definition is found", || {
        defined_in(s, &id, "brand_new_function") == ["pkg/fresh.py"]
    });
    let after = generation(s);
    assert!(
        after.0 > before.0 && after.1 >= before.1,
        "{before:?} {after:?}"
    );

    // A definition renamed in place: the old name is gone, the new one found.
    std::fs::write(
        root.join("pkg/fresh.py"),
        "def renamed_function():\n    pass\n",
    )
    .expect("write");
    until("the new name replaces the old", || {
        defined_in(s, &id, "renamed_function") == ["pkg/fresh.py"]
            && defined_in(s, &id, "brand_new_function").is_empty()
    });
    assert!(generation(s).0 > after.0);

    // A rename: found under the new path only.
    std::fs::rename(root.join("pkg/fresh.py"), root.join("moved.py")).expect("rename");
    until("found under the new path only", || {
        defined_in(s, &id, "renamed_function") == ["moved.py"]
    });

    // A directory renamed: its files move with it.
    std::fs::rename(root.join("pkg"), root.join("pkg2")).expect("rename dir");
    std::fs::write(root.join("pkg2/inner.py"), "def inner_fn():\n    pass\n").expect("write");
    until("a file of a renamed directory is found", || {
        defined_in(s, &id, "inner_fn") == ["pkg2/inner.py"]
    });

    // A delete: gone.
    std::fs::remove_file(root.join("moved.py")).expect("rm");
    until("the deleted file's definition is gone", || {
        defined_in(s, &id, "renamed_function").is_empty()
    });

    // Files that the walk would not index stay out: an ignored file, a file in an ignored
    // directory, a symlink to a file outside the root. A file written after them is the
    // sentinel: once it is found, the earlier writes were seen too.
    std::fs::write(
        root.join("ignored.py"),
        "def late_ignored_fn():\n    pass\n",
    )
    .expect("write");
    std::fs::write(
        root.join("build/late.py"),
        "def late_build_fn():\n    pass\n",
    )
    .expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(f.outside.path().join("leak.py"), root.join("late_link.py"))
        .expect("symlink");
    std::fs::write(root.join("sentinel.py"), "def sentinel_fn():\n    pass\n").expect("write");
    until("the sentinel is found", || {
        defined_in(s, &id, "sentinel_fn") == ["sentinel.py"]
    });
    for name in ["late_ignored_fn", "late_build_fn", "leaked_function"] {
        assert!(defined_in(s, &id, name).is_empty(), "{name} must stay out");
    }

    // An open document stands for its workspace file: no save needed.
    let (status, body) = put_document(
        s,
        "editor-1",
        json!({"content": "def from_the_editor():\n    pass\n", "workspace": id, "path": "app/models.py"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(defined_in(s, &id, "from_the_editor"), ["app/models.py"]);
    assert!(
        defined_in(s, &id, "get_user_name").is_empty(),
        "the disk's text is shadowed"
    );
    let patched = s
        .client
        .patch(s.url("/v1/documents/editor-1"))
        .json(&json!({"version": 2, "edits": [{"start": {"row": 0, "column": 4}, "end": {"row": 0, "column": 19}, "text": "edited_in_editor"}]}))
        .send()
        .expect("PATCH");
    assert_eq!(patched.status().as_u16(), 200);
    assert_eq!(defined_in(s, &id, "edited_in_editor"), ["app/models.py"]);
    assert!(defined_in(s, &id, "from_the_editor").is_empty());
    // A save of other text while the document is open does not replace the document's view.
    let disk = std::fs::read_to_string(root.join("app/models.py")).expect("read");
    std::fs::write(
        root.join("app/models.py"),
        format!("{disk}\ndef saved_fn():\n    pass\n"),
    )
    .expect("write");
    std::fs::write(root.join("sentinel2.py"), "def sentinel_two():\n    pass\n").expect("write");
    until("the second sentinel is found", || {
        defined_in(s, &id, "sentinel_two") == ["sentinel2.py"]
    });
    assert_eq!(defined_in(s, &id, "edited_in_editor"), ["app/models.py"]);
    // Closing the document: the file is indexed from the disk again.
    let closed = s
        .client
        .delete(s.url("/v1/documents/editor-1"))
        .send()
        .expect("DELETE");
    assert_eq!(closed.status().as_u16(), 204);
    until("the disk's text is back", || {
        defined_in(s, &id, "saved_fn") == ["app/models.py"]
            && defined_in(s, &id, "edited_in_editor").is_empty()
    });

    // Bindings are checked: an escaping or ignored path, an unknown workspace.
    for (path, code_wanted) in [
        ("../x.py", "invalid_document_path"),
        ("/etc/passwd", "invalid_document_path"),
        ("ignored.py", "invalid_document_path"),
        ("leak_link.py", "invalid_document_path"),
        (".git/x.py", "invalid_document_path"),
    ] {
        let (status, body) = put_document(
            s,
            "editor-2",
            json!({"content": "x = 1\n", "language": "python", "workspace": id, "path": path}),
        );
        assert_eq!((status, code(&body)), (400, code_wanted), "{path}: {body}");
    }
    let (status, body) = put_document(
        s,
        "editor-2",
        json!({"content": "x = 1\n", "language": "python", "workspace": "0123456789abcdef", "path": "a.py"}),
    );
    assert_eq!(
        (status, code(&body)),
        (404, "workspace_not_found"),
        "{body}"
    );

    // A bound document evicted from the documents table (not closed) stops shadowing its file.
    let (status, body) = put_document(
        s,
        "editor-3",
        json!({"content": "def evicted_view():\n    pass\n", "workspace": id, "path": "app/models.py"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(defined_in(s, &id, "evicted_view"), ["app/models.py"]);
    let (status, body) = put_document(
        s,
        "unrelated",
        json!({"content": "x = 1\n", "language": "python"}),
    );
    assert_eq!((status, body["evicted"].as_u64()), (200, Some(1)), "{body}");
    until(
        "the evicted document's view is replaced by the disk's",
        || {
            defined_in(s, &id, "saved_fn") == ["app/models.py"]
                && defined_in(s, &id, "evicted_view").is_empty()
        },
    );

    // Closing the workspace stops its watcher thread.
    let deleted = s
        .client
        .delete(s.url(&format!("/v1/workspaces/{id}")))
        .send()
        .expect("DELETE");
    assert_eq!(deleted.status().as_u16(), 204);
    until("the watcher thread has ended", || {
        support::gauge(s, "syntaxd_workspace_watchers") == Some(0.0)
    });
}

#[test]
fn the_repo_map_keeps_its_budget_follows_focus_and_is_deterministic() {
    let f = fixture(|c| c.workspace.max_map_tokens = 4096);
    let s = &f.server;
    let write = |rel: &str, text: &str| {
        let path = f.root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    // `hub.py` is referenced by three files; `spoke.py` by none.
    write(
        "m/hub.py",
        "class HubEngine:\n    def hub_start(self):\n        return 1\n\n\ndef hub_make():\n    return HubEngine()\n",
    );
    for (i, name) in ["one", "two", "three"].iter().enumerate() {
        write(
            &format!("m/user_{name}.py"),
            &format!(
                "from hub import hub_make, HubEngine\n\n\ndef user_{i}():\n    return hub_make(), HubEngine()\n"
            ),
        );
    }
    write("m/spoke.py", "def spoke_alone():\n    return 2\n");
    let (status, opened) = open(s, &f.root);
    assert_eq!(status, 201, "{opened}");
    let id = opened["id"].as_str().expect("id").to_owned();
    wait_ready(s, &id);
    let map = |query: &str| -> Value {
        let (status, body) = json_of(s.get(&format!("/v1/workspaces/{id}/map?{query}")));
        assert_eq!(status, 200, "{body}");
        body
    };
    let paths = |body: &Value| -> Vec<String> {
        body["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| f["path"].as_str().expect("path").to_owned())
            .collect()
    };
    let full = map("tokens=4096");
    assert_eq!(paths(&full)[0], "m/hub.py", "{full}");
    assert!(
        full["text"]
            .as_str()
            .expect("text")
            .starts_with("m/hub.py\n  1: class HubEngine:\n"),
        "{full}"
    );
    assert_eq!(
        full,
        map("tokens=4096"),
        "the same map for the same generation"
    );
    for budget in [5, 16, 40, 100] {
        let small = map(&format!("tokens={budget}"));
        let tokens = small["tokens"].as_u64().expect("tokens");
        assert!(tokens <= budget, "{small}");
        let text = small["text"].as_str().expect("text");
        let estimate: u64 = text
            .split_inclusive('\n')
            .map(|l| l.len().div_ceil(4) as u64)
            .sum();
        assert_eq!(estimate, tokens, "{small}");
    }
    let focused = map("tokens=4096&focus=m/spoke.py");
    assert_eq!(paths(&focused)[0], "m/spoke.py", "{focused}");
    assert_ne!(paths(&focused), paths(&full));
    for bad in ["tokens=0", "tokens=4097"] {
        let (status, body) = json_of(s.get(&format!("/v1/workspaces/{id}/map?{bad}")));
        assert_eq!((status, code(&body)), (400, "invalid_map"), "{body}");
    }
    let (status, body) = json_of(s.get("/v1/workspaces/0123456789abcdef/map"));
    assert_eq!(
        (status, code(&body)),
        (404, "workspace_not_found"),
        "{body}"
    );
}

/// The settings of the restart tests: the fixture's, with the allowed directory `allowed`.
fn restart_config(allowed: &Path) -> syntaxd::config::Config {
    let allowed_root = allowed.display().to_string();
    config(move |c| {
        c.workspace.allowed_roots = vec![allowed_root];
        c.parse.max_source_bytes = 4096;
    })
}

/// Opens `root` and polls until it is ready and no longer re-checking a restored snapshot.
fn open_and_settle(s: &Server, root: &Path) -> Value {
    let (status, opened) = open(s, root);
    assert_eq!(status, 201, "{opened}");
    let id = opened["id"].as_str().expect("id").to_owned();
    let mut last = Value::Null;
    until("the workspace is ready and re-checked", || {
        last = json_of(s.get(&format!("/v1/workspaces/{id}"))).1;
        last["state"] == "ready" && last["rechecking"] == false
    });
    last
}

#[test]
fn a_restart_restores_the_snapshot_and_re_indexes_only_what_changed_while_down() {
    let (allowed, _outside, root) = tree();
    let s = Server::start(restart_config(allowed.path()));
    let first = open_and_settle(&s, &root);
    assert_eq!(first["restored"], false, "{first}");
    assert_eq!(first["restored_files"], 0, "{first}");
    // A full index looks at every walked file: four sources and the over-size big.py.
    assert_eq!(
        fields(&first, &["files", "reindexed"]),
        [json!(5), json!(5)],
        "{first}"
    );
    let dir = s.stop();

    // While the daemon is down: one file changed, one deleted, one added.
    let models = root.join("app/models.py");
    let mut changed = std::fs::read_to_string(&models).expect("read");
    changed.push_str("\n\ndef changed_while_down():\n    pass\n");
    std::fs::write(&models, changed).expect("write");
    std::fs::remove_file(root.join("cmd/main.go")).expect("rm");
    std::fs::write(root.join("added.py"), "def added_while_down():\n    pass\n").expect("write");

    let s = Server::start_in(restart_config(allowed.path()), dir);
    let second = open_and_settle(&s, &root);
    let id = second["id"].as_str().expect("id").to_owned();
    assert_eq!(second["restored"], true, "{second}");
    assert_eq!(second["restored_files"], 5, "{second}");
    // Only the changed and the added file were read and indexed again.
    assert_eq!(second["reindexed"], 2, "{second}");
    assert_eq!(
        fields(&second, &["files", "indexed", "skipped"]),
        [json!(5), json!(4), json!(1)],
        "{second}"
    );
    assert_eq!(
        second["languages"],
        json!({ "c": 1, "python": 2, "rust": 1 }),
        "{second}"
    );
    assert_eq!(defined_in(&s, &id, "changed_while_down"), ["app/models.py"]);
    assert_eq!(defined_in(&s, &id, "get_user_name"), ["app/models.py"]);
    assert_eq!(defined_in(&s, &id, "added_while_down"), ["added.py"]);
    assert!(defined_in(&s, &id, "parseFlags").is_empty(), "deleted");
    // Files that did not change answer from the snapshot: definitions, references, ranges.
    assert_eq!(defined_in(&s, &id, "parse_entry"), ["lib.rs"]);
    let exact = rows(&search(&s, &id, "q=get_user_name"));
    assert_eq!(
        exact[..2],
        [
            "app/models.py get_user_name function definition exact",
            "app/models.py get_user_name name reference exact",
        ]
    );
    let prefix = search(&s, &id, "q=parse_e");
    assert_eq!(prefix["results"][0]["range"]["start"]["row"], 4, "{prefix}");
    let dir = s.stop();

    // A third start with nothing changed re-indexes nothing.
    let s = Server::start_in(restart_config(allowed.path()), dir);
    let third = open_and_settle(&s, &root);
    assert_eq!(
        fields(&third, &["restored", "restored_files", "reindexed"]),
        [json!(true), json!(5), json!(0)],
        "{third}"
    );
    assert_eq!(defined_in(&s, &id, "added_while_down"), ["added.py"]);
}

/// The snapshot files under a stopped daemon's cache directory.
fn snapshots(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir.join("cache").join("workspaces")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "idx"))
        .collect()
}

#[test]
fn a_damaged_snapshot_is_ignored_and_the_workspace_indexed_in_full() {
    let (allowed, _outside, root) = tree();
    let s = Server::start(restart_config(allowed.path()));
    open_and_settle(&s, &root);
    let mut dir = s.stop();
    type Damage = fn(&mut Vec<u8>);
    let damages: [(&str, Damage); 4] = [
        ("a flipped byte in the middle", |b| {
            let at = b.len() / 2;
            b[at] ^= 0x5a;
        }),
        ("truncated to half", |b| b.truncate(b.len() / 2)),
        ("a flipped byte in the header", |b| b[5] ^= 0xff),
        ("empty", Vec::clear),
    ];
    for (what, damage) in damages {
        let files = snapshots(dir.path());
        assert_eq!(files.len(), 1, "one snapshot before: {what}");
        let mut bytes = std::fs::read(&files[0]).expect("read");
        damage(&mut bytes);
        std::fs::write(&files[0], bytes).expect("write");

        let s = Server::start_in(restart_config(allowed.path()), dir);
        let status = open_and_settle(&s, &root);
        let id = status["id"].as_str().expect("id").to_owned();
        assert_eq!(status["restored"], false, "{what}: {status}");
        assert_eq!(
            fields(&status, &["files", "indexed", "reindexed"]),
            [json!(5), json!(4), json!(5)],
            "{what}: {status}"
        );
        assert_eq!(defined_in(&s, &id, "parse_entry"), ["lib.rs"], "{what}");
        assert_eq!(defined_in(&s, &id, "parseFlags"), ["cmd/main.go"], "{what}");
        let metrics = s.get("/metrics").text().expect("metrics");
        assert!(
            metrics.lines().any(|l| l
                .strip_prefix("syntaxd_workspace_snapshot_loads_total{outcome=\"rejected\"} ")
                .and_then(|v| v.trim().parse::<f64>().ok())
                .is_some_and(|v| v >= 1.0)),
            "{what}: the rejection is counted"
        );
        dir = s.stop();
    }
}

/// The inotify watches the process `pid` holds, as the kernel lists them
/// (`/proc/PID/fdinfo/*`, one `inotify wd:` line per watch).
fn inotify_watches(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fdinfo"))
        .expect("fdinfo")
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|text| {
            text.lines()
                .filter(|l| l.starts_with("inotify wd:"))
                .count()
        })
        .sum()
}

/// A spawned `syntaxd serve --workspace ROOT`, stopped when dropped.
struct Spawned {
    child: std::process::Child,
    base: String,
    client: reqwest::blocking::Client,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Spawned {
    fn start(cache: &Path, root: &Path) -> Spawned {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_syntaxd"))
            .args(["serve", "--listen", "127.0.0.1:0", "--cache-dir"])
            .arg(cache)
            .arg("--workspace")
            .arg(root)
            .env("SYNTAXD_SERVER_ALLOW_UNAUTHENTICATED", "true")
            .env_remove("SYNTAXD_CONFIG")
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn the daemon");
        let base = support::listening_url(&mut child);
        Spawned {
            child,
            base,
            client: reqwest::blocking::Client::new(),
        }
    }

    fn get(&self, path: &str) -> Value {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .expect("GET");
        assert_eq!(r.status().as_u16(), 200, "{path}");
        r.json().expect("JSON")
    }

    /// The one workspace's status.
    fn status(&self) -> Value {
        let list = self.get("/v1/workspaces");
        let id = list["workspaces"][0]["id"]
            .as_str()
            .expect("an id")
            .to_owned();
        self.get(&format!("/v1/workspaces/{id}"))
    }

    fn defines(&self, name: &str) -> bool {
        let id = self.status()["id"].as_str().expect("id").to_owned();
        let body = self.get(&format!("/v1/workspaces/{id}/definitions?name={name}"));
        !body["results"].as_array().expect("results").is_empty()
    }
}

#[test]
fn the_watcher_watches_the_directories_the_walk_enters_and_no_other() {
    let allowed = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("tempdir");
    let root = allowed.path().join("repo");
    let write = |relative: &str, text: &str| {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    // Walked: the root, src, src/pkg, src/pkg/deep.
    write("src/a.py", "def in_a():\n    pass\n");
    write("src/pkg/b.py", "def in_b():\n    pass\n");
    write("src/pkg/deep/c.py", "def in_c():\n    pass\n");
    write(".gitignore", "build/\nnode_modules/\n");
    // Never walked: ignored and hidden trees, and a symlinked directory.
    let deep: String = (0..20).map(|i| format!("d{i}/")).collect();
    write(&format!("build/{deep}x.py"), "def ignored():\n    pass\n");
    for m in 0..10 {
        write(
            &format!("node_modules/m{m}/lib/index.js"),
            "function f() {}\n",
        );
        write(&format!(".git/objects/{m:02}/x"), "object\n");
    }
    std::os::unix::fs::symlink(root.join("build"), root.join("src/linked")).expect("symlink");

    let daemon = Spawned::start(cache.path(), &root);
    let pid = daemon.child.id();
    until("the workspace is ready and watching", || {
        let s = daemon.status();
        s["state"] == "ready" && s["watching"] == true
    });
    assert!(daemon.defines("in_c"));
    assert!(!daemon.defines("ignored"));
    assert_eq!(
        inotify_watches(pid),
        4,
        "the root, src, src/pkg, src/pkg/deep"
    );
    assert_eq!(daemon.status()["watched_dirs"], 4);

    // A new directory tree is watched, and a file written into it before its watch was set is
    // found by the walk that follows.
    write("src/new/inner/d.py", "def in_d():\n    pass\n");
    until("the file in the new directory is indexed", || {
        daemon.defines("in_d")
    });
    until("the new directories are watched", || {
        inotify_watches(pid) == 6
    });
    write("src/new/inner/e.py", "def in_e():\n    pass\n");
    until(
        "a file written later into the new directory is indexed",
        || daemon.defines("in_e"),
    );

    // A renamed directory keeps being watched under its new name (its old watch goes first,
    // so the inode's one watch is not dropped after the new name took it).
    std::fs::rename(root.join("src/new"), root.join("src/moved")).expect("rename");
    until(
        "the renamed directory's files are indexed at their new path",
        || {
            let id = daemon.status()["id"].as_str().expect("id").to_owned();
            let body = daemon.get(&format!("/v1/workspaces/{id}/definitions?name=in_e"));
            body["results"][0]["path"] == "src/moved/inner/e.py"
        },
    );
    write("src/moved/inner/f.py", "def in_f():\n    pass\n");
    until(
        "a file written into the renamed directory is indexed",
        || daemon.defines("in_f"),
    );
    assert_eq!(inotify_watches(pid), 6);

    // New ignored directories take no watch (checked once a file written after them is seen).
    write("build/more/x/y.py", "def ignored_too():\n    pass\n");
    write("node_modules/m0/lib/sub/z.js", "function g() {}\n");
    write("src/sentinel.py", "def sentinel():\n    pass\n");
    until("the sentinel is indexed", || daemon.defines("sentinel"));
    assert!(!daemon.defines("ignored_too"));
    assert_eq!(inotify_watches(pid), 6);
    assert_eq!(daemon.status()["watched_dirs"], 6);

    // A deleted directory's watch goes with it.
    std::fs::remove_dir_all(root.join("src/pkg/deep")).expect("rm");
    until("the deleted directory's file is forgotten", || {
        !daemon.defines("in_c")
    });
    until("its watch is gone", || {
        inotify_watches(pid) == 5 && daemon.status()["watched_dirs"] == 5
    });

    // A directory that stops being ignored is watched: its files are indexed, and later
    // writes under it are seen.
    write(".gitignore", "node_modules/\n");
    until("the formerly ignored tree is indexed", || {
        daemon.defines("ignored")
    });
    until("its 23 directories are watched", || {
        inotify_watches(pid) == 5 + 23 && daemon.status()["watched_dirs"] == 5 + 23
    });
}

#[test]
fn the_repo_map_shows_an_open_document_s_unsaved_lines() {
    let f = fixture(|_| {});
    let s = &f.server;
    let id = open_and_settle(s, &f.root)["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // The editor's text: a definition the disk does not have, on a line the disk's text has
    // something else on, and a changed signature of one it has.
    let unsaved = "# edited\n\ndef get_user_name(user, unsaved_parameter):\n    return user.name\n\n\ndef only_in_the_editor():\n    pass\n";
    let (status, body) = put_document(
        s,
        "editor-map",
        json!({"content": unsaved, "workspace": id, "path": "app/models.py"}),
    );
    assert_eq!(status, 200, "{body}");
    let (status, map) = json_of(s.get(&format!(
        "/v1/workspaces/{id}/map?tokens=2048&focus=app/models.py"
    )));
    assert_eq!(status, 200, "{map}");
    let text = map["text"].as_str().expect("text");
    assert!(
        text.contains("3: def get_user_name(user, unsaved_parameter):"),
        "{text}"
    );
    assert!(text.contains("7: def only_in_the_editor():"), "{text}");
    // Closing the document gives the disk's text back.
    let closed = s
        .client
        .delete(s.url("/v1/documents/editor-map"))
        .send()
        .expect("DELETE");
    assert!(closed.status().is_success());
    until("the map shows the disk's lines again", || {
        let (_, map) = json_of(s.get(&format!(
            "/v1/workspaces/{id}/map?tokens=2048&focus=app/models.py"
        )));
        let text = map["text"].as_str().unwrap_or_default().to_owned();
        text.contains("6: def get_user_name(user):") && !text.contains("only_in_the_editor")
    });
}

#[test]
fn a_failed_snapshot_write_is_retried_without_waiting_for_a_change() {
    let (allowed, _outside, root) = tree();
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().to_path_buf();
    let cache = base.join("cache");
    std::fs::create_dir_all(&cache).expect("mkdir");
    // A file where the snapshots' directory belongs: every write fails while it is there.
    std::fs::write(cache.join("workspaces"), "in the way").expect("write");
    let s = Server::start_in(restart_config(allowed.path()), dir);
    let status = open_and_settle(&s, &root);
    let id = status["id"].as_str().expect("id").to_owned();
    assert!(snapshots(&base).is_empty());
    // The disk recovers; nothing in the tree changes.
    std::fs::remove_file(cache.join("workspaces")).expect("rm");
    until("the snapshot is written by a retry", || {
        snapshots(&base).len() == 1
    });
    let after = json_of(s.get(&format!("/v1/workspaces/{id}"))).1;
    assert_eq!(after["generation"], status["generation"], "no change");
    let dir = s.stop();
    // The retried snapshot is a good one: a restart restores it.
    let s = Server::start_in(restart_config(allowed.path()), dir);
    let restored = open_and_settle(&s, &root);
    assert_eq!(restored["restored"], true, "{restored}");
    assert_eq!(restored["reindexed"], 0, "{restored}");
    let _ = s.stop();
}

#[test]
fn a_watcher_that_fails_says_so_is_restarted_and_finds_what_it_missed() {
    use syntaxd::parse::test_hooks::arm;
    let f = fixture(|_| {});
    let s = &f.server;
    let ready = open_and_settle(s, &f.root);
    let id = ready["id"].as_str().expect("id").to_owned();
    assert_eq!(ready["watching"], true, "{ready}");
    let root = ready["root"].as_str().expect("root").to_owned();
    let failures = || support::gauge(s, "syntaxd_workspace_watcher_failures_total").unwrap_or(0.0);
    let before = failures();

    // The watcher's reader fails on its next wake-up (as a failing poll would), and the first
    // attempt to start a new watcher fails too.
    arm(&format!("workspace_watcher_error:{root}"));
    arm(&format!("workspace_watcher_start:{root}"));
    std::fs::write(
        f.root.join("app/missed.py"),
        "def missed_while_down():\n    pass\n",
    )
    .expect("write");
    // While no watcher runs, the status says so (the first restart waits a second).
    until("the status says the watcher is down", || {
        json_of(s.get(&format!("/v1/workspaces/{id}"))).1["watching"] == false
    });
    assert!(failures() > before, "the failure is counted");
    // A new watcher starts; its rescan finds the file written while none was running, and it
    // sees later changes.
    until("the file written while down is indexed", || {
        defined_in(s, &id, "missed_while_down") == ["app/missed.py"]
    });
    let status = json_of(s.get(&format!("/v1/workspaces/{id}"))).1;
    assert_eq!(status["watching"], true, "{status}");
    assert!(
        status["watched_dirs"].as_u64() >= ready["watched_dirs"].as_u64(),
        "{status}"
    );
    std::fs::write(
        f.root.join("src/after.py"),
        "def written_after_restart():\n    pass\n",
    )
    .expect("write");
    until("the restarted watcher sees a new file", || {
        defined_in(s, &id, "written_after_restart") == ["src/after.py"]
    });
}
