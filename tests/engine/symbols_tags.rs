//! Symbols from the grammar crates' shipped tags queries on snippets we wrote: names, kinds,
//! exact ranges, containers, references on request, and bad input.

use syntaxd::symbols::{
    SymbolConfig, SymbolError, SymbolOptions, SymbolRole, SymbolsResult, extract_symbols,
};
use tree_sitter::{Language, Parser, Tree};

fn parse(language: &Language, source: &[u8]) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(language)
        .expect("grammar ABI is supported");
    parser
        .parse(source, None)
        .expect("no budget set, parse completes")
}

/// (name, kind, role, [start row, col, end row, col], [name start row, col], parent name)
type Row = (
    String,
    String,
    SymbolRole,
    [usize; 4],
    [usize; 2],
    Option<String>,
);

fn rows(result: &SymbolsResult) -> Vec<Row> {
    result
        .symbols
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                s.kind.clone(),
                s.role,
                [
                    s.range.start.row,
                    s.range.start.column,
                    s.range.end.row,
                    s.range.end.column,
                ],
                [s.name_range.start.row, s.name_range.start.column],
                s.parent.map(|p| result.symbols[p].name.clone()),
            )
        })
        .collect()
}

fn def(
    name: &str,
    kind: &str,
    range: [usize; 4],
    name_at: [usize; 2],
    parent: Option<&str>,
) -> Row {
    (
        name.to_owned(),
        kind.to_owned(),
        SymbolRole::Definition,
        range,
        name_at,
        parent.map(str::to_owned),
    )
}

fn definitions(language: Language, tags: &str, source: &str) -> SymbolsResult {
    let config = SymbolConfig::new(language.clone(), tags).expect("shipped tags query compiles");
    let tree = parse(&language, source.as_bytes());
    let result = extract_symbols(
        &config,
        tree.root_node(),
        source.as_bytes(),
        &SymbolOptions::default(),
    )
    .expect("limits are valid and tree matches source");
    assert!(result.complete, "{:?}", result.incomplete_reason);
    // Byte offsets agree with rows and columns.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(source.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    for s in &result.symbols {
        for p in [
            s.range.start,
            s.range.end,
            s.name_range.start,
            s.name_range.end,
        ] {
            assert_eq!(p.byte, line_starts[p.row] + p.column, "{s:?}");
        }
        assert_eq!(
            &source[s.name_range.start.byte..s.name_range.end.byte],
            s.name
        );
    }
    result
}

#[cfg(feature = "tree-sitter-python")]
const PYTHON: &str = r#"import os

LIMIT = 10

class Greeter:
    def greet(self, name):
        return "hi " + name

def main():
    Greeter().greet("x")
"#;

#[cfg(feature = "tree-sitter-python")]
#[test]
fn python_definitions_have_kinds_ranges_and_containers() {
    let result = definitions(
        tree_sitter_python::LANGUAGE.into(),
        tree_sitter_python::TAGS_QUERY,
        PYTHON,
    );
    assert_eq!(
        rows(&result),
        vec![
            def("LIMIT", "constant", [2, 0, 2, 10], [2, 0], None),
            def("Greeter", "class", [4, 0, 6, 27], [4, 6], None),
            // A function directly inside a class is normalised to a method.
            def("greet", "method", [5, 4, 6, 27], [5, 8], Some("Greeter")),
            def("main", "function", [8, 0, 9, 24], [8, 4], None),
        ]
    );
}

