//! `judge`: the test kit's judge for the scripts (`scripts/judge.py` starts it once and
//! asks it for every answer). One JSON request a line on stdin, one JSON answer a line on
//! stdout:
//!
//! - `{"op": "sample", "event": REL, "response": R, "request_id"?: ID, "again"?: bool}`:
//!   judges R, the answer to the sample event `events/REL`, against `events/expected.json`
//!   (with `again`, against its `again` entry: the answer to the second invocation);
//! - `{"op": "judge", "door": DIR, "response": R, "want": W, "function"?: NAME,
//!   "request_id"?: ID, "store_failing"?: bool}`: judges R, the answer of function NAME
//!   (default `get-session`) through the front door of `events/DIR/`, against W (an
//!   expected.json entry); for `session-authorizer`, DIR is an `events/authorizer-*`
//!   directory (its event shape), with `"arn"` (the event's methodArn or routeArn) and
//!   `"simple_responses"?: bool` (default true);
//!   both answer `{"verdict": "right" | "store_error" | "wrong", ...}`;
//! - `{"op": "key", "token": T}`: `{"key": K, "dynamodb_key": {"session_id": {"S": K}}}`,
//!   the table key of T (SHA-256, as the function derives it by default);
//! - `{"op": "item", "token": T, "username": U, "expires_at": N, "issued_at"?: N,
//!   "last_seen_at"?: N}`: `{"item": ITEM}`, the session as a login service writes it, in
//!   DynamoDB's JSON (what boto3's `put_item` takes);
//! - `{"op": "sessions"}`: `{"items": [ITEM]}`, every session the sample events need (the
//!   demo session and each sample's own seed), as `item` writes them: put them all before
//!   each run of the samples;
//! - `{"op": "emf", "line": L, "namespace": NS}`: `{"ok": bool, "why"?: ...}`;
//! - `{"op": "doors"}`: `{"doors": [{"dir", "door"}]}`, every directory of sample events and
//!   the front door the function must detect for it.
//!
//! A request it cannot read is answered `{"error": ...}`; it never exits on one.

use std::io::{BufRead, Write};

use get_session::{KeyScheme, SessionKey, SessionToken};
use get_session::{EXPIRES_ATTR, ISSUED_ATTR, KEY_ATTR, LAST_SEEN_ATTR, USERNAME_ATTR};
use serde_json::{json, Map, Value};
use testkit::judge::{
    authorizer_shape_of_sample, door_of_sample, emf_problem, judge, judge_authorizer, judge_sample,
    sample_sessions, target_of, Target, Want,
};
use testkit::Shape;

fn main() {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let answer = serde_json::from_str(&line)
            .map_err(|e| format!("not JSON: {e}"))
            .and_then(|request| answer(&request))
            .unwrap_or_else(|e| json!({ "error": e }));
        if writeln!(stdout, "{answer}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            break;
        }
    }
}

fn answer(request: &Value) -> Result<Value, String> {
    let text = |name: &str| {
        request[name]
            .as_str()
            .ok_or_else(|| format!("`{name}` is required (a string)"))
    };
    let request_id = request["request_id"].as_str();
    match text("op")? {
        "sample" => {
            let again = request["again"].as_bool().unwrap_or(false);
            Ok(judge_sample(text("event")?, &request["response"], request_id, again)?.to_json())
        }
        "judge" => {
            let want = Want::from_json(&request["want"])?;
            let failing = request["store_failing"].as_bool().unwrap_or(false);
            let response = &request["response"];
            Ok(match target_of(request["function"].as_str())? {
                Target::Endpoint(method) => {
                    let door = door_of_sample(text("door")?)?;
                    judge(door, method, response, request_id, &want, failing)
                }
                Target::Authorizer => {
                    let shape = authorizer_shape_of_sample(text("door")?)?;
                    let simple = request["simple_responses"].as_bool().unwrap_or(true);
                    judge_authorizer(shape, text("arn")?, response, &want, simple, failing)
                }
            }
            .to_json())
        }
        "sessions" => {
            let items = sample_sessions()
                .into_iter()
                .map(|(token, user, expires_at)| item(&token, user, Some(expires_at), None, None))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(json!({ "items": items }))
        }
        "key" => {
            let key = key(text("token")?)?;
            Ok(json!({ "key": key, "dynamodb_key": { KEY_ATTR: { "S": key } } }))
        }
        "item" => {
            let time = |name: &str| request[name].as_i64();
            let (last_seen_at, issued_at) = (time("last_seen_at"), time("issued_at"));
            let item = item(
                text("token")?,
                text("username")?,
                time("expires_at"),
                issued_at,
                last_seen_at,
            )?;
            Ok(json!({ "item": item }))
        }
        "emf" => Ok(match emf_problem(&request["line"], text("namespace")?) {
            None => json!({"ok": true}),
            Some(why) => json!({"ok": false, "why": why}),
        }),
        "doors" => Ok(json!({
            "doors": Shape::ALL
                .iter()
                .map(|s| json!({"dir": s.dir(), "door": s.door().as_str()}))
                .collect::<Vec<_>>()
        })),
        other => Err(format!("unknown op {other:?}")),
    }
}

/// A session item as the login service writes it, in DynamoDB's JSON.
fn item(
    token: &str,
    username: &str,
    expires_at: Option<i64>,
    issued_at: Option<i64>,
    last_seen_at: Option<i64>,
) -> Result<Value, String> {
    let mut item = Map::new();
    item.insert(KEY_ATTR.into(), json!({ "S": key(token)? }));
    item.insert(USERNAME_ATTR.into(), json!({ "S": username }));
    let expires_at = expires_at.ok_or("`expires_at` is required (seconds)")?;
    for (attr, time) in [
        (EXPIRES_ATTR, Some(expires_at)),
        (ISSUED_ATTR, issued_at),
        (LAST_SEEN_ATTR, last_seen_at),
    ] {
        if let Some(t) = time {
            item.insert(attr.into(), json!({ "N": t.to_string() }));
        }
    }
    Ok(Value::Object(item))
}

/// The table key of `token`, as the function derives it by default.
fn key(token: &str) -> Result<String, String> {
    let token = SessionToken::parse(token.as_bytes())
        .map_err(|m| format!("the token is malformed: {}", m.describe()))?;
    Ok(SessionKey::derive(&token, KeyScheme::Sha256)
        .as_str()
        .to_owned())
}
