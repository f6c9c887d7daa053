//! `session-authorizer`: API Gateway's Lambda authorizer, guarding every other route of an
//! API with the session check of `GET /session`.
//!
//! Why a module of its own: an authorizer is not an HTTP endpoint. API Gateway asks it
//! "may this request through?" in one of four event shapes and wants the answer in that
//! shape's language: an IAM policy (REST API; HTTP API payload 1.0, and 2.0 where simple
//! responses are off), `{"isAuthorized"}` (HTTP API 2.0, simple responses), or, for a REST
//! API's refusal, the invocation error `Unauthorized` (API Gateway's 401). The question
//! itself is [`crate::check`]'s, asked exactly as `get-session` asks it, so a route and
//! `GET /session` never disagree about who is logged in.
//!
//! The shapes, told apart by members only API Gateway's authorizer events have:
//! - `type: "TOKEN"`, `methodArn`: REST API `TOKEN` authorizer. `authorizationToken` is the
//!   identity-source header's value: the token itself (`x-dr-session`), or credentials with
//!   a scheme, `Bearer <token>` (`Authorization`: a value with a space, which no token
//!   has), read by the same token rules as those headers;
//! - `type: "REQUEST"`, `methodArn`, no `version`: REST API `REQUEST` authorizer (payload 1.0
//!   request members);
//! - `type: "REQUEST"`, `version: "1.0"`, `methodArn`: HTTP API, payload format 1.0;
//! - `type: "REQUEST"`, `version: "2.0"`, `routeArn`: HTTP API, payload format 2.0.
//!
//! Failing closed: a store failure or an invalid record is an invocation error (API
//! Gateway answers 500), never an allow; so is an event of no authorizer shape. An allow's
//! policy covers the whole stage (`<api>/<stage>/*`): the decision never depends on the
//! route, so a policy API Gateway caches (`AuthorizerCacheTtl`) for one route is right for
//! every other, and a cached allow cannot turn into a refusal elsewhere.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::check::{self, op_id, Lookup, Observed, Resolved, SessionCheck};
use crate::config::Config;
use crate::error::ApiError;
use crate::event_json::{read, Text};
use crate::front_door::{Event, FrontDoor, HttpRequest, Unreadable};
use crate::function::Function;
use crate::request_log::{self, Outcome, RequestLine};
use crate::session::Username;
use crate::store::SessionStore;
use crate::token::{self, Source};
use crate::vocabulary::vocabulary;

/// The shape of an authorizer's event: which API, which payload format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizerShape {
    /// REST API, `TOKEN` authorizer.
    RestToken,
    /// REST API, `REQUEST` authorizer.
    RestRequest,
    /// HTTP API, payload format 1.0 (answers an IAM policy).
    HttpV1,
    /// HTTP API, payload format 2.0 (answers a simple response, or an IAM policy).
    HttpV2,
}

vocabulary! {
    AuthorizerShape {
        RestToken => "authorizer_rest_token",
        RestRequest => "authorizer_rest_request",
        HttpV1 => "authorizer_http_v1",
        HttpV2 => "authorizer_http_v2",
    }
}

