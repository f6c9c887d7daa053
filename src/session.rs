//! What a session is, independent of where it is stored.
//!
//! The table is keyed by a [`SessionKey`] derived from the token (SHA-256 by default, so a
//! leaked table does not leak usable tokens), and holds a [`SessionRecord`]: who the
//! session belongs to and when it stops being valid. The liveness rule lives here, once:
//! DynamoDB's TTL deletes expired items only eventually, so expiry is decided in code.

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
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A well-formed session record as stored: its owner and its expiry (Unix epoch seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub username: Username,
    pub expires_at: i64,
}

impl SessionRecord {
    /// A session is live strictly before its expiry: `expires_at <= now` is no session.
    pub fn is_live_at(&self, now: i64) -> bool {
        self.expires_at > now
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

    #[test]
    fn expiry_boundary() {
        let rec = SessionRecord {
            username: Username::new("alice").unwrap(),
            expires_at: 100,
        };
        assert!(rec.is_live_at(99));
        assert!(!rec.is_live_at(100));
        assert!(!rec.is_live_at(101));
    }

    #[test]
    fn usernames_are_non_empty() {
        assert!(Username::new("").is_none());
        assert_eq!(Username::new("a").unwrap().as_str(), "a");
    }
}
