//! The admin operations on the session table that only `sessionctl` needs (write, delete,
//! find a user's sessions through `username-index`); the function itself only reads (and,
//! with `SESSION_TOUCH`, updates `last_seen_at`), here as in its IAM policy.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, ReturnValue, WriteRequest};
use aws_sdk_dynamodb::Client;
use get_session::{classify, parse_epoch_seconds, Cause, SessionKey, SessionRecord, StoreError};
use get_session::{
    EXPIRES_ATTR, ISSUED_ATTR, KEY_ATTR, LAST_SEEN_ATTR, USERNAME_ATTR, USERNAME_INDEX,
};

/// Sessions asked for per page of a user's listing.
const PAGE: i32 = 100;

/// How many times a batch's unprocessed deletes are sent again.
const BATCH_RETRIES: usize = 8;

/// Writes (or overwrites) the record stored under `key`.
pub async fn put(
    client: &Client,
    table: &str,
    key: &SessionKey,
    record: &SessionRecord,
) -> Result<(), StoreError> {
    let times = [
        (ISSUED_ATTR, record.issued_at),
        (LAST_SEEN_ATTR, record.last_seen_at),
    ];
    let mut put = client.put_item().table_name(table);
    for (attr, time) in times {
        if let Some(t) = time {
            put = put.item(attr, AttributeValue::N(t.to_string()));
        }
    }
    put.item(KEY_ATTR, AttributeValue::S(key.as_str().to_owned()))
        .item(
            USERNAME_ATTR,
            AttributeValue::S(record.username.as_str().to_owned()),
        )
        .item(
            EXPIRES_ATTR,
            AttributeValue::N(record.expires_at.to_string()),
        )
        .send()
        .await
        .map(drop)
        .map_err(classify)
}

/// Deletes the record stored under `key`; `true` if there was one.
pub async fn delete(client: &Client, table: &str, key: &SessionKey) -> Result<bool, StoreError> {
    client
        .delete_item()
        .table_name(table)
        .key(KEY_ATTR, AttributeValue::S(key.as_str().to_owned()))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .map(|out| out.attributes.is_some_and(|a| !a.is_empty()))
        .map_err(classify)
}

/// One of a user's sessions as `username-index` projects it: its key (never printed
/// whole) and its times, each `None` where the item lacks it or holds another type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    pub issued_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub expires_at: Option<i64>,
}

/// Why a user's sessions could not be listed.
#[derive(Debug)]
pub enum ListError {
    /// The table has no `username-index`.
    NoIndex,
    Store(StoreError),
}

/// Every session of `username`, through `username-index`, page by page.
pub async fn sessions_of(
    client: &Client,
    table: &str,
    username: &str,
) -> Result<Vec<Listed>, ListError> {
    let mut out = Vec::new();
    let mut start: Option<HashMap<String, AttributeValue>> = None;
    loop {
        let page = client
            .query()
            .table_name(table)
            .index_name(USERNAME_INDEX)
            .key_condition_expression("#u = :u")
            .expression_attribute_names("#u", USERNAME_ATTR)
            .expression_attribute_values(":u", AttributeValue::S(username.to_owned()))
            .limit(PAGE)
            .set_exclusive_start_key(start.take())
            .send()
            .await;
        let page = match page {
            Ok(page) => page,
            // Real DynamoDB says ValidationException, moto ResourceNotFoundException: ask
            // the table itself whether the index is what is missing.
            Err(_) if !has_index(client, table).await.unwrap_or(true) => {
                return Err(ListError::NoIndex)
            }
            Err(e) => return Err(ListError::Store(classify(e))),
        };
        let number = |item: &HashMap<String, AttributeValue>, attr| match item.get(attr) {
            Some(AttributeValue::N(n)) => parse_epoch_seconds(n),
            _ => None,
        };
        for item in page.items() {
            let Some(AttributeValue::S(key)) = item.get(KEY_ATTR) else {
                continue;
            };
            out.push(Listed {
                key: key.clone(),
                issued_at: number(item, ISSUED_ATTR),
                last_seen_at: number(item, LAST_SEEN_ATTR),
                expires_at: number(item, EXPIRES_ATTR),
            });
        }
        match page.last_evaluated_key {
            Some(next) if !next.is_empty() => start = Some(next),
            _ => return Ok(out),
        }
    }
}

/// Whether `table` has `username-index`; `None` where the table cannot be described.
async fn has_index(client: &Client, table: &str) -> Option<bool> {
    let described = client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .ok()?;
    let indexes = described
        .table?
        .global_secondary_indexes
        .unwrap_or_default();
    Some(
        indexes
            .iter()
            .any(|i| i.index_name() == Some(USERNAME_INDEX)),
    )
}

/// How a batch delete ended: the keys DynamoDB deleted, and the error that stopped it
/// before the rest, if one did.
pub struct Deleted {
    pub keys: Vec<String>,
    pub stopped: Option<StoreError>,
}

/// Deletes the items under `keys` with `BatchWriteItem` (25 a batch), sending unprocessed
/// ones again with backoff. Unprocessed items are taken under whatever key DynamoDB files
/// them (the table's name or its ARN: one table is written, so every entry is this
/// table's), so none is counted as deleted that was not.
pub async fn delete_all(client: &Client, table: &str, keys: &[String]) -> Deleted {
    let mut deleted = Vec::new();
    for chunk in keys.chunks(25) {
        let mut pending: Vec<WriteRequest> = chunk
            .iter()
            .map(|key| {
                let delete = DeleteRequest::builder()
                    .key(KEY_ATTR, AttributeValue::S(key.clone()))
                    .build()
                    .expect("a key is set");
                WriteRequest::builder().delete_request(delete).build()
            })
            .collect();
        let mut pause = Duration::from_millis(50);
        let mut retries = 0;
        while !pending.is_empty() {
            if retries > BATCH_RETRIES {
                return Deleted {
                    keys: deleted,
                    stopped: Some(StoreError::new(Cause::Throttled)),
                };
            }
            retries += 1;
            let sent: Vec<String> = pending.iter().filter_map(key_of).collect();
            let out = client
                .batch_write_item()
                .request_items(table, std::mem::take(&mut pending))
                .send()
                .await;
            let out = match out {
                Ok(out) => out,
                Err(e) => {
                    return Deleted {
                        keys: deleted,
                        stopped: Some(classify(e)),
                    }
                }
            };
            pending = out
                .unprocessed_items
                .map(|u| u.into_values().flatten().collect())
                .unwrap_or_default();
            let left: Vec<String> = pending.iter().filter_map(key_of).collect();
            deleted.extend(sent.into_iter().filter(|k| !left.contains(k)));
            if !pending.is_empty() {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
        }
    }
    Deleted {
        keys: deleted,
        stopped: None,
    }
}

/// The key a delete request names.
fn key_of(request: &WriteRequest) -> Option<String> {
    match request.delete_request()?.key().get(KEY_ATTR)? {
        AttributeValue::S(key) => Some(key.clone()),
        _ => None,
    }
}
