//! Line index: converts byte offsets to tree-sitter points (row, byte column) and back.

use tree_sitter::Point;

/// Start offsets of every line of a source text.
///
/// Tree-sitter points are a pure function of the source: `row` is the number of `\n` bytes
/// before the offset and `column` the number of bytes since the last `\n` (or the start).
/// `\r` is an ordinary byte. This index reproduces that exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// `line_starts[r]` is the byte offset of row `r`; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
    /// Length of the indexed source.
    source_len: usize,
}

impl LineIndex {
    /// Indexes `source`.
    pub fn new(source: &[u8]) -> Self {
        let mut line_starts = Vec::with_capacity(source.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(
            source
                .iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            line_starts,
            source_len: source.len(),
        }
    }

    /// Length in bytes of the indexed source.
    pub fn source_len(&self) -> usize {
        self.source_len
    }

    /// Number of rows (one more than the number of `\n`).
    pub fn row_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The tree-sitter point of `byte`. Offsets past the end are treated as if the source
    /// continued without newlines.
    pub fn point_for_byte(&self, byte: usize) -> Point {
        let row = self.line_starts.partition_point(|&s| s <= byte) - 1;
        Point {
            row,
            column: byte - self.line_starts[row],
        }
    }

    /// The byte offset of `point`, or `None` when the row does not exist or the column runs
    /// past the end of its row (the `\n` itself is the last addressable column).
    pub fn byte_for_point(&self, point: Point) -> Option<usize> {
        let start = *self.line_starts.get(point.row)?;
        let row_end = self
            .line_starts
            .get(point.row + 1)
            .map_or(self.source_len, |&next| next - 1);
        let byte = start.checked_add(point.column)?;
        (byte <= row_end).then_some(byte)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_count_newlines_and_bytes_since_the_last_newline() {
        let src = "ab\r\nc\n\néx";
        let idx = LineIndex::new(src.as_bytes());
        assert_eq!(idx.point_for_byte(0), Point { row: 0, column: 0 });
        assert_eq!(idx.point_for_byte(3), Point { row: 0, column: 3 });
        assert_eq!(idx.point_for_byte(4), Point { row: 1, column: 0 });
        assert_eq!(idx.point_for_byte(7), Point { row: 3, column: 0 });
        // 'é' is two bytes: columns are bytes, not characters.
        assert_eq!(idx.point_for_byte(9), Point { row: 3, column: 2 });
        assert_eq!(idx.point_for_byte(src.len()), Point { row: 3, column: 3 });
        for b in 0..=src.len() {
            assert_eq!(idx.byte_for_point(idx.point_for_byte(b)), Some(b));
        }
        assert_eq!(idx.byte_for_point(Point { row: 9, column: 0 }), None);
        assert_eq!(idx.byte_for_point(Point { row: 1, column: 5 }), None);
    }

    #[test]
    fn empty_source_has_one_row() {
        let idx = LineIndex::new(b"");
        assert_eq!(idx.row_count(), 1);
        assert_eq!(idx.point_for_byte(0), Point { row: 0, column: 0 });
    }
}
