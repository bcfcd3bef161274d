//! The daemon as a process: SIGTERM drains (a slow request completes, new ones get 503, exit
//! 0), a restart answers a previous request from the cold tier, a bad config exits before
//! binding, and `health` probes it.
//!
//! The daemon process is the real binary, `syntaxd serve --listen 127.0.0.1:0`, which prints
//! the address it bound.
#![cfg(all(unix, feature = "tree-sitter-python"))]

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;
use support::{SlowRequest, code, eventually, json_of};

struct Daemon {
    child: Child,
    base: String,
    client: reqwest::blocking::Client,
}

/// `syntaxd health --url URL --timeout-ms MS`, as the container's HEALTHCHECK runs it.
fn health(url: &str, timeout_ms: u64) -> std::process::ExitStatus {
    Command::new(env!("CARGO_BIN_EXE_syntaxd"))
        .args([
            "health",
            "--url",
            url,
            "--timeout-ms",
            &timeout_ms.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the binary runs")
}

/// The real binary, as an operator runs it.
fn spawn(cache_dir: &Path, config: Option<&Path>) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_syntaxd"));
    cmd.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--log-format",
        "json",
        "--cache-dir",
    ])
    .arg(cache_dir);
    if let Some(config) = config {
        cmd.arg("--config").arg(config);
    }
    cmd.env("SYNTAXD_SERVER_SHUTDOWN_GRACE_MS", "20000")
        .env_remove("RUST_LOG")
        .env_remove("SYNTAXD_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn daemon")
}

impl Daemon {
    fn start(cache_dir: &Path) -> Daemon {
        let mut child = spawn(cache_dir, None);
        let base = support::listening_url(&mut child);
        Daemon {
            child,
            base,
            client: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("client"),
        }
    }

    fn addr(&self) -> std::net::SocketAddr {
        self.base
            .trim_start_matches("http://")
            .parse()
            .expect("addr")
    }

    fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        json_of(
            self.client
                .post(format!("{}{path}", self.base))
                .json(&body)
                .send()
                .expect("POST"),
        )
    }

    fn status(&self, path: &str) -> u16 {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    }

    fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs")
            .success();
        assert!(ok);
    }

    fn wait(mut self) -> std::process::ExitStatus {
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("daemon did not exit");
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn sigterm_drains_in_flight_requests_then_exits_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = Daemon::start(dir.path());
    assert_eq!(d.status("/readyz"), 200);
    let probe = health(&format!("{}/healthz", d.base), 5000);
    assert!(probe.success(), "health probe passes: {probe:?}");

    let slow = SlowRequest::start(d.addr(), 2_000);
    std::thread::sleep(Duration::from_millis(300));
    d.sigterm();
    assert!(eventually(|| d.status("/readyz") == 503));
    let (status, refused) = d.post("/v1/parse", json!({ "content": "x", "language": "python" }));
    assert_eq!((status, code(&refused)), (503, "draining"));
    let (status, answer) = slow.finish();
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"cache\":\"miss\""), "{answer}");
    let exit = d.wait();
    assert_eq!(exit.code(), Some(0), "{exit:?}");
    assert_eq!(health("http://127.0.0.1:1/healthz", 500).code(), Some(1));
}

#[test]
fn a_restarted_daemon_answers_from_the_cold_tier() {
    let dir = tempfile::tempdir().expect("tempdir");
    let req =
        json!({ "content": "def cold():\n    return 1\n", "language": "python", "format": "sexp" });
    let d = Daemon::start(dir.path());
    let (_, first) = d.post("/v1/parse", req.clone());
    assert_eq!(first["cache"], "miss");
    d.sigterm();
    assert_eq!(d.wait().code(), Some(0));

    let d = Daemon::start(dir.path());
    let (status, again) = d.post("/v1/parse", req);
    assert_eq!(status, 200);
    assert_eq!(again["cache"], "cold");
    assert_eq!(again["tree"], first["tree"]);
}

#[test]
fn a_bad_config_exits_before_binding_and_names_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[server]\nmax_body_byte = 1\n").expect("write");
    let out = spawn(dir.path(), Some(&file))
        .wait_with_output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("max_body_byte") && stderr.contains("bad.toml"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
}

/// Issue 10: the daemon is ready without compiling any registry query; the first `/v1/symbols`
/// of a language compiles its tags query once (counted), and `/readyz` lists no failure.
#[test]
fn queries_compile_lazily_on_first_use_not_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = Daemon::start(dir.path());
    let metrics = |d: &Daemon| {
        d.client
            .get(format!("{}/metrics", d.base))
            .send()
            .expect("GET /metrics")
            .text()
            .expect("text")
    };
    let ready = d
        .client
        .get(format!("{}/readyz", d.base))
        .send()
        .expect("GET /readyz");
    let (status, body) = json_of(ready);
    assert_eq!(status, 200);
    assert_eq!(body["query_failures"], json!([]));
    let compiled = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("syntaxd_language_query_compiles_total{"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(compiled(&metrics(&d)), Vec::<String>::new());
    for _ in 0..2 {
        let (status, _) = d.post(
            "/v1/symbols",
            json!({ "language": "python", "content": "def f():\n    pass\n" }),
        );
        assert_eq!(status, 200);
    }
    assert_eq!(
        compiled(&metrics(&d)),
        ["syntaxd_language_query_compiles_total{kind=\"tags\",result=\"ok\"} 1"]
    );
}
