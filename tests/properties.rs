//! Property tests over hostile and odd events of every front door: random header names
//! and values (any characters, control characters and non-ASCII included), repeated names,
//! comma-joined values, cookies split across fields, huge values, and fields of the wrong
//! JSON type. The event goes through the function's entry point with an in-memory store
//! (the store's own behaviour is covered against moto elsewhere).
//!
//! Both functions (`get-session`, `delete-session`) are driven so.
//!
//! Invariants: never an invocation error for a known front door, never a panic; the status
//! is a contract status of the function's method (GET 200, DELETE 204 or 401 without a
//! body; both 400, 405 or 500); the response is in the front door's format; every error body
//! is a full ResponseError whose op_id is the invocation id and whose message is one of the
//! fixed sentences (so the token, or anything else from the request, never appears in a
//! response); each request writes exactly one log line, which holds neither the token nor
//! its hash.

use get_session::SessionToken;
use get_session::{unix_now, SessionRecord, Username};
use get_session::{AuthorizerShape, Method, SessionAuthorizer, SessionEndpoint};
use get_session::{Event, FrontDoor};
use proptest::prelude::*;
use serde_json::{json, Value};
use testkit::MemoryStore;
use testkit::*;

const LIVE: &str = "live-token-abcdefghijklmnop";

/// The function of `method`, with a live session for [`LIVE`] (each case a fresh store: a
/// logout deletes it).
fn app(method: Method) -> SessionEndpoint<MemoryStore> {
    let record = SessionRecord::new(Username::new("alice").unwrap(), unix_now() + 3600);
    let store = MemoryStore::default().with(&key(LIVE), record);
    endpoint_of(method, store, &config("sessions", &[]))
}

/// `token` as source `source` sends it (0: `x-dr-session`, 1: Bearer, else the cookie).
fn token_field(source: usize, token: &str) -> (&'static str, String) {
    match source {
        0 => ("x-dr-session", token.to_owned()),
        1 => ("authorization", format!("Bearer {token}")),
        _ => ("cookie", format!("a=1; session={token}; b=2")),
    }
}

/// `session-authorizer`, with a live session for [`LIVE`].
fn authorizer() -> SessionAuthorizer<MemoryStore> {
    let record = SessionRecord::new(Username::new("alice").unwrap(), unix_now() + 3600);
    let store = MemoryStore::default().with(&key(LIVE), record);
    SessionAuthorizer::new(store, &config("sessions", &[]))
}

fn function() -> impl Strategy<Value = Method> {
    prop_oneof![Just(Method::Get), Just(Method::Delete)]
}

/// Any text a front door could put in a JSON string, control characters and non-ASCII
/// included, up to `max` characters.
fn any_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => 0x20u32..0x7f,
            1 => 0u32..0x20,
            1 => Just(0x7fu32),
            1 => 0x80u32..0x800,
            1 => Just(0x1F600u32),
        ],
        0..max,
    )
    .prop_map(|cs| cs.into_iter().filter_map(char::from_u32).collect())
}

/// Token-like text: mostly the allowed set, sometimes padding, commas, spaces or stray bytes.
fn tokenish() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z0-9._~+/-]{1,40}={0,2}",
        1 => "[A-Za-z0-9]{1,10}[=,][A-Za-z0-9]{1,10}",
        2 => Just(LIVE.to_owned()),
        1 => Just(format!("{LIVE},{LIVE}")),
        1 => Just("a".repeat(512)),
        1 => Just("a".repeat(513)),
        1 => any_text(64),
        1 => "(%[0-9A-Fa-f]{2}|%[g-z]{1,2}|[a-z]){1,20}",
    ]
}

