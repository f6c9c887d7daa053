//! Fuzzes the request-to-response path: the input is read as a method byte followed by
//! `name: value` header lines (any bytes). Token extraction and the whole handler (with an
//! in-memory store) must never panic, must answer 200/400/405/500, and every error must be a
//! full ResponseError with the invocation id and one of the fixed messages (no echo).
#![no_main]


use get_session::session::{KeyScheme, SessionKey, SessionRecord, Username};
use get_session::error::ApiError;
use get_session::store::MemoryStore;
use get_session::token::{self, CookieName, SessionToken};
use get_session::{App, Config};
use lambda_http::http::{HeaderName, HeaderValue, Method};
use lambda_http::{Body, Context, Request, RequestExt};
use libfuzzer_sys::fuzz_target;

const REQUEST_ID: &str = "2c1e0f7a-9d3b-4e5f-8a6b-1c2d3e4f5a6b";

fn app() -> App<MemoryStore> {
    let token = SessionToken::parse(b"fuzz-live-token").unwrap();
    let key = SessionKey::derive(&token, KeyScheme::Sha256);
    let record = SessionRecord { username: Username::new("alice").unwrap(), expires_at: i64::MAX };
    let config = Config::from_lookup(|k| (k == "SESSION_TABLE").then(|| "sessions".to_owned())).unwrap();
    App::new(MemoryStore::default().with(&key, record), &config)
}

/// Every message the function can send. A message outside this set would carry request data.
fn all_messages() -> Vec<String> {
    ApiError::every_kind().iter().map(ApiError::message).collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&m, rest)) = data.split_first() else { return };
    let method = [Method::GET, Method::GET, Method::GET, Method::POST, Method::HEAD, Method::OPTIONS][m as usize % 6].clone();
    let mut req = Request::new(Body::Empty);
    *req.method_mut() = method.clone();
    for line in rest.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
        let (Ok(name), Ok(value)) = (HeaderName::from_bytes(&line[..colon]), HeaderValue::from_bytes(&line[colon + 1..])) else {
            continue;
        };
        req.headers_mut().append(name, value);
    }
    let _ = token::extract(req.headers(), &CookieName::default());

    let mut ctx = Context::default();
    ctx.request_id = REQUEST_ID.to_owned();
    let req = req.with_lambda_context(ctx);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let response = rt.block_on(app().handle(&req));
    let status = response.status().as_u16();
    assert!([200, 400, 405, 500].contains(&status), "status {status}");
    if method != Method::GET {
        assert_eq!(status, 405);
    }
    let Body::Text(text) = response.body() else { panic!("text body expected") };
    let body: serde_json::Value = serde_json::from_str(text).unwrap();
    if status != 200 {
        let obj = body.as_object().unwrap();
        assert_eq!(obj.len(), 3);
        assert_eq!(obj["op_id"], REQUEST_ID);
        let message = obj["message"].as_str().unwrap().to_owned();
        assert!(all_messages().contains(&message), "unexpected message {message:?}");
    } else {
        let obj = body.as_object().unwrap();
        assert!(obj.is_empty() || obj["username"] == "alice");
    }
});
