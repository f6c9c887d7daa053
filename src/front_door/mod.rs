//! The front doors: which AWS service sent an invocation, the HTTP request inside it, and
//! the response in the format that service expects back.
//!
//! Why the function reads events itself instead of letting `lambda_http` convert them: the
//! session token is a credential, and `lambda_http`'s conversion loses values. For REST API
//! (payload 1.0) and ALB events it `extend`s `multiValueHeaders` with `headers`, which keeps
//! only the last value of a repeated header; for HTTP API (payload 2.0) events it joins the
//! `cookies` array into one `Cookie` header and drops that whole header when any cookie holds
//! a byte a header value cannot; and an event holding such a byte in any header fails the
//! invocation (API Gateway then answers a bare 502). Here every value of every field is kept,
//! as the front door sent it, and no value's content can make reading fail: judging a value
//! is the token rules' job ([`crate::token`]).
//!
//! The shapes, each told by members only that front door sends (AWS's documentation of each
//! event), so that no event of one front door is read as another's, even with members
//! missing (`tests/properties.rs` checks it):
//! - `requestContext.elb`, an object: an ALB target group; `multiValueHeaders` when the
//!   target group has multi-value headers on, `headers` (the last value of each name) when off;
//! - `requestContext.http`: payload 2.0 (HTTP API, Lambda Function URLs): repeated headers
//!   joined with commas in `headers`, cookies in the `cookies` array;
//! - `requestContext.serviceNetworkArn`, `serviceArn` or `targetGroupArn`, or `version: "2.0"`
//!   with a top-level `method`: VPC Lattice, event structure version 2: every header a list
//!   of values;
//! - `raw_path` or `is_base64_encoded` (snake case): VPC Lattice, event structure version 1:
//!   repeated headers joined with commas in `headers`;
//! - `httpMethod` with `requestContext.apiId` or `version: "1.0"`: payload 1.0 (REST API, or
//!   an HTTP API with payload 1.0): every value in `multiValueHeaders`, one per name in
//!   `headers`. (`httpMethod` alone is not enough: an ALB's event has it too.)
//!
//! Each door's response format is in [`response`].

use crate::vocabulary::vocabulary;
use std::borrow::Cow;

use serde_json::value::RawValue;

use crate::event_json::{is_object, members, read, select, MaybeText, Text, TextList};

mod response;

pub use response::FrontDoorResponse;

/// The AWS service, and payload format, an invocation came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrontDoor {
    /// Payload format 1.0: API Gateway REST API, or an HTTP API route using payload 1.0.
    PayloadV1,
    /// Payload format 2.0: API Gateway HTTP API, Lambda Function URLs.
    PayloadV2,
    /// An Application Load Balancer target group (multi-value headers on or off).
    Alb,
    /// A VPC Lattice target group, Lambda event structure version 1.
    LatticeV1,
    /// A VPC Lattice target group, Lambda event structure version 2.
    LatticeV2,
}

vocabulary! {
    FrontDoor {
        PayloadV1 => "payload_v1",
        PayloadV2 => "payload_v2",
        Alb => "alb",
        LatticeV1 => "vpc_lattice_v1",
        LatticeV2 => "vpc_lattice_v2",
    }
}

/// The members of an invocation's event that tell its front door and carry its request,
/// each as raw JSON (read by [`HttpRequest::read`]); everything else in the event is
/// skipped unread, whatever its size or depth ([`crate::event_json`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Event<'a> {
    version: Option<&'a RawValue>,
    /// Payload 1.0's and the ALB's method.
    http_method: Option<&'a RawValue>,
    /// VPC Lattice's method (both versions).
    method: Option<&'a RawValue>,
    /// Members only VPC Lattice version 1 sends (`raw_path`, `is_base64_encoded`): present.
    lattice_v1: bool,
    /// `requestContext.elb` is an object.
    elb: bool,
    /// `requestContext.http`, present (of any type).
    http: Option<&'a RawValue>,
    /// `requestContext.apiId` (API Gateway's), present.
    api_id: bool,
    /// `requestContext.serviceNetworkArn`, `serviceArn` or `targetGroupArn` (VPC Lattice
    /// version 2's), present.
    lattice_context: bool,
    headers: Option<&'a RawValue>,
    multi_value_headers: Option<&'a RawValue>,
    cookies: Option<&'a RawValue>,
    /// API Gateway's authorizer members (`session-authorizer`'s events).
    authorizer: AuthorizerMembers<'a>,
}

