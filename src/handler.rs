//! `GET /session`: one invocation's event in, the response in its front door's format out.
//!
//! This is the one place where the contract's outcomes become HTTP: `200 SessionInfo`
//! for a live session (or `{}` for none), and a `ResponseError` carrying the invocation's
//! `op_id` for everything else. It also writes the single structured log line per request.

use std::fmt;
use std::time::{Duration, Instant};

use lambda_http::http::header::{HeaderValue, ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{json, Value};

use crate::config::Config;
use crate::error::ApiError;
use crate::front_door::{Event, FrontDoor, FrontDoorResponse, HttpRequest};
use crate::session::{unix_now, KeyScheme, SessionKey, Username};
use crate::store::SessionStore;
use crate::token::{self, CookieName, Source};

/// The `tracing` target of the one line per request (metrics are derived from it).
pub(crate) const REQUEST_TARGET: &str = "get_session::request";

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
            Outcome::Unknown => "unknown",
            Outcome::Expired => "expired",
        }
    }
}

/// What a request's resolution observed, for the log line.
#[derive(Debug, Default)]
struct Observed {
    source: Option<Source>,
    store_latency: Option<Duration>,
}

/// An invocation whose event has no known front door's shape: there is no format to
/// answer in, so it is an invocation error (logged with its op_id first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEvent;

impl fmt::Display for UnknownEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the event is not from API Gateway, an ALB or a Function URL")
    }
}

impl std::error::Error for UnknownEvent {}

impl From<UnknownEvent> for lambda_runtime::Diagnostic {
    fn from(e: UnknownEvent) -> Self {
        lambda_runtime::Diagnostic {
            error_type: "UnknownEvent".to_owned(),
            error_message: e.to_string(),
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

    /// Answers one invocation. Every event of a known front door gets a contract answer in
    /// that front door's format; only an event of no known shape is an error.
    /// `event` is the invocation's JSON as the runtime received it: only the members the
    /// front doors and the token rules need are read out of it ([`Event`]).
    pub async fn invoke(
        &self,
        event: &str,
        request_id: &str,
    ) -> Result<FrontDoorResponse, UnknownEvent> {
        let op_id = op_id(request_id);
        let event = Event::parse(event);
        let Some((event, door)) = event.and_then(|e| Some((e, FrontDoor::detect(&e)?))) else {
            tracing::error!(
                target: REQUEST_TARGET,
                op_id,
                outcome = "error",
                cause = "unknown_event",
                "GET /session"
            );
            return Err(UnknownEvent);
        };
        let (result, observed) = match HttpRequest::read(door, &event) {
            Ok(request) => self.resolve(&request).await,
            Err(unreadable) => (
                Err(ApiError::InvalidRequest(unreadable)),
                Observed::default(),
            ),
        };
        let response = match &result {
            Ok(Outcome::Live(user)) => session_info(Some(user.as_str())),
            Ok(_) => session_info(None),
            Err(err) => error_response(err, &op_id),
        };
        log_request(&op_id, door, &result, response.status(), &observed);
        Ok(door.respond(response))
    }

    async fn resolve(&self, request: &HttpRequest<'_>) -> (Result<Outcome, ApiError>, Observed) {
        let mut observed = Observed::default();
        if request.method() != "GET" {
            return (Err(ApiError::MethodNotAllowed), observed);
        }
        let token = match token::extract(request, &self.cookie_name) {
            Ok(None) => return (Ok(Outcome::NoToken), observed),
            Ok(Some((source, token))) => {
                observed.source = Some(source);
                token
            }
            Err(e) => {
                observed.source = Some(e.source);
                return (Err(ApiError::InvalidToken(e)), observed);
            }
        };
        let key = SessionKey::derive(&token, self.key_scheme);
        let started = Instant::now();
        let found = self.store.find(&key).await;
        observed.store_latency = Some(started.elapsed());
        let result = match found {
            Err(e) => Err(ApiError::Store(e)),
            Ok(None) => Ok(Outcome::Unknown),
            Ok(Some(record)) if record.is_live_at(unix_now()) => Ok(Outcome::Live(record.username)),
            Ok(Some(_)) => Ok(Outcome::Expired),
        };
        (result, observed)
    }
}

/// The Lambda invocation request id; a fresh v4 UUID where a local tool supplies none.
fn op_id(request_id: &str) -> String {
    match request_id.trim() {
        "" => uuid::Uuid::new_v4().to_string(),
        id => id.to_owned(),
    }
}

fn session_info(username: Option<&str>) -> Response<Body> {
    let body = match username {
        Some(username) => json!({ "username": username }),
        None => json!({}),
    };
    json_response(StatusCode::OK, &body)
}

fn error_response(err: &ApiError, op_id: &str) -> Response<Body> {
    let body = json!({
        "error_code": err.code(),
        "message": err.message(),
        "op_id": op_id,
    });
    let mut response = json_response(err.status(), &body);
    if matches!(err, ApiError::MethodNotAllowed) {
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET"));
    }
    response
}

fn json_response(status: StatusCode, body: &Value) -> Response<Body> {
    let mut response = Response::new(Body::Text(body.to_string()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The one structured line per request. Fields: op_id, front_door, status, outcome, and
/// where they apply source (which token source), store_ms, error_code and cause (stable
/// codes). Never the token, its hash, or the username.
fn log_request(
    op_id: &str,
    door: FrontDoor,
    result: &Result<Outcome, ApiError>,
    status: StatusCode,
    observed: &Observed,
) {
    let status = status.as_u16();
    let front_door = door.as_str();
    let source = observed.source.map(Source::as_str);
    let store_ms = observed.store_latency.map(|d| d.as_secs_f64() * 1000.0);
    let (outcome, error_code, cause) = match result {
        Ok(outcome) => (outcome.as_str(), None, None),
        Err(err) => {
            let outcome = if status >= 500 { "error" } else { "rejected" };
            (outcome, Some(err.code()), Some(err.cause()))
        }
    };
    macro_rules! line {
        ($level:expr) => {
            tracing::event!(
                target: REQUEST_TARGET,
                $level,
                op_id,
                front_door,
                status,
                outcome,
                source,
                store_ms,
                error_code,
                cause,
                "GET /session"
            )
        };
    }
    if status >= 500 {
        line!(tracing::Level::ERROR);
    } else {
        line!(tracing::Level::INFO);
    }
}
