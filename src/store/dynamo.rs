//! The DynamoDB adapter of [`SessionStore`]: one consistent, projected `GetItem` per
//! lookup, and the stored item turned into a [`SessionRecord`] (or the exact reason it
//! cannot be).
//!
//! Table schema: partition key `session_id` (S); `username` (S, non-empty);
//! `expires_at` (N, Unix epoch seconds, also the table's TTL attribute); optionally
//! `issued_at` and `last_seen_at` (N, Unix epoch seconds). A global secondary index
//! `username-index` (partition key `username`) lets `sessionctl` find a user's sessions;
//! the function never uses it. With `SESSION_TOUCH`, a read may be followed by one
//! conditional `UpdateItem` of `last_seen_at` ([`SessionStore::touch`]). A logout is one
//! `DeleteItem` returning the old item ([`SessionStore::remove`]).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;

use super::classify::classify;
use super::{Cause, SessionStore, StoreError, Touched};
use crate::session::{SessionKey, SessionRecord, Username};

/// Partition key attribute (S).
pub const KEY_ATTR: &str = "session_id";
/// Owner attribute (S, non-empty).
pub const USERNAME_ATTR: &str = "username";
/// Expiry attribute (N, epoch seconds; the table's TTL attribute).
pub const EXPIRES_ATTR: &str = "expires_at";
/// When the session was issued (N, epoch seconds; optional).
pub const ISSUED_ATTR: &str = "issued_at";
/// When the session was last used (N, epoch seconds; optional).
pub const LAST_SEEN_ATTR: &str = "last_seen_at";
/// The global secondary index on `username` (projecting the three times).
pub const USERNAME_INDEX: &str = "username-index";

/// Every attribute a touch names (its key, and the one it writes and compares): the
/// template's `dynamodb:Attributes` condition on `UpdateItem` allows exactly these, so IAM
/// itself refuses a write of any other attribute (tests/template.rs).
pub const TOUCH_ATTRIBUTES: [&str; 2] = [KEY_ATTR, LAST_SEEN_ATTR];

/// Reads sessions from one table. Cheap to clone; build it once at init.
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
}

/// The key [`DynamoStore::warm_up`] reads: not 64 hex digits, so no token's key (nor, with
/// hashing off, any valid token: `!` is outside the token alphabet) can ever equal it.
const WARM_UP_KEY: &str = "get-session!warm-up";

impl DynamoStore {
    /// Opens the connection to DynamoDB (DNS, TCP, TLS handshake, credentials, signing)
    /// with one `GetItem` of [`WARM_UP_KEY`], within `budget`, so that the first request
    /// finds a ready connection in the pool. Any failure or timeout is ignored: the first
    /// request then connects itself, as it would have anyway. Returns whether it succeeded.
    pub async fn warm_up(&self, budget: std::time::Duration) -> bool {
        let read = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(KEY_ATTR, AttributeValue::S(WARM_UP_KEY.to_owned()))
            .projection_expression("#k")
            .expression_attribute_names("#k", KEY_ATTR)
            .send();
        matches!(tokio::time::timeout(budget, read).await, Ok(Ok(_)))
    }
}

