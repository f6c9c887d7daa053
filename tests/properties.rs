//! Property tests over hostile and odd input: random header bytes, mixed case,
//! duplicates, whitespace, padding, percent-encoding, many cookies, huge values. The
//! request goes through the real handler with an in-memory store (the store's own
//! behaviour is covered against moto elsewhere).
//!
//! Invariants: no panic; the status is 200, 400, 405 or 500; every non-200 body is a full
//! ResponseError whose op_id is the invocation id and whose message is one of the fixed
//! sentences (so the token, or anything else from the request, never appears in a response);
//! each request writes exactly one log line, which holds neither the token nor its hash.

use get_session::error::ApiError;
use get_session::session::{unix_now, KeyScheme, SessionKey, SessionRecord, Username};
use get_session::store::MemoryStore;
use get_session::token::{self, CookieName, SessionToken};
use get_session::{App, Config};
use lambda_http::http::{HeaderName, HeaderValue, Method};
use lambda_http::{Body, Context, Request, RequestExt};
use proptest::prelude::*;
use serde_json::Value;
use std::sync::{Arc, Mutex, OnceLock};

const LIVE: &str = "live-token-abcdefghijklmnop";
const REQUEST_ID: &str = "6f1c2b1e-2c1a-4a8e-9c3f-0d9e8b7a6c5d";

fn app() -> App<MemoryStore> {
    let key = SessionKey::derive(
        &SessionToken::parse(LIVE.as_bytes()).unwrap(),
        KeyScheme::Sha256,
    );
    let record = SessionRecord {
        username: Username::new("alice").unwrap(),
        expires_at: unix_now() + 3600,
    };
    let config =
        Config::from_lookup(|k| (k == "SESSION_TABLE").then(|| "sessions".to_owned())).unwrap();
    App::new(MemoryStore::default().with(&key, record), &config)
}

/// The log lines written so far (one process-wide subscriber; only the handler test logs).
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&buffer);
        tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || LogWriter(Arc::clone(&writer)))
            .init();
        buffer
    })
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every message the function can send. A message outside this set would carry request data.
fn all_messages() -> Vec<String> {
    ApiError::every_kind()
        .iter()
        .map(ApiError::message)
        .collect()
}

/// Bytes a header value may hold (no control characters but HTAB), any length up to `max`.
fn header_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![Just(b'\t'), 0x20u8..=0x7e, 0x80u8..=0xff],
        0..max,
    )
}

/// Token-like text: mostly the allowed set, sometimes padding, spaces or stray bytes.
fn tokenish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[A-Za-z0-9._~+/-]{1,40}={0,2}".prop_map(String::into_bytes),
        1 => "[A-Za-z0-9]{1,10}=[A-Za-z0-9]{1,10}".prop_map(String::into_bytes),
        1 => Just(LIVE.as_bytes().to_vec()),
        1 => Just(vec![b'a'; 512]),
        1 => Just(vec![b'a'; 513]),
        1 => "[ -~]{0,30}".prop_map(String::into_bytes),
        1 => header_bytes(64),
        1 => "(%[0-9A-Fa-f]{2}|%[g-z]{1,2}|[a-z]){1,20}".prop_map(String::into_bytes),
    ]
}

fn header() -> impl Strategy<Value = (String, Vec<u8>)> {
    let name = prop_oneof![
        Just("x-dr-session"),
        Just("X-DR-Session"),
        Just("authorization"),
        Just("Authorization"),
        Just("cookie"),
        Just("accept"),
    ];
    let value = prop_oneof![
        3 => tokenish(),
        1 => tokenish().prop_map(|t| [b"Bearer ".as_slice(), &t].concat()),
        1 => tokenish().prop_map(|t| [b"bEaReR\t ".as_slice(), &t].concat()),
        1 => Just(b"Bearer".to_vec()),
        1 => Just(b"Basic dXNlcjpwYXNz".to_vec()),
        1 => prop::collection::vec(("[a-z]{1,8}", tokenish()), 0..40).prop_map(|pairs| {
            let mut out = Vec::new();
            for (i, (name, value)) in pairs.into_iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b"; ");
                }
                out.extend_from_slice(if i % 3 == 0 { b"session" } else { name.as_bytes() });
                out.push(b'=');
                out.extend_from_slice(&value);
            }
            out
        }),
        1 => tokenish().prop_map(|t| [b"session=\"".as_slice(), &t, b"\"".as_slice()].concat()),
        1 => (header_bytes(16), 100..2000usize).prop_map(|(chunk, times)| chunk.repeat(times)),
    ];
    (name.prop_map(str::to_owned), value)
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        6 => Just(Method::GET),
        1 => Just(Method::POST),
        1 => Just(Method::HEAD),
        1 => Just(Method::OPTIONS),
        1 => Just(Method::DELETE),
    ]
}

