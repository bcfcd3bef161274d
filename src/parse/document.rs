//! Live documents: text plus syntax tree, kept current by versioned edits (byte ranges or
//! line/column ranges, like LSP `didChange`) and incremental reparsing.
//!
//! Lines are separated by `\n` only (as tree-sitter counts rows); a `\r` before it belongs to
//! the line. An edit batch is atomic: either every edit applies, the tree is reparsed and the
//! version advances, or the document is left exactly as it was and a typed error says why.

use std::fmt;
use std::time::Duration;

use tree_sitter::{InputEdit, Language, Point, Range, Tree};

use super::ParseError;
use super::budget::{CancelHandle, ParseBudget};
use super::engine::ParseEngine;
use crate::symbols::SymbolCache;

/// A position in a document: zero-based line and column. The column unit depends on the
/// [`EditRange`] variant (bytes or UTF-16 code units).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TextPosition {
    /// Zero-based line (rows are separated by `\n`).
    pub line: usize,
    /// Zero-based column within the line.
    pub column: usize,
}

impl TextPosition {
    /// `line`, `column`.
    pub fn new(line: usize, column: usize) -> Self {
        Self { line, column }
    }
}

/// The range an edit replaces, in the text as it is after the previous edits of the batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditRange {
    /// Byte offsets, `start..end`.
    Bytes {
        /// Start of the range.
        start: usize,
        /// End of the range (exclusive).
        end: usize,
    },
    /// Line/column positions with columns in bytes (tree-sitter's `Point`).
    Points {
        /// Start of the range.
        start: TextPosition,
        /// End of the range (exclusive).
        end: TextPosition,
    },
    /// Line/column positions with columns in UTF-16 code units (LSP's default encoding).
    Utf16 {
        /// Start of the range.
        start: TextPosition,
        /// End of the range (exclusive).
        end: TextPosition,
    },
}

/// Replace `range` with `new_text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    /// What to replace.
    pub range: EditRange,
    /// The replacement (may be empty: a deletion).
    pub new_text: String,
}

impl TextEdit {
    /// Replace bytes `start..end` with `new_text`.
    pub fn bytes(start: usize, end: usize, new_text: impl Into<String>) -> Self {
        Self {
            range: EditRange::Bytes { start, end },
            new_text: new_text.into(),
        }
    }

    /// Replace between two line/byte-column positions with `new_text`.
    pub fn points(start: TextPosition, end: TextPosition, new_text: impl Into<String>) -> Self {
        Self {
            range: EditRange::Points { start, end },
            new_text: new_text.into(),
        }
    }

    /// Replace between two line/UTF-16-column positions with `new_text`.
    pub fn utf16(start: TextPosition, end: TextPosition, new_text: impl Into<String>) -> Self {
        Self {
            range: EditRange::Utf16 { start, end },
            new_text: new_text.into(),
        }
    }
}

/// The result of an applied edit batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditOutcome {
    /// The document's new version.
    pub version: i64,
    /// Ranges (in the new text) whose syntactic structure changed, from
    /// `Tree::changed_ranges`.
    pub changed_ranges: Vec<Range>,
    /// Whether the new tree contains syntax errors.
    pub has_errors: bool,
    /// Time the incremental reparse took.
    pub reparse_elapsed: Duration,
}

