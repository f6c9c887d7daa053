//! What a session is, independent of where it is stored.
//!
//! The table is keyed by a [`SessionKey`] derived from the token (SHA-256 by default, so a
//! leaked table does not leak usable tokens), and holds a [`SessionRecord`]: who the
//! session belongs to, when it stops being valid, when it was issued and last used. The
//! liveness rule lives here, once ([`SessionRecord::ended_at`] under a [`Policy`]):
//! DynamoDB's TTL deletes expired items only eventually, so expiry is decided in code, and
//! so are the operator's idle timeout and "not before" cut-off (README, "Session policy").

use std::fmt;

use sha2::{Digest, Sha256};

use crate::token::SessionToken;

/// How the table's partition key is derived from the token (`SESSION_TOKEN_HASH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyScheme {
    /// `session_id` = lowercase hex SHA-256 of the token's bytes.
    #[default]
    Sha256,
    /// `session_id` = the token itself, for existing tables that store it raw.
    Raw,
}

/// The partition key value for one token. `Debug` is redacted: the hash is not logged either.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKey(String);

impl SessionKey {
    pub fn derive(token: &SessionToken, scheme: KeyScheme) -> Self {
        match scheme {
            KeyScheme::Sha256 => SessionKey(hex::encode(Sha256::digest(token.expose().as_bytes()))),
            KeyScheme::Raw => SessionKey(token.expose().to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(<redacted>)")
    }
}

/// A non-empty user name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn new(name: impl Into<String>) -> Option<Self> {
        let name = name.into();
        (!name.is_empty()).then_some(Username(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A well-formed session record as stored: its owner, its expiry, and (where the login
/// service writes them) when it was issued and last used. Times are Unix epoch seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub username: Username,
    pub expires_at: i64,
    /// `issued_at`: when the login service created the session.
    pub issued_at: Option<i64>,
    /// `last_seen_at`: when the session was last used; `None` until its idle timer starts.
    pub last_seen_at: Option<i64>,
}

/// The operator's session policy beyond `expires_at` (`SESSION_IDLE_TIMEOUT`,
/// `SESSION_NOT_BEFORE`). The default ends nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// A session unused for this many seconds is no longer live.
    pub idle_timeout: Option<u32>,
    /// A session issued before this time (or with no `issued_at`) is no longer live.
    pub not_before: Option<i64>,
}

/// How far ahead of the function's clock a stored `issued_at` or `last_seen_at` may be
/// (clocks differ a little between hosts; more is a bug, such as milliseconds written as
/// seconds), and how far ahead `SESSION_NOT_BEFORE` may be at init.
pub const MAX_CLOCK_AHEAD: i64 = 5 * 60;

/// The furthest ahead a stored `expires_at` may be: ten years (3,653 days). Further is a
/// bug (milliseconds written as seconds), not a session.
pub const MAX_LIFETIME: i64 = 3653 * 86_400;

/// A stored time that cannot be right at the function's `now`: the session is refused as
/// an invalid record (500 `session_record_invalid`, loud in the store-errors alarm) rather
/// than trusted (a millisecond `expires_at` would never expire; a millisecond `last_seen_at`
/// would never go idle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implausible {
    /// `expires_at` is more than [`MAX_LIFETIME`] ahead.
    ExpiresAtTooFar,
    /// `issued_at` is more than [`MAX_CLOCK_AHEAD`] ahead.
    IssuedAtInFuture,
    /// `last_seen_at` is more than [`MAX_CLOCK_AHEAD`] ahead.
    LastSeenAtInFuture,
}

/// The longest a read with `SESSION_TOUCH` on lets `last_seen_at` grow stale before it
/// writes it again ([`touch_interval`]).
pub const MAX_TOUCH_INTERVAL: i64 = 60;

/// How stale `last_seen_at` may be before a read with `SESSION_TOUCH` on writes it again,
/// under `idle_timeout`: a minute, or a quarter of the timeout where that is shorter. So a
/// session used more often than every `idle_timeout - touch_interval` seconds (three
/// quarters of the timeout at least) always stays alive, whatever timeout init accepts,
/// and a client polling every second costs at most one write a minute.
pub fn touch_interval(idle_timeout: u32) -> i64 {
    i64::from(idle_timeout / 4).min(MAX_TOUCH_INTERVAL)
}

/// Which rule ended a stored session that is no longer live (a live one has none: see
/// [`SessionRecord::ended_at`], so "ended, but live" cannot be said).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// `expires_at` has passed.
    Expired,
    /// Issued before the policy's "not before" (every session ended at once).
    NotBefore,
    /// Unused for longer than the idle timeout.
    Idle,
}

impl SessionRecord {
    /// A record with no `issued_at` or `last_seen_at` (a login service that writes neither).
    pub fn new(username: Username, expires_at: i64) -> Self {
        SessionRecord {
            username,
            expires_at,
            issued_at: None,
            last_seen_at: None,
        }
    }

