//! get-session: the DR REST API's `GET /session` as an AWS Lambda function.
//!
//! A request's session token (`x-dr-session`, `Authorization: Bearer`, or the session
//! cookie) is looked up in a DynamoDB table under its SHA-256; a live record answers
//! `200 {"username": ...}`, no session answers `200 {}`, and every failure answers a
//! `ResponseError {error_code, message, op_id}`.
//!
//! Modules, from the outside in: [`front_door`] (event JSON of API Gateway, ALB and
//! Function URLs -> the HTTP request; the response in the same door's format),
//! [`handler`] (the contract's outcomes as HTTP, one log line per request), [`error`]
//! (failure -> status, code, message), [`token`] (request -> token), [`session`] (key
//! derivation, record, liveness), [`store`] (the store port, DynamoDB), [`config`]
//! (environment, validated at init), [`telemetry`] (logging and metrics).

pub mod config;
pub mod error;
pub mod event_json;
pub mod front_door;
pub mod handler;
pub mod request_log;
pub mod session;
pub mod store;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod token;
mod vocabulary;

pub use config::Config;
pub use handler::SessionEndpoint;
pub use store::{DynamoStore, SessionStore};
