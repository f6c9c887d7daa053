//! `/session`: one invocation's event in, the response in its front door's format out, for
//! each method a function answers (`GET`: who is logged in; `DELETE`: log out).
//!
//! This is the one place where the contract's outcomes become HTTP. `GET`: `200
//! SessionInfo` for a live session (or `{}` for none). `DELETE`, as the DR API's logout:
//! `204` with no body once a live session is deleted, `401` with no body where there was
//! none to log out of. Both: a `ResponseError` carrying the invocation's `op_id` for
//! everything else. It also fills in the one log line per request, whose schema
//! [`crate::request_log`] owns.

use std::fmt;
use std::time::{Duration, Instant};

use lambda_http::http::header::{
    HeaderValue, ALLOW, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE,
};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{json, Value};

use crate::config::Config;
use crate::error::ApiError;
use crate::front_door::{Event, FrontDoor, FrontDoorResponse, HttpRequest};
use crate::function::Function;
use crate::methods::Method;
use crate::request_log::{Outcome, RequestLine, TouchLog};
use crate::session::{unix_now, Ended, KeyScheme, Policy, SessionKey, Username};
use crate::store::{Cause, SessionStore, StoreError, Touched, REQUEST_BUDGET};
use crate::token::{self, CookieName, Source};

/// How a request that did not fail ended.
#[derive(Debug)]
enum Resolved {
    Live(Username),
    /// A live session, now deleted (`DELETE`).
    LoggedOut,
    NoToken,
    Unknown,
    /// A stored session that is not live, and the rule that ended it.
    Ended(Ended),
}

impl Resolved {
    fn outcome(&self) -> Outcome {
        match self {
            Resolved::Live(_) => Outcome::Session,
            Resolved::LoggedOut => Outcome::LoggedOut,
            Resolved::NoToken => Outcome::NoToken,
            Resolved::Unknown => Outcome::Unknown,
            Resolved::Ended(Ended::Expired) => Outcome::Expired,
            Resolved::Ended(Ended::Idle) => Outcome::Idle,
            Resolved::Ended(Ended::NotBefore) => Outcome::NotBefore,
        }
    }
}

/// What a request's resolution observed, for the log line.
#[derive(Debug, Default)]
struct Observed {
    source: Option<Source>,
    store_latency: Option<Duration>,
    /// Whether a touch of `last_seen_at` was made, and how it went.
    touch: Option<Result<Touched, StoreError>>,
}

/// An invocation whose event has no known front door's shape: there is no format to
/// answer in, so it is an invocation error (logged with its op_id first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEvent;

impl fmt::Display for UnknownEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the event is not from a front door this function serves (API Gateway, an ALB, a Lambda Function URL or VPC Lattice, told apart by the members the README lists): invoke it through one of them, or start from a sample event in events/",
        )
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

/// The function: its method, settings and the store, built once at init and shared by
/// every request.
#[derive(Debug)]
pub struct SessionEndpoint<S> {
    store: S,
    method: Method,
    /// A `405`'s `Allow`: every method of the deployment (`SESSION_METHODS`) and this one.
    allow: &'static str,
    cookie_name: CookieName,
    key_scheme: KeyScheme,
    policy: Policy,
    /// Where reads count as activity (`SESSION_TOUCH`): the idle timeout a read's touch
    /// keeps the session within.
    touch_idle_timeout: Option<u32>,
}

impl<S: SessionStore> SessionEndpoint<S> {
    /// `GET /session` (`get-session`): who is logged in.
    pub fn get(store: S, config: &Config) -> Self {
        Self::new(Method::Get, store, config)
    }

    /// `DELETE /session` (`delete-session`): log out.
    pub fn delete(store: S, config: &Config) -> Self {
        Self::new(Method::Delete, store, config)
    }

    fn new(method: Method, store: S, config: &Config) -> Self {
        SessionEndpoint {
            store,
            method,
            allow: config.methods.with(method).allow(),
            cookie_name: config.cookie_name.clone(),
            key_scheme: config.key_scheme,
            policy: config.policy,
            // Reads count as activity; a logout is the session's last request.
            touch_idle_timeout: config
                .policy
                .idle_timeout
                .filter(|_| config.touch && method == Method::Get),
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
            RequestLine {
                cause: Some("unknown_event"),
                ..RequestLine::new(&op_id, self.method, Outcome::Error)
            }
            .write();
            return Err(UnknownEvent);
        };
        let (result, observed) = match HttpRequest::read(door, &event, &token::FIELDS) {
            Ok(request) => self.resolve(&request).await,
            Err(unreadable) => (
                Err(ApiError::InvalidRequest(unreadable)),
                Observed::default(),
            ),
        };
        let response = match (&result, self.method) {
            (Ok(Resolved::Live(user)), _) => session_info(Some(user.as_str())),
            (Ok(Resolved::LoggedOut), _) => no_content(),
            (Ok(_), Method::Get) => session_info(None),
            (Ok(_), Method::Delete) => unauthorized(),
            (Err(err), _) => error_response(err, &op_id, self.allow),
        };
        log_request(
            &op_id,
            self.method,
            door,
            &result,
            response.status(),
            &observed,
        );
        Ok(door.respond(response))
    }

