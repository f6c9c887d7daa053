//! The session table: the [`SessionStore`] port and its DynamoDB adapter.
//!
//! The handler only asks "which record, if any, is stored under this key?". This module
//! answers with one bounded `GetItem`, turns a stored item into a [`SessionRecord`] (or
//! says exactly why it cannot), and sorts AWS failures into the few kinds a client may be
//! told about. What may be logged about a failure is a short cause (an AWS error code or a
//! transport category), never the SDK's error text.
//!
//! Table schema: partition key `session_id` (S); `username` (S, non-empty);
//! `expires_at` (N, Unix epoch seconds, also the table's TTL attribute).

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;

use crate::session::{SessionKey, SessionRecord, Username};

/// Partition key attribute (S).
pub const KEY_ATTR: &str = "session_id";
/// Owner attribute (S, non-empty).
pub const USERNAME_ATTR: &str = "username";
/// Expiry attribute (N, epoch seconds; the table's TTL attribute).
pub const EXPIRES_ATTR: &str = "expires_at";

/// Time to open a TCP+TLS connection to DynamoDB.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(1000);
/// Time for one HTTP attempt; a slower attempt is retried.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(1000);
/// Time for the whole call, retries included: the bound on a request's store latency.
pub const OPERATION_TIMEOUT: Duration = Duration::from_millis(3000);
/// Attempts per call under the standard retry mode.
pub const MAX_ATTEMPTS: u32 = 3;
/// First retry waits up to this long (with jitter), the second up to twice as long. The
/// SDK's default (1 s) would spend most of the 3 s budget waiting.
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(100);

/// Looks up session records by key.
pub trait SessionStore: Send + Sync + 'static {
    /// The record stored under `key`, `None` if there is none.
    fn find(
        &self,
        key: &SessionKey,
    ) -> impl Future<Output = Result<Option<SessionRecord>, StoreError>> + Send;
}

/// An in-memory store for tests and benchmarks of everything but DynamoDB: each key
/// answers a record or a chosen failure.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore(HashMap<String, Result<SessionRecord, StoreError>>);

impl MemoryStore {
    /// Stores `record` under `key`.
    pub fn with(mut self, key: &SessionKey, record: SessionRecord) -> Self {
        self.0.insert(key.as_str().to_owned(), Ok(record));
        self
    }

    /// Makes a lookup of `key` fail with `error`.
    pub fn failing(mut self, key: &SessionKey, error: StoreError) -> Self {
        self.0.insert(key.as_str().to_owned(), Err(error));
        self
    }
}

impl SessionStore for MemoryStore {
    async fn find(&self, key: &SessionKey) -> Result<Option<SessionRecord>, StoreError> {
        self.0.get(key.as_str()).cloned().transpose()
    }
}

/// The kinds of store failure a client can be told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFailure {
    /// Unreachable, timed out, or answering with a server error.
    Unavailable,
    /// Throttled, and still throttled after the retries.
    Throttled,
    /// The table is missing, access is denied, or the request was refused as invalid.
    Misconfigured,
    /// A stored item lacks `username`/`expires_at` or has them with the wrong type.
    RecordInvalid,
}

/// A store failure with a cause that is safe to log (no SDK error text, no key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    pub failure: StoreFailure,
    pub cause: String,
}

impl StoreError {
    fn new(failure: StoreFailure, cause: impl Into<String>) -> Self {
        StoreError {
            failure,
            cause: cause.into(),
        }
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.failure, self.cause)
    }
}

impl std::error::Error for StoreError {}

/// The shared AWS configuration with this function's time bounds and retry mode. Every
/// other setting (region, credentials, `AWS_ENDPOINT_URL_DYNAMODB`) comes from the
/// standard AWS environment; callers may override them (tests point it at a local server).
pub fn sdk_config_loader() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(INITIAL_BACKOFF),
        )
}

/// The DynamoDB adapter. Cheap to clone; build it once at init.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    consistent_read: bool,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>, consistent_read: bool) -> Self {
        DynamoStore {
            client,
            table: table.into(),
            consistent_read,
        }
    }

    /// Writes (or overwrites) the record stored under `key`.
    pub async fn put(&self, key: &SessionKey, record: &SessionRecord) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(KEY_ATTR, AttributeValue::S(key.as_str().to_owned()))
            .item(
                USERNAME_ATTR,
                AttributeValue::S(record.username.as_str().to_owned()),
            )
            .item(
                EXPIRES_ATTR,
                AttributeValue::N(record.expires_at.to_string()),
            )
            .send()
            .await
            .map(drop)
            .map_err(classify)
    }

    /// Deletes the record stored under `key`; `true` if there was one.
    pub async fn delete(&self, key: &SessionKey) -> Result<bool, StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(KEY_ATTR, AttributeValue::S(key.as_str().to_owned()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map(|out| out.attributes.is_some_and(|a| !a.is_empty()))
            .map_err(classify)
    }
}

impl SessionStore for DynamoStore {
    async fn find(&self, key: &SessionKey) -> Result<Option<SessionRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(KEY_ATTR, AttributeValue::S(key.as_str().to_owned()))
            .projection_expression("#u, #e")
            .expression_attribute_names("#u", USERNAME_ATTR)
            .expression_attribute_names("#e", EXPIRES_ATTR)
            .consistent_read(self.consistent_read)
            .send()
            .await
            .map_err(classify)?;
        out.item.map(|item| record_from_item(&item)).transpose()
    }
}