/// Why an edit batch was refused. The document is unchanged after any of these.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The batch's version is not newer than the document's.
    #[error("stale version {found}: the document is at {}, expected at least {expected}", expected - 1)]
    VersionConflict {
        /// The value expected.
        expected: i64,
        /// The value found.
        found: i64,
    },
    /// A byte offset past the end of the text.
    #[error("edit {edit_index}: byte offset {offset} is past the end of the text ({len} bytes)")]
    ByteOutOfRange {
        /// Index of the edit in its batch.
        edit_index: usize,
        /// Byte offset where the problem was found.
        offset: usize,
        /// Length of the text.
        len: usize,
    },
    /// The range ends before it starts.
    #[error("edit {edit_index}: range ends at byte {end} before it starts at byte {start}")]
    InvertedRange {
        /// Index of the edit in its batch.
        edit_index: usize,
        /// Start of the range.
        start: usize,
        /// End of the range (exclusive).
        end: usize,
    },
    /// A line past the last line.
    #[error("edit {edit_index}: line {line} does not exist (the text has {line_count} lines)")]
    LineOutOfRange {
        /// Index of the edit in its batch.
        edit_index: usize,
        /// The line (zero-based).
        line: usize,
        /// Lines in the text.
        line_count: usize,
    },
    /// A column past the end of its line (in the range's column unit).
    #[error("edit {edit_index}: column {column} is past the end of line {line} ({line_len} long)")]
    ColumnOutOfRange {
        /// Index of the edit in its batch.
        edit_index: usize,
        /// The line (zero-based).
        line: usize,
        /// The column (zero-based).
        column: usize,
        /// Length of that line.
        line_len: usize,
    },
    /// The position falls inside a UTF-8 character (or between the halves of a UTF-16
    /// surrogate pair).
    #[error("edit {edit_index}: offset {offset} splits a character")]
    NotCharBoundary {
        /// Index of the edit in its batch.
        edit_index: usize,
        /// Byte offset where the problem was found.
        offset: usize,
    },
    /// The edited text could not be parsed within budget (too large, timeout, cancelled, busy).
    #[error("version {version}: reparse failed: {source}")]
    Parse {
        /// The document's current version.
        version: i64,
        /// The underlying error.
        #[source]
        source: ParseError,
    },
}

/// A live document: its text, its current syntax tree and its version.
pub struct Document {
    engine: ParseEngine,
    language_id: &'static str,
    language: Language,
    text: String,
    line_starts: Vec<usize>,
    tree: Tree,
    version: i64,
    max_source_bytes: usize,
    deadline: Duration,
    /// The last complete symbols (see `SymbolContext::document_symbols`).
    symbol_cache: Option<SymbolCache>,
    /// Everything that changed since `symbol_cache` was made, as one edit of the text it was
    /// made from: the edits themselves and the ranges the reparses restructured.
    changes: Option<InputEdit>,
}

impl Document {
    /// Parse `text` and open it at `version`. Later edits reparse with the same size cap and
    /// deadline as `budget` (each with a fresh cancel handle unless given one).
    ///
    /// # Errors
    /// Any [`ParseError`] of the initial parse.
    pub fn open(
        engine: &ParseEngine,
        language_id: &'static str,
        language: Language,
        text: String,
        version: i64,
        budget: &ParseBudget,
    ) -> Result<Self, ParseError> {
        let outcome = engine.parse(language_id, &language, text.as_bytes(), budget)?;
        Ok(Self {
            engine: engine.clone(),
            language_id,
            language,
            line_starts: line_starts(&text),
            text,
            tree: outcome.tree,
            version,
            max_source_bytes: budget.max_source_bytes,
            deadline: budget.deadline,
            symbol_cache: None,
            changes: None,
        })
    }

