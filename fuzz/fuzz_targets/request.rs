//! Fuzzes both functions' entry point (`get-session`, `delete-session`) with events. The
//! input's first byte picks a front door shape (or raw mode), the second the method and the
//! function; the rest is `name: value` header lines (any
//! characters) put into the event the way that front door does, or in raw mode the whole
//! input is the event JSON; in growth mode the event is one of `testkit::Growth`'s, with as
//! many repetitions and as deep a nesting in an unread field as the input says (bounded). The function must never panic; every event of a known front
//! door must get a contract answer of its function (GET 200, DELETE 204/401; 400/405/500) in its format, and every error must be
//! a full ResponseError with the invocation id and one of the fixed messages (no echo).
//! Every event also goes to `session-authorizer` (with bit 16 of the second byte, made an
//! authorizer's event first: `type`, `methodArn`/`routeArn`, and a `TOKEN` value from the
//! first field): it must never panic, and allow only the live session, as its user.
#![no_main]

use get_session::SessionToken;
use get_session::{Config, Method, SessionAuthorizer, SessionEndpoint};
use get_session::{Event, FrontDoor};
use get_session::{KeyScheme, SessionKey, SessionRecord, Username};
use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use testkit::MemoryStore;
use testkit::{answer_of, check_contract, door_of, with_nesting, Growth};

const REQUEST_ID: &str = "2c1e0f7a-9d3b-4e5f-8a6b-1c2d3e4f5a6b";

fn live_store() -> (MemoryStore, Config) {
    let token = SessionToken::parse(b"fuzz-live-token").unwrap();
    let key = SessionKey::derive(&token, KeyScheme::Sha256);
    let record = SessionRecord::new(Username::new("alice").unwrap(), i64::MAX);
    let config =
        Config::from_lookup(|k| (k == "SESSION_TABLE").then(|| "sessions".to_owned())).unwrap();
    (MemoryStore::default().with(&key, record), config)
}

fn app(function: Method) -> SessionEndpoint<MemoryStore> {
    let (store, config) = live_store();
    match function {
        Method::Get => SessionEndpoint::get(store, &config),
        Method::Delete => SessionEndpoint::delete(store, &config),
    }
}

/// An event of shape `shape` (0: REST v1, 1: HTTP API v1, 2: payload 2.0, 3: ALB, 4: ALB
/// multi-value, 5: VPC Lattice 1.0, 6: VPC Lattice 2.0) with `fields`.
fn event(shape: u8, method: &str, fields: &[(String, String)]) -> Value {
    let mut multi: Map<String, Value> = Map::new();
    let mut last = Map::new();
    let mut joined: Map<String, Value> = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in fields {
        let list = multi.entry(name.clone()).or_insert_with(|| json!([]));
        list.as_array_mut().unwrap().push(json!(value));
        last.insert(name.clone(), json!(value));
        let prev = joined.get(name).and_then(Value::as_str).map(str::to_owned);
        joined.insert(
            name.clone(),
            json!(prev.map_or(value.clone(), |p| format!("{p},{value}"))),
        );
        if name.eq_ignore_ascii_case("cookie") {
            cookies.extend(value.split(';').map(|c| json!(c.trim())));
        }
    }
    match shape % 7 {
        0 => {
            json!({"httpMethod": method, "headers": last, "multiValueHeaders": multi, "requestContext": {"apiId": "a", "stage": "prod"}})
        }
        1 => {
            json!({"version": "1.0", "httpMethod": method, "headers": joined, "multiValueHeaders": multi})
        }
        2 => {
            joined.retain(|n, _| !n.eq_ignore_ascii_case("cookie"));
            json!({"version": "2.0", "headers": joined, "cookies": cookies, "requestContext": {"http": {"method": method}}})
        }
        3 => json!({"requestContext": {"elb": {}}, "httpMethod": method, "headers": last}),
        4 => {
            json!({"requestContext": {"elb": {}}, "httpMethod": method, "multiValueHeaders": multi})
        }
        5 => json!({"raw_path": "/session", "method": method, "headers": joined}),
        _ => {
            json!({"version": "2.0", "method": method, "headers": multi, "requestContext": {"targetGroupArn": "arn"}})
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let [shape, m, rest @ ..] = data else { return };
    let method = [
        "GET", "GET", "DELETE", "DELETE", "POST", "OPTIONS", "delete", "",
    ][usize::from(*m % 8)];
    let function = if *m & 8 == 0 {
        Method::Get
    } else {
        Method::Delete
    };
    let event = if *shape == 0xff {
        // Raw mode: any JSON at all (well-formed, as the runtime checks), at any depth.
        match std::str::from_utf8(rest) {
            Ok(text) if serde_json::from_str::<&RawValue>(text).is_ok() => text.to_owned(),
            _ => return,
        }
    } else if *shape == 0xfe {
        // Growth mode: a grown event carrying the live token, maybe nested deep.
        let [g, n, d, ..] = rest else { return };
        let growth = Growth::ALL[usize::from(*g) % Growth::ALL.len()];
        let mut event = growth.event_of(usize::from(*n) * 8, "fuzz-live-token");
        if *d > 0 {
            event = with_nesting(&event, usize::from(*d) * 40);
        }
        event
    } else {
        let text = String::from_utf8_lossy(rest);
        let fields: Vec<(String, String)> = text
            .split('\n')
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        let mut event = event(*shape, method, &fields);
        if *m & 16 != 0 {
            // An authorizer's event: REST TOKEN (shape 3), REST REQUEST (0), HTTP API 1.0
            // (1) or 2.0 (2), with its ARN.
            let arn = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/x";
            match shape % 7 {
                2 => event["routeArn"] = json!(arn),
                _ => event["methodArn"] = json!(arn),
            }
            if shape % 7 == 3 {
                event = json!({"type": "TOKEN", "methodArn": arn});
                if let Some((_, value)) = fields.first() {
                    event["authorizationToken"] = json!(value);
                }
            } else {
                event["type"] = json!("REQUEST");
            }
        }
        event.to_string()
    };
    let known = Event::parse(&event)
        .as_ref()
        .and_then(FrontDoor::detect)
        .is_some();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (store, config) = live_store();
    let authorizer = SessionAuthorizer::new(store, &config);
    match rt.block_on(authorizer.invoke(&event, REQUEST_ID)) {
        Ok(answer) => {
            let answer = serde_json::to_value(answer).unwrap();
            let allowed = answer["isAuthorized"] == true
                || answer["policyDocument"]["Statement"][0]["Effect"] == "Allow";
            if allowed {
                assert_eq!(answer["context"], json!({"username": "alice"}));
                assert!(
                    event.contains("fuzz-live-token"),
                    "allowed without the token"
                );
            }
        }
        Err(e) => assert!(!e.to_string().contains("fuzz-live-token")),
    }
    let result = rt.block_on(app(function).invoke(&event, REQUEST_ID));
    assert_eq!(
        result.is_ok(),
        known,
        "only an unknown shape is an invocation error"
    );
    let Ok(response) = result else { return };
    let answer = answer_of(door_of(&event), &serde_json::to_value(response).unwrap());
    if let Err(broken) = check_contract(&answer, function, REQUEST_ID, "alice") {
        panic!("{broken}");
    }
});
