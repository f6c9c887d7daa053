//! The token rules of the README's table, as one table test over every front door: each
//! row is header fields as a client sends them, put into each front door's event the way
//! that front door does (repeated headers, comma-joined values, cookie arrays, HTTP/2
//! cookie crumbs), through the function's entry point.

use get_session::SessionEndpoint;
use get_session::{unix_now, SessionRecord, Username};
use serde_json::json;
use testkit::MemoryStore;
use testkit::*;

use testkit::token_table::{rows, Want, T, U};

/// The function with the demo session live in an in-memory store.
fn demo_app() -> SessionEndpoint<MemoryStore> {
    let record = SessionRecord::new(Username::new("demo").unwrap(), unix_now() + 3600);
    SessionEndpoint::get(
        MemoryStore::default().with(&key(T), record),
        &config("sessions", &[]),
    )
}

#[tokio::test]
async fn every_rule_holds_in_every_front_door() {
    let app = demo_app();
    let mut checked = 0;
    for &shape in Shape::ALL {
        for (what, fields, want, needs_every_value) in rows() {
            if needs_every_value && !shape.keeps_repeated_values() {
                continue;
            }
            let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let op_id = invocation_id();
            let answer = invoke(&app, &shape.event("GET", &fields), &op_id).await;
            match want {
                Want::Demo => assert_eq!(
                    answer.parts(),
                    (200, json!({"username": "demo"})),
                    "{shape:?}: {what}"
                ),
                Want::Nobody => assert_eq!(answer.parts(), (200, json!({})), "{shape:?}: {what}"),
                Want::Malformed => assert_error(&answer, 400, "invalid_session_token", &op_id),
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}

/// A comma splits cookies only where the front door joined repeated `Cookie` fields with
/// commas (VPC Lattice 1.0); everywhere else it is part of a cookie's value, as browsers
/// send it. (Every door split at commas: `prefs=a,session=T` answered T, and
/// `prefs=x,session=E; session=T` a 400 conflicting.)
#[tokio::test]
async fn commas_split_cookies_only_where_a_door_joined_them() {
    let app = demo_app();
    let joined = format!("theme=dark,session={T},lang=en");
    let smuggled = format!("prefs=a,session={T}");
    let blocking = format!("prefs=x,session={U}; session={T}");
    for &shape in Shape::ALL {
        let lattice_v1 = shape == Shape::LatticeV1;
        let cases = [
            (&joined, if lattice_v1 { Want::Demo } else { Want::Nobody }),
            (
                &smuggled,
                if lattice_v1 { Want::Demo } else { Want::Nobody },
            ),
            (
                &blocking,
                if lattice_v1 {
                    Want::Malformed
                } else {
                    Want::Demo
                },
            ),
        ];
        for (cookie, want) in cases {
            let op_id = invocation_id();
            let answer = invoke(&app, &shape.event("GET", &[("cookie", cookie)]), &op_id).await;
            match want {
                Want::Demo => assert_eq!(
                    answer.parts(),
                    (200, json!({"username": "demo"})),
                    "{shape:?}: {cookie}"
                ),
                Want::Nobody => assert_eq!(answer.parts(), (200, json!({})), "{shape:?}: {cookie}"),
                Want::Malformed => assert_error(&answer, 400, "invalid_session_token", &op_id),
            }
        }
    }
}

#[tokio::test]
async fn an_alb_without_multi_value_headers_passes_only_the_last_value() {
    // The ALB's documented behaviour, not the function's: it is why the README recommends
    // turning multi-value headers on for the target group.
    let app = demo_app();
    let event = Shape::Alb.event("GET", &[("x-dr-session", U), ("x-dr-session", T)]);
    assert_eq!(event["headers"]["x-dr-session"], T);
    let answer = invoke(&app, &event, &invocation_id()).await;
    assert_eq!(answer.parts(), (200, json!({"username": "demo"})));
    let event = Shape::AlbMultiValue.event("GET", &[("x-dr-session", U), ("x-dr-session", T)]);
    let op_id = invocation_id();
    assert_error(
        &invoke(&app, &event, &op_id).await,
        400,
        "invalid_session_token",
        &op_id,
    );
}

/// A lone UTF-16 surrogate escape (`\ud800`, valid JSON that Lambda passes on) in a value
/// or a header name the token rules do not read never fails the request, in any door; in
/// the token's own source it is `400 invalid_session_token` (`bad_character`). (It was
/// `400 invalid_request` everywhere.)
#[tokio::test]
async fn a_lone_surrogate_never_fails_a_request_it_does_not_carry_the_token_in() {
    const MARK: &str = "LONE-SURROGATE";
    logs();
    let app = demo_app();
    let cookie = format!("prefs={MARK}; session={T}");
    let demo = (200, json!({"username": "demo"}));
    for &shape in Shape::ALL {
        let unread: [&[(&str, &str)]; 3] = [
            &[("x-other", MARK), ("x-dr-session", T)],
            &[("cookie", &cookie)],
            &[("x-LONE-SURROGATE-name", "v"), ("x-dr-session", T)],
        ];
        for fields in unread {
            let json = shape
                .event("GET", fields)
                .to_string()
                .replace(MARK, "\\ud800");
            let answer = invoke_json(&app, &json, &invocation_id()).await;
            assert_eq!(answer.parts(), demo, "{shape:?}: {fields:?}");
        }
        let in_token = format!("{T}{MARK}");
        let json = shape
            .event("GET", &[("x-dr-session", &in_token)])
            .to_string()
            .replace(MARK, "\\udc00");
        let op_id = invocation_id();
        let answer = invoke_json(&app, &json, &op_id).await;
        assert_error(&answer, 400, "invalid_session_token", &op_id);
        let line = log_lines(&op_id).pop().expect("one request line");
        assert_eq!(line["cause"], "bad_character", "{shape:?}");
    }
}
