//! Symbol search over a workspace index: exact, prefix and fuzzy (`nucleo-matcher`, the
//! matcher of helix) matching of names, and the ranking of the hits.
//!
//! Ranking, most important first (see `docs/workspaces.md`):
//! 1. the match: exact (case-sensitive), exact ignoring ASCII case, prefix (case-sensitive),
//!    prefix ignoring ASCII case, then fuzzy, by nucleo's score (higher first);
//! 2. definitions before references;
//! 3. the kind's priority ([`kind_priority`]: types, then functions, then modules, ...);
//! 4. shallower paths first (fewer `/`);
//! 5. path, then position (a total, deterministic order).
//!
//! The best `limit` hits are kept in a bounded heap while the index is scanned, so a query
//! that matches every symbol costs memory for `limit` hits only.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Matcher, Utf32Str};
use serde::Serialize;

use super::index::{IndexedFile, IndexedSymbol, WorkspaceIndex};
use crate::symbols::SymbolRole;

/// How a name matched the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchClass {
    /// The name is the query.
    Exact,
    /// The name is the query ignoring ASCII case.
    ExactIgnoreCase,
    /// The name starts with the query.
    Prefix,
    /// The name starts with the query ignoring ASCII case.
    PrefixIgnoreCase,
    /// The query's characters appear in the name in order (nucleo's fuzzy match).
    Fuzzy,
}

/// Which symbols a search considers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RoleFilter {
    /// Definitions and references.
    #[default]
    Any,
    /// Definitions only.
    Definitions,
    /// References only.
    References,
}

impl RoleFilter {
    fn admits(self, role: SymbolRole) -> bool {
        match self {
            RoleFilter::Any => true,
            RoleFilter::Definitions => role == SymbolRole::Definition,
            RoleFilter::References => role == SymbolRole::Reference,
        }
    }
}

/// One search.
#[derive(Debug, Clone)]
pub struct SymbolQuery<'a> {
    /// The text to match against names (not empty).
    pub text: &'a str,
    /// Only these kinds (empty: every kind).
    pub kinds: Vec<&'a str>,
    /// Definitions, references or both.
    pub role: RoleFilter,
    /// Hits returned at most.
    pub limit: usize,
}

/// A hit: the file, the symbol and how it matched.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a> {
    /// The file.
    pub file: &'a IndexedFile,
    /// The symbol.
    pub symbol: &'a IndexedSymbol,
    /// How the name matched.
    pub class: MatchClass,
    /// nucleo's score of a fuzzy match (0 for the other classes).
    pub score: u16,
}

/// The priority of a kind in the ranking (lower first): types 0, callables 1, modules 2,
/// constants and enum members 3, fields, properties and variables 4, anything else 5.
pub fn kind_priority(kind: &str) -> u8 {
    match kind {
        "class" | "struct" | "interface" | "enum" | "type_alias" | "trait" => 0,
        "function" | "method" | "constructor" | "macro" => 1,
        "module" | "namespace" | "package" => 2,
        "constant" | "enum_member" => 3,
        "field" | "property" | "variable" => 4,
        _ => 5,
    }
}

/// The ranking order of two hits (`Less`: `a` is shown first). Total: equal only for the same
/// symbol of the same file.
pub fn rank(a: &Hit<'_>, b: &Hit<'_>) -> Ordering {
    a.class
        .cmp(&b.class)
        .then_with(|| Reverse(a.score).cmp(&Reverse(b.score)))
        .then_with(|| role_rank(a.symbol.role).cmp(&role_rank(b.symbol.role)))
        .then_with(|| kind_priority(&a.symbol.kind).cmp(&kind_priority(&b.symbol.kind)))
        .then_with(|| depth(&a.file.path).cmp(&depth(&b.file.path)))
        .then_with(|| a.file.path.cmp(&b.file.path))
        .then_with(|| a.symbol.range.start.cmp(&b.symbol.range.start))
        .then_with(|| a.symbol.name.cmp(&b.symbol.name))
        .then_with(|| a.symbol.kind.cmp(&b.symbol.kind))
}

