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

use lambda_http::http::header::{
    HeaderValue, ALLOW, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE,
};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{json, Value};

use crate::check::{self, op_id, Lookup, Observed, Resolved, SessionCheck};
use crate::config::Config;
use crate::cors::{self, AllowedOrigins};
use crate::error::ApiError;
use crate::front_door::{Event, FrontDoor, FrontDoorResponse, HttpRequest};
use crate::function::Function;
use crate::methods::Method;
use crate::request_log::{self, Outcome, RequestLine};
use crate::store::SessionStore;
use crate::token;

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
    check: SessionCheck<S>,
    method: Method,
    /// A `405`'s `Allow`: every method of the deployment (`SESSION_METHODS`) and this one;
    /// a preflight's `Access-Control-Allow-Methods` too.
    allow: &'static str,
    /// `SESSION_ALLOWED_ORIGINS`: the pages on other origins that may read the answers.
    origins: AllowedOrigins,
}

/// The header fields read where CORS is on: the token's and CORS's.
const FIELDS_WITH_CORS: [&str; 5] = [
    token::FIELDS[0],
    token::FIELDS[1],
    token::FIELDS[2],
    cors::FIELDS[0],
    cors::FIELDS[1],
];

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
            // Reads count as activity; a logout is the session's last request.
            check: SessionCheck::new(store, config, method == Method::Get),
            method,
            allow: config.methods.with(method).allow(),
            origins: config.allowed_origins.clone(),
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
                ..RequestLine::new(&op_id, request_log::message(self.method), Outcome::Error)
            }
            .write();
            return Err(UnknownEvent);
        };
        // Without CORS, only the token's fields are read: the same work as ever.
        let read = if self.origins.is_empty() {
            HttpRequest::read(door, &event, &token::FIELDS)
        } else {
            HttpRequest::read(door, &event, &FIELDS_WITH_CORS)
        };
        let mut observed = Observed::default();
        let mut origin = None;
        let result = match read {
            Ok(request) => {
                origin = self.origins.allowed(&request).map(str::to_owned);
                if let Some(origin) = origin.as_deref().filter(|_| cors::is_preflight(&request)) {
                    return Ok(self.preflight(door, origin, &op_id));
                }
                self.resolve(&request, &mut observed).await
            }
            Err(unreadable) => Err(ApiError::InvalidRequest(unreadable)),
        };
        let mut response = match (&result, self.method) {
            (Ok(Resolved::Live(user)), _) => session_info(Some(user.as_str())),
            (Ok(Resolved::LoggedOut), _) => no_content(),
            (Ok(_), Method::Get) => session_info(None),
            (Ok(_), Method::Delete) => unauthorized(),
            (Err(err), _) => error_response(err, &op_id, self.allow),
        };
        let line = RequestLine {
            front_door: Some(door.as_str()),
            ..RequestLine::new(&op_id, request_log::message(self.method), Outcome::Error)
        };
        check::log_line(line, &result, response.status().as_u16(), &observed);
        if let Some(origin) = &origin {
            cors::allow(&mut response, origin);
        }
        Ok(door.respond(response))
    }

    /// A CORS preflight from an allowed origin: `204` with what the page may send (no token
    /// is read, no store call made).
    fn preflight(&self, door: FrontDoor, origin: &str, op_id: &str) -> FrontDoorResponse {
        let response = cors::preflight(origin, self.allow);
        RequestLine {
            front_door: Some(door.as_str()),
            status: Some(response.status().as_u16()),
            ..RequestLine::new(op_id, request_log::message(self.method), Outcome::Preflight)
        }
        .write();
        door.respond(response)
    }

    async fn resolve(
        &self,
        request: &HttpRequest<'_>,
        observed: &mut Observed,
    ) -> Result<Resolved, ApiError> {
        if request.method() != self.method.as_str() {
            return Err(ApiError::MethodNotAllowed);
        }
        let lookup = match self.method {
            Method::Get => Lookup::Read,
            Method::Delete => Lookup::Remove,
        };
        self.check.check(request, lookup, observed).await
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