    /// The first of the record's times that cannot be right at `now`, if any: checked
    /// before any rule judges them.
    pub fn implausible_at(&self, now: i64) -> Option<Implausible> {
        let ahead = |t: i64, limit: i64| t.saturating_sub(now) > limit;
        if ahead(self.expires_at, MAX_LIFETIME) {
            Some(Implausible::ExpiresAtTooFar)
        } else if self.issued_at.is_some_and(|t| ahead(t, MAX_CLOCK_AHEAD)) {
            Some(Implausible::IssuedAtInFuture)
        } else if self.last_seen_at.is_some_and(|t| ahead(t, MAX_CLOCK_AHEAD)) {
            Some(Implausible::LastSeenAtInFuture)
        } else {
            None
        }
    }

    /// The rule that has ended the session at `now` under `policy`, `None` while it is
    /// live; the rules in this order: expiry, then "not before", then the idle timeout. A
    /// session is live strictly before each limit.
    pub fn ended_at(&self, now: i64, policy: &Policy) -> Option<Ended> {
        if self.expires_at <= now {
            return Some(Ended::Expired);
        }
        if let Some(not_before) = policy.not_before {
            if self.issued_at.is_none_or(|issued| issued < not_before) {
                return Some(Ended::NotBefore);
            }
        }
        if let (Some(idle), Some(seen)) = (policy.idle_timeout, self.last_seen_at) {
            if seen.saturating_add(i64::from(idle)) <= now {
                return Some(Ended::Idle);
            }
        }
        None
    }