/// How `name` matches `query`, with nucleo's score for a fuzzy match; `None`: no match.
/// `buf` is scratch space for non-ASCII names.
pub fn match_name(
    name: &str,
    query: &str,
    atom: &Atom,
    matcher: &mut Matcher,
    buf: &mut Vec<char>,
) -> Option<(MatchClass, u16)> {
    if name == query {
        return Some((MatchClass::Exact, 0));
    }
    if name.eq_ignore_ascii_case(query) {
        return Some((MatchClass::ExactIgnoreCase, 0));
    }
    if name.starts_with(query) {
        return Some((MatchClass::Prefix, 0));
    }
    if name.len() > query.len()
        && name.is_char_boundary(query.len())
        && name[..query.len()].eq_ignore_ascii_case(query)
    {
        return Some((MatchClass::PrefixIgnoreCase, 0));
    }
    atom.score(Utf32Str::new(name, buf), matcher)
        .map(|score| (MatchClass::Fuzzy, score))
}

/// The best `query.limit` hits of `query` in `index`, in ranking order.
pub fn search<'a>(index: &'a WorkspaceIndex, query: &SymbolQuery<'_>) -> Vec<Hit<'a>> {
    if query.limit == 0 || query.text.is_empty() {
        return Vec::new();
    }
    let atom = Atom::new(
        query.text,
        CaseMatching::Ignore,
        Normalization::Smart,
        AtomKind::Fuzzy,
        false,
    );
    let mut matcher = Matcher::new(nucleo_matcher::Config::DEFAULT);
    let mut buf = Vec::new();
    let mut best: BinaryHeap<Ranked<'a>> = BinaryHeap::with_capacity(query.limit + 1);
    for file in index.files() {
        for symbol in &file.symbols {
            if !query.role.admits(symbol.role)
                || (!query.kinds.is_empty() && !query.kinds.contains(&symbol.kind.as_ref()))
            {
                continue;
            }
            let Some((class, score)) =
                match_name(&symbol.name, query.text, &atom, &mut matcher, &mut buf)
            else {
                continue;
            };
            let hit = Ranked(Hit {
                file,
                symbol,
                class,
                score,
            });
            if best.len() < query.limit {
                best.push(hit);
            } else if let Some(worst) = best.peek()
                && rank(&hit.0, &worst.0) == Ordering::Less
            {
                best.pop();
                best.push(hit);
            }
        }
    }
    // Ascending by `Ranked`'s order = best first.
    best.into_sorted_vec().into_iter().map(|r| r.0).collect()
}

/// Symbols named exactly `name` with this role, by path and position, at most `limit`.
pub fn by_name<'a>(
    index: &'a WorkspaceIndex,
    name: &str,
    role: SymbolRole,
    limit: usize,
) -> Vec<Hit<'a>> {
    index
        .files()
        .flat_map(|file| {
            let symbols = match role {
                SymbolRole::Definition => file.definitions(),
                SymbolRole::Reference => file.references(),
            };
            symbols
                .iter()
                .filter(|s| s.name.as_ref() == name)
                .map(move |symbol| Hit {
                    file,
                    symbol,
                    class: MatchClass::Exact,
                    score: 0,
                })
        })
        .take(limit)
        .collect()
}

/// A hit ordered by [`rank`]: the heap's top is the worst hit kept.
struct Ranked<'a>(Hit<'a>);

impl PartialEq for Ranked<'_> {
    fn eq(&self, other: &Self) -> bool {
        rank(&self.0, &other.0) == Ordering::Equal
    }
}

impl Eq for Ranked<'_> {}

impl PartialOrd for Ranked<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        rank(&self.0, &other.0)
    }
}

fn role_rank(role: SymbolRole) -> u8 {
    match role {
        SymbolRole::Definition => 0,
        SymbolRole::Reference => 1,
    }
}

