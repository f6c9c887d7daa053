//! The function's entry point with an in-memory store: every outcome and every error code,
//! through event JSON of every front door, the response format each one expects, and the
//! one log line per request (flat JSON with Embedded Metric Format metadata, never the
//! token, its hash or the username).

use get_session::FrontDoor;
use get_session::SessionEndpoint;
use get_session::{unix_now, SessionRecord, Username};
use get_session::{Cause, StoreError, StoreFailure};
use serde_json::{json, Value};
use testkit::MemoryStore;
use testkit::*;

fn record(user: &str, expires_at: i64) -> SessionRecord {
    SessionRecord {
        username: Username::new(user).unwrap(),
        expires_at,
        issued_at: None,
        last_seen_at: None,
    }
}

/// A store failing for one token per failure kind (its first cause), e.g. `failing-throttled`.
fn failing_token(failure: StoreFailure) -> String {
    format!("failing-{failure:?}").to_lowercase()
}

fn app() -> SessionEndpoint<MemoryStore> {
    let now = unix_now();
    let mut store = MemoryStore::default()
        .with(&key("live-token"), record("alice", now + 3600))
        .with(&key("expired-token"), record("bob", now - 1))
        .with(&key("expiring-now"), record("carol", now));
    for &failure in StoreFailure::ALL {
        let &cause = Cause::ALL.iter().find(|c| c.failure() == failure).unwrap();
        store = store.failing(&key(&failing_token(failure)), StoreError::new(cause));
    }
    SessionEndpoint::get(store, &config("sessions", &[]))
}

async fn get(shape: Shape, fields: &[(&str, &str)]) -> Answer {
    invoke(&app(), &shape.event("GET", fields), &invocation_id()).await
}

#[tokio::test]
async fn live_session_answers_username_with_headers_in_every_shape() {
    for &shape in Shape::ALL {
        let answer = get(shape, &[("x-dr-session", "live-token")]).await;
        assert_eq!(
            answer.parts(),
            (200, json!({"username": "alice"})),
            "{shape:?}"
        );
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(answer.header("cache-control"), Some("no-store"));
    }
}

#[tokio::test]
async fn no_unknown_or_expired_session_answers_empty_object() {
    for &shape in Shape::ALL {
        for fields in [
            &[][..],
            &[("x-dr-session", "unknown-token")],
            &[("x-dr-session", "expired-token")],
            &[("x-dr-session", "expiring-now")],
        ] {
            let answer = get(shape, fields).await;
            assert_eq!(answer.parts(), (200, json!({})), "{shape:?} {fields:?}");
            assert_eq!(answer.header("cache-control"), Some("no-store"));
        }
    }
}

#[tokio::test]
async fn malformed_token_is_400_naming_the_source() {
    let op_id = invocation_id();
    let event = Shape::HttpV2.event("GET", &[("authorization", "Bearer a b")]);
    let answer = invoke(&app(), &event, &op_id).await;
    assert_error(&answer, 400, "invalid_session_token", &op_id);
    assert!(answer.body["message"]
        .as_str()
        .unwrap()
        .contains("Authorization"));
}

#[tokio::test]
async fn other_methods_are_405_with_allow_in_every_shape() {
    for &shape in Shape::ALL {
        for method in ["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"] {
            let op_id = invocation_id();
            let event = shape.event(method, &[("x-dr-session", "live-token")]);
            let answer = invoke(&app(), &event, &op_id).await;
            assert_error(&answer, 405, "method_not_allowed", &op_id);
            assert_eq!(answer.header("allow"), Some("GET"), "{shape:?}");
        }
    }
}

#[tokio::test]
async fn store_failures_are_500_with_their_code() {
    for (failure, code) in [
        (StoreFailure::Unavailable, "session_store_unavailable"),
        (StoreFailure::Throttled, "session_store_throttled"),
        (StoreFailure::Misconfigured, "session_store_misconfigured"),
        (StoreFailure::RecordInvalid, "session_record_invalid"),
    ] {
        let op_id = invocation_id();
        let event = Shape::RestV1.event("GET", &[("x-dr-session", &failing_token(failure))]);
        let answer = invoke(&app(), &event, &op_id).await;
        assert_error(&answer, 500, code, &op_id);
    }
}

