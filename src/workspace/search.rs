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
//! Matching runs over the index by name (distinct names, see [`search`]); the best `limit`
//! hits are kept in a bounded heap, so a query that matches every symbol costs memory for
//! `limit` hits only.

use std::cell::Cell;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Matcher, Utf32Str};
use serde::Serialize;

use super::index::{IndexedFile, IndexedSymbol, WorkspaceIndex};
use super::names::{DEPTH_MASK, REFERENCE_BIT, Spelling, char_mask};
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
    #[cfg(test)]
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
        .then_with(|| {
            kind_priority(a.symbol.kind.as_str()).cmp(&kind_priority(b.symbol.kind.as_str()))
        })
        .then_with(|| depth(&a.file.path).cmp(&depth(&b.file.path)))
        .then_with(|| a.file.path.cmp(&b.file.path))
        .then_with(|| a.symbol.range.start().cmp(&b.symbol.range.start()))
        .then_with(|| a.symbol.name.cmp(&b.symbol.name))
        .then_with(|| a.symbol.kind.as_str().cmp(b.symbol.kind.as_str()))
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
///
/// Runs on the index by name ([`super::names`]): the names equal to or starting with the
/// query ignoring ASCII case (every exact and prefix match) are one range of the sorted
/// names; fuzzy matching runs over the other distinct names only when those gave fewer than
/// `limit` hits (a fuzzy hit never ranks above them), each name first checked for the query's
/// letters ([`char_mask`]). Every occurrence of a matching name goes through the same bounded
/// heap and [`rank`] as a full scan would, so the answer is the full scan's.
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
    let names = index.names();
    let wants_role = |key: u32| match query.role {
        RoleFilter::Any => true,
        RoleFilter::Definitions => key & REFERENCE_BIT == 0,
        RoleFilter::References => key & REFERENCE_BIT != 0,
    };
    // The worst kept hit's (class, score, key): a posting ordered after it cannot enter.
    // Set once `limit` hits are kept (the heap then stays full).
    let worst: Cell<Option<(MatchClass, Reverse<u16>, u32)>> = Cell::new(None);
    let mut offer = |spelling: &'a Spelling, class: MatchClass, score: u16| {
        if let Some(w) = worst.get()
            && (class, Reverse(score)) > (w.0, w.1)
        {
            return;
        }
        for posting in &spelling.postings {
            if !wants_role(posting.key) {
                continue;
            }
            if let Some(w) = worst.get()
                && (class, Reverse(score), posting.key) > w
            {
                continue;
            }
            let Some((file, order)) = names.file_with_order(posting.file) else {
                continue;
            };
            let Some(symbol) = file.symbols.get(posting.symbol as usize) else {
                continue;
            };
            if !query.kinds.is_empty() && !query.kinds.contains(&symbol.kind.as_str()) {
                continue;
            }
            let hit = Ranked {
                hit: Hit {
                    file,
                    symbol,
                    class,
                    score,
                },
                key: posting.key,
                order,
            };
            if best.len() < query.limit {
                best.push(hit);
            } else if let Some(top) = best.peek()
                && hit < *top
            {
                best.pop();
                best.push(hit);
            } else {
                continue;
            }
            if best.len() == query.limit {
                worst.set(
                    best.peek()
                        .map(|top| (top.hit.class, Reverse(top.hit.score), top.key)),
                );
            }
        }
    };
    let lower = query.text.to_ascii_lowercase();
    for (_, spellings) in names.with_prefix(&lower) {
        for spelling in spellings {
            if let Some((class, score)) =
                match_name(&spelling.name, query.text, &atom, &mut matcher, &mut buf)
            {
                offer(spelling, class, score);
            }
        }
    }
    // A full heap now holds only exact and prefix hits, which no fuzzy hit can beat.
    if worst.get().is_none() {
        let wanted = char_mask(query.text, false);
        let lower = lower.as_bytes();
        let ascii_query = query.text.is_ascii();
        let mut scored: Vec<(Reverse<u16>, &str)> = Vec::new();
        for name in names.scan(wanted) {
            // Names in the prefix range were matched above.
            if name
                .as_bytes()
                .get(..lower.len())
                .is_some_and(|b| b.eq_ignore_ascii_case(lower))
            {
                continue;
            }
            // nucleo only matches names holding the query's characters in order: for ASCII
            // text that is a byte check, far cheaper than scoring.
            if ascii_query && name.is_ascii() && !contains_in_order(name.as_bytes(), lower) {
                continue;
            }
            if let Some(score) = atom.score(Utf32Str::new(name, &mut buf), &mut matcher) {
                scored.push((Reverse(score), name));
            }
        }
        // Best score first: once `limit` hits are kept, a name scoring below the worst of
        // them cannot enter, nor can any after it (equal scores still can: later steps rank,
        // so the order among them does not matter and is not sorted).
        scored.sort_unstable_by_key(|&(score, _)| score);
        for (Reverse(score), name) in scored {
            if worst
                .get()
                .is_some_and(|w| (MatchClass::Fuzzy, Reverse(score)) > (w.0, w.1))
            {
                break;
            }
            if let Some(spelling) = names.spelling(name) {
                offer(spelling, MatchClass::Fuzzy, score);
            }
        }
    }
    // Ascending by `Ranked`'s order = best first.
    best.into_sorted_vec().into_iter().map(|r| r.hit).collect()
}

