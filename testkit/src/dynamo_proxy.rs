//! A proxy in front of the local DynamoDB (moto) for what a real table does and moto does
//! not: a global secondary index that shows an item late, a `BatchWriteItem` that leaves
//! items unprocessed under the table's ARN, throttling that starts partway through a run.
//! Everything else is passed through as it is.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::fake_dynamodb::{read_more, read_request};
use crate::KEY_ATTR;

#[derive(Default)]
struct Rules {
    /// Keys a `Query` does not show until their time (an index that lags).
    hidden: Vec<(String, Instant)>,
    /// How many `BatchWriteItem`s are answered "all unprocessed", keyed by the table's ARN
    /// (nothing deleted).
    unprocessed_as_arn: usize,
    /// After this many `BatchWriteItem`s pass, every further one is throttled.
    throttle_after: Option<usize>,
}

pub struct DynamoProxy {
    pub url: String,
    rules: Arc<Mutex<Rules>>,
    batch_writes: Arc<AtomicUsize>,
}

impl DynamoProxy {
    /// A proxy to the DynamoDB at `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> Self {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let rules = Arc::new(Mutex::new(Rules::default()));
        let batch_writes = Arc::new(AtomicUsize::new(0));
        let (r, b) = (rules.clone(), batch_writes.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, upstream.clone(), r.clone(), b.clone()));
            }
        });
        DynamoProxy {
            url,
            rules,
            batch_writes,
        }
    }

    /// A `Query` shows no item stored under `key` for the next `lag`.
    pub fn hide(&self, key: &str, lag: Duration) {
        let until = Instant::now() + lag;
        self.rules
            .lock()
            .unwrap()
            .hidden
            .push((key.to_owned(), until));
    }

    /// The next `n` `BatchWriteItem`s delete nothing and answer every request unprocessed,
    /// keyed by the table's ARN (as DynamoDB may: "a table name or table ARN").
    pub fn unprocessed_as_arn(&self, n: usize) {
        self.rules.lock().unwrap().unprocessed_as_arn = n;
    }

    /// Every `BatchWriteItem` after the next `n` is throttled.
    pub fn throttle_batches_after(&self, n: usize) {
        let passed = self.batch_writes.load(Ordering::SeqCst);
        self.rules.lock().unwrap().throttle_after = Some(passed + n);
    }

    /// `BatchWriteItem`s received so far.
    pub fn batch_writes(&self) -> usize {
        self.batch_writes.load(Ordering::SeqCst)
    }
}

async fn serve(
    mut client: TcpStream,
    upstream: String,
    rules: Arc<Mutex<Rules>>,
    batch_writes: Arc<AtomicUsize>,
) {
    let mut buf = Vec::new();
    while let Some((head, body)) = read_request(&mut client, &mut buf).await {
        let lower = head.to_ascii_lowercase();
        let target = lower
            .lines()
            .find_map(|l| l.strip_prefix("x-amz-target: dynamodb_20120810."))
            .unwrap_or_default()
            .trim()
            .to_owned();
        let answer = match target.as_str() {
            "batchwriteitem" => {
                let n = batch_writes.fetch_add(1, Ordering::SeqCst);
                let mut r = rules.lock().unwrap();
                if r.throttle_after.is_some_and(|after| n >= after) {
                    Some(error(400, "ProvisionedThroughputExceededException"))
                } else if r.unprocessed_as_arn > 0 {
                    r.unprocessed_as_arn -= 1;
                    Some((200, unprocessed_under_arn(&body)))
                } else {
                    None
                }
            }
            _ => None,
        };
        let (status, body) = match answer {
            Some(answer) => answer,
            None => match forward(&upstream, &head, &body).await {
                Some((status, body)) if target == "query" => (status, hide(&body, &rules)),
                Some(passed) => passed,
                None => return,
            },
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\nx-amzn-requestid: proxy\r\n\r\n",
            body.len()
        );
        if client.write_all(response.as_bytes()).await.is_err()
            || client.write_all(&body).await.is_err()
        {
            return;
        }
    }
}

/// Sends the request upstream on a connection of its own; its status and body.
async fn forward(upstream: &str, head: &str, body: &[u8]) -> Option<(u16, Vec<u8>)> {
    let mut up = TcpStream::connect(upstream).await.ok()?;
    up.write_all(head.as_bytes()).await.ok()?;
    up.write_all(body).await.ok()?;
    let mut buf = Vec::new();
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if !read_more(&mut up, &mut buf).await {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())?;
    while buf.len() < header_end + len {
        if !read_more(&mut up, &mut buf).await {
            return None;
        }
    }
    Some((status, buf[header_end..header_end + len].to_vec()))
}

/// A `Query`'s answer without the items whose key is hidden now.
fn hide(body: &[u8], rules: &Mutex<Rules>) -> Vec<u8> {
    let Ok(mut answer) = serde_json::from_slice::<Value>(body) else {
        return body.to_vec();
    };
    let now = Instant::now();
    let hidden: Vec<String> = rules
        .lock()
        .unwrap()
        .hidden
        .iter()
        .filter(|(_, until)| now < *until)
        .map(|(key, _)| key.clone())
        .collect();
    if let Some(items) = answer["Items"].as_array_mut() {
        items.retain(|item| {
            !item[KEY_ATTR]["S"]
                .as_str()
                .is_some_and(|k| hidden.iter().any(|h| h == k))
        });
        let count = items.len();
        answer["Count"] = json!(count);
        answer["ScannedCount"] = json!(count);
    }
    answer.to_string().into_bytes()
}

/// A `BatchWriteItem`'s answer with every request unprocessed, under the table's ARN.
fn unprocessed_under_arn(body: &[u8]) -> Vec<u8> {
    let request: Value = serde_json::from_slice(body).unwrap_or_default();
    let mut unprocessed = serde_json::Map::new();
    for (table, writes) in request["RequestItems"].as_object().into_iter().flatten() {
        let arn = format!("arn:aws:dynamodb:us-east-1:123456789012:table/{table}");
        unprocessed.insert(arn, writes.clone());
    }
    json!({ "UnprocessedItems": unprocessed })
        .to_string()
        .into_bytes()
}

fn error(status: u16, error_type: &str) -> (u16, Vec<u8>) {
    let body = json!({
        "__type": format!("com.amazonaws.dynamodb.v20120810#{error_type}"),
        "message": format!("proxy: {error_type}"),
    });
    (status, body.to_string().into_bytes())
}
