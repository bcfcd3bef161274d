//! Symbol structure on snippets we wrote: normalised kinds with LSP numbers, declarations
//! versus definitions, containers, doc comments, the outline tree and the stored format.

use syntaxd::symbols::{
    SYMBOLS_FORMAT_VERSION, Symbol, SymbolConfig, SymbolOptions, SymbolsResult, extract_symbols,
    outline,
};
use tree_sitter::{Language, Parser};

fn extract(language: Language, tags: &str, source: &str) -> SymbolsResult {
    let config = SymbolConfig::new(language.clone(), tags).expect("shipped tags query compiles");
    let mut parser = Parser::new();
    parser.set_language(&language).expect("supported ABI");
    let tree = parser.parse(source, None).expect("no budget: completes");
    extract_symbols(
        &config,
        tree.root_node(),
        source.as_bytes(),
        &SymbolOptions::default(),
    )
    .expect("valid input")
}

fn find<'a>(result: &'a SymbolsResult, name: &str) -> &'a Symbol {
    result
        .symbols
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no symbol {name} in {:#?}", result.symbols))
}

#[cfg(feature = "tree-sitter-c")]
#[test]
fn c_prototype_is_a_declaration_and_the_body_a_definition() {
    let source = "/* Adds. */\nint add(int a, int b);\n\n/** Adds two ints. */\nint add(int a, int b) { return a + b; }\nstatic int *ptr(void) { return 0; }\n";
    let result = extract(
        tree_sitter_c::LANGUAGE.into(),
        tree_sitter_c::TAGS_QUERY,
        source,
    );
    let adds: Vec<_> = result.symbols.iter().filter(|s| s.name == "add").collect();
    assert_eq!(adds.len(), 2, "{:#?}", result.symbols);
    // The prototype: the whole declaration, flagged.
    assert!(adds[0].declaration);
    assert_eq!(
        (adds[0].range.start.row, adds[0].range.start.column),
        (1, 0)
    );
    assert_eq!((adds[0].range.end.row, adds[0].range.end.column), (1, 22));
    assert_eq!(adds[0].doc.as_deref(), Some("Adds."));
    // The definition: the whole function, with its doc comment's first line.
    assert!(!adds[1].declaration);
    assert_eq!((adds[1].range.start.row, adds[1].range.end.row), (4, 4));
    assert_eq!(
        (adds[1].range.start.column, adds[1].range.end.column),
        (0, 39)
    );
    assert_eq!(adds[1].doc.as_deref(), Some("Adds two ints."));
    assert_eq!((adds[1].kind.as_str(), adds[1].lsp_kind), ("function", 12));
    // A pointer-returning function: the declarator chain is widened too.
    let ptr = find(&result, "ptr");
    assert!(!ptr.declaration);
    assert_eq!((ptr.range.start.column, ptr.range.end.column), (0, 35));
}

/// The query `/v1/symbols` and `syntaxd symbols` use for C (ours, which replaces the crate's)
/// lists prototypes as declarations, pointer-returning ones too, and no function pointer.
#[cfg(feature = "tree-sitter-c")]
#[test]
fn c_prototypes_are_declarations_with_the_registry_query() {
    use syntaxd::language::{QueryKind, registry};
    let c = registry().language_for_name("c").expect("c");
    let tags = c.query_text(QueryKind::Tags).expect("a tags query");
    let source = "int add(int a, int b);\nchar *name_of(int id);\nstatic void (*handler)(int);\n\
                  int add(int a, int b) { return a + b; }\n";
    let result = extract(tree_sitter_c::LANGUAGE.into(), &tags, source);
    let named =
        |name: &str| -> Vec<&Symbol> { result.symbols.iter().filter(|s| s.name == name).collect() };
    let adds = named("add");
    assert_eq!(adds.len(), 2, "{:#?}", result.symbols);
    assert!(adds[0].declaration && adds[0].kind == "function");
    assert_eq!(adds[0].name_range.start.row, 0);
    assert!(!adds[1].declaration);
    let name_of = named("name_of");
    assert_eq!(name_of.len(), 1, "{:#?}", result.symbols);
    assert!(name_of[0].declaration && name_of[0].kind == "function");
    // A function pointer variable is not a prototype.
    assert!(named("handler").iter().all(|s| s.kind != "function"));
}

#[cfg(feature = "tree-sitter-python")]
#[test]
fn python_methods_constructors_containers_and_docstrings() {
    let source = r#"# Shapes and such.

# A greeter.
class Greeter:
    """Greets people.

    At length.
    """

    def __init__(self, name):
        self.name = name

    @property
    def greet(self):
        r'''Return the greeting.'''
        return "hi " + self.name


x = 1  # trailing, not a doc
def main():
    pass
"#;
    let result = extract(
        tree_sitter_python::LANGUAGE.into(),
        tree_sitter_python::TAGS_QUERY,
        source,
    );
    let greeter = find(&result, "Greeter");
    assert_eq!((greeter.kind.as_str(), greeter.lsp_kind), ("class", 5));
    // A docstring wins over the comment above.
    assert_eq!(greeter.doc.as_deref(), Some("Greets people."));
    assert_eq!(greeter.container, None);
    let init = find(&result, "__init__");
    assert_eq!((init.kind.as_str(), init.lsp_kind), ("constructor", 9));
    assert_eq!(init.tag_kind, "function");
    assert_eq!(init.container.as_deref(), Some("Greeter"));
    assert_eq!(init.container_kind.as_deref(), Some("class"));
    let greet = find(&result, "greet");
    assert_eq!((greet.kind.as_str(), greet.lsp_kind), ("method", 6));
    assert_eq!(greet.doc.as_deref(), Some("Return the greeting."));
    let main = find(&result, "main");
    assert_eq!(main.kind, "function");
    assert_eq!(
        main.doc, None,
        "a comment trailing code is not a doc comment"
    );
    assert!(result.symbols.iter().all(|s| !s.declaration));
}

