//! C-family recovery for symbols: a macro invocation alone on its line with no semicolon
//! (`DEFINE_STACK_OF(X509)`, OpenSSL's `SKM_DEFINE_STACK_OF_INTERNAL(..)`) is a declaration to
//! the preprocessor but not to the grammar, whose error recovery then swallows the
//! declarations after it into one ERROR (one such line in OpenSSL's `x509v3.h` hides the rest of
//! the header's typedefs and structs). When a C, C++ or Objective-C tree has errors, the symbol
//! extractor blanks those lines (spaces for every byte but the newline, so every position
//! stays the same), parses the text again with the same budget, and extracts from that tree
//! when it has fewer errors. The tree served for the file is never this one: it only names
//! symbols.

use std::ops::ControlFlow;

use tree_sitter::{Node, ParseOptions, Parser, Tree};

use crate::query::Budget;

/// The grammars (tree-sitter's own names) whose symbols get this recovery.
pub(super) fn applies_to(language_name: &str) -> bool {
    matches!(language_name, "c" | "cpp" | "objc" | "cuda")
}

/// True for a line that is only an invocation of an upper-case macro with one parenthesised
/// argument list (nested parentheses allowed, on this line): `NAME(..)`, spaces around, no
/// semicolon, brace or anything after it.
fn is_macro_call_line(line: &[u8]) -> bool {
    let line = line.trim_ascii();
    let name_len = line
        .iter()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || **b == b'_')
        .count();
    if name_len < 2 || !(line[0].is_ascii_uppercase() || line[0] == b'_') {
        return false;
    }
    let rest = line[name_len..].trim_ascii_start();
    if rest.first() != Some(&b'(') || rest.last() != Some(&b')') {
        return false;
    }
    // The parentheses open first and close last, balanced in between.
    let mut depth = 0usize;
    for (i, b) in rest.iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 && i + 1 != rest.len() {
                    return false;
                }
            }
            b';' | b'{' | b'}' | b'"' | b'\'' => return false,
            _ => {}
        }
    }
    depth == 0
}

/// `source` with every macro-call line (see [`is_macro_call_line`]) blanked, or `None` when
/// it has none.
fn blank_macro_lines(source: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut start = 0;
    while start < source.len() {
        let end = source[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(source.len(), |i| start + i);
        if is_macro_call_line(&source[start..end]) {
            let text = out.get_or_insert_with(|| source.to_vec());
            for b in &mut text[start..end] {
                if *b != b'\r' {
                    *b = b' ';
                }
            }
        }
        start = end + 1;
    }
    out
}

/// ERROR and MISSING nodes of the tree of `root`.
fn error_count(root: Node<'_>) -> usize {
    let mut count = 0;
    crate::output::for_each_problem(root, |_| {
        count += 1;
        true
    });
    count
}

/// The text with its macro-call lines blanked and its tree, when `root` (the tree of
/// `source`) has errors, `source` has such lines, and the new tree has fewer errors; parsed
/// within `budget` (`None` when it runs out).
pub(super) fn reparsed(
    root: Node<'_>,
    source: &[u8],
    budget: &Budget<'_>,
) -> Option<(Tree, Vec<u8>)> {
    if !root.has_error() {
        return None;
    }
    let text = blank_macro_lines(source)?;
    let mut parser = Parser::new();
    parser.set_language(&root.language()).ok()?;
    let mut progress = |_: &tree_sitter::ParseState| match budget.check() {
        Some(_) => ControlFlow::Break(()),
        None => ControlFlow::Continue(()),
    };
    let tree = parser.parse_with_options(
        &mut |offset, _| text.get(offset..).unwrap_or_default(),
        None,
        Some(ParseOptions::new().progress_callback(&mut progress)),
    )?;
    (error_count(tree.root_node()) < error_count(root)).then_some((tree, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_lone_upper_case_macro_call_is_blanked() {
        for yes in [
            "DEFINE_STACK_OF(X509)",
            "  SKM_DEFINE_STACK_OF_INTERNAL(A, B, C)  ",
            "LHASH_OF_X(f(a), (b))\r",
            "_X_HIDDEN(x)",
        ] {
            assert!(is_macro_call_line(yes.as_bytes()), "{yes}");
        }
        for no in [
            "DEFINE_STACK_OF(X509);",
            "int f(void)",
            "FOO(a) int x",
            "FOO(a) {",
            "FOO(a)(b)",
            "FOO",
            "F(x)",
            "FOO(\"a)\")",
            "FOO((a)",
            "#define FOO(a)",
            "",
        ] {
            assert!(!is_macro_call_line(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn blanking_keeps_every_position() {
        let source = b"int a;\nDEFINE_X(a)\r\ntypedef int b;\n  DEFINE_Y(b)";
        let blanked = blank_macro_lines(source).expect("two lines");
        assert_eq!(blanked.len(), source.len());
        assert_eq!(
            blanked,
            b"int a;\n           \r\ntypedef int b;\n             ".to_vec()
        );
        assert_eq!(blank_macro_lines(b"int a;\n"), None);
    }
}
