//! Incremental symbols of live documents: the last complete [`SymbolsResult`] is kept with the
//! document, and after edits only the innermost nodes the edits (and the reparse's changed
//! ranges) touched, with the definitions enclosing them, are extracted again and spliced
//! into it. The answer is the one a
//! full extraction of the current text gives; whenever that cannot be guaranteed cheaply
//! (an incomplete or differently configured cached result, a definition that straddles the
//! re-extracted region, an ordering or container that does not line up, a limit), the
//! document is extracted in full.
//!
//! The region re-extracted is a run of sibling nodes covering the changed span, found by
//! descending from the root into the one named node that strictly encloses it, extended
//! forward while the symbols after it may take their doc comment from it (see [`region`]). Symbols after the region are shifted (byte, row
//! and, on the region's last row, column) exactly as tree-sitter shifts nodes after an edit.

use std::sync::Arc;

use tree_sitter::{InputEdit, Node, Point};

use super::config::{SymbolConfig, SymbolError};
use super::doc;
use super::extract::{
    Candidate, SYMBOLS_FORMAT_VERSION, Symbol, SymbolContext, SymbolOptions, SymbolsResult,
    assign_parents, finish, order,
};
use crate::parse::Document;
use crate::parse::shift_point;
use crate::position::Position;

/// A document's last complete symbols, kept with the document (see
/// [`Document::symbol_cache`]) and counted in its weight.
#[derive(Debug, Clone)]
pub struct SymbolCache {
    config: Arc<SymbolConfig>,
    key: OptionsKey,
    result: Arc<SymbolsResult>,
    /// Per symbol: its doc comment came from the comment block above it (it depends on the
    /// nodes before its definition, not only on the definition).
    doc_above: Vec<bool>,
    weight: usize,
}

impl SymbolCache {
    /// Estimated heap bytes of the cached result (symbols and their strings).
    pub fn weight(&self) -> usize {
        self.weight
    }

    /// The cached result.
    pub fn result(&self) -> &Arc<SymbolsResult> {
        &self.result
    }
}

/// The options a cached result depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OptionsKey {
    include_references: bool,
    max_captures: usize,
    max_capture_text_bytes: usize,
}

impl OptionsKey {
    fn of(options: &SymbolOptions) -> Self {
        Self {
            include_references: options.include_references,
            max_captures: options.limits.max_captures,
            max_capture_text_bytes: options.limits.max_capture_text_bytes,
        }
    }
}

/// How [`SymbolContext::document_symbols`] answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentSymbolsSource {
    /// The document did not change since its symbols were cached.
    Cached,
    /// What the edits touched was re-extracted and spliced into the cached list.
    Incremental,
    /// The whole document was extracted.
    Full,
}

impl SymbolContext {
    /// The symbols of an open document, equal to [`extract`](Self::extract) over its current
    /// tree and text: from the document's cached result when it did not change, by
    /// re-extracting only what changed when possible, else in full. A complete result is
    /// cached with the document (an incomplete one is not).
    ///
    /// # Errors
    /// As [`extract`](Self::extract).
    pub fn document_symbols(
        &mut self,
        config: &Arc<SymbolConfig>,
        doc: &mut Document,
        options: &SymbolOptions,
    ) -> Result<(Arc<SymbolsResult>, DocumentSymbolsSource), SymbolError> {
        let key = OptionsKey::of(options);
        let reusable = doc
            .symbol_cache()
            .filter(|c| Arc::ptr_eq(&c.config, config) && c.key == key);
        if let Some(cache) = reusable {
            let Some(change) = doc.changes_since_symbol_cache().copied() else {
                return Ok((Arc::clone(&cache.result), DocumentSymbolsSource::Cached));
            };
            let updated = self.update(
                config,
                doc.tree().root_node(),
                doc.text().as_bytes(),
                options,
                cache,
                &change,
            )?;
            if let Some((result, doc_above)) = updated {
                let result = Arc::new(result);
                doc.set_symbol_cache(Some(SymbolCache::new(config, key, &result, doc_above)));
                return Ok((result, DocumentSymbolsSource::Incremental));
            }
        }
        let (result, doc_above) = self.extract_with_flags(
            config,
            doc.tree().root_node(),
            doc.text().as_bytes(),
            options,
        )?;
        let result = Arc::new(result);
        // An incomplete list (a deadline, a cancelled request, a limit) is not cached; the
        // previous cache, if any, stays valid with the changes since.
        // Nor is a list of a tree with syntax errors: it is no base for a splice.
        if result.complete
            && result.symbols_format == SYMBOLS_FORMAT_VERSION
            && !doc.tree().root_node().has_error()
        {
            doc.set_symbol_cache(Some(SymbolCache::new(config, key, &result, doc_above)));
        }
        Ok((result, DocumentSymbolsSource::Full))
    }

