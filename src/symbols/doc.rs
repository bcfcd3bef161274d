//! Doc comments of symbols: the first line of a Python-style docstring, or of the comment
//! block immediately above a definition (`///`, `/** */`, `#`, `--`, `;`, `%` comments),
//! with comment markers and string quotes stripped.

use tree_sitter::Node;

/// Longest doc line kept, in bytes (cut at a character boundary).
pub const MAX_DOC_BYTES: usize = 200;

/// The doc of the definition `node`: its docstring (the first statement of its `body` is a
/// string) or the first line of the comment block that ends on the line just above it
/// (attributes and decorators in between are skipped; a comment that trails code on its own
/// line is not a doc comment). The flag is true when the doc came from the comment above.
pub fn doc_for(node: Node<'_>, source: &[u8]) -> (Option<String>, bool) {
    match docstring(node, source) {
        Some(doc) => (Some(doc), false),
        None => {
            let above = comment_above(node, source);
            let is_above = above.is_some();
            (above, is_above)
        }
    }
}

/// True for a node kind that may give the definition after it its doc comment (a comment,
/// or an attribute between a comment and the definition).
pub fn may_document_next(kind: &str) -> bool {
    is_comment(kind) || is_attribute(kind)
}

/// The first non-empty line of a comment's or string's text, markers stripped.
pub fn first_line(text: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(text);
    let text = strip_string_quotes(text.trim());
    for line in text.lines() {
        let line = strip_comment_markers(line);
        if !line.is_empty() {
            return Some(cut(line));
        }
    }
    None
}

fn docstring(node: Node<'_>, source: &[u8]) -> Option<String> {
    let body = node.child_by_field_name("body")?;
    let first = body.named_child(0)?;
    if first.kind() != "expression_statement" {
        return None;
    }
    let string = first.named_child(0)?;
    if string.kind() != "string" || first.named_child_count() != 1 {
        return None;
    }
    first_line(source.get(string.byte_range())?)
}

fn comment_above(node: Node<'_>, source: &[u8]) -> Option<String> {
    // A doc comment, or an attribute between one and the definition, ends on the line above
    // the definition: when that line is blank (or there is none) the sibling walk below, the
    // costliest step of an extraction without docstrings, is skipped.
    if line_above_is_blank(source, node.start_byte()) {
        return None;
    }
    // One walk (each sibling step walks down from the root in tree-sitter).
    let (prev, top_row) = previous_named(node)?;
    if !is_comment(prev.kind()) || !adjacent(prev, top_row) {
        return None;
    }
    // Walk up the contiguous comment block to its first comment.
    let mut block = vec![prev];
    let mut first = prev;
    while let Some(p) = first.prev_named_sibling() {
        if is_comment(p.kind()) && adjacent(p, first.start_position().row) {
            first = p;
            block.push(p);
            continue;
        }
        // A comment that trails code on the same line is not part of the block.
        if p.end_position().row == first.start_position().row {
            block.pop();
        }
        break;
    }
    block
        .iter()
        .rev()
        .find_map(|c| first_line(source.get(c.byte_range())?))
}

/// True when the line above the one holding byte `at` is empty or whitespace, or there is no
/// line above.
fn line_above_is_blank(source: &[u8], at: usize) -> bool {
    let before = source.get(..at).unwrap_or(source);
    let Some(line_start) = before.iter().rposition(|&b| b == b'\n') else {
        return true;
    };
    let above = &before[..line_start];
    let above_start = above.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    above[above_start..].iter().all(u8::is_ascii_whitespace)
}

