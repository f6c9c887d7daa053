//! The one judge of an answer: whether a response is in its front door's format, keeps
//! the contract's promises, and is the answer wanted (for a sample event, what
//! `events/expected.json` lists), with the op_id rules; and whether a request line is
//! valid Embedded Metric Format.
//!
//! Why one: the Rust tests and every script (`e2e.py`, `sam_check.py`, `fault_soak.py`, the
//! bench) judge answers, and a rule written in two languages drifts. The scripts ask the
//! `judge` binary (`src/bin/judge.rs`), which answers with these functions.

use std::borrow::Cow;

use get_session::{unix_now, AuthorizerShape, ExecuteApiArn, FrontDoor, Method};
use serde_json::{json, Value};

use crate::{check_contract, expected, read_answer, Shape, DEMO_TOKEN};

/// The answer a request must get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// `200 SessionInfo`: `{"username": ...}` for a live session, `{}` for none (`GET`).
    Session(Option<String>),
    /// `204`, no body: logged out (`DELETE`).
    LoggedOut,
    /// `401`, no body: no session to log out of (`DELETE`); a REST API authorizer's
    /// refusal (the `Unauthorized` error).
    NotLoggedIn,
    /// `403`, no body: an HTTP API authorizer's refusal.
    Forbidden,
    /// A `ResponseError` with this status and code.
    Error { status: u16, code: String },
}

impl Want {
    /// An entry of `events/expected.json` (`{"status", "username"?}`, `{"status": 204 |
    /// 401}` or `{"status", "error_code"}`).
    pub fn from_json(want: &Value) -> Result<Want, String> {
        let status = want["status"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| format!("no status in {want}"))?;
        match (want["error_code"].as_str(), want["username"].as_str()) {
            (Some(code), None) => Ok(Want::Error {
                status,
                code: code.to_owned(),
            }),
            (None, user) if status == 200 => Ok(Want::Session(user.map(str::to_owned))),
            (None, None) if status == 204 => Ok(Want::LoggedOut),
            (None, None) if status == 401 => Ok(Want::NotLoggedIn),
            (None, None) if status == 403 => Ok(Want::Forbidden),
            _ => Err(format!("neither a session, a logout nor an error: {want}")),
        }
    }

    /// What `events/expected.json` lists for the sample event `rel`.
    pub fn of_sample(rel: &str) -> Result<Want, String> {
        Ok(Expected::of_sample(rel)?.want)
    }
}

/// An entry of `events/expected.json`: which function a sample is for, the answer it must
/// get, and what the table must hold first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// `"function"`: `get-session` (the default), `delete-session` or `session-authorizer`.
    pub target: Target,
    pub want: Want,
    /// `"again"`: the answer to the same event invoked once more, right after (a second
    /// logout of the same token).
    pub again: Option<Want>,
    /// `"seed"`: a session the sample's own token must have before each run (`{"token",
    /// "state": "live" | "expired"}`), besides the demo session every sample may use.
    pub seed: Option<Seed>,
}

/// A session a sample needs stored, as a login service would have written it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    pub token: String,
    /// Past its `expires_at` (not yet removed by DynamoDB's TTL), or live for an hour.
    pub expired: bool,
}

impl Seed {
    /// `(token, username, expires_at)`: the item to put.
    pub fn session(&self) -> (&str, &'static str, i64) {
        let expires_at = if self.expired {
            unix_now() - 60
        } else {
            unix_now() + 3600
        };
        (&self.token, "demo", expires_at)
    }
}

impl Expected {
    pub fn from_json(entry: &Value) -> Result<Expected, String> {
        let target = target_of(entry["function"].as_str())?;
        let again = match &entry["again"] {
            Value::Null => None,
            again => Some(Want::from_json(again)?),
        };
        let seed = match &entry["seed"] {
            Value::Null => None,
            seed => Some(Seed {
                token: seed["token"]
                    .as_str()
                    .ok_or_else(|| format!("a seed without a token: {entry}"))?
                    .to_owned(),
                expired: match seed["state"].as_str() {
                    Some("live") => false,
                    Some("expired") => true,
                    _ => return Err(format!("a seed's state is live or expired: {entry}")),
                },
            }),
        };
        Ok(Expected {
            target,
            want: Want::from_json(entry)?,
            again,
            seed,
        })
    }

