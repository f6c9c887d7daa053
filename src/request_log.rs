//! The one structured line per request: its schema, and the one function that writes it.
//!
//! Why a module of its own: the line is an interface. Operators query it (CloudWatch Logs
//! Insights), the metrics are derived from it (the EMF formatter in [`crate::metrics`]
//! reads the same names), and the alarms count its outcomes. So its target, its field
//! names, its outcome vocabulary and the rule for its level are declared here, once, and
//! everything else refers to them. It never holds the token, its hash or the username.

use tracing::Level;

use crate::methods::Method;
use crate::vocabulary::vocabulary;

/// The `tracing` target of the request line.
pub const TARGET: &str = "get_session::request";

/// The line's message for a `/session` function: its method and the resource (`GET
/// /session`).
pub fn message(method: Method) -> &'static str {
    match method {
        Method::Get => "GET /session",
        Method::Delete => "DELETE /session",
    }
}

/// The line's message for the authorizer (`session-authorizer`): a request to another route
/// of the API, checked before API Gateway lets it through.
pub const AUTHORIZE: &str = "authorize";

/// The line's field names.
pub mod field {
    /// The invocation's request id, as the client's `ResponseError` carries it.
    pub const OP_ID: &str = "op_id";
    /// Which front door the request came through (`FrontDoor::as_str`).
    pub const FRONT_DOOR: &str = "front_door";
    /// The HTTP status answered.
    pub const STATUS: &str = "status";
    /// How the request ended ([`super::Outcome`]).
    pub const OUTCOME: &str = "outcome";
    /// Which token source was read (`Source::as_str`), where one was present.
    pub const SOURCE: &str = "source";
    /// How long the store lookup took, where there was one.
    pub const STORE_MS: &str = "store_ms";
    /// The `ResponseError`'s `error_code`, for an error.
    pub const ERROR_CODE: &str = "error_code";
    /// A stable code for why: an error's cause.
    pub const CAUSE: &str = "cause";
    /// Whether a read recorded activity (`SESSION_TOUCH`): `written`, `declined` (the
    /// condition did not hold), or `failed`.
    pub const TOUCH: &str = "touch";
    /// Why a touch failed (a store cause code); the answer stands regardless.
    pub const TOUCH_CAUSE: &str = "touch_cause";
}

/// How a request ended: every value the line's `outcome` takes. For the authorizer, every
/// outcome but `session` and `error` is a refusal (REST API 401, HTTP API 403).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A live session was found (200 with a username; the authorizer: allowed).
    Session,
    /// A live session was logged out: deleted (`DELETE`, 204).
    LoggedOut,
    /// No token was presented (`GET` 200 `{}`, `DELETE` 401).
    NoToken,
    /// A well-formed token that no stored session has (`GET` 200 `{}`, `DELETE` 401).
    Unknown,
    /// A stored session past its `expires_at` (`GET` 200 `{}`, `DELETE` 401).
    Expired,
    /// A stored session unused for longer than the idle timeout (`GET` 200 `{}`, `DELETE`
    /// 401).
    Idle,
    /// A stored session issued before `SESSION_NOT_BEFORE` (`GET` 200 `{}`, `DELETE` 401).
    NotBefore,
    /// The request was refused (4xx).
    Rejected,
    /// A CORS preflight from an allowed origin, answered `204` (`SESSION_ALLOWED_ORIGINS`).
    Preflight,
    /// The function failed to answer it (5xx, or no answer at all).
    Error,
}

vocabulary! {
    Outcome {
        Session => "session",
        LoggedOut => "logged_out",
        NoToken => "no_token",
        Unknown => "unknown",
        Expired => "expired",
        Idle => "idle",
        NotBefore => "not_before",
        Rejected => "rejected",
        Preflight => "preflight",
        Error => "error",
    }
}

/// One request's line. `None` fields are left out of it.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestLine<'a> {
    pub op_id: &'a str,
    /// What the function did ([`message`], [`AUTHORIZE`]).
    pub message: &'static str,
    pub front_door: Option<&'static str>,
    /// `None` where there was no HTTP answer (an event of no known front door).
    pub status: Option<u16>,
    pub outcome: Outcome,
    pub source: Option<&'static str>,
    pub store_ms: Option<f64>,
    pub error_code: Option<&'static str>,
    pub cause: Option<&'static str>,
    /// What recording the read as activity did, where it was tried.
    pub touch: Option<TouchLog>,
}

/// The `touch` and `touch_cause` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TouchLog {
    Written,
    Declined,
    /// Failed, with the store cause's code.
    Failed(&'static str),
}

impl TouchLog {
    fn fields(self) -> (&'static str, Option<&'static str>) {
        match self {
            TouchLog::Written => ("written", None),
            TouchLog::Declined => ("declined", None),
            TouchLog::Failed(cause) => ("failed", Some(cause)),
        }
    }
}

impl<'a> RequestLine<'a> {
    /// The line of a request that ended in `outcome`, with nothing else known yet.
    pub fn new(op_id: &'a str, message: &'static str, outcome: Outcome) -> Self {
        RequestLine {
            op_id,
            message,
            front_door: None,
            status: None,
            outcome,
            source: None,
            store_ms: None,
            error_code: None,
            cause: None,
            touch: None,
        }
    }

    /// The level rule: a request the function failed (a 5xx, or no answer) is an ERROR, so
    /// that it shows wherever errors are looked for; every other request is INFO.
    pub fn level(&self) -> Level {
        match self.outcome {
            Outcome::Error => Level::ERROR,
            _ => Level::INFO,
        }
    }

    /// Writes the line (`tracing` fixes an event's level where it is written: one call
    /// per level, the fields written once).
    pub fn write(&self) {
        let line = self;
        let outcome = line.outcome.as_str();
        let message = line.message;
        let (touch, touch_cause) = line.touch.map(TouchLog::fields).unzip();
        let touch_cause = touch_cause.flatten();
        macro_rules! event_at {
            ($level:expr) => {
                tracing::event!(
                    target: TARGET,
                    $level,
                    { field::OP_ID } = line.op_id,
                    { field::FRONT_DOOR } = line.front_door,
                    { field::STATUS } = line.status,
                    { field::OUTCOME } = outcome,
                    { field::SOURCE } = line.source,
                    { field::STORE_MS } = line.store_ms,
                    { field::ERROR_CODE } = line.error_code,
                    { field::CAUSE } = line.cause,
                    { field::TOUCH } = touch,
                    { field::TOUCH_CAUSE } = touch_cause,
                    "{message}"
                )
            };
        }
        if line.level() == Level::ERROR {
            event_at!(Level::ERROR);
        } else {
            event_at!(Level::INFO);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_errors_and_everything_else_info() {
        let line = |outcome| RequestLine::new("id", message(Method::Get), outcome);
        for &outcome in Outcome::ALL {
            // Exhaustive: a new outcome must be given its level here.
            let want = match outcome {
                Outcome::Error => Level::ERROR,
                Outcome::Session
                | Outcome::LoggedOut
                | Outcome::NoToken
                | Outcome::Unknown
                | Outcome::Expired
                | Outcome::Idle
                | Outcome::NotBefore
                | Outcome::Rejected
                | Outcome::Preflight => Level::INFO,
            };
            assert_eq!(line(outcome).level(), want, "{outcome:?}");
        }
    }
}
