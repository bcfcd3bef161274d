//! Hostile clients against a real daemon (issue 9): each test sends the hostile request over
//! a real socket, asserts the typed JSON error (or the refusal to start), and then that the
//! daemon still answers a normal request.
#![cfg(all(unix, feature = "tree-sitter-python"))]

mod support;

use std::io::{BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::{Server, code, config, gauge, json_of};

/// The real binary with `args`, its environment cleared of `SYNTAXD_*` except `env`.
fn spawn(args: &[&str], env: &[(&str, &str)], cache: &std::path::Path) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_syntaxd"));
    cmd.arg("serve").args(args).arg("--cache-dir").arg(cache);
    for (k, _) in std::env::vars() {
        if k.starts_with("SYNTAXD_") || k == "RUST_LOG" {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn daemon")
}

/// Waits for the child to exit (at most 20 s); its status and stderr.
fn wait_exit(mut child: Child) -> (Option<i32>, String) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            return (status.code(), err);
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("daemon did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The port a started daemon printed.
fn port_of(child: &mut Child) -> u16 {
    let url = support::listening_url(child);
    url.rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port")
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Issue 9 §2: `listen = 0.0.0.0` without a token refuses to start, naming both keys; a token
/// from a file (container secret) is then required and compared exactly.
#[test]
fn off_loopback_without_a_token_refuses_to_start_and_a_token_file_guards_v1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let (status, stderr) = wait_exit(spawn(&["--listen", "0.0.0.0:0"], &[], &cache));
    assert_ne!(status, Some(0), "{stderr}");
    assert!(
        stderr.contains("server.allow_unauthenticated") && stderr.contains("server.auth_token"),
        "{stderr}"
    );

    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "correct-horse-battery\n").expect("write token");
    let token_path = token_file.display().to_string();
    let mut child = spawn(
        &["--listen", "0.0.0.0:0"],
        &[("SYNTAXD_SERVER_AUTH_TOKEN_FILE", token_path.as_str())],
        &cache,
    );
    let port = port_of(&mut child);
    let url = format!("http://127.0.0.1:{port}/v1/parse");
    let c = client();
    let body = json!({ "content": "x = 1\n", "language": "python" });
    for bad in [
        None,
        Some("correct-horse"),
        Some("correct-horse-batterx"),
        Some("correct-horse-battery-staple"),
    ] {
        let mut req = c.post(&url).json(&body);
        if let Some(t) = bad {
            req = req.bearer_auth(t);
        }
        let (status, err) = json_of(req.send().expect("send"));
        assert_eq!((status, code(&err)), (401, "unauthorized"), "{bad:?}");
    }
    let (status, ok) = json_of(
        c.post(&url)
            .bearer_auth("correct-horse-battery")
            .json(&body)
            .send()
            .expect("send"),
    );
    assert_eq!(
        (status, ok["language"].as_str()),
        (200, Some("python")),
        "{ok}"
    );
    let _ = child.kill();
    let _ = child.wait();

    // Explicitly unauthenticated: starts.
    let mut child = spawn(
        &["--listen", "0.0.0.0:0"],
        &[("SYNTAXD_SERVER_ALLOW_UNAUTHENTICATED", "true")],
        &cache,
    );
    let port = port_of(&mut child);
    let (status, _) = json_of(
        c.post(format!("http://127.0.0.1:{port}/v1/parse"))
            .json(&body)
            .send()
            .expect("send"),
    );
    assert_eq!(status, 200);
    let _ = child.kill();
    let _ = child.wait();
}

/// A normal request answered as usual (after a hostile one).
fn answers_normally(s: &Server) {
    let started = Instant::now();
    let (status, body) = s.post_json(
        "/v1/parse",
        json!({ "content": "def f(x):\n    return x\n", "language": "python", "format": "sexp" }),
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body["tree"].as_str().unwrap_or("").starts_with("(module"),
        "{body}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// Deeply nested Python: `x = [[[...]]]`.
fn nested(depth: usize) -> String {
    format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth))
}

/// Issue 9 §1: a deep nested input with `format: json` over `server.max_response_bytes` is
/// 413 `response_too_large` (suggesting `sexp`, `none` or a query), for a fresh parse, a
/// cache hit and a document's tree; `sexp` of the same input is answered.
#[test]
fn json_tree_over_the_response_bound_is_413() {
    let s = Server::start(config(|c| c.server.max_response_bytes = 1 << 20));
    let content = nested(20_000);
    for round in ["miss", "hot"] {
        let (status, body) = s.post_json(
            "/v1/parse",
            json!({ "content": content, "language": "python", "format": "json" }),
        );
        assert_eq!(
            (status, code(&body)),
            (413, "response_too_large"),
            "{round}: {body}"
        );
        let message = body["error"]["message"].as_str().unwrap_or("");
        assert!(
            message.contains("sexp") && message.contains("none") && message.contains("query"),
            "{message}"
        );
    }
    let (status, body) = s.post_json(
        "/v1/parse",
        json!({ "content": content, "language": "python", "format": "sexp" }),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = s.post_json(
        "/v1/parse",
        json!({ "content": "x = [[1]]\n", "language": "python", "format": "json" }),
    );
    assert_eq!(
        (status, body["tree"]["kind"].as_str()),
        (200, Some("module")),
        "{body}"
    );

    let r = s
        .client
        .put(s.url("/v1/documents/deep.py"))
        .json(&json!({ "content": content, "language": "python" }))
        .send()
        .expect("PUT");
    assert_eq!(r.status(), 200);
    let (status, body) = json_of(s.get("/v1/documents/deep.py/tree?format=json"));
    assert_eq!((status, code(&body)), (413, "response_too_large"), "{body}");
    let (status, body) = json_of(s.get("/v1/documents/deep.py/tree?format=none"));
    assert_eq!(
        (status, body["id"].as_str()),
        (200, Some("deep.py")),
        "{body}"
    );
    answers_normally(&s);
}

/// Issue 9 §1: `(_) @a` on a large input: the total captured text is bounded as well as the
/// count; the cut answer says `complete: false`, `text_limit_reached`.
#[test]
fn captured_text_is_bounded_in_total() {
    let limit = 256 * 1024;
    let s = Server::start(config(|c| c.query.max_captured_text_bytes = limit));
    let content = support::python_source(1_000);
    let (status, body) = s.post_json(
        "/v1/query",
        json!({ "query": "(_) @a", "language": "python", "content": content }),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["complete"], false, "{}", body["incomplete_reason"]);
    assert_eq!(body["incomplete_reason"], "text_limit_reached");
    let captures = body["captures"].as_array().expect("captures");
    let total: usize = captures
        .iter()
        .map(|c| c["text"].as_str().unwrap_or("").len())
        .sum();
    assert!(total <= limit as usize && !captures.is_empty(), "{total}");
    answers_normally(&s);
}

/// Issue 9 §5: a 500 000-dot path costs nothing (detection is linear and ignores names longer
/// than a real file name): the request is answered at once.
#[test]
fn a_500000_dot_path_is_answered_at_once() {
    let s = Server::start(config(|_| {}));
    let started = Instant::now();
    let path = format!("{}.py", ".".repeat(500_000));
    let (status, body) = s.post_json("/v1/parse", json!({ "content": "x = 1\n", "path": path }));
    assert_eq!((status, code(&body)), (400, "language_required"), "{body}");
    let path = format!("src/{}x.py", "a.".repeat(250_000));
    let (status, body) = s.post_json("/v1/parse", json!({ "content": "x = 1\n", "path": path }));
    assert_eq!((status, code(&body)), (400, "language_required"), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    answers_normally(&s);
}

fn query(s: &Server, q: &str) -> (u16, serde_json::Value) {
    s.post_json(
        "/v1/query",
        json!({ "query": q, "language": "python", "content": "def f(x):\n    return x\n" }),
    )
}

/// Issue 9 §5: a 1 000-predicate query, a query of too many patterns and a huge `#match?`
/// regex are refused before compiling (422 `query_too_complex`); a compile failure and a
/// compile over `query.compile_timeout_ms` are remembered (the latter for whitespace variants
/// too).
#[test]
fn hostile_queries_are_refused_before_or_after_one_compile() {
    let s = Server::start(config(|_| {}));
    let many_predicates = format!(
        "((identifier) @a {})",
        (0..1_000)
            .map(|i| format!("(#not-eq? @a \"v{i}\")"))
            .collect::<String>()
    );
    let started = Instant::now();
    let (status, body) = query(&s, &many_predicates);
    assert_eq!((status, code(&body)), (422, "query_too_complex"), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("predicates")
    );
    let many_patterns = "(identifier) @a\n".repeat(2_000);
    let (status, body) = query(&s, &many_patterns);
    assert_eq!((status, code(&body)), (422, "query_too_complex"), "{body}");
    let regex = format!(
        "((identifier) @a (#match? @a \"{}\"))",
        "(a|b)*".repeat(1_000)
    );
    let (status, body) = query(&s, &regex);
    assert_eq!((status, code(&body)), (422, "query_too_complex"), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // A failure is answered the same way twice (from memory the second time).
    let (status, first) = query(&s, "(function_definition nme: (identifier) @n)");
    let (status2, second) = query(&s, "(function_definition nme: (identifier) @n)");
    assert_eq!((status, code(&first)), (422, "invalid_query"), "{first}");
    assert_eq!((status2, &first), (422, &second));

    let (status, body) = query(&s, "(function_definition name: (identifier) @name)");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["captures"][0]["text"], "f");
    answers_normally(&s);

    // A slow compile (400 patterns at a 1 ms budget) is refused, and so is a whitespace variant
    // of it, at once.
    let s = Server::start(config(|c| c.query.compile_timeout_ms = 1));
    let slow: String = (0..400)
        .map(|i| format!("(function_definition name: (identifier) @n{i} body: (block (return_statement (identifier) @r{i})))\n"))
        .collect();
    let (status, body) = query(&s, &slow);
    assert_eq!(
        (status, code(&body)),
        (422, "query_compile_timeout"),
        "{body}"
    );
    let variant = slow.replace('\n', "\n\n  ; a comment\n");
    let started = Instant::now();
    let (status, body) = query(&s, &variant);
    assert_eq!(
        (status, code(&body)),
        (422, "query_compile_timeout"),
        "{body}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("took 0 ms"),
        "refused from memory: {body}"
    );
    answers_normally(&s);
}

/// Issue 9 §5: a client's `x-request-id` is kept only when it is 1..=64 characters of
/// `[A-Za-z0-9._-]`; otherwise a fresh id is generated.
#[test]
fn request_ids_from_clients_are_checked() {
    let s = Server::start(config(|_| {}));
    let id_for = |given: &str| {
        let r = s
            .client
            .get(s.url("/v1/languages"))
            .header("x-request-id", given)
            .send()
            .expect("GET");
        assert_eq!(r.status(), 200);
        r.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_string()
    };
    assert_eq!(id_for("client-id_1.2"), "client-id_1.2");
    let long = "a".repeat(65);
    for bad in [long.as_str(), "a b", "x\"}{\"level\":\"error"] {
        let got = id_for(bad);
        assert_ne!(got, bad);
        assert!(got.len() <= 64 && !got.is_empty(), "{got}");
    }
    answers_normally(&s);
}

/// Issue 9 §3: a request that times out while its blocking work still runs keeps its
/// concurrency permit until that work has stopped (it stops at the cancel flag), so the limit
/// bounds work: the next request is refused `overloaded` while the work runs, and answered
/// once it has stopped.
#[test]
fn a_timed_out_request_holds_its_permit_until_its_work_stops() {
    let s = Server::start(config(|c| {
        c.server.max_concurrent_requests = 1;
        c.server.request_timeout_ms = 30;
    }));
    // The gauge is process-wide: other tests' daemons in this process may be parsing.
    assert!(
        support::eventually(|| gauge(&s, "syntaxd_http_blocking_jobs") == Some(0.0)),
        "no blocking work before the test"
    );
    // Parsing and rendering ~600 KB of Python as JSON takes far longer than 30 ms.
    let content = support::python_source(3_000);
    let (status, body) = s.post_json(
        "/v1/parse",
        json!({ "content": content, "language": "python", "format": "json" }),
    );
    assert_eq!((status, code(&body)), (503, "request_timeout"), "{body}");
    // Until the work stops, a new request finds no permit; the work stops soon (cancelled).
    let started = Instant::now();
    let mut refused = 0;
    loop {
        let running = gauge(&s, "syntaxd_http_blocking_jobs").unwrap_or(-1.0);
        if running == 0.0 {
            break;
        }
        let (status, body) = json_of(s.get("/v1/languages"));
        if status == 503 {
            assert_eq!(code(&body), "overloaded", "{body}");
            refused += 1;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the timed-out work did not stop"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    eprintln!(
        "timed-out work stopped after {:?}; {refused} requests refused meanwhile",
        started.elapsed()
    );
    let (status, _) = json_of(s.get("/v1/languages"));
    assert_eq!(status, 200);
}

/// Issue 9 §3/§4: waiting for a document another request holds has a bound: 503 `busy`
/// after `documents.lock_wait_ms`, and the document answers again once it is free.
#[test]
fn waiting_for_a_held_document_is_bounded() {
    let s = Server::start(config(|c| {
        c.documents.lock_wait_ms = 20;
        c.query.timeout_ms = 20_000;
        c.query.max_captures = 10_000_000;
        c.query.max_captured_text_bytes = 1 << 30;
    }));
    let content = support::python_source(4_000);
    let r = s
        .client
        .put(s.url("/v1/documents/big.py"))
        .json(&json!({ "content": content, "language": "python" }))
        .send()
        .expect("PUT");
    assert_eq!(r.status(), 200);
    // A long query over the document holds it; a GET meanwhile gets 503 busy.
    let url = s.url("/v1/query");
    let holder = std::thread::spawn(move || {
        reqwest::blocking::Client::new()
            .post(url)
            .json(&json!({ "query": "(_) @a (_) @b", "document": "big.py" }))
            .timeout(Duration::from_secs(60))
            .send()
            .map(|r| r.status().as_u16())
    });
    let started = Instant::now();
    let mut busy = None;
    while busy.is_none() && !holder.is_finished() && started.elapsed() < Duration::from_secs(20) {
        let (status, body) = json_of(s.get("/v1/documents/big.py"));
        if status == 503 {
            busy = Some(body);
        } else {
            assert_eq!(status, 200, "{body}");
        }
    }
    let body = busy.expect("a GET during the long query got 503 busy");
    assert_eq!(code(&body), "busy", "{body}");
    assert_eq!(holder.join().expect("holder").expect("query"), 200);
    let (status, doc) = json_of(s.get("/v1/documents/big.py"));
    assert_eq!((status, doc["version"].as_i64()), (200, Some(1)));
    answers_normally(&s);
}

/// Issue 9 §3: the accept loop caps open connections: idle connections fill
/// `server.max_connections`, one more is answered 503 `too_many_connections`, and once an
/// idle one is gone a normal request is answered.
#[test]
fn open_connections_are_capped() {
    let s = Server::start(config(|c| c.server.max_connections = 4));
    let mut idle: Vec<std::net::TcpStream> = (0..4)
        .map(|_| std::net::TcpStream::connect(s.addr).expect("connect"))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let (status, body) = json_of(s.get("/v1/languages"));
    assert_eq!(
        (status, code(&body)),
        (503, "too_many_connections"),
        "{body}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // More hostile connections change nothing for the ones already open.
    let extra: Vec<_> = (0..50)
        .filter_map(|_| std::net::TcpStream::connect(s.addr).ok())
        .collect();
    drop(extra);
    idle.truncate(2);
    assert!(
        support::eventually(|| s
            .client
            .get(s.url("/v1/languages"))
            .send()
            .is_ok_and(|r| r.status() == 200)),
        "a freed slot serves again"
    );
    drop(idle);
    answers_normally(&s);
}

/// Issue 9 §4: documents are weighed by text + tree + line index: a document whose text fits
/// `documents.max_total_bytes` but whose tree does not is refused (413 `document_too_large`),
/// and opening more evicts the least recently used by weight.
#[test]
fn documents_are_weighed_with_their_trees() {
    let s = Server::start(config(|c| c.documents.max_total_bytes = 3 << 20));
    let put = |id: &str, content: &str| {
        json_of(
            s.client
                .put(s.url(&format!("/v1/documents/{id}")))
                .json(&json!({ "content": content, "language": "python" }))
                .send()
                .expect("PUT"),
        )
    };
    // ~200 KB of text: 5 % of the bound as text, about 4× the bound with its tree.
    let big = support::python_source(1_000);
    assert!(big.len() < 256 * 1024, "{}", big.len());
    let (status, body) = put("big.py", &big);
    assert_eq!((status, code(&body)), (413, "document_too_large"), "{body}");
    // ~16 KB documents weigh ~1.3 MB each: the third evicts the first.
    let small = support::python_source(100);
    let mut evicted = 0;
    for id in ["a.py", "b.py", "c.py"] {
        let (status, body) = put(id, &small);
        assert_eq!(status, 200, "{body}");
        evicted += body["evicted"].as_u64().unwrap_or(0);
    }
    assert_eq!(evicted, 1);
    let (status, _) = json_of(s.get("/v1/documents/a.py"));
    assert_eq!(status, 404);
    let (status, _) = json_of(s.get("/v1/documents/c.py"));
    assert_eq!(status, 200);
    answers_normally(&s);
}

/// Issue 9 §3: a request body trickled slower than `server.body_read_timeout_ms` is read
/// before admission: it holds no permit meanwhile (with one permit, a normal request is served
/// while the trickling client is still sending), and it is answered 408 `body_timeout`.
#[test]
fn a_trickled_body_holds_no_permit_and_times_out() {
    use std::io::Write;
    let s = Server::start(config(|c| {
        c.server.max_concurrent_requests = 1;
        c.server.body_read_timeout_ms = 1_500;
    }));
    let mut slow = std::net::TcpStream::connect(s.addr).expect("connect");
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let started = Instant::now();
    slow.write_all(
        b"POST /v1/parse HTTP/1.1\r\nHost: syntaxd\r\nContent-Type: application/json\r\n\
          Content-Length: 1000\r\n\r\n{\"language\": \"python\", \"content\": \"",
    )
    .expect("head");
    let mut writer = slow.try_clone().expect("clone");
    let trickle = std::thread::spawn(move || {
        for _ in 0..100 {
            if writer.write_all(b"x").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    answers_normally(&s);
    let mut answer = String::new();
    let _ = BufReader::new(&slow).read_to_string(&mut answer);
    let elapsed = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"body_timeout\""), "{answer}");
    assert!(
        elapsed >= Duration::from_millis(1_400) && elapsed < Duration::from_secs(8),
        "{elapsed:?}"
    );
    drop(slow);
    let _ = trickle.join();
    answers_normally(&s);
}

/// Found by the `http` fuzz target: a field name in front of a predicate made tree-sitter's
/// query parser fail an assertion and abort the whole daemon. It is refused before compiling
/// (422 `query_unsupported`) and the daemon answers on.
#[test]
fn a_field_in_front_of_a_predicate_is_refused_not_a_crash() {
    let s = Server::start(config(|_| {}));
    let (status, body) = query(&s, r#"((identifier) @x name:(#eq? @x "f"))"#);
    assert_eq!((status, code(&body)), (422, "query_unsupported"), "{body}");
    answers_normally(&s);
}

/// Beyond the one construct the fuzzer found, tree-sitter's query compiler has many assertions
/// that abort the process. Each new query text is compiled in a child (`syntaxd query-check`)
/// first: a text that crashes the child is refused with 422 `query_unsupported` and
/// remembered, and the daemon answers on.
#[test]
fn a_query_text_that_crashes_the_compiler_costs_a_child_not_the_daemon() {
    use syntaxd::query::{CheckOutcome, CompileCheck};
    let check = CompileCheck::new(env!("CARGO_BIN_EXE_syntaxd"));
    let wait = Duration::from_secs(20);
    // The real abort (tree-sitter's failed assertion), reached directly, past the shape check.
    let outcome = check.check("python", r#"((identifier) @x name:(#eq? @x "f"))"#, wait);
    assert!(matches!(outcome, CheckOutcome::Crashed(_)), "{outcome:?}");
    assert_eq!(
        check.check("python", "(identifier) @i", wait),
        CheckOutcome::Safe
    );
    // An ordinary compile error is the in-process compile's to report.
    assert_eq!(
        check.check("python", "(nonexistent) @i", wait),
        CheckOutcome::Safe
    );

    // Over HTTP, with a text the test build's `query-check` aborts on.
    let crashing = "(identifier) @i ; syntaxd-test-hook:abort-compile";
    let s = Server::start(config(|_| {}));
    for _ in 0..2 {
        let (status, body) = query(&s, crashing);
        assert_eq!((status, code(&body)), (422, "query_unsupported"), "{body}");
    }
    answers_normally(&s);
    // Without the check the same text compiles in the daemon (the hook is a comment there):
    // the check, not the text, refused it.
    let s = Server::start(config(|c| c.query.compile_check_program = "none".into()));
    let (status, body) = query(&s, crashing);
    assert_eq!(status, 200, "{body}");
}
