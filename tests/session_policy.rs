//! The session policy beyond `expires_at`, through event JSON: the idle timeout
//! (`SESSION_IDLE_TIMEOUT`), ending every session at once (`SESSION_NOT_BEFORE`), and
//! reads as activity (`SESSION_TOUCH`), against the real local DynamoDB (moto); and the
//! touch's faults against the in-memory store, where the answer must never depend on the
//! write.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use get_session::SessionEndpoint;
use get_session::{unix_now, SessionRecord, Username};
use get_session::{Cause, SessionStore, StoreError, Touched};
use serde_json::{json, Value};
use testkit::MemoryStore;
use testkit::*;

const TOKEN: &str = "policy-token-0123456789abcdef";

/// A session item for TOKEN with these extra attributes.
async fn put(client: &Client, table: &str, extra: &[(&str, AttributeValue)]) {
    let mut attrs = vec![
        (USERNAME_ATTR, AttributeValue::S("alice".into())),
        (EXPIRES_ATTR, number(unix_now() + 3600)),
    ];
    attrs.extend(extra.iter().cloned());
    put_raw(client, table, key(TOKEN).as_str(), &attrs).await;
}

/// TOKEN's answer through payload 2.0, and its request line.
async fn get<S: SessionStore>(app: &SessionEndpoint<S>) -> (Answer, Value) {
    let op_id = invocation_id();
    let event = Shape::HttpV2.event("GET", &[("x-dr-session", TOKEN)]);
    let answer = invoke(app, &event, &op_id).await;
    (answer, log_lines(&op_id).pop().expect("one request line"))
}

async fn last_seen(client: &Client, table: &str) -> Option<AttributeValue> {
    stored_item(client, table, TOKEN)
        .await?
        .remove(LAST_SEEN_ATTR)
}

fn live() -> (u16, Value) {
    (200, json!({"username": "alice"}))
}

fn none() -> (u16, Value) {
    (200, json!({}))
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn idle_timeout() {
    logs();
    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    let app = app(&client, &config(&table, &[("SESSION_IDLE_TIMEOUT", "30m")]));
    let now = unix_now();
    type Case<'a> = (Vec<(&'a str, AttributeValue)>, (u16, Value), &'a str);
    let cases: Vec<Case> = vec![
        (vec![], live(), "session"),
        (vec![(LAST_SEEN_ATTR, number(now - 60))], live(), "session"),
        // Just inside the timeout, with room for the clock to tick before the read (an
        // age only grows: the idle cases below stay idle however long the test takes).
        (
            vec![(LAST_SEEN_ATTR, number(now - 1790))],
            live(),
            "session",
        ),
        (vec![(LAST_SEEN_ATTR, number(now - 1800))], none(), "idle"),
        (vec![(LAST_SEEN_ATTR, number(-5))], none(), "idle"),
        (
            vec![(LAST_SEEN_ATTR, number(format!("{}.9", now - 1800)))],
            none(),
            "idle",
        ),
    ];
    for (extra, want, outcome) in cases {
        put(&client, &table, &extra).await;
        let (answer, line) = get(&app).await;
        assert_eq!(answer.parts(), want, "{extra:?}");
        assert_eq!(line["outcome"], outcome, "{extra:?}");
    }
    for bad in [
        AttributeValue::S("yesterday".into()),
        number("9".repeat(38)),
    ] {
        put(&client, &table, &[(LAST_SEEN_ATTR, bad.clone())]).await;
        let op_id = invocation_id();
        let event = Shape::RestV1.event("GET", &[("x-dr-session", TOKEN)]);
        let answer = invoke(&app, &event, &op_id).await;
        assert_error(&answer, 500, "session_record_invalid", &op_id);
    }
    // Off: last_seen_at is ignored, even of the wrong type.
    let off = testkit::app(&client, &config(&table, &[]));
    put(&client, &table, &[(LAST_SEEN_ATTR, number(0))]).await;
    assert_eq!(get(&off).await.0.parts(), live());
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn not_before_ends_every_session_issued_earlier() {
    logs();
    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    let cutoff = unix_now() - 100;
    let app = app(
        &client,
        &config(&table, &[("SESSION_NOT_BEFORE", &cutoff.to_string())]),
    );
    for (issued, want, outcome) in [
        (Some(number(cutoff)), live(), "session"),
        (Some(number(cutoff + 50)), live(), "session"),
        (Some(number(cutoff - 1)), none(), "not_before"),
        (None, none(), "not_before"),
    ] {
        let extra: Vec<_> = issued.iter().map(|t| (ISSUED_ATTR, t.clone())).collect();
        put(&client, &table, &extra).await;
        let (answer, line) = get(&app).await;
        assert_eq!(answer.parts(), want, "{issued:?}");
        assert_eq!(line["outcome"], outcome, "{issued:?}");
    }
    put(
        &client,
        &table,
        &[(ISSUED_ATTR, AttributeValue::Bool(true))],
    )
    .await;
    let op_id = invocation_id();
    let event = Shape::Alb.event("GET", &[("x-dr-session", TOKEN)]);
    assert_error(
        &invoke(&app, &event, &op_id).await,
        500,
        "session_record_invalid",
        &op_id,
    );
}

/// Stored times that cannot be right are refused, not trusted: milliseconds written as
/// seconds (`expires_at`, `last_seen_at`) or a time well ahead of the clock answer 500
/// `session_record_invalid` with the attribute named in the line's cause, in every door.
/// (They answered `200 alice`: a session that never expired or never went idle.)
#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn implausible_times_are_an_invalid_record() {
    logs();
    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    let app = app(&client, &config(&table, &[("SESSION_IDLE_TIMEOUT", "30m")]));
    let now = unix_now();
    let cases: [(&[(&str, AttributeValue)], &str); 5] = [
        (&[(EXPIRES_ATTR, number(now * 1000))], "expires_at_too_far"),
        (
            &[(EXPIRES_ATTR, number(now + 3654 * 86_400))],
            "expires_at_too_far",
        ),
        (&[(ISSUED_ATTR, number(now + 3600))], "issued_at_in_future"),
        (
            &[(LAST_SEEN_ATTR, number(now * 1000))],
            "last_seen_at_in_future",
        ),
        (
            &[(LAST_SEEN_ATTR, number(format!("{}e3", now)))],
            "last_seen_at_in_future",
        ),
    ];
    for (extra, cause) in cases {
        put(&client, &table, extra).await;
        for &shape in Shape::ALL {
            let op_id = invocation_id();
            let event = shape.event("GET", &[("x-dr-session", TOKEN)]);
            let answer = invoke(&app, &event, &op_id).await;
            assert_error(&answer, 500, "session_record_invalid", &op_id);
            let line = log_lines(&op_id).pop().expect("one request line");
            assert_eq!(line["cause"], cause, "{extra:?}");
        }
    }
    // Within the bounds: a few minutes of clock skew, a ten-year session.
    put(
        &client,
        &table,
        &[
            (ISSUED_ATTR, number(now + 200)),
            (LAST_SEEN_ATTR, number(now + 200)),
        ],
    )
    .await;
    assert_eq!(get(&app).await.0.parts(), live());
    put(
        &client,
        &table,
        &[(EXPIRES_ATTR, number(now + 3652 * 86_400))],
    )
    .await;
    assert_eq!(get(&app).await.0.parts(), live());
}

