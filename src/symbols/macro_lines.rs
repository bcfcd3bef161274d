//! C-family recovery for symbols. Macros the preprocessor would expand derail the grammar,
//! whose error recovery then swallows the declarations after them (one lone
//! `DEFINE_STACK_OF(X509)` line in OpenSSL's `x509v3.h` hides the rest of the header's typedefs
//! and structs; an `FMT_CONSTEXPR` or `GTEST_API_` in front of a declaration loses it). When a
//! C, C++ or Objective-C tree has errors, the symbol extractor blanks (spaces for every byte
//! but the newline, so every position stays the same):
//!
//! - anywhere: a line that is only an upper-case macro invocation, `NAME(..)` with no
//!   semicolon;
//! - on the lines an ERROR or MISSING node covers: a macro statement `NAME(..);` (its
//!   arguments may be types, `GMOCK_DECLARE_KIND_(unsigned char, kInteger);`), a line that is
//!   one upper-case macro name (`FMT_BEGIN_NAMESPACE`), and upper-case macro names in front of
//!   a declaration (`FMT_NORETURN FMT_API void f(..)`, `template <typename T> FMT_CONSTEXPR
//!   auto g()`); a macro name here has an underscore, which sets it apart from upper-case
//!   type names (`DWORD`, `FILE`);
//!
//! then parses the text again with the same budget, and extracts from that tree when it has
//! fewer errors. The tree served for the file is never this one: it only names symbols.

use std::ops::ControlFlow;

use tree_sitter::{Language, Node, ParseOptions, Parser, Tree};

use crate::query::Budget;

/// True for the grammars whose symbols get this recovery: C, C++, Objective-C and CUDA by
/// tree-sitter's own name, and a grammar without a name (C++'s and Objective-C's have none)
/// when it has C's root and preprocessor nodes (the shader languages built on C's grammar
/// too).
pub(super) fn applies_to(language: &Language) -> bool {
    match language.name() {
        Some(name) => matches!(name, "c" | "cpp" | "objc" | "cuda"),
        None => ["translation_unit", "preproc_include", "preproc_def"]
            .iter()
            .all(|kind| language.id_for_node_kind(kind, true) != 0),
    }
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

/// Length of an upper-case macro name at the start of `text` (`[A-Z_][A-Z0-9_]+`), 0 when
/// there is none.
fn macro_name_len(text: &[u8]) -> usize {
    let len = text
        .iter()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || **b == b'_')
        .count();
    let continues = text
        .get(len)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    if len < 2 || continues || !(text[0].is_ascii_uppercase() || text[0] == b'_') {
        return 0;
    }
    len
}

/// Length of a macro name that is told apart from an upper-case type name by an underscore.
fn underscored_macro_len(text: &[u8]) -> usize {
    let len = macro_name_len(text);
    if len >= 3 && text[..len].contains(&b'_') {
        len
    } else {
        0
    }
}