    /// What `events/expected.json` lists for the sample event `rel`.
    pub fn of_sample(rel: &str) -> Result<Expected, String> {
        let all = expected();
        let entry = all
            .get(rel)
            .ok_or_else(|| format!("{rel} is not in events/expected.json"))?;
        Expected::from_json(entry)
    }
}

/// Which function answers: a method of `/session`, or the authorizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Endpoint(Method),
    Authorizer,
}

/// The function named `function` (`get-session`, the default, `delete-session` or
/// `session-authorizer`).
pub fn target_of(function: Option<&str>) -> Result<Target, String> {
    match function {
        None | Some("get-session") => Ok(Target::Endpoint(Method::Get)),
        Some("delete-session") => Ok(Target::Endpoint(Method::Delete)),
        Some("session-authorizer") => Ok(Target::Authorizer),
        Some(other) => Err(format!("no function {other:?}")),
    }
}

/// The method of the function named `function` (`get-session`, the default, or
/// `delete-session`).
pub fn method_of(function: Option<&str>) -> Result<Method, String> {
    match target_of(function)? {
        Target::Endpoint(method) => Ok(method),
        Target::Authorizer => Err("session-authorizer answers no method of /session".into()),
    }
}

/// Every session the samples need, `(token, username, expires_at)`: the demo session and
/// each sample's own seed. Put them all before each run of the samples (a logout sample
/// deletes its session).
pub fn sample_sessions() -> Vec<(String, &'static str, i64)> {
    let mut all = vec![(DEMO_TOKEN.to_owned(), "demo", unix_now() + 3600)];
    for entry in expected().values() {
        if let Some(seed) = Expected::from_json(entry).ok().and_then(|e| e.seed) {
            let (token, user, expires_at) = seed.session();
            all.push((token.to_owned(), user, expires_at));
        }
    }
    all
}

/// How an answer was judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The wanted answer, in its door's format, keeping every promise.
    Right,
    /// A `500` store error (this code), where the store was being broken on purpose: a
    /// right answer to a failing store.
    StoreError(String),
    /// Anything else, and why.
    Wrong(String),
}

impl Verdict {
    /// `{"verdict": "right"}`, `{"verdict": "store_error", "error_code"}` or
    /// `{"verdict": "wrong", "why"}`: the judge binary's answer.
    pub fn to_json(&self) -> Value {
        match self {
            Verdict::Right => json!({"verdict": "right"}),
            Verdict::StoreError(code) => json!({"verdict": "store_error", "error_code": code}),
            Verdict::Wrong(why) => json!({"verdict": "wrong", "why": why}),
        }
    }
}

/// Judges `response`, the answer of front door `door` to a request of `method` that
/// wanted `want`.
/// `request_id` is the invocation's id where the caller knows it (an error's op_id must be
/// it); where it does not, an error's op_id must be a UUID. With `store_failing`, a `500`
/// store error carrying the op_id is [`Verdict::StoreError`] instead of wrong.
pub fn judge(
    door: FrontDoor,
    method: Method,
    response: &Value,
    request_id: Option<&str>,
    want: &Want,
    store_failing: bool,
) -> Verdict {
    let answer = match read_answer(door, response) {
        Ok(answer) => answer,
        Err(why) => return Verdict::Wrong(why),
    };
    let op_id = match (request_id, answer.body["op_id"].as_str()) {
        (Some(id), _) => id.to_owned(),
        (None, Some(id)) if uuid::Uuid::parse_str(id).is_ok() => id.to_owned(),
        (None, _) if [200, 204, 401].contains(&answer.status) => String::new(),
        (None, other) => return Verdict::Wrong(format!("op_id {other:?} is not a UUID")),
    };
    let live_user = match want {
        Want::Session(Some(user)) => user.as_str(),
        _ => "",
    };
    if let Err(why) = check_contract(&answer, method, &op_id, live_user) {
        return Verdict::Wrong(why);
    }
    let code = answer.body["error_code"].as_str();
    let right = match want {
        Want::Session(user) => {
            let body = match user {
                Some(user) => json!({ "username": user }),
                None => json!({}),
            };
            answer.status == 200 && answer.body == body
        }
        Want::LoggedOut => answer.status == 204,
        Want::NotLoggedIn => answer.status == 401,
        Want::Forbidden => false,
        Want::Error { status, code: want } => {
            answer.status == *status && code == Some(want.as_str())
        }
    };
    match code {
        _ if right => Verdict::Right,
        Some(code) if store_failing && answer.status == 500 && code.starts_with("session_") => {
            Verdict::StoreError(code.to_owned())
        }
        _ => Verdict::Wrong(format!(
            "wanted {want:?}, got {} {}",
            answer.status, answer.body
        )),
    }
}

