//! `syntaxd symbols` as users run it: a sorted ctags file checked line by line on a small
//! tree of our own files, a real headless Vim jumping with it (`vim -t NAME`), the Emacs,
//! ctags-JSON and LSP formats, `.gitignore`, and a second run answered from the cache.

#![cfg(all(
    feature = "tree-sitter-python",
    feature = "tree-sitter-c",
    feature = "tree-sitter-go"
))]

use std::path::{Path, PathBuf};
use std::process::Command;

fn syntaxd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_syntaxd"));
    c.env_remove("SYNTAXD_CONFIG").env_remove("RUST_LOG");
    c
}

const PYTHON: &str = r#"import os


class Greeter:
    """Greets."""

    def __init__(self, name):
        self.name = name

    def greet(self):
        return "hi/there \\ " + self.name


def ratio(a, b):  # a/b, never \0
    return a / b


def a_function_with_a_rather_long_name_and_many_parameters(alpha, beta, gamma, delta, epsilon, zeta, eta):
    return alpha
"#;

const C_SOURCE: &str = "#include <stdio.h>\n\nstruct point { int x; int y; };\n\ntypedef int length;\n\nint add(int a, int b);\n\nint add(int a, int b)\n{\n    return a + b;\n}\n";

const GO: &str = "package shapes\n\n// Shape is a shape.\ntype Shape interface{ Area() int }\n\ntype Square struct{ Side int }\n\nfunc (s Square) Area() int { return s.Side * s.Side }\n";

/// The tree: `src/greet.py`, `src/shapes.go`, `lib/add.c`, and an ignored `build/gen.py`.
fn tree(root: &Path) {
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write("src/greet.py", PYTHON);
    write("src/shapes.go", GO);
    write("lib/add.c", C_SOURCE);
    write("build/gen.py", "def generated():\n    pass\n");
    write(".gitignore", "build/\n");
}