/// A short idle timeout (4 s, as init accepts) with touch on: a client reading every
/// second for twice the timeout keeps its session alive, and `last_seen_at` moves with it.
/// (With a fixed one-minute touch interval, the session went idle after 4 s.)
#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn touch_keeps_a_session_alive_under_a_short_idle_timeout() {
    logs();
    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    let settings = [("SESSION_IDLE_TIMEOUT", "4s"), ("SESSION_TOUCH", "true")];
    let app = app(&client, &config(&table, &settings));
    put(&client, &table, &[(LAST_SEEN_ATTR, number(unix_now()))]).await;
    let started = unix_now();
    while unix_now() < started + 8 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (answer, line) = get(&app).await;
        assert_eq!(answer.parts(), live(), "{line}");
    }
    let Some(AttributeValue::N(seen)) = last_seen(&client, &table).await else {
        panic!("last_seen_at is written");
    };
    assert!(seen.parse::<i64>().unwrap() >= started + 4, "{seen}");
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn touch_records_reads_without_ever_reviving_creating_or_going_back() {
    logs();
    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    let app = app(&client, &config(&table, TOUCHING));
    let now = unix_now();
    let seen = |v: Option<AttributeValue>| {
        v.and_then(|v| v.as_n().ok().and_then(|n| n.parse::<i64>().ok()))
    };

    // Not started: the read starts the idle timer.
    put(&client, &table, &[]).await;
    let (answer, line) = get(&app).await;
    assert_eq!(answer.parts(), live());
    assert_eq!(line["touch"], "written");
    assert!(seen(last_seen(&client, &table).await).unwrap() >= now);

    // Seen 30 s ago: no write. Seen 90 s ago: written.
    put(&client, &table, &[(LAST_SEEN_ATTR, number(now - 30))]).await;
    let (_, line) = get(&app).await;
    assert!(line.get("touch").is_none(), "{line}");
    assert_eq!(seen(last_seen(&client, &table).await), Some(now - 30));
    put(&client, &table, &[(LAST_SEEN_ATTR, number(now - 90))]).await;
    let (_, line) = get(&app).await;
    assert_eq!(line["touch"], "written");
    assert!(seen(last_seen(&client, &table).await).unwrap() >= now);

    // Idle: not revived.
    put(&client, &table, &[(LAST_SEEN_ATTR, number(now - 4000))]).await;
    let (answer, line) = get(&app).await;
    assert_eq!(answer.parts(), none());
    assert!(line.get("touch").is_none());
    assert_eq!(seen(last_seen(&client, &table).await), Some(now - 4000));

    // Expired: not revived.
    put(&client, &table, &[(EXPIRES_ATTR, number(now - 1))]).await;
    assert_eq!(get(&app).await.0.parts(), none());
    assert_eq!(last_seen(&client, &table).await, None);

    // Unknown token: no item is created.
    let other = "policy-other-token-0123456789";
    let event = Shape::HttpV2.event("GET", &[("x-dr-session", other)]);
    assert_eq!(invoke(&app, &event, &invocation_id()).await.parts(), none());
    assert!(stored_item(&client, &table, other).await.is_none());

    // The store's condition itself: a touch with an earlier time than last_seen_at (a
    // slower concurrent request) is declined, never moves it back; nor does a touch of an
    // idle or expired item, nor of a missing one.
    let store = get_session::DynamoStore::new(client.clone(), &table, true);
    put(&client, &table, &[(LAST_SEEN_ATTR, number(now))]).await;
    assert_eq!(
        store.touch(&key(TOKEN), now - 10, 1800).await.unwrap(),
        Touched::Declined
    );
    assert_eq!(seen(last_seen(&client, &table).await), Some(now));
    put(&client, &table, &[(LAST_SEEN_ATTR, number(now - 2000))]).await;
    assert_eq!(
        store.touch(&key(TOKEN), now, 1800).await.unwrap(),
        Touched::Declined
    );
    assert_eq!(
        store
            .touch(&key("policy-missing-token-01234"), now, 1800)
            .await
            .unwrap(),
        Touched::Declined
    );
    put(&client, &table, &[]).await;
    assert_eq!(
        store.touch(&key(TOKEN), now, 1800).await.unwrap(),
        Touched::Written
    );
}

