//! A tiny fake DynamoDB endpoint for the faults a real local server cannot produce:
//! hanging, answering slowly, throttling, denying access, failing with a 5xx, resetting
//! the connection mid-body, answering a truncated or non-JSON body or an unexpected
//! content type. It speaks just enough HTTP/1.1 and DynamoDB's JSON format for the AWS SDK.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the endpoint does with each request.
#[derive(Debug, Clone)]
pub enum Behavior {
    /// Reads the request and never answers.
    Hang,
    /// Answers `status` with a DynamoDB error of type `error_type` (e.g. `ThrottlingException`).
    Error {
        status: u16,
        error_type: &'static str,
    },
    /// Answers a GetItem with this `Item` JSON (`None`: no item).
    Item(Option<String>),
    /// The first request waits `delay` before answering; the following ones answer at once.
    SlowFirst {
        delay: Duration,
        item: Option<String>,
    },
    /// Answers `status` with this content type and body, as given.
    Raw {
        status: u16,
        content_type: &'static str,
        body: &'static str,
    },
    /// Announces a body of `Content-Length` bytes, sends half, then resets the connection.
    ResetMidBody,
    /// Announces a longer body than it sends, then closes the connection cleanly.
    Truncated,
}

pub struct FakeDynamo {
    pub url: String,
    behavior: Arc<Mutex<Behavior>>,
    /// What an `UpdateItem` gets instead, where set.
    update: Arc<Mutex<Option<Behavior>>>,
    requests: Arc<AtomicUsize>,
    last_body: Arc<Mutex<String>>,
}

impl FakeDynamo {
    pub async fn start(behavior: Behavior) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let behavior = Arc::new(Mutex::new(behavior));
        let update = Arc::new(Mutex::new(None));
        let requests = Arc::new(AtomicUsize::new(0));
        let last_body = Arc::new(Mutex::new(String::new()));
        let (b, u, r, l) = (
            behavior.clone(),
            update.clone(),
            requests.clone(),
            last_body.clone(),
        );
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, b.clone(), u.clone(), r.clone(), l.clone()));
            }
        });
        FakeDynamo {
            url,
            behavior,
            update,
            requests,
            last_body,
        }
    }

    pub fn set(&self, behavior: Behavior) {
        *self.behavior.lock().unwrap() = behavior;
    }

    /// What every `UpdateItem` gets (the other operations keep the main behaviour).
    pub fn set_update(&self, behavior: Behavior) {
        *self.update.lock().unwrap() = Some(behavior);
    }

    /// The JSON body of the last request received.
    pub fn last_body(&self) -> String {
        self.last_body.lock().unwrap().clone()
    }

    /// Requests received so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn serve(
    mut stream: TcpStream,
    behavior: Arc<Mutex<Behavior>>,
    update: Arc<Mutex<Option<Behavior>>>,
    requests: Arc<AtomicUsize>,
    last_body: Arc<Mutex<String>>,
) {
    let mut buf = Vec::new();
    loop {
        // Read one request: headers, then Content-Length bytes of body.
        let header_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < header_end + len {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        *last_body.lock().unwrap() =
            String::from_utf8_lossy(&buf[header_end..header_end + len]).into_owned();
        buf.drain(..header_end + len);
        let n = requests.fetch_add(1, Ordering::SeqCst);

        let for_update = head.contains("x-amz-target: dynamodb_20120810.updateitem");
        let current = match update.lock().unwrap().clone() {
            Some(b) if for_update => b,
            _ => behavior.lock().unwrap().clone(),
        };
        let (status, body) = match current.clone() {
            Behavior::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Behavior::Error { status, error_type } => (
                status,
                format!(
                    r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{error_type}","message":"fake {error_type}"}}"#
                ),
            ),
            Behavior::Item(item) => (200, item_body(item)),
            Behavior::SlowFirst { delay, item } => {
                if n == 0 {
                    tokio::time::sleep(delay).await;
                }
                (200, item_body(item))
            }
            Behavior::Raw {
                status,
                content_type,
                body,
            } => {
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                if stream.write_all(response.as_bytes()).await.is_err() {
                    return;
                }
                continue;
            }
            Behavior::ResetMidBody | Behavior::Truncated => {
                let body = item_body(Some(
                    r#"{"username":{"S":"alice"},"expires_at":{"N":"99999999999"}}"#.into(),
                ));
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body.as_bytes()[..body.len() / 2]).await;
                let _ = stream.flush().await;
                if matches!(current, Behavior::ResetMidBody) {
                    // SO_LINGER 0: close sends RST instead of FIN (and so cannot block).
                    #[allow(deprecated)]
                    let _ = stream.set_linger(Some(Duration::ZERO));
                }
                return;
            }
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\nx-amzn-requestid: fake\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn item_body(item: Option<String>) -> String {
    match item {
        Some(item) => format!(r#"{{"Item":{item}}}"#),
        None => "{}".to_owned(),
    }
}
