//! A cheap lexical pass over query text before it is compiled: how many patterns and
//! predicates it has and its longest `#match?` regex (so a hostile query is refused without
//! compiling it), and a normal form in which whitespace and comments do not count (so
//! whitespace variants share one compiled query).

/// What [`inspect`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryShape {
    /// Top-level patterns (`(...)`, `[...]` or a string at depth 0).
    pub patterns: usize,
    /// Predicates and directives (`#eq?`, `#match?`, `#set!`, ...).
    pub predicates: usize,
    /// Longest string argument of a `#match?`-family predicate, in bytes.
    pub longest_regex_bytes: usize,
    /// A field name put in front of a predicate (`name: (#eq? @x "f")`): tree-sitter's query
    /// parser fails an assertion on it and aborts the process, so such text is refused
    /// before it is compiled.
    pub field_on_predicate: bool,
    /// The text with comments removed and whitespace outside strings collapsed: two texts
    /// with the same normal form compile to the same query.
    pub normal: String,
}

/// Scans `text` once (linear, no allocation beyond the normal form).
pub fn inspect(text: &str) -> QueryShape {
    let bytes = text.as_bytes();
    let mut shape = QueryShape {
        normal: String::with_capacity(text.len()),
        ..QueryShape::default()
    };
    let mut depth = 0usize;
    let mut pending_space = false;
    // The depth at which the current `#match?`-family predicate's arguments live.
    let mut regex_depth: Option<usize> = None;
    // The two tokens before the current one (a field is `name:` then `(`).
    let mut prev: (&str, &str) = ("", "");
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b';' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                pending_space = true;
                continue;
            }
            _ if b.is_ascii_whitespace() => {
                pending_space = true;
                i += 1;
                continue;
            }
            _ => {}
        }
        let start = i;
        match b {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                if depth == 0 {
                    shape.patterns += 1;
                }
                if regex_depth == Some(depth) {
                    shape.longest_regex_bytes = shape.longest_regex_bytes.max(i - start);
                }
            }
            b'(' | b'[' => {
                if depth == 0 {
                    shape.patterns += 1;
                }
                depth += 1;
                i += 1;
            }
            b')' | b']' => {
                if regex_depth == Some(depth) {
                    regex_depth = None;
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'#' => {
                i += 1;
                while i < bytes.len() && is_name_byte(bytes[i]) {
                    i += 1;
                }
                shape.predicates += 1;
                if prev.1 == "(" && prev.0.len() > 1 && prev.0.ends_with(':') {
                    shape.field_on_predicate = true;
                }
                if text[start..i].ends_with("match?") {
                    regex_depth = Some(depth);
                }
            }
            _ => {
                i += 1;
                while i < bytes.len() && is_name_byte(bytes[i]) {
                    i += 1;
                }
            }
        }
        let token = &text[start..i];
        if pending_space
            && !shape.normal.is_empty()
            && !shape.normal.ends_with(['(', '['])
            && !token.starts_with([')', ']'])
        {
            shape.normal.push(' ');
        }
        pending_space = false;
        shape.normal.push_str(token);
        prev = (prev.1, token);
    }
    shape
}

/// Bytes that continue a name token (node kinds, fields, captures, predicate names). Any
/// non-ASCII byte continues it too, so tokens always end on a character boundary.
fn is_name_byte(b: u8) -> bool {
    !(b.is_ascii_whitespace() || matches!(b, b'(' | b')' | b'[' | b']' | b'"' | b';' | b'#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_patterns_predicates_and_regexes() {
        let q = r#"
            ; a comment with (parens) and #eq?
            (function_definition name: (identifier) @name
              (#match? @name "^test_[a-z]+$"))
            [(string) (integer)] @lit
            ((identifier) @x (#eq? @x "self") (#set! kind "self"))
            "def" @kw
        "#;
        let s = inspect(q);
        assert_eq!(s.patterns, 4);
        assert_eq!(s.predicates, 3);
        assert_eq!(s.longest_regex_bytes, "\"^test_[a-z]+$\"".len());
    }

    #[test]
    fn whitespace_and_comments_do_not_change_the_normal_form() {
        let a = inspect("(function_definition name: (identifier) @name)");
        let b = inspect("  ( function_definition\n\tname:  (identifier)  @name ) ; trailing\n");
        assert_eq!(a.normal, b.normal);
        let c = inspect("(identifier) @x (#eq? @x \"a  b\")");
        let d = inspect("(identifier) @x (#eq? @x \"a b\")");
        assert_ne!(c.normal, d.normal, "string contents are kept verbatim");
        let e = inspect("(a) @x");
        let f = inspect("(a) @y");
        assert_ne!(e.normal, f.normal);
    }

    #[test]
    fn a_field_in_front_of_a_predicate_is_found() {
        // Found by the `http` fuzz target: tree-sitter aborts the process on this text.
        assert!(inspect(r#"((identifier) @x name:(#eq? @x "f"))"#).field_on_predicate);
        assert!(inspect(r#"((identifier) @x name: ( #eq? @x "f"))"#).field_on_predicate);
        assert!(!inspect(r#"((identifier) @x (#eq? @x "f"))"#).field_on_predicate);
        assert!(!inspect(r#"(call function: (identifier) @f (#eq? @f "x"))"#).field_on_predicate);
    }

    #[test]
    fn unterminated_and_escaped_strings_stay_in_bounds() {
        let s = inspect("(#match? @a \"\\\"abc");
        assert_eq!(s.predicates, 1);
        assert!(s.longest_regex_bytes > 0);
        let _ = inspect("\"\\");
        let _ = inspect("((((");
        let _ = inspect("))))");
        let _ = inspect("é(ü) @ö ; ß");
    }
}
