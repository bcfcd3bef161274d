//! The outline: a flat symbol list (ordered, with `parent` indices) turned into a tree of
//! nested symbols, built without recursion.

use serde::Serialize;

use super::extract::Symbol;

/// One symbol of an outline with the symbols it contains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutlineNode {
    /// The symbol (its `parent` is still the index into the flat list).
    #[serde(flatten)]
    pub symbol: Symbol,
    /// Symbols whose `parent` is this one, in source order.
    pub children: Vec<OutlineNode>,
}

/// Nests `symbols` (as returned by extraction: sorted, every `parent` index smaller than its
/// child's) into a forest of top-level symbols. A `parent` index that does not point to an
/// earlier symbol makes the symbol top-level.
pub fn outline(symbols: &[Symbol]) -> Vec<OutlineNode> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); symbols.len()];
    let mut roots = Vec::new();
    for (i, s) in symbols.iter().enumerate() {
        match s.parent {
            Some(p) if p < i => children[p].push(i),
            _ => roots.push(i),
        }
    }
    // Children have larger indices than their parent: build from the end.
    let mut built: Vec<Option<OutlineNode>> = vec![None; symbols.len()];
    for i in (0..symbols.len()).rev() {
        let kids = children[i]
            .iter()
            .filter_map(|&c| built[c].take())
            .collect();
        built[i] = Some(OutlineNode {
            symbol: symbols[i].clone(),
            children: kids,
        });
    }
    roots.iter().filter_map(|&r| built[r].take()).collect()
}
