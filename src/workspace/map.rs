//! The repo map: a workspace's most important definitions as text that fits a token budget.
//!
//! Files are ranked by PageRank over the graph file → file, with an edge from F to D when F
//! references a name D defines. The weight of one name's edge is the number of F's reference
//! entries of that name divided by the number of files defining it, times 0.1 for a name that
//! starts with `_`; names defined in more than [`MAX_DEFINERS`] files make no edge (too common
//! to say anything). The ranking is personalised towards the focus files and the files that
//! define the names the focus files mention (half the teleport mass each), or uniform without
//! focus. Each file then lists its top [`MAX_DEFINITIONS_PER_FILE`] definitions by the rank
//! they receive (the rank of the files that reference them, shared like the edges), shown in
//! source order with their source line. See `docs/workspaces.md`, "Repo map".
//!
//! The graph depends on the index only, so it is built once per generation and kept; a
//! request runs PageRank (at most [`ITERATIONS`] rounds) and formats. Everything is ordered
//! with explicit tie-breaks (path, position), so equal requests on an equal generation give
//! equal maps.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::index::{IndexedFile, IndexedSymbol, WorkspaceIndex};
use super::search::kind_priority;
use super::walk::read_inside;
use crate::symbols::SymbolRole;

/// Names defined in more files make no edge.
pub const MAX_DEFINERS: usize = 20;
/// Definitions listed per file at most.
pub const MAX_DEFINITIONS_PER_FILE: usize = 8;
/// PageRank rounds at most (it stops earlier once the ranks move less than 1e-7 in total).
pub const ITERATIONS: usize = 50;
/// PageRank damping.
pub const DAMPING: f64 = 0.85;
/// Longest signature line shown, in bytes (cut at a character boundary).
pub const MAX_SIGNATURE_BYTES: usize = 160;

