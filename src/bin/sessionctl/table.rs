//! The admin operations on the session table that only `sessionctl` needs (write, delete);
//! the function itself can only read (`SessionStore::find`), here as in its IAM policy.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use get_session::session::{SessionKey, SessionRecord};
use get_session::store::classify::classify;
use get_session::store::dynamo::{EXPIRES_ATTR, KEY_ATTR, USERNAME_ATTR};
use get_session::store::StoreError;

/// Writes (or overwrites) the record stored under `key`.
pub async fn put(
    client: &Client,
    table: &str,
    key: &SessionKey,
    record: &SessionRecord,
) -> Result<(), StoreError> {
    client
        .put_item()
        .table_name(table)
        .item(KEY_ATTR, AttributeValue::S(key.as_str().to_owned()))
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
