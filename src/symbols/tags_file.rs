//! Renderings of one file's symbols for editors and tools: classic `tags` lines (Vim, ctags
//! format 2 with `kind`, `line` and `scope` extension fields), an Emacs `TAGS` section,
//! universal-ctags' JSON lines, and LSP `DocumentSymbol` trees.

use serde_json::{Value, json};

use super::extract::{Symbol, SymbolRole};
use crate::query::Position;

/// Longest ex search pattern written, in bytes of the source line (universal-ctags'
/// `--pattern-length-limit` default). A cut pattern has no trailing `$`.
pub const PATTERN_LENGTH_LIMIT: usize = 96;

/// One file's symbols, ready to render.
#[derive(Debug, Clone, Copy)]
pub struct FileSymbols<'a> {
    /// The path as written in the output (relative as given on the command line).
    pub path: &'a str,
    /// Registry id of the language.
    pub language: &'a str,
    /// The file's bytes.
    pub source: &'a [u8],
    /// The symbols (as extracted: sorted, with parent indices).
    pub symbols: &'a [Symbol],
}

/// Which symbols a tags file lists.
#[derive(Debug, Clone, Copy, Default)]
pub struct TagsSelection {
    /// Also list declarations (C prototypes, ...); ctags omits them by default.
    pub declarations: bool,
}

/// The `!_TAG_` header lines of a sorted tags file (each ends with `\n`).
pub fn ctags_header(program_version: &str) -> String {
    format!(
        "!_TAG_FILE_FORMAT\t2\t/extended format; --format=1 will not append ;\" to lines/\n\
         !_TAG_FILE_SORTED\t1\t/0=unsorted, 1=sorted, 2=foldcase/\n\
         !_TAG_PROGRAM_NAME\tsyntaxd\t/tree-sitter tags queries/\n\
         !_TAG_PROGRAM_URL\thttps://github.com/syntaxd/syntaxd\t/official site/\n\
         !_TAG_PROGRAM_VERSION\t{program_version}\t//\n"
    )
}

/// The tags lines of one file (without newlines), unsorted. Sort all files' lines bytewise
/// (`LC_ALL=C sort`) after [`ctags_header`] for a `!_TAG_FILE_SORTED 1` file.
///
/// A line is `name<TAB>path<TAB>/^pattern$/;"<TAB>kind:<kind><TAB>line:<n>` plus
/// `<TAB><scope kind>:<scope>` for a symbol inside another (the scope is the chain of
/// containers joined with `.`). Names with a tab or newline cannot be written and are skipped.
pub fn ctags_lines(file: &FileSymbols<'_>, selection: TagsSelection) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    for (i, s) in file.symbols.iter().enumerate() {
        if !listed(s, selection) || s.name.is_empty() || s.name.contains(['\t', '\n', '\r']) {
            continue;
        }
        let mut line = Vec::with_capacity(s.name.len() + file.path.len() + 128);
        line.extend_from_slice(s.name.as_bytes());
        line.push(b'\t');
        line.extend_from_slice(file.path.as_bytes());
        line.push(b'\t');
        ex_pattern(&mut line, line_text(file.source, &s.name_range.start));
        line.extend_from_slice(b";\"\tkind:");
        line.extend_from_slice(ctags_kind(s).as_bytes());
        line.extend_from_slice(b"\tline:");
        line.extend_from_slice((s.name_range.start.row + 1).to_string().as_bytes());
        if let Some((kind, scope)) = scope_of(file.symbols, i) {
            line.push(b'\t');
            line.extend_from_slice(kind.as_bytes());
            line.push(b':');
            line.extend_from_slice(scope.as_bytes());
        }
        lines.push(line);
    }
    lines
}

