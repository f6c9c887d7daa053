//! Every way a request can fail, and the one mapping from a failure to what the client
//! sees: HTTP status, a stable snake_case `error_code`, and a safe human message.
//!
//! Messages are fixed sentences chosen here. They never contain the token, its hash, the
//! SDK's error text or anything else taken from the request or from AWS; the detailed
//! cause goes to the log line (see `handler`) as a stable code, keyed by `op_id`.

use lambda_http::http::StatusCode;

use crate::front_door::Unreadable;
use crate::store::{StoreError, StoreFailure};
use crate::token::TokenError;

/// A request that ends in a `ResponseError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The event has a known front door's shape but is not an HTTP request (400).
    InvalidRequest(Unreadable),
    /// A present token source is malformed (400).
    InvalidToken(TokenError),
    /// Any method but the function's own (405, with `Allow` listing the deployment's).
    MethodNotAllowed,
    /// The session store failed (500).
    Store(StoreError),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidRequest(_) | ApiError::InvalidToken(_) => StatusCode::BAD_REQUEST,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code; clients may switch on it.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::InvalidToken(_) => "invalid_session_token",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Store(e) => match e.failure() {
                StoreFailure::Unavailable => "session_store_unavailable",
                StoreFailure::Throttled => "session_store_throttled",
                StoreFailure::Misconfigured => "session_store_misconfigured",
                StoreFailure::RecordInvalid => "session_record_invalid",
            },
        }
    }

    /// A sentence for humans, safe to show to anyone.
    pub fn message(&self) -> String {
        match self {
            ApiError::InvalidRequest(_) => {
                "The request could not be read as an HTTP request.".to_owned()
            }
            ApiError::InvalidToken(e) => {
                format!(
                    "The {} is malformed: {}.",
                    e.source.describe(),
                    e.reason.describe()
                )
            }
            ApiError::MethodNotAllowed => {
                "This method is not allowed on /session; the Allow header lists those that are."
                    .to_owned()
            }
            ApiError::Store(e) => match e.failure() {
                StoreFailure::Unavailable => "The session store is unavailable; try again later.",
                StoreFailure::Throttled => "The session store is busy; try again later.",
                StoreFailure::Misconfigured => "The session store is not configured correctly.",
                StoreFailure::RecordInvalid => "The stored session record is invalid.",
            }
            .to_owned(),
        }
    }

    /// What the log line says about the cause: a stable code, never secret, never SDK text.
    pub fn cause(&self) -> &'static str {
        match self {
            ApiError::InvalidRequest(e) => e.as_str(),
            ApiError::InvalidToken(e) => e.reason.as_str(),
            ApiError::MethodNotAllowed => "method",
            ApiError::Store(e) => e.cause().as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Cause;
    use crate::token::{Malformed, Source};

    #[test]
    fn each_error_has_its_status_and_code() {
        let store = |cause| ApiError::Store(StoreError::new(cause));
        let cases = [
            (
                ApiError::InvalidRequest(Unreadable::Headers),
                400,
                "invalid_request",
            ),
            (
                ApiError::InvalidToken(TokenError {
                    source: Source::Cookie,
                    reason: Malformed::TooLong,
                }),
                400,
                "invalid_session_token",
            ),
            (ApiError::MethodNotAllowed, 405, "method_not_allowed"),
            (
                store(Cause::ConnectionFailed),
                500,
                "session_store_unavailable",
            ),
            (store(Cause::Throttled), 500, "session_store_throttled"),
            (
                store(Cause::TableNotFound),
                500,
                "session_store_misconfigured",
            ),
            (store(Cause::UsernameMissing), 500, "session_record_invalid"),
        ];
        for (err, status, code) in cases {
            assert_eq!(err.status().as_u16(), status);
            assert_eq!(err.code(), code);
            assert!(err.message().ends_with('.'));
        }
    }

    #[test]
    fn token_messages_name_source_and_reason() {
        let e = ApiError::InvalidToken(TokenError {
            source: Source::Header,
            reason: Malformed::Conflicting,
        });
        assert_eq!(
            e.message(),
            "The x-dr-session header is malformed: it is given more than once with different values."
        );
    }

    #[test]
    fn store_messages_do_not_leak_the_cause() {
        let e = ApiError::Store(StoreError::new(Cause::TableNotFound));
        assert!(!e.message().contains("not_found"));
        assert_eq!(e.cause(), "table_not_found");
    }
}
