//! `syntaxd search DIR QUERY` as users run it: the workspace index built without a daemon on a
//! tree of our own files, text and JSON output in ranking order, `--kind`, `.gitignore` and a
//! symlink out of the tree respected, exit 1 without a match, and a second run from the cache
//! giving the same answer.

#![cfg(all(
    feature = "tree-sitter-python",
    feature = "tree-sitter-rust",
    feature = "tree-sitter-go"
))]

use std::path::Path;
use std::process::Command;

fn syntaxd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_syntaxd"));
    c.env_remove("SYNTAXD_CONFIG").env_remove("RUST_LOG");
    c
}

fn tree(root: &Path, outside: &Path) {
    let write = |base: &Path, rel: &str, text: &str| {
        let path = base.join(rel);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        root,
        "pkg/render.py",
        "class Renderer:\n    def render_page(self):\n        pass\n\n\ndef render(x):\n    return x\n",
    );
    write(
        root,
        "main.rs",
        "fn render_all() {}\n\nstruct RenderQueue;\n",
    );
    write(root, "cmd/run.go", "package main\n\nfunc renderLoop() {}\n");
    write(root, "gen/out.py", "def render_generated():\n    pass\n");
    write(root, ".gitignore", "gen/\n");
    write(outside, "secret.py", "def render_secret():\n    pass\n");
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside, root.join("linked")).expect("symlink");
}

fn search(root: &Path, cache: &Path, args: &[&str]) -> (i32, String) {
    let out = syntaxd()
        .arg("search")
        .arg(root)
        .args(args)
        .arg("--cache-dir")
        .arg(cache)
        .output()
        .expect("runs");
    assert!(
        out.stderr.is_empty() || out.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8"),
    )
}

#[test]
fn search_prints_ranked_symbols_of_a_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("tree");
    let cache = dir.path().join("cache");
    tree(&root, outside.path());

    let (code, text) = search(&root, &cache, &["render", "--definitions"]);
    assert_eq!(code, 0, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "pkg/render.py:6:5 function render",
            "main.rs:1:4 function render_all",
            "cmd/run.go:3:6 function renderLoop",
            "pkg/render.py:2:9 method render_page in Renderer",
            "main.rs:3:8 struct RenderQueue",
            "pkg/render.py:1:7 class Renderer",
        ]
    );

    let (code, json) = search(
        &root,
        &cache,
        &["render", "--kind", "class,struct", "--json"],
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["files"], 3, "{v}");
    let names: Vec<&str> = v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["RenderQueue", "Renderer"]);
    assert_eq!(v["results"][0]["match"], "prefix_ignore_case");
    assert_eq!(v["results"][0]["path"], "main.rs");

    // Ignored and linked files are not searched; no match exits 1.
    for name in ["render_generated", "render_secret"] {
        let (_, text) = search(&root, &cache, &[name, "--definitions"]);
        assert!(!text.contains(name), "{name}: {text}");
    }
    let (code, text) = search(&root, &cache, &["zzzqqq"]);
    assert_eq!((code, text.as_str()), (1, ""));

    // A second run (answered from the cache) gives the same answer.
    let (_, again) = search(&root, &cache, &["render", "--definitions"]);
    assert_eq!(again, text_of(&lines));
}

fn text_of(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}