/// Turns a stored item into a record, or a `RecordInvalid` error naming what is wrong.
pub fn record_from_item(
    item: &HashMap<String, AttributeValue>,
) -> Result<SessionRecord, StoreError> {
    let invalid = |cause: &str| StoreError::new(StoreFailure::RecordInvalid, cause);
    let username = match item.get(USERNAME_ATTR) {
        None => return Err(invalid("username missing")),
        Some(AttributeValue::S(s)) => {
            Username::new(s.clone()).ok_or_else(|| invalid("username empty"))?
        }
        Some(_) => return Err(invalid("username not a string")),
    };
    let expires_at = match item.get(EXPIRES_ATTR) {
        None => return Err(invalid("expires_at missing")),
        Some(AttributeValue::N(n)) => {
            parse_epoch_seconds(n).ok_or_else(|| invalid("expires_at not an epoch"))?
        }
        Some(_) => return Err(invalid("expires_at not a number")),
    };
    Ok(SessionRecord {
        username,
        expires_at,
    })
}

/// DynamoDB numbers are decimal strings. Whole seconds are expected; a fraction (as a
/// login service writing `Date.now() / 1000` would store) is truncated.
fn parse_epoch_seconds(n: &str) -> Option<i64> {
    if let Ok(secs) = n.parse::<i64>() {
        return Some(secs);
    }
    let f = n.parse::<f64>().ok().filter(|f| f.is_finite())?;
    // `as` saturates; reject values outside i64 rather than clamp them.
    (f.abs() < 9.0e18).then(|| f.trunc() as i64)
}

/// Credentials or region that could not be resolved surface as "other" dispatch
/// failures; tell them apart from network trouble by their error chain.
fn local_setup_problem(error: Option<&(dyn std::error::Error + 'static)>) -> Option<&'static str> {
    let mut next = error;
    while let Some(e) = next {
        let text = e.to_string();
        if text.contains("no credentials") || text.contains("credential provider") {
            return Some("no credentials");
        }
        if text.contains("region") {
            return Some("no region");
        }
        next = e.source();
    }
    None
}

/// Sorts an SDK error into the kinds a client may see, with a loggable cause.
pub fn classify<E: ProvideErrorMetadata, R>(err: SdkError<E, R>) -> StoreError {
    use StoreFailure::*;
    match &err {
        SdkError::TimeoutError(_) => StoreError::new(Unavailable, "timeout"),
        SdkError::DispatchFailure(d) if d.is_timeout() => {
            StoreError::new(Unavailable, "connect timeout")
        }
        SdkError::DispatchFailure(d) if d.is_io() => {
            StoreError::new(Unavailable, "connection failed")
        }
        SdkError::DispatchFailure(d) if d.is_other() => {
            match local_setup_problem(d.as_connector_error().map(|e| e as _)) {
                Some(cause) => StoreError::new(Misconfigured, cause),
                None => StoreError::new(Unavailable, "dispatch failure"),
            }
        }
        SdkError::DispatchFailure(_) => StoreError::new(Unavailable, "dispatch failure"),
        SdkError::ResponseError(_) => StoreError::new(Unavailable, "unreadable response"),
        SdkError::ConstructionFailure(_) => {
            StoreError::new(Misconfigured, "request not built (credentials or region)")
        }
        _ => {
            let code = err.code().unwrap_or("unknown service error").to_owned();
            let failure = match code.as_str() {
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded"
                | "TransactionConflictException" => Throttled,
                "ResourceNotFoundException"
                | "AccessDeniedException"
                | "UnrecognizedClientException"
                | "InvalidSignatureException"
                | "MissingAuthenticationTokenException"
                | "ExpiredTokenException"
                | "ValidationException" => Misconfigured,
                _ => Unavailable,
            };
            StoreError::new(failure, code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(pairs: &[(&str, AttributeValue)]) -> HashMap<String, AttributeValue> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    fn n(v: &str) -> AttributeValue {
        AttributeValue::N(v.into())
    }

    #[test]
    fn well_formed_item() {
        let rec = record_from_item(&item(&[
            ("username", s("alice")),
            ("expires_at", n("1700000000")),
        ]))
        .unwrap();
        assert_eq!(rec.username.as_str(), "alice");
        assert_eq!(rec.expires_at, 1_700_000_000);
    }

    #[test]
    fn fractional_expiry_is_truncated() {
        let rec = record_from_item(&item(&[
            ("username", s("a")),
            ("expires_at", n("1700000000.9")),
        ]))
        .unwrap();
        assert_eq!(rec.expires_at, 1_700_000_000);
    }

    #[test]
    fn malformed_items_are_record_invalid() {
        let cases = [
            item(&[("expires_at", n("1"))]),
            item(&[("username", s("")), ("expires_at", n("1"))]),
            item(&[("username", n("5")), ("expires_at", n("1"))]),
            item(&[("username", s("a"))]),
            item(&[("username", s("a")), ("expires_at", s("1700000000"))]),
            item(&[("username", s("a")), ("expires_at", n("soon"))]),
            item(&[("username", s("a")), ("expires_at", n("1e300"))]),
            item(&[
                ("username", s("a")),
                ("expires_at", AttributeValue::Bool(true)),
            ]),
        ];
        for case in cases {
            let err = record_from_item(&case).unwrap_err();
            assert_eq!(err.failure, StoreFailure::RecordInvalid, "{case:?}");
        }
    }
}
