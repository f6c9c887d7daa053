//! The function against a real local DynamoDB (moto's server, started by scripts/test),
//! through event JSON of every front door.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use get_session::unix_now;
use get_session::SessionToken;
use serde_json::{json, Value};
use testkit::*;

struct Fixture {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl Fixture {
    async fn new() -> Self {
        let client = client(&endpoint()).await;
        let table = new_table(&client).await;
        Fixture { client, table }
    }

    /// Stores a session for a fresh random token; returns the token.
    async fn session(&self, user: &str, expires_at: i64) -> String {
        let token = SessionToken::generate().unwrap().expose().to_owned();
        put_session(&self.client, &self.table, &token, user, expires_at).await;
        token
    }

    async fn get(&self, shape: Shape, fields: &[(&str, &str)]) -> (u16, Value) {
        self.get_with(&[], shape, fields).await
    }

    async fn get_with(
        &self,
        settings: &[(&str, &str)],
        shape: Shape,
        fields: &[(&str, &str)],
    ) -> (u16, Value) {
        let app = app(&self.client, &config(&self.table, settings));
        let answer = invoke(&app, &shape.event("GET", fields), &invocation_id()).await;
        assert_eq!(answer.header("cache-control"), Some("no-store"));
        answer.parts()
    }
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn live_session_via_every_source_and_front_door() {
    let f = Fixture::new().await;
    let token = f.session("alice", unix_now() + 3600).await;
    let bearer = format!("Bearer {token}");
    let cookie = format!("theme=dark; session={token}");
    let want = (200, json!({"username": "alice"}));
    for &shape in Shape::ALL {
        for field in [
            ("x-dr-session", &token),
            ("authorization", &bearer),
            ("cookie", &cookie),
        ] {
            assert_eq!(
                f.get(shape, &[(field.0, field.1)]).await,
                want,
                "{shape:?} {}",
                field.0
            );
        }
    }
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn configured_cookie_name() {
    let f = Fixture::new().await;
    let token = f.session("alice", unix_now() + 3600).await;
    let cookie = format!("session=ignored; sid={token}");
    for &shape in Shape::ALL {
        let got = f
            .get_with(&[("SESSION_COOKIE", "sid")], shape, &[("cookie", &cookie)])
            .await;
        assert_eq!(got, (200, json!({"username": "alice"})), "{shape:?}");
    }
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn absent_unknown_and_expired_sessions_are_empty() {
    let f = Fixture::new().await;
    let expired = f.session("bob", unix_now() - 1).await;
    let unknown = SessionToken::generate().unwrap().expose().to_owned();
    for &shape in Shape::ALL {
        let absent: &[(&str, &str)] = &[];
        let cases = [
            ("absent", absent),
            ("unknown", &[("x-dr-session", &unknown)]),
            ("expired", &[("x-dr-session", &expired)]),
        ];
        for (what, fields) in cases {
            assert_eq!(
                f.get(shape, fields).await,
                (200, json!({})),
                "{shape:?} {what}"
            );
        }
    }
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn raw_keys_need_session_token_hash_none() {
    let f = Fixture::new().await;
    let token = "raw-stored-token";
    let expires = (unix_now() + 3600).to_string();
    let attrs = [
        (USERNAME_ATTR, AttributeValue::S("carol".into())),
        (EXPIRES_ATTR, AttributeValue::N(expires)),
    ];
    put_raw(&f.client, &f.table, token, &attrs).await;
    let fields = [("x-dr-session", token)];
    assert_eq!(f.get(Shape::HttpV2, &fields).await, (200, json!({})));
    assert_eq!(
        f.get_with(&[("SESSION_TOKEN_HASH", "none")], Shape::HttpV2, &fields)
            .await,
        (200, json!({"username": "carol"}))
    );
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn malformed_records_are_500_session_record_invalid() {
    let f = Fixture::new().await;
    let later = AttributeValue::N((unix_now() + 3600).to_string());
    let cases: Vec<Vec<(&str, AttributeValue)>> = vec![
        vec![(EXPIRES_ATTR, later.clone())],
        vec![(USERNAME_ATTR, AttributeValue::S("dave".into()))],
        vec![
            (USERNAME_ATTR, AttributeValue::N("7".into())),
            (EXPIRES_ATTR, later.clone()),
        ],
        vec![
            (USERNAME_ATTR, AttributeValue::S("dave".into())),
            (EXPIRES_ATTR, AttributeValue::S("tomorrow".into())),
        ],
    ];
    let app = app(&f.client, &config(&f.table, &[]));
    for attrs in cases {
        let token = SessionToken::generate().unwrap().expose().to_owned();
        put_raw(&f.client, &f.table, key(&token).as_str(), &attrs).await;
        let op_id = invocation_id();
        let event = Shape::RestV1.event("GET", &[("x-dr-session", &token)]);
        assert_error(
            &invoke(&app, &event, &op_id).await,
            500,
            "session_record_invalid",
            &op_id,
        );
    }
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn revoked_session_stops_at_once() {
    let f = Fixture::new().await;
    let token = f.session("erin", unix_now() + 3600).await;
    let fields = [("x-dr-session", token.as_str())];
    assert_eq!(f.get(Shape::AlbMultiValue, &fields).await.0, 200);
    f.client
        .delete_item()
        .table_name(&f.table)
        .key(KEY_ATTR, AttributeValue::S(key(&token).as_str().to_owned()))
        .send()
        .await
        .unwrap();
    assert_eq!(f.get(Shape::AlbMultiValue, &fields).await, (200, json!({})));
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn missing_table_is_500_session_store_misconfigured() {
    let client = client(&endpoint()).await;
    let op_id = invocation_id();
    let app = app(&client, &config("no-such-table-here", &[]));
    let event = Shape::HttpV2.event("GET", &[("x-dr-session", "abc")]);
    let answer = invoke(&app, &event, &op_id).await;
    assert_error(&answer, 500, "session_store_misconfigured", &op_id);
    assert!(
        !answer.body.to_string().contains("ResourceNotFound"),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn unreachable_store_is_500_session_store_unavailable() {
    let client = client(&closed_port_url()).await;
    let op_id = invocation_id();
    let app = app(&client, &config("sessions", &[]));
    let event = Shape::HttpV2.event("GET", &[("x-dr-session", "abc")]);
    // Bounded by the store's operation timeout; the outer limit only catches a hang.
    let answer = tokio::time::timeout(Duration::from_secs(20), invoke(&app, &event, &op_id))
        .await
        .expect("the function answers instead of hanging");
    assert_error(&answer, 500, "session_store_unavailable", &op_id);
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn errors_carry_the_invocation_id_in_every_front_door() {
    let f = Fixture::new().await;
    let app = app(&f.client, &config(&f.table, &[]));
    for &shape in Shape::ALL {
        let op_id = invocation_id();
        let answer = invoke(&app, &shape.event("POST", &[]), &op_id).await;
        assert_error(&answer, 405, "method_not_allowed", &op_id);
        assert_eq!(answer.header("allow"), Some("GET"));
        let op_id = invocation_id();
        let event = shape.event("GET", &[("x-dr-session", "bad token")]);
        assert_error(
            &invoke(&app, &event, &op_id).await,
            400,
            "invalid_session_token",
            &op_id,
        );
    }
}