    /// Whether a read at `now` should record activity (with `SESSION_TOUCH`, under
    /// `idle_timeout`): the idle timer has not started, or `last_seen_at` is more than
    /// [`touch_interval`] old.
    pub fn touch_due(&self, now: i64, idle_timeout: u32) -> bool {
        let interval = touch_interval(idle_timeout);
        self.last_seen_at
            .is_none_or(|seen| now.saturating_sub(seen) > interval)
    }
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_key_is_lowercase_hex_of_token_bytes() {
        let token = SessionToken::parse(b"abc").unwrap();
        assert_eq!(
            SessionKey::derive(&token, KeyScheme::Sha256).as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(SessionKey::derive(&token, KeyScheme::Raw).as_str(), "abc");
    }

    #[test]
    fn key_debug_is_redacted() {
        let token = SessionToken::parse(b"abc").unwrap();
        let key = SessionKey::derive(&token, KeyScheme::Raw);
        assert!(!format!("{key:?}").contains("abc"));
    }

    fn record(expires_at: i64, issued_at: Option<i64>, last_seen_at: Option<i64>) -> SessionRecord {
        SessionRecord {
            username: Username::new("alice").unwrap(),
            expires_at,
            issued_at,
            last_seen_at,
        }
    }

    #[test]
    fn each_rule_in_order_and_its_boundary() {
        let idle = Policy {
            idle_timeout: Some(1800),
            not_before: None,
        };
        let cutoff = Policy {
            idle_timeout: None,
            not_before: Some(1000),
        };
        let both = Policy {
            idle_timeout: Some(1800),
            not_before: Some(1000),
        };
        let now = 10_000;
        // Idle: live strictly before last_seen_at + timeout; no last_seen_at: not started.
        assert_eq!(
            record(now + 60, None, Some(now - 1799)).ended_at(now, &idle),
            None
        );
        assert_eq!(
            record(now + 60, None, Some(now - 1800)).ended_at(now, &idle),
            Some(Ended::Idle)
        );
        assert_eq!(record(now + 60, None, None).ended_at(now, &idle), None);
        // Off, last_seen_at is ignored.
        assert_eq!(
            record(now + 60, None, Some(0)).ended_at(now, &Policy::default()),
            None
        );
        // Not before: issued at the cut-off is live, earlier or unknown is not.
        assert_eq!(
            record(now + 60, Some(1000), None).ended_at(now, &cutoff),
            None
        );
        assert_eq!(
            record(now + 60, Some(999), None).ended_at(now, &cutoff),
            Some(Ended::NotBefore)
        );
        assert_eq!(
            record(now + 60, None, None).ended_at(now, &cutoff),
            Some(Ended::NotBefore)
        );
        // The order: expiry first, then not-before, then idle.
        assert_eq!(
            record(now, Some(0), Some(0)).ended_at(now, &both),
            Some(Ended::Expired)
        );
        assert_eq!(
            record(now + 1, Some(0), Some(0)).ended_at(now, &both),
            Some(Ended::NotBefore)
        );
        assert_eq!(
            record(now + 1, Some(2000), Some(0)).ended_at(now, &both),
            Some(Ended::Idle)
        );
        // Extreme values cannot overflow into "live".
        assert_eq!(
            record(now + 1, Some(i64::MAX), Some(i64::MIN)).ended_at(now, &both),
            Some(Ended::Idle)
        );
    }

    /// A client polling every second for 1,000 seconds under a 30-minute timeout: about 17
    /// writes (one a minute).
    #[test]
    fn polling_every_second_touches_once_a_minute() {
        let mut rec = record(i64::MAX, Some(0), None);
        let mut writes = 0;
        for now in 0..1000 {
            if rec.touch_due(now, 1800) {
                rec.last_seen_at = Some(now);
                writes += 1;
            }
        }
        assert_eq!(writes, 17);
        assert!(!record(0, None, Some(100)).touch_due(160, 1800));
        assert!(record(0, None, Some(100)).touch_due(161, 1800));
        assert!(record(0, None, None).touch_due(0, 1800));
    }

    /// Touch keeps a used session alive under every idle timeout init accepts (1 s to
    /// u32::MAX; here 2 s to two days, and the largest): a client reading every
    /// `idle - touch_interval(idle) - 1` seconds (every second for the shortest) for three
    /// timeouts never finds its session idle. (With a fixed one-minute interval, any timeout
    /// of a minute or less ended a polled session.)
    #[test]
    fn touch_keeps_a_used_session_alive_under_every_timeout() {
        let idles = (2..=600)
            .chain((601..=172_800).step_by(997))
            .chain([u32::MAX]);
        for idle in idles {
            let policy = Policy {
                idle_timeout: Some(idle),
                not_before: None,
            };
            let period = (i64::from(idle) - touch_interval(idle) - 1).max(1);
            let mut rec = record(i64::MAX, Some(0), Some(0));
            let mut now = 0;
            for _ in 0..(3 * i64::from(idle.min(4000)) / period).max(3) {
                now += period;
                assert_eq!(
                    rec.ended_at(now, &policy),
                    None,
                    "idle {idle}, period {period}, at {now}"
                );
                if rec.touch_due(now, idle) {
                    rec.last_seen_at = Some(now);
                }
            }
        }
        // The shortest timeout, 1 s: reads within the second keep it (each second's first
        // read writes).
        assert_eq!(touch_interval(1), 0);
        assert!(record(0, None, Some(10)).touch_due(11, 1));
        assert!(!record(0, None, Some(10)).touch_due(10, 1));
    }

    #[test]
    fn expiry_boundary() {
        let rec = record(100, None, None);
        let state = |now| rec.ended_at(now, &Policy::default());
        assert_eq!(state(99), None);
        assert_eq!(state(100), Some(Ended::Expired));
        assert_eq!(state(101), Some(Ended::Expired));
    }

    #[test]
    fn implausible_times_and_their_bounds() {
        let now = 1_700_000_000;
        let ok = record(now + MAX_LIFETIME, Some(now + 300), Some(now + 300));
        assert_eq!(ok.implausible_at(now), None);
        let cases = [
            (
                record(now + MAX_LIFETIME + 1, None, None),
                Implausible::ExpiresAtTooFar,
            ),
            // Milliseconds written as seconds.
            (record(now * 1000, None, None), Implausible::ExpiresAtTooFar),
            (
                record(now + 60, Some(now + 301), None),
                Implausible::IssuedAtInFuture,
            ),
            (
                record(now + 60, None, Some(now * 1000)),
                Implausible::LastSeenAtInFuture,
            ),
            (
                record(i64::MAX, Some(i64::MAX), Some(i64::MAX)),
                Implausible::ExpiresAtTooFar,
            ),
        ];
        for (rec, want) in cases {
            assert_eq!(rec.implausible_at(now), Some(want), "{rec:?}");
        }
        // Times in the past are never implausible (expiry and idleness judge them).
        assert_eq!(
            record(i64::MIN, Some(i64::MIN), Some(0)).implausible_at(now),
            None
        );
    }

    #[test]
    fn usernames_are_non_empty() {
        assert!(Username::new("").is_none());
        assert_eq!(Username::new("a").unwrap().as_str(), "a");
    }
}