    /// Re-extracts the region of `root` that `change` (old → current text, as one edit)
    /// touched and splices it into `cache`: the symbols inside the region and the definitions
    /// enclosing it (whose ranges and docstrings the edits may change) come from the fresh
    /// run, the others from the cache (shifted when after the region). `None` when the result
    /// could differ from a full extraction, or the region's extraction was cut by a limit.
    fn update(
        &mut self,
        config: &SymbolConfig,
        root: Node<'_>,
        source: &[u8],
        options: &SymbolOptions,
        cache: &SymbolCache,
        change: &InputEdit,
    ) -> Result<Option<(SymbolsResult, Vec<bool>)>, SymbolError> {
        let previous = &cache.result;
        // A tree with syntax errors may change far from the edit (error recovery is not
        // local): extract it in full.
        if !previous.complete
            || previous.symbols_format != SYMBOLS_FORMAT_VERSION
            || previous.tags_query != config.tags_query
            || root.has_error()
        {
            return Ok(None);
        }
        self.check(config, root, source, options)?;
        let Some((start, end)) = region(root, change, cache) else {
            return Ok(None);
        };
        // The region in the cached result's coordinates (the text after it is unchanged).
        let Some(old_end) = (end + change.old_end_byte).checked_sub(change.new_end_byte) else {
            return Ok(None);
        };
        let (candidates, reason) = self.collect(config, root, source, options, start..end);
        if reason.is_some() {
            return Ok(None);
        }
        // Keep the candidates inside the region and those enclosing it; a candidate that
        // straddles a border without enclosing the region means the split is unsound.
        // Candidates outside the region (a match reaching into it) are checked against the
        // cache below.
        let mut kept: Vec<Candidate<'_>> = Vec::with_capacity(candidates.len());
        let mut outside: Vec<Symbol> = Vec::new();
        for c in candidates {
            let range = &c.symbol.range;
            let (s, e) = (range.start.byte, range.end.byte);
            let inside = s >= start && s < end && e <= end;
            let encloses = s < start && e >= end;
            if inside || encloses {
                kept.push(c);
            } else if (s < start && e > start) || (s >= start && s < end) {
                return Ok(None);
            } else {
                outside.push(c.symbol);
            }
        }
        let (fresh, fresh_above) = finish(kept);
        // `finish` ordered them: enclosing definitions (starting before the region) first.
        let enclosing = fresh.partition_point(|s| s.range.start.byte < start);

        // The cached symbols before (enclosing ones among them), inside and after the region.
        let old = &previous.symbols;
        let before = old.partition_point(|s| s.range.start.byte < start);
        let after = old.partition_point(|s| s.range.start.byte < old_end);
        if old[before..after]
            .iter()
            .any(|s| s.range.end.byte > old_end)
        {
            return Ok(None);
        }
        let old_enclosing: Vec<usize> = (0..before)
            .filter(|&i| old[i].range.end.byte > start)
            .collect();
        // The definitions enclosing the region are the same nodes before and after the edit
        // (they start before it); the fresh run found them all, with their new ends, names
        // and docstrings.
        if old_enclosing.len() != enclosing
            || old_enclosing
                .iter()
                .any(|&i| old[i].range.end.byte < old_end)
        {
            return Ok(None);
        }
        let total = before + (fresh.len() - enclosing) + (old.len() - after);
        if total > options.limits.max_captures {
            return Ok(None);
        }
        let mut symbols: Vec<Symbol> = Vec::with_capacity(total);
        let mut doc_above: Vec<bool> = Vec::with_capacity(total);
        let mut fresh = fresh.into_iter().zip(fresh_above).peekable();
        // The cached symbols before the region, the enclosing ones replaced by the fresh ones
        // (merged in source order).
        for (symbol, &above) in old[..before].iter().zip(&cache.doc_above) {
            if symbol.range.end.byte > start {
                continue;
            }
            while let Some((f, a)) =
                fresh.next_if(|(f, _)| f.range.start.byte < start && order(f, symbol).is_lt())
            {
                symbols.push(f);
                doc_above.push(a);
            }
            symbols.push(symbol.clone());
            doc_above.push(above);
        }
        for (symbol, above) in fresh {
            symbols.push(symbol);
            doc_above.push(above);
        }
        symbols.extend(old[after..].iter().map(|s| shifted(s, change)));
        doc_above.extend_from_slice(&cache.doc_above[after..]);

        // Source order, and every container as a full extraction assigns it.
        if symbols
            .windows(2)
            .any(|w| order(&w[0], &w[1]) != std::cmp::Ordering::Less)
        {
            return Ok(None);
        }
        // What the run found outside the region is what the cache says is there.
        for o in &outside {
            let at = symbols.partition_point(|s| s.range.start.byte < o.range.start.byte);
            let same = symbols[at..]
                .iter()
                .take_while(|s| s.range.start.byte == o.range.start.byte)
                .any(|s| {
                    s.name_range == o.name_range
                        && s.range == o.range
                        && s.name == o.name
                        && s.tag_kind == o.tag_kind
                        && s.role == o.role
                        && s.declaration == o.declaration
                        && s.doc == o.doc
                        && s.name_lossy == o.name_lossy
                });
            if !same {
                return Ok(None);
            }
        }
        let containers: Vec<(Option<String>, Option<String>)> = symbols
            .iter_mut()
            .map(|s| (s.container.take(), s.container_kind.take()))
            .collect();
        assign_parents(&mut symbols);
        for i in 0..symbols.len() {
            let expected = match symbols[i].parent {
                Some(p) if p < i => (Some(&symbols[p].name), Some(&symbols[p].kind)),
                _ => (None, None),
            };
            if (containers[i].0.as_ref(), containers[i].1.as_ref()) != expected {
                return Ok(None);
            }
        }
        for (symbol, (container, container_kind)) in symbols.iter_mut().zip(containers) {
            symbol.container = container;
            symbol.container_kind = container_kind;
        }
        Ok(Some((
            SymbolsResult {
                symbols_format: SYMBOLS_FORMAT_VERSION,
                tags_query: config.tags_query.clone(),
                symbols,
                complete: true,
                incomplete_reason: None,
            },
            doc_above,
        )))
    }
}

