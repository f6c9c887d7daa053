//! The whole handler against a real local DynamoDB (moto's server, started by scripts/test),
//! through real `lambda_http` requests from API Gateway v2, v1 and ALB events.

mod common;

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use common::*;
use get_session::session::{unix_now, KeyScheme, SessionKey, SessionRecord, Username};
use get_session::token::SessionToken;
use get_session::DynamoStore;
use serde_json::json;

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

    /// Stores a session the way sessionctl does; returns its token.
    async fn session(&self, user: &str, expires_at: i64) -> String {
        let token = SessionToken::generate().unwrap();
        let store = DynamoStore::new(self.client.clone(), &self.table, true);
        let record = SessionRecord {
            username: Username::new(user).unwrap(),
            expires_at,
        };
        store
            .put(&SessionKey::derive(&token, KeyScheme::Sha256), &record)
            .await
            .unwrap();
        token.expose().to_owned()
    }

    async fn get(
        &self,
        kind: Kind,
        headers: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> (u16, serde_json::Value) {
        self.get_with(&[], kind, headers, cookie).await
    }

    async fn get_with(
        &self,
        settings: &[(&str, &str)],
        kind: Kind,
        headers: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let app = app(&self.client, &config(&self.table, settings));
        let response = app
            .handle(&request(
                &event_json(kind, "GET", headers, cookie),
                &invocation_id(),
            ))
            .await;
        assert_eq!(response.headers()["cache-control"], "no-store");
        parts(&response)
    }
}

#[tokio::test]
async fn live_session_via_every_source_and_event_kind() {
    let f = Fixture::new().await;
    let token = f.session("alice", unix_now() + 3600).await;
    let bearer = format!("Bearer {token}");
    let cookie = format!("theme=dark; session={token}");
    for kind in KINDS {
        let want = (200, json!({"username": "alice"}));
        assert_eq!(
            f.get(kind, &[("x-dr-session", &token)], None).await,
            want,
            "{kind:?} header"
        );
        assert_eq!(
            f.get(kind, &[("authorization", &bearer)], None).await,
            want,
            "{kind:?} bearer"
        );
        assert_eq!(
            f.get(kind, &[], Some(&cookie)).await,
            want,
            "{kind:?} cookie"
        );
    }
}

#[tokio::test]
async fn configured_cookie_name() {
    let f = Fixture::new().await;
    let token = f.session("alice", unix_now() + 3600).await;
    let cookie = format!("session=ignored; sid={token}");
    for kind in KINDS {
        let got = f
            .get_with(&[("SESSION_COOKIE", "sid")], kind, &[], Some(&cookie))
            .await;
        assert_eq!(got, (200, json!({"username": "alice"})), "{kind:?}");
    }
}

#[tokio::test]
async fn absent_unknown_and_expired_sessions_are_empty() {
    let f = Fixture::new().await;
    let expired = f.session("bob", unix_now() - 1).await;
    let unknown = SessionToken::generate().unwrap().expose().to_owned();
    for kind in KINDS {
        assert_eq!(
            f.get(kind, &[], None).await,
            (200, json!({})),
            "{kind:?} absent"
        );
        assert_eq!(
            f.get(kind, &[("x-dr-session", &unknown)], None).await,
            (200, json!({})),
            "{kind:?} unknown"
        );
        assert_eq!(
            f.get(kind, &[("x-dr-session", &expired)], None).await,
            (200, json!({})),
            "{kind:?} expired"
        );
    }
}

#[tokio::test]
async fn raw_keys_need_session_token_hash_none() {
    let f = Fixture::new().await;
    let token = "raw-stored-token";
    let expires = (unix_now() + 3600).to_string();
    put_raw(
        &f.client,
        &f.table,
        token,
        &[
            ("username", AttributeValue::S("carol".into())),
            ("expires_at", AttributeValue::N(expires)),
        ],
    )
    .await;
    let headers = [("x-dr-session", token)];
    assert_eq!(
        f.get(Kind::HttpApiV2, &headers, None).await,
        (200, json!({}))
    );
    assert_eq!(
        f.get_with(
            &[("SESSION_TOKEN_HASH", "none")],
            Kind::HttpApiV2,
            &headers,
            None
        )
        .await,
        (200, json!({"username": "carol"}))
    );
}

