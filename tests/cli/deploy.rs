//! `deploy/`: the Grafana dashboard covers every metric family of `docs/metrics.md` and names no
//! other metric, the alert rules name only existing metrics (and pass `promtool check rules`
//! where promtool is installed), and the Kubernetes Deployment runs the image's configuration
//! with its environment and mounted token as a valid configuration whose memory limit covers
//! the documented sizing formula.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The metric families documented in docs/metrics.md (`| \`syntaxd_…\` | type | …`).
fn documented_families() -> BTreeSet<String> {
    read("docs/metrics.md")
        .lines()
        .filter_map(|l| l.strip_prefix("| `syntaxd_"))
        .filter_map(|l| l.split('`').next())
        .map(|name| format!("syntaxd_{name}"))
        .collect()
}

/// Every `syntaxd_…` identifier in `text`, with histogram series suffixes removed.
fn referenced_families(text: &str, documented: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("syntaxd_") {
        let start = i + at;
        let preceded =
            start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        if !preceded {
            let name = &text[start..end];
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| {
                    name.strip_suffix(s)
                        .filter(|base| documented.contains(*base))
                })
                .unwrap_or(name);
            out.insert(family.to_string());
        }
        i = end.max(start + 1);
    }
    out
}

#[test]
fn the_dashboard_covers_every_metric_family_and_names_no_other() {
    let documented = documented_families();
    assert!(
        documented.len() >= 30,
        "docs/metrics.md lists {} families",
        documented.len()
    );
    let text = read("deploy/grafana/syntaxd-dashboard.json");
    let dashboard: serde_json::Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    let exprs: Vec<String> = dashboard["panels"]
        .as_array()
        .expect("panels")
        .iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t["expr"].as_str().map(str::to_string))
        .collect();
    let referenced = referenced_families(&exprs.join("\n"), &documented);
    let unknown: Vec<_> = referenced.difference(&documented).collect();
    assert!(
        unknown.is_empty(),
        "the dashboard names metrics that do not exist: {unknown:?}"
    );
    let uncovered: Vec<_> = documented.difference(&referenced).collect();
    assert!(
        uncovered.is_empty(),
        "metric families without a dashboard panel (add one to deploy/grafana/syntaxd-dashboard.json): {uncovered:?}"
    );
}

