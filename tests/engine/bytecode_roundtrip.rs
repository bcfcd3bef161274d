//! Round-trip tests: encode → verify → decode → `to_sexp` equals tree-sitter's, on snippets
//! we wrote ourselves (errors, MISSING nodes, extras, fields, empty and deeply nested input).

use syntaxd::bytecode::{DecodedTree, EncodeMeta, decode, encode, read_header, verify};
use tree_sitter::{Language, Parser, Tree};

/// Parses, encodes, verifies and compares the S-expression; returns the pieces for more checks.
#[allow(dead_code)]
fn round_trip(
    language: &Language,
    language_id: &str,
    source: &str,
) -> (Tree, Vec<u8>, DecodedTree) {
    let mut parser = Parser::new();
    parser
        .set_language(language)
        .expect("grammar is ABI-compatible with the linked tree-sitter");
    let tree = parser
        .parse(source, None)
        .expect("parsing without a timeout or cancellation always yields a tree");
    let meta = EncodeMeta {
        language_id,
        grammar_version: "test",
    };
    let bytes = encode(&tree, source.as_bytes(), &meta);
    let stats = verify(&tree, source.as_bytes(), &bytes)
        .unwrap_or_else(|e| panic!("verify failed for {language_id} source {source:?}: {e}"));
    let decoded = decode(&bytes).expect("fresh encoding decodes");
    assert_eq!(stats.nodes, decoded.len());
    assert_eq!(
        decoded.to_sexp(language),
        tree.root_node().to_sexp(),
        "to_sexp differs for {language_id} source {source:?}"
    );
    let header = read_header(&bytes).expect("fresh header parses");
    assert_eq!(header.language_id, language_id);
    assert_eq!(header.grammar_version, "test");
    assert_eq!(header.source_len, source.len() as u64);
    (tree, bytes, decoded)
}

#[allow(dead_code)]
fn count(
    decoded: &DecodedTree,
    pred: impl Fn(&DecodedTree, syntaxd::bytecode::NodeId) -> bool,
) -> usize {
    decoded.nodes().filter(|&n| pred(decoded, n)).count()
}

#[cfg(feature = "tree-sitter-python")]
mod python {
    use super::*;

    fn lang() -> Language {
        tree_sitter_python::LANGUAGE.into()
    }

    #[test]
    fn python_functions_classes_fields_and_comments_round_trip() {
        let src = r#"# leading comment
import os, sys as system
from . import thing  # trailing comment

@decorator(arg=1)
class Greeter(Base, metaclass=Meta):
    """Docstring."""

    def __init__(self, name: str = "world", *args, **kwargs) -> None:
        self.name = name  # set
        print(f"hello {name!r:>10} and {self.name}")

    async def run(self):
        async with lock as l:
            return [x ** 2 for x in range(10) if x % 2]
        yield from other()
        lambda a, b=2: a + b
        match command.split():
            case [action]:
                pass
            case _:
                raise ValueError("bad") from None
"#;
        let (_, _, decoded) = round_trip(&lang(), "python", src);
        assert!(
            count(&decoded, |d, n| d.is_extra(n)) >= 3,
            "comments are extras"
        );
        assert!(count(&decoded, |d, n| d.field_id(n).is_some()) > 10);
    }

    #[test]
    fn python_errors_and_missing_nodes_round_trip() {
        let (mut saw_missing, mut saw_error, mut saw_unexpected) = (false, false, false);
        for src in [
            "def f(:\n    pass\n",
            "x = (1 +\n",
            "print(\"unterminated\n",
            "class A\n    def f(self): return 1\n",
            "if x\n  y = 1\n",
            "a = [1, 2,, 3]\n$ ` ?\n",
            "def f():\nreturn 1\n",
            "x = 1 +* 2\n\x01\x02\n",
        ] {
            let (tree, _, decoded) = round_trip(&lang(), "python", src);
            assert_eq!(
                tree.root_node().has_error(),
                decoded.has_error(decoded.root())
            );
            saw_missing |= decoded.nodes().any(|n| decoded.is_missing(n));
            saw_error |= decoded.nodes().any(|n| decoded.is_error(n));
            saw_unexpected |= decoded.to_sexp(&lang()).contains("(UNEXPECTED ");
        }
        assert!(saw_missing && saw_error && saw_unexpected);
    }