/// Where the parenthesised argument list that `text` starts with ends (just after its `)`),
/// skipping quoted strings and characters; `None` when it is not balanced on this line or
/// holds a `;`, `{` or `}` outside quotes.
fn arguments_end(text: &[u8]) -> Option<usize> {
    if text.first() != Some(&b'(') {
        return None;
    }
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            quote @ (b'"' | b'\'') => {
                i += 1;
                while i < text.len() && text[i] != quote {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                if i >= text.len() {
                    return None;
                }
            }
            b';' | b'{' | b'}' => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// `text` without a trailing `//` comment (one that does not start inside a string is
/// assumed: callers have checked the quotes before it) and surrounding whitespace.
fn without_line_comment(text: &[u8]) -> &[u8] {
    let end = text
        .windows(2)
        .position(|w| w == b"//")
        .unwrap_or(text.len());
    text[..end].trim_ascii()
}

/// True for a macro statement on a line of its own: `NAME(..);`, an optional `//` comment
/// after it.
fn is_macro_statement_line(line: &[u8]) -> bool {
    let line = line.trim_ascii();
    let name = macro_name_len(line);
    if name == 0 {
        return false;
    }
    let rest = line[name..].trim_ascii_start();
    let Some(end) = arguments_end(rest) else {
        return false;
    };
    matches!(without_line_comment(&rest[end..]), b";" | b"")
}

/// True for a line that is one underscored upper-case macro name (`FMT_BEGIN_NAMESPACE`),
/// an optional `//` comment after it.
fn is_macro_name_line(line: &[u8]) -> bool {
    let line = without_line_comment(line);
    let len = underscored_macro_len(line);
    len > 0 && len == line.len()
}

/// Byte ranges (in `line`) of the upper-case macro names, with their argument lists, that
/// stand in front of a declaration: at the start of the line, after a `template <..>` on it
/// and after declaration specifiers or a class key, followed by a name (`FMT_API void f()`,
/// `class GTEST_API_ AssertHelper`).
fn prefix_macros(line: &[u8]) -> Vec<std::ops::Range<usize>> {
    const SPECIFIERS: [&[u8]; 11] = [
        b"class",
        b"struct",
        b"union",
        b"static",
        b"inline",
        b"constexpr",
        b"friend",
        b"virtual",
        b"explicit",
        b"extern",
        b"const",
    ];
    let mut at = line.len() - line.trim_ascii_start().len();
    let mut found = Vec::new();
    let word_end = |at: usize| {
        at + line[at..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count()
    };
    let skip_space = |at: usize| line.len() - line[at..].trim_ascii_start().len();
    if &line[at..word_end(at)] == b"template" {
        let mut i = skip_space(at + b"template".len());
        if line.get(i) != Some(&b'<') {
            return found;
        }
        let mut depth = 0usize;
        while i < line.len() {
            match line[i] {
                b'<' => depth += 1,
                b'>' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        if i >= line.len() {
            return found;
        }
        at = skip_space(i + 1);
    }
    loop {
        let end = word_end(at);
        if end > at && SPECIFIERS.contains(&&line[at..end]) {
            at = skip_space(end);
            continue;
        }
        let len = underscored_macro_len(&line[at..]);
        if len == 0 {
            break;
        }
        let mut end = at + len;
        let after = skip_space(end);
        if line.get(after) == Some(&b'(') {
            match arguments_end(&line[after..]) {
                Some(args) => end = after + args,
                None => break,
            }
        }
        let next = skip_space(end);
        let names_next = line
            .get(next)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'~');
        if next == end || !names_next {
            break;
        }
        found.push(at..end);
        at = next;
    }
    found
}

/// [`prefix_macros`] of a class head, `class GTEST_API_ AssertHelper {` (also `struct`,
/// `union`, after a `template <..>`), which a grammar may read without an error as a class of
/// the macro's name: the class name must follow, and then `{`, `:`, `final` or the end of the
/// line, so `struct FOO_T x;` keeps its tag.
fn class_head_macros(line: &[u8]) -> Vec<std::ops::Range<usize>> {
    let found = prefix_macros(line);
    let Some(last) = found.last() else {
        return found;
    };
    let before = line[..found[0].start].trim_ascii_end();
    let keyed = [&b"class"[..], b"struct", b"union"]
        .iter()
        .any(|key| before.ends_with(key));
    let rest = line[last.end..].trim_ascii_start();
    let name = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    let after = without_line_comment(&rest[name..]);
    let closes = after.is_empty()
        || after.starts_with(b"{")
        || (after.starts_with(b":") && !after.starts_with(b"::"))
        || after.starts_with(b"final");
    if keyed && name > 0 && closes {
        found
    } else {
        Vec::new()
    }
}

/// Merged row ranges (inclusive) of the ERROR and MISSING nodes of the tree of `root`, and
/// how many such nodes there are.
fn error_rows(root: Node<'_>) -> (Vec<(usize, usize)>, usize) {
    let mut rows: Vec<(usize, usize)> = Vec::new();
    let mut count = 0;
    crate::output::for_each_problem(root, |node| {
        count += 1;
        let (start, end) = (node.start_position().row, node.end_position().row);
        match rows.last_mut() {
            Some(last) if start <= last.1 + 1 => last.1 = last.1.max(end),
            _ => rows.push((start, end)),
        }
        true
    });
    (rows, count)
}

/// `source` with its macro lines and prefix macros blanked (see the module's doc; `errors`
/// are the rows of the lines in error, sorted), or `None` when there is nothing to blank.
fn blank_macro_lines(source: &[u8], errors: &[(usize, usize)]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut blank = |range: std::ops::Range<usize>| {
        let text = out.get_or_insert_with(|| source.to_vec());
        for b in &mut text[range] {
            if *b != b'\r' {
                *b = b' ';
            }
        }
    };
    let mut errors = errors.iter().peekable();
    let mut previous_ends_list = false;
    let mut start = 0;
    let mut row = 0;
    while start < source.len() {
        let end = source[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(source.len(), |i| start + i);
        let line = &source[start..end];
        while errors.next_if(|(_, last)| *last < row).is_some() {}
        let in_error = errors.peek().is_some_and(|(first, _)| *first <= row);
        if is_macro_call_line(line)
            || (in_error && is_macro_statement_line(line))
            // Not the last enumerator of a list (`A,` above it).
            || (in_error && !previous_ends_list && is_macro_name_line(line))
        {
            blank(start..end);
        } else {
            let ranges = if in_error {
                prefix_macros(line)
            } else {
                class_head_macros(line)
            };
            for range in ranges {
                blank(start + range.start..start + range.end);
            }
        }
        let code = without_line_comment(line);
        if !code.is_empty() {
            previous_ends_list = code.ends_with(b",");
        }
        start = end + 1;
        row += 1;
    }
    out
}

/// ERROR and MISSING nodes of the tree of `root`.
fn error_count(root: Node<'_>) -> usize {
    error_rows(root).1
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
    let (rows, errors) = error_rows(root);
    let text = blank_macro_lines(source, &rows)?;
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
    (error_count(tree.root_node()) < errors).then_some((tree, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_c_family_gets_the_recovery_whether_or_not_its_grammar_has_a_name() {
        let mut family: Vec<&str> = crate::language::registry()
            .languages()
            .iter()
            .filter(|l| l.ts_language().is_ok_and(applies_to))
            .map(|l| l.id.as_str())
            .collect();
        family.sort_unstable();
        let expected: Vec<&str> = ["c", "cpp", "glsl", "hlsl", "objc"]
            .into_iter()
            .filter(|id| {
                crate::language::registry()
                    .language_for_name(id)
                    .is_ok_and(|l| l.available())
            })
            .collect();
        assert!(family.contains(&"c"), "C is in every build");
        assert_eq!(family, expected);
    }

    /// Asserts that `is` holds for every line of `yes` and for none of `no`.
    fn classifies(is: fn(&[u8]) -> bool, yes: &[&str], no: &[&str]) {
        for line in yes {
            assert!(is(line.as_bytes()), "{line}");
        }
        for line in no {
            assert!(!is(line.as_bytes()), "{line}");
        }
    }

    /// The text of the ranges `find` gives for `line`.
    fn blanked_names(find: fn(&[u8]) -> Vec<std::ops::Range<usize>>, line: &str) -> Vec<String> {
        find(line.as_bytes())
            .into_iter()
            .map(|r| line[r].to_string())
            .collect()
    }

    #[test]
    fn only_a_lone_upper_case_macro_call_is_blanked() {
        classifies(
            is_macro_call_line,
            &[
                "DEFINE_STACK_OF(X509)",
                "  SKM_DEFINE_STACK_OF_INTERNAL(A, B, C)  ",
                "LHASH_OF_X(f(a), (b))\r",
                "_X_HIDDEN(x)",
            ],
            &[
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
            ],
        );
    }

    #[test]
    fn macro_statements_and_names_are_told_apart_from_code() {
        classifies(
            is_macro_statement_line,
            &[
                "GMOCK_DECLARE_KIND_(unsigned char, kInteger);  // NOLINT",
                "  GMOCK_DEFINE_DEFAULT_ACTION_FOR_RETURN_TYPE_(char, '\\0');",
                "FMT_PRAGMA_MSVC(warning(disable : 4702))",
                "DEFINE_X(\"a;)\");",
            ],
            &[
                "FOO(a) + 1;",
                "FOO(a); int x;",
                "foo(a);",
                "FOO(\"a);",
                "FOO(a) {",
            ],
        );
        classifies(
            is_macro_name_line,
            &["FMT_BEGIN_NAMESPACE", "  GTEST_END_ // done"],
            &["DWORD", "FMT_X;", "FMT_X,", "FMT_X y", "Fmt_x", "X_"],
        );
    }

    #[test]
    fn only_macro_names_in_front_of_a_declaration_are_prefixes() {
        let prefixes = |line: &str| blanked_names(prefix_macros, line);
        assert_eq!(
            prefixes("FMT_NORETURN FMT_API void assert_fail(const char* file,"),
            ["FMT_NORETURN", "FMT_API"]
        );
        assert_eq!(
            prefixes("  template <typename... T> FMT_CONSTEXPR void f(const T&...) {}"),
            ["FMT_CONSTEXPR"]
        );
        assert_eq!(
            prefixes("  static FMT_INLINE auto g() -> int;"),
            ["FMT_INLINE"]
        );
        assert_eq!(prefixes("class GTEST_API_ AssertHelper {"), ["GTEST_API_"]);
        assert_eq!(
            prefixes("GTEST_ATTRIBUTE_PRINTF_(2, 3) void Log(int, const char*, ...);"),
            ["GTEST_ATTRIBUTE_PRINTF_(2, 3)"]
        );
        assert_eq!(
            prefixes("FMT_CONSTEXPR basic_string_view(const Char* s)"),
            ["FMT_CONSTEXPR"]
        );
        for none in [
            "DWORD WINAPI Run(void* arg);",
            "FMT_X = 3,",
            "FMT_X(a);",
            "FMT_X * p;",
            "templated FMT_X void f();",
            "int FMT_X y;",
            "FMT_API",
        ] {
            assert!(prefixes(none).is_empty(), "{none}");
        }
    }

    #[test]
    fn a_class_head_loses_its_macro_and_a_tagged_variable_keeps_its_tag() {
        let heads = |line: &str| blanked_names(class_head_macros, line);
        assert_eq!(heads("class GTEST_API_ AssertHelper {"), ["GTEST_API_"]);
        assert_eq!(heads("struct FMT_API options : base {"), ["FMT_API"]);
        assert_eq!(
            heads("template <typename T> class FMT_API view final {"),
            ["FMT_API"]
        );
        assert_eq!(
            heads("class LIB_EXPORT Widget  // the widget"),
            ["LIB_EXPORT"]
        );
        for none in [
            "struct FOO_T x;",
            "struct FOO_T x = {0};",
            "FMT_API void f();",
            "class Widget {",
            "struct A_B::C d {",
        ] {
            assert!(heads(none).is_empty(), "{none}");
        }
    }

    #[test]
    fn lines_in_error_lose_their_macros_and_others_keep_them() {
        let source = b"FMT_API int a();\nFMT_API int b();\nFMT_BEGIN_NS\nA_B,\nC_D\nX_(int);\n";
        let blanked = blank_macro_lines(source, &[(1, 5)]).expect("lines in error");
        assert_eq!(
            String::from_utf8(blanked).expect("text"),
            "FMT_API int a();\n        int b();\n            \nA_B,\nC_D\n        \n"
        );
        assert_eq!(blank_macro_lines(source, &[]), None);
    }

    #[test]
    fn blanking_keeps_every_position() {
        let source = b"int a;\nDEFINE_X(a)\r\ntypedef int b;\n  DEFINE_Y(b)";
        let blanked = blank_macro_lines(source, &[]).expect("two lines");
        assert_eq!(blanked.len(), source.len());
        assert_eq!(
            blanked,
            b"int a;\n           \r\ntypedef int b;\n             ".to_vec()
        );
        assert_eq!(blank_macro_lines(b"int a;\n", &[]), None);
    }
}
