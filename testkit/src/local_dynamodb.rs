//! The local DynamoDB that `scripts/test` starts (moto on 127.0.0.1): clients with the
//! function's own settings, session tables made as the template makes them, and items
//! written as a login service writes them.

use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;

use crate::key;

use get_session::{
    EXPIRES_ATTR, ISSUED_ATTR, KEY_ATTR, LAST_SEEN_ATTR, USERNAME_ATTR, USERNAME_INDEX,
};

/// The local DynamoDB's URL, from `scripts/test`. Tests that need it are `#[ignore]`d with
/// this reason, and `scripts/test` runs them with `--include-ignored`.
pub fn endpoint() -> String {
    std::env::var("GET_SESSION_TEST_DYNAMODB").unwrap_or_else(|_| {
        panic!("GET_SESSION_TEST_DYNAMODB is not set: run the tests with scripts/test, which starts a local DynamoDB")
    })
}

/// A URL on a port that was just free: nothing listens, connections are refused.
pub fn closed_port_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

/// A client with the function's own timeouts and retries, pointed at `endpoint`.
pub async fn client(endpoint: &str) -> Client {
    client_from(
        get_session::config_loader().expect("the trust store loads"),
        endpoint,
    )
    .await
}

/// A client from `loader` (the function's settings, perhaps adjusted), pointed at
/// `endpoint` with the local region and dummy credentials.
pub async fn client_from(loader: aws_config::ConfigLoader, endpoint: &str) -> Client {
    let config = loader
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "tests"))
        .load()
        .await;
    Client::new(&config)
}

/// A new, empty session table with a unique name, as template.yaml makes it (with
/// `username-index`).
pub async fn new_table(client: &Client) -> String {
    new_table_with_index(client, true).await
}

/// A new, empty session table; with or without `username-index`.
pub async fn new_table_with_index(client: &Client, index: bool) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "sessions-{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        uuid::Uuid::new_v4().simple()
    );
    let create = client
        .create_table()
        .table_name(&name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(KEY_ATTR)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(KEY_ATTR)
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest);
    let create = if index {
        create
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(USERNAME_ATTR)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(USERNAME_INDEX)
                    .key_schema(
                        KeySchemaElement::builder()
                            .attribute_name(USERNAME_ATTR)
                            .key_type(KeyType::Hash)
                            .build()
                            .unwrap(),
                    )
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::Include)
                            .non_key_attributes(EXPIRES_ATTR)
                            .non_key_attributes(LAST_SEEN_ATTR)
                            .non_key_attributes(ISSUED_ATTR)
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
    } else {
        create
    };
    create
        .send()
        .await
        .expect("create table in the local DynamoDB");
    name
}

/// Writes a raw item (any attributes, any types) under `session_id`.
pub async fn put_raw(
    client: &Client,
    table: &str,
    session_id: &str,
    attrs: &[(&str, AttributeValue)],
) {
    let mut req = client
        .put_item()
        .table_name(table)
        .item(KEY_ATTR, AttributeValue::S(session_id.to_owned()));
    for (k, v) in attrs {
        req = req.item(*k, v.clone());
    }
    req.send().await.expect("put item");
}

/// A number attribute (`N`), as the tests write times.
pub fn number(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The item stored for `token` (the default key scheme), read consistently.
pub async fn stored_item(
    client: &Client,
    table: &str,
    token: &str,
) -> Option<std::collections::HashMap<String, AttributeValue>> {
    let key = AttributeValue::S(crate::key(token).as_str().to_owned());
    let read = client.get_item().table_name(table).key(KEY_ATTR, key);
    read.consistent_read(true).send().await.unwrap().item
}

/// Stores a session for `token` the way a login service does.
pub async fn put_session(client: &Client, table: &str, token: &str, user: &str, expires_at: i64) {
    put_raw(
        client,
        table,
        key(token).as_str(),
        &[
            (USERNAME_ATTR, AttributeValue::S(user.to_owned())),
            (EXPIRES_ATTR, AttributeValue::N(expires_at.to_string())),
        ],
    )
    .await;
}
