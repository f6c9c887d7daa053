//! The Lambda entry point: wiring only. Configuration and the DynamoDB client are built
//! once at init and shared by every invocation; a bad setting stops the function here.

use std::convert::Infallible;
use std::sync::Arc;

use get_session::{store, App, Config, DynamoStore};
use lambda_http::{service_fn, Error, Request};

#[tokio::main]
async fn main() -> Result<(), Error> {
    get_session::telemetry::init();
    let config = Config::from_env().inspect_err(|e| tracing::error!(error = %e, "init failed"))?;
    let client = aws_sdk_dynamodb::Client::new(&store::sdk_config_loader().load().await);
    let store = DynamoStore::new(client, &config.table, config.consistent_read);
    let app = Arc::new(App::new(store, &config));

    // Sequential on classic Lambda; concurrent when AWS_LAMBDA_MAX_CONCURRENCY > 1
    // (Lambda Managed Instances).
    lambda_http::run_concurrent(service_fn(move |req: Request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Infallible>(app.handle(&req).await) }
    }))
    .await
}