/// The directories of the authorizer's sample events, and the shape of each.
pub const AUTHORIZER_DIRS: &[(&str, AuthorizerShape)] = &[
    ("authorizer-rest-token", AuthorizerShape::RestToken),
    ("authorizer-rest-request", AuthorizerShape::RestRequest),
    ("authorizer-http-v1", AuthorizerShape::HttpV1),
    ("authorizer-http-v2", AuthorizerShape::HttpV2),
];

/// The authorizer shape of a sample event (`DIR/NAME.json`) or of its directory.
pub fn authorizer_shape_of_sample(rel: &str) -> Result<AuthorizerShape, String> {
    let dir = rel.split('/').next().unwrap_or_default();
    AUTHORIZER_DIRS
        .iter()
        .find(|(d, _)| *d == dir)
        .map(|(_, shape)| *shape)
        .ok_or_else(|| format!("events/{dir} is no authorizer shape's directory"))
}

/// The ARN an authorizer's event asks about (`methodArn`, or `routeArn` for HTTP API 2.0).
pub fn arn_of(event: &Value) -> Option<&str> {
    event["methodArn"]
        .as_str()
        .or_else(|| event["routeArn"].as_str())
}

/// Judges `response`, the authorizer's answer (or invocation error, as
/// `{"errorType", "errorMessage"}`) to an event of `shape` asking about `arn`, against
/// `want`: `200` + user (allowed, the user its principal and `context.username`, nothing
/// else, the policy stage-wide), `401` (REST: the `Unauthorized` error), `403` (HTTP API:
/// `isAuthorized: false`, or a deny policy), or a `500` store code (an invocation error
/// naming it). `simple`: the function answers HTTP API 2.0 events with simple responses.
pub fn judge_authorizer(
    shape: AuthorizerShape,
    arn: &str,
    response: &Value,
    want: &Want,
    simple: bool,
    store_failing: bool,
) -> Verdict {
    let Some(arn) = ExecuteApiArn::parse(Cow::Borrowed(arn)) else {
        return Verdict::Wrong(format!("{arn} is not an execute-api ARN"));
    };
    let simple = simple && shape == AuthorizerShape::HttpV2;
    let rest = matches!(
        shape,
        AuthorizerShape::RestToken | AuthorizerShape::RestRequest
    );
    let policy = |principal: &str, effect: &str| {
        json!({
            "principalId": principal,
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Action": "execute-api:Invoke",
                    "Effect": effect,
                    "Resource": arn.stage_wide(),
                }],
            },
        })
    };
    let error = response["errorType"].as_str();
    let message = response["errorMessage"].as_str().unwrap_or_default();
    let right = match want {
        Want::Session(Some(user)) if simple => {
            *response == json!({"isAuthorized": true, "context": {"username": user}})
        }
        Want::Session(Some(user)) => {
            let mut allow = policy(user, "Allow");
            allow["context"] = json!({ "username": user });
            *response == allow
        }
        Want::NotLoggedIn if rest => error == Some("Unauthorized") && message == "Unauthorized",
        Want::Forbidden if simple => *response == json!({"isAuthorized": false}),
        Want::Forbidden if !rest => *response == policy("anonymous", "Deny"),
        Want::Error { status: 500, code } => {
            error == Some("SessionCheckFailed") && message.contains(&format!("({code})"))
        }
        _ => false,
    };
    let store_code = message
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(code, _)| code);
    match store_code {
        _ if right => Verdict::Right,
        Some(code)
            if store_failing
                && error == Some("SessionCheckFailed")
                && code.starts_with("session_") =>
        {
            Verdict::StoreError(code.to_owned())
        }
        _ => Verdict::Wrong(format!("wanted {want:?} of {shape:?}, got {response}")),
    }
}