    /// The language id.
    pub fn language_id(&self) -> &'static str {
        self.language_id
    }

    /// The current text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The current syntax tree (always matches [`text`](Self::text)).
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The current version.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// Number of lines (`\n`-separated; an empty text has one line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The symbols cached with the document, if any (they may predate later edits: see
    /// [`changes_since_symbol_cache`](Self::changes_since_symbol_cache)).
    pub fn symbol_cache(&self) -> Option<&SymbolCache> {
        self.symbol_cache.as_ref()
    }

    /// Everything that changed since the symbol cache was set, as one edit from the text it
    /// was made from to the current text (text before `start_byte` and after the ends is the
    /// same in both, and so is the tree's structure there); `None` when nothing changed.
    pub fn changes_since_symbol_cache(&self) -> Option<&InputEdit> {
        self.changes.as_ref()
    }

    /// Sets (or drops) the symbol cache, made from the current text and tree.
    pub fn set_symbol_cache(&mut self, cache: Option<SymbolCache>) {
        self.symbol_cache = cache;
        self.changes = None;
    }

    /// Bytes the symbol cache holds (0 without one).
    pub fn symbol_cache_weight(&self) -> usize {
        self.symbol_cache.as_ref().map_or(0, SymbolCache::weight)
    }

    /// Apply `edits` in order as version `version`, with the document's size cap and deadline.
    /// See [`apply_edits_with_budget`](Self::apply_edits_with_budget).
    pub fn apply_edits(
        &mut self,
        version: i64,
        edits: &[TextEdit],
    ) -> Result<EditOutcome, EditError> {
        let budget = ParseBudget {
            max_source_bytes: self.max_source_bytes,
            deadline: self.deadline,
            cancel: CancelHandle::new(),
        };
        self.apply_edits_with_budget(version, edits, &budget)
    }

    /// Apply `edits` in order (each edit's range refers to the text after the previous ones),
    /// edit the tree with the matching `InputEdit`s, reparse incrementally under `budget`, and
    /// advance to `version`.
    ///
    /// # Errors
    /// `VersionConflict` unless `version` > the current version; range errors naming the
    /// offending edit; `Parse` when the reparse fails. On any error the document is unchanged.
    pub fn apply_edits_with_budget(
        &mut self,
        version: i64,
        edits: &[TextEdit],
        budget: &ParseBudget,
    ) -> Result<EditOutcome, EditError> {
        if version <= self.version {
            return Err(EditError::VersionConflict {
                expected: self.version.saturating_add(1),
                found: version,
            });
        }
        // Edits apply in place, each in time proportional to its own size plus a move of the
        // text after it and a shift of the line starts after it (no whole-document rescans, no
        // copy of the text); an undo log restores the document if a later edit or the reparse
        // fails, so the batch stays atomic.
        let mut undo: Vec<Undo> = Vec::with_capacity(edits.len());
        let mut input_edits: Vec<InputEdit> = Vec::with_capacity(edits.len());
        let mut edited = self.tree.clone();
        for (edit_index, edit) in edits.iter().enumerate() {
            let applied = if budget.cancel.is_cancelled() {
                Err(EditError::Parse {
                    version,
                    source: ParseError::Cancelled {
                        language: self.language_id,
                    },
                })
            } else {
                resolve(&self.text, &self.line_starts, edit_index, &edit.range)
            };
            let (start, end) = match applied {
                Ok(range) => range,
                Err(e) => {
                    self.rollback(undo);
                    return Err(e);
                }
            };
            let start_position = point_at(&self.line_starts, start);
            let old_end_position = point_at(&self.line_starts, end);
            let removed = self.text[start..end].to_string();
            self.replace(start, end, &edit.new_text);
            undo.push(Undo {
                start,
                inserted_len: edit.new_text.len(),
                removed,
            });
            let new_end_position = advance(start_position, &edit.new_text);
            let input_edit = InputEdit {
                start_byte: start,
                old_end_byte: end,
                new_end_byte: start + edit.new_text.len(),
                start_position,
                old_end_position,
                new_end_position,
            };
            edited.edit(&input_edit);
            input_edits.push(input_edit);
        }
        let outcome = match self.engine.reparse(
            self.language_id,
            &self.language,
            self.text.as_bytes(),
            &edited,
            budget,
        ) {
            Ok(outcome) => outcome,
            Err(source) => {
                self.rollback(undo);
                return Err(EditError::Parse { version, source });
            }
        };
        let changed_ranges: Vec<Range> = edited.changed_ranges(&outcome.tree).collect();
        if self.symbol_cache.is_some() {
            // Restructured ranges count as changed: symbols there must be extracted again.
            let restructured = changed_ranges.iter().map(|r| InputEdit {
                start_byte: r.start_byte,
                old_end_byte: r.end_byte,
                new_end_byte: r.end_byte,
                start_position: r.start_point,
                old_end_position: r.end_point,
                new_end_position: r.end_point,
            });
            for edit in input_edits.iter().copied().chain(restructured) {
                self.changes = Some(match &self.changes {
                    Some(earlier) => compose(earlier, &edit),
                    None => edit,
                });
            }
        }
        self.tree = outcome.tree;
        self.version = version;
        Ok(EditOutcome {
            version,
            changed_ranges,
            has_errors: outcome.has_errors,
            reparse_elapsed: outcome.elapsed,
        })
    }
}

