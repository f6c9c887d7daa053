//! Reading the session token out of an HTTP request.
//!
//! This is the one place that knows where a client may put its session token and what a
//! well-formed token looks like. It is pure (a request's header values in, a verdict out)
//! so every rule can be tested without a network, and any byte in a value (control
//! characters, non-ASCII) is a clear "malformed" answer rather than an error path of its own.
//!
//! Sources, first present wins (a present but malformed source is an error, it never
//! falls through to the next one):
//! 1. the `x-dr-session` header,
//! 2. `Authorization: Bearer <token>` (other schemes are not a session token and are ignored),
//! 3. the session cookie (its name is configured), from every `Cookie` field (a payload 2.0
//!    event's `cookies` array arrives as one field per cookie, see [`crate::front_door`];
//!    where a front door joined repeated fields with `,`, VPC Lattice 1.0, they are split
//!    back; anywhere else a `,` is part of a cookie's value, as browsers send it).

use crate::vocabulary::vocabulary;
use std::fmt;

use std::borrow::Cow;

use crate::front_door::{is_tchar_token, HttpRequest};

/// The DR API's session header.
pub(crate) const SESSION_HEADER: &str = "x-dr-session";

/// Longest accepted token, in bytes, as a literal (for the message that states it).
macro_rules! max_token_len {
    () => {
        512
    };
}

/// Longest accepted token, in bytes. Anything longer is a malformed request, not a lookup.
pub(crate) const MAX_TOKEN_LEN: usize = max_token_len!();

/// A syntactically valid session token: 1 to [`MAX_TOKEN_LEN`] bytes of the RFC 6750 `b64token` set
/// (`A-Z a-z 0-9 - . _ ~ + /`) followed by optional `=` padding.
///
/// The only ways to get one are [`SessionToken::parse`] and [`SessionToken::generate`], so
/// holding a `SessionToken` means it has been validated. `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// Validates raw bytes as a token.
    pub fn parse(raw: &[u8]) -> Result<Self, Malformed> {
        if raw.is_empty() {
            return Err(Malformed::Empty);
        }
        if raw.len() > MAX_TOKEN_LEN {
            return Err(Malformed::TooLong);
        }
        let body_len = raw.len() - raw.iter().rev().take_while(|&&b| b == b'=').count();
        let body = &raw[..body_len];
        if body.is_empty() || !body.iter().all(|&b| is_token_byte(b)) {
            return Err(Malformed::BadCharacter);
        }
        // Every byte is ASCII, so this cannot fail; map rather than unwrap all the same.
        String::from_utf8(raw.to_vec())
            .map(SessionToken)
            .map_err(|_| Malformed::BadCharacter)
    }

    /// A fresh token of 256 bits from the operating system's CSPRNG, hex encoded (64 chars).
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(SessionToken(hex::encode(bytes)))
    }

    /// The token itself. Callers must not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// Where a token was found, in the order the sources are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Header,
    Bearer,
    Cookie,
}

vocabulary! {
    Source {
        Header => "header",
        Bearer => "bearer",
        Cookie => "cookie",
    }
}

/// The header fields the token rules read, one per [`Source`] (in its order): all a
/// request needs to keep ([`crate::front_door::HttpRequest::read`]).
pub const FIELDS: [&str; 3] = [
    Source::Header.field(),
    Source::Bearer.field(),
    Source::Cookie.field(),
];

impl Source {
    /// The header field the source is read from.
    pub const fn field(self) -> &'static str {
        match self {
            Source::Header => SESSION_HEADER,
            Source::Bearer => "authorization",
            Source::Cookie => "cookie",
        }
    }

    /// What a person calls it, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Source::Header => "x-dr-session header",
            Source::Bearer => "Authorization bearer token",
            Source::Cookie => "session cookie",
        }
    }
}

/// Why a present token was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    Empty,
    TooLong,
    BadCharacter,
    BadEncoding,
    Conflicting,
}

vocabulary! {
    Malformed {
        Empty => "empty",
        TooLong => "too_long",
        BadCharacter => "bad_character",
        BadEncoding => "bad_encoding",
        Conflicting => "conflicting",
    }
}

impl Malformed {
    /// A short human explanation; never contains the token.
    pub fn describe(self) -> &'static str {
        match self {
            Malformed::Empty => "it is empty",
            Malformed::TooLong => concat!("it is longer than ", max_token_len!(), " bytes"),
            Malformed::BadCharacter => {
                "it contains a character outside A-Z a-z 0-9 - . _ ~ + / (with optional trailing = padding)"
            }
            Malformed::BadEncoding => "its percent-encoding is invalid",
            Malformed::Conflicting => "it is given more than once with different values",
        }
    }
}

