//! Normalised symbol kinds: one vocabulary for every language's tags captures
//! (`@definition.<tag kind>`), refined by the syntax node that was tagged, and each kind's
//! LSP `SymbolKind` number.

use tree_sitter::Node;

/// A normalised kind: its name (the `kind` field of a symbol) and its LSP `SymbolKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalKind {
    /// Snake-case name: `function`, `method`, `class`, `struct`, `enum_member`, ...
    pub name: &'static str,
    /// The LSP `SymbolKind` number (1 = File ... 26 = TypeParameter).
    pub lsp: u8,
}

/// Every normalised kind, sorted by name, with its LSP `SymbolKind` and ctags' one-letter kind.
/// Tag kinds outside this table keep their own name and map to LSP `Variable` (13).
pub const KINDS: &[(&str, u8, char)] = &[
    ("class", 5, 'c'),
    ("constant", 14, 'C'),
    ("constructor", 9, 'm'),
    ("enum", 10, 'g'),
    ("enum_member", 22, 'e'),
    ("event", 24, 'E'),
    ("field", 8, 'm'),
    ("function", 12, 'f'),
    ("heading", 15, 's'),
    ("interface", 11, 'i'),
    ("key", 20, 'k'),
    ("macro", 12, 'd'),
    ("method", 6, 'm'),
    ("module", 2, 'n'),
    ("namespace", 3, 'n'),
    ("object", 19, 'o'),
    ("operator", 25, 'f'),
    ("package", 4, 'p'),
    ("property", 7, 'p'),
    ("struct", 23, 's'),
    ("target", 12, 't'),
    ("type_alias", 26, 't'),
    ("type_parameter", 26, 'T'),
    ("variable", 13, 'v'),
];

/// LSP `SymbolKind::Variable`, the number given to kinds outside [`KINDS`].
pub const LSP_VARIABLE: u8 = 13;

/// The LSP `SymbolKind` number of a normalised kind name (13 = Variable for unknown names).
pub fn lsp_kind_for_name(name: &str) -> u8 {
    KINDS
        .binary_search_by(|(n, _, _)| n.cmp(&name))
        .map_or(LSP_VARIABLE, |i| KINDS[i].1)
}

/// ctags' one-letter kind for a normalised kind name (`x` for unknown names).
pub fn ctags_letter_for_name(name: &str) -> char {
    KINDS
        .binary_search_by(|(n, _, _)| n.cmp(&name))
        .map_or('x', |i| KINDS[i].2)
}

/// Normalises a tag kind. `node` is the tagged definition node (after widening a C
/// declarator to its declaration), `name` the symbol's name and `container_kind` the
/// normalised kind of the enclosing definition, if any.
///
/// Rules, in order: synonyms (`typedef` → `type_alias`, `trait` → `interface`, `union` →
/// `struct`, `enumerator` → `enum_member`, `section` → `heading`, ...); the generic `class` and
/// `type` tags refined by the node kind (`struct_item` → `struct`, `enum_specifier` → `enum`,
/// `type_alias_declaration` → `type_alias`, Go's `type_spec` by its `type` child); a node
/// kind naming a constructor, or a method named `constructor`/`__init__`/`__construct`/
/// `initialize`, is a `constructor`; a `function` directly inside a class, struct,
/// interface or enum is a `method`.
pub fn normalise(
    tag_kind: &str,
    node: Node<'_>,
    name: &str,
    container_kind: Option<&str>,
) -> NormalKind {
    let base = synonym(tag_kind);
    let refined = match base {
        "class" | "type" => refine_type(node).unwrap_or(if base == "type" {
            "type_alias"
        } else {
            "class"
        }),
        other => other,
    };
    let refined = match refined {
        "function" | "method" => {
            if node.kind().contains("constructor")
                || (matches!(
                    name,
                    "constructor" | "__init__" | "__construct" | "initialize"
                ) && (refined == "method" || is_type_container(container_kind)))
            {
                "constructor"
            } else if refined == "function" && is_type_container(container_kind) {
                "method"
            } else {
                refined
            }
        }
        other => other,
    };
    match KINDS.binary_search_by(|(n, _, _)| n.cmp(&refined)) {
        Ok(i) => NormalKind {
            name: KINDS[i].0,
            lsp: KINDS[i].1,
        },
        // An unknown tag kind keeps its own name: the caller stores the tag kind.
        Err(_) => NormalKind {
            name: "",
            lsp: LSP_VARIABLE,
        },
    }
}