impl Document {
    /// Replaces `start..end` (checked char boundaries) with `new_text`, keeping the line index
    /// in step: line starts inside the replaced range go, those after it shift, and the
    /// replacement's own line breaks add theirs.
    fn replace(&mut self, start: usize, end: usize, new_text: &str) {
        self.text.replace_range(start..end, new_text);
        splice_line_starts(&mut self.line_starts, start, end, new_text);
    }

    /// Undoes applied edits, newest first.
    fn rollback(&mut self, undo: Vec<Undo>) {
        for step in undo.into_iter().rev() {
            self.replace(step.start, step.start + step.inserted_len, &step.removed);
        }
    }
}

/// One edit equivalent to `first` (text A to B) followed by `then` (B to C): it replaces the
/// smallest span of A covering both with the matching span of C.
fn compose(first: &InputEdit, then: &InputEdit) -> InputEdit {
    let (start_byte, start_position) = if then.start_byte < first.start_byte {
        (then.start_byte, then.start_position)
    } else {
        (first.start_byte, first.start_position)
    };
    let (old_end_byte, old_end_position, new_end_byte, new_end_position) =
        if then.old_end_byte <= first.new_end_byte {
            // The span ends where `first`'s replacement ends in B: carry that through `then`.
            let (byte, point) = shift(first.new_end_byte, first.new_end_position, then);
            (first.old_end_byte, first.old_end_position, byte, point)
        } else {
            // It ends where `then`'s replaced range ends in B: carry that back through `first`.
            let (byte, point) = unshift(then.old_end_byte, then.old_end_position, first);
            (byte, point, then.new_end_byte, then.new_end_position)
        };
    InputEdit {
        start_byte,
        old_end_byte,
        new_end_byte,
        start_position,
        old_end_position,
        new_end_position,
    }
}

/// A position at or after `edit`'s old end, in the text after `edit`.
fn shift(byte: usize, point: Point, edit: &InputEdit) -> (usize, Point) {
    (
        byte - edit.old_end_byte + edit.new_end_byte,
        shift_point(point, edit),
    )
}

/// A point at or after `edit`'s old end, moved to the text after `edit` (shared with the
/// incremental symbol splice).
pub(crate) fn shift_point(point: Point, edit: &InputEdit) -> Point {
    if point.row == edit.old_end_position.row {
        Point::new(
            edit.new_end_position.row,
            point.column - edit.old_end_position.column + edit.new_end_position.column,
        )
    } else {
        Point::new(
            point.row - edit.old_end_position.row + edit.new_end_position.row,
            point.column,
        )
    }
}

/// A position at or after `edit`'s new end, in the text before `edit`.
fn unshift(byte: usize, point: Point, edit: &InputEdit) -> (usize, Point) {
    let inverse = InputEdit {
        start_byte: edit.start_byte,
        old_end_byte: edit.new_end_byte,
        new_end_byte: edit.old_end_byte,
        start_position: edit.start_position,
        old_end_position: edit.new_end_position,
        new_end_position: edit.old_end_position,
    };
    shift(byte, point, &inverse)
}

/// What undoes one applied edit: put `removed` back over `start..start + inserted_len`.
struct Undo {
    start: usize,
    inserted_len: usize,
    removed: String,
}