/// The paths of a comma-separated `focus` list (`a.py, b/c.rs`): trimmed, empty ones left
/// out. The API and `syntaxd map --focus` read it the same way.
pub fn focus_paths(list: Option<&str>) -> Vec<String> {
    list.map(|f| {
        f.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// The estimated tokens of `text`: one per 4 bytes, rounded up (a documented estimate, not a
/// tokenizer's count).
pub fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(4)
}

/// The reference graph of one generation of an index.
#[derive(Debug)]
pub struct MapGraph {
    /// The generation it was built from.
    pub generation: u64,
    /// Paths by node (the index's path order).
    paths: Vec<super::index::Name>,
    /// Out-edges by node: (target, weight), sorted by target.
    out: Vec<Vec<(u32, f32)>>,
    /// Sum of each node's out-edge weights.
    out_weight: Vec<f64>,
    /// For each name that makes edges: how many files define it and which files refer to
    /// it (node, reference entries).
    name_refs: HashMap<super::index::Name, NameRefs>,
    /// The ranks without focus (computed on the first map without focus).
    uniform: std::sync::OnceLock<Vec<f64>>,
}

/// How many files define a name, and the files referring to it: (node, reference entries).
type NameRefs = (u32, Vec<(u32, u32)>);

impl MapGraph {
    /// Builds the graph of `index` (at `generation`).
    pub fn build(index: &WorkspaceIndex, generation: u64) -> MapGraph {
        let names = index.names();
        let mut node_of: HashMap<u32, u32> = HashMap::new();
        let mut paths = Vec::new();
        for (id, file) in index.files_with_ids() {
            node_of.insert(id, u32::try_from(paths.len()).unwrap_or(u32::MAX));
            paths.push(file.path.clone());
        }
        let mut edges: Vec<(u32, u32, f32)> = Vec::new();
        let mut name_refs = HashMap::new();
        let mut definers: Vec<u32> = Vec::new();
        let mut referrers: Vec<(u32, u32)> = Vec::new();
        for (_, spellings) in names.all() {
            for spelling in spellings {
                definers.clear();
                referrers.clear();
                for p in &spelling.postings {
                    let (Some(file), Some(&node)) = (names.file(p.file), node_of.get(&p.file))
                    else {
                        continue;
                    };
                    let Some(symbol) = file.symbols.get(p.symbol as usize) else {
                        continue;
                    };
                    match symbol.role {
                        SymbolRole::Definition => {
                            if definers.last() != Some(&node) {
                                definers.push(node);
                            }
                        }
                        SymbolRole::Reference => match referrers.last_mut() {
                            Some((n, count)) if *n == node => *count += 1,
                            _ => referrers.push((node, 1)),
                        },
                    }
                }
                if definers.is_empty() || definers.len() > MAX_DEFINERS || referrers.is_empty() {
                    continue;
                }
                let damp = name_damping(&spelling.name) / definers.len() as f64;
                for &(from, count) in &referrers {
                    for &to in &definers {
                        if from != to {
                            edges.push((from, to, (f64::from(count) * damp) as f32));
                        }
                    }
                }
                name_refs.insert(
                    spelling.name.clone(),
                    (definers.len() as u32, referrers.clone()),
                );
            }
        }
        edges.sort_by_key(|&(from, to, _)| (from, to));
        let mut out: Vec<Vec<(u32, f32)>> = vec![Vec::new(); paths.len()];
        for (from, to, w) in edges {
            let list = &mut out[from as usize];
            match list.last_mut() {
                Some((t, sum)) if *t == to => *sum += w,
                _ => list.push((to, w)),
            }
        }
        let out_weight = out
            .iter()
            .map(|l| l.iter().map(|&(_, w)| f64::from(w)).sum())
            .collect();
        MapGraph {
            generation,
            paths,
            out,
            out_weight,
            name_refs,
            uniform: std::sync::OnceLock::new(),
        }
    }

    /// Files (nodes).
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// True without files.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// PageRank with teleport vector `personal` (summing to 1).
    pub fn pagerank(&self, personal: &[f64]) -> Vec<f64> {
        let n = self.len();
        let mut rank = personal.to_vec();
        rank.resize(n, 0.0);
        let mut next = vec![0.0f64; n];
        for _ in 0..ITERATIONS {
            next.iter_mut().for_each(|r| *r = 0.0);
            let mut dangling = 0.0;
            for (from, edges) in self.out.iter().enumerate() {
                let total = self.out_weight[from];
                if edges.is_empty() || total <= 0.0 {
                    dangling += rank[from];
                    continue;
                }
                let share = DAMPING * rank[from] / total;
                for &(to, w) in edges {
                    next[to as usize] += share * f64::from(w);
                }
            }
            let teleport = (1.0 - DAMPING) + DAMPING * dangling;
            let mut moved = 0.0;
            for i in 0..n {
                next[i] += teleport * personal.get(i).copied().unwrap_or(0.0);
                moved += (next[i] - rank[i]).abs();
            }
            std::mem::swap(&mut rank, &mut next);
            if moved < 1e-7 {
                break;
            }
        }
        rank
    }
}

/// 0.1 for a name that starts with `_` (private by convention), else 1.
fn name_damping(name: &str) -> f64 {
    if name.starts_with('_') { 0.1 } else { 1.0 }
}

/// One definition of the map.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MapDefinition {
    /// The name.
    pub name: String,
    /// Normalised kind.
    pub kind: String,
    /// 1-based line.
    pub line: usize,
    /// The definition's source line, trimmed (at most 160 bytes).
    pub signature: String,
    /// The enclosing definition's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

/// One file of the map.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MapFile {
    /// Path relative to the root.
    pub path: String,
    /// The file's PageRank (sums to 1 over all files).
    pub rank: f64,
    /// Its top definitions, in source order.
    pub definitions: Vec<MapDefinition>,
}

/// A repo map.
#[derive(Debug, Clone, Serialize)]
pub struct RepoMap {
    /// Files in rank order, as far as the budget allowed.
    pub files: Vec<MapFile>,
    /// The text (what `files` says, one line per file and per definition).
    pub text: String,
    /// Estimated tokens of `text` ([`estimate_tokens`]).
    pub tokens: usize,
}

/// The map of `index` (whose graph is `graph`) within `budget` estimated tokens, personalised
/// towards `focus` (relative paths; unknown ones are ignored). Source lines come from `open`
/// (the text of the open documents that stand for files, by relative path: the index holds
/// their symbols, so their lines must be theirs too), else from the files under the
/// canonical `root` (at most `max_file_bytes` each).
pub fn repo_map(
    index: &WorkspaceIndex,
    graph: &MapGraph,
    root: &Path,
    focus: &[String],
    budget: usize,
    max_file_bytes: u64,
    open: &HashMap<String, String>,
) -> RepoMap {
    let files: Vec<&IndexedFile> = index.files().collect();
    let n = files.len().min(graph.len());
    let mut map = RepoMap {
        files: Vec::new(),
        text: String::new(),
        tokens: 0,
    };
    if n == 0 {
        return map;
    }
    let personal = personalisation(index, &files[..n], focus);
    let uniform = 1.0 / n as f64;
    let rank: std::borrow::Cow<'_, [f64]> = if personal.iter().all(|&p| p == uniform) {
        // No (known) focus: the same ranks for every request of this generation.
        std::borrow::Cow::Borrowed(graph.uniform.get_or_init(|| graph.pagerank(&personal)))
    } else {
        std::borrow::Cow::Owned(graph.pagerank(&personal))
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        rank[b]
            .total_cmp(&rank[a])
            .then_with(|| files[a].path.cmp(&files[b].path))
    });
    let node_of: HashMap<&str, usize> = files[..n]
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_str(), i))
        .collect();
    'files: for node in order {
        let file = files[node];
        if file.definitions == 0 {
            continue;
        }
        let top = top_definitions(graph, &rank, &node_of, file);
        let text = match open.get(file.path.as_str()) {
            Some(text) => std::borrow::Cow::Borrowed(text.as_str()),
            None => {
                let Some(source) =
                    read_inside(root, &root.join(file.path.as_str()), max_file_bytes)
                        .ok()
                        .and_then(Result::ok)
                else {
                    continue;
                };
                std::borrow::Cow::Owned(String::from_utf8_lossy(&source).into_owned())
            }
        };
        let lines: Vec<&str> = text.lines().collect();
        let header = format!("{}\n", file.path);
        let mut entry = MapFile {
            path: file.path.to_string(),
            rank: rank[node],
            definitions: Vec::new(),
        };
        let mut chunk = header.clone();
        let mut chunk_tokens = estimate_tokens(&header);
        for symbol in top {
            let row = symbol.range.start().row;
            let signature = cut(lines.get(row).map_or("", |l| l.trim()));
            let mut line = format!("  {}: {}", row + 1, signature);
            if let Some(container) = file.container(symbol) {
                line.push_str(&format!("  [in {container}]"));
            }
            line.push('\n');
            let cost = estimate_tokens(&line);
            if map.tokens + chunk_tokens + cost > budget {
                // Nothing more fits: this file's lines so far (if any) end the map.
                if !entry.definitions.is_empty() {
                    map.text.push_str(&chunk);
                    map.tokens += chunk_tokens;
                    map.files.push(entry);
                }
                break 'files;
            }
            chunk.push_str(&line);
            chunk_tokens += cost;
            entry.definitions.push(MapDefinition {
                name: symbol.name.to_string(),
                kind: symbol.kind.to_string(),
                line: row + 1,
                signature: signature.to_owned(),
                container: file.container(symbol).map(str::to_owned),
            });
        }
        map.text.push_str(&chunk);
        map.tokens += chunk_tokens;
        map.files.push(entry);
    }
    map
}

