//! `DELETE /session` (`delete-session`), the DR API's logout: the table of answers (204, 401,
//! 400, 405, 500) against the real local DynamoDB (moto), a logged-out token refused by
//! `GET /session` at the next request, the session policy deciding 204 or 401 (the item is
//! deleted either way), a touch that cannot bring a logged-out session back, the request
//! line; and the store's faults against the fake endpoint, where no failure is ever a 204.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use get_session::{unix_now, DynamoStore, Method, SessionEndpoint, SessionStore, Touched};
use serde_json::json;
use testkit::fake_dynamodb::{store_faults, Behavior, FakeDynamo};
use testkit::*;

const TOKEN: &str = "logout-token-0123456789abcdef";

/// TOKEN's session, live for an hour, with these extra attributes.
async fn put(client: &Client, table: &str, extra: &[(&str, AttributeValue)]) {
    let mut attrs = vec![
        (USERNAME_ATTR, AttributeValue::S("alice".into())),
        (EXPIRES_ATTR, number(unix_now() + 3600)),
    ];
    attrs.extend(extra.iter().cloned());
    put_raw(client, table, key(TOKEN).as_str(), &attrs).await;
}

/// `method` with TOKEN in `x-dr-session` through `shape`, judged by the contract of
/// `function`; the answer and the op_id.
async fn call<S: SessionStore>(
    app: &SessionEndpoint<S>,
    function: Method,
    shape: Shape,
    method: &str,
) -> (Answer, String) {
    let op_id = invocation_id();
    let event = shape.event(method, &[("x-dr-session", TOKEN)]);
    let answer = invoke(app, &event, &op_id).await;
    if let Err(broken) = check_contract(&answer, function, &op_id, "alice") {
        panic!("{shape:?} {method}: {broken}");
    }
    (answer, op_id)
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn logout_deletes_the_session_and_get_refuses_it_at_the_next_request() {
    logs();
    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    let config = config(&table, &[]);
    let (get, delete) = (
        app(&client, &config),
        app_of(Method::Delete, &client, &config),
    );
    for &shape in Shape::ALL {
        put(&client, &table, &[]).await;
        let (answer, _) = call(&get, Method::Get, shape, "GET").await;
        assert_eq!(answer.parts(), (200, json!({"username": "alice"})));

        let (answer, op_id) = call(&delete, Method::Delete, shape, "DELETE").await;
        assert_eq!(answer.status, 204, "{shape:?}");
        assert!(
            stored_item(&client, &table, TOKEN).await.is_none(),
            "{shape:?}"
        );
        let line = log_lines(&op_id).pop().expect("one request line");
        assert_eq!(line["message"], "DELETE /session");
        assert_eq!(line["outcome"], "logged_out");
        assert_eq!(line["status"], 204);
        assert!(
            !line.to_string().contains(TOKEN) && !line.to_string().contains(key(TOKEN).as_str())
        );

        let (answer, _) = call(&get, Method::Get, shape, "GET").await;
        assert_eq!(answer.parts(), (200, json!({})), "{shape:?}");
        let (answer, op_id) = call(&delete, Method::Delete, shape, "DELETE").await;
        assert_eq!(answer.status, 401, "a second logout: {shape:?}");
        assert_eq!(log_lines(&op_id).pop().unwrap()["outcome"], "unknown");
    }
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn a_session_that_is_not_live_is_401_and_deleted_all_the_same() {
    logs();
    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    let now = unix_now();
    let settings = [
        ("SESSION_IDLE_TIMEOUT", "30m"),
        ("SESSION_NOT_BEFORE", &(now - 100).to_string()),
    ];
    let delete = app_of(Method::Delete, &client, &config(&table, &settings));
    let issued = (ISSUED_ATTR, number(now - 50));
    let cases: [(&[(&str, AttributeValue)], &str); 3] = [
        (
            &[(EXPIRES_ATTR, number(now - 1)), issued.clone()],
            "expired",
        ),
        (
            &[(LAST_SEEN_ATTR, number(now - 3600)), issued.clone()],
            "idle",
        ),
        (&[(ISSUED_ATTR, number(now - 200))], "not_before"),
    ];
    for (extra, outcome) in cases {
        put(&client, &table, extra).await;
        let (answer, op_id) = call(&delete, Method::Delete, Shape::HttpV2, "DELETE").await;
        assert_eq!(answer.status, 401, "{outcome}");
        assert_eq!(log_lines(&op_id).pop().unwrap()["outcome"], outcome);
        assert!(
            stored_item(&client, &table, TOKEN).await.is_none(),
            "{outcome}"
        );
    }
    // Live by every rule: issued after the cut-off, seen a minute ago.
    put(
        &client,
        &table,
        &[
            (ISSUED_ATTR, number(now - 50)),
            (LAST_SEEN_ATTR, number(now - 60)),
        ],
    )
    .await;
    let (answer, _) = call(&delete, Method::Delete, Shape::HttpV2, "DELETE").await;
    assert_eq!(answer.status, 204);
    // An implausible record: a 500 that names it, and the item gone too.
    put(&client, &table, &[(ISSUED_ATTR, number(now + 3600))]).await;
    let (answer, op_id) = call(&delete, Method::Delete, Shape::HttpV2, "DELETE").await;
    assert_error(&answer, 500, "session_record_invalid", &op_id);
    assert!(stored_item(&client, &table, TOKEN).await.is_none());
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn a_touch_racing_a_logout_never_brings_the_session_back() {
    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    let store = DynamoStore::new(client.clone(), &table, true);
    put(
        &client,
        &table,
        &[(LAST_SEEN_ATTR, number(unix_now() - 120))],
    )
    .await;
    // The read of a GET saw the session live; the logout lands before its touch.
    assert!(store.find(&key(TOKEN)).await.unwrap().is_some());
    let old = store.remove(&key(TOKEN)).await.unwrap();
    assert_eq!(
        old.map(|r| r.username.as_str().to_owned()),
        Some("alice".into())
    );
    let touched = store.touch(&key(TOKEN), unix_now(), 1800).await.unwrap();
    assert_eq!(touched, Touched::Declined);
    assert!(stored_item(&client, &table, TOKEN).await.is_none());
    assert!(store.remove(&key(TOKEN)).await.unwrap().is_none());
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn other_methods_are_405_with_the_deployments_methods_in_allow() {
    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    put(&client, &table, &[]).await;
    for (settings, allow) in [
        (&[][..], ["GET", "DELETE"]),
        (
            &[("SESSION_METHODS", "GET, DELETE")][..],
            ["GET, DELETE"; 2],
        ),
    ] {
        let config = config(&table, settings);
        let (get, delete) = (
            app(&client, &config),
            app_of(Method::Delete, &client, &config),
        );
        for &shape in Shape::ALL {
            for method in ["GET", "POST", "PUT", "OPTIONS"] {
                let (answer, op_id) = call(&delete, Method::Delete, shape, method).await;
                assert_error(&answer, 405, "method_not_allowed", &op_id);
                assert_eq!(answer.header("allow"), Some(allow[1]), "{shape:?} {method}");
            }
            let (answer, _) = call(&get, Method::Get, shape, "DELETE").await;
            assert_eq!(answer.header("allow"), Some(allow[0]), "{shape:?}");
        }
    }
    // None of that deleted anything.
    assert!(stored_item(&client, &table, TOKEN).await.is_some());
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn no_token_or_a_malformed_one_never_reaches_the_store() {
    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    put(&client, &table, &[]).await;
    let delete = app_of(Method::Delete, &client, &config(&table, &[]));
    for &shape in Shape::ALL {
        let op_id = invocation_id();
        let answer = invoke(&delete, &shape.event("DELETE", &[]), &op_id).await;
        assert_eq!(answer.status, 401, "{shape:?}");
        assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
        let event = shape.event("DELETE", &[("x-dr-session", "not a token!")]);
        let answer = invoke(&delete, &event, &op_id).await;
        assert_error(&answer, 400, "invalid_session_token", &op_id);
    }
    assert!(stored_item(&client, &table, TOKEN).await.is_some());
}

/// An upper limit that only catches a hang (the Lambda timeout in template.yaml is 10 s).
const HANG_LIMIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn one_delete_item_returning_the_old_item_keyed_by_the_token_hash() {
    let live = format!(
        r#"{{"username":{{"S":"alice"}},"expires_at":{{"N":"{}"}}}}"#,
        unix_now() + 3600
    );
    let fake = FakeDynamo::start(Behavior::Item(Some(live))).await;
    let delete = app_of(
        Method::Delete,
        &client(&fake.url).await,
        &config("sessions", &[]),
    );
    let (answer, _) = call(&delete, Method::Delete, Shape::HttpV2, "DELETE").await;
    assert_eq!(answer.status, 204);
    assert_eq!(fake.requests(), 1, "one round trip");
    let body: serde_json::Value = serde_json::from_str(&fake.last_body()).unwrap();
    assert_eq!(body["ReturnValues"], "ALL_OLD");
    assert_eq!(body["Key"][KEY_ATTR]["S"], key(TOKEN).as_str());
    assert!(!fake.last_body().contains(TOKEN));
    assert!(body.get("ConditionExpression").is_none());
}

/// Every store failure is a 500 with GET's store codes, within the store's budget: never a
/// 204 for a delete that may not have happened, and never a 401 either (the client must not
/// think it had no session to end).
#[tokio::test]
async fn a_failing_store_is_a_500_never_a_204() {
    let cases = store_faults();
    for (behavior, code) in cases {
        let fake = FakeDynamo::start(behavior.clone()).await;
        let delete = app_of(
            Method::Delete,
            &client(&fake.url).await,
            &config("sessions", &[]),
        );
        let started = Instant::now();
        let (answer, op_id) = tokio::time::timeout(
            HANG_LIMIT,
            call(&delete, Method::Delete, Shape::HttpV2, "DELETE"),
        )
        .await
        .expect("an answer, not a hang");
        assert_error(&answer, 500, code, &op_id);
        assert!(
            started.elapsed() <= get_session::OPERATION_TIMEOUT + Duration::from_millis(500),
            "{behavior:?}"
        );
    }
}
