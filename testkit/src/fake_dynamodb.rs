//! A tiny fake DynamoDB endpoint for the faults a real local server cannot produce:
//! hanging, answering slowly, throttling, denying access, failing with a 5xx, resetting
//! the connection mid-body, answering a truncated or non-JSON body or an unexpected
//! content type. It speaks just enough HTTP/1.1 and DynamoDB's JSON format for the AWS SDK.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Every way the store can fail, each with the `ResponseError` code (the authorizer: the
/// code its invocation error names) a function must answer it with: a hang, throttling,
/// access denied, a missing table, a 5xx, a reset, a truncated or non-JSON body, and an
/// invalid record.
pub fn store_faults() -> Vec<(Behavior, &'static str)> {
    vec![
        (Behavior::Hang, "session_store_unavailable"),
        (
            Behavior::Error(400, "ThrottlingException"),
            "session_store_throttled",
        ),
        (
            Behavior::Error(400, "AccessDeniedException"),
            "session_store_misconfigured",
        ),
        (
            Behavior::Error(400, "ResourceNotFoundException"),
            "session_store_misconfigured",
        ),
        (
            Behavior::Error(500, "InternalServerError"),
            "session_store_unavailable",
        ),
        (Behavior::ResetMidBody, "session_store_unavailable"),
        (Behavior::Truncated, "session_store_unavailable"),
        (
            Behavior::Raw(200, "application/x-amz-json-1.0", "not json"),
            "session_store_unavailable",
        ),
        (
            Behavior::Item(Some(
                r#"{"username":{"N":"1"},"expires_at":{"N":"1"}}"#.into(),
            )),
            "session_record_invalid",
        ),
    ]
}

/// What the endpoint does with each request.
#[derive(Debug, Clone)]
pub enum Behavior {
    /// Reads the request and never answers.
    Hang,
    /// Answers this status with a DynamoDB error of this type (e.g. `ThrottlingException`).
    Error(u16, &'static str),
    /// Answers a GetItem with this `Item` JSON, a DeleteItem with it as the old
    /// `Attributes` (`None`: no item).
    Item(Option<String>),
    /// The first request waits `delay` before answering; the following ones answer at once.
    SlowFirst {
        delay: Duration,
        item: Option<String>,
    },
    /// Answers this status, content type and body, as given.
    Raw(u16, &'static str, &'static str),
    /// Announces a body of `Content-Length` bytes, sends half, then resets the connection.
    ResetMidBody,
    /// Announces a longer body than it sends, then closes the connection cleanly.
    Truncated,
}

#[derive(Default)]
struct State {
    behavior: Mutex<Option<Behavior>>,
    /// What an `UpdateItem` gets instead, where set.
    update: Mutex<Option<Behavior>>,
    requests: AtomicUsize,
    last_body: Mutex<String>,
}

pub struct FakeDynamo {
    pub url: String,
    state: Arc<State>,
}

impl FakeDynamo {
    pub async fn start(behavior: Behavior) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(State::default());
        *state.behavior.lock().unwrap() = Some(behavior);
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        FakeDynamo { url, state }
    }

    pub fn set(&self, behavior: Behavior) {
        *self.state.behavior.lock().unwrap() = Some(behavior);
    }

    /// What every `UpdateItem` gets (the other operations keep the main behaviour).
    pub fn set_update(&self, behavior: Behavior) {
        *self.state.update.lock().unwrap() = Some(behavior);
    }

    /// The JSON body of the last request received.
    pub fn last_body(&self) -> String {
        self.state.last_body.lock().unwrap().clone()
    }

    /// Requests received so far.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }
}

/// Reads more of the request into `buf`; false once the peer is gone.
pub(crate) async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 4096];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

/// Reads one HTTP/1.1 request (headers, then `Content-Length` bytes of body) from
/// `stream`, `buf` holding what was read past it; `None` once the peer is gone. Returns the
/// head (as sent) and the body.
pub(crate) async fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> Option<(String, Vec<u8>)> {
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if !read_more(stream, buf).await {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let len: usize = head
        .to_ascii_lowercase()
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + len {
        if !read_more(stream, buf).await {
            return None;
        }
    }
    let body = buf[header_end..header_end + len].to_vec();
    buf.drain(..header_end + len);
    Some((head, body))
}

async fn serve(mut stream: TcpStream, state: Arc<State>) {
    let mut buf = Vec::new();
    loop {
        let Some((head, body)) = read_request(&mut stream, &mut buf).await else {
            return;
        };
        *state.last_body.lock().unwrap() = String::from_utf8_lossy(&body).into_owned();
        let n = state.requests.fetch_add(1, Ordering::SeqCst);

        let head_lower = head.to_ascii_lowercase();
        let for_update = head_lower.contains("x-amz-target: dynamodb_20120810.updateitem");
        let member = if head_lower.contains("x-amz-target: dynamodb_20120810.deleteitem") {
            "Attributes"
        } else {
            "Item"
        };
        let update = state.update.lock().unwrap().clone().filter(|_| for_update);
        let current = update.or_else(|| state.behavior.lock().unwrap().clone());
        let (status, content_type, body) = match current.clone().unwrap() {
            Behavior::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Behavior::Error(status, error_type) => (
                status,
                JSON,
                format!(
                    r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{error_type}","message":"fake {error_type}"}}"#
                ),
            ),
            Behavior::Item(item) => (200, JSON, item_body(member, item)),
            Behavior::SlowFirst { delay, item } => {
                if n == 0 {
                    tokio::time::sleep(delay).await;
                }
                (200, JSON, item_body(member, item))
            }
            Behavior::Raw(status, content_type, body) => (status, content_type, body.to_owned()),
            Behavior::ResetMidBody | Behavior::Truncated => {
                let body = item_body(
                    member,
                    Some(r#"{"username":{"S":"alice"},"expires_at":{"N":"99999999999"}}"#.into()),
                );
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: {JSON}\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body.as_bytes()[..body.len() / 2]).await;
                let _ = stream.flush().await;
                if matches!(current, Some(Behavior::ResetMidBody)) {
                    // SO_LINGER 0: close sends RST instead of FIN (and so cannot block).
                    #[allow(deprecated)]
                    let _ = stream.set_linger(Some(Duration::ZERO));
                }
                return;
            }
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nx-amzn-requestid: fake\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

const JSON: &str = "application/x-amz-json-1.0";

fn item_body(member: &str, item: Option<String>) -> String {
    match item {
        Some(item) => format!(r#"{{"{member}":{item}}}"#),
        None => "{}".to_owned(),
    }
}