impl AuthorizerShape {
    /// The shape of `event` and the ARN it asks about (a JSON string, read only where an
    /// answer needs it: [`Form`]); `None` for an event of no authorizer shape.
    pub fn detect<'e>(event: &Event<'e>) -> Option<(Self, &'e RawValue)> {
        let members = event.authorizer();
        // API Gateway writes `type` plainly: compared as JSON text, nothing decoded.
        let kind = members.kind.map(RawValue::get);
        let version = event.version();
        let shape = match (kind, version.as_deref()) {
            (Some(r#""TOKEN""#), None) => AuthorizerShape::RestToken,
            (Some(r#""REQUEST""#), None) => AuthorizerShape::RestRequest,
            (Some(r#""REQUEST""#), Some("1.0")) => AuthorizerShape::HttpV1,
            (Some(r#""REQUEST""#), Some("2.0")) => AuthorizerShape::HttpV2,
            _ => return None,
        };
        let arn = match shape {
            AuthorizerShape::HttpV2 => members.route_arn,
            _ => members.method_arn,
        };
        Some((shape, arn.filter(|a| a.get().starts_with('"'))?))
    }

    /// What API Gateway answers the client when the authorizer refuses: REST APIs `401`
    /// (the `Unauthorized` error), HTTP APIs `403`.
    fn refusal_status(self) -> u16 {
        match self {
            AuthorizerShape::RestToken | AuthorizerShape::RestRequest => 401,
            AuthorizerShape::HttpV1 | AuthorizerShape::HttpV2 => 403,
        }
    }
}

/// An `execute-api` ARN of a method or route
/// (`arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<verb>/<path>`), as
/// API Gateway sends it in `methodArn` / `routeArn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecuteApiArn<'a> {
    arn: Cow<'a, str>,
    /// The length of `arn:...:<api>/<stage>`.
    stage_len: usize,
}

impl<'a> ExecuteApiArn<'a> {
    /// `None` where `arn` is not an `execute-api` ARN naming an API and a stage.
    pub fn parse(arn: Cow<'a, str>) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("execute-api"), Some(region), Some(account)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let resource = parts.next()?;
        let mut path = resource.split('/');
        let (api, stage) = (path.next()?, path.next()?);
        let plain = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_$".contains(&b))
        };
        if ![partition, region, account, api, stage]
            .into_iter()
            .all(plain)
        {
            return None;
        }
        let stage_len = arn.len() - resource.len() + api.len() + 1 + stage.len();
        Some(ExecuteApiArn { arn, stage_len })
    }

    /// The ARN as sent.
    pub fn as_str(&self) -> &str {
        &self.arn
    }

    /// Every method and route of its API's stage: `arn:...:<api>/<stage>/*`.
    pub fn stage_wide(&self) -> String {
        format!("{}/*", &self.arn[..self.stage_len])
    }
}

/// The authorizer's decision, in the form API Gateway wants for the event's shape.
#[derive(Debug, Clone, PartialEq)]
enum Decision {
    Allow(Username),
    Refuse,
}

/// How a decision is answered, for an event's shape and the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Form<'e> {
    /// HTTP API 2.0 with simple responses: `{"isAuthorized"}` (no ARN needed).
    Simple,
    /// HTTP API 1.0, or 2.0 without simple responses: an IAM policy on the stage of the
    /// ARN, `Allow` or `Deny`.
    Policy(ExecuteApiArn<'e>),
    /// REST API: an `Allow` policy on the stage of the ARN, or the `Unauthorized` error.
    Rest(ExecuteApiArn<'e>),
}

/// The authorizer's answer: an HTTP API simple response, or an IAM policy (REST API; HTTP
/// API payload 1.0, and 2.0 without simple responses). Typed, so that serialising it is
/// one pass with nothing built in between.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum AuthorizerResponse {
    Simple {
        #[serde(rename = "isAuthorized")]
        is_authorized: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        context: Option<Context>,
    },
    Policy {
        #[serde(rename = "principalId")]
        principal_id: String,
        #[serde(rename = "policyDocument")]
        policy_document: PolicyDocument,
        #[serde(skip_serializing_if = "Option::is_none")]
        context: Option<Context>,
    },
}

/// What the route is told about the request: the username, and nothing else of the item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Context {
    username: Username,
}

/// An IAM policy of one statement: `Effect` on invoking `Resource`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyDocument {
    #[serde(rename = "Version")]
    version: &'static str,
    #[serde(rename = "Statement")]
    statement: [Statement; 1],
}

/// The policy's one statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    #[serde(rename = "Action")]
    action: &'static str,
    #[serde(rename = "Effect")]
    effect: &'static str,
    #[serde(rename = "Resource")]
    resource: String,
}

impl PolicyDocument {
    /// `effect` (`Allow`, `Deny`) on invoking `resource`.
    fn new(effect: &'static str, resource: String) -> Self {
        PolicyDocument {
            version: "2012-10-17",
            statement: [Statement {
                action: "execute-api:Invoke",
                effect,
                resource,
            }],
        }
    }
}

/// An invocation the authorizer answers with an error instead of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizerError {
    /// A REST API's refusal: API Gateway answers the client `401 Unauthorized` (it matches
    /// the error message `Unauthorized` exactly).
    Unauthorized,
    /// The session could not be checked (the store failed, or its record is invalid; the
    /// `ResponseError` code `get-session` would answer): API Gateway answers `500`.
    StoreFailed(&'static str),
    /// An event of no authorizer shape.
    UnknownEvent,
}

impl fmt::Display for AuthorizerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthorizerError::Unauthorized => f.write_str("Unauthorized"),
            AuthorizerError::StoreFailed(code) => write!(
                f,
                "the session could not be checked ({code}), so nothing is allowed: API Gateway answers 500; the request line with this invocation's op_id says why"
            ),
            AuthorizerError::UnknownEvent => f.write_str(
                "the event is not an API Gateway authorizer's (a REST API TOKEN or REQUEST event, or an HTTP API REQUEST event of payload format 1.0 or 2.0, with its execute-api methodArn or routeArn): attach the function as an authorizer, or start from a sample event in events/authorizer-*",
            ),
        }
    }
}

