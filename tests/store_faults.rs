//! Store faults, each against a real socket: the function answers a 500 ResponseError with
//! the right code and the invocation's op_id within its time bound, and serves again once
//! the fault is gone. Faults moto cannot produce come from a small fake endpoint; the TLS
//! faults from a TLS front (`PrivateCa::front`) whose certificate the client does not
//! trust. The HTTPS client's trust (compiled-in roots, or a private CA) against the fake
//! endpoint behind TLS.

use std::time::{Duration, Instant};

use get_session::unix_now;
use get_session::Roots;
use get_session::{config_loader_trusting, ATTEMPT_TIMEOUT, OPERATION_TIMEOUT};
use get_session::{DynamoStore, SessionEndpoint};
use serde_json::json;
use testkit::fake_dynamodb::{Behavior, FakeDynamo};
use testkit::*;

/// An upper limit that only catches a hang (the Lambda timeout in template.yaml is 10 s).
const HANG_LIMIT: Duration = Duration::from_secs(10);

async fn fixture(behavior: Behavior) -> (FakeDynamo, SessionEndpoint<DynamoStore>) {
    let fake = FakeDynamo::start(behavior).await;
    let client = client(&fake.url).await;
    let app = app(&client, &config("sessions", &[]));
    (fake, app)
}

async fn call(app: &SessionEndpoint<DynamoStore>, op_id: &str) -> (Answer, Duration) {
    let event = Shape::HttpV2.event("GET", &[("x-dr-session", "some-token")]);
    let started = Instant::now();
    let answer = tokio::time::timeout(HANG_LIMIT, invoke(app, &event, op_id))
        .await
        .expect("the function answers instead of hanging");
    (answer, started.elapsed())
}

/// The answer for the live session `live_item()` holds.
#[track_caller]
fn assert_alice(answer: &Answer) {
    assert_eq!(answer.parts(), (200, json!({"username": "alice"})));
}

/// A fault is answered within the store's operation budget (plus scheduling slack).
#[track_caller]
fn assert_bounded(elapsed: Duration, what: impl std::fmt::Debug) {
    let bound = OPERATION_TIMEOUT + Duration::from_millis(500);
    assert!(elapsed <= bound, "{what:?}: {elapsed:?}");
}

fn live_item() -> Option<String> {
    Some(format!(
        r#"{{"username":{{"S":"alice"}},"expires_at":{{"N":"{}"}}}}"#,
        unix_now() + 3600
    ))
}

async fn assert_recovers(fake: &FakeDynamo, app: &SessionEndpoint<DynamoStore>) {
    fake.set(Behavior::Item(live_item()));
    let (answer, _) = call(app, &invocation_id()).await;
    assert_alice(&answer);
}

async fn assert_fault(behavior: Behavior, code: &str) {
    let (fake, app) = fixture(behavior.clone()).await;
    let op_id = invocation_id();
    let (answer, elapsed) = call(&app, &op_id).await;
    assert_error(&answer, 500, code, &op_id);
    assert_bounded(elapsed, &behavior);
    assert_recovers(&fake, &app).await;
}

#[tokio::test]
async fn fake_endpoint_serves_a_session() {
    let (fake, app) = fixture(Behavior::Item(live_item())).await;
    let (answer, _) = call(&app, &invocation_id()).await;
    assert_alice(&answer);
    assert_eq!(fake.requests(), 1);
}

#[tokio::test]
async fn one_consistent_projected_get_item_keyed_by_the_token_hash() {
    let (fake, app) = fixture(Behavior::Item(live_item())).await;
    call(&app, &invocation_id()).await;
    assert_eq!(fake.requests(), 1);
    let body: serde_json::Value = serde_json::from_str(&fake.last_body()).unwrap();
    assert_eq!(body["TableName"], "sessions");
    assert_eq!(body["ConsistentRead"], true);
    assert_eq!(body["ProjectionExpression"], "#u, #e, #i, #l");
    assert_eq!(
        body["ExpressionAttributeNames"],
        json!({"#u": USERNAME_ATTR, "#e": EXPIRES_ATTR, "#i": ISSUED_ATTR, "#l": LAST_SEEN_ATTR})
    );
    // sha256("some-token"): the raw token never goes to the store.
    assert_eq!(
        body["Key"],
        json!({KEY_ATTR: {"S": key("some-token").as_str()}})
    );
    assert!(!fake.last_body().contains("some-token"));

    let client = client(&fake.url).await;
    let eventual = testkit::app(
        &client,
        &config("sessions", &[("SESSION_CONSISTENT_READ", "false")]),
    );
    call(&eventual, &invocation_id()).await;
    let body: serde_json::Value = serde_json::from_str(&fake.last_body()).unwrap();
    assert_eq!(body["ConsistentRead"], false);
}