/// A present token source that is malformed: a 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenError {
    pub source: Source,
    pub reason: Malformed,
}

/// A cookie name as RFC 6265 allows it (an RFC 7230 `token`), validated once at init.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieName(String);

impl CookieName {
    pub fn parse(name: &str) -> Option<Self> {
        is_tchar_token(name).then(|| CookieName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for CookieName {
    fn default() -> Self {
        CookieName("session".to_owned())
    }
}

/// The token of the first present source, `None` if no source is present.
///
/// Every value of a source counts: repeated fields, comma-joined values (a token cannot
/// contain `,`, so a front door's joined list is split back into its values), every
/// `Cookie` field and every pair in it. Identical values are one token; different values
/// are `Conflicting`, so no proxy, injected cookie or header order decides which one wins.
pub fn extract(
    request: &HttpRequest<'_>,
    cookie_name: &CookieName,
) -> Result<Option<(Source, SessionToken)>, TokenError> {
    for &source in Source::ALL {
        let err = |reason| TokenError { source, reason };
        let Some(candidates) = candidates(request, source, cookie_name).map_err(err)? else {
            continue;
        };
        let Some((first, rest)) = candidates.split_first() else {
            return Err(err(Malformed::Empty));
        };
        if rest.iter().any(|c| c != first) {
            return Err(err(Malformed::Conflicting));
        }
        return SessionToken::parse(first)
            .map(|token| Some((source, token)))
            .map_err(err);
    }
    Ok(None)
}

/// Every value `source` carries in `request`; `None` when the source is absent.
fn candidates<'a>(
    request: &'a HttpRequest<'_>,
    source: Source,
    cookie_name: &CookieName,
) -> Result<Option<Vec<Cow<'a, [u8]>>>, Malformed> {
    let mut values = request.values(source.field()).peekable();
    Ok(match source {
        // Present even when every element is empty: that is an empty token, a 400.
        Source::Header => values.peek().is_some().then(|| {
            values
                .flat_map(list_elements)
                .map(|v| Cow::Borrowed(v.as_bytes()))
                .collect()
        }),
        Source::Bearer => {
            let found: Vec<_> = values
                .flat_map(list_elements_keeping_empty)
                .filter_map(bearer_credentials)
                .map(|v| Cow::Borrowed(v.as_bytes()))
                .collect();
            (!found.is_empty()).then_some(found)
        }
        Source::Cookie => {
            let mut found = Vec::new();
            // `;` separates pairs (RFC 6265 §4.2.1); `,` only where the front door joined
            // repeated `Cookie` fields with it (VPC Lattice 1.0). Elsewhere a `,` belongs to
            // a value (browsers accept it in one), so it can neither supply nor block a token.
            let separators: &[char] = if request.cookie_fields_comma_joined() {
                &[';', ',']
            } else {
                &[';']
            };
            for pair in values.flat_map(|v| v.split(separators)) {
                let Some((name, value)) = pair.split_once('=') else {
                    continue;
                };
                if trim(name) != cookie_name.as_str() {
                    continue;
                }
                let value = trim(value);
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                found.push(percent_decode(value.as_bytes())?);
            }
            (!found.is_empty()).then_some(found)
        }
    })
}

/// The non-empty elements of a comma-separated field value, trimmed (RFC 9110 §5.6.1:
/// empty list elements are ignored).
fn list_elements(value: &str) -> impl Iterator<Item = &str> {
    list_elements_keeping_empty(value).filter(|v| !v.is_empty())
}

fn list_elements_keeping_empty(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(trim)
}

/// Strips optional whitespace (SP / HTAB) around a value or cookie pair.
fn trim(v: &str) -> &str {
    v.trim_matches([' ', '\t'])
}

/// The credentials of an `Authorization` credential whose scheme is `Bearer` (any case);
/// `None` for any other scheme.
fn bearer_credentials(credential: &str) -> Option<&str> {
    let (scheme, rest) = credential
        .split_once([' ', '\t'])
        .unwrap_or((credential, ""));
    scheme.eq_ignore_ascii_case("bearer").then(|| trim(rest))
}

/// Decodes `%XX` escapes (cookie libraries write `+`, `/` and `=` that way); a `%` not
/// followed by two hex digits is `BadEncoding`.
fn percent_decode(v: &[u8]) -> Result<Cow<'_, [u8]>, Malformed> {
    let well_formed = v.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || v.get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return Err(Malformed::BadEncoding);
    }
    Ok(percent_encoding::percent_decode(v).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Malformed::*;
    use Source::{Bearer, Cookie, Header};

    const H: &str = "x-dr-session";
    const A: &str = "authorization";
    const C: &str = "cookie";

    type Got = Result<Option<(Source, String)>, TokenError>;

    #[test]
    fn fields_name_every_source() {
        let want: Vec<_> = Source::ALL.iter().map(|s| s.field()).collect();
        assert_eq!(FIELDS.to_vec(), want);
    }

    fn run(pairs: &[(&str, &str)]) -> Got {
        let request = HttpRequest::new("GET", pairs.to_vec());
        extract(&request, &CookieName::default()).map(|o| o.map(|(s, t)| (s, t.expose().into())))
    }

    fn err(source: Source, reason: Malformed) -> Got {
        Err(TokenError { source, reason })
    }

    fn ok(source: Source, token: &str) -> Got {
        Ok(Some((source, token.to_owned())))
    }

    #[test]
    fn no_source_is_no_token() {
        assert_eq!(run(&[]), Ok(None));
        assert_eq!(run(&[("accept", "application/json")]), Ok(None));
        assert_eq!(run(&[(C, "other=abc; theme=dark")]), Ok(None));
    }

    #[test]
    fn each_source_alone() {
        assert_eq!(run(&[(H, "abc123")]), ok(Header, "abc123"));
        assert_eq!(run(&[("X-DR-Session", "abc123")]), ok(Header, "abc123"));
        assert_eq!(run(&[(A, "Bearer abc123")]), ok(Bearer, "abc123"));
        assert_eq!(run(&[(A, "bEaReR   abc123 ")]), ok(Bearer, "abc123"));
        assert_eq!(
            run(&[(C, "a=1; session=abc123; b=2")]),
            ok(Cookie, "abc123")
        );
        assert_eq!(run(&[(C, "session=\"abc123\"")]), ok(Cookie, "abc123"));
    }

    #[test]
    fn first_present_source_wins() {
        let all = [
            (C, "session=fromcookie"),
            (A, "Bearer frombearer"),
            (H, "fromheader"),
        ];
        assert_eq!(run(&all), ok(Header, "fromheader"));
        assert_eq!(run(&all[..2]), ok(Bearer, "frombearer"));
    }

    #[test]
    fn malformed_source_does_not_fall_through() {
        assert_eq!(run(&[(H, ""), (A, "Bearer good")]), err(Header, Empty));
        assert_eq!(
            run(&[(A, "Bearer"), (C, "session=good")]),
            err(Bearer, Empty)
        );
        assert_eq!(
            run(&[(A, "Bearer "), (C, "session=good")]),
            err(Bearer, Empty)
        );
    }

    #[test]
    fn other_authorization_schemes_are_ignored() {
        assert_eq!(run(&[(A, "Basic dXNlcjpwYXNz")]), Ok(None));
        assert_eq!(
            run(&[(A, "Basic dXNlcjpwYXNz"), (C, "session=c")]),
            ok(Cookie, "c")
        );
        assert_eq!(run(&[(A, "Bearerabc")]), Ok(None));
    }

    #[test]
    fn token_charset_and_padding() {
        assert_eq!(run(&[(H, "aZ09-._~+/==")]), ok(Header, "aZ09-._~+/=="));
        for bad in ["ab=cd", "===", "a b", "a;b", "café", "\u{ff}\u{fe}"] {
            assert_eq!(run(&[(H, bad)]), err(Header, BadCharacter), "{bad}");
        }
        assert_eq!(run(&[(A, "Bearer \u{ff}")]), err(Bearer, BadCharacter));
    }

    #[test]
    fn length_limit_is_512_bytes() {
        assert_eq!(Malformed::TooLong.describe(), "it is longer than 512 bytes");
        let at = "a".repeat(512);
        let over = "a".repeat(513);
        assert_eq!(run(&[(H, &at)]), ok(Header, &"a".repeat(512)));
        assert_eq!(run(&[(H, &over)]), err(Header, TooLong));
        assert_eq!(
            run(&[(C, &format!("session={over}"))]),
            err(Cookie, TooLong)
        );
    }

    #[test]
    fn duplicates_must_agree() {
        assert_eq!(run(&[(H, "same"), (H, "same")]), ok(Header, "same"));
        assert_eq!(run(&[(H, "one"), (H, "two")]), err(Header, Conflicting));
        assert_eq!(
            run(&[(A, "Bearer one"), (A, "Bearer two")]),
            err(Bearer, Conflicting)
        );
        assert_eq!(
            run(&[(C, "session=one; session=two")]),
            err(Cookie, Conflicting)
        );
        assert_eq!(
            run(&[(C, "session=one"), (C, "session=two")]),
            err(Cookie, Conflicting)
        );
        assert_eq!(
            run(&[(C, "session=one"), (C, "x=1; session=one")]),
            ok(Cookie, "one")
        );
    }

    #[test]
    fn comma_joined_values_are_split_and_must_agree() {
        assert_eq!(run(&[(H, "tok,tok")]), ok(Header, "tok"));
        assert_eq!(run(&[(H, "tok , tok")]), ok(Header, "tok"));
        assert_eq!(run(&[(H, "tok,")]), ok(Header, "tok"));
        assert_eq!(run(&[(H, "one,two")]), err(Header, Conflicting));
        assert_eq!(run(&[(H, " , ")]), err(Header, Empty));
        assert_eq!(run(&[(A, "Bearer tok,Bearer tok")]), ok(Bearer, "tok"));
        assert_eq!(
            run(&[(A, "Bearer one, Bearer two")]),
            err(Bearer, Conflicting)
        );
        assert_eq!(
            run(&[(A, "Basic dXNlcjpwYXNz, Bearer tok")]),
            ok(Bearer, "tok")
        );
        assert_eq!(run(&[(A, "Bearer one"), (A, "Basic x")]), ok(Bearer, "one"));
    }

    #[test]
    fn every_cookie_field_counts_and_other_cookies_cannot_hide_it() {
        // HTTP/2 crumbs: one cookie per field, the session cookie not last.
        assert_eq!(
            run(&[(C, "session=one"), (C, "a=1"), (C, "b=2")]),
            ok(Cookie, "one")
        );
        // A neighbour with a control character or DEL is no reason to lose the session.
        assert_eq!(
            run(&[(C, "x=\u{1}\u{7f}"), (C, "session=one")]),
            ok(Cookie, "one")
        );
        let conflicting = [(C, "session=one"), (C, "session=\u{1}")];
        assert_eq!(run(&conflicting), err(Cookie, Conflicting));
    }

    #[test]
    fn cookie_fields_a_front_door_joined_with_commas_are_split_back() {
        let joined = |pairs: &[(&str, &str)]| {
            let request = HttpRequest::new("GET", pairs.to_vec()).with_comma_joined_cookies();
            extract(&request, &CookieName::default())
                .map(|o| o.map(|(s, t)| (s, t.expose().to_owned())))
        };
        assert_eq!(
            joined(&[(C, "a=1; b=2,session=one, c=3")]),
            ok(Cookie, "one")
        );
        assert_eq!(
            joined(&[(C, "session=one,session=two")]),
            err(Cookie, Conflicting)
        );
        assert_eq!(joined(&[(C, "session=one,junk")]), ok(Cookie, "one"));
        // Where no door joined fields, a comma is part of a value: it neither supplies a
        // token nor blocks one.
        assert_eq!(run(&[(C, "a=1; b=2,session=one, c=3")]), Ok(None));
        assert_eq!(run(&[(C, "prefs=a,session=one")]), Ok(None));
        assert_eq!(
            run(&[(C, "prefs=x,session=two; session=one")]),
            ok(Cookie, "one")
        );
        assert_eq!(run(&[(C, "session=one,junk")]), err(Cookie, BadCharacter));
    }

    #[test]
    fn cookies_are_percent_decoded_and_name_is_exact() {
        assert_eq!(run(&[(C, "session=ab%2Bc%2F%3D")]), ok(Cookie, "ab+c/="));
        assert_eq!(run(&[(C, "session=ab%2")]), err(Cookie, BadEncoding));
        assert_eq!(run(&[(C, "session=%zz")]), err(Cookie, BadEncoding));
        assert_eq!(run(&[(C, "session=%20a")]), err(Cookie, BadCharacter));
        assert_eq!(run(&[(C, "Session=abc; sessionx=abc")]), Ok(None));
        assert_eq!(run(&[(C, "session=")]), err(Cookie, Empty));
        assert_eq!(run(&[(C, "session")]), Ok(None));
    }

    #[test]
    fn configured_cookie_name_is_used() {
        let name = CookieName::parse("__Host-sid").unwrap();
        let h = HttpRequest::new("GET", vec![(C, "session=a; __Host-sid=b")]);
        let got = extract(&h, &name).unwrap().unwrap();
        assert_eq!((got.0, got.1.expose()), (Cookie, "b"));
    }

    #[test]
    fn cookie_names_are_validated() {
        assert!(CookieName::parse("session").is_some());
        for bad in ["", "a b", "a=b", "a;b"] {
            assert!(CookieName::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn debug_never_shows_the_token() {
        let t = SessionToken::parse(b"supersecret").unwrap();
        assert!(!format!("{t:?}").contains("supersecret"));
    }

    #[test]
    fn generated_tokens_are_valid_distinct_and_256_bits() {
        let a = SessionToken::generate().unwrap();
        let b = SessionToken::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 64);
        assert_eq!(SessionToken::parse(a.expose().as_bytes()), Ok(a));
    }
}