impl std::error::Error for AuthorizerError {}

impl From<AuthorizerError> for lambda_runtime::Diagnostic {
    fn from(e: AuthorizerError) -> Self {
        let error_type = match e {
            AuthorizerError::Unauthorized => "Unauthorized",
            AuthorizerError::StoreFailed(_) => "SessionCheckFailed",
            AuthorizerError::UnknownEvent => "UnknownEvent",
        };
        lambda_runtime::Diagnostic {
            error_type: error_type.to_owned(),
            error_message: e.to_string(),
        }
    }
}

/// The authorizer: the session check and the response form, built once at init.
#[derive(Debug)]
pub struct SessionAuthorizer<S> {
    check: SessionCheck<S>,
    /// `SESSION_AUTHORIZER_SIMPLE_RESPONSES`: whether an HTTP API payload 2.0 event is
    /// answered with a simple response (the API's `EnableSimpleResponses`) or a policy.
    simple_responses: bool,
}

impl<S: SessionStore> SessionAuthorizer<S> {
    pub fn new(store: S, config: &Config) -> Self {
        SessionAuthorizer {
            // An allowed request is the user's activity (`SESSION_TOUCH`).
            check: SessionCheck::new(store, config, true),
            simple_responses: config.authorizer_simple_responses,
        }
    }

    /// Answers one authorizer invocation: an allow or (HTTP API) a refusal in the form API
    /// Gateway wants, or an error ([`AuthorizerError`]).
    pub async fn invoke(
        &self,
        event: &str,
        request_id: &str,
    ) -> Result<AuthorizerResponse, AuthorizerError> {
        let op_id = op_id(request_id);
        let line = |door: Option<AuthorizerShape>| RequestLine {
            front_door: door.map(AuthorizerShape::as_str),
            ..RequestLine::new(&op_id, request_log::AUTHORIZE, Outcome::Error)
        };
        let detected = Event::parse(event).and_then(|e| {
            let (shape, arn) = AuthorizerShape::detect(&e)?;
            Some((e, shape, self.form(shape, arn)?))
        });
        let Some((event, shape, form)) = detected else {
            RequestLine {
                cause: Some("unknown_event"),
                ..line(None)
            }
            .write();
            return Err(AuthorizerError::UnknownEvent);
        };
        let mut observed = Observed::default();
        let result = match request(shape, &event) {
            Ok(request) => {
                self.check
                    .check(&request, Lookup::Read, &mut observed)
                    .await
            }
            Err(unreadable) => Err(ApiError::InvalidRequest(unreadable)),
        };
        let status = match &result {
            Ok(Resolved::Live(_)) => 200,
            Err(ApiError::Store(_)) => 500,
            // No session, one that is not live, a malformed token or request: refused.
            Ok(_) | Err(_) => shape.refusal_status(),
        };
        check::log_line(line(Some(shape)), &result, status, &observed);
        let decision = match result {
            Ok(Resolved::Live(user)) => Decision::Allow(user),
            Err(e @ ApiError::Store(_)) => return Err(AuthorizerError::StoreFailed(e.code())),
            Ok(_) | Err(_) => Decision::Refuse,
        };
        respond(form, decision)
    }

    /// How events of `shape` are answered; `None` where the answer needs the ARN and `arn`
    /// is not an `execute-api` method or route ARN.
    fn form<'e>(&self, shape: AuthorizerShape, arn: &'e RawValue) -> Option<Form<'e>> {
        let arn = || ExecuteApiArn::parse(read::<Text>(arn)?.0);
        Some(match shape {
            AuthorizerShape::HttpV2 if self.simple_responses => Form::Simple,
            AuthorizerShape::HttpV1 | AuthorizerShape::HttpV2 => Form::Policy(arn()?),
            AuthorizerShape::RestToken | AuthorizerShape::RestRequest => Form::Rest(arn()?),
        })
    }
}