fn run_symbols(dir: &Path, cache: &Path, args: &[&str]) -> (String, serde_json::Value) {
    let out = syntaxd()
        .current_dir(dir)
        .args(["symbols", "--stats", "--cache-dir"])
        .arg(cache)
        .args(args)
        .output()
        .expect("syntaxd runs");
    assert!(
        out.status.success(),
        "syntaxd symbols {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stats = stderr
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no stats line in {stderr}"));
    (String::from_utf8(out.stdout).expect("utf-8 output"), stats)
}

#[test]
fn ctags_output_is_a_sorted_tags_file_with_kinds_lines_and_scopes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("tree");
    tree(&root);
    let (tags, stats) = run_symbols(&root, &tmp.path().join("cache"), &["-R", "."]);
    let lines: Vec<&str> = tags.lines().collect();
    let expected = [
        "!_TAG_FILE_FORMAT\t2\t/extended format; --format=1 will not append ;\" to lines/",
        "!_TAG_FILE_SORTED\t1\t/0=unsorted, 1=sorted, 2=foldcase/",
        "!_TAG_PROGRAM_NAME\tsyntaxd\t/tree-sitter tags queries/",
        "!_TAG_PROGRAM_URL\thttps://github.com/syntaxd/syntaxd\t/official site/",
        &format!("!_TAG_PROGRAM_VERSION\t{}\t//", env!("CARGO_PKG_VERSION")),
        "Area\t./src/shapes.go\t/^func (s Square) Area() int { return s.Side * s.Side }$/;\"\tkind:method\tline:8",
        // An interface's method, scoped by its interface.
        "Area\t./src/shapes.go\t/^type Shape interface{ Area() int }$/;\"\tkind:method\tline:4\tinterface:Shape",
        "Greeter\t./src/greet.py\t/^class Greeter:$/;\"\tkind:class\tline:4",
        "Shape\t./src/shapes.go\t/^type Shape interface{ Area() int }$/;\"\tkind:interface\tline:4",
        "Side\t./src/shapes.go\t/^type Square struct{ Side int }$/;\"\tkind:field\tline:6\tstruct:Square",
        "Square\t./src/shapes.go\t/^type Square struct{ Side int }$/;\"\tkind:struct\tline:6",
        "__init__\t./src/greet.py\t/^    def __init__(self, name):$/;\"\tkind:constructor\tline:7\tclass:Greeter",
        // Cut at 96 bytes of the line: no trailing `$`.
        "a_function_with_a_rather_long_name_and_many_parameters\t./src/greet.py\t/^def a_function_with_a_rather_long_name_and_many_parameters(alpha, beta, gamma, delta, epsilon, z/;\"\tkind:function\tline:18",
        // The prototype on line 7 is not a definition: not listed.
        "add\t./lib/add.c\t/^int add(int a, int b)$/;\"\tkind:function\tline:9",
        "greet\t./src/greet.py\t/^    def greet(self):$/;\"\tkind:method\tline:10\tclass:Greeter",
        "length\t./lib/add.c\t/^typedef int length;$/;\"\tkind:type_alias\tline:5",
        "point\t./lib/add.c\t/^struct point { int x; int y; };$/;\"\tkind:struct\tline:3",
        // `/` and `\` are escaped in the pattern.
        "ratio\t./src/greet.py\t/^def ratio(a, b):  # a\\/b, never \\\\0$/;\"\tkind:function\tline:14",
        "shapes\t./src/shapes.go\t/^package shapes$/;\"\tkind:package\tline:1",
        "x\t./lib/add.c\t/^struct point { int x; int y; };$/;\"\tkind:field\tline:3\tstruct:point",
        "y\t./lib/add.c\t/^struct point { int x; int y; };$/;\"\tkind:field\tline:3\tstruct:point",
    ];
    for (i, (got, want)) in lines.iter().zip(expected.iter()).enumerate() {
        assert_eq!(got, want, "line {}", i + 1);
    }
    assert_eq!(lines.len(), expected.len(), "{tags}");
    // Sorted bytewise, as `LC_ALL=C sort` would.
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, lines);
    assert_eq!(
        stats["files"], 3,
        "the ignored build/ and hidden files are not walked: {stats}"
    );
    assert_eq!(stats["parsed"], 3, "{stats}");
    assert_eq!(stats["errors"], 0, "{stats}");
}

#[test]
fn a_second_run_over_an_unchanged_tree_reads_the_cache() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("tree");
    tree(&root);
    let cache = tmp.path().join("cache");
    let (first, stats) = run_symbols(&root, &cache, &["-R", "."]);
    assert_eq!(
        (stats["parsed"].clone(), stats["cache_hits"].clone()),
        (3.into(), 0.into())
    );
    let (second, stats) = run_symbols(&root, &cache, &["-R", "."]);
    assert_eq!(
        (stats["parsed"].clone(), stats["cache_hits"].clone()),
        (0.into(), 3.into())
    );
    assert_eq!(first, second);
    // An edited file is parsed again; the others still come from the cache.
    std::fs::write(
        root.join("src/greet.py"),
        format!("{PYTHON}\ndef added():\n    pass\n"),
    )
    .expect("edit");
    let (third, stats) = run_symbols(&root, &cache, &["-R", "."]);
    assert_eq!(
        (stats["parsed"].clone(), stats["cache_hits"].clone()),
        (1.into(), 2.into())
    );
    assert!(third.contains("added\t./src/greet.py\t"), "{third}");
}