#[tokio::test]
async fn unreadable_requests_are_400_in_their_front_doors_format() {
    let mut v2 = Shape::HttpV2.event("GET", &[]);
    v2["headers"]["x-dr-session"] = json!(5);
    let mut v1 = Shape::RestV1.event("GET", &[]);
    v1["httpMethod"] = json!(null);
    let mut alb = Shape::AlbMultiValue.event("GET", &[]);
    alb["multiValueHeaders"] = json!(["x"]);
    let mut url = Shape::FunctionUrl.event("GET", &[]);
    url["cookies"] = json!({"session": "x"});
    let mut lattice_v1 = Shape::LatticeV1.event("GET", &[]);
    lattice_v1["headers"]["x-dr-session"] = json!(["a"]);
    let mut lattice_v2 = Shape::LatticeV2.event("GET", &[]);
    lattice_v2["method"] = json!(5);
    for event in [v2, v1, alb, url, lattice_v1, lattice_v2] {
        let op_id = invocation_id();
        let answer = invoke(&app(), &event, &op_id).await;
        assert_error(&answer, 400, "invalid_request", &op_id);
    }
}

#[tokio::test]
async fn an_event_of_no_known_shape_is_an_invocation_error_logged_with_op_id() {
    logs();
    for event in [
        json!({}),
        json!([1]),
        json!("GET /session"),
        json!({"Records": []}),
    ] {
        let op_id = invocation_id();
        assert!(
            app().invoke(&event.to_string(), &op_id).await.is_err(),
            "{event}"
        );
        let lines = log_lines(&op_id);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["cause"], "unknown_event");
    }
}

#[tokio::test]
async fn op_id_is_a_fresh_uuid_without_an_invocation_id() {
    for request_id in ["", "  "] {
        let event = Shape::HttpV2.event("POST", &[]);
        let answer = invoke(&app(), &event, request_id).await;
        let op_id = answer.body["op_id"].as_str().unwrap();
        assert_eq!(uuid::Uuid::parse_str(op_id).unwrap().get_version_num(), 4);
        assert_ne!(op_id, event["requestContext"]["requestId"]);
    }
}

/// Every outcome and every error code the function answers, as (fields, event changes).
fn every_outcome() -> Vec<(&'static str, Value)> {
    let ev = |fields: &[(&str, &str)]| Shape::HttpV2.event("GET", fields);
    let mut unreadable = ev(&[]);
    unreadable["headers"] = json!(7);
    let mut cases = vec![
        ("session", ev(&[("x-dr-session", "live-token")])),
        ("no_token", ev(&[])),
        ("unknown", ev(&[("x-dr-session", "unknown-token")])),
        ("expired", ev(&[("x-dr-session", "expired-token")])),
        ("rejected", ev(&[("x-dr-session", "bad token")])),
        ("rejected", Shape::HttpV2.event("POST", &[])),
        ("rejected", unreadable),
    ];
    for &failure in StoreFailure::ALL {
        cases.push(("error", ev(&[("x-dr-session", &failing_token(failure))])));
    }
    cases
}

#[tokio::test]
async fn one_flat_json_log_line_per_request_with_op_id_and_never_a_secret() {
    logs();
    let app = app();
    let mut codes = std::collections::BTreeSet::new();
    for (outcome, event) in every_outcome() {
        let op_id = invocation_id();
        let answer = invoke(&app, &event, &op_id).await;
        let lines = log_lines(&op_id);
        assert_eq!(lines.len(), 1, "one line per request: {lines:?}");
        let line = &lines[0];
        assert_eq!(line["outcome"], outcome, "{line}");
        assert_eq!(line["status"], answer.status, "{line}");
        assert_eq!(line["front_door"], "payload_v2", "{line}");
        assert_eq!(
            line["level"],
            if answer.status >= 500 {
                "ERROR"
            } else {
                "INFO"
            }
        );
        if let Some(code) = answer.body.get("error_code") {
            assert_eq!(&line["error_code"], code);
            assert!(line["cause"].as_str().is_some_and(|c| !c.is_empty()));
            codes.insert(code.as_str().unwrap().to_owned());
        }
        let text = line.to_string();
        for secret in ["live-token", "expired-token", "failing-", "alice", "bob"] {
            assert!(!text.contains(secret), "{secret} logged: {text}");
        }
        for token in ["live-token", "expired-token", "unknown-token"] {
            assert!(!text.contains(key(token).as_str()), "hash logged: {text}");
        }
    }
    // Every error code the function can answer appeared.
    let all: std::collections::BTreeSet<_> =
        every_error().iter().map(|e| e.code().to_owned()).collect();
    assert_eq!(codes, all);
}

