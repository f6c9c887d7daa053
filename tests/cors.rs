//! Browser pages on other origins (`SESSION_ALLOWED_ORIGINS`), through every front door's
//! event JSON and both `/session` functions: a preflight from an allowed origin is a `204`
//! naming what the page may send; every answer to an allowed origin (200, 204, 400, 401,
//! 405, 500) names it, with credentials and `Vary: Origin`; an origin not on the list gets
//! no CORS headers; a request without `Origin`, or a deployment without the setting, is
//! answered exactly as before.

use get_session::{unix_now, Cause, Method, SessionRecord, StoreError, Username};
use serde_json::{json, Value};
use testkit::*;

const PAGE: &str = "https://app.example.com";
const OTHER: &str = "https://evil.example.com";
const T: &str = DEMO_TOKEN;
const CORS: &[(&str, &str)] = &[
    (
        "SESSION_ALLOWED_ORIGINS",
        "https://app.example.com, http://localhost:5173",
    ),
    ("SESSION_METHODS", "GET, DELETE"),
];
const CORS_HEADERS: [&str; 6] = [
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "vary",
];

fn store() -> MemoryStore {
    let record = SessionRecord::new(Username::new("demo").unwrap(), unix_now() + 3600);
    MemoryStore::default().with(&key(T), record)
}

async fn call(
    method: Method,
    extra: &[(&str, &str)],
    store: MemoryStore,
    event: &Value,
    op_id: &str,
) -> Answer {
    let function = endpoint_of(method, store, &config("sessions", extra));
    invoke(&function, event, op_id).await
}

#[track_caller]
fn assert_allowed(answer: &Answer, origin: &str, what: &str) {
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some(origin),
        "{what}: {:?}",
        answer.headers
    );
    assert_eq!(
        answer.header("access-control-allow-credentials"),
        Some("true"),
        "{what}"
    );
    assert_eq!(answer.header("vary"), Some("Origin"), "{what}");
}