#[tokio::test]
async fn hung_store_is_500_unavailable_then_recovers() {
    let (fake, app) = fixture(Behavior::Hang).await;
    let op_id = invocation_id();
    let (answer, elapsed) = call(&app, &op_id).await;
    assert_error(&answer, 500, "session_store_unavailable", &op_id);
    // Ended by the operation timeout, not by the outer hang limit.
    assert!(
        elapsed >= OPERATION_TIMEOUT - Duration::from_millis(100),
        "{elapsed:?}"
    );
    assert!(
        fake.requests() >= 2,
        "the attempt timeout retried: {} requests",
        fake.requests()
    );
    assert_recovers(&fake, &app).await;
}

#[tokio::test]
async fn slow_first_attempt_is_retried_and_succeeds() {
    let delay = ATTEMPT_TIMEOUT + Duration::from_millis(500);
    let (fake, app) = fixture(Behavior::SlowFirst {
        delay,
        item: live_item(),
    })
    .await;
    let (answer, _) = call(&app, &invocation_id()).await;
    assert_alice(&answer);
    assert_eq!(fake.requests(), 2, "one timed-out attempt, one retry");
}

#[tokio::test]
async fn throttling_is_retried_then_500_throttled() {
    for error_type in [
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
    ] {
        let (fake, app) = fixture(Behavior::Error(400, error_type)).await;
        let op_id = invocation_id();
        let (answer, _) = call(&app, &op_id).await;
        assert_error(&answer, 500, "session_store_throttled", &op_id);
        assert_eq!(
            fake.requests(),
            3,
            "{error_type}: standard mode makes 3 attempts"
        );
        assert_recovers(&fake, &app).await;
    }
}

#[tokio::test]
async fn access_denied_is_500_misconfigured_without_retry() {
    let (fake, app) = fixture(Behavior::Error(400, "AccessDeniedException")).await;
    let op_id = invocation_id();
    let (answer, _) = call(&app, &op_id).await;
    assert_error(&answer, 500, "session_store_misconfigured", &op_id);
    assert_eq!(fake.requests(), 1);
    assert!(
        !answer.body.to_string().contains("AccessDenied"),
        "{}",
        answer.body
    );
    assert_recovers(&fake, &app).await;
}

#[tokio::test]
async fn server_errors_are_retried_then_500_unavailable() {
    for (status, error_type) in [(500, "InternalServerError"), (503, "ServiceUnavailable")] {
        let (fake, app) = fixture(Behavior::Error(status, error_type)).await;
        let op_id = invocation_id();
        let (answer, _) = call(&app, &op_id).await;
        assert_error(&answer, 500, "session_store_unavailable", &op_id);
        assert_eq!(fake.requests(), 3, "{status}");
        assert_recovers(&fake, &app).await;
    }
}

#[tokio::test]
async fn wrongly_typed_record_is_500_record_invalid() {
    let item = r#"{"username":{"S":"alice"},"expires_at":{"S":"soon"}}"#.to_owned();
    let (_fake, app) = fixture(Behavior::Item(Some(item))).await;
    let op_id = invocation_id();
    let (answer, _) = call(&app, &op_id).await;
    assert_error(&answer, 500, "session_record_invalid", &op_id);
}

#[tokio::test]
async fn connection_reset_mid_body_is_500_unavailable_then_recovers() {
    assert_fault(Behavior::ResetMidBody, "session_store_unavailable").await;
}

#[tokio::test]
async fn truncated_body_is_500_unavailable_then_recovers() {
    assert_fault(Behavior::Truncated, "session_store_unavailable").await;
}

#[tokio::test]
async fn non_json_or_truncated_json_with_status_200_is_500_unavailable() {
    for body in [
        "<html>gateway</html>",
        r#"{"Item":{"username":{"S":"al"#,
        "[]",
        r#"{"Item":"#,
    ] {
        let behavior = Behavior::Raw(200, "application/x-amz-json-1.0", body);
        assert_fault(behavior, "session_store_unavailable").await;
    }
}