/// True when the bytes of `lower` (ASCII-lowercased) appear in `name` in order, ignoring
/// ASCII case: for ASCII text, what a fuzzy match needs at least (nucleo matches a
/// subsequence of the name, ignoring case).
pub fn contains_in_order(name: &[u8], lower: &[u8]) -> bool {
    let mut rest = name.iter();
    lower
        .iter()
        .all(|&q| rest.any(|&b| b.to_ascii_lowercase() == q))
}

/// Symbols named exactly `name` with this role, by path and position, at most `limit`.
pub fn by_name<'a>(
    index: &'a WorkspaceIndex,
    name: &str,
    role: SymbolRole,
    limit: usize,
) -> Vec<Hit<'a>> {
    let names = index.names();
    let mut hits: Vec<(&'a IndexedFile, u32)> = names
        .exact_ignore_case(&name.to_ascii_lowercase())
        .iter()
        .filter(|s| s.name.as_str() == name)
        .flat_map(|s| s.postings.iter())
        .filter_map(|p| Some((names.file(p.file)?, p.symbol)))
        .filter(|(file, i)| {
            file.symbols
                .get(*i as usize)
                .is_some_and(|s| s.role == role)
        })
        .collect();
    hits.sort_by(|a, b| (&a.0.path, a.1).cmp(&(&b.0.path, b.1)));
    hits.into_iter()
        .take(limit)
        .filter_map(|(file, i)| {
            Some(Hit {
                file,
                symbol: file.symbols.get(i as usize)?,
                class: MatchClass::Exact,
                score: 0,
            })
        })
        .collect()
}

/// A hit ordered as [`rank`] orders it, with integers where `rank` looks at strings: the
/// heap's top is the worst hit kept.
///
/// `key` is the posting's [`rank_key`](super::names::rank_key) (role, kind priority and path
/// depth, in `rank`'s order) and `order` the file's place in the path order
/// ([`super::names::NameIndex::set_order`]: increasing with the path), so hits that tie on
/// the match compare as integers down to the position; paths are compared only for two files
/// with the same number (never, in a workspace index) and depths only past the key's cap.
struct Ranked<'a> {
    hit: Hit<'a>,
    key: u32,
    order: u64,
}

impl Ranked<'_> {
    fn compare(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.hit, &other.hit);
        a.class
            .cmp(&b.class)
            .then_with(|| Reverse(a.score).cmp(&Reverse(b.score)))
            .then_with(|| self.key.cmp(&other.key))
            .then_with(|| {
                if self.key & DEPTH_MASK == DEPTH_MASK {
                    depth(&a.file.path).cmp(&depth(&b.file.path))
                } else {
                    Ordering::Equal
                }
            })
            .then_with(|| self.order.cmp(&other.order))
            .then_with(|| {
                if std::ptr::eq(a.file, b.file) {
                    Ordering::Equal
                } else {
                    a.file.path.cmp(&b.file.path)
                }
            })
            .then_with(|| a.symbol.range.start().cmp(&b.symbol.range.start()))
            .then_with(|| a.symbol.name.cmp(&b.symbol.name))
            .then_with(|| a.symbol.kind.as_str().cmp(b.symbol.kind.as_str()))
    }
}

