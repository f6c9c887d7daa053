//! `session-authorizer` through every authorizer event shape API Gateway sends (REST API
//! `TOKEN` and `REQUEST`, HTTP API payload 1.0 and 2.0), against a real local DynamoDB:
//! every token rule of `GET /session`, every session-policy rule; store faults failing
//! closed (a fake endpoint),
//! the policy's stage-wide resource, both HTTP API 2.0 response forms, events of no
//! authorizer shape, touch, and the request line.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use get_session::Username;
use get_session::{
    unix_now, AuthorizerShape, DynamoStore, SessionAuthorizer, SessionRecord, SessionStore,
};
use get_session::{EXPIRES_ATTR, ISSUED_ATTR, LAST_SEEN_ATTR, USERNAME_ATTR};
use serde_json::{json, Value};
use testkit::fake_dynamodb::{store_faults, Behavior, FakeDynamo};
use testkit::judge::{arn_of, judge_authorizer, Verdict, Want};
use testkit::token_table::{self, rows, T};
use testkit::*;

/// The shapes' directories under `events/`, as the judge names them.
const SHAPES: &[AuthorizerShape] = AuthorizerShape::ALL;

fn refused(shape: AuthorizerShape) -> Want {
    match shape {
        AuthorizerShape::RestToken | AuthorizerShape::RestRequest => Want::NotLoggedIn,
        AuthorizerShape::HttpV1 | AuthorizerShape::HttpV2 => Want::Forbidden,
    }
}

fn demo() -> Want {
    Want::Session(Some("demo".into()))
}

fn alice() -> Want {
    Want::Session(Some("alice".into()))
}

async fn authorize<S: SessionStore>(
    authorizer: &SessionAuthorizer<S>,
    event: &Value,
    op_id: &str,
) -> Value {
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        authorizer.invoke(&event.to_string(), op_id),
    )
    .await
    .expect("the authorizer answers instead of hanging");
    invocation_answer(answer)
}

#[track_caller]
fn assert_judged(shape: AuthorizerShape, event: &Value, answer: &Value, want: &Want, simple: bool) {
    let arn = arn_of(event).expect("an ARN");
    assert_eq!(
        judge_authorizer(shape, arn, answer, want, simple, false),
        Verdict::Right,
        "{shape:?}: {event}"
    );
}

/// The authorizer against a fresh table of the local DynamoDB holding the demo session.
async fn moto_authorizer(extra: &[(&str, &str)]) -> SessionAuthorizer<DynamoStore> {
    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    put_session(&client, &table, T, "demo", unix_now() + 3600).await;
    testkit::authorizer(&client, &config(&table, extra))
}

fn memory_authorizer(extra: &[(&str, &str)]) -> SessionAuthorizer<MemoryStore> {
    let record = SessionRecord::new(Username::new("demo").unwrap(), unix_now() + 3600);
    let store = MemoryStore::default().with(&key(T), record);
    SessionAuthorizer::new(store, &config("sessions", extra))
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn every_token_rule_holds_in_every_shape() {
    let authorizer = moto_authorizer(&[]).await;
    let mut checked = 0;
    for &shape in SHAPES {
        // The TOKEN authorizer's one value: as a REST API `REQUEST` event keeps every value.
        let door = match shape {
            AuthorizerShape::RestToken | AuthorizerShape::RestRequest | AuthorizerShape::HttpV1 => {
                Shape::RestV1
            }
            AuthorizerShape::HttpV2 => Shape::HttpV2,
        };
        for (what, fields, want, needs_every_value) in rows() {
            if needs_every_value && !door.keeps_repeated_values() {
                continue;
            }
            let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let Some(event) = authorizer_event(shape, &fields, "replications") else {
                continue;
            };
            let answer = authorize(&authorizer, &event, &invocation_id()).await;
            let want = match want {
                token_table::Want::Demo => demo(),
                token_table::Want::Nobody | token_table::Want::Malformed => refused(shape),
            };
            assert_judged(shape, &event, &answer, &want, true);
            assert!(!answer.to_string().contains(T), "{what}: the token echoed");
            checked += 1;
        }
    }
    assert!(checked > 60, "{checked}");
}

#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn a_token_value_is_the_token_or_a_bearer_credential() {
    let authorizer = moto_authorizer(&[]).await;
    let shape = AuthorizerShape::RestToken;
    for (value, want) in [
        (T.to_owned(), demo()),
        (format!("Bearer {T}"), demo()),
        (format!("bearer {T}"), demo()),
        (format!("Basic {T}"), refused(shape)),
        (format!("Bearer {T} x"), refused(shape)),
        ("Bearer ".to_owned(), refused(shape)),
        (String::new(), refused(shape)),
        (" ".repeat(3), refused(shape)),
        ("a".repeat(513), refused(shape)),
    ] {
        let event = authorizer_event(shape, &[("x-dr-session", &value)], "x").unwrap();
        let answer = authorize(&authorizer, &event, &invocation_id()).await;
        assert_judged(shape, &event, &answer, &want, true);
    }
    // Not a string, or no value: refused, never an allow or a crash.
    for value in [json!(5), json!(null), json!(["a"]), json!({})] {
        let mut event = authorizer_event(shape, &[], "x").unwrap();
        event["authorizationToken"] = value;
        let answer = authorize(&authorizer, &event, &invocation_id()).await;
        assert_judged(shape, &event, &answer, &refused(shape), true);
    }
}

