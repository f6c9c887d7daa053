//! What every function of this crate does around its handler: one runtime, one
//! configuration, one DynamoDB client, one request loop.
//!
//! Why a module of its own: `get-session` is the first of several functions on one core
//! (`delete-session`, `session-authorizer`). Each binary is a thin `main` that names its
//! handler; how the process starts (the Tokio runtime for classic Lambda or Lambda Managed
//! Instances), how init fails (one log line, then the error the runtime reports), how the
//! store is built and warmed, and how events reach the handler are written here, once.

use std::future::Future;
use std::sync::Arc;

use lambda_runtime::{service_fn, Diagnostic, Error, LambdaEvent};
use serde_json::value::RawValue;

use crate::config::Config;
use crate::store::{sdk, DynamoStore};

/// A function's handler: one invocation's event JSON and request id in, its answer out.
pub trait Function: Send + Sync + 'static {
    /// The answer the runtime serialises back to the caller.
    type Response: serde::Serialize + Send;
    /// An invocation error (an event the function cannot answer at all).
    type Error: Into<Diagnostic> + std::fmt::Debug + Send;

    /// Answers one invocation. `event` is the invocation's JSON as the runtime received it.
    fn invoke(
        &self,
        event: &str,
        request_id: &str,
    ) -> impl Future<Output = Result<Self::Response, Self::Error>> + Send;
}

/// Runs a function built by `build` from the store and the settings: the whole life of the
/// process. A bad setting or trust store stops it at init, logged first.
pub fn run<F: Function>(build: impl FnOnce(DynamoStore, &Config) -> F) -> Result<(), Error> {
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
    runtime.enable_all().build()?.block_on(serve(build))
}

async fn serve<F: Function>(build: impl FnOnce(DynamoStore, &Config) -> F) -> Result<(), Error> {
    let config = Config::from_env();
    crate::logging::init(config.as_ref().ok().and_then(|c| c.metrics.clone()));
    let config = config.inspect_err(|e| tracing::error!(error = %e, "init failed"))?;
    let loader =
        sdk::config_loader().inspect_err(|e| tracing::error!(error = %e, "init failed"))?;
    let client = aws_sdk_dynamodb::Client::new(&loader.load().await);
    let store = DynamoStore::new(client, &config.table, config.consistent_read);
    if config.warm_up {
        // Hides the TLS handshake from the first request wherever init runs ahead of it
        // (provisioned concurrency, proactive initialisation); bounded, failure ignored.
        let ready = store.warm_up(sdk::WARM_UP_BUDGET).await;
        tracing::debug!(ready, "store connection warm-up");
    }
    let function = Arc::new(build(store, &config));

    // The event is taken as raw JSON (checked well-formed by the runtime, at any depth) and
    // read by the handler, so that every header value counts and no value or nesting can
    // fail the invocation. Sequential unless AWS_LAMBDA_MAX_CONCURRENCY > 1.
    lambda_runtime::run_concurrent(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let function = Arc::clone(&function);
        async move {
            function
                .invoke(event.payload.get(), &event.context.request_id)
                .await
        }
    }))
    .await
}
