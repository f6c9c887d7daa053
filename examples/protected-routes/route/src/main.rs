//! A route guarded by `session-authorizer` (examples/protected-routes/template.yaml): it
//! answers `200 {"username", "api"}` with the username API Gateway passed on from the
//! authorizer's context, for a REST API (`requestContext.authorizer.username`) or an HTTP
//! API with payload 2.0 (`requestContext.authorizer.lambda.username`). It never sees a
//! request the authorizer refused, so a missing username is the API's misconfiguration:
//! `500`.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

/// Which API the event came through, and the username its authorizer context carries.
fn identity(event: &Value) -> (&'static str, Option<&str>) {
    let authorizer = &event["requestContext"]["authorizer"];
    match authorizer.get("lambda") {
        Some(lambda) => ("http", lambda["username"].as_str()),
        None => ("rest", authorizer["username"].as_str()),
    }
}

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (api, username) = identity(&event.payload);
    let (status, body) = match username {
        Some(username) => (200, json!({ "username": username, "api": api })),
        None => (
            500,
            json!({ "error": "no authorizer context: is the route guarded?" }),
        ),
    };
    Ok(json!({
        "statusCode": status,
        "headers": { "content-type": "application/json", "cache-control": "no-store" },
        "body": body.to_string(),
        "isBase64Encoded": false,
    }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handle)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_api_s_context() {
        let rest =
            json!({"requestContext": {"authorizer": {"username": "ann", "principalId": "ann"}}});
        let http = json!({"requestContext": {"authorizer": {"lambda": {"username": "bo"}}}});
        assert_eq!(identity(&rest), ("rest", Some("ann")));
        assert_eq!(identity(&http), ("http", Some("bo")));
        assert_eq!(identity(&json!({})), ("rest", None));
    }
}