/// Each rule of the session policy, through every shape, against a real local DynamoDB.
#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn every_policy_rule_holds_in_every_shape() {
    logs();
    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    let now = unix_now();
    let live = "authz-live-session-0123456789";
    let expired = "authz-expired-session-0123456789";
    let idle = "authz-idle-session-0123456789";
    let early = "authz-issued-early-0123456789";
    let session = |user: &str, expires_at: i64, extra: Option<(&'static str, i64)>| {
        let mut attrs = vec![
            (USERNAME_ATTR, AttributeValue::S(user.into())),
            (EXPIRES_ATTR, number(expires_at)),
            (ISSUED_ATTR, number(now - 60)),
        ];
        attrs.extend(extra.map(|(name, at)| (name, number(at))));
        attrs
    };
    put_raw(
        &client,
        &table,
        key(live).as_str(),
        &session("alice", now + 3600, None),
    )
    .await;
    put_raw(
        &client,
        &table,
        key(expired).as_str(),
        &session("bob", now - 1, None),
    )
    .await;
    let idle_attrs = session("carol", now + 3600, Some((LAST_SEEN_ATTR, now - 3600)));
    put_raw(&client, &table, key(idle).as_str(), &idle_attrs).await;
    let early_attrs = session("dave", now + 3600, Some((ISSUED_ATTR, now - 600)));
    put_raw(&client, &table, key(early).as_str(), &early_attrs).await;
    let not_before = (now - 300).to_string();
    let config = config(
        &table,
        &[
            ("SESSION_IDLE_TIMEOUT", "30m"),
            ("SESSION_NOT_BEFORE", &not_before),
        ],
    );
    let authorizer = testkit::authorizer(&client, &config);
    for &shape in SHAPES {
        for (token, want, outcome) in [
            (live, alice(), "session"),
            (expired, refused(shape), "expired"),
            (idle, refused(shape), "idle"),
            (early, refused(shape), "not_before"),
            ("authz-never-issued-0123456789", refused(shape), "unknown"),
        ] {
            let event = authorizer_event(shape, &[("x-dr-session", token)], "sites").unwrap();
            let op_id = invocation_id();
            let answer = authorize(&authorizer, &event, &op_id).await;
            assert_judged(shape, &event, &answer, &want, true);
            let line = log_lines(&op_id).pop().expect("a request line");
            assert_eq!(line["outcome"], outcome, "{shape:?} {token}");
            assert_eq!(line["front_door"], shape.as_str());
            assert_eq!(line["message"], "authorize");
            let status = match (&want, shape) {
                (Want::Session(_), _) => 200,
                (_, AuthorizerShape::RestToken | AuthorizerShape::RestRequest) => 401,
                _ => 403,
            };
            assert_eq!(line["status"], status, "{shape:?} {token}");
            assert!(!line.to_string().contains(token), "the token logged");
        }
    }
}