#[cfg(feature = "tree-sitter-python")]
#[test]
fn python_references_only_when_asked() {
    let language: Language = tree_sitter_python::LANGUAGE.into();
    let config = SymbolConfig::new(language.clone(), tree_sitter_python::TAGS_QUERY)
        .expect("shipped tags query compiles");
    let tree = parse(&language, PYTHON.as_bytes());
    let options = SymbolOptions {
        include_references: true,
        ..SymbolOptions::default()
    };
    let result = extract_symbols(&config, tree.root_node(), PYTHON.as_bytes(), &options)
        .expect("valid input");
    let refs: Vec<_> = rows(&result)
        .into_iter()
        .filter(|r| r.2 == SymbolRole::Reference)
        .collect();
    let reference = |name: &str, range, name_at, parent: &str| {
        (
            name.to_owned(),
            "call".to_owned(),
            SymbolRole::Reference,
            range,
            name_at,
            Some(parent.to_owned()),
        )
    };
    assert_eq!(
        refs,
        vec![
            // `Greeter().greet("x")` is the outer call, `Greeter()` the inner one.
            reference("greet", [9, 4, 9, 24], [9, 14], "main"),
            reference("Greeter", [9, 4, 9, 13], [9, 4], "main"),
        ]
    );
    assert_eq!(result.symbols.len(), 6);
}

#[cfg(feature = "tree-sitter-c")]
#[test]
fn c_struct_typedef_and_function() {
    let source = "struct point { int x; int y; };\ntypedef int length;\nint add(int a, int b) { return a + b; }\n";
    let result = definitions(
        tree_sitter_c::LANGUAGE.into(),
        tree_sitter_c::TAGS_QUERY,
        source,
    );
    assert_eq!(
        rows(&result),
        vec![
            def("point", "struct", [0, 0, 0, 30], [0, 7], None),
            def("length", "type_alias", [1, 0, 1, 19], [1, 12], None),
            // The declarator is widened to the whole function definition.
            def("add", "function", [2, 0, 2, 39], [2, 4], None),
        ]
    );
}

#[cfg(feature = "tree-sitter-rust")]
#[test]
fn rust_module_trait_struct_method_macro_function() {
    let source = r#"mod shapes {
    pub trait Area {
        fn area(&self) -> f64;
    }
    pub struct Square(f64);
    impl Square {
        pub fn new(side: f64) -> Self {
            Square(side)
        }
    }
}
macro_rules! twice { ($e:expr) => { $e * 2 }; }
fn main() {}
"#;
    let result = definitions(
        tree_sitter_rust::LANGUAGE.into(),
        tree_sitter_rust::TAGS_QUERY,
        source,
    );
    assert_eq!(
        rows(&result),
        vec![
            def("shapes", "module", [0, 0, 10, 1], [0, 4], None),
            def("Area", "interface", [1, 4, 3, 5], [1, 14], Some("shapes")),
            def("Square", "struct", [4, 4, 4, 27], [4, 15], Some("shapes")),
            // Both the method and the function pattern match: the earlier (method) wins.
            def("new", "method", [6, 8, 8, 9], [6, 15], Some("shapes")),
            def("twice", "macro", [11, 0, 11, 47], [11, 13], None),
            def("main", "function", [12, 0, 12, 12], [12, 3], None),
        ]
    );
}

#[cfg(feature = "tree-sitter-javascript")]
#[test]
fn javascript_class_methods_functions_skip_constructor() {
    let source = r#"// Greets people.
class Greeter {
  constructor(name) { this.name = name; }
  greet() { return "hi " + this.name; }
}
function main() {
  new Greeter("x").greet();
}
const helper = () => 1;
"#;
    let result = definitions(
        tree_sitter_javascript::LANGUAGE.into(),
        tree_sitter_javascript::TAGS_QUERY,
        source,
    );
    assert_eq!(
        rows(&result),
        vec![
            def("Greeter", "class", [1, 0, 4, 1], [1, 6], None),
            def("greet", "method", [3, 2, 3, 39], [3, 2], Some("Greeter")),
            def("main", "function", [5, 0, 7, 1], [5, 9], None),
            def("helper", "function", [8, 6, 8, 22], [8, 6], None),
        ]
    );
}

#[cfg(feature = "tree-sitter-java")]
#[test]
fn java_interface_class_and_methods() {
    let source = r#"interface Shape { double area(); }
class Circle implements Shape {
    double r;
    public double area() { return 3.14 * r * r; }
}
"#;
    let result = definitions(
        tree_sitter_java::LANGUAGE.into(),
        tree_sitter_java::TAGS_QUERY,
        source,
    );
    assert_eq!(
        rows(&result),
        vec![
            def("Shape", "interface", [0, 0, 0, 34], [0, 10], None),
            def("area", "method", [0, 18, 0, 32], [0, 25], Some("Shape")),
            def("Circle", "class", [1, 0, 4, 1], [1, 6], None),
            def("area", "method", [3, 4, 3, 49], [3, 18], Some("Circle")),
        ]
    );
}

