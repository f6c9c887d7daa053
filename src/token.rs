//! Reading the session token out of an HTTP request.
//!
//! This is the one place that knows where a client may put its session token and what a
//! well-formed token looks like. It is pure (headers in, a verdict out) so every rule can
//! be tested without a network, and it works on raw header bytes so that non-UTF-8 input
//! is a clear "malformed" answer rather than an error path of its own.
//!
//! Sources, first present wins (a present but malformed source is an error, it never
//! falls through to the next one):
//! 1. the `x-dr-session` header,
//! 2. `Authorization: Bearer <token>` (other schemes are not a session token and are ignored),
//! 3. the session cookie (its name is configured). `lambda_http` folds the `cookies`
//!    array of HTTP API v2 events into `Cookie` headers, so one parser serves v1, v2 and ALB.

use std::fmt;

use lambda_http::http::header::{AUTHORIZATION, COOKIE};
use lambda_http::http::{HeaderMap, HeaderName};

/// The DR API's session header.
pub const SESSION_HEADER: &str = "x-dr-session";

/// Longest accepted token, in bytes. Anything longer is a malformed request, not a lookup.
pub const MAX_TOKEN_LEN: usize = 512;

/// A syntactically valid session token: 1 to 512 bytes of the RFC 6750 `b64token` set
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
        Ok(SessionToken(hex(&bytes)))
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

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// Where a token was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Header,
    Bearer,
    Cookie,
}

impl Source {
    /// Stable name for logs and messages.
    pub fn as_str(self) -> &'static str {
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

impl Malformed {
    /// A short human explanation; never contains the token.
    pub fn describe(self) -> &'static str {
        match self {
            Malformed::Empty => "it is empty",
            Malformed::TooLong => "it is longer than 512 bytes",
            Malformed::BadCharacter => {
                "it contains a character outside A-Z a-z 0-9 - . _ ~ + / (with optional trailing = padding)"
            }
            Malformed::BadEncoding => "its percent-encoding is invalid",
            Malformed::Conflicting => "it is given more than once with different values",
        }
    }

    /// Stable name for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Malformed::Empty => "empty",
            Malformed::TooLong => "too_long",
            Malformed::BadCharacter => "bad_character",
            Malformed::BadEncoding => "bad_encoding",
            Malformed::Conflicting => "conflicting",
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
        let ok = !name.is_empty()
            && name.bytes().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b'!' | b'#'
                            | b'$'
                            | b'%'
                            | b'&'
                            | b'\''
                            | b'*'
                            | b'+'
                            | b'-'
                            | b'.'
                            | b'^'
                            | b'_'
                            | b'`'
                            | b'|'
                            | b'~'
                    )
            });
        ok.then(|| CookieName(name.to_owned()))
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
pub fn extract(
    headers: &HeaderMap,
    cookie_name: &CookieName,
) -> Result<Option<(Source, SessionToken)>, TokenError> {
    for source in [Source::Header, Source::Bearer, Source::Cookie] {
        let candidates = candidates(headers, source, cookie_name)
            .map_err(|reason| TokenError { source, reason })?;
        let Some(first) = candidates.first() else {
            continue;
        };
        if candidates.iter().any(|c| c != first) {
            return Err(TokenError {
                source,
                reason: Malformed::Conflicting,
            });
        }
        return SessionToken::parse(first)
            .map(|token| Some((source, token)))
            .map_err(|reason| TokenError { source, reason });
    }
    Ok(None)
}

/// Every raw value `source` carries in `headers` (empty when the source is absent).
fn candidates(
    headers: &HeaderMap,
    source: Source,
    cookie_name: &CookieName,
) -> Result<Vec<Vec<u8>>, Malformed> {
    Ok(match source {
        Source::Header => headers
            .get_all(HeaderName::from_static(SESSION_HEADER))
            .iter()
            .map(|v| trim(v.as_bytes()).to_vec())
            .collect(),
        Source::Bearer => headers
            .get_all(AUTHORIZATION)
            .iter()
            .filter_map(|v| bearer_credentials(v.as_bytes()))
            .map(<[u8]>::to_vec)
            .collect(),
        Source::Cookie => cookie_candidates(headers, cookie_name)?,
    })
}

/// Strips optional whitespace (SP / HTAB) around a header value or cookie pair.
fn trim(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(start, |i| i + 1);
    &v[start..end]
}

/// The credentials of an `Authorization` value whose scheme is `Bearer` (any case);
/// `None` for any other scheme.
fn bearer_credentials(value: &[u8]) -> Option<&[u8]> {
    let value = trim(value);
    let split = value
        .iter()
        .position(|b| matches!(b, b' ' | b'\t'))
        .unwrap_or(value.len());
    let (scheme, rest) = value.split_at(split);
    scheme.eq_ignore_ascii_case(b"bearer").then(|| trim(rest))
}