impl SessionStore for DynamoStore {
    async fn find(&self, key: &SessionKey) -> Result<Option<SessionRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(KEY_ATTR, AttributeValue::S(key.as_str().to_owned()))
            .projection_expression("#u, #e, #i, #l")
            .expression_attribute_names("#u", USERNAME_ATTR)
            .expression_attribute_names("#e", EXPIRES_ATTR)
            .expression_attribute_names("#i", ISSUED_ATTR)
            .expression_attribute_names("#l", LAST_SEEN_ATTR)
            .consistent_read(self.consistent_read)
            .send()
            .await
            .map_err(classify)?;
        out.item.map(|item| record_from_item(&item)).transpose()
    }

    async fn touch(
        &self,
        key: &SessionKey,
        now: i64,
        idle_timeout: u32,
    ) -> Result<Touched, StoreError> {
        let idle_since = now.saturating_sub(i64::from(idle_timeout));
        // Names only TOUCH_ATTRIBUTES. No `expires_at` in the condition: a touch never writes
        // it, so it cannot revive an expired item, and leaving it out lets IAM confine the
        // write to `last_seen_at`.
        let [k, l] = TOUCH_ATTRIBUTES;
        let written = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(KEY_ATTR, AttributeValue::S(key.as_str().to_owned()))
            .update_expression("SET #l = :now")
            .condition_expression(
                "attribute_exists(#k) \
                 AND (attribute_not_exists(#l) OR (#l < :now AND #l > :idle_since))",
            )
            .expression_attribute_names("#k", k)
            .expression_attribute_names("#l", l)
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .expression_attribute_values(":idle_since", AttributeValue::N(idle_since.to_string()))
            .send()
            .await;
        match written {
            Ok(_) => Ok(Touched::Written),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(Touched::Declined)
            }
            Err(e) => Err(classify(e)),
        }
    }

    async fn remove(&self, key: &SessionKey) -> Result<Option<SessionRecord>, StoreError> {
        // One round trip: the delete, and the item as it was, judged by the caller. No
        // condition: whatever the item held, it is gone after this. A touch racing it cannot
        // bring it back, since a touch's condition needs the item to exist (`attribute_exists`).
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(KEY_ATTR, AttributeValue::S(key.as_str().to_owned()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(classify)?;
        out.attributes
            .map(|item| record_from_item(&item))
            .transpose()
    }
}

/// Turns a stored item into a record, or a `RecordInvalid` error naming what is wrong.
fn record_from_item(item: &HashMap<String, AttributeValue>) -> Result<SessionRecord, StoreError> {
    let invalid = |cause| Err(StoreError::new(cause));
    let username = match item.get(USERNAME_ATTR) {
        None => return invalid(Cause::UsernameMissing),
        Some(AttributeValue::S(s)) => match Username::new(s.clone()) {
            Some(name) => name,
            None => return invalid(Cause::UsernameEmpty),
        },
        Some(_) => return invalid(Cause::UsernameNotString),
    };
    let expires_at = match item.get(EXPIRES_ATTR) {
        None => return invalid(Cause::ExpiresAtMissing),
        Some(AttributeValue::N(n)) => match parse_epoch_seconds(n) {
            Some(secs) => secs,
            None => return invalid(Cause::ExpiresAtNotEpoch),
        },
        Some(_) => return invalid(Cause::ExpiresAtNotNumber),
    };
    let time = |attr, not_number, not_epoch| match item.get(attr) {
        None => Ok(None),
        Some(AttributeValue::N(n)) => match parse_epoch_seconds(n) {
            Some(secs) => Ok(Some(secs)),
            None => Err(StoreError::new(not_epoch)),
        },
        Some(_) => Err(StoreError::new(not_number)),
    };
    Ok(SessionRecord {
        username,
        expires_at,
        issued_at: time(
            ISSUED_ATTR,
            Cause::IssuedAtNotNumber,
            Cause::IssuedAtNotEpoch,
        )?,
        last_seen_at: time(
            LAST_SEEN_ATTR,
            Cause::LastSeenAtNotNumber,
            Cause::LastSeenAtNotEpoch,
        )?,
    })
}

/// DynamoDB numbers are decimal strings. Whole seconds are expected; a fraction (as a
/// login service writing `Date.now() / 1000` would store) is truncated, which for every
/// time here errs towards ending a session, never extending it (`issued_at` and
/// `last_seen_at` become earlier; `expires_at` too). A value outside i64 (38 digits, say)
/// is no time at all: the record is invalid.
pub fn parse_epoch_seconds(n: &str) -> Option<i64> {
    if let Ok(secs) = n.parse::<i64>() {
        return Some(secs);
    }
    let f = n.parse::<f64>().ok().filter(|f| f.is_finite())?;
    // `as` saturates; reject values outside i64 rather than clamp them.
    (f.abs() < 9.0e18).then(|| f.trunc() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreFailure;

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
    fn issued_and_last_seen_are_read_when_present() {
        let rec = record_from_item(&item(&[
            ("username", s("a")),
            ("expires_at", n("2000")),
            ("issued_at", n("1000.7")),
            ("last_seen_at", n("-5")),
        ]))
        .unwrap();
        assert_eq!((rec.issued_at, rec.last_seen_at), (Some(1000), Some(-5)));
        let rec =
            record_from_item(&item(&[("username", s("a")), ("expires_at", n("2000"))])).unwrap();
        assert_eq!((rec.issued_at, rec.last_seen_at), (None, None));
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
    fn malformed_items_are_record_invalid_with_their_cause() {
        let cases = [
            (item(&[("expires_at", n("1"))]), Cause::UsernameMissing),
            (
                item(&[("username", s("")), ("expires_at", n("1"))]),
                Cause::UsernameEmpty,
            ),
            (
                item(&[("username", n("5")), ("expires_at", n("1"))]),
                Cause::UsernameNotString,
            ),
            (item(&[("username", s("a"))]), Cause::ExpiresAtMissing),
            (
                item(&[("username", s("a")), ("expires_at", s("1700000000"))]),
                Cause::ExpiresAtNotNumber,
            ),
            (
                item(&[("username", s("a")), ("expires_at", n("soon"))]),
                Cause::ExpiresAtNotEpoch,
            ),
            (
                item(&[("username", s("a")), ("expires_at", n("1e300"))]),
                Cause::ExpiresAtNotEpoch,
            ),
            (
                item(&[
                    ("username", s("a")),
                    ("expires_at", AttributeValue::Bool(true)),
                ]),
                Cause::ExpiresAtNotNumber,
            ),
        ];
        let times = |name: &str, v| {
            item(&[
                ("username", s("a")),
                ("expires_at", n("9999999999")),
                (name, v),
            ])
        };
        let cases = cases.into_iter().chain([
            (times("issued_at", s("1")), Cause::IssuedAtNotNumber),
            (
                times("issued_at", n(&"9".repeat(38))),
                Cause::IssuedAtNotEpoch,
            ),
            (
                times("last_seen_at", AttributeValue::Bool(true)),
                Cause::LastSeenAtNotNumber,
            ),
            (
                times("last_seen_at", n(&"9".repeat(38))),
                Cause::LastSeenAtNotEpoch,
            ),
            (times("last_seen_at", n("1e300")), Cause::LastSeenAtNotEpoch),
        ]);
        for (case, cause) in cases {
            let err = record_from_item(&case).unwrap_err();
            assert_eq!(err.failure(), StoreFailure::RecordInvalid, "{case:?}");
            assert_eq!(err.cause(), cause, "{case:?}");
        }
    }
}