/// True for the kinds whose functions are methods.
fn is_type_container(kind: Option<&str>) -> bool {
    matches!(
        kind,
        Some("class" | "struct" | "interface" | "enum" | "object")
    )
}

fn synonym(tag_kind: &str) -> &str {
    match tag_kind {
        "func" | "procedure" | "subroutine" | "rule" => "function",
        "ctor" => "constructor",
        "typedef" | "alias" | "type_definition" => "type_alias",
        "trait" | "protocol" => "interface",
        "union" | "record" | "message" => "struct",
        "enumerator" | "enum_constant" | "enum_variant" | "variant" => "enum_member",
        "const" => "constant",
        "var" | "let" => "variable",
        "member" | "attribute" => "field",
        "section" | "chapter" | "subsection" | "title" => "heading",
        "mod" => "module",
        "service" => "interface",
        other => other,
    }
}

/// Refines a generic `class`/`type` tag by the tagged node's kind (or, for Go's `type_spec`
/// and similar, by the kind of its `type` child).
fn refine_type(node: Node<'_>) -> Option<&'static str> {
    if let Some(kind) = refine_by_node_kind(node.kind()) {
        return Some(kind);
    }
    let child = node.child_by_field_name("type")?;
    match refine_by_node_kind(child.kind())? {
        // `type T = struct {..}` is a struct, `type T interface {..}` an interface; a
        // `type_spec` whose type is another name is an alias.
        k @ ("struct" | "interface" | "enum") => Some(k),
        _ => None,
    }
}

fn refine_by_node_kind(kind: &str) -> Option<&'static str> {
    if kind.contains("enum") {
        if kind.contains("member")
            || kind.contains("enumerator")
            || kind.contains("variant")
            || kind.contains("constant")
            || kind.contains("entry")
        {
            Some("enum_member")
        } else {
            Some("enum")
        }
    } else if kind.contains("struct") || kind.contains("union") {
        Some("struct")
    } else if kind.contains("interface") || kind.contains("trait") || kind.contains("protocol") {
        Some("interface")
    } else if kind.contains("type_alias")
        || kind.contains("typedef")
        || kind == "type_definition"
        || kind == "type_item"
    {
        Some("type_alias")
    } else if kind.contains("class") || kind.contains("record") {
        Some("class")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_table_is_sorted_for_binary_search() {
        assert!(KINDS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn lsp_numbers_follow_the_specification() {
        assert_eq!(lsp_kind_for_name("function"), 12);
        assert_eq!(lsp_kind_for_name("method"), 6);
        assert_eq!(lsp_kind_for_name("class"), 5);
        assert_eq!(lsp_kind_for_name("struct"), 23);
        assert_eq!(lsp_kind_for_name("enum_member"), 22);
        assert_eq!(lsp_kind_for_name("no_such_kind"), LSP_VARIABLE);
    }

    #[test]
    fn node_kinds_refine_generic_class_tags() {
        assert_eq!(refine_by_node_kind("struct_specifier"), Some("struct"));
        assert_eq!(refine_by_node_kind("enum_item"), Some("enum"));
        assert_eq!(refine_by_node_kind("enumerator"), Some("enum_member"));
        assert_eq!(refine_by_node_kind("enum_constant"), Some("enum_member"));
        assert_eq!(refine_by_node_kind("trait_item"), Some("interface"));
        assert_eq!(
            refine_by_node_kind("type_alias_declaration"),
            Some("type_alias")
        );
        assert_eq!(refine_by_node_kind("class_declaration"), Some("class"));
        assert_eq!(refine_by_node_kind("function_definition"), None);
    }
}
