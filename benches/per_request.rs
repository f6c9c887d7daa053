//! In-process work per request, without the store: reading the event, token extraction,
//! key hashing, and the whole invocation (with an in-memory store) for the main outcomes.
//! The `with log line` benches run the same live-session invocation with the one request
//! log line really formatted (to a sink): text, JSON, and JSON with the EMF metrics, so the
//! metrics' per-request cost is the ratio of the last two.
//! The baseline measured in the same run is what the runtime itself does for every request
//! anyway: checking the event JSON is well-formed (into a `RawValue`). Figures are best read
//! as ratios to it (`scripts/bench` prints them).
//!
//! `event size` runs the whole invocation on events grown toward Lambda's 6 MB payload
//! limit in each way an event can grow ([`Growth`]), at 1 KB, 64 KB, 1 MB and 6 MB; reading
//! must stay linear, so time per KB must stay flat (`scripts/bench` also counts
//! instructions per KB under callgrind, with `examples/event_cost.rs`).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use criterion::{BenchmarkId, Throughput};
use get_session::LogFormat;
use get_session::Metrics;
use get_session::{CookieName, SessionToken};
use get_session::{Event, FrontDoor, HttpRequest};
use get_session::{KeyScheme, SessionKey};
use serde_json::value::RawValue;
use testkit::{memory_endpoint, Growth};

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
    let parse = |json: &'static str| Event::parse(json).unwrap();
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let (header_json, cookie_json, bearer_json, bad_json) = (
        leak(header_json),
        leak(cookie_json),
        leak(bearer_json),
        leak(bad_json),
    );
    let read = |json| {
        HttpRequest::read(
            FrontDoor::PayloadV2,
            &parse(json),
            &get_session::TOKEN_FIELDS,
        )
        .unwrap()
    };
    let (header_req, cookie_req, bearer_req) =
        (read(header_json), read(cookie_json), read(bearer_json));
    let cookie_name = CookieName::default();
    let token = SessionToken::parse(TOKEN.as_bytes()).unwrap();

    let app = memory_endpoint(&[(TOKEN, "alice")], &[]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    c.bench_function(
        "baseline: event JSON -> RawValue (the runtime's check)",
        |b| b.iter(|| serde_json::from_str::<Box<RawValue>>(black_box(header_json)).unwrap()),
    );
    c.bench_function("front door: detect + read the request", |b| {
        b.iter(|| {
            let event = Event::parse(black_box(header_json)).unwrap();
            let door = FrontDoor::detect(&event).unwrap();
            HttpRequest::read(door, &event, &get_session::TOKEN_FIELDS).unwrap()
        })
    });
    c.bench_function("extract: x-dr-session", |b| {
        b.iter(|| get_session::extract_token(black_box(&header_req), &cookie_name))
    });
    c.bench_function("extract: bearer", |b| {
        b.iter(|| get_session::extract_token(black_box(&bearer_req), &cookie_name))
    });
    c.bench_function("extract: cookie among 20", |b| {
        b.iter(|| get_session::extract_token(black_box(&cookie_req), &cookie_name))
    });
    c.bench_function("key: sha256 hex", |b| {
        b.iter(|| SessionKey::derive(black_box(&token), KeyScheme::Sha256))
    });
    c.bench_function("invoke: live session (memory store, response JSON)", |b| {
        b.iter(|| {
            let r = rt.block_on(app.invoke(black_box(header_json), ID)).unwrap();
            serde_json::to_vec(&r).unwrap()
        })
    });
    c.bench_function("invoke: malformed token -> 400 (response JSON)", |b| {
        b.iter(|| {
            let r = rt.block_on(app.invoke(black_box(bad_json), ID)).unwrap();
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
        let subscriber = get_session::log_subscriber(
            get_session::log_filter(None, None),
            format,
            metrics,
            std::io::sink,
        );
        tracing::subscriber::with_default(subscriber, || {
            c.bench_function(&format!("invoke with log line: {name}"), |b| {
                b.iter(|| {
                    let r = rt.block_on(app.invoke(black_box(header_json), ID)).unwrap();
                    serde_json::to_vec(&r).unwrap()
                })
            });
        });
    }
}

/// The whole invocation (live session, memory store) on events of each growth and size.
fn event_size(c: &mut Criterion) {
    let app = memory_endpoint(&[(TOKEN, "alice")], &[]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for growth in Growth::ALL {
        let mut group = c.benchmark_group(format!("event size: {}", growth.name()));
        group.sample_size(10);
        for kib in [1, 64, 1024, 6 * 1024] {
            let event = growth.event(kib * 1024, TOKEN);
            group.throughput(Throughput::Bytes(event.len() as u64));
            group.bench_with_input(
                BenchmarkId::from_parameter(format!("{kib} KiB")),
                &event,
                |b, e| {
                    b.iter(|| {
                        let r = rt.block_on(app.invoke(black_box(e), ID)).unwrap();
                        serde_json::to_vec(&r).unwrap()
                    })
                },
            );
        }
        group.finish();
    }
}

const ID: &str = "8f5e2a44-5c1e-4b8e-9b7a-3f0d2c1e9a77";

criterion_group!(per_request, benches, event_size);
criterion_main!(per_request);
