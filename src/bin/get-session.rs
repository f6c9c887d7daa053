//! The `get-session` Lambda function (`GET /session`): wiring only. Configuration, the
//! DynamoDB client and the runtime are [`get_session::run`]'s; this names the handler.

use get_session::SessionEndpoint;

fn main() -> Result<(), lambda_runtime::Error> {
    get_session::run(SessionEndpoint::get)
}