    #[test]
    fn python_empty_and_whitespace_only_sources_round_trip() {
        for src in ["", "\n", "   \n\n  ", "# only a comment", "\r\n\r\n"] {
            let (_, _, decoded) = round_trip(&lang(), "python", src);
            assert!(!decoded.is_empty());
        }
    }

    #[test]
    fn python_non_ascii_and_crlf_positions_are_exact() {
        let src = "s = 'héllo wörld'\r\nt = \"日本語\"  # 注釈\r\nu = s + t\n";
        round_trip(&lang(), "python", src);
    }

    #[test]
    fn python_lookups_by_byte_and_point_match_tree_sitter() {
        let src = "def f(a, b):\n    return a + b  # sum\n\nx = f(1, 2)\n";
        let (tree, _, decoded) = round_trip(&lang(), "python", src);
        let lines = decoded.line_index(src.as_bytes()).expect("same source");
        let root = tree.root_node();
        for byte in 0..=src.len() + 1 {
            let live = root
                .descendant_for_byte_range(byte, byte)
                .expect("the root always contains the range");
            let got = decoded.node_at_byte(byte);
            assert_eq!(
                (live.kind_id(), live.start_byte(), live.end_byte()),
                (
                    decoded.kind_id(got),
                    decoded.start_byte(got),
                    decoded.end_byte(got)
                ),
                "node_at_byte({byte})"
            );
            let live = root
                .named_descendant_for_byte_range(byte, byte)
                .expect("the root always contains the range");
            let got = decoded.named_node_at_byte(byte);
            assert_eq!(
                (live.kind_id(), live.start_byte(), live.end_byte()),
                (
                    decoded.kind_id(got),
                    decoded.start_byte(got),
                    decoded.end_byte(got)
                ),
                "named_node_at_byte({byte})"
            );
            if byte <= src.len() {
                let point = lines.point_for_byte(byte);
                let live = root
                    .descendant_for_point_range(point, point)
                    .expect("the root always contains the range");
                let got = decoded.node_at_point(point, &lines);
                assert_eq!(
                    (live.kind_id(), live.start_byte(), live.end_byte()),
                    (
                        decoded.kind_id(got),
                        decoded.start_byte(got),
                        decoded.end_byte(got)
                    ),
                    "node_at_point({point:?})"
                );
            }
        }
    }

    #[test]
    fn python_navigation_matches_tree_sitter() {
        let src = "def f(a, b=1):\n    return a\n";
        let (tree, _, decoded) = round_trip(&lang(), "python", src);
        let language = lang();
        let root = decoded.root();
        assert_eq!(decoded.kind(root, &language), Some("module"));
        assert_eq!(decoded.parent(root), None);
        let func = decoded.children(root).next().expect("module has a child");
        assert_eq!(decoded.kind(func, &language), Some("function_definition"));
        assert_eq!(decoded.parent(func), Some(root));
        let fields: Vec<_> = decoded
            .children(func)
            .map(|c| decoded.field_name(c, &language))
            .collect();
        let live = tree.root_node().child(0).expect("module has a child");
        let mut cursor = live.walk();
        let live_fields: Vec<_> = live
            .children(&mut cursor)
            .enumerate()
            .map(|(i, _)| live.field_name_for_child(i as u32))
            .collect();
        assert_eq!(fields, live_fields);
        assert_eq!(
            decoded.named_child_count(func),
            live.named_child_count(),
            "named children"
        );
        let name = decoded
            .child_by_field_id(
                func,
                language
                    .field_id_for_name("name")
                    .expect("field exists")
                    .get(),
            )
            .expect("function has a name");
        assert_eq!(&src[decoded.start_byte(name)..decoded.end_byte(name)], "f");
        let lines = decoded.line_index(src.as_bytes()).expect("same source");
        let ret = decoded
            .nodes()
            .find(|&n| decoded.kind(n, &language) == Some("return_statement"))
            .expect("a return statement");
        assert_eq!(
            decoded.start_point(ret, &lines),
            tree_sitter::Point { row: 1, column: 4 }
        );
        assert!(decoded.line_index(b"other source").is_err());
        let next = decoded
            .next_sibling(name)
            .expect("parameters follow the name");
        assert_eq!(decoded.kind(next, &language), Some("parameters"));
    }

