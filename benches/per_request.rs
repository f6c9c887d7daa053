//! In-process work per request, without the store: reading the event, token extraction,
//! key hashing, and the whole invocation (with an in-memory store) for the main outcomes.
//! The `with log line` benches run the same live-session invocation with the one request
//! log line really formatted (to a sink): text, JSON, and JSON with the EMF metrics, so the
//! metrics' per-request cost is the ratio of the last two.
//! The baseline measured in the same run is what the runtime itself does for every request
//! anyway: parsing the event JSON. Figures are best read as ratios to it (`scripts/bench`
//! prints them).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use get_session::front_door::{FrontDoor, HttpRequest};
use get_session::session::{unix_now, KeyScheme, SessionKey, SessionRecord, Username};
use get_session::store::MemoryStore;
use get_session::telemetry::{self, LogFormat, Metrics};
use get_session::token::{self, CookieName, SessionToken};
use get_session::{App, Config};
use serde_json::Value;

const TOKEN: &str = "3f8a1c9e0b7d4f2a6c5e8b1d9f0a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a";

fn event(headers: &str, cookies: &str) -> String {
    format!(
        r#"{{"version":"2.0","routeKey":"GET /session","rawPath":"/session","rawQueryString":"",{cookies}
        "headers":{{"host":"api.example.com","user-agent":"bench",{headers}}},
        "requestContext":{{"accountId":"1","apiId":"a","domainName":"api.example.com","domainPrefix":"a",
        "http":{{"method":"GET","path":"/session","protocol":"HTTP/1.1","sourceIp":"203.0.113.1","userAgent":"bench"}},
        "requestId":"r","routeKey":"GET /session","stage":"$default","time":"26/Nov/2026:00:00:00 +0000","timeEpoch":0}},
        "isBase64Encoded":false}}"#
    )
}

fn benches(c: &mut Criterion) {
    let header_json = event(&format!(r#""x-dr-session":"{TOKEN}""#), "");
    let cookies: String = (0..20).map(|i| format!(r#""c{i}=v{i}","#)).collect();
    let cookie_json = event(
        r#""accept":"*/*""#,
        &format!(r#""cookies":[{cookies}"session={TOKEN}"],"#),
    );
    let bearer_json = event(&format!(r#""authorization":"Bearer {TOKEN}""#), "");
    let bad_json = event(r#""x-dr-session":"not a token!""#, "");
    let [header_ev, cookie_ev, bearer_ev, bad_ev]: [Value; 4] =
        [&header_json, &cookie_json, &bearer_json, &bad_json]
            .map(|j| serde_json::from_str(j).unwrap());
    let read = |ev: &'static Value| HttpRequest::read(FrontDoor::PayloadV2, ev).unwrap();
    let (header_ev, cookie_ev, bearer_ev): (&'static Value, &'static Value, &'static Value) = (
        Box::leak(Box::new(header_ev)),
        Box::leak(Box::new(cookie_ev)),
        Box::leak(Box::new(bearer_ev)),
    );
    let (header_req, cookie_req, bearer_req) = (read(header_ev), read(cookie_ev), read(bearer_ev));
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
    const ID: &str = "8f5e2a44-5c1e-4b8e-9b7a-3f0d2c1e9a77";

    c.bench_function(
        "baseline: event JSON -> serde_json::Value (the runtime's parse)",
        |b| b.iter(|| serde_json::from_str::<Value>(black_box(&header_json)).unwrap()),
    );
    c.bench_function("front door: detect + read the request", |b| {
        b.iter(|| {
            let door = FrontDoor::detect(black_box(header_ev)).unwrap();
            HttpRequest::read(door, header_ev).unwrap()
        })
    });
    c.bench_function("extract: x-dr-session", |b| {
        b.iter(|| token::extract(black_box(&header_req), &cookie_name))
    });
    c.bench_function("extract: bearer", |b| {
        b.iter(|| token::extract(black_box(&bearer_req), &cookie_name))
    });
    c.bench_function("extract: cookie among 20", |b| {
        b.iter(|| token::extract(black_box(&cookie_req), &cookie_name))
    });
    c.bench_function("key: sha256 hex", |b| {
        b.iter(|| SessionKey::derive(black_box(&token), KeyScheme::Sha256))
    });
    c.bench_function("invoke: live session (memory store, response JSON)", |b| {
        b.iter(|| {
            let r = rt.block_on(app.invoke(black_box(header_ev), ID)).unwrap();
            serde_json::to_vec(&r).unwrap()
        })
    });
    c.bench_function("invoke: malformed token -> 400 (response JSON)", |b| {
        b.iter(|| {
            let r = rt.block_on(app.invoke(black_box(&bad_ev), ID)).unwrap();
            serde_json::to_vec(&r).unwrap()
        })
    });
    let metrics = Metrics {
        namespace: "GetSession".to_owned(),
        function_name: "get-session".to_owned(),
    };
    for (name, format, metrics) in [
        ("text", LogFormat::Text, None),
        ("JSON", LogFormat::Json, None),
        ("JSON + EMF metrics", LogFormat::Json, Some(metrics)),
    ] {
        let subscriber = telemetry::subscriber(
            telemetry::filter(None, None),
            format,
            metrics,
            std::io::sink,
        );
        tracing::subscriber::with_default(subscriber, || {
            c.bench_function(&format!("invoke with log line: {name}"), |b| {
                b.iter(|| {
                    let r = rt.block_on(app.invoke(black_box(header_ev), ID)).unwrap();
                    serde_json::to_vec(&r).unwrap()
                })
            });
        });
    }
}

criterion_group!(per_request, benches);
criterion_main!(per_request);