/// The members only an API Gateway authorizer's event has (`type`, the ARN of the method or
/// route asked for, a `TOKEN` authorizer's identity-source value), as raw JSON.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AuthorizerMembers<'a> {
    /// `type`: `TOKEN` or `REQUEST`.
    pub(crate) kind: Option<&'a RawValue>,
    /// `methodArn` (REST API; HTTP API payload 1.0).
    pub(crate) method_arn: Option<&'a RawValue>,
    /// `routeArn` (HTTP API payload 2.0).
    pub(crate) route_arn: Option<&'a RawValue>,
    /// `authorizationToken` (REST API `TOKEN`).
    pub(crate) authorization_token: Option<&'a RawValue>,
}

impl<'a> Event<'a> {
    /// The event in `json`; `None` when it is not a JSON object (no front door sends that).
    pub fn parse(json: &'a str) -> Option<Self> {
        let [version, http_method, method, raw_path, is_base64_encoded, context, headers, multi_value_headers, cookies, kind, method_arn, route_arn, authorization_token] =
            members(
                json,
                [
                    "version",
                    "httpMethod",
                    "method",
                    "raw_path",
                    "is_base64_encoded",
                    "requestContext",
                    "headers",
                    "multiValueHeaders",
                    "cookies",
                    "type",
                    "methodArn",
                    "routeArn",
                    "authorizationToken",
                ],
            )?;
        let [elb, http, api_id, network, service, target_group] = context
            .filter(|c| is_object(c))
            .and_then(|c| {
                members(
                    c.get(),
                    [
                        "elb",
                        "http",
                        "apiId",
                        "serviceNetworkArn",
                        "serviceArn",
                        "targetGroupArn",
                    ],
                )
            })
            .unwrap_or_default();
        Some(Event {
            version,
            http_method,
            method,
            lattice_v1: raw_path.is_some() || is_base64_encoded.is_some(),
            elb: elb.is_some_and(is_object),
            http,
            api_id: api_id.is_some(),
            lattice_context: network.is_some() || service.is_some() || target_group.is_some(),
            headers,
            multi_value_headers,
            cookies,
            authorizer: AuthorizerMembers {
                kind,
                method_arn,
                route_arn,
                authorization_token,
            },
        })
    }

    pub(crate) fn version(&self) -> Option<Cow<'a, str>> {
        self.version.and_then(read::<Text>).map(|t| t.0)
    }

    pub(crate) fn authorizer(&self) -> &AuthorizerMembers<'a> {
        &self.authorizer
    }
}

impl FrontDoor {
    /// The front door whose shape `event` has, `None` for an event of no known shape.
    pub fn detect(event: &Event<'_>) -> Option<Self> {
        let version = event.version();
        let version = version.as_deref();
        if event.elb {
            Some(FrontDoor::Alb)
        } else if event.http.is_some() {
            Some(FrontDoor::PayloadV2)
        } else if event.lattice_context || (version == Some("2.0") && event.method.is_some()) {
            Some(FrontDoor::LatticeV2)
        } else if event.lattice_v1 {
            Some(FrontDoor::LatticeV1)
        } else if event.http_method.is_some() && (event.api_id || version == Some("1.0")) {
            Some(FrontDoor::PayloadV1)
        } else {
            None
        }
    }
}

/// Why an event of a known shape is not an HTTP request (a field of the wrong type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// The method is missing, not a string, or not an HTTP token.
    Method,
    /// `headers` is not an object of the front door's values (strings or null; VPC
    /// Lattice version 2: lists of them).
    Headers,
    /// `multiValueHeaders` is not an object of arrays of strings.
    MultiValueHeaders,
    /// `cookies` is not an array of strings.
    Cookies,
}

