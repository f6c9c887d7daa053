//! `GET /session`: a `lambda_http` request in, a JSON response out.
//!
//! This is the one place where the contract's outcomes become HTTP: `200 SessionInfo`
//! for a live session (or `{}` for none), and a `ResponseError` carrying the invocation's
//! `op_id` for everything else. It also writes the single structured log line per request.

use std::time::{Duration, Instant};

use lambda_http::http::header::{HeaderValue, ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;

use crate::config::Config;
use crate::error::ApiError;
use crate::session::{unix_now, KeyScheme, SessionKey, Username};
use crate::store::SessionStore;
use crate::token::{self, CookieName, Source};

/// `SessionInfo` of the contract: `{"username": "..."}`, or `{}` when there is no session.
#[derive(Debug, Serialize)]
struct SessionInfo<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
}

/// `ResponseError` of the contract: all three fields always present.
#[derive(Debug, Serialize)]
struct ResponseError<'a> {
    error_code: &'a str,
    message: &'a str,
    op_id: &'a str,
}

/// How a request that did not fail ended.
#[derive(Debug)]
enum Outcome {
    Live(Username),
    NoToken,
    Unknown,
    Expired,
}

impl Outcome {
    fn as_str(&self) -> &'static str {
        match self {
            Outcome::Live(_) => "session",
            Outcome::NoToken => "no_token",
            Outcome::Unknown => "unknown_session",
            Outcome::Expired => "expired_session",
        }
    }
}

/// The function: settings and the store, built once at init and shared by every request.
#[derive(Debug)]
pub struct App<S> {
    store: S,
    cookie_name: CookieName,
    key_scheme: KeyScheme,
}

impl<S: SessionStore> App<S> {
    pub fn new(store: S, config: &Config) -> Self {
        App {
            store,
            cookie_name: config.cookie_name.clone(),
            key_scheme: config.key_scheme,
        }
    }

    /// Answers one request. Never fails: every failure is a `ResponseError` response.
    pub async fn handle(&self, req: &Request) -> Response<Body> {
        let op_id = op_id(req);
        let mut trace = Trace::default();
        let result = self.resolve(req, &mut trace).await;
        let response = match &result {
            Ok(Outcome::Live(user)) => session_info(Some(user.as_str())),
            Ok(_) => session_info(None),
            Err(err) => error_response(err, &op_id),
        };
        log_request(&op_id, &result, response.status(), &trace);
        response
    }

    async fn resolve(&self, req: &Request, trace: &mut Trace) -> Result<Outcome, ApiError> {
        if req.method() != Method::GET {
            return Err(ApiError::MethodNotAllowed);
        }
        let extracted = token::extract(req.headers(), &self.cookie_name);
        trace.source = match &extracted {
            Ok(found) => found.as_ref().map(|(source, _)| *source),
            Err(e) => Some(e.source),
        };
        let Some((_, token)) = extracted.map_err(ApiError::InvalidToken)? else {
            return Ok(Outcome::NoToken);
        };
        let key = SessionKey::derive(&token, self.key_scheme);
        let started = Instant::now();
        let found = self.store.find(&key).await;
        trace.store_latency = Some(started.elapsed());
        Ok(match found.map_err(ApiError::Store)? {
            None => Outcome::Unknown,
            Some(record) if record.is_live_at(unix_now()) => Outcome::Live(record.username),
            Some(_) => Outcome::Expired,
        })
    }
}

/// What the log line reports beyond the outcome.
#[derive(Debug, Default)]
struct Trace {
    source: Option<Source>,
    store_latency: Option<Duration>,
}