#[tokio::test]
async fn unexpected_content_type_is_never_a_session() {
    // A proxy's HTML page, or an error page with status 200, must not become a session.
    for (status, content_type, body) in [
        (200, "text/html", "<html>sign in</html>"),
        (502, "text/html", "<html>bad gateway</html>"),
        (403, "text/plain", "Forbidden"),
    ] {
        let (fake, app) = fixture(Behavior::Raw(status, content_type, body)).await;
        let op_id = invocation_id();
        let (answer, _) = call(&app, &op_id).await;
        assert_eq!(
            answer.status, 500,
            "{content_type} {status}: {}",
            answer.body
        );
        assert_eq!(answer.body["op_id"], op_id.as_str());
        assert_recovers(&fake, &app).await;
    }
}

#[tokio::test]
async fn untrusted_tls_certificate_is_500_unavailable_every_time() {
    let fake = FakeDynamo::start(Behavior::Item(live_item())).await;
    let ca = PrivateCa::new();
    let client = client(&ca.front(&fake.url).await).await;
    let app = app(&client, &config("sessions", &[]));
    for _ in 0..2 {
        let op_id = invocation_id();
        let (answer, elapsed) = call(&app, &op_id).await;
        assert_error(&answer, 500, "session_store_unavailable", &op_id);
        assert_bounded(elapsed, "untrusted");
    }
    assert_eq!(
        fake.requests(),
        0,
        "nothing sent over an untrusted connection"
    );
}

/// The init-time warm-up reads one key no session can have, and a store that is down or
/// hanging costs init at most the warm-up budget: it is reported, never fatal.
#[tokio::test]
async fn warm_up_reads_a_key_no_session_can_have_and_is_bounded() {
    use get_session::WARM_UP_BUDGET;

    let fake = FakeDynamo::start(Behavior::Item(None)).await;
    let store = DynamoStore::new(client(&fake.url).await, "sessions", true);
    assert!(store.warm_up(WARM_UP_BUDGET).await);
    assert_eq!(fake.requests(), 1);
    let body: serde_json::Value = serde_json::from_str(&fake.last_body()).unwrap();
    let key = body["Key"][KEY_ATTR]["S"].as_str().unwrap();
    assert!(
        !(key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit())),
        "{key} could be a session's key"
    );
    assert!(
        get_session::SessionToken::parse(key.as_bytes()).is_err(),
        "{key} could be a token (SESSION_TOKEN_HASH=none)"
    );

    for behavior in [Behavior::Hang, Behavior::Error(500, "InternalServerError")] {
        fake.set(behavior.clone());
        let started = Instant::now();
        assert!(!store.warm_up(WARM_UP_BUDGET).await, "{behavior:?}");
        assert!(
            started.elapsed() <= WARM_UP_BUDGET + Duration::from_millis(300),
            "{behavior:?}: {:?}",
            started.elapsed()
        );
    }
    let refused = DynamoStore::new(client(&closed_port_url()).await, "sessions", true);
    assert!(!refused.warm_up(WARM_UP_BUDGET).await);
}

// ---------------------------------------------------------------- TLS and trust

/// A private CA and a certificate for 127.0.0.1 it signed (made with openssl).
struct PrivateCa {
    dir: std::path::PathBuf,
}

impl PrivateCa {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("get-session-ca-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        // Arguments split at whitespace (none of them holds a space).
        let openssl = |args: &str| {
            let status = std::process::Command::new("openssl")
                .args(args.split_whitespace())
                .current_dir(&dir)
                .stderr(std::process::Stdio::null())
                .status()
                .expect("openssl is installed");
            assert!(status.success(), "openssl {args:?}");
        };
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
        openssl(&format!(
            "req -x509 {ec} -days 1 -subj /CN=get-session-test-CA \
             -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
             -keyout ca.key -out ca.pem"
        ));
        openssl(&format!(
            "req {ec} -subj /CN=127.0.0.1 -keyout key.pem -out req.csr"
        ));
        std::fs::write(
            dir.join("ext"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(
            "x509 -req -in req.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
             -extfile ext -out cert.pem",
        );
        PrivateCa { dir }
    }

    fn ca(&self) -> std::path::PathBuf {
        self.dir.join("ca.pem")
    }

    /// TLS with the CA-signed certificate in front of `upstream` (a plain-HTTP URL): the
    /// store behind TLS, as on AWS. Returns the `https://` URL.
    async fn front(&self, upstream: &str) -> String {
        use std::sync::Arc;
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
        use tokio_rustls::rustls::{crypto::ring, ServerConfig};

        let certs = CertificateDer::pem_file_iter(self.dir.join("cert.pem"))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(self.dir.join("key.pem")).unwrap();
        let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, upstream) = (acceptor.clone(), upstream.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut store) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut store).await;
                });
            }
        });
        format!("https://127.0.0.1:{port}")
    }
}