#[test]
fn alert_rules_name_existing_metrics_and_pass_promtool() {
    let documented = documented_families();
    let rules = read("deploy/prometheus/alerts.yml");
    let referenced = referenced_families(&rules, &documented);
    assert!(referenced.len() >= 5, "{referenced:?}");
    let unknown: Vec<_> = referenced.difference(&documented).collect();
    assert!(
        unknown.is_empty(),
        "alerts.yml names metrics that do not exist: {unknown:?}"
    );
    // Every alert has its troubleshooting section.
    let troubleshooting = read("docs/troubleshooting.md");
    for alert in rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
    {
        assert!(
            troubleshooting.contains(alert),
            "docs/troubleshooting.md does not explain {alert}"
        );
    }
    let promtool = Command::new("promtool").arg("--version").output();
    if promtool.is_ok_and(|o| o.status.success()) {
        let out = Command::new("promtool")
            .args(["check", "rules"])
            .arg(root().join("deploy/prometheus/alerts.yml"))
            .output()
            .expect("promtool runs");
        assert!(
            out.status.success(),
            "promtool check rules: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `- name: SYNTAXD_…` followed by `value: "…"` in the Deployment.
fn deployment_env(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines
        .windows(2)
        .filter_map(|w| {
            let name = w[0].strip_prefix("- name: ")?;
            let value = w[1].strip_prefix("value: ")?;
            name.starts_with("SYNTAXD_")
                .then(|| (name.to_string(), value.trim_matches('"').to_string()))
        })
        .collect()
}

fn mebibytes(quantity: &str) -> u64 {
    if let Some(n) = quantity.strip_suffix("Mi") {
        n.parse().expect("a number of Mi")
    } else if let Some(n) = quantity.strip_suffix("Gi") {
        n.parse::<u64>().expect("a number of Gi") * 1024
    } else {
        panic!("unexpected quantity {quantity}")
    }
}

#[test]
fn the_deployment_is_a_valid_configuration_within_its_memory_limit() {
    let text = read("deploy/kubernetes/deployment.yaml");
    let env = deployment_env(&text);
    assert!(env.len() >= 5, "{env:?}");
    let get = |key: &str| -> u64 {
        env.iter()
            .find(|(k, _)| k == key)
            .unwrap_or_else(|| panic!("{key} is not set in deployment.yaml"))
            .1
            .parse()
            .expect("a number")
    };
    // The image runs `serve --config /etc/syntaxd/syntaxd.toml`, a copy of config/container.toml,
    // which reads the token from the file the Deployment mounts from the Secret.
    assert!(
        text.contains(r#"args: ["serve", "--config", "/etc/syntaxd/syntaxd.toml"]"#),
        "deployment.yaml must run the image's config"
    );
    let token_file = read("config/container.toml")
        .lines()
        .find_map(|l| l.trim().strip_prefix("auth_token_file = "))
        .map(|v| v.trim_matches('"').to_string())
        .expect("config/container.toml reads its token from a file");
    let (mount_dir, file_name) = token_file
        .rsplit_once('/')
        .expect("an absolute token file path");
    assert!(
        text.contains(&format!("mountPath: {mount_dir}\n"))
            && text.contains(&format!("path: {file_name}\n")),
        "deployment.yaml must mount the token Secret as {token_file}"
    );
    // The real binary accepts the image's config with this environment, the mounted token
    // standing in as a temporary file.
    let secrets = tempfile::tempdir().expect("tempdir");
    let token = secrets.path().join(file_name);
    std::fs::write(&token, "test-token\n").expect("write the token");
    let out = Command::new(env!("CARGO_BIN_EXE_syntaxd"))
        .args(["config", "show", "--config"])
        .arg(root().join("config/container.toml"))
        .env_remove("SYNTAXD_CONFIG")
        .env_remove("SYNTAXD_SERVER_AUTH_TOKEN")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("SYNTAXD_SERVER_AUTH_TOKEN_FILE", &token)
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("max_parsers = 2"), "{shown}");

    // docs/operations.md: tiers + documents + parsers × cap × 81 + the cold tier's page cache
    // and recency map + the query caches (as the effective configuration shows them) + 64 MiB
    // overhead.
    let effective: toml::Table = shown.parse().expect("config show prints TOML");
    let setting = |section: &str, key: &str| -> u64 {
        effective[section][key]
            .as_integer()
            .and_then(|v| u64::try_from(v).ok())
            .unwrap_or_else(|| panic!("{section}.{key} in {shown}"))
    };
    let mib = 1024 * 1024;
    let needed = get("SYNTAXD_CACHE_HOT_BUDGET_BYTES")
        + get("SYNTAXD_CACHE_WARM_BUDGET_BYTES")
        + get("SYNTAXD_DOCUMENTS_MAX_TOTAL_BYTES")
        + get("SYNTAXD_PARSE_MAX_PARSERS") * get("SYNTAXD_PARSE_MAX_SOURCE_BYTES") * 81
        + setting("cache", "cold_page_cache_bytes")
        + 32 * setting("cache", "cold_recency_max_entries")
        + setting("query", "compiled_cache_bytes")
        + setting("query", "result_cache_bytes")
        + setting("query", "tree_cache_bytes")
        + 64 * mib;
    let limit = text
        .lines()
        .map(str::trim)
        .skip_while(|l| *l != "limits:")
        .find_map(|l| l.strip_prefix("memory: "))
        .map(mebibytes)
        .expect("a memory limit")
        * mib;
    assert!(
        needed <= limit && limit - needed < 256 * mib,
        "sizing formula {} MiB vs limit {} MiB",
        needed / mib,
        limit / mib
    );
}
