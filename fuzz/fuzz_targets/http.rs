//! Fuzz target: the JSON request bodies (and paths) of every `/v1` endpoint, served by the
//! real router in-process (`tower::ServiceExt::oneshot`, a current-thread tokio runtime, a
//! real cache in a temporary directory, the core grammars). The first byte picks the route;
//! the rest is the body:
//!
//! - 0 `POST /v1/parse`, 1 `POST /v1/symbols`, 2 `POST /v1/query`, 3 `PUT /v1/documents/fz`;
//! - 4 `PATCH /v1/documents/fz` after re-opening `fz` with a fixed document (Python, Rust or
//!   JSON with multi-byte characters, picked by the first byte), so edits meet known text;
//! - 5 `GET /v1/documents/fz/tree?<first line>`;
//! - 6 `<METHOD> <path>` on the first line, any route, the rest as body.
//!
//! Every answer must be a JSON body, and no status may be a 5xx other than 503: a 500 means a
//! handler failed or panicked (a bug), whatever the input.
#![no_main]

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
use libfuzzer_sys::fuzz_target;
use syntaxd::config::Config;
use syntaxd::server::{AppState, router};
use tower::ServiceExt;

struct Harness {
    rt: tokio::runtime::Runtime,
    app: Router,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        // Left behind at exit (libFuzzer exits without running destructors): set TMPDIR to a
        // tmpfs to keep the durable cold-tier writes cheap.
        let dir = std::env::temp_dir().join(format!("syntaxd-fuzz-http-{}", std::process::id()));
        let mut config = Config::default();
        config.cache.dir = dir.display().to_string();
        config.cache.hot_budget_bytes = 4 << 20;
        config.cache.warm_budget_bytes = 2 << 20;
        config.cache.cold_budget_bytes = 16 << 20;
        config.parse.timeout_ms = 2_000;
        config.query.timeout_ms = 1_000;
        config.server.request_timeout_ms = 5_000;
        config.documents.max_documents = 8;
        config.documents.max_total_bytes = 4 << 20;
        let state = AppState::open(config).expect("cache opens in a fresh directory");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .max_blocking_threads(4)
            .build()
            .expect("runtime");
        let app = router(state);
        let h = Harness { rt, app };
        // `fz` exists from the start, for `document` requests.
        send(
            &h,
            Method::PUT,
            "/v1/documents/fz",
            DOCS[0].as_bytes().to_vec(),
        );
        h
    })
}

/// Documents re-opened before each PATCH: non-ASCII text so UTF-16 columns differ from bytes.
const DOCS: [&str; 3] = [
    r#"{"language":"python","content":"def f(x):\n    return \"é€😀\" + x\n\nclass C:\n    pass\n"}"#,
    r#"{"language":"rust","content":"fn main() {\n    let s = \"ß😀\";\n    println!(\"{s}\");\n}\n"}"#,
    r#"{"language":"json","content":"{\"a\": [1, 2, \"ü\"],\n \"b\": {\"c\": null}}\n"}"#,
];

fn send(h: &Harness, method: Method, uri: &str, body: Vec<u8>) -> Option<(u16, Vec<u8>)> {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .ok()?;
    let app = h.app.clone();
    h.rt.block_on(async move {
        let response = app.oneshot(req).await.expect("the router is infallible");
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body collects");
        Some((status, body.to_vec()))
    })
}

fn check(what: &str, status: u16, body: &[u8], input: &[u8]) {
    let shown = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(2000)]).into_owned();
    if status >= 500 && status != 503 {
        panic!(
            "{what} answered {status}: {}\ninput: {}",
            shown(body),
            shown(input)
        );
    }
    if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
        panic!(
            "{what} answered {status} with a body that is not JSON: {}\ninput: {}",
            shown(body),
            shown(input)
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let h = harness();
    let (method, uri, body): (Method, String, &[u8]) = match sel % 7 {
        0 => (Method::POST, "/v1/parse".into(), body),
        1 => (Method::POST, "/v1/symbols".into(), body),
        2 => (Method::POST, "/v1/query".into(), body),
        3 => (Method::PUT, "/v1/documents/fz".into(), body),
        4 => {
            let doc = DOCS[usize::from(sel / 7) % DOCS.len()];
            let (status, answer) =
                send(h, Method::PUT, "/v1/documents/fz", doc.as_bytes().to_vec())
                    .expect("fixed request is valid");
            check("PUT (reset)", status, &answer, doc.as_bytes());
            (Method::PATCH, "/v1/documents/fz".into(), body)
        }
        5 => {
            let line = body.split(|&b| b == b'\n').next().unwrap_or_default();
            let Ok(query) = std::str::from_utf8(line) else {
                return;
            };
            (
                Method::GET,
                format!("/v1/documents/fz/tree?{query}"),
                &[][..],
            )
        }
        _ => {
            let (line, rest) = match body.iter().position(|&b| b == b'\n') {
                Some(i) => (&body[..i], &body[i + 1..]),
                None => (body, &[][..]),
            };
            let Ok(line) = std::str::from_utf8(line) else {
                return;
            };
            let Some((m, path)) = line.split_once(' ') else {
                return;
            };
            let Ok(method) = Method::from_bytes(m.as_bytes()) else {
                return;
            };
            if !path.starts_with("/v1/") {
                return;
            }
            (method, path.to_string(), rest)
        }
    };
    let what = format!("{method} {uri}");
    if let Some((status, answer)) = send(h, method, &uri, body.to_vec()) {
        check(&what, status, &answer, data);
    }
});