/// Judges the answer to the sample event `rel` against `events/expected.json` (with
/// `again`: its `again` entry): [`judge`] or [`judge_authorizer`], by the sample's function.
pub fn judge_sample(
    rel: &str,
    response: &Value,
    request_id: Option<&str>,
    again: bool,
) -> Result<Verdict, String> {
    let expected = Expected::of_sample(rel)?;
    let want = match again {
        true => expected
            .again
            .ok_or_else(|| format!("{rel} has no `again` answer"))?,
        false => expected.want,
    };
    Ok(match expected.target {
        Target::Endpoint(method) => judge(
            door_of_sample(rel)?,
            method,
            response,
            request_id,
            &want,
            false,
        ),
        Target::Authorizer => {
            let event = crate::fixture(rel);
            let arn = arn_of(&event).ok_or_else(|| format!("{rel} has no ARN"))?;
            let shape = authorizer_shape_of_sample(rel)?;
            judge_authorizer(shape, arn, response, &want, true, false)
        }
    })
}

/// The front door of a sample event (`DIR/NAME.json`) or of its directory (`DIR`) under
/// `events/`.
pub fn door_of_sample(rel: &str) -> Result<FrontDoor, String> {
    let dir = rel.split('/').next().unwrap_or_default();
    Shape::of_dir(dir)
        .map(Shape::door)
        .ok_or_else(|| format!("events/{dir} is no front door's directory"))
}