    #[test]
    fn python_deeply_nested_brackets_round_trip_without_recursion() {
        let deep = "[".repeat(100_000);
        round_trip(&lang(), "python", &deep);
        let balanced = format!("x = {}{}\n", "[".repeat(20_000), "]".repeat(20_000));
        let (_, _, decoded) = round_trip(&lang(), "python", &balanced);
        assert!(decoded.len() > 40_000);
    }
}

#[cfg(feature = "tree-sitter-c")]
mod c {
    use super::*;

    fn lang() -> Language {
        tree_sitter_c::LANGUAGE.into()
    }

    #[test]
    fn c_declarations_macros_and_comments_round_trip() {
        let src = r#"/* block comment */
#include <stdio.h>
#define MAX(a, b) ((a) > (b) ? (a) : (b))
typedef struct point { int x, y; } point_t;
static const char *names[] = { "a", "b", [3] = "d" };
int main(int argc, char **argv) {
    // line comment
    for (int i = 0; i < argc; i++) { printf("%s\n", argv[i]); }
    return MAX(argc, 1);
}
"#;
        round_trip(&lang(), "c", src);
    }

    #[test]
    fn c_missing_semicolons_and_errors_round_trip() {
        for src in [
            "int main() { return 0 }",
            "int x = ;\nvoid f( {",
            "struct { int a } s;",
            "int f() { if (x { y(); } }",
            "@@@ int y = 2;",
        ] {
            let (tree, _, _) = round_trip(&lang(), "c", src);
            assert!(tree.root_node().has_error(), "{src:?} should have an error");
        }
    }
}

#[cfg(feature = "tree-sitter-c")]
mod c_hidden_missing {
    use super::*;

    /// tree-sitter prints MISSING tokens of hidden kinds, which no `TreeCursor` visits; the
    /// bytecode carries them as phantoms so `to_sexp` still matches.
    #[test]
    fn c_hidden_missing_tokens_still_print_like_tree_sitter() {
        let language: Language = tree_sitter_c::LANGUAGE.into();
        let mut saw_hidden_missing = false;
        for src in [
            "#define f(a, b) g(a) /* c */",
            "#define f(a) a /* c\n */",
            "#if X\nint a;\n#define f(x) x /* y */",
            "#define A(x) x // c",
        ] {
            let (tree, _, decoded) = round_trip(&language, "c", src);
            let sexp = tree.root_node().to_sexp();
            let visible_missing = decoded.nodes().filter(|&n| decoded.is_missing(n)).count();
            saw_hidden_missing |= sexp.matches("(MISSING").count() > visible_missing;
        }
        assert!(
            saw_hidden_missing,
            "the snippets exercise hidden MISSING tokens"
        );
    }
}

#[cfg(feature = "tree-sitter-rust")]
mod rust {
    use super::*;

    fn lang() -> Language {
        tree_sitter_rust::LANGUAGE.into()
    }

