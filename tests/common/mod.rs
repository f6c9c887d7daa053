//! Shared by the integration tests: a client for the local DynamoDB that scripts/test
//! starts (moto on 127.0.0.1), a fresh table per test, and real `lambda_http` requests
//! built from API Gateway v1/v2 and ALB events with a known invocation id.
#![allow(dead_code)] // each test binary uses a different part of this module

pub mod fake_dynamodb;

use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use get_session::{store, App, Config, DynamoStore};
use lambda_http::{Body, Context, Request, RequestExt, Response};
use serde_json::{json, Value};

/// The local DynamoDB's URL, from the test script.
pub fn endpoint() -> String {
    std::env::var("GET_SESSION_TEST_DYNAMODB").unwrap_or_else(|_| {
        panic!("GET_SESSION_TEST_DYNAMODB is not set: run the tests with scripts/test, which starts a local DynamoDB")
    })
}

/// A client with the function's own timeouts and retries, pointed at `endpoint`.
pub async fn client(endpoint: &str) -> Client {
    let config = store::sdk_config_loader()
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "tests"))
        .load()
        .await;
    Client::new(&config)
}

/// A new, empty session table with a unique name.
pub async fn new_table(client: &Client) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "sessions-{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        uuid::Uuid::new_v4().simple()
    );
    client
        .create_table()
        .table_name(&name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("session_id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("session_id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("create table in the local DynamoDB");
    name
}

/// Writes a raw item (any attributes, any types) under `session_id`.
pub async fn put_raw(
    client: &Client,
    table: &str,
    session_id: &str,
    attrs: &[(&str, AttributeValue)],
) {
    let mut req = client
        .put_item()
        .table_name(table)
        .item("session_id", AttributeValue::S(session_id.to_owned()));
    for (k, v) in attrs {
        req = req.item(*k, v.clone());
    }
    req.send().await.expect("put item");
}

pub fn config(table: &str, extra: &[(&str, &str)]) -> Config {
    Config::from_lookup(|name| {
        if name == "SESSION_TABLE" {
            return Some(table.to_owned());
        }
        extra
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .expect("valid test config")
}

pub fn app(client: &Client, config: &Config) -> App<DynamoStore> {
    App::new(
        DynamoStore::new(client.clone(), &config.table, config.consistent_read),
        config,
    )
}

/// Event sources the function is deployed behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    HttpApiV2,
    RestApiV1,
    Alb,
}

pub const KINDS: [Kind; 3] = [Kind::HttpApiV2, Kind::RestApiV1, Kind::Alb];

/// An event of `kind` as JSON. `cookie` is a `Cookie` header value; v2 events carry it
/// as their `cookies` array, as API Gateway does.
pub fn event_json(
    kind: Kind,
    method: &str,
    headers: &[(&str, &str)],
    cookie: Option<&str>,
) -> String {
    let mut map = serde_json::Map::new();
    map.insert("host".into(), json!("api.example.com"));
    for (k, v) in headers {
        map.insert((*k).to_owned(), json!(v));
    }
    let event = match kind {
        Kind::HttpApiV2 => {
            let mut e = json!({
                "version": "2.0", "routeKey": "GET /session", "rawPath": "/session", "rawQueryString": "",
                "headers": map,
                "requestContext": {
                    "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com", "domainPrefix": "api",
                    "http": {"method": method, "path": "/session", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.1", "userAgent": "test"},
                    "requestId": "apigw-request-id", "routeKey": "GET /session", "stage": "$default",
                    "time": "26/Nov/2026:00:00:00 +0000", "timeEpoch": 0
                },
                "isBase64Encoded": false
            });
            if let Some(cookie) = cookie {
                e["cookies"] = json!(cookie.split("; ").collect::<Vec<_>>());
            }
            e
        }
        Kind::RestApiV1 => {
            if let Some(cookie) = cookie {
                map.insert("cookie".into(), json!(cookie));
            }
            let multi: serde_json::Map<String, Value> =
                map.iter().map(|(k, v)| (k.clone(), json!([v]))).collect();
            json!({
                "resource": "/session", "path": "/session", "httpMethod": method,
                "headers": map, "multiValueHeaders": multi,
                "queryStringParameters": null, "multiValueQueryStringParameters": null,
                "pathParameters": null, "stageVariables": null,
                "requestContext": {
                    "resourceId": "r", "resourcePath": "/session", "httpMethod": method, "path": "/prod/session",
                    "accountId": "123456789012", "protocol": "HTTP/1.1", "stage": "prod", "requestTimeEpoch": 0,
                    "requestId": "apigw-request-id", "identity": {"sourceIp": "203.0.113.1"},
                    "domainName": "api.example.com", "apiId": "api"
                },
                "body": null, "isBase64Encoded": false
            })
        }
        Kind::Alb => {
            if let Some(cookie) = cookie {
                map.insert("cookie".into(), json!(cookie));
            }
            json!({
                "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1"}},
                "httpMethod": method, "path": "/session", "queryStringParameters": {},
                "headers": map, "body": "", "isBase64Encoded": false
            })
        }
    };
    event.to_string()
}

/// Parses an event the way the runtime does and attaches an invocation context.
pub fn request(event_json: &str, request_id: &str) -> Request {
    let mut context = Context::default();
    context.request_id = request_id.to_owned();
    lambda_http::request::from_str(event_json)
        .expect("event parses as a lambda_http request")
        .with_lambda_context(context)
}

/// A fresh invocation id, as Lambda would send.
pub fn invocation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A response's status and JSON body.
pub fn parts(response: &Response<Body>) -> (u16, Value) {
    let text = match response.body() {
        Body::Text(t) => t.clone(),
        Body::Binary(b) => String::from_utf8(b.clone()).expect("utf-8 body"),
        Body::Empty => String::new(),
        _ => panic!("unexpected body kind"),
    };
    let body =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("body is not JSON ({e}): {text:?}"));
    (response.status().as_u16(), body)
}

/// Asserts a full ResponseError with the given status, code and op_id.
pub fn assert_error(response: &Response<Body>, status: u16, code: &str, op_id: &str) {
    let (got_status, body) = parts(response);
    assert_eq!(got_status, status, "{body}");
    let obj = body.as_object().expect("error body is an object");
    assert_eq!(obj.len(), 3, "exactly error_code, message, op_id: {body}");
    assert_eq!(obj["error_code"], code, "{body}");
    assert!(
        obj["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(obj["op_id"], op_id, "{body}");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["cache-control"], "no-store");
}
