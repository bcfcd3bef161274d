//! Regression tests for what the `http` fuzz target found (see docs/reliability.md,
//! "Fuzzing"): axum's own rejections answered plain text or an empty body instead of the
//! API's typed JSON error. Over a real socket.
#![cfg(feature = "tree-sitter-python")]

mod support;

use support::{Server, code, config, json_of};

/// Fuzz input `GET /v1/documents/%ff%fe/tree`: a path segment that is not UTF-8.
#[test]
fn a_path_that_is_not_utf8_gets_a_typed_json_error() {
    let s = Server::start(config(|_| {}));
    let r = s.get("/v1/documents/%ff%fe/tree");
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let (status, body) = json_of(r);
    assert_eq!((status, code(&body)), (400, "invalid_request"), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("UTF-8")),
        "{body}"
    );
}

/// Fuzz input `GET /v1/documents/fz/tree?format=xml`: a query string that does not
/// deserialise.
#[test]
fn a_bad_query_string_gets_a_typed_json_error() {
    let s = Server::start(config(|_| {}));
    let (status, body) = json_of(s.get("/v1/documents/fz/tree?format=xml"));
    assert_eq!((status, code(&body)), (400, "invalid_request"), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("xml")),
        "{body}"
    );
}

/// A method the route does not serve: 405 with `Allow`, and a JSON body.
#[test]
fn a_wrong_method_gets_a_typed_json_error_and_keeps_allow() {
    let s = Server::start(config(|_| {}));
    let r = s.post("/v1/languages", serde_json::json!({}));
    let allow = r
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (status, body) = json_of(r);
    assert_eq!((status, code(&body)), (405, "method_not_allowed"), "{body}");
    assert!(
        allow.is_some_and(|a| a.contains("GET")),
        "Allow header kept"
    );
    // The daemon still answers normally.
    assert_eq!(s.get("/v1/languages").status(), 200);
}