#[track_caller]
fn assert_no_cors(answer: &Answer, what: &str) {
    for name in CORS_HEADERS {
        assert_eq!(
            answer.header(name),
            None,
            "{what}: {name} in {:?}",
            answer.headers
        );
    }
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_is_answered_in_every_door() {
    logs();
    for &shape in Shape::ALL {
        for method in [Method::Get, Method::Delete] {
            for asked in ["GET", "DELETE"] {
                let event = shape.event(
                    "OPTIONS",
                    &[
                        ("origin", PAGE),
                        ("access-control-request-method", asked),
                        ("access-control-request-headers", "x-dr-session"),
                    ],
                );
                let op_id = invocation_id();
                let answer = call(method, CORS, store(), &event, &op_id).await;
                let what = format!("{shape:?} {method:?} preflight for {asked}");
                assert_eq!(answer.status, 204, "{what}: {}", answer.body);
                assert!(answer.body.is_null(), "{what}");
                assert_allowed(&answer, PAGE, &what);
                assert_eq!(
                    answer.header("access-control-allow-methods"),
                    Some("GET, DELETE"),
                    "{what}"
                );
                assert_eq!(
                    answer.header("access-control-allow-headers"),
                    Some("x-dr-session, authorization"),
                    "{what}"
                );
                assert_eq!(
                    answer.header("access-control-max-age"),
                    Some("600"),
                    "{what}"
                );
                check_contract(&answer, method, &op_id, "demo").unwrap();
                let line = log_lines(&op_id).pop().expect("a request line");
                assert_eq!(
                    (line["outcome"].as_str(), line["status"].as_u64()),
                    (Some("preflight"), Some(204))
                );
            }
        }
    }
}

/// (function, request method, header fields, store, status answered).
type Case = (
    Method,
    &'static str,
    Vec<(&'static str, &'static str)>,
    MemoryStore,
    u16,
);

#[tokio::test]
async fn every_answer_to_an_allowed_origin_carries_its_cors_headers() {
    for &shape in Shape::ALL {
        let page = [("origin", PAGE)];
        let with = |fields: &[(&'static str, &'static str)]| {
            let mut all = page.to_vec();
            all.extend_from_slice(fields);
            all
        };
        let failing = MemoryStore::default().failing(&key(T), StoreError::new(Cause::Timeout));
        let cases: Vec<Case> = vec![
            (
                Method::Get,
                "GET",
                with(&[("x-dr-session", T)]),
                store(),
                200,
            ),
            (Method::Get, "GET", with(&[]), store(), 200),
            (
                Method::Get,
                "GET",
                with(&[("x-dr-session", "not a token!")]),
                store(),
                400,
            ),
            (
                Method::Get,
                "POST",
                with(&[("x-dr-session", T)]),
                store(),
                405,
            ),
            // OPTIONS without Access-Control-Request-Method is no preflight: 405 as ever.
            (Method::Get, "OPTIONS", with(&[]), store(), 405),
            (
                Method::Get,
                "GET",
                with(&[("x-dr-session", T)]),
                failing.clone(),
                500,
            ),
            (
                Method::Delete,
                "DELETE",
                with(&[("x-dr-session", T)]),
                store(),
                204,
            ),
            (Method::Delete, "DELETE", with(&[]), store(), 401),
            (
                Method::Delete,
                "DELETE",
                with(&[("x-dr-session", T)]),
                failing,
                500,
            ),
        ];
        for (function, method, fields, store, status) in cases {
            let event = shape.event(method, &fields);
            let op_id = invocation_id();
            let answer = call(function, CORS, store, &event, &op_id).await;
            let what = format!("{shape:?} {function:?} {method} {fields:?}");
            assert_eq!(answer.status, status, "{what}: {}", answer.body);
            assert_allowed(&answer, PAGE, &what);
            assert_eq!(
                answer.header("access-control-allow-methods"),
                None,
                "{what}"
            );
            check_contract(&answer, function, &op_id, "demo")
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            if status >= 400 && status != 401 {
                assert_eq!(
                    answer.body["op_id"],
                    op_id.as_str(),
                    "{what}: the page reads op_id"
                );
            }
        }
    }
}

/// An origin not on the list, a second `Origin`, or no setting at all: no CORS headers, and
/// the same answer as a deployment without CORS gives (a preflight is a 405 then).
#[tokio::test]
async fn an_origin_not_on_the_list_gets_the_answer_of_old() {
    for &shape in Shape::ALL {
        for (fields, method) in [
            (vec![("origin", OTHER), ("x-dr-session", T)], "GET"),
            (vec![("origin", "null"), ("x-dr-session", T)], "GET"),
            (
                vec![("origin", PAGE), ("origin", OTHER), ("x-dr-session", T)],
                "GET",
            ),
            (
                vec![
                    ("origin", OTHER),
                    ("access-control-request-method", "DELETE"),
                ],
                "OPTIONS",
            ),
            (vec![("x-dr-session", T)], "GET"),
            (vec![("access-control-request-method", "GET")], "OPTIONS"),
        ] {
            if fields.iter().filter(|(n, _)| *n == "origin").count() > 1
                && !shape.keeps_repeated_values()
            {
                continue;
            }
            let event = shape.event(method, &fields);
            let op_id = invocation_id();
            let what = format!("{shape:?} {method} {fields:?}");
            let with_cors = call(Method::Get, CORS, store(), &event, &op_id).await;
            let without = call(
                Method::Get,
                &[("SESSION_METHODS", "GET, DELETE")],
                store(),
                &event,
                &op_id,
            )
            .await;
            assert_no_cors(&with_cors, &what);
            assert_eq!(with_cors.raw, without.raw, "{what}");
        }
        // And a page's own request to a deployment without the setting: as ever, no CORS.
        let event = shape.event("GET", &[("origin", PAGE), ("x-dr-session", T)]);
        let answer = call(Method::Get, &[], store(), &event, &invocation_id()).await;
        assert_no_cors(&answer, "no SESSION_ALLOWED_ORIGINS");
        assert_eq!(answer.parts(), (200, json!({"username": "demo"})));
    }
}

#[test]
fn a_wildcard_or_anything_but_an_origin_stops_init_naming_the_variable() {
    for bad in [
        "*",
        "app.example.com",
        "https://app.example.com/",
        "https://*.example.com",
        "https://a.example.com:443",
    ] {
        let err = get_session::Config::from_lookup(|name| match name {
            "SESSION_TABLE" => Some("sessions".into()),
            "SESSION_ALLOWED_ORIGINS" => Some(bad.into()),
            _ => None,
        })
        .unwrap_err();
        assert_eq!(err.variable, "SESSION_ALLOWED_ORIGINS", "{bad}");
        assert!(err.to_string().contains(bad), "{err}");
    }
    let config = config("sessions", &[("SESSION_ALLOWED_ORIGINS", " ")]);
    assert!(config.allowed_origins.is_empty(), "empty is unset");
}