impl SymbolCache {
    fn new(
        config: &Arc<SymbolConfig>,
        key: OptionsKey,
        result: &Arc<SymbolsResult>,
        doc_above: Vec<bool>,
    ) -> Self {
        let strings: usize = result
            .symbols
            .iter()
            .map(|s| {
                s.name.capacity()
                    + s.kind.capacity()
                    + s.tag_kind.capacity()
                    + s.container.as_ref().map_or(0, String::capacity)
                    + s.container_kind.as_ref().map_or(0, String::capacity)
                    + s.doc.as_ref().map_or(0, String::capacity)
            })
            .sum();
        let weight = result.symbols.len() * (std::mem::size_of::<Symbol>() + 1) + strings;
        Self {
            config: Arc::clone(config),
            key,
            result: Arc::clone(result),
            doc_above,
            weight,
        }
    }
}

/// The byte range `[start, end)` of the current text to extract again. From the root down,
/// while exactly one named child strictly encloses the changed span, descend into it; then the
/// run of named children touching the span (both neighbours when it falls between two), plus
/// the next sibling (repeatedly) while it is a comment or an attribute, follows one, or has
/// symbols whose doc came from above (their doc may depend on the region).
/// `None` when there is no node to split at.
fn region(root: Node<'_>, change: &InputEdit, cache: &SymbolCache) -> Option<(usize, usize)> {
    let (lo, hi) = (change.start_byte, change.new_end_byte);
    let mut level = root;
    let mut cursor = root.walk();
    let (children, first, mut last) = loop {
        let children: Vec<Node<'_>> = level.named_children(&mut cursor).collect();
        if children.is_empty() {
            if level == root {
                return None;
            }
            // A leaf: the node itself, among its siblings.
            let parent = level.parent()?;
            let siblings: Vec<Node<'_>> = parent.named_children(&mut cursor).collect();
            let at = siblings.iter().position(|s| *s == level)?;
            break (siblings, at, at);
        }
        // First child ending at or after `lo`, last child starting at or before `hi` (touching
        // children count). Between two children, both neighbours.
        let first = children.partition_point(|c| c.end_byte() < lo);
        let last = children
            .partition_point(|c| c.start_byte() <= hi)
            .checked_sub(1);
        let (first, last) = match last {
            None => (0, 0),
            Some(last) if first >= children.len() => (last, last),
            Some(last) => (first.min(last), first.max(last)),
        };
        let only = children[first];
        // Never into a comment or attribute: its text may be the doc of a later definition.
        if first == last
            && only.start_byte() < lo
            && hi < only.end_byte()
            && !doc::may_document_next(only.kind())
        {
            level = only;
            continue;
        }
        break (children, first, last);
    };
    let start = children[first].start_byte().min(lo);
    let mut end = children[last].end_byte().max(hi);
    // Cached symbols after the region, in cached coordinates, to see which had a doc from
    // above.
    let shift = |byte: usize| (byte + change.old_end_byte).checked_sub(change.new_end_byte);
    while last + 1 < children.len() {
        let tail = children[last];
        let next = children[last + 1];
        // A comment block's first comment is a doc only when no code ends on its line: the
        // region decides for the comments after it, and they for the definition after them.
        let needs_next =
            doc::may_document_next(tail.kind()) || doc::may_document_next(next.kind()) || {
                let (Some(from), Some(to)) = (shift(next.start_byte()), shift(next.end_byte()))
                else {
                    return None;
                };
                let symbols = &cache.result.symbols;
                let a = symbols.partition_point(|s| s.range.start.byte < from);
                let b = symbols.partition_point(|s| s.range.start.byte < to);
                cache.doc_above[a..b].iter().any(|&above| above)
            };
        if !needs_next {
            break;
        }
        last += 1;
        end = end.max(next.end_byte());
    }
    Some((start, end))
}