#[cfg(feature = "tree-sitter-go")]
#[test]
fn go_type_method_and_function() {
    let source = r#"package main

// Point is a point.
type Point struct{ X, Y int }

// Norm returns the norm.
func (p Point) Norm() int { return p.X + p.Y }

func main() {}
"#;
    let result = definitions(
        tree_sitter_go::LANGUAGE.into(),
        tree_sitter_go::TAGS_QUERY,
        source,
    );
    assert_eq!(
        rows(&result),
        vec![
            def("Point", "struct", [3, 5, 3, 29], [3, 5], None),
            def("Norm", "method", [6, 0, 6, 46], [6, 15], None),
            def("main", "function", [8, 0, 8, 14], [8, 5], None),
        ]
    );
}

#[cfg(feature = "tree-sitter-python")]
#[test]
fn symbols_serialise_to_json_with_ranges() {
    let result = definitions(
        tree_sitter_python::LANGUAGE.into(),
        tree_sitter_python::TAGS_QUERY,
        "def f():\n    pass\n",
    );
    let json = serde_json::to_value(&result).expect("plain data serialises");
    assert_eq!(json["complete"], true);
    assert_eq!(json["incomplete_reason"], serde_json::Value::Null);
    assert_eq!(json["symbols"][0]["name"], "f");
    assert_eq!(json["symbols"][0]["kind"], "function");
    assert_eq!(json["symbols"][0]["role"], "definition");
    assert_eq!(
        json["symbols"][0]["name_range"]["start"],
        serde_json::json!({"byte": 4, "row": 0, "column": 4})
    );
}

#[cfg(feature = "tree-sitter-python")]
#[test]
fn tags_query_that_does_not_compile_reports_position() {
    let err = SymbolConfig::new(
        tree_sitter_python::LANGUAGE.into(),
        "(function_definition\n  name: (identifier) @name) @definition.function\n(nonsense_node) @name",
    )
    .expect_err("unknown node type");
    match err {
        SymbolError::Query(syntaxd::query::QueryError::Invalid { row, column, .. }) => {
            assert_eq!((row, column), (2, 1));
        }
        other => panic!("unexpected error {other:?}"),
    }
}

#[cfg(feature = "tree-sitter-python")]
#[test]
fn tags_query_with_unknown_capture_is_accepted_and_without_name_is_rejected() {
    let language: Language = tree_sitter_python::LANGUAGE.into();
    // An extra capture (C#'s shipped query has `@module`) must not make a language
    // unsupported: it is ignored.
    let config = SymbolConfig::new(
        language.clone(),
        "(function_definition name: (identifier) @name) @definition.function @whatever",
    )
    .expect("unknown captures are ignored");
    let tree = parse(&language, b"def f():\n    pass\n");
    let result = extract_symbols(
        &config,
        tree.root_node(),
        b"def f():\n    pass\n",
        &SymbolOptions::default(),
    )
    .expect("valid input");
    assert_eq!(result.symbols.len(), 1);
    let err = SymbolConfig::new(language, "(function_definition) @definition.function")
        .expect_err("no @name");
    assert!(
        matches!(err, SymbolError::MissingNameCapture { .. }),
        "{err:?}"
    );
}

