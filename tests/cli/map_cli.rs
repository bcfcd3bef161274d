//! `syntaxd map DIR --tokens N` as users run it, on a tree of our own Python files: the most
//! referenced file first, each definition with its line and source line, the budget kept,
//! `--focus` changing the order, the same map twice, JSON output, and a bad budget refused.

#![cfg(feature = "tree-sitter-python")]

use std::path::Path;
use std::process::Command;

fn syntaxd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_syntaxd"));
    c.env_remove("SYNTAXD_CONFIG").env_remove("RUST_LOG");
    c
}

/// `core.py` is used by every other file, `util.py` by two, `leaf.py` by none.
fn tree(root: &Path) {
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        "core.py",
        "class Engine:\n    def start_engine(self, speed):\n        return speed\n\n\ndef make_engine():\n    return Engine()\n",
    );
    write(
        "util.py",
        "from core import make_engine\n\n\ndef helper_tool():\n    return make_engine()\n",
    );
    write(
        "app.py",
        "from core import Engine, make_engine\nfrom util import helper_tool\n\n\ndef run_app():\n    helper_tool()\n    return Engine()\n",
    );
    write(
        "cli.py",
        "from util import helper_tool\nfrom core import make_engine\n\n\ndef cli_main():\n    return helper_tool(), make_engine()\n",
    );
    write("leaf.py", "def lonely_leaf():\n    return 1\n");
}

fn map(root: &Path, cache: &Path, args: &[&str]) -> (i32, String) {
    let out = syntaxd()
        .arg("map")
        .arg(root)
        .args(args)
        .arg("--cache-dir")
        .arg(cache)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8"),
    )
}

fn files_of(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.starts_with(' ')).collect()
}

#[test]
fn map_ranks_files_keeps_the_budget_and_follows_focus() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("tree");
    tree(&root);
    let (code, text) = map(&root, cache.path(), &["--tokens", "1000"]);
    assert_eq!(code, 0, "{text}");
    let files = files_of(&text);
    assert_eq!(files[0], "core.py", "{text}");
    assert_eq!(files.len(), 5, "{text}");
    assert!(
        text.contains("  1: class Engine:\n") && text.contains("  6: def make_engine():\n"),
        "{text}"
    );
    assert!(
        text.contains("  2: def start_engine(self, speed):  [in Engine]\n"),
        "{text}"
    );
    let (_, again) = map(&root, cache.path(), &["--tokens", "1000"]);
    assert_eq!(text, again, "deterministic");

    // The budget: estimated tokens (bytes / 4 per line, rounded up) stay within it.
    let (_, json) = map(&root, cache.path(), &["--tokens", "20", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let tokens = v["tokens"].as_u64().expect("tokens");
    assert!(tokens <= 20 && tokens > 0, "{v}");
    let estimate: u64 = v["text"]
        .as_str()
        .expect("text")
        .split_inclusive('\n')
        .map(|l| l.len().div_ceil(4) as u64)
        .sum();
    assert_eq!(estimate, tokens);
    assert_eq!(v["files"][0]["path"], "core.py");

    // Focus: the focused leaf comes first.
    let (_, focused) = map(
        &root,
        cache.path(),
        &["--tokens", "1000", "--focus", "leaf.py"],
    );
    assert_eq!(files_of(&focused)[0], "leaf.py", "{focused}");

    let (code, _) = map(&root, cache.path(), &["--tokens", "0"]);
    assert_eq!(code, 2);
}
