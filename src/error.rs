//! Every way a request can fail, and the one mapping from a failure to what the client
//! sees: HTTP status, a stable snake_case `error_code`, and a safe human message.
//!
//! Messages are fixed sentences chosen here. They never contain the token, its hash, the
//! SDK's error text or anything else taken from the request or from AWS; the detailed
//! cause goes to the log line (see `handler`), keyed by `op_id`.

use lambda_http::http::StatusCode;

use crate::store::{StoreError, StoreFailure};
use crate::token::{Malformed, Source, TokenError};

/// A request that ends in a `ResponseError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// A present token source is malformed (400).
    InvalidToken(TokenError),
    /// Any method but GET (405, with `Allow: GET`).
    MethodNotAllowed,
    /// The session store failed (500).
    Store(StoreError),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidToken(_) => StatusCode::BAD_REQUEST,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code; clients may switch on it.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidToken(_) => "invalid_session_token",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Store(e) => match e.failure {
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
            ApiError::InvalidToken(e) => {
                format!(
                    "The {} is malformed: {}.",
                    e.source.as_str(),
                    e.reason.describe()
                )
            }
            ApiError::MethodNotAllowed => "Only GET is allowed on /session.".to_owned(),
            ApiError::Store(e) => match e.failure {
                StoreFailure::Unavailable => "The session store is unavailable; try again later.",
                StoreFailure::Throttled => "The session store is busy; try again later.",
                StoreFailure::Misconfigured => "The session store is not configured correctly.",
                StoreFailure::RecordInvalid => "The stored session record is invalid.",
            }
            .to_owned(),
        }
    }

    /// One error of every kind the function can answer (every source x reason, every store
    /// failure). Tests use it to check that a response's message is one of these fixed
    /// sentences, so nothing from the request can be echoed.
    pub fn every_kind() -> Vec<ApiError> {
        let mut all = vec![ApiError::MethodNotAllowed];
        for source in [Source::Header, Source::Bearer, Source::Cookie] {
            for reason in [
                Malformed::Empty,
                Malformed::TooLong,
                Malformed::BadCharacter,
                Malformed::BadEncoding,
                Malformed::Conflicting,
            ] {
                all.push(ApiError::InvalidToken(TokenError { source, reason }));
            }
        }
        for failure in [
            StoreFailure::Unavailable,
            StoreFailure::Throttled,
            StoreFailure::Misconfigured,
            StoreFailure::RecordInvalid,
        ] {
            all.push(ApiError::Store(StoreError {
                failure,
                cause: String::new(),
            }));
        }
        all
    }

    /// What the log line may say about the cause (never secret, never SDK text).
    pub fn cause(&self) -> &str {
        match self {
            ApiError::InvalidToken(e) => e.reason.as_str(),
            ApiError::MethodNotAllowed => "method",
            ApiError::Store(e) => &e.cause,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::{Malformed, Source};

    #[test]
    fn each_error_has_its_status_and_code() {
        let store = |failure| {
            ApiError::Store(StoreError {
                failure,
                cause: "x".into(),
            })
        };
        let cases = [
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
                store(StoreFailure::Unavailable),
                500,
                "session_store_unavailable",
            ),
            (
                store(StoreFailure::Throttled),
                500,
                "session_store_throttled",
            ),
            (
                store(StoreFailure::Misconfigured),
                500,
                "session_store_misconfigured",
            ),
            (
                store(StoreFailure::RecordInvalid),
                500,
                "session_record_invalid",
            ),
        ];
        for (err, status, code) in cases {
            assert_eq!(err.status().as_u16(), status);
            assert_eq!(err.code(), code);
            assert!(err.message().ends_with('.'));
        }
    }

    #[test]
    fn every_kind_has_a_distinct_message_and_a_code_per_status() {
        let all = ApiError::every_kind();
        assert_eq!(all.len(), 1 + 15 + 4);
        let messages: std::collections::HashSet<_> = all.iter().map(ApiError::message).collect();
        assert_eq!(messages.len(), all.len());
        let codes: std::collections::HashSet<_> =
            all.iter().map(|e| (e.code(), e.status())).collect();
        assert_eq!(codes.len(), 6);
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
        let e = ApiError::Store(StoreError {
            failure: StoreFailure::Misconfigured,
            cause: "ResourceNotFoundException".into(),
        });
        assert!(!e.message().contains("ResourceNotFound"));
        assert_eq!(e.cause(), "ResourceNotFoundException");
    }
}