fn build(method: Method, headers: &[(String, Vec<u8>)]) -> Option<Request> {
    let mut req = Request::new(Body::Empty);
    *req.method_mut() = method;
    for (name, value) in headers {
        let value = HeaderValue::from_bytes(value).ok()?;
        req.headers_mut()
            .append(HeaderName::from_bytes(name.as_bytes()).ok()?, value);
    }
    let mut context = Context::default();
    context.request_id = REQUEST_ID.to_owned();
    Some(req.with_lambda_context(context))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn handler_answers_every_request_within_the_contract(
        method in method(),
        headers in prop::collection::vec(header(), 0..6),
    ) {
        let Some(req) = build(method.clone(), &headers) else { return Ok(()) };
        let logs = logs();
        logs.lock().unwrap().clear();
        let response = runtime().block_on(app().handle(&req));
        let log = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
        prop_assert_eq!(log.lines().count(), 1, "one log line per request: {}", log);
        for (_, value) in &headers {
            // Any well-formed token sent (long enough not to match log vocabulary by chance).
            let candidate = String::from_utf8_lossy(value).trim().trim_start_matches("Bearer ").to_owned();
            if candidate.len() >= 12 {
                if let Ok(token) = SessionToken::parse(candidate.as_bytes()) {
                    prop_assert!(!log.contains(token.expose()), "token logged: {}", log);
                    let hash = SessionKey::derive(&token, KeyScheme::Sha256);
                    prop_assert!(!log.contains(hash.as_str()), "token hash logged: {}", log);
                }
            }
        }
        let status = response.status().as_u16();
        prop_assert!([200, 400, 405, 500].contains(&status), "status {}", status);
        prop_assert_eq!(&response.headers()["content-type"], "application/json");
        prop_assert_eq!(&response.headers()["cache-control"], "no-store");
        let Body::Text(text) = response.body() else { panic!("text body expected") };
        let body: Value = serde_json::from_str(text).unwrap();
        if status == 200 {
            let obj = body.as_object().unwrap();
            prop_assert!(obj.is_empty() || (obj.len() == 1 && obj["username"] == "alice"), "{}", body);
        } else {
            let obj = body.as_object().unwrap();
            prop_assert_eq!(obj.len(), 3);
            prop_assert!(obj["error_code"].as_str().is_some_and(|c| !c.is_empty()));
            prop_assert!(obj["message"].as_str().is_some_and(|m| !m.is_empty()));
            prop_assert_eq!(&obj["op_id"], REQUEST_ID);
            // Fixed sentences only: nothing from the request (a token above all) is echoed.
            let message = obj["message"].as_str().unwrap().to_owned();
            prop_assert!(all_messages().contains(&message), "unexpected message {:?}", message);
        }
        if method != Method::GET {
            prop_assert_eq!(status, 405);
        }
    }

    #[test]
    fn extracted_tokens_are_always_well_formed(headers in prop::collection::vec(header(), 0..6)) {
        let Some(req) = build(Method::GET, &headers) else { return Ok(()) };
        if let Ok(Some((_, token))) = token::extract(req.headers(), &CookieName::default()) {
            let t = token.expose().as_bytes();
            prop_assert!(!t.is_empty() && t.len() <= 512);
            let body_len = t.len() - t.iter().rev().take_while(|&&b| b == b'=').count();
            prop_assert!(body_len > 0);
            prop_assert!(t[..body_len].iter().all(|&b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)));
        }
    }

    #[test]
    fn a_valid_token_in_any_source_is_found(
        token in "[A-Za-z0-9._~+/-]{1,500}={0,2}",
        source in 0..3usize,
    ) {
        let header = match source {
            0 => ("x-dr-session".to_owned(), token.clone().into_bytes()),
            1 => ("authorization".to_owned(), format!("Bearer {token}").into_bytes()),
            _ => ("cookie".to_owned(), format!("a=1; session={token}; b=2").into_bytes()),
        };
        let req = build(Method::GET, &[header]).unwrap();
        let found = token::extract(req.headers(), &CookieName::default()).unwrap().unwrap();
        prop_assert_eq!(found.1.expose(), token.as_str());
    }
}