/// `symbol` (entirely after `change`'s old end) moved as tree-sitter moves nodes after the
/// edit.
fn shifted(symbol: &Symbol, change: &InputEdit) -> Symbol {
    let mut s = symbol.clone();
    for p in [
        &mut s.range.start,
        &mut s.range.end,
        &mut s.name_range.start,
        &mut s.name_range.end,
    ] {
        *p = shift_position(*p, change);
    }
    s
}

fn shift_position(p: Position, change: &InputEdit) -> Position {
    let point = shift_point(Point::new(p.row, p.column), change);
    Position {
        byte: p.byte - change.old_end_byte + change.new_end_byte,
        row: point.row,
        column: point.column,
    }
}

#[cfg(all(
    test,
    feature = "tree-sitter-python",
    feature = "tree-sitter-rust",
    feature = "tree-sitter-c",
    feature = "tree-sitter-javascript"
))]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;
    use crate::language::{QueryKind, registry};
    use crate::parse::{EngineConfig, ParseBudget, ParseEngine, TextEdit};
    use crate::symbols::extract_symbols;

    const PYTHON: &str = concat!(
        include_str!("../../tests/data/snippets/python.py"),
        "\n# Helpers.\nLIMIT = 3\n\n\nclass Box:\n    \"\"\"A box.\"\"\"\n\n    size = 1\n\n    # Opens it.\n    @property\n    def open(self):\n        def inner():\n            pass\n        return inner\n\n\n# Builds one.\ndef build(): return Box()\n"
    );
    const RUST: &str = concat!(
        include_str!("../../tests/data/snippets/rust.rs"),
        "\n/// A shape.\n#[derive(Clone)]\nenum Shape { Dot, Line(u8) }\n\n// Not a doc.\n\ntrait Area {\n    /// The area.\n    fn area(&self) -> f64;\n}\n\nmod inner {\n    pub const N: usize = 2;\n    fn f() {}\n}\n"
    );
    const C: &str = concat!(
        include_str!("../../tests/data/snippets/c.c"),
        "\n/* Pointer alias. */\ntypedef struct node *node_ptr;\nenum colour { RED, GREEN };\nint counter = 0; int other;\nextern int ext;\nint proto(int a);\n"
    );
    const JAVASCRIPT: &str = concat!(
        include_str!("../../tests/data/snippets/javascript.js"),
        "\n/** Adds. */\nconst add = (a, b) => a + b;\n\nexport const API = { get() { return 1; } };\nclass Small { m() {} }\n"
    );

    /// One `PATCH`: edits as (position per mille of the text, bytes deleted, fragment index),
    /// and whether symbols are asked for after it.
    type Patch = (Vec<(usize, usize, usize)>, bool);

    /// Fragments typed into the sources: code, comments, brackets, quotes, line breaks.
    const FRAGMENTS: &[&str] = &[
        "",
        "x",
        "_1",
        " ",
        "\n",
        "\n\n",
        "    ",
        "(",
        ")",
        "{",
        "}",
        ":",
        ";",
        "\"",
        "'",
        "#",
        "# note\n",
        "// note\n",
        "/* ",
        " */",
        "/// doc\n",
        "/** doc */\n",
        "@deco\n",
        "#[inline]\n",
        "def g(self):\n    pass\n",
        "class K:\n    y = 2\n",
        "fn k() {}\n",
        "struct S { a: i32 }\n",
        "int v(void) { return 0; }\n",
        "function q() {}\n",
        "class Q { r() {} }\n",
        "\"\"\"",
        "= 1\n",
        "impl S {\n",
        "enum E { A }\n",
    ];

    fn setup(language: &str, text: &str) -> (Document, Arc<SymbolConfig>) {
        let lang = registry().language_for_name(language).expect("registered");
        let grammar = lang.ts_language().expect("compiled in").clone();
        let tags = lang.query_text(QueryKind::Tags).expect("a tags query");
        let config = Arc::new(SymbolConfig::new(grammar.clone(), &tags).expect("compiles"));
        let engine = ParseEngine::new(EngineConfig::default());
        let doc = Document::open(
            &engine,
            lang.id.as_str(),
            grammar,
            text.to_owned(),
            1,
            &ParseBudget::default(),
        )
        .expect("parses");
        (doc, config)
    }

    /// A byte offset of `text` at or before `at`, on a character boundary.
    fn boundary(text: &str, at: usize) -> usize {
        let mut at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    /// Applies `patches` (each: edits as (position per mille, deleted bytes, fragment), and
    /// whether symbols are asked for afterwards) and checks every answer against a full
    /// extraction. Returns how many answers were incremental.
    fn check(language: &str, text: &str, patches: &[Patch]) -> usize {
        let (mut doc, config) = setup(language, text);
        let options = SymbolOptions::default();
        let mut ctx = SymbolContext::new();
        let mut incremental = 0;
        let (first, _) = ctx
            .document_symbols(&config, &mut doc, &options)
            .expect("extracts");
        assert!(first.complete);
        for (version, (edits, ask)) in patches.iter().enumerate() {
            let mut current = doc.text().to_owned();
            let edits: Vec<TextEdit> = edits
                .iter()
                .map(|&(at, len, fragment)| {
                    let start = boundary(&current, at * current.len() / 1000);
                    let end = boundary(&current, start + len);
                    let new_text = FRAGMENTS[fragment % FRAGMENTS.len()];
                    current.replace_range(start..end, new_text);
                    TextEdit::bytes(start, end, new_text)
                })
                .collect();
            doc.apply_edits(version as i64 + 2, &edits)
                .expect("applies");
            assert_eq!(doc.text(), current);
            if !ask {
                continue;
            }
            let (got, source) = ctx
                .document_symbols(&config, &mut doc, &options)
                .expect("extracts");
            let full = extract_symbols(
                &config,
                doc.tree().root_node(),
                doc.text().as_bytes(),
                &options,
            )
            .expect("extracts");
            assert_eq!(
                *got,
                full,
                "{source:?} answer differs after {edits:?} in:\n{}",
                doc.text()
            );
            if source == DocumentSymbolsSource::Incremental {
                incremental += 1;
            }
        }
        incremental
    }

    fn patches() -> impl Strategy<Value = Vec<Patch>> {
        prop::collection::vec(
            (
                prop::collection::vec((0usize..=1000, 0usize..12, 0usize..64), 1..4),
                prop::bool::weighted(0.8),
            ),
            1..12,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn python_incremental_symbols_equal_a_full_extraction(p in patches()) {
            check("python", PYTHON, &p);
        }

        #[test]
        fn rust_incremental_symbols_equal_a_full_extraction(p in patches()) {
            check("rust", RUST, &p);
        }

        #[test]
        fn c_incremental_symbols_equal_a_full_extraction(p in patches()) {
            check("c", C, &p);
        }

        #[test]
        fn javascript_incremental_symbols_equal_a_full_extraction(p in patches()) {
            check("javascript", JAVASCRIPT, &p);
        }
    }

    #[test]
    fn an_edit_inside_one_definition_is_answered_incrementally() {
        for (language, text) in [
            ("python", PYTHON),
            ("rust", RUST),
            ("c", C),
            ("javascript", JAVASCRIPT),
        ] {
            // Type one character into the middle of the file, then remove it.
            let patches = vec![(vec![(500, 0, 1)], true), (vec![(500, 1, 0)], true)];
            assert!(
                check(language, text, &patches) >= 1,
                "{language}: no incremental answer"
            );
        }
    }

    /// Found by the property test: code joined onto a comment's line makes the comment
    /// trail code, so the definition after the comment loses its doc. These edits leave
    /// syntax errors in the tree, which are now always extracted in full (error recovery is
    /// not local: the JavaScript property test found a class name changing 170 bytes after
    /// an edit), so none of the answers is incremental; each still equals a full extraction.
    #[test]
    fn a_comment_that_comes_to_trail_code_is_no_longer_a_doc() {
        let patches = vec![
            (vec![(4, 0, 59), (788, 7, 46)], false),
            (vec![(892, 0, 16)], false),
            (vec![(885, 0, 34), (873, 4, 42)], false),
            (vec![(4, 0, 23)], false),
            (vec![(877, 7, 42)], true),
            (vec![(823, 9, 31)], true),
        ];
        assert_eq!(check("python", PYTHON, &patches), 0);
    }

    #[test]
    fn a_cancelled_request_keeps_the_cache_for_the_next_one() {
        let (mut doc, config) = setup("python", PYTHON);
        let options = SymbolOptions::default();
        let mut ctx = SymbolContext::new();
        ctx.document_symbols(&config, &mut doc, &options).unwrap();
        doc.apply_edits(2, &[TextEdit::bytes(PYTHON.len(), PYTHON.len(), "x = 1\n")])
            .unwrap();
        let mut cancelled = SymbolOptions::default();
        cancelled.limits.cancel = Some(Arc::new(std::sync::atomic::AtomicBool::new(true)));
        let (cut, _) = ctx.document_symbols(&config, &mut doc, &cancelled).unwrap();
        assert!(!cut.complete);
        let (again, how) = ctx.document_symbols(&config, &mut doc, &options).unwrap();
        assert_eq!(how, DocumentSymbolsSource::Incremental);
        let full = extract_symbols(
            &config,
            doc.tree().root_node(),
            doc.text().as_bytes(),
            &options,
        )
        .unwrap();
        assert_eq!(*again, full);
    }

    #[test]
    fn an_unchanged_document_is_answered_from_its_cache() {
        let (mut doc, config) = setup("python", PYTHON);
        let options = SymbolOptions::default();
        let mut ctx = SymbolContext::new();
        let (a, first) = ctx.document_symbols(&config, &mut doc, &options).unwrap();
        let (b, second) = ctx.document_symbols(&config, &mut doc, &options).unwrap();
        assert_eq!(
            (first, second),
            (DocumentSymbolsSource::Full, DocumentSymbolsSource::Cached)
        );
        assert!(Arc::ptr_eq(&a, &b));
        assert!(doc.symbol_cache().is_some_and(|c| c.weight() > 0));
    }
}
