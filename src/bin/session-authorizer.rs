//! The `session-authorizer` Lambda function (API Gateway's Lambda authorizer for every other
//! route of the API): wiring only. Configuration, the DynamoDB client and the runtime are
//! [`get_session::run`]'s; this names the handler.

use get_session::SessionAuthorizer;

fn main() -> Result<(), lambda_runtime::Error> {
    get_session::run(SessionAuthorizer::new)
}
