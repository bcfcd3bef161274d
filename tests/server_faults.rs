//! Faults inside the daemon, injected through the test hooks (`syntaxd::parse::test_hooks`,
//! compiled only into tests) and driven over a real socket: parses that never return, a crash
//! inside a parse, panics in async code and on blocking threads.
#![cfg(all(unix, feature = "tree-sitter-python"))]

mod support;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Server, code, config, eventually, json_of};
use syntaxd::parse::test_hooks::{self, ABORT_MARKER, BLOCK_MARKER, PANIC_MARKER};

/// Sends `POST /v1/parse` with `content` and does not wait for the answer (the stream is kept
/// open by the caller).
fn parse_in_background(addr: SocketAddr, content: &str) -> TcpStream {
    let body = serde_json::to_vec(&json!({ "content": content, "language": "python" }))
        .expect("serialise");
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "POST /v1/parse HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .expect("write head");
    stream.write_all(&body).expect("write body");
    stream
}

fn stuck_source(key: &str, n: usize) -> String {
    format!("{BLOCK_MARKER}{key}\nx = {n}\n")
}

fn parse(server: &Server, content: &str) -> (u16, serde_json::Value) {
    server.post_json(
        "/v1/parse",
        json!({ "content": content, "language": "python" }),
    )
}

#[test]
fn stuck_parses_are_replaced_quarantined_and_past_the_cap_healthz_fails() {
    let key = "stuck-replaced";
    let cfg = config(|c| {
        c.parse.max_parsers = 2;
        c.parse.timeout_ms = 200;
        c.parse.pool_wait_ms = 300;
        c.parse.watchdog_margin_ms = 300;
        c.parse.max_abandoned_threads = 2;
        c.server.request_timeout_ms = 3_000;
        c.server.shutdown_grace_ms = 100;
    });
    let server = Server::start(cfg.clone());
    let (status, _) = parse(&server, "ok = 1\n");
    assert_eq!(status, 200);

    // As many parses that never return as the pool has parsers.
    let _held: Vec<TcpStream> = (0..2)
        .map(|n| parse_in_background(server.addr, &stuck_source(key, n)))
        .collect();
    assert!(eventually(|| test_hooks::blocked(key) == 2));

    // Once the watchdog gives up on them, their slots are replaced: other parses succeed.
    let mut n = 0;
    assert!(
        eventually(|| {
            n += 1;
            parse(&server, &format!("fresh = {n}\n")).0 == 200
        }),
        "the daemon never answered another parse with both parsers stuck"
    );
    // Each slot is replaced on its own watchdog tick: wait for both.
    assert!(
        eventually(|| json_of(server.get("/healthz")).1["parse"]["abandoned_threads"] == 2),
        "both stuck slots were replaced"
    );
    let (status, health) = json_of(server.get("/healthz"));
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["parse"]["abandoned_threads"], 2, "{health}");

    // The same content is refused at once.
    let (status, body) = parse(&server, &stuck_source(key, 0));
    assert_eq!(status, 422, "{body}");
    assert_eq!(code(&body), "parse_quarantined");

    // One more stuck parse is past the cap (2): the process asks to be restarted.
    let _third = parse_in_background(server.addr, &stuck_source(key, 2));
    assert!(
        eventually(|| server.get("/healthz").status().as_u16() == 503),
        "healthz stayed 200 past the cap of abandoned threads"
    );
    let (_, health) = json_of(server.get("/healthz"));
    assert!(
        health["reasons"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["code"] == "abandoned_threads_over_cap")),
        "{health}"
    );
    let metrics = server.get("/metrics").text().expect("metrics");
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("syntaxd_parse_abandoned_threads ")),
        "{metrics}"
    );

    // The quarantine survives a restart on the same cache directory. In-process, the stuck
    // threads would keep the store open (a real restart ends them with the process): release
    // them and wait until they have returned before the second daemon opens the directory.
    test_hooks::release(key);
    let waited = Instant::now();
    loop {
        let health: Value = server.get("/healthz").json().expect("health json");
        if health["parse"]["abandoned_threads"] == 0 && health["parse"]["stuck_parses"] == 0 {
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "released parses did not return: {health}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let dir = server.stop();
    let server = Server::start_in(cfg, dir);
    let (status, body) = parse(&server, &stuck_source(key, 1));
    assert_eq!(status, 422, "{body}");
    assert_eq!(code(&body), "parse_quarantined");
    let (status, _) = parse(&server, "still = 'fine'\n");
    assert_eq!(status, 200);
}

/// The real binary, with its cache in `cache_dir`.
fn spawn_daemon(cache_dir: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_syntaxd"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--cache-dir",
        ])
        .arg(cache_dir)
        .env_remove("RUST_LOG")
        .env_remove("SYNTAXD_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn daemon");
    let base = support::listening_url(&mut child);
    (child, base)
}