#[cfg(feature = "tree-sitter-rust")]
#[test]
fn rust_doc_comments_skip_attributes_and_kinds_refine_class_tags() {
    let source = r#"/// A square.
///
/// With sides.
#[derive(Debug)]
pub struct Square(f64);

// Not adjacent.

enum Shape { A }

/// Lengths.
type Length = f64;

trait Area {
    fn area(&self) -> f64;
}
"#;
    let result = extract(
        tree_sitter_rust::LANGUAGE.into(),
        tree_sitter_rust::TAGS_QUERY,
        source,
    );
    let square = find(&result, "Square");
    assert_eq!((square.kind.as_str(), square.lsp_kind), ("struct", 23));
    assert_eq!(square.tag_kind, "class");
    assert_eq!(square.doc.as_deref(), Some("A square."));
    let shape = find(&result, "Shape");
    assert_eq!((shape.kind.as_str(), shape.lsp_kind), ("enum", 10));
    assert_eq!(
        shape.doc, None,
        "a comment separated by a blank line is not a doc"
    );
    let length = find(&result, "Length");
    assert_eq!(length.kind, "type_alias");
    assert_eq!(length.doc.as_deref(), Some("Lengths."));
    let area = find(&result, "Area");
    assert_eq!((area.kind.as_str(), area.lsp_kind), ("interface", 11));
}

#[cfg(feature = "tree-sitter-java")]
#[test]
fn java_interface_methods_without_body_are_declarations() {
    let source = "interface Shape {\n    /** The area. */\n    double area();\n}\nclass Circle implements Shape {\n    public double area() { return 1; }\n}\n";
    let result = extract(
        tree_sitter_java::LANGUAGE.into(),
        tree_sitter_java::TAGS_QUERY,
        source,
    );
    let areas: Vec<_> = result.symbols.iter().filter(|s| s.name == "area").collect();
    assert_eq!(areas.len(), 2);
    assert!(areas[0].declaration);
    assert_eq!(areas[0].doc.as_deref(), Some("The area."));
    assert_eq!(areas[0].container_kind.as_deref(), Some("interface"));
    assert!(!areas[1].declaration);
    assert_eq!(areas[1].container.as_deref(), Some("Circle"));
}

#[cfg(feature = "tree-sitter-python")]
#[test]
fn outline_nests_symbols_under_their_containers() {
    let source = "class A:\n    class B:\n        def f(self):\n            def g():\n                pass\n    def h(self):\n        pass\ndef top():\n    pass\n";
    let result = extract(
        tree_sitter_python::LANGUAGE.into(),
        tree_sitter_python::TAGS_QUERY,
        source,
    );
    let tree = outline(&result.symbols);
    let shape: Vec<(String, Vec<String>)> = tree
        .iter()
        .map(|n| {
            (
                n.symbol.name.clone(),
                n.children.iter().map(|c| c.symbol.name.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            ("A".to_owned(), vec!["B".to_owned(), "h".to_owned()]),
            ("top".to_owned(), vec![]),
        ]
    );
    let b = &tree[0].children[0];
    assert_eq!(b.children[0].symbol.name, "f");
    assert_eq!(b.children[0].children[0].symbol.name, "g");
    // Nested functions stay functions; functions in classes are methods.
    assert_eq!(b.children[0].symbol.kind, "method");
    assert_eq!(b.children[0].children[0].symbol.kind, "function");
    let json = serde_json::to_value(&tree).expect("plain data");
    assert_eq!(json[0]["children"][1]["name"], "h");
    assert_eq!(json[0]["children"][1]["children"], serde_json::json!([]));
}

#[cfg(feature = "tree-sitter-go")]
#[test]
fn stored_symbols_carry_their_format_version_and_tags_query_first() {
    let source =
        "package main\n\n// Shape is a shape.\ntype Shape interface{ Area() int }\n\ntype ID int\n";
    let result = extract(
        tree_sitter_go::LANGUAGE.into(),
        tree_sitter_go::TAGS_QUERY,
        source,
    );
    assert_eq!(result.symbols_format, SYMBOLS_FORMAT_VERSION);
    let query = syntaxd::symbols::tags_query_hash(tree_sitter_go::TAGS_QUERY);
    assert_eq!(result.tags_query, query);
    let stored = result.to_json();
    assert!(SymbolsResult::is_current(&stored, &query));
    // Extracted with another query: not current.
    let other = syntaxd::symbols::tags_query_hash("(identifier) @name");
    assert!(!SymbolsResult::is_current(&stored, &other));
    // A list stored before the format field existed, or before the query was named, is not
    // current.
    assert!(!SymbolsResult::is_current(
        br#"{"symbols":[],"complete":true,"incomplete_reason":null}"#,
        &query
    ));
    assert!(!SymbolsResult::is_current(
        br#"{"symbols_format":2,"symbols":[],"complete":true,"incomplete_reason":null}"#,
        &query
    ));
    let back: SymbolsResult = serde_json::from_slice(&stored).expect("round trip");
    assert_eq!(back, result);
    let shape = find(&result, "Shape");
    assert_eq!((shape.kind.as_str(), shape.lsp_kind), ("interface", 11));
    assert_eq!(shape.doc.as_deref(), Some("Shape is a shape."));
    assert_eq!(find(&result, "ID").kind, "type_alias");
}