vocabulary! {
    Unreadable {
        Method => "bad_method",
        Headers => "bad_headers",
        MultiValueHeaders => "bad_multi_value_headers",
        Cookies => "bad_cookies",
    }
}

impl Unreadable {}

/// The HTTP request an event carries, as the token rules need it: the method, and every
/// value received of the header fields it was read for (a repeated header is several
/// fields; a payload 2.0 cookie is a `cookie` field of its own, like an HTTP/2 cookie
/// crumb). Borrowed from the event where its JSON holds the text unescaped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpRequest<'a> {
    method: Cow<'a, str>,
    fields: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// The front door joined repeated `Cookie` fields with `,` (VPC Lattice 1.0).
    cookie_fields_comma_joined: bool,
}

impl<'a> HttpRequest<'a> {
    /// A request from its parts (the token rules' unit tests).
    #[cfg(test)]
    pub(crate) fn new(method: &'a str, fields: Vec<(&'a str, &'a str)>) -> Self {
        HttpRequest {
            method: Cow::Borrowed(method),
            fields: fields
                .into_iter()
                .map(|(n, v)| (Cow::Borrowed(n), Cow::Borrowed(v)))
                .collect(),
            cookie_fields_comma_joined: false,
        }
    }

    /// A request of which only one header field is known: a REST API `TOKEN` authorizer's
    /// identity-source value (its method is not sent: empty).
    pub(crate) fn of_field(name: &'a str, value: Cow<'a, str>) -> Self {
        HttpRequest {
            method: Cow::Borrowed(""),
            fields: vec![(Cow::Borrowed(name), value)],
            cookie_fields_comma_joined: false,
        }
    }

    /// The same request, as VPC Lattice 1.0 sends it (repeated `Cookie` fields joined with
    /// commas).
    #[cfg(test)]
    pub(crate) fn with_comma_joined_cookies(mut self) -> Self {
        self.cookie_fields_comma_joined = true;
        self
    }

    /// Reads the request out of an event of shape `door`, keeping the header fields named
    /// in `names` (any case; the token rules' [`crate::token::FIELDS`]): one pass over each
    /// member, whose other values are only checked to be of the right type (a wrongly typed
    /// header is still unreadable) and cost nothing more, however many there are.
    pub fn read<const N: usize>(
        door: FrontDoor,
        event: &Event<'a>,
        names: &[&str; N],
    ) -> Result<Self, Unreadable> {
        let method = match door {
            FrontDoor::PayloadV2 => event
                .http
                .filter(|h| is_object(h))
                .and_then(|h| members(h.get(), ["method"]))
                .and_then(|[m]| m),
            FrontDoor::PayloadV1 | FrontDoor::Alb => event.http_method,
            FrontDoor::LatticeV1 | FrontDoor::LatticeV2 => event.method,
        }
        .and_then(read::<Text>)
        .map(|t| t.0)
        .filter(|m| is_tchar_token(m))
        .ok_or(Unreadable::Method)?;

        let mut fields = Vec::new();
        match door {
            // Every header a list of values; no other member carries any.
            FrontDoor::LatticeV2 => {
                let headers = member(event.headers, |raw| select::<TextList>(raw, names))
                    .ok_or(Unreadable::Headers)?;
                for (_, name, TextList(values)) in headers.map(|s| s.0).unwrap_or_default() {
                    fields.extend(values.into_iter().map(|v| (name.clone(), v)));
                }
            }
            // One string per name, repeated fields comma-joined (the token rules split them).
            FrontDoor::LatticeV1 => {
                let headers = member(event.headers, |raw| select::<MaybeText>(raw, names))
                    .ok_or(Unreadable::Headers)?;
                for (_, name, MaybeText(value)) in headers.map(|s| s.0).unwrap_or_default() {
                    fields.extend(value.map(|v| (name, v)));
                }
            }
            FrontDoor::PayloadV1 | FrontDoor::PayloadV2 | FrontDoor::Alb => {
                read_api_gateway_or_alb(event, names, &mut fields)?;
            }
        }
        Ok(HttpRequest {
            method,
            fields,
            cookie_fields_comma_joined: door == FrontDoor::LatticeV1,
        })
    }