/// Every value of the session cookie across all `Cookie` headers, quotes removed and
/// percent-decoded.
fn cookie_candidates(headers: &HeaderMap, name: &CookieName) -> Result<Vec<Vec<u8>>, Malformed> {
    let mut found = Vec::new();
    for header in headers.get_all(COOKIE) {
        for pair in header.as_bytes().split(|&b| b == b';') {
            let pair = trim(pair);
            let Some(eq) = pair.iter().position(|&b| b == b'=') else {
                continue;
            };
            if trim(&pair[..eq]) != name.as_str().as_bytes() {
                continue;
            }
            let mut value = trim(&pair[eq + 1..]);
            if value.len() >= 2 && value.starts_with(b"\"") && value.ends_with(b"\"") {
                value = &value[1..value.len() - 1];
            }
            found.push(percent_decode(value)?);
        }
    }
    Ok(found)
}

/// Decodes `%XX` escapes, as cookie libraries commonly write `+`, `/` and `=` that way.
fn percent_decode(v: &[u8]) -> Result<Vec<u8>, Malformed> {
    if !v.contains(&b'%') {
        return Ok(v.to_vec());
    }
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'%' {
            let hi = v.get(i + 1).and_then(|&b| (b as char).to_digit(16));
            let lo = v.get(i + 2).and_then(|&b| (b as char).to_digit(16));
            match (hi, lo) {
                // Two hex digits are at most 0xff, so the narrowing is exact.
                (Some(hi), Some(lo)) => out.push((hi * 16 + lo) as u8),
                _ => return Err(Malformed::BadEncoding),
            }
            i += 3;
        } else {
            out.push(v[i]);
            i += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::HeaderValue;

    fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        map
    }

    fn run(pairs: &[(&str, &[u8])]) -> Result<Option<(Source, String)>, TokenError> {
        extract(&headers(pairs), &CookieName::default())
            .map(|o| o.map(|(s, t)| (s, t.expose().to_owned())))
    }

    fn err(source: Source, reason: Malformed) -> Result<Option<(Source, String)>, TokenError> {
        Err(TokenError { source, reason })
    }

    fn ok(source: Source, token: &str) -> Result<Option<(Source, String)>, TokenError> {
        Ok(Some((source, token.to_owned())))
    }

    #[test]
    fn no_source_is_no_token() {
        assert_eq!(run(&[]), Ok(None));
        assert_eq!(run(&[("accept", b"application/json")]), Ok(None));
        assert_eq!(run(&[("cookie", b"other=abc; theme=dark")]), Ok(None));
    }

    #[test]
    fn each_source_alone() {
        assert_eq!(
            run(&[("x-dr-session", b"abc123")]),
            ok(Source::Header, "abc123")
        );
        assert_eq!(
            run(&[("X-DR-Session", b"abc123")]),
            ok(Source::Header, "abc123")
        );
        assert_eq!(
            run(&[("authorization", b"Bearer abc123")]),
            ok(Source::Bearer, "abc123")
        );
        assert_eq!(
            run(&[("authorization", b"bEaReR   abc123 ")]),
            ok(Source::Bearer, "abc123")
        );
        assert_eq!(
            run(&[("cookie", b"a=1; session=abc123; b=2")]),
            ok(Source::Cookie, "abc123")
        );
        assert_eq!(
            run(&[("cookie", b"session=\"abc123\"")]),
            ok(Source::Cookie, "abc123")
        );
    }

    #[test]
    fn first_present_source_wins() {
        let all: &[(&str, &[u8])] = &[
            ("cookie", b"session=fromcookie"),
            ("authorization", b"Bearer frombearer"),
            ("x-dr-session", b"fromheader"),
        ];
        assert_eq!(run(all), ok(Source::Header, "fromheader"));
        assert_eq!(run(&all[..2]), ok(Source::Bearer, "frombearer"));
    }

    #[test]
    fn malformed_source_does_not_fall_through() {
        assert_eq!(
            run(&[("x-dr-session", b""), ("authorization", b"Bearer good")]),
            err(Source::Header, Malformed::Empty)
        );
        assert_eq!(
            run(&[("authorization", b"Bearer"), ("cookie", b"session=good")]),
            err(Source::Bearer, Malformed::Empty)
        );
        assert_eq!(
            run(&[("authorization", b"Bearer "), ("cookie", b"session=good")]),
            err(Source::Bearer, Malformed::Empty)
        );
    }

    #[test]
    fn other_authorization_schemes_are_ignored() {
        assert_eq!(run(&[("authorization", b"Basic dXNlcjpwYXNz")]), Ok(None));
        assert_eq!(
            run(&[
                ("authorization", b"Basic dXNlcjpwYXNz"),
                ("cookie", b"session=c")
            ]),
            ok(Source::Cookie, "c")
        );
        assert_eq!(run(&[("authorization", b"Bearerabc")]), Ok(None));
    }

    #[test]
    fn token_charset_and_padding() {
        assert_eq!(
            run(&[("x-dr-session", b"aZ09-._~+/==")]),
            ok(Source::Header, "aZ09-._~+/==")
        );
        assert_eq!(
            run(&[("x-dr-session", b"ab=cd")]),
            err(Source::Header, Malformed::BadCharacter)
        );
        assert_eq!(
            run(&[("x-dr-session", b"===")]),
            err(Source::Header, Malformed::BadCharacter)
        );
        assert_eq!(
            run(&[("x-dr-session", b"a b")]),
            err(Source::Header, Malformed::BadCharacter)
        );
        assert_eq!(
            run(&[("x-dr-session", b"a,b")]),
            err(Source::Header, Malformed::BadCharacter)
        );
        assert_eq!(
            run(&[("x-dr-session", b"caf\xc3\xa9")]),
            err(Source::Header, Malformed::BadCharacter)
        );
        assert_eq!(
            run(&[("x-dr-session", b"\xff\xfe")]),
            err(Source::Header, Malformed::BadCharacter)
        );
        assert_eq!(
            run(&[("authorization", b"Bearer \xff")]),
            err(Source::Bearer, Malformed::BadCharacter)
        );
    }

    #[test]
    fn length_limit_is_512_bytes() {
        let at = vec![b'a'; 512];
        let over = vec![b'a'; 513];
        assert_eq!(
            run(&[("x-dr-session", &at)]),
            ok(Source::Header, &"a".repeat(512))
        );
        assert_eq!(
            run(&[("x-dr-session", &over)]),
            err(Source::Header, Malformed::TooLong)
        );
        let mut cookie = b"session=".to_vec();
        cookie.extend_from_slice(&over);
        assert_eq!(
            run(&[("cookie", &cookie)]),
            err(Source::Cookie, Malformed::TooLong)
        );
    }

    #[test]
    fn duplicates_must_agree() {
        assert_eq!(
            run(&[("x-dr-session", b"same"), ("x-dr-session", b"same")]),
            ok(Source::Header, "same")
        );
        assert_eq!(
            run(&[("x-dr-session", b"one"), ("x-dr-session", b"two")]),
            err(Source::Header, Malformed::Conflicting)
        );
        assert_eq!(
            run(&[
                ("authorization", b"Bearer one"),
                ("authorization", b"Bearer two")
            ]),
            err(Source::Bearer, Malformed::Conflicting)
        );
        assert_eq!(
            run(&[("cookie", b"session=one; session=two")]),
            err(Source::Cookie, Malformed::Conflicting)
        );
        assert_eq!(
            run(&[("cookie", b"session=one"), ("cookie", b"session=two")]),
            err(Source::Cookie, Malformed::Conflicting)
        );
        assert_eq!(
            run(&[("cookie", b"session=one"), ("cookie", b"x=1; session=one")]),
            ok(Source::Cookie, "one")
        );
    }

    #[test]
    fn cookies_are_percent_decoded_and_name_is_exact() {
        assert_eq!(
            run(&[("cookie", b"session=ab%2Bc%2F%3D")]),
            ok(Source::Cookie, "ab+c/=")
        );
        assert_eq!(
            run(&[("cookie", b"session=ab%2")]),
            err(Source::Cookie, Malformed::BadEncoding)
        );
        assert_eq!(
            run(&[("cookie", b"session=%zz")]),
            err(Source::Cookie, Malformed::BadEncoding)
        );
        assert_eq!(
            run(&[("cookie", b"session=%20a")]),
            err(Source::Cookie, Malformed::BadCharacter)
        );
        assert_eq!(run(&[("cookie", b"Session=abc; sessionx=abc")]), Ok(None));
        assert_eq!(
            run(&[("cookie", b"session=")]),
            err(Source::Cookie, Malformed::Empty)
        );
        assert_eq!(run(&[("cookie", b"session")]), Ok(None));
    }

    #[test]
    fn configured_cookie_name_is_used() {
        let name = CookieName::parse("__Host-sid").unwrap();
        let h = headers(&[("cookie", b"session=a; __Host-sid=b")]);
        let got = extract(&h, &name).unwrap().unwrap();
        assert_eq!((got.0, got.1.expose()), (Source::Cookie, "b"));
    }

    #[test]
    fn cookie_names_are_validated() {
        assert!(CookieName::parse("session").is_some());
        assert!(CookieName::parse("").is_none());
        assert!(CookieName::parse("a b").is_none());
        assert!(CookieName::parse("a=b").is_none());
        assert!(CookieName::parse("a;b").is_none());
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

    #[test]
    fn hex_encodes_lowercase() {
        assert_eq!(hex(&[0x00, 0xab, 0xff, 0x10]), "00abff10");
    }
}