fn depth(path: &str) -> usize {
    path.bytes().filter(|&b| b == b'/').count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::position::{Position, Range};
    use crate::workspace::index::IndexedFile;

    fn symbol(name: &str, kind: &str, role: SymbolRole, row: usize) -> IndexedSymbol {
        let at = Position {
            byte: row * 10,
            row,
            column: 0,
        };
        IndexedSymbol {
            name: name.into(),
            kind: kind.into(),
            role,
            range: Range { start: at, end: at },
            container: None,
        }
    }

    fn file(path: &str, symbols: Vec<IndexedSymbol>) -> IndexedFile {
        let definitions = symbols
            .iter()
            .filter(|s| s.role == SymbolRole::Definition)
            .count();
        IndexedFile {
            path: path.into(),
            language: "python",
            symbols,
            definitions,
        }
    }

    fn names(index: &WorkspaceIndex, text: &str, limit: usize) -> Vec<String> {
        let query = SymbolQuery {
            text,
            kinds: Vec::new(),
            role: RoleFilter::Any,
            limit,
        };
        search(index, &query)
            .iter()
            .map(|h| format!("{}:{}:{}", h.file.path, h.symbol.name, h.symbol.kind))
            .collect()
    }

    use SymbolRole::{Definition as D, Reference as R};

    #[test]
    fn exact_beats_case_insensitive_beats_prefix_beats_fuzzy() {
        let mut index = WorkspaceIndex::default();
        index.insert(file(
            "a.py",
            vec![
                symbol("parse_entry_fast", "function", D, 1),
                symbol("PARSE", "constant", D, 2),
                symbol("Parse_entries", "function", D, 3),
                symbol("parse", "function", D, 4),
                symbol("p_a_r_s_e", "function", D, 5),
                symbol("unrelated", "function", D, 6),
            ],
        ));
        assert_eq!(
            names(&index, "parse", 10),
            [
                "a.py:parse:function",
                "a.py:PARSE:constant",
                "a.py:parse_entry_fast:function",
                "a.py:Parse_entries:function",
                "a.py:p_a_r_s_e:function",
            ]
        );
    }

    #[test]
    fn definitions_then_kind_then_depth_then_path_and_position() {
        let mut index = WorkspaceIndex::default();
        index.insert(file("z/deep/m.py", vec![symbol("Node", "class", D, 1)]));
        index.insert(file(
            "b.py",
            vec![
                symbol("Node", "function", D, 7),
                symbol("Node", "call", R, 9),
            ],
        ));
        index.insert(file(
            "a.py",
            vec![symbol("Node", "class", D, 3), symbol("Node", "class", D, 1)],
        ));
        let ranked = names(&index, "Node", 10);
        assert_eq!(
            ranked,
            [
                "a.py:Node:class",
                "a.py:Node:class",
                "z/deep/m.py:Node:class",
                "b.py:Node:function",
                "b.py:Node:call",
            ]
        );
        let query = SymbolQuery {
            text: "Node",
            kinds: Vec::new(),
            role: RoleFilter::Any,
            limit: 2,
        };
        let rows: Vec<usize> = search(&index, &query)
            .iter()
            .map(|h| h.symbol.range.start.row)
            .collect();
        assert_eq!(rows, [1, 3], "same file: by position");
    }

    #[test]
    fn the_limit_keeps_the_best_hits_whatever_the_scan_order() {
        let mut index = WorkspaceIndex::default();
        for i in 0..50 {
            index.insert(file(
                &format!("f{i:02}.py"),
                vec![symbol(&format!("handler_{i}"), "function", D, 1)],
            ));
        }
        index.insert(file("zz.py", vec![symbol("handler", "function", D, 1)]));
        let all = names(&index, "handler", 100);
        assert_eq!(all.len(), 51);
        assert_eq!(all[0], "zz.py:handler:function");
        assert_eq!(names(&index, "handler", 3), all[..3]);
    }

    #[test]
    fn fuzzy_scores_order_fuzzy_hits_and_kinds_and_roles_filter() {
        let mut index = WorkspaceIndex::default();
        index.insert(file(
            "a.py",
            vec![
                symbol("get_user_name", "function", D, 1),
                symbol("gxuxn", "variable", D, 2),
                symbol("User", "class", D, 3),
                symbol("get_user_name", "call", R, 4),
            ],
        ));
        let ranked = names(&index, "gun", 10);
        assert_eq!(ranked[0], "a.py:get_user_name:function");
        assert!(ranked.contains(&"a.py:get_user_name:call".to_string()));
        let query = SymbolQuery {
            text: "user",
            kinds: vec!["class"],
            role: RoleFilter::Definitions,
            limit: 10,
        };
        let hits = search(&index, &query);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].symbol.name.as_ref(), "User");
        assert_eq!(hits[0].class, MatchClass::ExactIgnoreCase);
        let refs = by_name(&index, "get_user_name", R, 10);
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].symbol.kind.as_ref(), "call");
        assert!(names(&index, "qqq", 10).is_empty());
    }
}
