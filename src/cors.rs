//! Cross-origin requests from browser pages (`SESSION_ALLOWED_ORIGINS`): which origins may
//! read the answers, the preflight, and the headers every answer to such a page carries.
//!
//! Why a module of its own: a page on `app.example.com` calling `api.example.com` can read an
//! answer only if it carries CORS headers naming its origin, and sends `x-dr-session`,
//! `Authorization` or `DELETE` only after a preflight (`OPTIONS`) says it may. An HTTP API
//! with CORS configured does both itself; behind a REST API (Lambda proxy), an ALB, VPC
//! Lattice or a Function URL without its own CORS, only the function can. The rules are
//! few but exact (an exact origin, never `*` with credentials, `Vary: Origin`), and both
//! `/session` functions apply them the same way, so they are written here once. With no
//! origins configured nothing here runs and no answer changes.

use lambda_http::http::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE,
    CACHE_CONTROL, VARY,
};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

use crate::front_door::HttpRequest;

/// The request headers a page may send (`Access-Control-Allow-Headers`): the token's.
pub const ALLOW_HEADERS: &str = "x-dr-session, authorization";
/// How long a browser may reuse a preflight's answer (`Access-Control-Max-Age`), seconds.
pub const MAX_AGE: &str = "600";

/// The header fields CORS reads, besides the token's.
pub const FIELDS: [&str; 2] = ["origin", "access-control-request-method"];

/// `SESSION_ALLOWED_ORIGINS`: the exact origins whose pages may read the answers, with
/// credentials. Empty: no CORS at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    /// A comma-separated list of origins (`https://app.example.com`, with a port where it is
    /// not the scheme's default); `Err` says what is wrong with the first bad entry. `*` is
    /// refused: browsers refuse it with credentials, and credentials are always allowed.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut origins = Vec::new();
        for entry in list.split(',').map(str::trim) {
            let origin = parse_origin(entry)?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Ok(AllowedOrigins(origins))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The origins, as configured (normalised to lower case).
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// The request's origin, where the request has exactly one `Origin` and it is allowed.
    pub(crate) fn allowed<'r>(&self, request: &'r HttpRequest<'_>) -> Option<&'r str> {
        if self.0.is_empty() {
            return None;
        }
        let mut values = request.values("origin");
        let origin = values.next()?;
        if values.any(|other| other != origin) {
            return None;
        }
        self.0.iter().any(|o| o == origin).then_some(origin)
    }
}

/// One origin, `scheme "://" host [":" port]` (RFC 6454's serialisation, as browsers send
/// it in `Origin`), normalised to lower case.
fn parse_origin(entry: &str) -> Result<String, String> {
    let wrong = |why: &str| Err(format!("has {entry:?}, which {why}"));
    if entry.is_empty() {
        return wrong(
            "is empty (a list of origins such as `https://app.example.com`, comma-separated)",
        );
    }
    if entry.contains('*') {
        return wrong("is a wildcard: list each origin exactly (browsers refuse `*` with credentials, which are always allowed)");
    }
    let lower = entry.to_ascii_lowercase();
    let Some((scheme, rest)) = lower.split_once("://") else {
        return wrong("is not an origin (`https://host` or `http://host:port`)");
    };
    if scheme != "https" && scheme != "http" {
        return wrong("is not an http or https origin");
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (rest, None),
    };
    let host_ok = !host.is_empty()
        && (host.starts_with('[') && host.ends_with(']') && host.len() > 2
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'));
    if !host_ok {
        return wrong(
            "is not an origin: a scheme and a host, with no path, query or trailing slash",
        );
    }
    match port {
        None => {}
        Some(p) if p.parse::<u16>().is_ok_and(|n| n > 0) && !p.starts_with('0') => {
            let default = if scheme == "https" { "443" } else { "80" };
            if p == default {
                return wrong("names its scheme's default port: browsers leave it out of Origin, so list the origin without it");
            }
        }
        Some(_) => return wrong("has a port that is not a number from 1 to 65535"),
    }
    Ok(lower)
}

/// Whether `request` is a CORS preflight: `OPTIONS` with `Access-Control-Request-Method`.
pub(crate) fn is_preflight(request: &HttpRequest<'_>) -> bool {
    request.method() == "OPTIONS"
        && request
            .values("access-control-request-method")
            .next()
            .is_some()
}

/// `204` to a preflight from an allowed origin: the methods of `/session` this deployment
/// serves, the token's headers, credentials, and how long to keep the answer.
pub(crate) fn preflight(origin: &str, methods: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(methods),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOW_HEADERS),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
    allow(&mut response, origin);
    response
}

/// Lets the page of `origin` read `response` (with credentials): `Access-Control-Allow-
/// Origin`, `-Allow-Credentials`, and `Vary: Origin` (the answer differs by origin).
pub(crate) fn allow(response: &mut Response<Body>, origin: &str) {
    // An allowed origin is one of the configured ones: a valid header value.
    let Ok(origin) = HeaderValue::from_str(origin) else {
        return;
    };
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.insert(VARY, HeaderValue::from_static("Origin"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_exact_and_never_a_wildcard() {
        let ok = AllowedOrigins::parse(
            "https://app.example.com, http://localhost:5173,HTTPS://Admin.Example.com,https://[::1]:8443",
        )
        .unwrap();
        assert_eq!(
            ok.as_slice(),
            [
                "https://app.example.com",
                "http://localhost:5173",
                "https://admin.example.com",
                "https://[::1]:8443"
            ]
        );
        for bad in [
            "*",
            "https://*.example.com",
            "app.example.com",
            "https://app.example.com/",
            "https://app.example.com/path",
            "ftp://app.example.com",
            "https://",
            "https://app.example.com:0",
            "https://app.example.com:65536",
            "https://app.example.com:x",
            "https://app.example.com:443",
            "http://app.example.com:80",
            "https://user@app.example.com",
            "https://app.example.com?x",
            "null",
            "https://a.example.com,,https://b.example.com",
        ] {
            assert!(AllowedOrigins::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_one_listed_origin_is_allowed() {
        let origins = AllowedOrigins::parse("https://app.example.com").unwrap();
        let request = |fields| HttpRequest::new("GET", fields);
        assert_eq!(
            origins.allowed(&request(vec![("Origin", "https://app.example.com")])),
            Some("https://app.example.com")
        );
        for fields in [
            vec![],
            vec![("origin", "https://evil.example.com")],
            vec![("origin", "https://app.example.com.evil.com")],
            vec![("origin", "https://APP.example.com")],
            vec![("origin", "null")],
            vec![
                ("origin", "https://app.example.com"),
                ("origin", "https://evil.example.com"),
            ],
        ] {
            assert_eq!(
                origins.allowed(&request(fields.clone())),
                None,
                "{fields:?}"
            );
        }
        assert_eq!(
            AllowedOrigins::default()
                .allowed(&request(vec![("origin", "https://app.example.com")])),
            None
        );
    }
}