/// One file's section of an Emacs `TAGS` file: `\x0c\n<path>,<size>\n` then one
/// `<text up to the name>\x7f<name>\x01<line>,<byte offset of the line>\n` per symbol.
pub fn etags_section(file: &FileSymbols<'_>, selection: TagsSelection) -> Vec<u8> {
    let mut body = Vec::new();
    for s in file.symbols.iter().filter(|s| listed(s, selection)) {
        if s.name.contains(['\x7f', '\x01', '\n']) {
            continue;
        }
        let start = &s.name_range.start;
        let line_start = start.byte - start.column;
        let end = if s.name_range.end.row == start.row {
            s.name_range.end.byte
        } else {
            line_end(file.source, line_start)
        };
        body.extend_from_slice(file.source.get(line_start..end).unwrap_or(&[]));
        body.push(0x7f);
        body.extend_from_slice(s.name.as_bytes());
        body.push(0x01);
        body.extend_from_slice(format!("{},{}\n", start.row + 1, line_start).as_bytes());
    }
    let mut out = format!("\x0c\n{},{}\n", file.path, body.len()).into_bytes();
    out.extend_from_slice(&body);
    out
}

/// universal-ctags' `--output-format=json` lines for one file (each ends with `\n`):
/// `{"_type":"tag","name","path","pattern","language","line","end","kind","scope","scopeKind"}`
/// with `scope`/`scopeKind` only inside another symbol.
pub fn ctags_json_lines(file: &FileSymbols<'_>, selection: TagsSelection) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, s) in file.symbols.iter().enumerate() {
        if !listed(s, selection) {
            continue;
        }
        let mut pattern = Vec::new();
        ex_pattern(&mut pattern, line_text(file.source, &s.name_range.start));
        let mut tag = json!({
            "_type": "tag",
            "name": s.name,
            "path": file.path,
            "pattern": String::from_utf8_lossy(&pattern),
            "language": file.language,
            "line": s.name_range.start.row + 1,
            "end": s.range.end.row + 1,
            "kind": ctags_kind(s),
        });
        if let Some((kind, scope)) = scope_of(file.symbols, i) {
            tag["scope"] = Value::String(scope);
            tag["scopeKind"] = Value::String(kind.to_owned());
        }
        if let Ok(text) = serde_json::to_vec(&tag) {
            out.extend_from_slice(&text);
            out.push(b'\n');
        }
    }
    out
}

/// The LSP `DocumentSymbol[]` of one file (definitions and declarations, nested), with
/// positions in UTF-16 code units as LSP requires by default.
pub fn lsp_document_symbols(file: &FileSymbols<'_>) -> Value {
    let definitions: Vec<Symbol> = reindexed_definitions(file.symbols);
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); definitions.len()];
    let mut roots = Vec::new();
    for (i, s) in definitions.iter().enumerate() {
        match s.parent {
            Some(p) if p < i => children[p].push(i),
            _ => roots.push(i),
        }
    }
    // Children have larger indices than their parent: build from the end, no recursion.
    let mut built: Vec<Option<Value>> = vec![None; definitions.len()];
    for i in (0..definitions.len()).rev() {
        let s = &definitions[i];
        let kids: Vec<Value> = children[i]
            .iter()
            .filter_map(|&c| built[c].take())
            .collect();
        let mut value = json!({
            "name": s.name,
            "kind": s.lsp_kind,
            "range": lsp_range(file.source, &s.range.start, &s.range.end),
            "selectionRange": lsp_range(file.source, &s.name_range.start, &s.name_range.end),
            "children": kids,
        });
        if let Some(doc) = &s.doc {
            value["detail"] = Value::String(doc.clone());
        }
        built[i] = Some(value);
    }
    Value::Array(roots.iter().filter_map(|&r| built[r].take()).collect())
}

/// An LSP position: 0-based line and UTF-16 column.
pub fn lsp_position(source: &[u8], at: &Position) -> Value {
    let line_start = at.byte.saturating_sub(at.column);
    let prefix = source.get(line_start..at.byte).unwrap_or(&[]);
    let character: usize = String::from_utf8_lossy(prefix)
        .chars()
        .map(char::len_utf16)
        .sum();
    json!({ "line": at.row, "character": character })
}

