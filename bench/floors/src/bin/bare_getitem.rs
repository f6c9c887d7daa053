//! Floor 2: one DynamoDB GetItem per invocation with the default aws-config and SDK,
//! client built once at init, and nothing else (no token parsing, no HTTP mapping).
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let table = std::env::var("SESSION_TABLE")?;
    let key = std::env::var("BENCH_SESSION_ID")?;
    let client = aws_sdk_dynamodb::Client::new(&aws_config::load_from_env().await);
    let (client, table, key) = (&client, &table, &key);
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        let out = client
            .get_item()
            .table_name(table)
            .key("session_id", AttributeValue::S(key.clone()))
            .send()
            .await?;
        Ok::<_, Error>(json!({"statusCode": 200, "body": out.item.is_some().to_string()}))
    }))
    .await
}
