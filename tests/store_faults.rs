//! Store faults, each against a real process over TCP: the function answers a 500
//! ResponseError with the invocation's op_id within its time bound, and serves again
//! once the fault is gone. Faults moto cannot produce come from a small fake endpoint.

mod common;

use std::time::{Duration, Instant};

use common::fake_dynamodb::{Behavior, FakeDynamo};
use common::*;
use get_session::session::unix_now;
use get_session::store::{ATTEMPT_TIMEOUT, OPERATION_TIMEOUT};
use get_session::{App, DynamoStore};
use serde_json::json;

/// An upper limit that only catches a hang (the Lambda timeout in template.yaml is 10 s).
const HANG_LIMIT: Duration = Duration::from_secs(10);

async fn fixture(behavior: Behavior) -> (FakeDynamo, App<DynamoStore>) {
    let fake = FakeDynamo::start(behavior).await;
    let client = client(&fake.url).await;
    let app = app(&client, &config("sessions", &[]));
    (fake, app)
}

async fn call(
    app: &App<DynamoStore>,
    op_id: &str,
) -> (lambda_http::Response<lambda_http::Body>, Duration) {
    let event = event_json(
        Kind::HttpApiV2,
        "GET",
        &[("x-dr-session", "some-token")],
        None,
    );
    let started = Instant::now();
    let response = tokio::time::timeout(HANG_LIMIT, app.handle(&request(&event, op_id)))
        .await
        .expect("the handler answers instead of hanging");
    (response, started.elapsed())
}

fn live_item() -> Option<String> {
    Some(format!(
        r#"{{"username":{{"S":"alice"}},"expires_at":{{"N":"{}"}}}}"#,
        unix_now() + 3600
    ))
}

async fn assert_recovers(fake: &FakeDynamo, app: &App<DynamoStore>) {
    fake.set(Behavior::Item(live_item()));
    let (response, _) = call(app, &invocation_id()).await;
    assert_eq!(parts(&response), (200, json!({"username": "alice"})));
}

#[tokio::test]
async fn fake_endpoint_serves_a_session() {
    let (fake, app) = fixture(Behavior::Item(live_item())).await;
    let (response, _) = call(&app, &invocation_id()).await;
    assert_eq!(parts(&response), (200, json!({"username": "alice"})));
    assert_eq!(fake.requests(), 1);
}

#[tokio::test]
async fn one_consistent_projected_get_item_keyed_by_the_token_hash() {
    let (fake, app) = fixture(Behavior::Item(live_item())).await;
    call(&app, &invocation_id()).await;
    assert_eq!(fake.requests(), 1);
    let body: serde_json::Value = serde_json::from_str(&fake.last_body()).unwrap();
    assert_eq!(body["TableName"], "sessions");
    assert_eq!(body["ConsistentRead"], true);
    assert_eq!(body["ProjectionExpression"], "#u, #e");
    assert_eq!(
        body["ExpressionAttributeNames"],
        json!({"#u": "username", "#e": "expires_at"})
    );
    // sha256("some-token"): the raw token never goes to the store.
    let key = get_session::session::SessionKey::derive(
        &get_session::token::SessionToken::parse(b"some-token").unwrap(),
        get_session::session::KeyScheme::Sha256,
    );
    assert_eq!(body["Key"], json!({"session_id": {"S": key.as_str()}}));
    assert!(!fake.last_body().contains("some-token"));

    let client = client(&fake.url).await;
    let eventual = common::app(
        &client,
        &config("sessions", &[("SESSION_CONSISTENT_READ", "false")]),
    );
    call(&eventual, &invocation_id()).await;
    let body: serde_json::Value = serde_json::from_str(&fake.last_body()).unwrap();
    assert_eq!(body["ConsistentRead"], false);
}

#[tokio::test]
async fn hung_store_is_500_unavailable_then_recovers() {
    let (fake, app) = fixture(Behavior::Hang).await;
    let op_id = invocation_id();
    let (response, elapsed) = call(&app, &op_id).await;
    assert_error(&response, 500, "session_store_unavailable", &op_id);
    // Ended by the operation timeout, not by the outer hang limit.
    assert!(
        elapsed >= OPERATION_TIMEOUT - Duration::from_millis(100),
        "{elapsed:?}"
    );
    assert!(
        fake.requests() >= 2,
        "the attempt timeout retried: {} requests",
        fake.requests()
    );
    assert_recovers(&fake, &app).await;
}

#[tokio::test]
async fn slow_first_attempt_is_retried_and_succeeds() {
    let delay = ATTEMPT_TIMEOUT + Duration::from_millis(500);
    let (fake, app) = fixture(Behavior::SlowFirst {
        delay,
        item: live_item(),
    })
    .await;
    let (response, _) = call(&app, &invocation_id()).await;
    assert_eq!(parts(&response), (200, json!({"username": "alice"})));
    assert_eq!(fake.requests(), 2, "one timed-out attempt, one retry");
}

#[tokio::test]
async fn throttling_is_retried_then_500_throttled() {
    for error_type in [
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
    ] {
        let (fake, app) = fixture(Behavior::Error {
            status: 400,
            error_type,
        })
        .await;
        let op_id = invocation_id();
        let (response, _) = call(&app, &op_id).await;
        assert_error(&response, 500, "session_store_throttled", &op_id);
        assert_eq!(
            fake.requests(),
            3,
            "{error_type}: standard mode makes 3 attempts"
        );
        assert_recovers(&fake, &app).await;
    }
}

#[tokio::test]
async fn access_denied_is_500_misconfigured_without_retry() {
    let (fake, app) = fixture(Behavior::Error {
        status: 400,
        error_type: "AccessDeniedException",
    })
    .await;
    let op_id = invocation_id();
    let (response, _) = call(&app, &op_id).await;
    assert_error(&response, 500, "session_store_misconfigured", &op_id);
    assert_eq!(fake.requests(), 1);
    let (_, body) = parts(&response);
    assert!(!body.to_string().contains("AccessDenied"), "{body}");
    assert_recovers(&fake, &app).await;
}

#[tokio::test]
async fn server_errors_are_retried_then_500_unavailable() {
    for (status, error_type) in [(500, "InternalServerError"), (503, "ServiceUnavailable")] {
        let (fake, app) = fixture(Behavior::Error { status, error_type }).await;
        let op_id = invocation_id();
        let (response, _) = call(&app, &op_id).await;
        assert_error(&response, 500, "session_store_unavailable", &op_id);
        assert_eq!(fake.requests(), 3, "{status}");
        assert_recovers(&fake, &app).await;
    }
}

#[tokio::test]
async fn wrongly_typed_record_is_500_record_invalid() {
    let item = r#"{"username":{"S":"alice"},"expires_at":{"S":"soon"}}"#.to_owned();
    let (_fake, app) = fixture(Behavior::Item(Some(item))).await;
    let op_id = invocation_id();
    let (response, _) = call(&app, &op_id).await;
    assert_error(&response, 500, "session_record_invalid", &op_id);
}