/// Updates `starts` (line start offsets of a text) for the replacement of bytes `start..end`
/// by `new_text`. Work is proportional to the lines after `start`, never a rescan of the text.
fn splice_line_starts(starts: &mut Vec<usize>, start: usize, end: usize, new_text: &str) {
    // Line starts strictly inside (start, end] came from line breaks in the replaced bytes.
    let first_gone = starts.partition_point(|&s| s <= start);
    let first_kept = starts.partition_point(|&s| s <= end);
    let added = new_text
        .bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'\n')
        .map(|(i, _)| start + i + 1);
    let (old_len, new_len) = (end - start, new_text.len());
    for s in &mut starts[first_kept..] {
        *s = *s - old_len + new_len;
    }
    starts.splice(first_gone..first_kept, added);
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("language_id", &self.language_id)
            .field("version", &self.version)
            .field("text_bytes", &self.text.len())
            .field("lines", &self.line_starts.len())
            .finish()
    }
}

/// Byte offsets where each line starts; always starts with 0.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect()
}

/// The tree-sitter point (row, byte column) of `byte`, which must be ≤ the text length.
fn point_at(starts: &[usize], byte: usize) -> Point {
    let row = starts.partition_point(|&s| s <= byte).saturating_sub(1);
    Point::new(row, byte - starts.get(row).copied().unwrap_or(0))
}

/// The point reached from `start` after inserting `text`.
fn advance(start: Point, text: &str) -> Point {
    match text.rfind('\n') {
        Some(last) => Point::new(
            start.row + text.bytes().filter(|&b| b == b'\n').count(),
            text.len() - last - 1,
        ),
        None => Point::new(start.row, start.column + text.len()),
    }
}

/// Resolve an edit's range to checked byte offsets in `text`.
fn resolve(
    text: &str,
    starts: &[usize],
    edit_index: usize,
    range: &EditRange,
) -> Result<(usize, usize), EditError> {
    let (start, end) = match *range {
        EditRange::Bytes { start, end } => {
            for offset in [start, end] {
                if offset > text.len() {
                    return Err(EditError::ByteOutOfRange {
                        edit_index,
                        offset,
                        len: text.len(),
                    });
                }
            }
            (start, end)
        }
        EditRange::Points { start, end } => (
            byte_for_position(text, starts, edit_index, start, false)?,
            byte_for_position(text, starts, edit_index, end, false)?,
        ),
        EditRange::Utf16 { start, end } => (
            byte_for_position(text, starts, edit_index, start, true)?,
            byte_for_position(text, starts, edit_index, end, true)?,
        ),
    };
    if start > end {
        return Err(EditError::InvertedRange {
            edit_index,
            start,
            end,
        });
    }
    for offset in [start, end] {
        if !text.is_char_boundary(offset) {
            return Err(EditError::NotCharBoundary { edit_index, offset });
        }
    }
    Ok((start, end))
}