fn field() -> impl Strategy<Value = (String, String)> {
    let name = prop_oneof![
        Just("x-dr-session"),
        Just("X-DR-Session"),
        Just("authorization"),
        Just("Authorization"),
        Just("cookie"),
        Just("Cookie"),
        Just("accept"),
    ];
    let value = prop_oneof![
        3 => tokenish(),
        1 => tokenish().prop_map(|t| format!("Bearer {t}")),
        1 => tokenish().prop_map(|t| format!("bEaReR\t {t}")),
        1 => Just("Bearer".to_owned()),
        1 => Just("Basic dXNlcjpwYXNz".to_owned()),
        1 => prop::collection::vec(("[a-z]{1,8}", tokenish()), 0..30).prop_map(|pairs| {
            pairs
                .into_iter()
                .enumerate()
                .map(|(i, (name, value))| {
                    let name = if i % 3 == 0 { "session".to_owned() } else { name };
                    format!("{name}={value}")
                })
                .collect::<Vec<_>>()
                .join("; ")
        }),
        1 => tokenish().prop_map(|t| format!("session=\"{t}\"")),
        1 => (any_text(16), 100..1000usize).prop_map(|(chunk, times)| chunk.repeat(times)),
    ];
    (name.prop_map(str::to_owned), value)
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just("GET".to_owned()),
        6 => Just("DELETE".to_owned()),
        1 => Just("POST".to_owned()),
        1 => Just("HEAD".to_owned()),
        1 => Just("OPTIONS".to_owned()),
        1 => "[A-Z]{1,8}",
    ]
}

fn detect(event: &Value) -> Option<FrontDoor> {
    FrontDoor::detect(&Event::parse(&event.to_string())?)
}

fn shape() -> impl Strategy<Value = Shape> {
    prop::sample::select(Shape::ALL.to_vec())
}

/// Replaces a field of the event with a value of another JSON type.
fn mangle() -> impl Strategy<Value = Option<(&'static str, Value)>> {
    prop_oneof![
        6 => Just(None),
        1 => prop::sample::select(vec!["headers", "multiValueHeaders", "cookies", "httpMethod", "method"])
            .prop_flat_map(|k| {
                prop_oneof![
                    Just(json!(1)),
                    Just(json!(true)),
                    Just(json!([1, 2])),
                    Just(json!({"x-dr-session": 5})),
                    Just(json!({"cookie": [null, 5]})),
                    Just(json!("text")),
                ]
                .prop_map(move |v| Some((k, v)))
            }),
    ]
}