/// The Embedded Metric Format specification's rules for one log line.
fn assert_valid_emf(line: &Value) {
    if let Some(why) = judge::emf_problem(line, "GetSession/Test") {
        panic!("not valid EMF ({why}): {line}");
    }
}

/// `{metric name: (unit, dimension sets)}` of a line.
fn declared(line: &Value) -> std::collections::BTreeMap<String, (String, Vec<Vec<String>>)> {
    let mut out = std::collections::BTreeMap::new();
    for d in line["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
        assert_eq!(d["Namespace"], "GetSession/Test");
        let sets: Vec<Vec<String>> = d["Dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|set| {
                set.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect()
            })
            .collect();
        for m in d["Metrics"].as_array().unwrap() {
            out.insert(
                m["Name"].as_str().unwrap().to_owned(),
                (m["Unit"].as_str().unwrap().to_owned(), sets.clone()),
            );
        }
    }
    out
}

/// Dimension sets, from `[["a", "b"], ...]` literals.
fn sets(d: &[&[&str]]) -> Vec<Vec<String>> {
    d.iter()
        .map(|set| set.iter().map(|s| (*s).to_owned()).collect())
        .collect()
}

#[tokio::test]
async fn request_lines_carry_valid_emf_metrics_per_outcome_and_error_code() {
    logs();
    let app = app();
    for (outcome, event) in every_outcome() {
        let op_id = invocation_id();
        let answer = invoke(&app, &event, &op_id).await;
        let line = log_lines(&op_id).pop().expect("a request line");
        assert_valid_emf(&line);
        assert_eq!(line["function_name"], "get-session-test");
        assert_eq!(
            line["op_id"],
            op_id.as_str(),
            "op_id stays a top-level field"
        );
        let metrics = declared(&line);
        assert_eq!(
            metrics["requests"],
            (
                "Count".into(),
                sets(&[
                    &["function_name", "outcome"],
                    &["function_name", "front_door"]
                ])
            )
        );
        assert!(
            FrontDoor::ALL
                .iter()
                .any(|d| line["front_door"] == d.as_str()),
            "{line}"
        );
        assert_eq!(line["requests"], 1);
        assert_eq!(line["outcome"], outcome);
        let is_error = answer.body.get("error_code").is_some();
        assert_eq!(metrics.contains_key("errors"), is_error, "{line}");
        if is_error {
            assert_eq!(
                metrics["errors"],
                ("Count".into(), sets(&[&["function_name", "error_code"]]))
            );
            assert_eq!(line["errors"], 1);
        }
        let looked_up = matches!(outcome, "session" | "unknown" | "expired" | "error");
        assert_eq!(metrics.contains_key("store_ms"), looked_up, "{line}");
        if looked_up {
            assert_eq!(
                metrics["store_ms"],
                ("Milliseconds".into(), sets(&[&["function_name"]]))
            );
            assert!(line["store_ms"].as_f64().is_some_and(|ms| ms >= 0.0));
        }
    }
}

#[tokio::test]
async fn an_unknown_event_s_line_counts_requests_by_outcome_only() {
    // No front door: a dimension naming a member the line lacks would void its metrics.
    logs();
    let op_id = invocation_id();
    assert!(app().invoke("{}", &op_id).await.is_err());
    let line = log_lines(&op_id).pop().expect("a request line");
    assert_valid_emf(&line);
    assert!(line.get("front_door").is_none(), "{line}");
    assert_eq!(
        declared(&line)["requests"].1,
        sets(&[&["function_name", "outcome"]])
    );
}

/// Every error has a fixed message (one per unreadable request, per token source x reason,
/// per store failure kind, and the 405) and one code per status; the counts come from the
/// vocabularies, so a new reason or cause is counted without editing this test.
#[test]
fn every_error_has_a_fixed_message_and_a_code_per_status() {
    use get_session::{Malformed, Source};
    let all = every_error();
    let messages: std::collections::HashSet<_> = all.iter().map(|e| e.message()).collect();
    let token_messages = Source::ALL.len() * Malformed::ALL.len();
    assert_eq!(
        messages.len(),
        1 + 1 + token_messages + StoreFailure::ALL.len()
    );
    let codes: std::collections::HashSet<_> = all.iter().map(|e| (e.code(), e.status())).collect();
    // invalid_request, invalid_session_token, method_not_allowed, one per store failure.
    assert_eq!(codes.len(), 3 + StoreFailure::ALL.len());
}