#[tokio::test]
async fn malformed_records_are_500_session_record_invalid() {
    let f = Fixture::new().await;
    let later = AttributeValue::N((unix_now() + 3600).to_string());
    let cases: Vec<Vec<(&str, AttributeValue)>> = vec![
        vec![("expires_at", later.clone())],
        vec![("username", AttributeValue::S("dave".into()))],
        vec![
            ("username", AttributeValue::N("7".into())),
            ("expires_at", later.clone()),
        ],
        vec![
            ("username", AttributeValue::S("dave".into())),
            ("expires_at", AttributeValue::S("tomorrow".into())),
        ],
    ];
    for attrs in cases {
        let token = SessionToken::generate().unwrap();
        let key = SessionKey::derive(&token, KeyScheme::Sha256);
        put_raw(&f.client, &f.table, key.as_str(), &attrs).await;
        let op_id = invocation_id();
        let app = app(&f.client, &config(&f.table, &[]));
        let event = event_json(
            Kind::RestApiV1,
            "GET",
            &[("x-dr-session", token.expose())],
            None,
        );
        let response = app.handle(&request(&event, &op_id)).await;
        assert_error(&response, 500, "session_record_invalid", &op_id);
    }
}

#[tokio::test]
async fn revoked_session_stops_at_once() {
    let f = Fixture::new().await;
    let token = f.session("erin", unix_now() + 3600).await;
    let headers = [("x-dr-session", token.as_str())];
    assert_eq!(f.get(Kind::Alb, &headers, None).await.0, 200);
    let store = DynamoStore::new(f.client.clone(), &f.table, true);
    let key = SessionKey::derive(
        &SessionToken::parse(token.as_bytes()).unwrap(),
        KeyScheme::Sha256,
    );
    assert!(store.delete(&key).await.unwrap());
    assert_eq!(f.get(Kind::Alb, &headers, None).await, (200, json!({})));
}

#[tokio::test]
async fn missing_table_is_500_session_store_misconfigured() {
    let client = client(&endpoint()).await;
    let op_id = invocation_id();
    let app = app(&client, &config("no-such-table-here", &[]));
    let event = event_json(Kind::HttpApiV2, "GET", &[("x-dr-session", "abc")], None);
    let response = app.handle(&request(&event, &op_id)).await;
    assert_error(&response, 500, "session_store_misconfigured", &op_id);
    let (_, body) = parts(&response);
    assert!(!body.to_string().contains("ResourceNotFound"), "{body}");
}

#[tokio::test]
async fn unreachable_store_is_500_session_store_unavailable() {
    // A port that was just free: nothing listens, connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = client(&format!("http://127.0.0.1:{port}")).await;
    let op_id = invocation_id();
    let app = app(&client, &config("sessions", &[]));
    let event = event_json(Kind::HttpApiV2, "GET", &[("x-dr-session", "abc")], None);
    // Bounded by the store's operation timeout; the outer limit only catches a hang.
    let response = tokio::time::timeout(
        Duration::from_secs(20),
        app.handle(&request(&event, &op_id)),
    )
    .await
    .expect("the handler answers instead of hanging");
    assert_error(&response, 500, "session_store_unavailable", &op_id);
}

#[tokio::test]
async fn errors_carry_the_invocation_id_for_every_event_kind() {
    let f = Fixture::new().await;
    for kind in KINDS {
        let app = app(&f.client, &config(&f.table, &[]));
        let op_id = invocation_id();
        let response = app
            .handle(&request(&event_json(kind, "POST", &[], None), &op_id))
            .await;
        assert_error(&response, 405, "method_not_allowed", &op_id);
        assert_eq!(response.headers()["allow"], "GET");
        let op_id = invocation_id();
        let event = event_json(kind, "GET", &[("x-dr-session", "bad token")], None);
        let response = app.handle(&request(&event, &op_id)).await;
        assert_error(&response, 400, "invalid_session_token", &op_id);
    }
}