    async fn resolve(&self, request: &HttpRequest<'_>) -> (Result<Resolved, ApiError>, Observed) {
        let mut observed = Observed::default();
        if request.method() != self.method.as_str() {
            return (Err(ApiError::MethodNotAllowed), observed);
        }
        let token = match token::extract(request, &self.cookie_name) {
            Ok(None) => return (Ok(Resolved::NoToken), observed),
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
        let found = match self.method {
            Method::Get => self.store.find(&key).await,
            // The item is deleted whatever it held: one round trip, and a session that is
            // no longer live (or whose record is invalid) is gone too, as it should be.
            Method::Delete => self.store.remove(&key).await,
        };
        observed.store_latency = Some(started.elapsed());
        let record = match found {
            Err(e) => return (Err(ApiError::Store(e)), observed),
            Ok(None) => return (Ok(Resolved::Unknown), observed),
            Ok(Some(record)) => record,
        };
        let now = unix_now();
        if let Some(bad) = record.implausible_at(now) {
            return (Err(ApiError::Store(StoreError::new(bad.into()))), observed);
        }
        if let Some(ended) = record.ended_at(now, &self.policy) {
            return (Ok(Resolved::Ended(ended)), observed);
        }
        if self.method == Method::Delete {
            return (Ok(Resolved::LoggedOut), observed);
        }
        if let Some(idle_timeout) = self.touch_idle_timeout {
            if record.touch_due(now, idle_timeout) {
                // The answer never waits on the write beyond the request's store budget,
                // and never depends on it.
                let left = REQUEST_BUDGET.saturating_sub(started.elapsed());
                let touch = self.store.touch(&key, now, idle_timeout);
                observed.touch = Some(match tokio::time::timeout(left, touch).await {
                    Ok(done) => done,
                    Err(_) => Err(StoreError::new(Cause::Timeout)),
                });
            }
        }
        (Ok(Resolved::Live(record.username)), observed)
    }
}

impl<S: SessionStore> Function for SessionEndpoint<S> {
    type Response = FrontDoorResponse;
    type Error = UnknownEvent;

    fn invoke(
        &self,
        event: &str,
        request_id: &str,
    ) -> impl std::future::Future<Output = Result<FrontDoorResponse, UnknownEvent>> + Send {
        SessionEndpoint::invoke(self, event, request_id)
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

/// `204`: logged out (no body).
fn no_content() -> Response<Body> {
    no_body(StatusCode::NO_CONTENT)
}

/// `401`: no session to log out of (no body). `WWW-Authenticate` names the scheme a session
/// is presented in, as RFC 9110 asks of every 401 (a browser shows no dialog for it).
fn unauthorized() -> Response<Body> {
    let mut response = no_body(StatusCode::UNAUTHORIZED);
    response
        .headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

fn no_body(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn error_response(err: &ApiError, op_id: &str, allow: &'static str) -> Response<Body> {
    let body = json!({
        "error_code": err.code(),
        "message": err.message(),
        "op_id": op_id,
    });
    let mut response = json_response(err.status(), &body);
    if matches!(err, ApiError::MethodNotAllowed) {
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static(allow));
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

/// The request's line ([`crate::request_log`]): never the token, its hash, or the username.
fn log_request(
    op_id: &str,
    method: Method,
    door: FrontDoor,
    result: &Result<Resolved, ApiError>,
    status: StatusCode,
    observed: &Observed,
) {
    let (outcome, error_code, cause) = match result {
        Ok(resolved) => (resolved.outcome(), None, None),
        Err(err) if status.is_server_error() => {
            (Outcome::Error, Some(err.code()), Some(err.cause()))
        }
        Err(err) => (Outcome::Rejected, Some(err.code()), Some(err.cause())),
    };
    RequestLine {
        front_door: Some(door.as_str()),
        status: Some(status.as_u16()),
        source: observed.source.map(Source::as_str),
        store_ms: observed.store_latency.map(|d| d.as_secs_f64() * 1000.0),
        error_code,
        cause,
        touch: observed.touch.as_ref().map(|t| match t {
            Ok(Touched::Written) => TouchLog::Written,
            Ok(Touched::Declined) => TouchLog::Declined,
            Err(e) => TouchLog::Failed(e.cause().as_str()),
        }),
        ..RequestLine::new(op_id, method, outcome)
    }
    .write();
}