impl PartialEq for Ranked<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.compare(other) == Ordering::Equal
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
        self.compare(other)
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
        IndexedSymbol::new(
            name.into(),
            crate::workspace::index::intern_kind(kind),
            role,
            Range { start: at, end: at }.into(),
        )
    }

    fn file(path: &str, symbols: Vec<IndexedSymbol>) -> IndexedFile {
        IndexedFile::from_symbols(
            path,
            "python",
            symbols.into_iter().map(|s| (s, None)).collect(),
        )
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

    /// The reference: every symbol of every file matched and ranked (what `search` did before
    /// the index by name).
    fn search_by_scan<'a>(index: &'a WorkspaceIndex, query: &SymbolQuery<'_>) -> Vec<Hit<'a>> {
        let atom = Atom::new(
            query.text,
            CaseMatching::Ignore,
            Normalization::Smart,
            AtomKind::Fuzzy,
            false,
        );
        let mut matcher = Matcher::new(nucleo_matcher::Config::DEFAULT);
        let mut buf = Vec::new();
        let mut all = Vec::new();
        for file in index.files() {
            for symbol in &file.symbols {
                if !query.role.admits(symbol.role)
                    || (!query.kinds.is_empty() && !query.kinds.contains(&symbol.kind.as_str()))
                {
                    continue;
                }
                if let Some((class, score)) =
                    match_name(&symbol.name, query.text, &atom, &mut matcher, &mut buf)
                {
                    all.push(Hit {
                        file,
                        symbol,
                        class,
                        score,
                    });
                }
            }
        }
        all.sort_by(rank);
        all.truncate(query.limit);
        all
    }

    #[test]
    fn the_index_by_name_answers_what_a_full_scan_answers() {
        let mut index = WorkspaceIndex::default();
        let stems = [
            "parse",
            "Parse",
            "PARSE",
            "parse_entry",
            "parseEntry",
            "get_user",
            "getUser",
            "user",
            "User",
            "éclair",
            "Éclair_parse",
            "p",
            "x",
            "node",
            "Node",
            "nodes",
        ];
        let kinds = ["class", "function", "variable", "call"];
        for f in 0..40 {
            let mut symbols = Vec::new();
            for (i, stem) in stems.iter().enumerate() {
                if (f + i) % 3 == 0 {
                    continue;
                }
                let role = if (f * 7 + i) % 4 == 0 { R } else { D };
                symbols.push(symbol(stem, kinds[(f + i) % 4], role, i));
            }
            symbols.sort_by_key(|s| s.role != D);
            let path = format!("{}/f{f}.py", "d/".repeat(f % 3));
            index.insert(file(&path, symbols));
        }
        // Replacements and removals keep the index by name in step.
        index.insert(file(
            "d/f1.py",
            vec![symbol("late_parse", "function", D, 1)],
        ));
        index.remove("f0.py");
        // Files whose paths fall ever closer to one neighbour's (ranking compares paths by
        // their place in a path order, numbered again when a gap runs out), at the depth of
        // `d/f*.py` so their hits tie with those on everything before the path.
        for k in (1..=80).rev() {
            let symbols = vec![
                symbol("parse", "function", D, k),
                symbol("Node", "class", D, k + 1),
                symbol("get_user", "call", R, k + 2),
            ];
            index.insert(file(&format!("d/f{}.py", "1".repeat(k)), symbols));
        }
        index.remove("d/f1111.py");
        for text in [
            "parse", "PARSE", "par", "pe", "user", "gu", "node", "x", "ecl", "é", "zz", "ep",
            "eRs", "se_e", "dE", "a b", "_", "pae",
        ] {
            for limit in [1, 3, 10, 1000] {
                for (kinds, role) in [
                    (Vec::new(), RoleFilter::Any),
                    (vec!["class"], RoleFilter::Definitions),
                    (Vec::new(), RoleFilter::References),
                ] {
                    let query = SymbolQuery {
                        text,
                        kinds,
                        role,
                        limit,
                    };
                    let show = |hits: Vec<Hit<'_>>| -> Vec<String> {
                        hits.iter()
                            .map(|h| {
                                format!(
                                    "{}:{}:{}:{:?}:{}",
                                    h.file.path,
                                    h.symbol.name,
                                    h.symbol.range.start().row,
                                    h.class,
                                    h.score
                                )
                            })
                            .collect()
                    };
                    assert_eq!(
                        show(search(&index, &query)),
                        show(search_by_scan(&index, &query)),
                        "{text} {limit}"
                    );
                }
            }
        }
        for name in ["parse", "Node", "late_parse", "none"] {
            for role in [D, R] {
                let indexed: Vec<(String, usize)> = by_name(&index, name, role, 1000)
                    .iter()
                    .map(|h| (h.file.path.to_string(), h.symbol.range.start().row))
                    .collect();
                let mut scanned: Vec<(String, usize)> = index
                    .files()
                    .flat_map(|f| {
                        f.symbols
                            .iter()
                            .filter(|s| s.name.as_str() == name && s.role == role)
                            .map(|s| (f.path.to_string(), s.range.start().row))
                    })
                    .collect();
                scanned.sort();
                assert_eq!(indexed, scanned, "{name}");
            }
        }
    }

    #[test]
    fn the_fuzzy_prefilter_keeps_every_in_order_match() {
        assert!(contains_in_order(b"parse_entry", b"pe"));
        assert!(contains_in_order(b"ParseEntry", b"pen"));
        assert!(contains_in_order(b"ab", b""));
        assert!(!contains_in_order(b"entry_parse", b"ey_z"));
        assert!(!contains_in_order(b"ep", b"pe"), "order matters");
        assert!(!contains_in_order(b"p", b"pp"), "each byte once");
    }

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
            .map(|h| h.symbol.range.start().row)
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
        assert_eq!(hits[0].symbol.name.as_str(), "User");
        assert_eq!(hits[0].class, MatchClass::ExactIgnoreCase);
        let refs = by_name(&index, "get_user_name", R, 10);
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].symbol.kind.as_str(), "call");
        assert!(names(&index, "qqq", 10).is_empty());
    }
}