/// The byte offset of `position`; columns in bytes, or in UTF-16 code units if `utf16`.
fn byte_for_position(
    text: &str,
    starts: &[usize],
    edit_index: usize,
    position: TextPosition,
    utf16: bool,
) -> Result<usize, EditError> {
    let TextPosition { line, column } = position;
    let Some(&line_start) = starts.get(line) else {
        return Err(EditError::LineOutOfRange {
            edit_index,
            line,
            line_count: starts.len(),
        });
    };
    // Line content without its `\n`.
    let line_end = starts.get(line + 1).map_or(text.len(), |&next| next - 1);
    let line_text = text.get(line_start..line_end).unwrap_or_default();
    if !utf16 {
        if column > line_text.len() {
            return Err(EditError::ColumnOutOfRange {
                edit_index,
                line,
                column,
                line_len: line_text.len(),
            });
        }
        return Ok(line_start + column);
    }
    let mut units = 0;
    for (offset, ch) in line_text.char_indices() {
        if units == column {
            return Ok(line_start + offset);
        }
        units += ch.len_utf16();
        if units > column {
            // Between the two halves of a surrogate pair.
            return Err(EditError::NotCharBoundary {
                edit_index,
                offset: line_start + offset,
            });
        }
    }
    if units == column {
        Ok(line_end)
    } else {
        Err(EditError::ColumnOutOfRange {
            edit_index,
            line,
            column,
            line_len: units,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_and_line_starts_agree_with_tree_sitter_rows() {
        let text = "ab\r\ncd\n\né";
        let starts = line_starts(text);
        assert_eq!(starts, vec![0, 4, 7, 8]);
        assert_eq!(point_at(&starts, 0), Point::new(0, 0));
        assert_eq!(point_at(&starts, 3), Point::new(0, 3));
        assert_eq!(point_at(&starts, 4), Point::new(1, 0));
        assert_eq!(point_at(&starts, text.len()), Point::new(3, 2));
        assert_eq!(advance(Point::new(2, 5), "xy"), Point::new(2, 7));
        assert_eq!(advance(Point::new(2, 5), "x\nyz\nw"), Point::new(4, 1));
        assert_eq!(advance(Point::new(2, 5), "\n"), Point::new(3, 0));
    }

    proptest::proptest! {
        /// The incremental line index equals a rescan after any replacement.
        #[test]
        fn spliced_line_starts_equal_a_rescan(
            text in "[a\n]{0,40}",
            a in 0usize..41,
            b in 0usize..41,
            new_text in "[b\n]{0,8}",
        ) {
            let (start, end) = (a.min(b).min(text.len()), a.max(b).min(text.len()));
            let mut starts = line_starts(&text);
            let mut edited = text.clone();
            edited.replace_range(start..end, &new_text);
            splice_line_starts(&mut starts, start, end, &new_text);
            proptest::prop_assert_eq!(starts, line_starts(&edited));
        }
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs_as_two() {
        let text = "a😀b\n";
        let starts = line_starts(text);
        let at = |column| byte_for_position(text, &starts, 0, TextPosition::new(0, column), true);
        assert_eq!(at(0), Ok(0));
        assert_eq!(at(1), Ok(1));
        assert_eq!(
            at(2),
            Err(EditError::NotCharBoundary {
                edit_index: 0,
                offset: 1
            })
        );
        assert_eq!(at(3), Ok(5));
        assert_eq!(at(4), Ok(6));
        assert!(matches!(
            at(5),
            Err(EditError::ColumnOutOfRange { line_len: 4, .. })
        ));
    }

    #[cfg(feature = "tree-sitter-python")]
    mod python {
        use super::*;
        use crate::parse::{EngineConfig, ParseEngine};

        fn open(text: &str) -> Document {
            let engine = ParseEngine::new(EngineConfig::default());
            Document::open(
                &engine,
                "python",
                tree_sitter_python::LANGUAGE.into(),
                text.to_owned(),
                1,
                &ParseBudget::default(),
            )
            .unwrap()
        }

        fn fresh_sexp(text: &str) -> String {
            let mut parser = tree_sitter::Parser::new();
            parser
                .set_language(&tree_sitter_python::LANGUAGE.into())
                .unwrap();
            parser.parse(text, None).unwrap().root_node().to_sexp()
        }

        #[test]
        fn an_edit_reparses_and_reports_changed_ranges() {
            let mut doc = open("def f(x):\n    return x\n");
            let out = doc
                .apply_edits(
                    2,
                    &[TextEdit::points(
                        TextPosition::new(1, 11),
                        TextPosition::new(1, 12),
                        "[x, x]",
                    )],
                )
                .unwrap();
            assert_eq!(doc.text(), "def f(x):\n    return [x, x]\n");
            assert_eq!(doc.version(), 2);
            assert!(!out.has_errors);
            assert!(!out.changed_ranges.is_empty());
            assert!(out.changed_ranges.iter().all(|r| r.start_point.row == 1));
            assert_eq!(doc.tree().root_node().to_sexp(), fresh_sexp(doc.text()));
        }

        #[test]
        fn edits_in_a_batch_apply_in_order() {
            let mut doc = open("a = 1\n");
            doc.apply_edits(
                5,
                &[
                    TextEdit::bytes(6, 6, "b = 2\n"),
                    TextEdit::points(TextPosition::new(1, 4), TextPosition::new(1, 5), "(3)"),
                    TextEdit::utf16(TextPosition::new(0, 0), TextPosition::new(0, 1), "é"),
                ],
            )
            .unwrap();
            assert_eq!(doc.text(), "é = 1\nb = (3)\n");
            assert_eq!(doc.tree().root_node().to_sexp(), fresh_sexp(doc.text()));
        }

        #[test]
        fn a_stale_version_is_a_conflict_and_changes_nothing() {
            let mut doc = open("a = 1\n");
            doc.apply_edits(3, &[TextEdit::bytes(0, 1, "b")]).unwrap();
            for stale in [3, 2, -1] {
                let err = doc
                    .apply_edits(stale, &[TextEdit::bytes(0, 1, "c")])
                    .unwrap_err();
                assert_eq!(
                    err,
                    EditError::VersionConflict {
                        expected: 4,
                        found: stale
                    }
                );
            }
            assert_eq!(doc.text(), "b = 1\n");
            assert_eq!(doc.version(), 3);
        }

        #[test]
        fn bad_ranges_are_typed_errors_and_the_batch_is_atomic() {
            let mut doc = open("s = 'é'\n");
            let cases = [
                (
                    TextEdit::bytes(0, 99, ""),
                    EditError::ByteOutOfRange {
                        edit_index: 1,
                        offset: 99,
                        len: 13,
                    },
                ),
                (
                    TextEdit::bytes(3, 2, ""),
                    EditError::InvertedRange {
                        edit_index: 1,
                        start: 3,
                        end: 2,
                    },
                ),
                (
                    TextEdit::bytes(10, 10, ""),
                    EditError::NotCharBoundary {
                        edit_index: 1,
                        offset: 10,
                    },
                ),
                (
                    TextEdit::points(TextPosition::new(5, 0), TextPosition::new(5, 0), ""),
                    EditError::LineOutOfRange {
                        edit_index: 1,
                        line: 5,
                        line_count: 3,
                    },
                ),
                (
                    TextEdit::points(TextPosition::new(1, 0), TextPosition::new(1, 40), ""),
                    EditError::ColumnOutOfRange {
                        edit_index: 1,
                        line: 1,
                        column: 40,
                        line_len: 8,
                    },
                ),
            ];
            for (bad, expected) in cases {
                // The first edit is fine: it must be rolled back with the batch. Offsets of
                // the second refer to the text after the first.
                let err = doc
                    .apply_edits(2, &[TextEdit::bytes(0, 0, "# c\n"), bad])
                    .unwrap_err();
                assert_eq!(err, expected);
                assert_eq!(doc.text(), "s = 'é'\n");
                assert_eq!(doc.version(), 1);
            }
        }

        #[test]
        fn a_reparse_over_budget_leaves_the_document_unchanged() {
            let mut doc = open("a = 1\n");
            let budget = ParseBudget::new(8, Duration::from_secs(1));
            let err = doc
                .apply_edits_with_budget(2, &[TextEdit::bytes(6, 6, "bbbbbb = 2\n")], &budget)
                .unwrap_err();
            assert!(matches!(
                err,
                EditError::Parse {
                    version: 2,
                    source: ParseError::TooLarge { .. }
                }
            ));
            assert_eq!(doc.text(), "a = 1\n");
            assert_eq!(doc.version(), 1);
        }
    }
}
