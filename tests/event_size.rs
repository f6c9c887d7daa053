//! Events at the edges of what a front door can send: grown toward Lambda's 6 MB payload
//! limit in each way an event can grow, and nested 200 and 10,000 deep in a field the
//! function does not read. Every one gets its contract answer (the benchmark, not this
//! test, says how fast: `scripts/bench`).

use get_session::FrontDoor;
use get_session::SessionEndpoint;
use serde_json::{json, Value};
use testkit::MemoryStore;
use testkit::*;

const LIVE: &str = "live-token-abcdefghijklmnop";

fn app() -> SessionEndpoint<MemoryStore> {
    memory_endpoint(&[(LIVE, "alice"), (DEMO_TOKEN, "demo")], &[])
}

#[tokio::test]
async fn a_6_mb_event_of_every_growth_is_answered() {
    let app = app();
    for growth in Growth::ALL {
        let event = growth.event(MAX_EVENT_BYTES, LIVE);
        assert!(
            event.len() > MAX_EVENT_BYTES * 9 / 10 && event.len() <= MAX_EVENT_BYTES,
            "{}: {} bytes",
            growth.name(),
            event.len()
        );
        assert_eq!(door_of(&event), growth.shape().door(), "{}", growth.name());
        let answer = invoke_json(&app, &event, &invocation_id()).await;
        assert_eq!(
            answer.parts(),
            (200, json!({"username": "alice"})),
            "{}",
            growth.name()
        );
    }
}

#[tokio::test]
async fn a_6_mb_vpc_lattice_event_of_distinct_headers_is_answered() {
    // Lattice's `headers` is the one member its events carry header fields in: grown with
    // distinct names (version 1: a string each; version 2: a list each) to near 6 MB.
    let app = app();
    for (shape, item) in [
        (Shape::LatticeV1, r#""x-h{i}":"v{i}""#),
        (Shape::LatticeV2, r#""x-h{i}":["v{i}"]"#),
    ] {
        let mark = item.replace("{i}", "");
        let base = shape
            .event("GET", &[("x-dr-session", LIVE), ("x-h", "v")])
            .to_string();
        assert!(base.contains(&mark), "{base}");
        let one = |i: usize| item.replace("{i}", &i.to_string());
        let mut items = Vec::new();
        let mut len = base.len();
        while len + one(items.len()).len() + 1 < MAX_EVENT_BYTES * 97 / 100 {
            len += one(items.len()).len() + 1;
            items.push(one(items.len()));
        }
        let event = base.replacen(&mark, &items.join(","), 1);
        assert!(event.len() > MAX_EVENT_BYTES * 9 / 10 && event.len() <= MAX_EVENT_BYTES);
        assert_eq!(door_of(&event), shape.door());
        let answer = invoke_json(&app, &event, &invocation_id()).await;
        assert_eq!(
            answer.parts(),
            (200, json!({"username": "alice"})),
            "{shape:?}"
        );
    }
}

#[tokio::test]
async fn deep_nesting_in_an_unread_field_is_answered_in_every_front_door() {
    let app = app();
    for &shape in Shape::ALL {
        let plain = fixture_text(&format!("{}/session-header.json", shape.dir()));
        for depth in [200, 10_000] {
            let event = with_nesting(&plain, depth);
            assert!(
                serde_json::from_str::<Value>(&event).is_err(),
                "nested beyond what serde_json::Value can hold"
            );
            let answer = invoke_json(&app, &event, &invocation_id()).await;
            assert_eq!(
                answer.parts(),
                (200, json!({"username": "demo"})),
                "{shape:?} at depth {depth}"
            );
        }
    }
}

#[tokio::test]
async fn deep_nesting_in_a_field_the_function_reads_is_a_400() {
    let app = app();
    let deep = format!("{}\"x\"{}", "[".repeat(10_000), "]".repeat(10_000));
    for &shape in Shape::ALL {
        let plain = fixture(&format!("{}/session-header.json", shape.dir()));
        for field in ["headers", "multiValueHeaders", "cookies"] {
            let mut event = plain.to_string();
            let marker = format!(r#""{field}":"#);
            event = match event.find(&marker) {
                // Replace the field's value: find where it ends by re-serialising it.
                Some(_) => {
                    let value = plain[field].to_string();
                    event.replacen(&format!("{marker}{value}"), &format!("{marker}{deep}"), 1)
                }
                None => event.replacen('{', &format!("{{{marker}{deep},"), 1),
            };
            let op_id = invocation_id();
            let answer = invoke_json(&app, &event, &op_id).await;
            // VPC Lattice's events carry header fields in `headers` alone: the others are
            // no part of them and never read.
            let lattice = matches!(shape.door(), FrontDoor::LatticeV1 | FrontDoor::LatticeV2);
            if lattice && field != "headers" {
                assert_eq!(answer.status, 200, "{shape:?} {field}");
            } else {
                assert_error(&answer, 400, "invalid_request", &op_id);
            }
        }
    }
}

#[tokio::test]
async fn deep_nesting_where_no_front_door_is_an_invocation_error_not_a_crash() {
    let app = app();
    for depth in [200, 100_000] {
        let array = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let object = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        for event in [array, object] {
            assert!(app.invoke(&event, &invocation_id()).await.is_err());
        }
    }
}