/// Every place in `v` a mutation can touch: each object member and array element, as a
/// path of member names and indexes.
fn paths(v: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                at.push(Step::Key(k.clone()));
                out.push(at.clone());
                paths(child, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                at.push(Step::Index(i));
                out.push(at.clone());
                paths(child, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Applies one mutation at the `pick`th place of `event`: `kind` 0 removes it, any other
/// puts a value of another JSON type there.
fn mutate(event: &mut Value, pick: usize, kind: usize) {
    let mut all = Vec::new();
    paths(event, &mut Vec::new(), &mut all);
    let Some(path) = all.get(pick % all.len().max(1)) else {
        return;
    };
    let (last, parents) = path.split_last().unwrap();
    let mut parent = &mut *event;
    for step in parents {
        parent = match step {
            Step::Key(k) => &mut parent[k.as_str()],
            Step::Index(i) => &mut parent[*i],
        };
    }
    let other = [
        json!(null),
        json!(1),
        json!(true),
        json!("x"),
        json!([]),
        json!({}),
    ];
    match (last, kind) {
        (Step::Key(k), 0) => {
            parent.as_object_mut().unwrap().remove(k);
        }
        (Step::Index(i), 0) => {
            parent.as_array_mut().unwrap().remove(*i);
        }
        (Step::Key(k), n) => parent[k.as_str()] = other[n % other.len()].clone(),
        (Step::Index(i), n) => parent[*i] = other[n % other.len()].clone(),
    }
}

/// The sample events in `events/` that `serde_json::Value` can hold (not the deeply nested).
fn samples() -> Vec<(Shape, Value)> {
    fixture_files()
        .into_iter()
        .filter(|f| !f.contains("deeply-nested"))
        .filter_map(|f| Some((Shape::of_dir(f.split('/').next()?)?, fixture(&f))))
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Each of the eight shapes is detected as exactly its front door, from built events
    /// and from every sample event; with members removed or retyped anywhere (up to four
    /// times), as that front door or as none, never as another.
    #[test]
    fn every_shape_is_detected_as_its_own_front_door_or_none(
        shape in shape(),
        method in method(),
        fields in prop::collection::vec(field(), 0..4),
        sample in any::<prop::sample::Index>(),
        from_sample in any::<bool>(),
        mutations in prop::collection::vec((any::<usize>(), 0..4usize), 0..5),
    ) {
        let (shape, mut event) = if from_sample {
            let all = samples();
            all[sample.index(all.len())].clone()
        } else {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            (shape, shape.event(&method, &fields))
        };
        let want = shape.door();
        prop_assert_eq!(detect(&event), Some(want), "{:?}: {}", shape, event);
        for (pick, kind) in mutations {
            mutate(&mut event, pick, kind);
            let got = detect(&event);
            prop_assert!(got.is_none() || got == Some(want), "{:?} read as {:?}: {}", shape, got, event);
        }
    }

    #[test]
    fn every_event_gets_a_contract_answer(
        shape in shape(),
        function in function(),
        method in method(),
        fields in prop::collection::vec(field(), 0..6),
        mangled in mangle(),
    ) {
        logs();
        let fields_ref: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let mut event = shape.event(&method, &fields_ref);
        if let Some((field, value)) = mangled.clone() {
            event[field] = value;
        }
        let op_id = invocation_id();
        let json = event.to_string();
        let response = runtime().block_on(app(function).invoke(&json, &op_id));
        let response = serde_json::to_value(response.expect("never an invocation error for a known front door")).unwrap();
        let answer = answer_of(door_of(&json), &response);

        let lines = log_lines(&op_id);
        prop_assert_eq!(lines.len(), 1, "one log line per request: {:?}", lines);
        let log = lines[0].to_string();
        for (_, value) in &fields {
            for candidate in value.split([',', ';', ' ', '=', '"']).filter(|c| c.len() >= 12) {
                if let Ok(token) = SessionToken::parse(candidate.as_bytes()) {
                    prop_assert!(!log.contains(token.expose()), "token logged: {}", log);
                    prop_assert!(!log.contains(key(token.expose()).as_str()), "token hash logged: {}", log);
                }
            }
        }

        let status = answer.status;
        if let Err(broken) = check_contract(&answer, function, &op_id, "alice") {
            prop_assert!(false, "{}", broken);
        }
        if mangled.is_none() && method != function.as_str() {
            prop_assert_eq!(status, 405);
        }
    }

    #[test]
    fn a_valid_token_in_any_source_and_front_door_is_found_and_logged_out(
        shape in shape(),
        token in "[A-Za-z0-9._~+/-]{1,500}={0,2}",
        source in 0..3usize,
    ) {
        let (name, value) = token_field(source, &token);
        let record = SessionRecord::new(Username::new("bob").unwrap(), unix_now() + 60);
        let store = MemoryStore::default().with(&key(&token), record);
        let app = SessionEndpoint::get(store.clone(), &config("sessions", &[]));
        let event = shape.event("GET", &[(name, &value)]);
        let answer = runtime().block_on(invoke(&app, &event, &invocation_id()));
        prop_assert_eq!(answer.parts(), (200, json!({"username": "bob"})));
        // The same request as a logout: 204, the item gone, and a second one 401.
        let logout = SessionEndpoint::delete(store.clone(), &config("sessions", &[]));
        let event = shape.event("DELETE", &[(name, &value)]);
        let answer = runtime().block_on(invoke(&logout, &event, &invocation_id()));
        prop_assert_eq!(answer.status, 204);
        prop_assert!(store.get(&key(&token)).is_none());
        let answer = runtime().block_on(invoke(&logout, &event, &invocation_id()));
        prop_assert_eq!(answer.status, 401);
    }

    /// Any authorizer event, of every shape, with any header fields and then members
    /// removed or retyped anywhere: answered (a decision, `Unauthorized`, or `UnknownEvent`
    /// for what is no longer an authorizer's event) with one request line that holds no
    /// token, and an allow only for the live session, as its user.
    #[test]
    fn every_authorizer_event_is_answered_and_allows_only_a_live_session(
        shape in prop::sample::select(AuthorizerShape::ALL.to_vec()),
        fields in prop::collection::vec(field(), 0..4),
        mutations in prop::collection::vec((any::<usize>(), 0..4usize), 0..4),
    ) {
        logs();
        let fields_ref: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let fields_ref = if shape == AuthorizerShape::RestToken { &fields_ref[..fields_ref.len().min(1)] } else { &fields_ref[..] };
        let Some(mut event) = authorizer_event(shape, fields_ref, "replications") else {
            return Ok(());
        };
        for (pick, kind) in mutations {
            mutate(&mut event, pick, kind);
        }
        let op_id = invocation_id();
        let answer = invocation_answer(runtime().block_on(authorizer().invoke(&event.to_string(), &op_id)));
        let allowed = answer["isAuthorized"] == true
            || answer["policyDocument"]["Statement"][0]["Effect"] == "Allow";
        if allowed {
            prop_assert_eq!(&answer["context"], &json!({"username": "alice"}));
            prop_assert!(event.to_string().contains(LIVE), "allowed without the live token: {}", event);
        } else {
            let known = ["Unauthorized", "UnknownEvent"];
            prop_assert!(
                answer["isAuthorized"] == false
                    || answer["policyDocument"]["Statement"][0]["Effect"] == "Deny"
                    || known.contains(&answer["errorType"].as_str().unwrap_or_default()),
                "{}", answer
            );
        }
        let lines = log_lines(&op_id);
        prop_assert_eq!(lines.len(), 1, "one log line per request: {:?}", lines);
        prop_assert!(!lines[0].to_string().contains(LIVE), "token logged");
        prop_assert!(!lines[0].to_string().contains(key(LIVE).as_str()), "token hash logged");
    }

    #[test]
    fn a_valid_token_in_any_source_and_request_shape_is_allowed(
        shape in prop::sample::select(AuthorizerShape::ALL.to_vec()),
        token in "[A-Za-z0-9._~+/-]{1,500}={0,2}",
        source in 0..3usize,
    ) {
        let (name, value) = token_field(source, &token);
        let Some(event) = authorizer_event(shape, &[(name, &value)], "x") else {
            return Ok(());
        };
        let record = SessionRecord::new(Username::new("bob").unwrap(), unix_now() + 60);
        let store = MemoryStore::default().with(&key(&token), record);
        let authorizer = SessionAuthorizer::new(store, &config("sessions", &[]));
        let answer = invocation_answer(runtime().block_on(authorizer.invoke(&event.to_string(), &invocation_id())));
        prop_assert_eq!(&answer["context"], &json!({"username": "bob"}), "{}", answer);
    }

    /// Events grown in each way an event can grow, at realistic sizes (up to a few hundred
    /// repetitions, some nested deep in a field the function does not read): the live
    /// token they carry is found every time.
    #[test]
    fn a_grown_or_nested_event_still_finds_its_token(
        growth in prop::sample::select(Growth::ALL.to_vec()),
        n in 0..400usize,
        depth in prop_oneof![3 => Just(0usize), 1 => 1..3000usize],
    ) {
        let mut event = growth.event_of(n, LIVE);
        if depth > 0 {
            event = with_nesting(&event, depth);
        }
        let answer = runtime().block_on(invoke_json(&app(Method::Get), &event, &invocation_id()));
        prop_assert_eq!(answer.parts(), (200, json!({"username": "alice"})));
    }
}