    #[test]
    fn rust_generics_lifetimes_macros_and_attributes_round_trip() {
        let src = r##"//! doc
#[derive(Debug)]
pub struct Wrapper<'a, T: Clone + 'a> { inner: &'a [T] }
impl<'a, T: Clone> Wrapper<'a, T> {
    /// Doc comment.
    pub fn first(&self) -> Option<T> where T: Default {
        let v = vec![1, 2, 3];
        println!("{:?} {}", v, r#"raw"#);
        match self.inner { [x, ..] => Some(x.clone()), [] => None }
    }
}
"##;
        round_trip(&lang(), "rust", src);
    }

    #[test]
    fn rust_errors_round_trip() {
        for src in [
            "fn f( { let x = ; }",
            "struct S { a: i32 b: u8 }",
            "fn main() { let x = 1 }",
        ] {
            round_trip(&lang(), "rust", src);
        }
    }
}

#[cfg(feature = "tree-sitter-javascript")]
mod javascript {
    use super::*;

    fn lang() -> Language {
        tree_sitter_javascript::LANGUAGE.into()
    }

    #[test]
    fn javascript_templates_jsx_and_classes_round_trip() {
        let src = "// c\nconst f = async ({a, b = 2}, ...rest) => `t ${a + b} ${`n${1}`}`;\nclass A extends B { #p = 1; static m() { return <div id=\"x\">{this.#p}</div>; } }\n/re+/g.test('x');\n";
        round_trip(&lang(), "javascript", src);
    }

    #[test]
    fn javascript_error_and_missing_nodes_round_trip() {
        let mut saw_missing = false;
        let mut saw_error = false;
        for src in [
            "let x = ;",
            "function (a, { return a }",
            "if (x) { y() ",
            "const a = {b: 1 c: 2};",
            "let s = 'abc",
            "foo(1, 2",
            "a = b +;\n# §",
        ] {
            let (_, _, decoded) = round_trip(&lang(), "javascript", src);
            saw_missing |= decoded.nodes().any(|n| decoded.is_missing(n));
            saw_error |= decoded.nodes().any(|n| decoded.is_error(n));
        }
        assert!(saw_missing, "the snippets exercise MISSING nodes");
        assert!(saw_error, "the snippets exercise ERROR nodes");
    }
}

#[cfg(feature = "tree-sitter-json")]
mod json {
    use super::*;

    #[test]
    fn json_hundred_thousand_nested_arrays_round_trip() {
        let language: Language = tree_sitter_json::LANGUAGE.into();
        let src = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let (_, _, decoded) = round_trip(&language, "json", &src);
        assert!(decoded.len() >= 200_000);
        round_trip(&language, "json", &"[".repeat(100_000));
    }
}

/// Issue 9 §3: encoding stops when its request is cancelled. `encode_unless` polls its check
/// every few thousand nodes and before the error-tree alignment: never cancelled it is
/// `encode`, byte for byte; cancelled it stops early and says so.
#[cfg(feature = "tree-sitter-python")]
#[test]
fn encoding_stops_when_its_request_is_cancelled() {
    use std::cell::Cell;
    use syntaxd::bytecode::encode_unless;
    let language: Language = tree_sitter_python::LANGUAGE.into();
    let mut parser = Parser::new();
    parser.set_language(&language).expect("grammar");
    let meta = EncodeMeta {
        language_id: "python",
        grammar_version: "test",
    };
    let big: String = (0..2_000)
        .map(|i| format!("def f{i}(a, b):\n    return a * {i} + b\n"))
        .collect();
    let broken = "def f(:\n    return [1, 2\n";
    for source in [big.as_str(), broken] {
        let tree = parser.parse(source, None).expect("tree");
        let full = encode(&tree, source.as_bytes(), &meta);
        assert_eq!(
            encode_unless(&tree, source.as_bytes(), &meta, &|| false),
            Some(full),
            "never cancelled, it is encode"
        );
        let polls = Cell::new(0usize);
        let cut = encode_unless(&tree, source.as_bytes(), &meta, &|| {
            polls.set(polls.get() + 1);
            true
        });
        assert_eq!(cut, None, "cancelled encodings stop");
        assert_eq!(polls.get(), 1, "it stops at the first poll");
    }
}
