//! Shared by the integration tests: the sample events in `events/` and events of every
//! front door's shape built from them, invoking the function the way the runtime does
//! (event JSON in, the front door's response JSON out), one log capture, one test config,
//! and a client for the local DynamoDB that `scripts/test` starts (moto on 127.0.0.1).
#![allow(dead_code)] // each test binary uses a different part of this module

pub mod fake_dynamodb;

use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use get_session::config::Metrics;
use get_session::front_door::{Event, FrontDoor};
use get_session::session::{KeyScheme, SessionKey};
use get_session::telemetry::{self, LogFormat};
pub use get_session::testing::*;
use get_session::token::SessionToken;
use get_session::{store, App, Config, DynamoStore, SessionStore};
use serde_json::Value;

// ---------------------------------------------------------------- invoking

/// A response as the front door receives it, read back per its format.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// Response headers (lowercase names), every value.
    pub headers: Vec<(String, String)>,
    pub body: Value,
    /// The whole response JSON.
    pub raw: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `(status, body)`, for compact assertions.
    pub fn parts(&self) -> (u16, Value) {
        (self.status, self.body.clone())
    }
}

/// The front door an event's JSON comes through, as the function detects it.
pub fn door_of(json: &str) -> FrontDoor {
    Event::parse(json)
        .as_ref()
        .and_then(FrontDoor::detect)
        .expect("an event of a known front door")
}

/// Reads a response of the front door `door`, checking its format: payload 1.0 answers in
/// `multiValueHeaders` only, payload 2.0 in `headers`, an ALB in both.
pub fn answer_of(door: FrontDoor, response: &Value) -> Answer {
    let status = response["statusCode"].as_u64().expect("statusCode") as u16;
    let alb = door == FrontDoor::Alb;
    let v2 = door == FrontDoor::PayloadV2;
    let mut headers = Vec::new();
    let multi = response.get("multiValueHeaders").and_then(Value::as_object);
    let single = response.get("headers").and_then(Value::as_object);
    if v2 {
        for (n, v) in single.expect("payload 2.0 answers in `headers`") {
            headers.push((n.to_lowercase(), v.as_str().unwrap().to_owned()));
        }
    } else {
        for (n, vs) in multi.expect("payload 1.0 and ALB answer in `multiValueHeaders`") {
            for v in vs.as_array().unwrap() {
                headers.push((n.to_lowercase(), v.as_str().unwrap().to_owned()));
            }
        }
        if alb {
            assert_eq!(
                single.map(|s| s.len()),
                multi.map(|m| m.len()),
                "ALB: both header fields"
            );
            assert!(response["statusDescription"]
                .as_str()
                .is_some_and(|d| d.starts_with(&status.to_string())));
        } else {
            assert!(
                single.is_none_or(|s| s.is_empty()),
                "payload 1.0: headers only in multiValueHeaders"
            );
        }
    }
    let text = response["body"].as_str().unwrap_or_default();
    let body =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("body is not JSON ({e}): {response}"));
    Answer {
        status,
        headers,
        body,
        raw: response.clone(),
    }
}

/// One invocation through the function's entry point, as the runtime makes it.
pub async fn invoke<S: SessionStore>(app: &App<S>, event: &Value, request_id: &str) -> Answer {
    invoke_json(app, &event.to_string(), request_id).await
}

/// [`invoke`] with the event's JSON text as the runtime receives it.
pub async fn invoke_json<S: SessionStore>(app: &App<S>, json: &str, request_id: &str) -> Answer {
    let response = app
        .invoke(json, request_id)
        .await
        .expect("a known front door gets an answer");
    answer_of(door_of(json), &serde_json::to_value(response).unwrap())
}

/// A fresh invocation id, as Lambda would send.
pub fn invocation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Asserts a full ResponseError with the given status, code and op_id.
pub fn assert_error(answer: &Answer, status: u16, code: &str, op_id: &str) {
    let body = &answer.body;
    assert_eq!(answer.status, status, "{body}");
    let obj = body.as_object().expect("error body is an object");
    assert_eq!(obj.len(), 3, "exactly error_code, message, op_id: {body}");
    assert_eq!(obj["error_code"], code, "{body}");
    assert!(
        obj["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(obj["op_id"], op_id, "{body}");
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
}

// ---------------------------------------------------------------- config, keys

/// The function's configuration for `table`, plus `extra` settings.
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

/// The table key of `token` under the default scheme.
pub fn key(token: &str) -> SessionKey {
    SessionKey::derive(
        &SessionToken::parse(token.as_bytes()).unwrap(),
        KeyScheme::Sha256,
    )
}

// ---------------------------------------------------------------- logs

/// Every log line written in this test binary, from one process-wide subscriber built by
/// the function's own `telemetry` (JSON, metrics on, TRACE): a thread-local subscriber
/// would miss events whose callsite interest another test thread cached first.
pub fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&buffer);
        let metrics = Metrics {
            namespace: "GetSession/Test".into(),
            function_name: "get-session-test".into(),
        };
        let subscriber = telemetry::subscriber(
            telemetry::filter(Some("TRACE"), None),
            LogFormat::Json,
            Some(metrics),
            move || LogWriter(Arc::clone(&writer)),
        );
        tracing::subscriber::set_global_default(subscriber)
            .expect("one subscriber per test binary");
        buffer
    })
}

/// The JSON log lines whose `op_id` is `op_id`.
pub fn log_lines(op_id: &str) -> Vec<Value> {
    let text = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["op_id"] == op_id)
        .collect()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------- local DynamoDB

/// The local DynamoDB's URL, from `scripts/test`. Tests that need it are `#[ignore]`d with
/// this reason, and `scripts/test` runs them with `--include-ignored`.
pub fn endpoint() -> String {
    std::env::var("GET_SESSION_TEST_DYNAMODB").unwrap_or_else(|_| {
        panic!("GET_SESSION_TEST_DYNAMODB is not set: run the tests with scripts/test, which starts a local DynamoDB")
    })
}

/// A client with the function's own timeouts and retries, pointed at `endpoint`.
/// A URL on a port that was just free: nothing listens, connections are refused.
pub fn closed_port_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

pub async fn client(endpoint: &str) -> Client {
    client_from(
        store::sdk::config_loader().expect("the trust store loads"),
        endpoint,
    )
    .await
}

/// A client from `loader` (the function's settings, perhaps adjusted), pointed at
/// `endpoint` with the local region and dummy credentials.
pub async fn client_from(loader: aws_config::ConfigLoader, endpoint: &str) -> Client {
    let config = loader
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

/// Stores a session for `token` the way a login service does.
pub async fn put_session(client: &Client, table: &str, token: &str, user: &str, expires_at: i64) {
    put_raw(
        client,
        table,
        key(token).as_str(),
        &[
            ("username", AttributeValue::S(user.to_owned())),
            ("expires_at", AttributeValue::N(expires_at.to_string())),
        ],
    )
    .await;
}

/// The function against `table` through `client`.
pub fn app(client: &Client, config: &Config) -> App<DynamoStore> {
    App::new(
        DynamoStore::new(client.clone(), &config.table, config.consistent_read),
        config,
    )
}