fn lsp_range(source: &[u8], start: &Position, end: &Position) -> Value {
    json!({ "start": lsp_position(source, start), "end": lsp_position(source, end) })
}

/// Definitions only, with `parent` indices renumbered into the filtered list.
fn reindexed_definitions(symbols: &[Symbol]) -> Vec<Symbol> {
    let mut new_index = vec![None; symbols.len()];
    let mut out = Vec::new();
    for (i, s) in symbols.iter().enumerate() {
        if s.role == SymbolRole::Definition {
            new_index[i] = Some(out.len());
            let mut s = s.clone();
            s.parent = s.parent.and_then(|p| new_index.get(p).copied().flatten());
            out.push(s);
        }
    }
    out
}

fn listed(s: &Symbol, selection: TagsSelection) -> bool {
    s.role == SymbolRole::Definition && (selection.declarations || !s.declaration)
}

/// The kind written in tags files: the normalised kind, `prototype` for declarations.
fn ctags_kind(s: &Symbol) -> &str {
    if s.declaration { "prototype" } else { &s.kind }
}

/// The scope of symbol `i`: its container's kind and the chain of container names from the
/// outermost, joined with `.`.
fn scope_of(symbols: &[Symbol], i: usize) -> Option<(&str, String)> {
    let parent = symbols.get(i)?.parent?;
    let kind = symbols.get(parent)?.kind.as_str();
    let mut names = Vec::new();
    let mut at = Some(parent);
    while let Some(p) = at {
        let s = symbols.get(p)?;
        names.push(s.name.as_str());
        // Parents precede children; a non-decreasing index would loop.
        at = s.parent.filter(|&q| q < p);
    }
    names.reverse();
    let scope = names.join(".");
    if scope.contains(['\t', '\n', '\r']) {
        return None;
    }
    Some((kind, scope))
}

/// The text of the line containing `at`, without its line terminator.
fn line_text<'s>(source: &'s [u8], at: &Position) -> &'s [u8] {
    let start = at.byte.saturating_sub(at.column).min(source.len());
    let end = line_end(source, start);
    let line = &source[start..end];
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn line_end(source: &[u8], from: usize) -> usize {
    source
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        .map_or(source.len(), |n| from + n)
}

/// Writes `/^<line>$/` with `\` and `/` escaped; a line longer than
/// [`PATTERN_LENGTH_LIMIT`] is cut (at a character boundary) and has no `$`.
fn ex_pattern(out: &mut Vec<u8>, line: &[u8]) {
    let (text, full) = if line.len() > PATTERN_LENGTH_LIMIT {
        let mut cut = PATTERN_LENGTH_LIMIT;
        // Do not split a UTF-8 sequence: back up over continuation bytes.
        while cut > 0 && line.get(cut).is_some_and(|b| b & 0xC0 == 0x80) {
            cut -= 1;
        }
        (&line[..cut], false)
    } else {
        (line, true)
    };
    out.extend_from_slice(b"/^");
    for &b in text {
        if b == b'\\' || b == b'/' {
            out.push(b'\\');
        }
        out.push(b);
    }
    if full {
        out.push(b'$');
    }
    out.push(b'/');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ex_patterns_escape_slash_and_backslash_and_anchor_full_lines() {
        let mut out = Vec::new();
        ex_pattern(&mut out, br"int f(char *a /* x */, int b) { return a\b; }");
        assert_eq!(
            String::from_utf8_lossy(&out),
            r"/^int f(char *a \/* x *\/, int b) { return a\\b; }$/"
        );
        let long = "é".repeat(60);
        let mut out = Vec::new();
        ex_pattern(&mut out, long.as_bytes());
        let text = String::from_utf8(out).expect("cut at a character boundary");
        assert!(text.starts_with("/^") && text.ends_with("é/") && !text.contains('$'));
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let source = "x = '😀'; y".as_bytes();
        let at = Position {
            byte: source.len() - 1,
            row: 0,
            column: source.len() - 1,
        };
        assert_eq!(lsp_position(source, &at)["character"], 10);
    }
}