/// With `SESSION_TOUCH`, an allowed request records activity (one conditional write); a
/// refused one writes nothing.
#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn an_allowed_request_is_activity() {
    logs();
    let client = client(&endpoint()).await;
    let table = new_table(&client).await;
    let token = "authz-touch-session-0123456789";
    put_session(&client, &table, token, "alice", unix_now() + 3600).await;
    let config = config(
        &table,
        &[("SESSION_IDLE_TIMEOUT", "30m"), ("SESSION_TOUCH", "true")],
    );
    let authorizer = testkit::authorizer(&client, &config);
    let shape = AuthorizerShape::HttpV2;
    let event = authorizer_event(shape, &[("x-dr-session", token)], "sites").unwrap();
    let op_id = invocation_id();
    let answer = authorize(&authorizer, &event, &op_id).await;
    assert_judged(shape, &event, &answer, &alice(), true);
    assert_eq!(log_lines(&op_id).pop().unwrap()["touch"], "written");
    let item = stored_item(&client, &table, token).await.unwrap();
    assert!(item.contains_key(LAST_SEEN_ATTR), "last_seen_at written");

    // Without SESSION_TOUCH the same allow writes nothing.
    let other = "authz-untouched-session-0123456789";
    put_session(&client, &table, other, "bob", unix_now() + 3600).await;
    let plain = testkit::authorizer(
        &client,
        &testkit::config(&table, &[("SESSION_IDLE_TIMEOUT", "30m")]),
    );
    let event = authorizer_event(shape, &[("x-dr-session", other)], "sites").unwrap();
    authorize(&plain, &event, &invocation_id()).await;
    let item = stored_item(&client, &table, other).await.unwrap();
    assert!(
        !item.contains_key(LAST_SEEN_ATTR),
        "no write without SESSION_TOUCH"
    );
}

/// The store failing in any way is an invocation error (API Gateway: 500), in every shape:
/// never an allow, never a refusal a client could take for "logged out".
#[tokio::test]
async fn a_store_failure_never_allows() {
    logs();
    let live = format!(
        r#"{{"username":{{"S":"alice"}},"expires_at":{{"N":"{}"}}}}"#,
        unix_now() + 3600
    );
    let faults = store_faults();
    let fake = FakeDynamo::start(Behavior::Item(Some(live.clone()))).await;
    let client = client(&fake.url).await;
    let authorizer = testkit::authorizer(&client, &config("sessions", &[]));
    for (behavior, code) in faults {
        for &shape in SHAPES {
            fake.set(behavior.clone());
            let event = authorizer_event(shape, &[("x-dr-session", "some-token")], "x").unwrap();
            let op_id = invocation_id();
            let answer = authorize(&authorizer, &event, &op_id).await;
            let want = Want::Error {
                status: 500,
                code: code.into(),
            };
            assert_judged(shape, &event, &answer, &want, true);
            let line = log_lines(&op_id).pop().expect("a request line");
            assert_eq!(
                (line["outcome"].as_str(), line["status"].as_u64()),
                (Some("error"), Some(500))
            );
            assert_eq!(line["level"], "ERROR");
            // And once the store is back, the same request is allowed.
            fake.set(Behavior::Item(Some(live.clone())));
            let answer = authorize(&authorizer, &event, &invocation_id()).await;
            assert_judged(shape, &event, &answer, &alice(), true);
        }
    }
}

/// An allow covers every route of the stage, so that API Gateway's cached answer for one
/// route (`AuthorizerCacheTtl`) is right for every other; a refusal's policy likewise.
#[tokio::test]
#[ignore = "needs a local DynamoDB: scripts/test"]
async fn a_policy_covers_the_whole_stage() {
    let authorizer = moto_authorizer(&[("SESSION_AUTHORIZER_SIMPLE_RESPONSES", "false")]).await;
    for &shape in SHAPES {
        for path in ["replications", "sites/site-1/pairs", ""] {
            for (fields, allowed) in [(vec![("x-dr-session", T)], true), (vec![], false)] {
                let mut event = authorizer_event(shape, &fields, path).unwrap();
                let member = if shape == AuthorizerShape::HttpV2 {
                    "routeArn"
                } else {
                    "methodArn"
                };
                event[member] = json!(format!(
                    "arn:aws:execute-api:eu-west-1:210987654321:api9/$default/POST/{path}"
                ));
                let answer = authorize(&authorizer, &event, &invocation_id()).await;
                if !allowed
                    && matches!(
                        shape,
                        AuthorizerShape::RestToken | AuthorizerShape::RestRequest
                    )
                {
                    assert_eq!(answer["errorType"], "Unauthorized");
                    continue;
                }
                let statement = &answer["policyDocument"]["Statement"][0];
                assert_eq!(
                    statement["Resource"],
                    "arn:aws:execute-api:eu-west-1:210987654321:api9/$default/*",
                    "{shape:?} {path}"
                );
                assert_eq!(statement["Effect"], if allowed { "Allow" } else { "Deny" });
                assert_eq!(statement["Action"], "execute-api:Invoke");
            }
        }
    }
}