/// The doc of `node` from a query's `@doc` captures: a capture inside the definition (a
/// docstring) directly, captures before it only as far as they form a comment block ending
/// on the line above the definition (a quantified `(comment)* @doc` also captures comments
/// separated by blank lines). The flag is true when the doc came from before the definition.
pub fn doc_from_captures(
    node: Node<'_>,
    docs: &[Node<'_>],
    source: &[u8],
) -> Option<(String, bool)> {
    if let Some(inside) = docs.iter().find(|d| d.start_byte() >= node.start_byte()) {
        return first_line(source.get(inside.byte_range())?).map(|doc| (doc, false));
    }
    let (_, mut row) = previous_named(node)?;
    let mut block = Vec::new();
    for d in docs.iter().rev() {
        if !adjacent(*d, row) {
            break;
        }
        row = d.start_position().row;
        block.push(*d);
    }
    block
        .iter()
        .rev()
        .find_map(|c| first_line(source.get(c.byte_range())?))
        .map(|doc| (doc, true))
}

/// The nearest previous named sibling of `node` that is not an attribute or decorator,
/// climbing out of parents that start on the definition's line (`export_statement`,
/// `decorated_definition`, Go's `type_declaration`, a Python block); with the row the
/// definition, its attributes included, starts on.
fn previous_named(node: Node<'_>) -> Option<(Node<'_>, usize)> {
    let mut anchor = node;
    let mut top_row = node.start_position().row;
    loop {
        match anchor.prev_named_sibling() {
            Some(p) if is_attribute(p.kind()) => {
                top_row = p.start_position().row;
                anchor = p;
            }
            Some(p) => return Some((p, top_row)),
            None => {
                let parent = anchor.parent()?;
                if parent.start_position().row != top_row {
                    return None;
                }
                anchor = parent;
            }
        }
    }
}

/// True when `comment` ends on the line just above `row` (or on it, for a comment node that
/// includes its newline).
fn adjacent(comment: Node<'_>, row: usize) -> bool {
    let end = comment.end_position();
    let end_row = if end.column == 0 && end.row > comment.start_position().row {
        end.row - 1
    } else {
        end.row
    };
    end_row < row && end_row + 1 >= row
}

fn is_comment(kind: &str) -> bool {
    kind.contains("comment")
}

fn is_attribute(kind: &str) -> bool {
    kind.contains("attribute") || kind.contains("decorator") || kind.contains("annotation")
}

fn strip_string_quotes(text: &str) -> &str {
    let t = text.trim_start_matches(['r', 'R', 'u', 'U', 'b', 'B', 'f', 'F']);
    for q in ["\"\"\"", "'''", "\"", "'"] {
        if let Some(inner) = t.strip_prefix(q) {
            return inner.strip_suffix(q).unwrap_or(inner);
        }
    }
    text
}

fn strip_comment_markers(line: &str) -> &str {
    let mut l = line.trim();
    for prefix in [
        "///", "//!", "//", "/**", "/*!", "/*", "(**", "(*", "{-|", "{-", "-- |", "--|", "---",
        "--", "#'", "##", "#", ";;;", ";;", ";", "%%", "%", "!>", "!", "*", "\"\"\"",
    ] {
        if let Some(rest) = l.strip_prefix(prefix) {
            l = rest;
            break;
        }
    }
    for suffix in ["*/", "*)", "-}"] {
        if let Some(rest) = l.strip_suffix(suffix) {
            l = rest;
            break;
        }
    }
    l.trim()
}

fn cut(line: &str) -> String {
    if line.len() <= MAX_DOC_BYTES {
        return line.to_owned();
    }
    let mut end = MAX_DOC_BYTES;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    line[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_and_quotes_are_stripped() {
        assert_eq!(
            first_line(b"/// Adds two numbers.").as_deref(),
            Some("Adds two numbers.")
        );
        assert_eq!(
            first_line(b"/**\n * Greets.\n * More.\n */").as_deref(),
            Some("Greets.")
        );
        assert_eq!(first_line(b"# Runs it").as_deref(), Some("Runs it"));
        assert_eq!(
            first_line(b"\"\"\"Return the answer.\n\n    Long.\n    \"\"\"").as_deref(),
            Some("Return the answer.")
        );
        assert_eq!(first_line(b"r'''raw doc'''").as_deref(), Some("raw doc"));
        assert_eq!(
            first_line(b"-- | Haskell doc").as_deref(),
            Some("Haskell doc")
        );
        assert_eq!(first_line(b"/* */"), None);
    }

    #[test]
    fn the_line_above_is_blank_when_empty_or_whitespace_or_absent() {
        let src = b"// doc\nfn a() {}\n\nfn b() {}\n \t\r\nfn c() {}\n";
        let at = |needle: &str| {
            src.windows(needle.len())
                .position(|w| w == needle.as_bytes())
                .expect("in the source")
        };
        assert!(line_above_is_blank(src, at("// doc")), "first line");
        assert!(!line_above_is_blank(src, at("fn a")), "a comment above");
        assert!(line_above_is_blank(src, at("fn b")), "an empty line above");
        assert!(line_above_is_blank(src, at("fn c")), "whitespace above");
        assert!(
            !line_above_is_blank(src, at("() {}\n\nfn b")),
            "mid-line, comment above"
        );
    }

    #[test]
    fn long_lines_are_cut_at_a_character_boundary() {
        let long = format!("// {}", "é".repeat(300));
        let line = first_line(long.as_bytes()).expect("a line");
        assert!(line.len() <= MAX_DOC_BYTES && line.chars().all(|c| c == 'é'));
    }
}
