//! The CLI as users run it: the real binary, its output and its exit codes.

use crate::corpus;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn syntaxd(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_syntaxd"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(input) = stdin {
        // A command that fails on its arguments may exit before it reads stdin.
        if let Err(e) = child.stdin.take().expect("piped").write_all(input) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "stdin: {e}");
        }
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("the binary exits")
}

#[test]
fn languages_json_lists_every_language_with_the_documented_fields() {
    let out = syntaxd(&["languages", "--format", "json"], None);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows = v.as_array().expect("an array");
    assert!(rows.len() >= 90);
    for row in rows {
        for key in [
            "id",
            "name",
            "aliases",
            "extensions",
            "filenames",
            "shebangs",
            "grammar_crate",
            "grammar_version",
            "queries",
            "available",
        ] {
            assert!(row.get(key).is_some(), "{key} missing in {row}");
        }
    }
    let python = rows
        .iter()
        .find(|r| r["id"] == "python")
        .expect("python listed");
    assert_eq!(python["grammar_crate"], "tree-sitter-python");
    assert!(
        python["extensions"]
            .as_array()
            .expect("array")
            .iter()
            .any(|e| e == "py")
    );
}

#[test]
fn languages_table_and_markdown_render() {
    let table = syntaxd(&["languages"], None);
    assert!(String::from_utf8_lossy(&table.stdout).contains("distinct languages"));
    let md = syntaxd(&["languages", "--format", "markdown"], None);
    assert!(String::from_utf8_lossy(&md.stdout).starts_with("| id |"));
}

#[cfg(feature = "tree-sitter-python")]
#[test]
fn parse_prints_exactly_tree_sitters_sexp() {
    let src = b"import os\n\nclass A:\n    def f(self, x=1):\n        return [x, *os.sep]\n";
    let out = syntaxd(&["parse", "--language", "py", "-"], Some(src));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("loads");
    let tree = parser.parse(src, None).expect("parses");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        tree.root_node().to_sexp()
    );
    assert!(out.stderr.is_empty(), "a clean tree gives no warning");
}

#[cfg(feature = "tree-sitter-python")]
#[test]
fn parse_detects_from_the_path_and_warns_about_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("broken.py");
    std::fs::write(&file, "def f(:\n    pass\n").expect("write");
    let out = syntaxd(&["parse", file.to_str().expect("utf-8 path")], None);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ERROR/MISSING") && stderr.contains("python"),
        "{stderr}"
    );
    let json = syntaxd(
        &[
            "parse",
            "--format",
            "json",
            file.to_str().expect("utf-8 path"),
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON tree");
    assert_eq!(v["kind"], "module");
}

#[test]
fn parse_errors_are_clear_and_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let unknown_ext = dir.path().join("data.nosuchext");
    std::fs::write(&unknown_ext, "hello\n").expect("write");
    let binary = dir.path().join("blob.py");
    std::fs::write(&binary, b"\x7fELF\0\0\0binary").expect("write");
    let cases: [(Vec<&str>, &str); 4] = [
        (
            vec!["parse", "--language", "klingon", "-"],
            "unknown language `klingon`",
        ),
        (
            vec!["parse", unknown_ext.to_str().expect("utf-8")],
            "cannot detect the language",
        ),
        (
            vec!["parse", binary.to_str().expect("utf-8")],
            "looks binary",
        ),
        (vec!["parse", "/definitely/not/here.py"], "cannot read"),
    ];
    for (args, message) in cases {
        let out = syntaxd(&args, Some(b"x"));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[cfg(feature = "tree-sitter-python")]
#[test]
fn bytecode_verify_round_trips_the_whole_python_corpus() {
    let tmp = tempfile::tempdir().expect("tempdir");
    corpus::assemble(tmp.path(), &["python"]);
    let out = syntaxd(
        &[
            "bytecode",
            "verify",
            tmp.path().join("python").to_str().expect("utf-8"),
        ],
        None,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout.lines().last().expect("a summary line");
    let verified: u64 = line
        .strip_prefix("verified=")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("verified=N");
    assert!(verified > 1500, "{line}");
    assert!(line.contains(" failed=0 "), "{line}");
}

#[test]
fn bytecode_verify_fails_on_a_file_it_cannot_read_and_skips_unknown_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("notes.unknownext"), "text").expect("write");
    let out = syntaxd(
        &["bytecode", "verify", dir.path().to_str().expect("utf-8")],
        None,
    );
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "verified=0 failed=0 skipped=1"
    );
    let missing = dir.path().join("gone.py");
    let out = syntaxd(
        &["bytecode", "verify", missing.to_str().expect("utf-8")],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("failed=1"));
}