    pub fn method(&self) -> &str {
        &self.method
    }

    /// Whether the front door joined repeated `Cookie` fields with `,` (VPC Lattice 1.0,
    /// as AWS documents its event structure version 1), so that a `,` separates cookies;
    /// elsewhere it is part of a cookie's value.
    pub fn cookie_fields_comma_joined(&self) -> bool {
        self.cookie_fields_comma_joined
    }

    /// Every value of the header `name` (any case), in the order received.
    pub fn values<'r>(&'r self, name: &'r str) -> impl Iterator<Item = &'r str> + 'r {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

/// The header fields of an API Gateway or ALB event: `headers`, `multiValueHeaders` and
/// payload 2.0's `cookies`, as [`HttpRequest::read`] keeps them.
fn read_api_gateway_or_alb<'a, const N: usize>(
    event: &Event<'a>,
    names: &[&str; N],
    fields: &mut Vec<(Cow<'a, str>, Cow<'a, str>)>,
) -> Result<(), Unreadable> {
    let headers =
        member(event.headers, |raw| select::<MaybeText>(raw, names)).ok_or(Unreadable::Headers)?;
    let multi = member(event.multi_value_headers, |raw| {
        select::<TextList>(raw, names)
    })
    .ok_or(Unreadable::MultiValueHeaders)?;
    let cookies = member(event.cookies, read::<TextList>).ok_or(Unreadable::Cookies)?;

    // Payload 1.0 repeats in `headers` one value of what `multiValueHeaders` holds in
    // full (REST API: the last; HTTP API 1.0: all, comma-joined): a name listed there
    // (in any case) is read from there alone.
    // `listed`: bit i set when `names[i]` is in `multiValueHeaders` (no allocation); the
    // compiler refuses more than 64 names.
    const { assert!(N <= 64, "at most 64 names to keep") };
    let mut listed = 0u64;
    for (i, name, TextList(values)) in multi.map(|s| s.0).unwrap_or_default() {
        listed |= 1 << i;
        fields.extend(values.into_iter().map(|v| (name.clone(), v)));
    }
    for (i, name, MaybeText(value)) in headers.map(|s| s.0).unwrap_or_default() {
        if let (Some(value), false) = (value, listed & (1 << i) != 0) {
            fields.push((name, value));
        }
    }
    if names.iter().any(|n| n.eq_ignore_ascii_case("cookie")) {
        let cookies = cookies.map(|c| c.0).unwrap_or_default();
        fields.extend(cookies.into_iter().map(|c| (Cow::Borrowed("cookie"), c)));
    }
    Ok(())
}