/// The Lambda invocation request id; a fresh v4 UUID where a local tool supplies none.
fn op_id(req: &Request) -> String {
    req.lambda_context_ref()
        .map(|ctx| ctx.request_id.trim())
        .filter(|id| !id.is_empty())
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

fn session_info(username: Option<&str>) -> Response<Body> {
    json_response(StatusCode::OK, &SessionInfo { username })
}

fn error_response(err: &ApiError, op_id: &str) -> Response<Body> {
    let message = err.message();
    let mut response = json_response(
        err.status(),
        &ResponseError {
            error_code: err.code(),
            message: &message,
            op_id,
        },
    );
    if matches!(err, ApiError::MethodNotAllowed) {
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET"));
    }
    response
}

fn json_response(status: StatusCode, body: &impl Serialize) -> Response<Body> {
    // Serializing these plain structs of strings cannot fail; fall back to a fixed body anyway.
    let json = serde_json::to_string(body).unwrap_or_else(|_| {
        r#"{"error_code":"internal_error","message":"Internal error.","op_id":""}"#.to_owned()
    });
    let mut response = Response::new(Body::Text(json));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The one structured line per request. Fields: op_id, outcome, status, and where they
/// apply source (which header), store_ms, error_code and cause. Never the token or its hash.
fn log_request(op_id: &str, result: &Result<Outcome, ApiError>, status: StatusCode, trace: &Trace) {
    let status = status.as_u16();
    let source = trace.source.map_or("none", Source::as_str);
    let store_ms = trace.store_latency.map(|d| d.as_secs_f64() * 1000.0);
    macro_rules! line {
        ($level:expr, $($fields:tt)*) => {
            match store_ms {
                Some(store_ms) => tracing::event!($level, op_id, status, source, store_ms, $($fields)*),
                None => tracing::event!($level, op_id, status, source, $($fields)*),
            }
        };
    }
    match result {
        Ok(outcome) => line!(
            tracing::Level::INFO,
            outcome = outcome.as_str(),
            "GET /session"
        ),
        Err(err) if status >= 500 => line!(
            tracing::Level::ERROR,
            outcome = "error",
            error_code = err.code(),
            cause = err.cause(),
            "GET /session"
        ),
        Err(err) => line!(
            tracing::Level::INFO,
            outcome = "rejected",
            error_code = err.code(),
            cause = err.cause(),
            "GET /session"
        ),
    }
}

#[cfg(test)]
mod tests {
    //! The HTTP mapping with an in-memory store: every outcome, through real
    //! `lambda_http` requests built from JSON events.
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use lambda_http::Context;
    use serde_json::{json, Value};

    use super::*;
    use crate::session::SessionRecord;
    use crate::store::{MemoryStore, StoreError, StoreFailure};
    use crate::token::SessionToken;

    const REQUEST_ID: &str = "8f5e2a44-5c1e-4b8e-9b7a-3f0d2c1e9a77";

    fn key(token: &str) -> SessionKey {
        SessionKey::derive(
            &SessionToken::parse(token.as_bytes()).unwrap(),
            KeyScheme::Sha256,
        )
    }

    fn record(user: &str, expires_at: i64) -> SessionRecord {
        SessionRecord {
            username: Username::new(user).unwrap(),
            expires_at,
        }
    }

    fn failure(failure: StoreFailure, cause: &str) -> StoreError {
        StoreError {
            failure,
            cause: cause.into(),
        }
    }

    fn app() -> App<MemoryStore> {
        let now = unix_now();
        let store = MemoryStore::default()
            .with(&key("live-token"), record("alice", now + 3600))
            .with(&key("expired-token"), record("bob", now - 1))
            .with(&key("expiring-now"), record("carol", now))
            .failing(
                &key("broken-token"),
                failure(StoreFailure::RecordInvalid, "username missing"),
            )
            .failing(
                &key("throttled-token"),
                failure(
                    StoreFailure::Throttled,
                    "ProvisionedThroughputExceededException",
                ),
            );
        let config =
            Config::from_lookup(|k| (k == "SESSION_TABLE").then(|| "sessions".to_owned())).unwrap();
        App::new(store, &config)
    }

    fn request(method: &str, headers: Value, request_id: Option<&str>) -> Request {
        let event = json!({
            "version": "2.0", "routeKey": "$default", "rawPath": "/session", "rawQueryString": "",
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012", "apiId": "api", "domainName": "example.com", "domainPrefix": "api",
                "http": {"method": method, "path": "/session", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.1", "userAgent": "t"},
                "requestId": "api-gateway-id", "routeKey": "$default", "stage": "$default",
                "time": "26/Nov/2026:00:00:00 +0000", "timeEpoch": 0
            },
            "isBase64Encoded": false
        });
        let req = lambda_http::request::from_str(&event.to_string()).unwrap();
        match request_id {
            Some(id) => {
                let mut context = Context::default();
                context.request_id = id.to_owned();
                req.with_lambda_context(context)
            }
            None => req,
        }
    }

    async fn call(method: &str, headers: Value) -> (u16, Value, Response<Body>) {
        let response = app()
            .handle(&request(method, headers, Some(REQUEST_ID)))
            .await;
        let body = match response.body() {
            Body::Text(t) => serde_json::from_str(t).unwrap(),
            other => panic!("expected a text body, got {other:?}"),
        };
        (response.status().as_u16(), body, response)
    }

    fn assert_response_error(status: u16, body: &Value, want_status: u16, want_code: &str) {
        assert_eq!(status, want_status, "{body}");
        let obj = body.as_object().unwrap();
        assert_eq!(obj.len(), 3, "{body}");
        assert_eq!(obj["error_code"], want_code);
        assert!(!obj["message"].as_str().unwrap().is_empty());
        assert_eq!(obj["op_id"], REQUEST_ID);
    }

    #[tokio::test]
    async fn live_session_answers_username_with_headers() {
        let (status, body, response) = call("GET", json!({"x-dr-session": "live-token"})).await;
        assert_eq!(status, 200);
        assert_eq!(body, json!({"username": "alice"}));
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(response.headers()["cache-control"], "no-store");
    }

    #[tokio::test]
    async fn no_unknown_or_expired_session_answers_empty_object() {
        for headers in [
            json!({}),
            json!({"x-dr-session": "unknown-token"}),
            json!({"x-dr-session": "expired-token"}),
            json!({"x-dr-session": "expiring-now"}),
        ] {
            let (status, body, response) = call("GET", headers.clone()).await;
            assert_eq!((status, &body), (200, &json!({})), "{headers}");
            assert_eq!(response.headers()["cache-control"], "no-store");
        }
    }

    #[tokio::test]
    async fn malformed_token_is_400_naming_the_source() {
        let (status, body, _) = call("GET", json!({"authorization": "Bearer a b"})).await;
        assert_response_error(status, &body, 400, "invalid_session_token");
        assert!(body["message"].as_str().unwrap().contains("Authorization"));
    }

    #[tokio::test]
    async fn other_methods_are_405_with_allow() {
        for method in ["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"] {
            let (status, body, response) =
                call(method, json!({"x-dr-session": "live-token"})).await;
            assert_response_error(status, &body, 405, "method_not_allowed");
            assert_eq!(response.headers()["allow"], "GET");
            assert_eq!(response.headers()["content-type"], "application/json");
        }
    }

    #[tokio::test]
    async fn store_failures_are_500_with_their_code() {
        let (status, body, _) = call("GET", json!({"x-dr-session": "broken-token"})).await;
        assert_response_error(status, &body, 500, "session_record_invalid");
        let (status, body, _) = call("GET", json!({"x-dr-session": "throttled-token"})).await;
        assert_response_error(status, &body, 500, "session_store_throttled");
        assert!(!body.to_string().contains("ProvisionedThroughput"));
    }

    #[tokio::test]
    async fn op_id_is_a_fresh_uuid_without_an_invocation_id() {
        for context in [None, Some(""), Some("  ")] {
            let response = app().handle(&request("POST", json!({}), context)).await;
            let Body::Text(text) = response.body() else {
                panic!()
            };
            let body: Value = serde_json::from_str(text).unwrap();
            let op_id = body["op_id"].as_str().unwrap();
            let uuid = uuid::Uuid::parse_str(op_id).unwrap();
            assert_eq!(uuid.get_version_num(), 4);
            assert_ne!(op_id, "api-gateway-id");
        }
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Every test's log lines, from one process-wide subscriber (a thread-local one misses
    /// events whose callsite interest another test thread cached first).
    fn captured_logs() -> &'static Captured {
        static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
        LOGS.get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            tracing_subscriber::fmt()
                .json()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(move || writer.clone())
                .init();
            captured
        })
    }

    #[tokio::test]
    async fn one_log_line_per_request_with_op_id_and_never_the_token() {
        const LOG_TEST_ID: &str = "0b0e6a52-1111-4c5d-8e9f-aaaaaaaaaaaa";
        let captured = captured_logs();
        let app = app();
        let call = |headers: Value| {
            let req = request("GET", headers, Some(LOG_TEST_ID));
            let app = &app;
            async move { app.handle(&req).await }
        };
        let tokens = [
            "live-token",
            "expired-token",
            "unknown-token",
            "broken-token",
            "throttled-token",
        ];
        for token in tokens {
            call(json!({"x-dr-session": token, "cookie": format!("session={token}")})).await;
        }
        call(json!({"x-dr-session": "bad token"})).await;
        let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<Value> = logs
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["fields"]["op_id"] == LOG_TEST_ID)
            .collect();
        assert_eq!(lines.len(), tokens.len() + 1, "{logs}");
        for line in &lines {
            assert!(line["fields"]["status"].is_u64(), "{line}");
            assert!(line["fields"]["outcome"].is_string(), "{line}");
        }
        assert_eq!(lines[0]["fields"]["outcome"], "session");
        assert!(lines[0]["fields"]["store_ms"].is_f64(), "{}", lines[0]);
        assert_eq!(lines[3]["level"], "ERROR");
        assert_eq!(lines[3]["fields"]["cause"], "username missing");
        for token in tokens.iter().chain(&["bad token"]) {
            assert!(!logs.contains(token), "token {token} logged: {logs}");
            if *token != "bad token" {
                assert!(
                    !logs.contains(key(token).as_str()),
                    "hash of {token} logged"
                );
            }
        }
    }
}
