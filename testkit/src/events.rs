//! The sample events in `events/` (the same files users invoke), events of every front
//! door's shape built from them, and events grown toward Lambda's 6 MB payload limit in
//! each way an event can grow.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use get_session::FrontDoor;

/// The token `events/*.json` carry; tests seed it as user `demo`.
pub const DEMO_TOKEN: &str = "demo-session-token-0123456789abcdef";

/// `events/`, where the sample events and their expected answers live.
pub fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// A sample event's JSON text, by its path under `events/`.
pub fn fixture_text(rel: &str) -> String {
    let path = events_dir().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// A sample event, by its path under `events/` (not for the deeply nested ones, which
/// `serde_json::Value` cannot hold: use [`fixture_text`]).
pub fn fixture(rel: &str) -> Value {
    serde_json::from_str(&fixture_text(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every sample event file, as paths under `events/` (expected.json excluded), sorted.
pub fn fixture_files() -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "json")
                && path.file_name() != Some("expected.json".as_ref())
            {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy();
                out.push(rel.replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(&events_dir(), &events_dir(), &mut out);
    out.sort();
    out
}

/// `events/expected.json`: the answer each sample event must get.
pub fn expected() -> serde_json::Map<String, Value> {
    match fixture("expected.json").get("events") {
        Some(Value::Object(events)) => events.clone(),
        _ => panic!("expected.json has an `events` object"),
    }
}

/// The front doors the function is deployed behind, each with its way of putting header
/// fields into an event (as AWS documents it). [`Shape::ALL`] is checked against the
/// directories of `events/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// REST API: every value in `multiValueHeaders`, the last in `headers`.
    RestV1,
    /// HTTP API, payload 1.0: every value in `multiValueHeaders`, comma-joined in `headers`.
    HttpV1,
    /// HTTP API, payload 2.0: comma-joined `headers`, cookies in the `cookies` array.
    HttpV2,
    /// Lambda Function URL (payload 2.0).
    FunctionUrl,
    /// ALB, multi-value headers off: the last value of each header in `headers`.
    Alb,
    /// ALB, multi-value headers on: every value in `multiValueHeaders`.
    AlbMultiValue,
    /// VPC Lattice, event structure version 1: comma-joined `headers`.
    LatticeV1,
    /// VPC Lattice, event structure version 2: a list of values per name in `headers`.
    LatticeV2,
}

impl Shape {
    pub const ALL: &'static [Shape] = &[
        Shape::RestV1,
        Shape::HttpV1,
        Shape::HttpV2,
        Shape::FunctionUrl,
        Shape::Alb,
        Shape::AlbMultiValue,
        Shape::LatticeV1,
        Shape::LatticeV2,
    ];

    pub fn dir(self) -> &'static str {
        match self {
            Shape::RestV1 => "apigw-rest-v1",
            Shape::HttpV1 => "apigw-http-v1",
            Shape::HttpV2 => "apigw-http-v2",
            Shape::FunctionUrl => "function-url",
            Shape::Alb => "alb",
            Shape::AlbMultiValue => "alb-multi-value",
            Shape::LatticeV1 => "vpc-lattice-v1",
            Shape::LatticeV2 => "vpc-lattice-v2",
        }
    }

    /// The shape of a sample event, by its directory.
    pub fn of_fixture(rel: &str) -> Shape {
        let dir = rel.split('/').next().unwrap_or_default();
        Shape::of_dir(dir).unwrap_or_else(|| panic!("no shape for {rel}"))
    }

    /// The shape whose sample events are in `events/<dir>/`.
    pub fn of_dir(dir: &str) -> Option<Shape> {
        Shape::ALL.iter().copied().find(|s| s.dir() == dir)
    }

    /// The front door the function must detect for this shape.
    pub fn door(self) -> FrontDoor {
        match self {
            Shape::RestV1 | Shape::HttpV1 => FrontDoor::PayloadV1,
            Shape::HttpV2 | Shape::FunctionUrl => FrontDoor::PayloadV2,
            Shape::Alb | Shape::AlbMultiValue => FrontDoor::Alb,
            Shape::LatticeV1 => FrontDoor::LatticeV1,
            Shape::LatticeV2 => FrontDoor::LatticeV2,
        }
    }

    /// Whether the front door delivers every value of a repeated header.
    pub fn keeps_repeated_values(self) -> bool {
        self != Shape::Alb
    }

    /// This shape's sample event with `method` and the header fields `fields` (in the
    /// order a client sent them) put where this front door puts them.
    pub fn event(self, method: &str, fields: &[(&str, &str)]) -> Value {
        let mut event = fixture(&format!("{}/no-token.json", self.dir()));
        let mut all: Vec<(String, String)> = Vec::new();
        // The sample's own fields first (host, accept, ...), then the test's.
        let base = event
            .get("multiValueHeaders")
            .filter(|m| m.is_object())
            .or_else(|| event.get("headers"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (name, values) in base {
            match values {
                Value::Array(vs) => all.extend(
                    vs.iter()
                        .map(|v| (name.clone(), v.as_str().unwrap().to_owned())),
                ),
                Value::String(v) => all.push((name.clone(), v)),
                _ => {}
            }
        }
        all.extend(
            fields
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        let mut multi = serde_json::Map::new();
        let mut last = serde_json::Map::new();
        let mut values_of = std::collections::BTreeMap::<&str, Vec<&str>>::new();
        let mut cookies = Vec::new();
        for (name, value) in &all {
            values_of.entry(name).or_default().push(value);
            last.insert(name.clone(), json!(value));
            if name.eq_ignore_ascii_case("cookie") {
                cookies.extend(value.split(';').map(|c| json!(c.trim())));
            }
        }
        let mut joined = serde_json::Map::new();
        for (name, values) in values_of {
            multi.insert(name.to_owned(), json!(values));
            joined.insert(name.to_owned(), json!(values.join(",")));
        }
        let obj = event.as_object_mut().unwrap();
        match self {
            Shape::RestV1 | Shape::HttpV1 => {
                obj.insert("httpMethod".into(), json!(method));
                obj["requestContext"]["httpMethod"] = json!(method);
                obj.insert("multiValueHeaders".into(), Value::Object(multi));
                let single = if self == Shape::RestV1 { last } else { joined };
                obj.insert("headers".into(), Value::Object(single));
            }
            Shape::HttpV2 | Shape::FunctionUrl => {
                obj["requestContext"]["http"]["method"] = json!(method);
                joined.retain(|name, _| !name.eq_ignore_ascii_case("cookie"));
                obj.insert("headers".into(), Value::Object(joined));
                if cookies.is_empty() {
                    obj.remove("cookies");
                } else {
                    obj.insert("cookies".into(), Value::Array(cookies));
                }
            }
            Shape::Alb => {
                obj.insert("httpMethod".into(), json!(method));
                obj.insert("headers".into(), Value::Object(last));
            }
            Shape::AlbMultiValue => {
                obj.insert("httpMethod".into(), json!(method));
                obj.insert("multiValueHeaders".into(), Value::Object(multi));
            }
            Shape::LatticeV1 => {
                obj.insert("method".into(), json!(method));
                obj.insert("headers".into(), Value::Object(joined));
            }
            Shape::LatticeV2 => {
                obj.insert("method".into(), json!(method));
                obj.insert("headers".into(), Value::Object(multi));
            }
        }
        event
    }
}

/// Lambda's limit on a synchronous invocation's payload (6 MB).
pub const MAX_EVENT_BYTES: usize = 6 * 1024 * 1024;

/// Each way an event can grow toward [`MAX_EVENT_BYTES`] while still carrying one token,
/// for the size tests and benchmarks (reading must stay linear in every one of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Growth {
    /// Many distinct header names (REST API: in `headers` and `multiValueHeaders`).
    DistinctHeaders,
    /// Many values of one header: `x-dr-session` repeated with the same token (REST API).
    RepeatedHeader,
    /// Many cookies in payload 2.0's `cookies` array (HTTP API).
    CookiesArray,
    /// Many cookies in one `Cookie` header (REST API).
    CookieHeader,
    /// One huge header value beside the token (HTTP API).
    HugeValue,
    /// The token many times in one comma-joined `x-dr-session` value (HTTP API).
    JoinedTokens,
}

impl Growth {
    pub const ALL: [Growth; 6] = [
        Growth::DistinctHeaders,
        Growth::RepeatedHeader,
        Growth::CookiesArray,
        Growth::CookieHeader,
        Growth::HugeValue,
        Growth::JoinedTokens,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Growth::DistinctHeaders => "distinct headers",
            Growth::RepeatedHeader => "one header, many values",
            Growth::CookiesArray => "cookies (v2 array)",
            Growth::CookieHeader => "cookies (one Cookie header)",
            Growth::HugeValue => "one huge value",
            Growth::JoinedTokens => "comma-joined token list",
        }
    }

    /// The front door the event comes through.
    pub fn shape(self) -> Shape {
        match self {
            Growth::DistinctHeaders | Growth::RepeatedHeader | Growth::CookieHeader => {
                Shape::RestV1
            }
            Growth::CookiesArray | Growth::HugeValue | Growth::JoinedTokens => Shape::HttpV2,
        }
    }

    /// A GET event of this growth with `n` repetitions, carrying `token` (the session
    /// cookie is named `session`; at least one repetition). Built as text: the shape's event with a marker field,
    /// the marker then replaced by the repetitions (linear, so a 6 MB event is quick).
    pub fn event_of(self, n: usize, token: &str) -> String {
        const MARK: &str = "growth-marker";
        let n = n.max(1);
        let items =
            |f: &dyn Fn(usize) -> String, sep: &str| (0..n).map(f).collect::<Vec<_>>().join(sep);
        // The event's fields (with the marker), then each marker text and what replaces it.
        type Plan<'f> = (Vec<(&'f str, String)>, Vec<(String, String)>);
        let (fields, replacements): Plan = match self {
            Growth::DistinctHeaders => (
                vec![("x-dr-session", token.into()), (MARK, "v".into())],
                vec![
                    (
                        format!(r#""{MARK}":"v""#),
                        items(&|i| format!(r#""x-h{i}":"v{i}""#), ","),
                    ),
                    (
                        format!(r#""{MARK}":["v"]"#),
                        items(&|i| format!(r#""x-h{i}":["v{i}"]"#), ","),
                    ),
                ],
            ),
            Growth::RepeatedHeader => (
                vec![("x-dr-session", MARK.into())],
                vec![
                    (
                        format!(r#"["{MARK}"]"#),
                        format!("[{}]", vec![format!(r#""{token}""#); n].join(",")),
                    ),
                    (MARK.into(), token.into()),
                ],
            ),
            Growth::CookiesArray => (
                vec![("cookie", format!("{MARK}; session={token}"))],
                vec![(
                    format!(r#""{MARK}""#),
                    items(&|i| format!(r#""c{i}=v{i}""#), ","),
                )],
            ),
            Growth::CookieHeader => (
                vec![("cookie", format!("{MARK}; session={token}"))],
                vec![(MARK.into(), items(&|i| format!("c{i}=v{i}"), "; "))],
            ),
            Growth::HugeValue => (
                vec![("x-dr-session", token.into()), ("x-other", MARK.into())],
                vec![(MARK.into(), "a".repeat(n))],
            ),
            Growth::JoinedTokens => (
                vec![("x-dr-session", MARK.into())],
                vec![(MARK.into(), vec![token; n].join(","))],
            ),
        };
        let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let mut event = self.shape().event("GET", &fields).to_string();
        for (mark, with) in replacements {
            event = event.replace(&mark, &with);
        }
        event
    }

    /// An event of this growth of about `bytes` bytes (within a few percent, never over
    /// [`MAX_EVENT_BYTES`]), carrying `token`.
    pub fn event(self, bytes: usize, token: &str) -> String {
        let base = self.event_of(0, token).len();
        let per = (self.event_of(1000, token).len() - base) as f64 / 1000.0;
        let mut n = ((bytes.saturating_sub(base)) as f64 / per) as usize;
        let mut event = self.event_of(n, token);
        while event.len() > bytes.min(MAX_EVENT_BYTES) && n > 0 {
            n -= n / 50 + 1;
            event = self.event_of(n, token);
        }
        event
    }
}

/// `event` with `depth` levels of nesting (`{"a": {"a": ... }}`) in a field no front
/// door's reading looks at: `requestContext.authorizer.deep` (an authorizer's context can be
/// any JSON), or a top-level `deep` in an event without a `requestContext` (VPC Lattice 1.0).
pub fn with_nesting(event: &str, depth: usize) -> String {
    let nested = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    let (at, member) = match event.find(r#""requestContext""#) {
        Some(i) => (
            i + event[i..].find('{').expect("requestContext is an object") + 1,
            format!(r#""authorizer":{{"deep":{nested}}}"#),
        ),
        None => (
            event.find('{').expect("the event is an object") + 1,
            format!(r#""deep":{nested}"#),
        ),
    };
    let (head, rest) = event.split_at(at);
    let comma = if rest.trim_start().starts_with('}') {
        ""
    } else {
        ","
    };
    format!("{head}{member}{comma}{rest}")
}

/// An event of authorizer shape `shape` for a `GET /<path>` request carrying `fields`, as API
/// Gateway builds it: the `REQUEST` shapes from the front door's request members, plus
/// `type`, and `methodArn` (or `routeArn`, HTTP API 2.0) of stage `prod`. A `TOKEN` event
/// carries one header's value: `None` where `fields` is not one `x-dr-session` or
/// `Authorization` field.
pub fn authorizer_event(
    shape: get_session::AuthorizerShape,
    fields: &[(&str, &str)],
    path: &str,
) -> Option<Value> {
    use get_session::AuthorizerShape as A;
    let arn = format!("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/{path}");
    let (base, arn_member) = match shape {
        A::RestToken => {
            let mut event = json!({"type": "TOKEN", "methodArn": arn});
            match fields {
                [] => {}
                [(name, value)]
                    if name.eq_ignore_ascii_case("x-dr-session")
                        || name.eq_ignore_ascii_case("authorization") =>
                {
                    event["authorizationToken"] = json!(value);
                }
                _ => return None,
            }
            return Some(event);
        }
        A::RestRequest => (Shape::RestV1, "methodArn"),
        A::HttpV1 => (Shape::HttpV1, "methodArn"),
        A::HttpV2 => (Shape::HttpV2, "routeArn"),
    };
    let mut event = base.event("GET", fields);
    event["type"] = json!("REQUEST");
    event[arn_member] = json!(arn);
    Some(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Shape::ALL` and the authorizer's shapes are every directory of sample events, and
    /// every shape has one: a door added to `events/` but not here (or the reverse) fails.
    #[test]
    fn every_events_directory_is_a_shape() {
        let mut dirs: Vec<String> = std::fs::read_dir(events_dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        dirs.sort();
        let mut shapes: Vec<String> = Shape::ALL.iter().map(|s| s.dir().to_owned()).collect();
        // The authorizer's events: one directory per shape, every shape.
        let authorizer = crate::judge::AUTHORIZER_DIRS;
        shapes.extend(authorizer.iter().map(|(dir, _)| (*dir).to_owned()));
        shapes.sort();
        for shape in get_session::AuthorizerShape::ALL {
            assert!(authorizer.iter().any(|(_, s)| s == shape), "{shape:?}");
        }
        assert_eq!(dirs, shapes);
        for &shape in Shape::ALL {
            // Exhaustive: a new shape must be given its door here and in `door()`.
            match shape {
                Shape::RestV1
                | Shape::HttpV1
                | Shape::HttpV2
                | Shape::FunctionUrl
                | Shape::Alb
                | Shape::AlbMultiValue
                | Shape::LatticeV1
                | Shape::LatticeV2 => assert_eq!(Shape::of_fixture(shape.dir()), shape),
            }
        }
    }
}