const TOUCHING: &[(&str, &str)] = &[("SESSION_IDLE_TIMEOUT", "30m"), ("SESSION_TOUCH", "true")];

/// The function over `store` with TOKEN live for alice, and these settings.
fn memory_app(store: MemoryStore, settings: &[(&str, &str)]) -> SessionEndpoint<MemoryStore> {
    let record = SessionRecord::new(Username::new("alice").unwrap(), unix_now() + 3600);
    SessionEndpoint::get(
        store.with(&key(TOKEN), record),
        &config("sessions", settings),
    )
}

/// Denied, throttled, failing: the read's answer stands, the line says why the write failed,
/// and the metric counts it.
#[tokio::test]
async fn a_failed_touch_never_changes_the_answer() {
    logs();
    for cause in [Cause::AccessDenied, Cause::Throttled, Cause::ServerError] {
        let store = MemoryStore::default().touching(Some(StoreError::new(cause)), None);
        let (answer, line) = get(&memory_app(store, TOUCHING)).await;
        assert_eq!(answer.parts(), live(), "{cause:?}");
        assert_eq!(line["touch"], "failed");
        assert_eq!(line["touch_cause"], cause.as_str());
        assert_eq!(line["touch_failures"], 1, "{line}");
        assert_eq!(line["level"], "INFO", "the request did not fail: {line}");
    }
}

/// A hanging write is cut at the request's store budget (3 s in all, the read included);
/// virtual time, so the figure is exact.
#[tokio::test(start_paused = true)]
async fn a_hanging_touch_is_cut_at_the_request_budget() {
    logs();
    let store = MemoryStore::default().touching(None, Some(Duration::from_secs(3600)));
    let app = memory_app(store, TOUCHING);
    let started = tokio::time::Instant::now();
    let (answer, line) = get(&app).await;
    assert_eq!(answer.parts(), live());
    let budget = get_session::REQUEST_BUDGET;
    let waited = started.elapsed();
    assert!(
        waited <= budget && waited > budget - Duration::from_millis(50),
        "{waited:?}"
    );
    assert_eq!(line["touch"], "failed");
    assert_eq!(line["touch_cause"], "timeout");
}

#[tokio::test]
async fn touch_writes_once_then_not_again_within_the_minute() {
    logs();
    let store = MemoryStore::default();
    let app = memory_app(store.clone(), TOUCHING);
    let (_, first) = get(&app).await;
    let (_, second) = get(&app).await;
    assert_eq!(first["touch"], "written");
    assert!(second.get("touch").is_none(), "{second}");
    assert_eq!(store.touches(), 1);
    assert!(store.get(&key(TOKEN)).unwrap().last_seen_at.is_some());
}

#[tokio::test]
async fn with_touch_off_nothing_is_written() {
    logs();
    let store = MemoryStore::default();
    let app = memory_app(store.clone(), &[("SESSION_IDLE_TIMEOUT", "30m")]);
    let (answer, line) = get(&app).await;
    assert_eq!(answer.parts(), live());
    assert!(line.get("touch").is_none());
    assert_eq!(store.touches(), 0);
}