/// The teleport vector: uniform without focus; else half on the focus files and half on the
/// files defining the names they mention (each name's share split among its definers).
fn personalisation(index: &WorkspaceIndex, files: &[&IndexedFile], focus: &[String]) -> Vec<f64> {
    let n = files.len();
    let node_of: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_str(), i))
        .collect();
    let focused: Vec<usize> = {
        let mut v: Vec<usize> = focus
            .iter()
            .filter_map(|p| node_of.get(p.as_str()).copied())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    if focused.is_empty() {
        return vec![1.0 / n as f64; n];
    }
    let mut personal = vec![0.0; n];
    for &f in &focused {
        personal[f] += 0.5 / focused.len() as f64;
    }
    let mut mentioned: Vec<&str> = focused
        .iter()
        .flat_map(|&f| files[f].symbols.iter().map(|s| s.name.as_str()))
        .collect();
    mentioned.sort_unstable();
    mentioned.dedup();
    let names = index.names();
    let mut defining: Vec<Vec<usize>> = Vec::new();
    for name in &mentioned {
        let mut definers: Vec<usize> = names
            .exact_ignore_case(&name.to_ascii_lowercase())
            .iter()
            .filter(|s| s.name.as_str() == *name)
            .flat_map(|s| s.postings.iter())
            .filter_map(|p| {
                let file = names.file(p.file)?;
                let symbol = file.symbols.get(p.symbol as usize)?;
                (symbol.role == SymbolRole::Definition)
                    .then(|| node_of.get(file.path.as_str()).copied())
                    .flatten()
            })
            .collect();
        definers.sort_unstable();
        definers.dedup();
        if !definers.is_empty() && definers.len() <= MAX_DEFINERS {
            defining.push(definers);
        }
    }
    if defining.is_empty() {
        for &f in &focused {
            personal[f] += 0.5 / focused.len() as f64;
        }
    } else {
        let per_name = 0.5 / defining.len() as f64;
        for definers in &defining {
            for &d in definers {
                personal[d] += per_name / definers.len() as f64;
            }
        }
    }
    personal
}