#[test]
fn a_directory_without_recursion_is_a_usage_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    tree(tmp.path());
    let out = syntaxd()
        .args(["symbols", "--cache-dir"])
        .arg(tmp.path().join("cache"))
        .arg(tmp.path().join("src"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use -R"));
}

/// Runs headless Vim in `dir` with `vim -t NAME` and returns `file:line` of where it jumped.
fn vim_jump(dir: &Path, name: &str) -> String {
    let vim = ["/usr/bin/vim", "/usr/bin/vim.basic"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .or_else(|| which("vim"))
        .expect(
            "Vim is required for this test (the tags file must work with `vim -t NAME`): \
             install it with `apt-get install -y vim` (.ci/run does)",
        );
    let result = dir.join(format!("jump-{name}.txt"));
    let out = Command::new(vim)
        .current_dir(dir)
        .args(["-es", "-N", "-u", "NONE", "-i", "NONE", "-t", name])
        .arg("-c")
        .arg(format!(
            "call writefile([expand('%:.') . ':' . line('.')], '{}')",
            result.display()
        ))
        .args(["-c", "qa!"])
        .output()
        .expect("vim runs");
    std::fs::read_to_string(&result)
        .unwrap_or_else(|e| {
            panic!(
                "vim wrote no result for {name} ({e}); status {:?}, stderr {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        })
        .trim()
        .to_owned()
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}

#[test]
fn vim_jumps_to_every_tag_of_the_generated_tags_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("tree");
    tree(&root);
    let out = syntaxd()
        .current_dir(&root)
        .args([
            "symbols",
            "-R",
            "--format",
            "ctags",
            "-o",
            "tags",
            "--cache-dir",
        ])
        .arg(tmp.path().join("cache"))
        .arg(".")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (name, at) in [
        ("greet", "src/greet.py:10"),
        ("__init__", "src/greet.py:7"),
        ("ratio", "src/greet.py:14"),
        (
            "a_function_with_a_rather_long_name_and_many_parameters",
            "src/greet.py:18",
        ),
        ("add", "lib/add.c:9"),
        ("point", "lib/add.c:3"),
        ("Square", "src/shapes.go:6"),
        ("Area", "src/shapes.go:8"),
    ] {
        assert_eq!(vim_jump(&root, name), at, "vim -t {name}");
    }
}

#[test]
fn etags_json_and_lsp_formats() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("tree");
    tree(&root);
    let cache = tmp.path().join("cache");

    // Emacs TAGS: per file `\x0c\n<path>,<size>\n` and `<prefix>\x7f<name>\x01<line>,<offset>`.
    let (etags, _) = run_symbols(&root, &cache, &["--format", "etags", "lib/add.c"]);
    let body = "struct point\x7fpoint\x013,20\nstruct point { int x\x7fx\x013,20\nstruct point { int x; int y\x7fy\x013,20\ntypedef int length\x7flength\x015,53\nint add\x7fadd\x019,98\n";
    assert_eq!(etags, format!("\x0c\nlib/add.c,{}\n{body}", body.len()));
    // The byte offsets are the lines' starts.
    assert!(C_SOURCE[98..].starts_with("int add(int a, int b)\n{"));
    assert!(C_SOURCE[53..].starts_with("typedef int length;"));

    // ctags JSON lines.
    let (json, _) = run_symbols(&root, &cache, &["--format", "json", "src/greet.py"]);
    let tags: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(
        tags[2],
        serde_json::json!({
            "_type": "tag", "name": "greet", "path": "src/greet.py",
            "pattern": "/^    def greet(self):$/", "language": "python", "line": 10, "end": 11,
            "kind": "method", "scope": "Greeter", "scopeKind": "class",
        })
    );
    assert_eq!(tags.len(), 5);

    // LSP document symbols: nested, LSP kinds, UTF-16 positions.
    let (lsp, _) = run_symbols(&root, &cache, &["--format", "lsp", "src/greet.py"]);
    let doc: serde_json::Value = serde_json::from_str(lsp.trim()).expect("one JSON line");
    assert!(
        doc["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("file:///") && u.ends_with("/tree/src/greet.py"))
    );
    let greeter = &doc["symbols"][0];
    assert_eq!(greeter["name"], "Greeter");
    assert_eq!(greeter["kind"], 5);
    assert_eq!(greeter["detail"], "Greets.");
    assert_eq!(
        greeter["selectionRange"],
        serde_json::json!({"start": {"line": 3, "character": 6}, "end": {"line": 3, "character": 13}})
    );
    let children: Vec<(&str, u64)> = greeter["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().expect("name"),
                c["kind"].as_u64().expect("kind"),
            )
        })
        .collect();
    assert_eq!(children, [("__init__", 9), ("greet", 6)]);
}