/// HTTP API 2.0: simple responses by default, an IAM policy where
/// `SESSION_AUTHORIZER_SIMPLE_RESPONSES=false` (the API's `EnableSimpleResponses: false`).
#[tokio::test]
async fn http_api_answers_in_the_form_it_is_configured_for() {
    let shape = AuthorizerShape::HttpV2;
    let live = authorizer_event(shape, &[("x-dr-session", T)], "x").unwrap();
    let none = authorizer_event(shape, &[], "x").unwrap();
    let simple = memory_authorizer(&[]);
    let answer = authorize(&simple, &live, &invocation_id()).await;
    assert_eq!(
        answer,
        json!({"isAuthorized": true, "context": {"username": "demo"}})
    );
    assert_eq!(
        authorize(&simple, &none, &invocation_id()).await,
        json!({"isAuthorized": false})
    );
    let policy = memory_authorizer(&[("SESSION_AUTHORIZER_SIMPLE_RESPONSES", "false")]);
    let answer = authorize(&policy, &live, &invocation_id()).await;
    assert_judged(shape, &live, &answer, &demo(), false);
    assert_eq!(answer["principalId"], "demo");
    let answer = authorize(&policy, &none, &invocation_id()).await;
    assert_judged(shape, &none, &answer, &Want::Forbidden, false);
    // Payload 1.0 has only the policy form, whatever the setting.
    let v1 = authorizer_event(AuthorizerShape::HttpV1, &[("x-dr-session", T)], "x").unwrap();
    let answer = authorize(&simple, &v1, &invocation_id()).await;
    assert_eq!(answer["principalId"], "demo");
    assert_eq!(answer["context"], json!({"username": "demo"}));
}

/// An event of no authorizer shape is an invocation error naming it, logged with its op_id.
#[tokio::test]
async fn an_event_of_no_authorizer_shape_is_an_invocation_error() {
    logs();
    let authorizer = memory_authorizer(&[]);
    let arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/x";
    let get_session_event = Shape::HttpV2.event("GET", &[("x-dr-session", T)]);
    for event in [
        json!({}),
        json!([]),
        json!("TOKEN"),
        get_session_event,
        json!({"type": "TOKEN", "authorizationToken": T}),
        json!({"type": "TOKEN", "authorizationToken": T, "methodArn": "*"}),
        json!({"type": "TOKEN", "authorizationToken": T, "methodArn": 5}),
        json!({"type": "TOKEN", "authorizationToken": T, "methodArn": "arn:aws:lambda:us-east-1:123456789012:function:f"}),
        json!({"type": "token", "authorizationToken": T, "methodArn": arn}),
        json!({"type": "OTHER", "methodArn": arn}),
        json!({"type": "REQUEST", "version": "3.0", "methodArn": arn}),
        // HTTP API 2.0 names the route in routeArn, not methodArn.
        json!({"type": "REQUEST", "version": "2.0", "methodArn": arn, "headers": {"x-dr-session": T}}),
    ] {
        let op_id = invocation_id();
        let answer = authorize(&authorizer, &event, &op_id).await;
        assert_eq!(answer["errorType"], "UnknownEvent", "{event}");
        assert!(!answer.to_string().contains(T));
        let line = log_lines(&op_id).pop().expect("a request line");
        assert_eq!(line["cause"], "unknown_event");
    }
    // A REQUEST event of a known shape whose request members are of the wrong type: refused.
    let mut event =
        authorizer_event(AuthorizerShape::RestRequest, &[("x-dr-session", T)], "x").unwrap();
    event["multiValueHeaders"] = json!({"x-dr-session": [1]});
    let op_id = invocation_id();
    let answer = authorize(&authorizer, &event, &op_id).await;
    assert_eq!(answer["errorType"], "Unauthorized");
    assert_eq!(
        log_lines(&op_id).pop().unwrap()["error_code"],
        "invalid_request"
    );
}
