//! `/metrics` is valid Prometheus text (promtool when installed, else a parser of the format
//! here) and agrees with `docs/metrics.md`: every exposed metric is documented with the same
//! type and labels, and every unlabelled documented metric is exposed.
#![cfg(feature = "tree-sitter-python")]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::json;
use support::{Server, config, python_source};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Family {
    kind: String,
    labels: BTreeSet<String>,
}

#[test]
fn metrics_exposition_is_valid_and_matches_the_reference() {
    let s = Server::start(config(|_| {}));
    // Give the labelled metrics a first sample.
    let src = python_source(5);
    for _ in 0..2 {
        s.post_json("/v1/parse", json!({ "content": src, "language": "python" }));
        s.post_json(
            "/v1/symbols",
            json!({ "content": src, "language": "python" }),
        );
        s.post_json(
            "/v1/query",
            json!({ "query": "(identifier) @i", "content": src, "language": "python", "limit": 1 }),
        );
    }
    s.post_json("/v1/parse", json!({ "content": "x", "language": "nope" }));
    s.get("/no/such/route");
    s.client
        .put(s.url("/v1/documents/m"))
        .json(&json!({ "language": "python", "content": "x = 1\n" }))
        .send()
        .expect("PUT");
    let text = s.get("/metrics").text().expect("metrics text");

    if let Some(verdict) = promtool_check(&text) {
        assert!(verdict.0, "promtool check metrics failed:\n{}", verdict.1);
    }
    let exposed = parse_exposition(&text).unwrap_or_else(|e| panic!("invalid exposition: {e}"));
    let documented = documented();

    for (name, family) in &exposed {
        if !name.starts_with("syntaxd_") {
            continue;
        }
        let doc = documented
            .get(name)
            .unwrap_or_else(|| panic!("{name} is exposed but not in docs/metrics.md"));
        assert_eq!(
            doc, family,
            "{name}: docs/metrics.md disagrees with the exposition"
        );
    }
    for (name, family) in &documented {
        if family.labels.is_empty() {
            assert!(
                exposed.contains_key(name),
                "{name} is documented but not exposed"
            );
        }
    }
    for must in [
        "syntaxd_http_requests_total",
        "syntaxd_http_request_duration_seconds",
        "syntaxd_parse_duration_seconds",
        "syntaxd_parse_bytes_total",
        "syntaxd_parser_pool_in_use",
        "syntaxd_cache_hits_total",
        "syntaxd_build_info",
        "syntaxd_process_resident_memory_bytes",
        "syntaxd_process_cpu_seconds_total",
    ] {
        assert!(exposed.contains_key(must), "{must} not exposed");
    }
    // Labels are bounded: route templates, never raw paths or document ids.
    assert!(text.contains("route=\"/v1/documents/{id}\""), "{text}");
    assert!(text.contains("route=\"unmatched\""));
    assert!(!text.contains("/no/such/route") && !text.contains("documents/m\""));
    assert!(text.contains("status=\"2xx\"") && text.contains("status=\"4xx\""));
}

/// `Some((ok, output))` when promtool is installed.
fn promtool_check(text: &str) -> Option<(bool, String)> {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(text.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // promtool exits non-zero for lint warnings too; only real errors fail the test.
    let ok = out.status.success() || !output.contains("error");
    Some((ok, output))
}

/// Parses the text format strictly enough to catch malformed output: every sample belongs to a
/// family declared by `# TYPE`, label sets are well formed, values are numbers.
fn parse_exposition(text: &str) -> Result<BTreeMap<String, Family>, String> {
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with("# HELP ") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split_whitespace();
            let (name, kind) = (parts.next(), parts.next());
            let (Some(name), Some(kind)) = (name, kind) else {
                return Err(format!("line {}: bad TYPE: {line}", n + 1));
            };
            if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                return Err(format!("line {}: unknown type {kind}", n + 1));
            }
            families.insert(
                name.to_string(),
                Family {
                    kind: kind.to_string(),
                    labels: BTreeSet::new(),
                },
            );
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .ok_or_else(|| format!("line {}: no value: {line}", n + 1))?;
        let value_ok = value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value);
        if !value_ok {
            return Err(format!("line {}: bad value {value}", n + 1));
        }
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .ok_or_else(|| format!("line {}: unclosed labels", n + 1))?;
                (
                    name,
                    parse_labels(body).map_err(|e| format!("line {}: {e}", n + 1))?,
                )
            }
            None => (series, Vec::new()),
        };
        let family_name = [
            name,
            name.strip_suffix("_bucket").unwrap_or(name),
            name.strip_suffix("_sum").unwrap_or(name),
            name.strip_suffix("_count").unwrap_or(name),
        ]
        .into_iter()
        .find(|candidate| families.contains_key(*candidate))
        .ok_or_else(|| format!("line {}: sample {name} has no TYPE", n + 1))?
        .to_string();
        let family = families
            .get_mut(&family_name)
            .ok_or_else(|| "unreachable".to_string())?;
        for label in labels {
            if label != "le" && label != "quantile" {
                family.labels.insert(label);
            }
        }
    }
    Ok(families)
}

fn parse_labels(body: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (name, after) = rest.split_once("=\"").ok_or("label without =\"")?;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("bad label name `{name}`"));
        }
        let mut end = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end.ok_or("unterminated label value")?;
        names.push(name.to_string());
        rest = after[end + 1..].trim_start_matches(',');
    }
    Ok(names)
}

/// The table of `docs/metrics.md`: name → type and labels.
fn documented() -> BTreeMap<String, Family> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/metrics.md");
    let text = std::fs::read_to_string(path).expect("docs/metrics.md exists");
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 5 || !cells[1].starts_with("`syntaxd_") {
            continue;
        }
        let labels = cells[3]
            .split(',')
            .map(|l| l.trim().trim_matches('`').to_string())
            .filter(|l| !l.is_empty())
            .collect();
        out.insert(
            cells[1].trim_matches('`').to_string(),
            Family {
                kind: cells[2].to_string(),
                labels,
            },
        );
    }
    assert!(out.len() > 20, "docs/metrics.md table not found");
    out
}