impl Drop for PrivateCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn client_trusting(roots: &Roots, endpoint: &str) -> aws_sdk_dynamodb::Client {
    client_from(config_loader_trusting(roots).unwrap(), endpoint).await
}

#[tokio::test]
async fn store_behind_tls_with_a_trusted_private_ca_serves_sessions() {
    let fake = FakeDynamo::start(Behavior::Item(live_item())).await;
    let ca = PrivateCa::new();
    let url = ca.front(&fake.url).await;
    let client = client_trusting(&Roots::File(ca.ca()), &url).await;
    let app = app(&client, &config("sessions", &[]));
    for _ in 0..3 {
        let (answer, _) = call(&app, &invocation_id()).await;
        assert_alice(&answer);
    }
    assert_eq!(fake.requests(), 3);
}

#[tokio::test]
async fn compiled_in_roots_do_not_trust_a_private_ca() {
    let fake = FakeDynamo::start(Behavior::Item(live_item())).await;
    let ca = PrivateCa::new();
    let url = ca.front(&fake.url).await;
    let client = client_trusting(&Roots::CompiledIn, &url).await;
    let app = app(&client, &config("sessions", &[]));
    let op_id = invocation_id();
    let (answer, _) = call(&app, &op_id).await;
    assert_error(&answer, 500, "session_store_unavailable", &op_id);
    assert_eq!(
        fake.requests(),
        0,
        "no request went out over an untrusted connection"
    );
}

/// A server that accepts TCP and never answers the TLS handshake: the connect timeout
/// covers the handshake, as the SDK's own client's does. (The function's connect timeout
/// equals its attempt timeout, so there the attempt timeout may fire first; here the
/// connect timeout is shorter, to see which one fired.)
#[tokio::test]
async fn a_tls_handshake_that_never_completes_is_a_connect_timeout() {
    use get_session::SessionKey;
    use get_session::SessionToken;
    use get_session::{Cause, SessionStore};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            open.push(tcp);
        }
    });
    let loader = config_loader_trusting(&Roots::CompiledIn)
        .unwrap()
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(200))
                .operation_attempt_timeout(Duration::from_secs(1))
                .operation_timeout(Duration::from_secs(3))
                .build(),
        );
    let client = client_from(loader, &format!("https://127.0.0.1:{port}")).await;
    let store = DynamoStore::new(client, "sessions", true);
    let token = SessionToken::parse(b"some-token").unwrap();
    let key = SessionKey::derive(&token, get_session::KeyScheme::Sha256);
    let started = Instant::now();
    let err = store.find(&key).await.unwrap_err();
    assert_eq!(err.cause(), Cause::ConnectTimeout, "{err:?}");
    assert_bounded(started.elapsed(), "handshake");
    held.abort();
}

/// `UpdateItem` (touch on read) denied, throttled, failing with a 5xx or hanging, over a
/// real socket: the read's answer stands every time, within the request's store budget,
/// and the line says the touch failed and why.
#[tokio::test]
async fn a_failing_touch_leaves_the_answer_standing() {
    logs();
    let fake = FakeDynamo::start(Behavior::Item(live_item())).await;
    let client = client(&fake.url).await;
    let app = app(
        &client,
        &config(
            "sessions",
            &[("SESSION_IDLE_TIMEOUT", "30m"), ("SESSION_TOUCH", "true")],
        ),
    );
    let faults = [
        (
            Behavior::Error(400, "AccessDeniedException"),
            "access_denied",
        ),
        (Behavior::Error(400, "ThrottlingException"), "throttled"),
        (Behavior::Error(500, "InternalServerError"), "server_error"),
        (Behavior::Hang, "timeout"),
    ];
    for (behavior, cause) in faults {
        fake.set_update(behavior);
        let op_id = invocation_id();
        let (answer, elapsed) = call(&app, &op_id).await;
        assert_eq!(
            answer.parts(),
            (200, json!({"username": "alice"})),
            "{cause}"
        );
        assert_bounded(elapsed, cause);
        let line = log_lines(&op_id).pop().unwrap();
        assert_eq!(line["touch"], "failed", "{line}");
        assert_eq!(line["touch_cause"], cause, "{line}");
    }
    fake.set_update(Behavior::Item(None));
    let op_id = invocation_id();
    let (answer, _) = call(&app, &op_id).await;
    assert_alice(&answer);
    assert_eq!(log_lines(&op_id).pop().unwrap()["touch"], "written");
}