/// A non-empty RFC 9110 `token` (`1*tchar`): what an HTTP method and a cookie name are.
pub(crate) fn is_tchar_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// An optional member read by `read`: `Some(None)` when absent or null, `None` when of
/// another shape.
fn member<'a, T>(
    raw: Option<&'a RawValue>,
    read: impl FnOnce(&'a RawValue) -> Option<T>,
) -> Option<Option<T>> {
    match raw {
        None => Some(None),
        Some(raw) if raw.get() == "null" => Some(None),
        Some(raw) => read(raw).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    type Fields = Result<Vec<(String, String)>, Unreadable>;

    /// The names these tests read (beside the token rules' own, two others).
    const NAMES: &[&str; 5] = &[
        "x-dr-session",
        "authorization",
        "cookie",
        "accept",
        "x-other",
    ];

    fn detect(event: &Value) -> Option<FrontDoor> {
        FrontDoor::detect(&Event::parse(&event.to_string())?)
    }

    fn read(event: Value) -> (FrontDoor, Fields, String) {
        let json = event.to_string();
        let event = Event::parse(&json).unwrap();
        let door = FrontDoor::detect(&event).expect("a known shape");
        let req = HttpRequest::read(door, &event, NAMES);
        let method = req
            .as_ref()
            .map(|r| r.method().to_owned())
            .unwrap_or_default();
        let fields = req.map(|r| {
            r.fields
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        });
        (door, fields, method)
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn shapes_are_told_apart() {
        let alb = json!({"requestContext": {"elb": {"targetGroupArn": "x"}}, "httpMethod": "GET"});
        let v2 = json!({"version": "2.0", "requestContext": {"http": {"method": "GET"}}});
        let url = json!({"requestContext": {"http": {"method": "GET"}}});
        let v1 = json!({"httpMethod": "GET", "requestContext": {"apiId": "a"}});
        let http_v1 = json!({"version": "1.0", "httpMethod": "GET"});
        let lattice_v2 =
            json!({"version": "2.0", "method": "GET", "requestContext": {"targetGroupArn": "x"}});
        let lattice_v2_bare = json!({"version": "2.0", "method": "GET", "path": "/"});
        let lattice_v1 = json!({"raw_path": "/", "method": "GET"});
        let lattice_v1_body = json!({"method": "GET", "is_base64_encoded": false});
        assert_eq!(detect(&alb), Some(FrontDoor::Alb));
        assert_eq!(detect(&v2), Some(FrontDoor::PayloadV2));
        assert_eq!(detect(&url), Some(FrontDoor::PayloadV2));
        assert_eq!(detect(&v1), Some(FrontDoor::PayloadV1));
        assert_eq!(detect(&http_v1), Some(FrontDoor::PayloadV1));
        assert_eq!(detect(&lattice_v2), Some(FrontDoor::LatticeV2));
        assert_eq!(detect(&lattice_v2_bare), Some(FrontDoor::LatticeV2));
        assert_eq!(detect(&lattice_v1), Some(FrontDoor::LatticeV1));
        assert_eq!(detect(&lattice_v1_body), Some(FrontDoor::LatticeV1));
        for unknown in [
            json!({}),
            json!([]),
            json!("GET"),
            json!(null),
            json!({"Records": []}),
            // No member of a front door's own: an ALB's event without `elb`, a payload
            // 2.0 event without `requestContext.http`, Lattice 2.0 without its markers.
            json!({"httpMethod": "GET", "headers": {}}),
            json!({"version": "2.0", "headers": {}}),
            json!({"method": "GET", "path": "/"}),
            json!({"requestContext": {"elb": "x"}, "httpMethod": "GET"}),
        ] {
            assert_eq!(detect(&unknown), None, "{unknown}");
        }
    }

    #[test]
    fn lattice_v2_keeps_every_listed_value() {
        let (door, fields, method) = read(json!({
            "version": "2.0", "method": "GET", "path": "/session",
            "headers": {"x-dr-session": ["a", "b"], "cookie": ["s=1", "t=2"], "accept": "x", "x-other": null},
            "requestContext": {"serviceNetworkArn": "arn"}
        }));
        assert_eq!((door, method.as_str()), (FrontDoor::LatticeV2, "GET"));
        assert_eq!(
            fields.unwrap(),
            // In document order (`json!` sorts an object's members).
            pairs(&[
                ("accept", "x"),
                ("cookie", "s=1"),
                ("cookie", "t=2"),
                ("x-dr-session", "a"),
                ("x-dr-session", "b")
            ])
        );
    }

    #[test]
    fn lattice_v1_keeps_comma_joined_values_and_nothing_else() {
        let (door, fields, method) = read(json!({
            "raw_path": "/session", "method": "GET", "is_base64_encoded": false,
            "headers": {"x-dr-session": "a,b", "cookie": "s=1,t=2"},
            // Not members of this front door's events: never read.
            "multiValueHeaders": {"x-dr-session": ["c"]}, "cookies": ["u=3"]
        }));
        assert_eq!((door, method.as_str()), (FrontDoor::LatticeV1, "GET"));
        assert_eq!(
            fields.unwrap(),
            pairs(&[("cookie", "s=1,t=2"), ("x-dr-session", "a,b")])
        );
    }

    #[test]
    fn payload_v1_prefers_every_value_of_multi_value_headers() {
        let (_, fields, method) = read(json!({
            "httpMethod": "GET",
            "requestContext": {"apiId": "a"},
            "headers": {"X-DR-Session": "b", "accept": "x"},
            "multiValueHeaders": {"X-DR-Session": ["a", "b"], "cookie": ["s=1", "t=2"]}
        }));
        assert_eq!(method, "GET");
        assert_eq!(
            fields.unwrap(),
            pairs(&[
                ("X-DR-Session", "a"),
                ("X-DR-Session", "b"),
                ("cookie", "s=1"),
                ("cookie", "t=2"),
                ("accept", "x")
            ])
        );
    }

    #[test]
    fn payload_v2_keeps_comma_joined_headers_and_each_cookie() {
        let (_, fields, _) = read(json!({
            "version": "2.0",
            "headers": {"x-dr-session": "a,b"},
            "cookies": ["s=1", "t=\u{1}"],
            "requestContext": {"http": {"method": "GET"}}
        }));
        assert_eq!(
            fields.unwrap(),
            pairs(&[
                ("x-dr-session", "a,b"),
                ("cookie", "s=1"),
                ("cookie", "t=\u{1}")
            ])
        );
    }

    #[test]
    fn control_and_non_ascii_values_are_kept_not_fatal() {
        let (_, fields, _) = read(json!({
            "version": "1.0",
            "httpMethod": "GET",
            "headers": {"x-other": "\u{0}\u{7f}é", "x-dr-session": null}
        }));
        assert_eq!(fields.unwrap(), pairs(&[("x-other", "\u{0}\u{7f}é")]));
    }

    #[test]
    fn wrongly_typed_fields_are_unreadable() {
        // Each line: why the event is unreadable (`Unreadable::as_str`), then the event.
        let cases = r#"
            bad_method {"httpMethod": 5, "requestContext": {"apiId": "a"}}
            bad_method {"httpMethod": "", "requestContext": {"apiId": "a"}}
            bad_method {"httpMethod": "G T", "requestContext": {"apiId": "a"}}
            bad_method {"version": "2.0", "requestContext": {"http": {}}}
            bad_headers {"httpMethod": "GET", "requestContext": {"apiId": "a"}, "headers": []}
            bad_headers {"httpMethod": "GET", "requestContext": {"apiId": "a"}, "headers": {"a": 1}}
            bad_multi_value_headers {"httpMethod": "GET", "requestContext": {"apiId": "a"}, "multiValueHeaders": {"a": [1]}}
            bad_multi_value_headers {"httpMethod": "GET", "requestContext": {"apiId": "a"}, "multiValueHeaders": {"a": {}}}
            bad_cookies {"version": "2.0", "requestContext": {"http": {"method": "GET"}}, "cookies": [true]}
            bad_cookies {"version": "2.0", "requestContext": {"http": {"method": "GET"}}, "cookies": 1}
            bad_method {"version": "2.0", "method": 1}
            bad_method {"raw_path": "/", "method": null}
            bad_headers {"version": "2.0", "method": "GET", "headers": {"a": [1]}}
            bad_headers {"version": "2.0", "method": "GET", "headers": ["a"]}
            bad_headers {"raw_path": "/", "method": "GET", "headers": {"a": ["b"]}}
        "#;
        for (want, json) in cases
            .trim()
            .lines()
            .filter_map(|l| l.trim().split_once(' '))
        {
            let event = Event::parse(json).unwrap();
            let door = FrontDoor::detect(&event).unwrap();
            let got = HttpRequest::read(door, &event, NAMES).err();
            assert_eq!(got.map(Unreadable::as_str), Some(want), "{json}");
        }
        // A lone string where a list is expected is one value, not an error.
        let http = json!({"http": {"method": "GET"}});
        let (_, fields, _) =
            read(json!({"version": "2.0", "requestContext": http, "cookies": "s=1"}));
        assert_eq!(fields.unwrap(), pairs(&[("cookie", "s=1")]));
    }

    #[test]
    fn values_match_names_in_any_case() {
        let req = HttpRequest::new(
            "GET",
            vec![("Cookie", "a=1"), ("cookie", "b=2"), ("x", "y")],
        );
        assert_eq!(req.values("cookie").collect::<Vec<_>>(), ["a=1", "b=2"]);
    }
}