/// Why `line` (a JSON request line) is not valid CloudWatch Embedded Metric Format in
/// `namespace`, `None` where it is: a millisecond timestamp, at least one metric directive,
/// every dimension a top-level string, every metric a top-level number with a known unit,
/// and the limits (30 dimensions a set, 100 metrics a directive).
pub fn emf_problem(line: &Value, namespace: &str) -> Option<String> {
    let aws = &line["_aws"];
    if aws["Timestamp"]
        .as_u64()
        .is_none_or(|t| t <= 1_600_000_000_000)
    {
        return Some("no millisecond Timestamp".into());
    }
    let directives = match aws["CloudWatchMetrics"].as_array() {
        Some(d) if !d.is_empty() => d,
        _ => return Some("no CloudWatchMetrics".into()),
    };
    if !line["function_name"].is_string() {
        return Some("no function_name".into());
    }
    for d in directives {
        if d["Namespace"] != namespace {
            return Some(format!("namespace {} is not {namespace}", d["Namespace"]));
        }
        for set in d["Dimensions"].as_array().into_iter().flatten() {
            let set = set.as_array().map(Vec::as_slice).unwrap_or_default();
            if set.is_empty() || set.len() > 30 {
                return Some(format!("a dimension set of {} names", set.len()));
            }
            for dim in set {
                if !dim.as_str().is_some_and(|dim| line[dim].is_string()) {
                    return Some(format!("dimension {dim} is not a top-level string"));
                }
            }
        }
        let metrics = d["Metrics"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if metrics.is_empty() || metrics.len() > 100 {
            return Some(format!("{} metrics in a directive", metrics.len()));
        }
        for m in metrics {
            if !m["Name"]
                .as_str()
                .is_some_and(|name| line[name].is_number())
            {
                return Some(format!("metric {} is not a top-level number", m["Name"]));
            }
            if !["Count", "Milliseconds"].contains(&m["Unit"].as_str().unwrap_or_default()) {
                return Some(format!("unit {}", m["Unit"]));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v2(status: u16, body: Value) -> Value {
        json!({
            "statusCode": status,
            "headers": {"content-type": "application/json", "cache-control": "no-store", "allow": "GET"},
            "body": body.to_string(),
            "isBase64Encoded": false,
        })
    }

    const ID: &str = "2c1e0f7a-9d3b-4e5f-8a6b-1c2d3e4f5a6b";

    #[test]
    fn verdicts() {
        let door = FrontDoor::PayloadV2;
        let alice = Want::Session(Some("alice".into()));
        let live = v2(200, json!({"username": "alice"}));
        assert_eq!(
            judge(door, Method::Get, &live, None, &alice, false),
            Verdict::Right
        );
        assert!(matches!(
            judge(door, Method::Get, &live, None, &Want::Session(None), false),
            Verdict::Wrong(_)
        ));
        // Another door's format is wrong, whatever the body.
        assert!(matches!(
            judge(
                FrontDoor::PayloadV1,
                Method::Get,
                &live,
                None,
                &alice,
                false
            ),
            Verdict::Wrong(_)
        ));
        let message = get_session::ApiError::MethodNotAllowed.message();
        let error = |op_id: &str| {
            v2(
                405,
                json!({"error_code": "method_not_allowed", "message": message, "op_id": op_id}),
            )
        };
        let want = Want::Error {
            status: 405,
            code: "method_not_allowed".into(),
        };
        assert_eq!(
            judge(door, Method::Get, &error(ID), Some(ID), &want, false),
            Verdict::Right
        );
        assert_eq!(
            judge(door, Method::Get, &error(ID), None, &want, false),
            Verdict::Right
        );
        assert!(matches!(
            judge(door, Method::Get, &error("x"), None, &want, false),
            Verdict::Wrong(_)
        ));
        let other = "0c1e0f7a-9d3b-4e5f-8a6b-1c2d3e4f5a6b";
        assert!(matches!(
            judge(door, Method::Get, &error(other), Some(ID), &want, false),
            Verdict::Wrong(_)
        ));
        let store = get_session::ApiError::Store(get_session::StoreError::new(
            get_session::Cause::Throttled,
        ));
        let failed = v2(
            500,
            json!({"error_code": store.code(), "message": store.message(), "op_id": ID}),
        );
        assert!(matches!(
            judge(door, Method::Get, &failed, Some(ID), &alice, false),
            Verdict::Wrong(_)
        ));
        assert_eq!(
            judge(door, Method::Get, &failed, Some(ID), &alice, true),
            Verdict::StoreError("session_store_throttled".into())
        );
    }

    #[test]
    fn logout_verdicts() {
        let door = FrontDoor::PayloadV2;
        let bare = |status: u16, headers: Value| json!({"statusCode": status, "headers": headers, "isBase64Encoded": false});
        let no_store = json!({"cache-control": "no-store"});
        let challenge = json!({"cache-control": "no-store", "www-authenticate": "Bearer"});
        let delete = |response: &Value, want: &Want| {
            judge(door, Method::Delete, response, None, want, false)
        };
        assert_eq!(
            delete(&bare(204, no_store.clone()), &Want::LoggedOut),
            Verdict::Right
        );
        assert_eq!(
            delete(&bare(401, challenge.clone()), &Want::NotLoggedIn),
            Verdict::Right
        );
        // The wrong one of the two, a 401 without its challenge, a 204 with one, a body, or
        // a logout's answer from GET: all wrong.
        for (response, want, method) in [
            (
                bare(204, no_store.clone()),
                Want::NotLoggedIn,
                Method::Delete,
            ),
            (
                bare(401, no_store.clone()),
                Want::NotLoggedIn,
                Method::Delete,
            ),
            (bare(204, challenge), Want::LoggedOut, Method::Delete),
            (v2(204, json!({})), Want::LoggedOut, Method::Delete),
            (bare(204, no_store), Want::LoggedOut, Method::Get),
        ] {
            assert!(
                matches!(
                    judge(door, method, &response, None, &want, false),
                    Verdict::Wrong(_)
                ),
                "{response} {want:?} {method:?}"
            );
        }
    }

    #[test]
    fn every_sample_has_a_want() {
        for rel in crate::fixture_files() {
            match Expected::of_sample(&rel).unwrap().target {
                Target::Endpoint(_) => drop(door_of_sample(&rel).unwrap()),
                Target::Authorizer => {
                    authorizer_shape_of_sample(&rel).unwrap();
                    assert!(arn_of(&crate::fixture(&rel)).is_some(), "{rel}");
                }
            }
        }
    }
}
