//! The Lambda entry point: wiring only. Configuration and the DynamoDB client are built
//! once at init and shared by every invocation; a bad setting stops the function here.

use std::sync::Arc;

use get_session::{store, Config, DynamoStore, SessionEndpoint};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::value::RawValue;

fn main() -> Result<(), Error> {
    // Classic Lambda sends one request at a time: a current-thread runtime starts faster
    // and spawns no idle workers. Lambda Managed Instances set AWS_LAMBDA_MAX_CONCURRENCY
    // and get a multi-threaded runtime serving that many requests at once.
    let concurrent = std::env::var("AWS_LAMBDA_MAX_CONCURRENCY")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .is_some_and(|n| n > 1);
    let mut runtime = if concurrent {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    runtime.enable_all().build()?.block_on(serve())
}

async fn serve() -> Result<(), Error> {
    let config = Config::from_env();
    get_session::telemetry::init(config.as_ref().ok().and_then(|c| c.metrics.clone()));
    let config = config.inspect_err(|e| tracing::error!(error = %e, "init failed"))?;
    let loader =
        store::sdk::config_loader().inspect_err(|e| tracing::error!(error = %e, "init failed"))?;
    let client = aws_sdk_dynamodb::Client::new(&loader.load().await);
    let store = DynamoStore::new(client, &config.table, config.consistent_read);
    if config.warm_up {
        // Hides the TLS handshake from the first request wherever init runs ahead of it
        // (provisioned concurrency, proactive initialisation); bounded, failure ignored.
        let ready = store.warm_up(store::sdk::WARM_UP_BUDGET).await;
        tracing::debug!(ready, "store connection warm-up");
    }
    let app = Arc::new(SessionEndpoint::new(store, &config));

    // The event is taken as raw JSON (checked well-formed by the runtime, at any depth) and
    // read by `front_door`, so that every header value counts and no value or nesting can
    // fail the invocation. Sequential unless AWS_LAMBDA_MAX_CONCURRENCY > 1.
    lambda_runtime::run_concurrent(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let app = Arc::clone(&app);
        async move {
            app.invoke(event.payload.get(), &event.context.request_id)
                .await
        }
    }))
    .await
}
