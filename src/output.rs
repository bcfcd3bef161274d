//! Renders live syntax trees for users: the JSON tree form and the list of ERROR / MISSING
//! nodes. Both walk with a `TreeCursor` loop, never recursion (real files nest deeply).

use std::fmt::Write as _;

use serde::Serialize;

use crate::position::Position;

/// A syntax problem in a tree: an ERROR node or a MISSING node inserted by error recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxProblem {
    /// `error` or `missing`.
    pub kind: &'static str,
    /// For MISSING nodes, the kind that was expected; for ERROR nodes, `ERROR`.
    pub node_kind: String,
    /// Start of the node.
    pub start: Position,
    /// End of the node.
    pub end: Position,
}

/// Every ERROR and MISSING node, in document order, at most `limit` of them.
pub fn syntax_problems(tree: &tree_sitter::Tree, limit: usize) -> Vec<SyntaxProblem> {
    let mut out = Vec::new();
    for_each_problem(tree.root_node(), |node| {
        out.push(SyntaxProblem {
            kind: if node.is_missing() {
                "missing"
            } else {
                "error"
            },
            node_kind: node.kind().to_string(),
            start: Position::start_of(&node),
            end: Position::end_of(&node),
        });
        out.len() < limit
    });
    out
}

/// Calls `each` with every ERROR and MISSING node at or below `root`, in document order,
/// descending only into subtrees that contain one, until it returns false.
pub fn for_each_problem(
    root: tree_sitter::Node<'_>,
    mut each: impl FnMut(tree_sitter::Node<'_>) -> bool,
) {
    if !root.has_error() {
        return;
    }
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if (node.is_error() || node.is_missing()) && !each(node) {
            return;
        }
        if node.has_error() && !node.is_missing() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// The tree as JSON: nested objects `{kind, named, field?, start, end, children?}` with
/// `error`/`missing`/`extra` flags where true. Anonymous nodes are included.
pub fn tree_json(tree: &tree_sitter::Tree) -> String {
    let mut s = String::new();
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        s.push('{');
        let _ = write!(s, "\"kind\":{}", json_str(node.kind()));
        let _ = write!(s, ",\"named\":{}", node.is_named());
        if let Some(field) = cursor.field_name() {
            let _ = write!(s, ",\"field\":{}", json_str(field));
        }
        for (flag, on) in [
            ("error", node.is_error()),
            ("missing", node.is_missing()),
            ("extra", node.is_extra()),
        ] {
            if on {
                let _ = write!(s, ",\"{flag}\":true");
            }
        }
        let (a, b) = (Position::start_of(&node), Position::end_of(&node));
        let _ = write!(
            s,
            ",\"start\":{{\"byte\":{},\"row\":{},\"column\":{}}},\"end\":{{\"byte\":{},\"row\":{},\"column\":{}}}",
            a.byte, a.row, a.column, b.byte, b.row, b.column
        );
        if cursor.goto_first_child() {
            s.push_str(",\"children\":[");
            continue;
        }
        s.push('}');
        loop {
            if cursor.goto_next_sibling() {
                s.push(',');
                break;
            }
            if !cursor.goto_parent() {
                return s;
            }
            s.push_str("]}");
        }
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

#[cfg(all(test, feature = "tree-sitter-python"))]
mod tests {
    use super::*;

    fn parse(src: &str) -> tree_sitter::Tree {
        let mut p = tree_sitter::Parser::new();
        p.set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("python loads");
        p.parse(src, None)
            .expect("parse returns a tree without budgets")
    }

    #[test]
    fn json_tree_is_valid_json_with_fields_and_positions() {
        let tree = parse("def f(x):\n    return x\n");
        let v: serde_json::Value = serde_json::from_str(&tree_json(&tree)).expect("valid JSON");
        assert_eq!(v["kind"], "module");
        let func = &v["children"][0];
        assert_eq!(func["kind"], "function_definition");
        assert_eq!(func["children"][1]["field"], "name");
        assert_eq!(func["children"][1]["start"]["column"], 4);
        assert_eq!(func["end"]["row"], 1);
    }

    #[test]
    fn problems_list_error_and_missing_nodes() {
        assert!(syntax_problems(&parse("x = 1\n"), 10).is_empty());
        let problems = syntax_problems(&parse("def f(:\n  pass\nprint((1)\n"), 10);
        assert!(!problems.is_empty());
        assert!(
            problems
                .iter()
                .all(|p| p.kind == "error" || p.kind == "missing")
        );
    }

    #[test]
    fn json_tree_survives_deep_nesting() {
        let depth = 20_000;
        let src = format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth));
        let json = tree_json(&parse(&src));
        assert!(json.starts_with("{\"kind\":\"module\""), "{}", &json[..100]);
        assert_eq!(json.matches("\"kind\":\"list\"").count(), depth);
    }
}
