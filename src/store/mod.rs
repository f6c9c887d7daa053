//! The session store: the port the handlers ask "which record, if any, is stored under
//! this key?", "record that this session was used" and "delete this session, telling me
//! what it was", and what can go wrong when asking.
//!
//! The port is three methods ([`SessionStore::find`], [`SessionStore::touch`],
//! [`SessionStore::remove`]); [`DynamoStore`] answers them with one bounded `GetItem`,
//! conditional `UpdateItem` or `DeleteItem` ([`dynamo`], bounds in [`sdk`]); the test
//! kit's `MemoryStore` from a map. A
//! failure is a [`StoreError`]: a [`Cause`] (a stable code, safe to log) that decides the
//! [`StoreFailure`] kind a client is told, and the underlying error (the SDK's, with its
//! full chain) as `source()`, for operators' tools that print it; the function logs only
//! the code, because SDK error text may quote the request.

pub mod classify;
pub mod dynamo;
pub mod https;

pub mod sdk;
pub mod trust;

use crate::vocabulary::vocabulary;
use std::error::Error;
use std::fmt;
use std::future::Future;

pub use dynamo::DynamoStore;

use crate::session::{Implausible, SessionKey, SessionRecord};

/// Looks up session records by key, and records their use.
pub trait SessionStore: Send + Sync + 'static {
    /// The record stored under `key`, `None` if there is none.
    fn find(
        &self,
        key: &SessionKey,
    ) -> impl Future<Output = Result<Option<SessionRecord>, StoreError>> + Send;

    /// Sets the `last_seen_at` of the session under `key` to `now`, only where that item
    /// exists, is not idle under `idle_timeout`, and was last seen before `now`: a touch
    /// never creates an item, revives an idle session or moves time backwards (it writes no
    /// other attribute, so it cannot revive an expired one either).
    fn touch(
        &self,
        key: &SessionKey,
        now: i64,
        idle_timeout: u32,
    ) -> impl Future<Output = Result<Touched, StoreError>> + Send;

    /// Deletes the item under `key` and answers the record it held (`None` if there was
    /// none), in one request: whatever answers, no session is stored under `key` any more.
    /// A record that cannot be read is a `RecordInvalid` error, its item deleted all the same.
    fn remove(
        &self,
        key: &SessionKey,
    ) -> impl Future<Output = Result<Option<SessionRecord>, StoreError>> + Send;
}

/// What a touch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touched {
    /// `last_seen_at` is now the request's time.
    Written,
    /// The condition did not hold when the write arrived (another request touched it
    /// first, or the session ended or was deleted meanwhile): nothing written.
    Declined,
}

/// The whole store budget of one request (the read, and a touch after it).
pub use sdk::OPERATION_TIMEOUT as REQUEST_BUDGET;

/// The kinds of store failure a client can tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFailure {
    /// Unreachable, timed out, or answering with a server error or an unreadable response.
    Unavailable,
    /// Throttled, and still throttled after the retries.
    Throttled,
    /// The table is missing, access is denied, or the request was refused as invalid.
    Misconfigured,
    /// A stored item lacks `username`/`expires_at`, or has one of its attributes with the
    /// wrong type or out of range.
    RecordInvalid,
}

vocabulary! {
    StoreFailure {
        Unavailable,
        Throttled,
        Misconfigured,
        RecordInvalid,
    }
}

/// Why a lookup failed, precisely enough for an operator, and nothing secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The whole call (retries included) ran out of time.
    Timeout,
    /// No connection within the connect timeout.
    ConnectTimeout,
    /// The connection was refused, reset or broken.
    ConnectionFailed,
    /// The request could not be sent for another reason (TLS, DNS, ...).
    DispatchFailure,
    /// An answer came but could not be read (truncated, not JSON, wrong content type).
    UnreadableResponse,
    /// DynamoDB answered with a server error (5xx) or an unrecognised error code.
    ServerError,
    /// DynamoDB throttled every attempt.
    Throttled,
    /// The table does not exist (in this account, region or endpoint).
    TableNotFound,
    /// The function's role may not read the table.
    AccessDenied,
    /// The credentials were rejected (unknown, expired, bad signature).
    CredentialsRejected,
    /// No credentials could be found.
    NoCredentials,
    /// The request could not be built: no endpoint for it (no region is configured).
    EndpointUnresolved,
    /// DynamoDB refused the request as invalid (for example a key schema mismatch).
    RequestRejected,
    /// The stored item has no `username`.
    UsernameMissing,
    /// The stored `username` is the empty string.
    UsernameEmpty,
    /// The stored `username` is not a string.
    UsernameNotString,
    /// The stored item has no `expires_at`.
    ExpiresAtMissing,
    /// The stored `expires_at` is not a number.
    ExpiresAtNotNumber,
    /// The stored `expires_at` is a number but not epoch seconds in range.
    ExpiresAtNotEpoch,
    /// The stored `issued_at` is not a number.
    IssuedAtNotNumber,
    /// The stored `issued_at` is a number but not epoch seconds in range.
    IssuedAtNotEpoch,
    /// The stored `last_seen_at` is not a number.
    LastSeenAtNotNumber,
    /// The stored `last_seen_at` is a number but not epoch seconds in range.
    LastSeenAtNotEpoch,
    /// The stored `expires_at` is more than ten years ahead (milliseconds, say).
    ExpiresAtTooFar,
    /// The stored `issued_at` is more than five minutes ahead of the function's clock.
    IssuedAtInFuture,
    /// The stored `last_seen_at` is more than five minutes ahead of the function's clock.
    LastSeenAtInFuture,
}