/// A file's top definitions: by the rank they receive (the referencing files' rank, shared
/// as the edges are), then kind, then position; returned in source order.
fn top_definitions<'a>(
    graph: &MapGraph,
    rank: &[f64],
    node_of: &HashMap<&str, usize>,
    file: &'a IndexedFile,
) -> Vec<&'a IndexedSymbol> {
    let me = node_of.get(file.path.as_str()).copied();
    let mut scored: Vec<(f64, &IndexedSymbol)> =
        file.definitions()
            .iter()
            .map(|symbol| {
                let score = graph.name_refs.get(symbol.name.as_str()).map_or(
                    0.0,
                    |(definers, referrers)| {
                        let received: f64 = referrers
                            .iter()
                            .filter(|&&(node, _)| Some(node as usize) != me)
                            .map(|&(node, count)| {
                                let node = node as usize;
                                let out = graph.out_weight.get(node).copied().unwrap_or(0.0);
                                if out > 0.0 {
                                    rank.get(node).copied().unwrap_or(0.0) * f64::from(count) / out
                                } else {
                                    0.0
                                }
                            })
                            .sum();
                        received * name_damping(&symbol.name) / f64::from(*definers)
                    },
                );
                (score, symbol)
            })
            .collect();
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| kind_priority(a.1.kind.as_str()).cmp(&kind_priority(b.1.kind.as_str())))
            .then_with(|| a.1.range.start().cmp(&b.1.range.start()))
    });
    scored.truncate(MAX_DEFINITIONS_PER_FILE);
    let mut top: Vec<&IndexedSymbol> = scored.into_iter().map(|(_, s)| s).collect();
    top.sort_by_key(|s| s.range.start());
    top
}

/// `line` cut to [`MAX_SIGNATURE_BYTES`] at a character boundary.
fn cut(line: &str) -> &str {
    if line.len() <= MAX_SIGNATURE_BYTES {
        return line;
    }
    let mut end = MAX_SIGNATURE_BYTES;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

/// A graph kept for the generation it was built at.
#[derive(Debug, Default)]
pub struct GraphCache {
    graph: std::sync::Mutex<Option<Arc<MapGraph>>>,
}

impl GraphCache {
    /// The graph of `index` at `generation`: the kept one when it is of that generation, else
    /// built now (and kept).
    pub fn get(&self, index: &WorkspaceIndex, generation: u64) -> Arc<MapGraph> {
        let mut kept = self.graph.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(graph) = kept.as_ref()
            && graph.generation == generation
        {
            return Arc::clone(graph);
        }
        let graph = Arc::new(MapGraph::build(index, generation));
        *kept = Some(Arc::clone(&graph));
        graph
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::position::{Position, Range};

    fn symbol(name: &str, role: SymbolRole, row: usize) -> IndexedSymbol {
        let at = Position {
            byte: row * 10,
            row,
            column: 0,
        };
        let kind = if role == SymbolRole::Definition {
            "function"
        } else {
            "name"
        };
        IndexedSymbol::new(
            name.into(),
            crate::workspace::index::intern_kind(kind),
            role,
            Range { start: at, end: at }.into(),
        )
    }

    fn file(path: &str, defs: &[&str], refs: &[&str]) -> IndexedFile {
        let mut symbols: Vec<IndexedSymbol> = defs
            .iter()
            .enumerate()
            .map(|(i, d)| symbol(d, SymbolRole::Definition, i))
            .collect();
        symbols.extend(
            refs.iter()
                .enumerate()
                .map(|(i, r)| symbol(r, SymbolRole::Reference, 100 + i)),
        );
        IndexedFile::from_symbols(
            path,
            "python",
            symbols.into_iter().map(|s| (s, None)).collect(),
        )
    }

    #[test]
    fn referenced_files_rank_higher_and_focus_moves_the_ranking() {
        let mut index = WorkspaceIndex::default();
        index.insert(file("core.py", &["core_fn"], &[]));
        index.insert(file("a.py", &["a_fn"], &["core_fn"]));
        index.insert(file("b.py", &["b_fn"], &["core_fn", "a_fn"]));
        index.insert(file("leaf.py", &["leaf_fn"], &[]));
        let graph = MapGraph::build(&index, 1);
        let files: Vec<&IndexedFile> = index.files().collect();
        let uniform = graph.pagerank(&personalisation(&index, &files, &[]));
        let at = |p: &str| {
            files
                .iter()
                .position(|f| f.path.as_str() == p)
                .expect("file")
        };
        assert!(uniform[at("core.py")] > uniform[at("a.py")]);
        assert!(uniform[at("a.py")] > uniform[at("leaf.py")]);
        let sum: f64 = uniform.iter().sum();
        assert!((sum - 1.0).abs() < 1e-6, "{sum}");
        let focused = graph.pagerank(&personalisation(&index, &files, &["leaf.py".into()]));
        assert!(focused[at("leaf.py")] > focused[at("a.py")]);
    }
}
