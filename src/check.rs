//! The session check every function makes: a request's token, its key, one bounded store
//! call, the plausibility and policy rules, and the touch of an active session.
//!
//! Why a module of its own: `get-session`, `delete-session` and `session-authorizer` answer
//! in three different languages (a `SessionInfo`, a logout's status, an IAM policy or a
//! simple response), but "is this request's session live?" must get one answer everywhere,
//! or a route guarded by the authorizer would disagree with `GET /session` about who is
//! logged in. So the question is asked here, once, and each function only translates the
//! [`Resolved`] answer (or the [`ApiError`]) into its own format. The request line's fields
//! that follow from the check ([`Observed`]) are collected here too.

use std::time::{Duration, Instant};

use crate::config::Config;
use crate::error::ApiError;
use crate::front_door::HttpRequest;
use crate::request_log::{Outcome, RequestLine, TouchLog};
use crate::session::{unix_now, Ended, KeyScheme, Policy, SessionKey, Username};
use crate::store::{Cause, SessionStore, StoreError, Touched, REQUEST_BUDGET};
use crate::token::{self, CookieName, Source};

/// How a check that did not fail ended.
#[derive(Debug)]
pub(crate) enum Resolved {
    Live(Username),
    /// A live session, now deleted ([`Lookup::Remove`]).
    LoggedOut,
    NoToken,
    Unknown,
    /// A stored session that is not live, and the rule that ended it.
    Ended(Ended),
}

impl Resolved {
    pub(crate) fn outcome(&self) -> Outcome {
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

/// What a check observed, for the request line.
#[derive(Debug, Default)]
pub(crate) struct Observed {
    pub(crate) source: Option<Source>,
    pub(crate) store_latency: Option<Duration>,
    /// Whether a touch of `last_seen_at` was made, and how it went.
    pub(crate) touch: Option<Result<Touched, StoreError>>,
}

/// The store call a check makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Read the session (`GetItem`); a live one may be touched.
    Read,
    /// Delete the session, reading what it held (`DeleteItem`, `ALL_OLD`): a logout.
    Remove,
}

/// The check, with its settings: built once at init, shared by every request.
#[derive(Debug)]
pub(crate) struct SessionCheck<S> {
    store: S,
    cookie_name: CookieName,
    key_scheme: KeyScheme,
    policy: Policy,
    /// Where a read of a live session counts as activity (`SESSION_TOUCH`): the idle
    /// timeout its touch keeps the session within.
    touch_idle_timeout: Option<u32>,
}

impl<S: SessionStore> SessionCheck<S> {
    /// The check `config` describes; `reads_are_activity`: whether this function's reads may
    /// touch (where `SESSION_TOUCH` is on). A logout's never do: it is the last request.
    pub(crate) fn new(store: S, config: &Config, reads_are_activity: bool) -> Self {
        SessionCheck {
            store,
            cookie_name: config.cookie_name.clone(),
            key_scheme: config.key_scheme,
            policy: config.policy,
            touch_idle_timeout: config
                .policy
                .idle_timeout
                .filter(|_| config.touch && reads_are_activity),
        }
    }

    /// Whether `request` carries a live session, by the token rules, the store and the
    /// session policy. Every failure is an [`ApiError`]; a store failure is never a
    /// session, live or not.
    pub(crate) async fn check(
        &self,
        request: &HttpRequest<'_>,
        lookup: Lookup,
        observed: &mut Observed,
    ) -> Result<Resolved, ApiError> {
        let token = match token::extract(request, &self.cookie_name) {
            Ok(None) => return Ok(Resolved::NoToken),
            Ok(Some((source, token))) => {
                observed.source = Some(source);
                token
            }
            Err(e) => {
                observed.source = Some(e.source);
                return Err(ApiError::InvalidToken(e));
            }
        };
        let key = SessionKey::derive(&token, self.key_scheme);
        let started = Instant::now();
        let found = match lookup {
            Lookup::Read => self.store.find(&key).await,
            // The item is deleted whatever it held: one round trip, and a session that is
            // no longer live (or whose record is invalid) is gone too, as it should be.
            Lookup::Remove => self.store.remove(&key).await,
        };
        observed.store_latency = Some(started.elapsed());
        let record = match found {
            Err(e) => return Err(ApiError::Store(e)),
            Ok(None) => return Ok(Resolved::Unknown),
            Ok(Some(record)) => record,
        };
        let now = unix_now();
        if let Some(bad) = record.implausible_at(now) {
            return Err(ApiError::Store(StoreError::new(bad.into())));
        }
        if let Some(ended) = record.ended_at(now, &self.policy) {
            return Ok(Resolved::Ended(ended));
        }
        if lookup == Lookup::Remove {
            return Ok(Resolved::LoggedOut);
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
        Ok(Resolved::Live(record.username))
    }
}

/// The Lambda invocation request id; a fresh v4 UUID where a local tool supplies none.
pub(crate) fn op_id(request_id: &str) -> String {
    match request_id.trim() {
        "" => uuid::Uuid::new_v4().to_string(),
        id => id.to_owned(),
    }
}

/// The request line ([`crate::request_log`]) of a check's result: never the token, its
/// hash, or the username. `status` is what the client was answered (by the function, or by
/// API Gateway for an authorizer's decision); a 5xx is the function's failure.
pub(crate) fn log_line(
    line: RequestLine<'_>,
    result: &Result<Resolved, ApiError>,
    status: u16,
    observed: &Observed,
) {
    let (outcome, error_code, cause) = match result {
        Ok(resolved) => (resolved.outcome(), None, None),
        Err(err) if status >= 500 => (Outcome::Error, Some(err.code()), Some(err.cause())),
        Err(err) => (Outcome::Rejected, Some(err.code()), Some(err.cause())),
    };
    RequestLine {
        status: Some(status),
        outcome,
        source: observed.source.map(Source::as_str),
        store_ms: observed.store_latency.map(|d| d.as_secs_f64() * 1000.0),
        error_code,
        cause,
        touch: observed.touch.as_ref().map(|t| match t {
            Ok(Touched::Written) => TouchLog::Written,
            Ok(Touched::Declined) => TouchLog::Declined,
            Err(e) => TouchLog::Failed(e.cause().as_str()),
        }),
        ..line
    }
    .write();
}