/// `decision` as `form` answers it.
fn respond(form: Form<'_>, decision: Decision) -> Result<AuthorizerResponse, AuthorizerError> {
    Ok(match (form, decision) {
        (Form::Simple, Decision::Allow(username)) => AuthorizerResponse::Simple {
            is_authorized: true,
            context: Some(Context { username }),
        },
        (Form::Simple, Decision::Refuse) => AuthorizerResponse::Simple {
            is_authorized: false,
            context: None,
        },
        (Form::Policy(arn) | Form::Rest(arn), Decision::Allow(username)) => {
            AuthorizerResponse::Policy {
                principal_id: username.as_str().to_owned(),
                policy_document: PolicyDocument::new("Allow", arn.stage_wide()),
                context: Some(Context { username }),
            }
        }
        (Form::Policy(arn), Decision::Refuse) => AuthorizerResponse::Policy {
            principal_id: "anonymous".to_owned(),
            policy_document: PolicyDocument::new("Deny", arn.stage_wide()),
            context: None,
        },
        (Form::Rest(_), Decision::Refuse) => return Err(AuthorizerError::Unauthorized),
    })
}

/// The request the token rules read: a `REQUEST` event's, read as its API's payload format
/// reads it, or a `TOKEN` event's one value, as the header it came from.
fn request<'e>(shape: AuthorizerShape, event: &Event<'e>) -> Result<HttpRequest<'e>, Unreadable> {
    match shape {
        AuthorizerShape::RestToken => {
            let value = match event.authorizer().authorization_token {
                None => return Ok(HttpRequest::default()),
                Some(raw) if raw.get() == "null" => return Ok(HttpRequest::default()),
                Some(raw) => read::<Text>(raw).ok_or(Unreadable::Headers)?.0,
            };
            // A credential with a scheme (`Bearer <token>`, or several comma-separated) is an
            // `Authorization` value; anything else stands for the token itself, as
            // `x-dr-session` carries it (a token has no space).
            let field = if value.contains(' ') {
                Source::Bearer.field()
            } else {
                Source::Header.field()
            };
            Ok(HttpRequest::of_field(field, value))
        }
        AuthorizerShape::RestRequest | AuthorizerShape::HttpV1 => {
            HttpRequest::read(FrontDoor::PayloadV1, event, &token::FIELDS)
        }
        AuthorizerShape::HttpV2 => HttpRequest::read(FrontDoor::PayloadV2, event, &token::FIELDS),
    }
}

impl<S: SessionStore> Function for SessionAuthorizer<S> {
    type Response = AuthorizerResponse;
    type Error = AuthorizerError;

    fn invoke(
        &self,
        event: &str,
        request_id: &str,
    ) -> impl std::future::Future<Output = Result<AuthorizerResponse, AuthorizerError>> + Send {
        SessionAuthorizer::invoke(self, event, request_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_their_stage() {
        for (arn, stage) in [
            (
                "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/session",
                "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*",
            ),
            (
                "arn:aws:execute-api:eu-west-1:123456789012:a1/$default/GET/a/b/c",
                "arn:aws:execute-api:eu-west-1:123456789012:a1/$default/*",
            ),
            (
                "arn:aws-cn:execute-api:cn-north-1:123456789012:a1/dev",
                "arn:aws-cn:execute-api:cn-north-1:123456789012:a1/dev/*",
            ),
        ] {
            let parsed = ExecuteApiArn::parse(Cow::Borrowed(arn)).expect(arn);
            assert_eq!(parsed.stage_wide(), stage);
            assert_eq!(parsed.as_str(), arn);
        }
        for bad in [
            "",
            "*",
            "arn:aws:lambda:us-east-1:123456789012:function:x",
            "arn:aws:execute-api:us-east-1:123456789012:abc",
            "arn:aws:execute-api:us-east-1:123456789012:abc/",
            "arn:aws:execute-api:us-east-1:123456789012:*/prod/GET/x",
            "arn:aws:execute-api:us-east-1::abc/prod/GET/x",
            "arn:aws:execute-api:us-east-1:1:abc/pr od/GET",
        ] {
            assert_eq!(ExecuteApiArn::parse(Cow::Borrowed(bad)), None, "{bad}");
        }
    }
}
