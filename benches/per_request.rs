//! In-process work per request, without the store: token extraction, key hashing, and the
//! whole handler (with an in-memory store) for the main outcomes. The baseline measured
//! in the same run is what the runtime itself does for every request anyway: turning the
//! API Gateway event JSON into a `lambda_http::Request`. Figures are best read as ratios
//! to it (`scripts/bench` prints them).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use get_session::session::{unix_now, KeyScheme, SessionKey, SessionRecord, Username};
use get_session::store::MemoryStore;
use get_session::token::{self, CookieName, SessionToken};
use get_session::{App, Config};
use lambda_http::{Context, Request, RequestExt};

const TOKEN: &str = "3f8a1c9e0b7d4f2a6c5e8b1d9f0a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a";

fn event(headers: &str) -> String {
    format!(
        r#"{{"version":"2.0","routeKey":"GET /session","rawPath":"/session","rawQueryString":"",
        "headers":{{"host":"api.example.com","user-agent":"bench",{headers}}},
        "requestContext":{{"accountId":"1","apiId":"a","domainName":"api.example.com","domainPrefix":"a",
        "http":{{"method":"GET","path":"/session","protocol":"HTTP/1.1","sourceIp":"203.0.113.1","userAgent":"bench"}},
        "requestId":"r","routeKey":"GET /session","stage":"$default","time":"26/Nov/2026:00:00:00 +0000","timeEpoch":0}},
        "isBase64Encoded":false}}"#
    )
}

fn request(json: &str) -> Request {
    let mut ctx = Context::default();
    ctx.request_id = "8f5e2a44-5c1e-4b8e-9b7a-3f0d2c1e9a77".into();
    lambda_http::request::from_str(json)
        .unwrap()
        .with_lambda_context(ctx)
}

fn benches(c: &mut Criterion) {
    let header_event = event(&format!(r#""x-dr-session":"{TOKEN}""#));
    let cookies: String = (0..20).map(|i| format!("c{i}=v{i}; ")).collect();
    let cookie_event = event(&format!(r#""cookie":"{cookies}session={TOKEN}""#));
    let header_req = request(&header_event);
    let cookie_req = request(&cookie_event);
    let bearer_req = request(&event(&format!(r#""authorization":"Bearer {TOKEN}""#)));
    let bad_req = request(&event(r#""x-dr-session":"not a token!""#));
    let cookie_name = CookieName::default();
    let token = SessionToken::parse(TOKEN.as_bytes()).unwrap();

    let key = SessionKey::derive(&token, KeyScheme::Sha256);
    let record = SessionRecord {
        username: Username::new("alice").unwrap(),
        expires_at: unix_now() + 3600,
    };
    let config =
        Config::from_lookup(|k| (k == "SESSION_TABLE").then(|| "sessions".to_owned())).unwrap();
    let app = App::new(MemoryStore::default().with(&key, record), &config);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();

    c.bench_function("baseline: event JSON -> lambda_http::Request", |b| {
        b.iter(|| lambda_http::request::from_str(black_box(&header_event)).unwrap())
    });
    c.bench_function("extract: x-dr-session", |b| {
        b.iter(|| token::extract(black_box(header_req.headers()), &cookie_name))
    });
    c.bench_function("extract: bearer", |b| {
        b.iter(|| token::extract(black_box(bearer_req.headers()), &cookie_name))
    });
    c.bench_function("extract: cookie among 20", |b| {
        b.iter(|| token::extract(black_box(cookie_req.headers()), &cookie_name))
    });
    c.bench_function("key: sha256 hex", |b| {
        b.iter(|| SessionKey::derive(black_box(&token), KeyScheme::Sha256))
    });
    c.bench_function("handler: live session (memory store)", |b| {
        b.iter(|| rt.block_on(app.handle(black_box(&header_req))))
    });
    c.bench_function("handler: malformed token -> 400", |b| {
        b.iter(|| rt.block_on(app.handle(black_box(&bad_req))))
    });
}

criterion_group!(per_request, benches);
criterion_main!(per_request);