#[test]
fn an_input_that_crashed_the_daemon_is_refused_after_the_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let crasher = format!("{ABORT_MARKER}\ndef f():\n    return 1\n");
    let body = json!({ "content": crasher, "language": "python" });

    let (mut child, base) = spawn_daemon(&cache);
    let sent = client.post(format!("{base}/v1/parse")).json(&body).send();
    assert!(sent.is_err(), "the hook aborts the process mid-parse");
    let status = child.wait().expect("wait");
    assert!(!status.success(), "the daemon died: {status:?}");

    let (mut child, base) = spawn_daemon(&cache);
    let (status, answer) = json_of(
        client
            .post(format!("{base}/v1/parse"))
            .json(&body)
            .send()
            .expect("answered instead of crashing again"),
    );
    assert_eq!(status, 422, "{answer}");
    assert_eq!(code(&answer), "parse_quarantined");
    let (status, _) = json_of(
        client
            .post(format!("{base}/v1/parse"))
            .json(&json!({ "content": "def f():\n    return 1\n", "language": "python" }))
            .send()
            .expect("send"),
    );
    assert_eq!(status, 200);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_panic_in_async_code_answers_500_json_for_that_request_only() {
    let server = Server::start(config(|_| {}));
    let response = server
        .client
        .post(server.url("/v1/parse"))
        .header(test_hooks::PANIC_HEADER, "panic")
        .json(&json!({ "content": "x = 1\n", "language": "python" }))
        .send()
        .expect("an answer, not a reset connection");
    assert!(response.headers().contains_key("x-request-id"));
    let (status, body) = json_of(response);
    assert_eq!(status, 500, "{body}");
    assert_eq!(code(&body), "internal");
    // Nothing else is affected: the permit was released, the next request is served.
    let (status, _) = parse(&server, "x = 1\n");
    assert_eq!(status, 200);
    assert_eq!(server.get("/healthz").status(), 200);
}

#[test]
fn a_panic_on_a_blocking_thread_answers_500_json_and_the_parser_is_reused() {
    let server = Server::start(config(|c| c.parse.max_parsers = 1));
    for _ in 0..3 {
        let (status, body) = parse(&server, &format!("{PANIC_MARKER}\nx = 1\n"));
        assert_eq!(status, 500, "{body}");
        assert_eq!(code(&body), "internal");
    }
    // The single parser came back to the pool each time.
    let (status, body) = parse(&server, "y = 2\n");
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_panic_while_compiling_a_tags_query_fails_one_request_not_the_feature() {
    let server = Server::start(config(|_| {}));
    let body = json!({ "content": "fn main() {}\nfn helper() {}\n", "language": "rust" });
    test_hooks::arm("symbol_config_panic:rust");
    let (status, answer) = server.post_json("/v1/symbols", body.clone());
    assert_eq!(status, 500, "{answer}");
    assert_eq!(code(&answer), "internal");
    let (status, answer) = server.post_json("/v1/symbols", body);
    assert_eq!(
        status, 200,
        "symbols stay supported after the panic: {answer}"
    );
    assert_eq!(answer["symbols"].as_array().map(Vec::len), Some(2));
}

#[test]
fn symbols_cut_by_the_deadline_are_not_stored_as_the_content_answer() {
    let server = Server::start(config(|_| {}));
    let body =
        json!({ "content": "package main\n\nfunc A() {}\n\nfunc B() {}\n", "language": "go" });
    test_hooks::arm("symbols_deadline:go");
    let (status, cut) = server.post_json("/v1/symbols", body.clone());
    assert_eq!(status, 200, "{cut}");
    assert_eq!(cut["complete"], false, "{cut}");
    assert_eq!(cut["incomplete_reason"], "deadline", "{cut}");
    let (status, again) = server.post_json("/v1/symbols", body);
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        again["complete"], true,
        "the cut list was served from the cache: {again}"
    );
    // `package main`, `A` and `B`.
    assert_eq!(
        again["symbols"].as_array().map(Vec::len),
        Some(3),
        "{again}"
    );
}

#[test]
fn a_failed_symbol_extraction_is_not_cached_as_an_entry_that_answers_500_forever() {
    let server = Server::start(config(|_| {}));
    let content = "class A {\n  void f() {}\n}\n";
    // A parse stores the entry; its symbol extraction fails.
    test_hooks::arm("symbols_error:java");
    let (status, parsed) = server.post_json(
        "/v1/parse",
        json!({ "content": content, "language": "java" }),
    );
    assert_eq!(status, 200, "{parsed}");
    let (status, answer) = server.post_json(
        "/v1/symbols",
        json!({ "content": content, "language": "java" }),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["complete"], true, "{answer}");
    let names: Vec<&str> = answer["symbols"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["A", "f"], "{answer}");
    // And now it is stored: a hit.
    let (_, hit) = server.post_json(
        "/v1/symbols",
        json!({ "content": content, "language": "java" }),
    );
    assert_eq!(hit["cache"], "hot", "{hit}");
}