impl From<Implausible> for Cause {
    fn from(bad: Implausible) -> Cause {
        match bad {
            Implausible::ExpiresAtTooFar => Cause::ExpiresAtTooFar,
            Implausible::IssuedAtInFuture => Cause::IssuedAtInFuture,
            Implausible::LastSeenAtInFuture => Cause::LastSeenAtInFuture,
        }
    }
}

vocabulary! {
    Cause {
        Timeout => "timeout",
        ConnectTimeout => "connect_timeout",
        ConnectionFailed => "connection_failed",
        DispatchFailure => "dispatch_failure",
        UnreadableResponse => "unreadable_response",
        ServerError => "server_error",
        Throttled => "throttled",
        TableNotFound => "table_not_found",
        AccessDenied => "access_denied",
        CredentialsRejected => "credentials_rejected",
        NoCredentials => "no_credentials",
        EndpointUnresolved => "endpoint_unresolved",
        RequestRejected => "request_rejected",
        UsernameMissing => "username_missing",
        UsernameEmpty => "username_empty",
        UsernameNotString => "username_not_string",
        ExpiresAtMissing => "expires_at_missing",
        ExpiresAtNotNumber => "expires_at_not_number",
        ExpiresAtNotEpoch => "expires_at_not_epoch",
        IssuedAtNotNumber => "issued_at_not_number",
        IssuedAtNotEpoch => "issued_at_not_epoch",
        LastSeenAtNotNumber => "last_seen_at_not_number",
        LastSeenAtNotEpoch => "last_seen_at_not_epoch",
        ExpiresAtTooFar => "expires_at_too_far",
        IssuedAtInFuture => "issued_at_in_future",
        LastSeenAtInFuture => "last_seen_at_in_future",
    }
}

impl Cause {
    /// The kind of failure a client is told about.
    pub fn failure(self) -> StoreFailure {
        use Cause::*;
        match self {
            Timeout | ConnectTimeout | ConnectionFailed | DispatchFailure | UnreadableResponse
            | ServerError => StoreFailure::Unavailable,
            Throttled => StoreFailure::Throttled,
            TableNotFound | AccessDenied | CredentialsRejected | NoCredentials
            | EndpointUnresolved | RequestRejected => StoreFailure::Misconfigured,
            UsernameMissing | UsernameEmpty | UsernameNotString | ExpiresAtMissing
            | ExpiresAtNotNumber | ExpiresAtNotEpoch | IssuedAtNotNumber | IssuedAtNotEpoch
            | LastSeenAtNotNumber | LastSeenAtNotEpoch | ExpiresAtTooFar | IssuedAtInFuture
            | LastSeenAtInFuture => StoreFailure::RecordInvalid,
        }
    }
}

/// A failed lookup: its cause, and the underlying error if there was one.
#[derive(Debug, Clone)]
pub struct StoreError {
    cause: Cause,
    source: Option<std::sync::Arc<dyn Error + Send + Sync>>,
}

impl StoreError {
    /// A failure with no underlying error (for example a malformed record).
    pub fn new(cause: Cause) -> Self {
        StoreError {
            cause,
            source: None,
        }
    }

    /// A failure caused by `source` (an SDK error).
    pub(crate) fn with_source(cause: Cause, source: impl Error + Send + Sync + 'static) -> Self {
        StoreError {
            cause,
            source: Some(std::sync::Arc::new(source)),
        }
    }

    pub fn cause(&self) -> Cause {
        self.cause
    }

    pub fn failure(&self) -> StoreFailure {
        self.cause.failure()
    }
}

impl PartialEq for StoreError {
    fn eq(&self, other: &Self) -> bool {
        self.cause == other.cause
    }
}

impl Eq for StoreError {}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session store: {}", self.cause.as_str())
    }
}

impl Error for StoreError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

/// The first `T` in the chain of errors starting at `error` (by type, never by text): for
/// sorting the SDK's and hyper's errors.
pub(crate) fn in_chain<'a, T: Error + 'static>(error: &'a (dyn Error + 'static)) -> Option<&'a T> {
    std::iter::successors(Some(error), |&e| e.source()).find_map(|e| e.downcast_ref::<T>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_has_a_distinct_code_and_every_failure_a_cause() {
        let codes: std::collections::HashSet<_> = Cause::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(codes.len(), Cause::ALL.len());
        for &failure in StoreFailure::ALL {
            assert!(
                Cause::ALL.iter().any(|c| c.failure() == failure),
                "{failure:?}"
            );
        }
    }
}