#[cfg(feature = "tree-sitter-python")]
#[test]
fn invalid_utf8_source_does_not_panic_and_names_are_lossy() {
    let language: Language = tree_sitter_python::LANGUAGE.into();
    let source: &[u8] =
        b"def f\xff\xfeg():\n    pass\nclass \xc3(object):\n    pass\nx = \"\xff\"\n";
    let tree = parse(&language, source);

    let config = SymbolConfig::new(language.clone(), tree_sitter_python::TAGS_QUERY)
        .expect("shipped tags query compiles");
    let result = extract_symbols(&config, tree.root_node(), source, &SymbolOptions::default())
        .expect("invalid UTF-8 is input, not an error");
    assert!(result.complete);

    // A string literal as the name makes the invalid bytes reach the symbol name.
    let config = SymbolConfig::new(
        language,
        "(assignment right: (string) @name) @definition.constant",
    )
    .expect("test query compiles");
    let result = extract_symbols(&config, tree.root_node(), source, &SymbolOptions::default())
        .expect("invalid UTF-8 is input, not an error");
    assert_eq!(result.symbols.len(), 1, "{:?}", result.symbols);
    assert!(result.symbols[0].name_lossy);
    assert_eq!(result.symbols[0].name, "\"\u{FFFD}\"");
}

#[cfg(feature = "tree-sitter-python")]
#[test]
fn symbol_limit_marks_result_incomplete() {
    let language: Language = tree_sitter_python::LANGUAGE.into();
    let config = SymbolConfig::new(language.clone(), tree_sitter_python::TAGS_QUERY)
        .expect("shipped tags query compiles");
    let source: String = (0..100)
        .map(|i| format!("def f{i}():\n    pass\n"))
        .collect();
    let tree = parse(&language, source.as_bytes());
    let mut options = SymbolOptions::default();
    options.limits.max_captures = 10;
    let result = extract_symbols(&config, tree.root_node(), source.as_bytes(), &options)
        .expect("valid input");
    assert!(!result.complete);
    assert_eq!(
        result.incomplete_reason,
        Some(syntaxd::query::IncompleteReason::LimitReached)
    );
    assert_eq!(result.symbols.len(), 10);
}

#[cfg(all(feature = "tree-sitter-python", feature = "tree-sitter-go"))]
#[test]
fn tree_of_another_language_is_an_error() {
    let config = SymbolConfig::new(
        tree_sitter_python::LANGUAGE.into(),
        tree_sitter_python::TAGS_QUERY,
    )
    .expect("shipped tags query compiles");
    let go: Language = tree_sitter_go::LANGUAGE.into();
    let tree = parse(&go, b"package main\n");
    let err = extract_symbols(
        &config,
        tree.root_node(),
        b"package main\n",
        &SymbolOptions::default(),
    )
    .expect_err("language mismatch");
    assert!(
        matches!(
            err,
            SymbolError::Query(syntaxd::query::QueryError::LanguageMismatch { .. })
        ),
        "{err:?}"
    );
}

#[test]
fn every_core_tags_query_builds_a_config() {
    #[allow(unused_mut)]
    let mut queries: Vec<(Language, &str)> = Vec::new();
    #[cfg(feature = "tree-sitter-python")]
    queries.push((
        tree_sitter_python::LANGUAGE.into(),
        tree_sitter_python::TAGS_QUERY,
    ));
    #[cfg(feature = "tree-sitter-c")]
    queries.push((tree_sitter_c::LANGUAGE.into(), tree_sitter_c::TAGS_QUERY));
    #[cfg(feature = "tree-sitter-rust")]
    queries.push((
        tree_sitter_rust::LANGUAGE.into(),
        tree_sitter_rust::TAGS_QUERY,
    ));
    #[cfg(feature = "tree-sitter-javascript")]
    queries.push((
        tree_sitter_javascript::LANGUAGE.into(),
        tree_sitter_javascript::TAGS_QUERY,
    ));
    #[cfg(feature = "tree-sitter-java")]
    queries.push((
        tree_sitter_java::LANGUAGE.into(),
        tree_sitter_java::TAGS_QUERY,
    ));
    #[cfg(feature = "tree-sitter-go")]
    queries.push((tree_sitter_go::LANGUAGE.into(), tree_sitter_go::TAGS_QUERY));
    for (language, tags) in queries {
        let name = language.name().map(str::to_owned);
        SymbolConfig::new(language, tags).unwrap_or_else(|e| panic!("{name:?}: {e}"));
    }
}
