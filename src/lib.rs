//! get-session: the DR REST API's `GET /session` as an AWS Lambda function.
//!
//! A request's session token (`x-dr-session`, `Authorization: Bearer`, or the session
//! cookie) is looked up in a DynamoDB table under its SHA-256; a live record answers
//! `200 {"username": ...}`, no session answers `200 {}`, and every failure answers a
//! `ResponseError {error_code, message, op_id}`.
//!
//! Modules, from the outside in: [`handler`] (HTTP mapping, one log line per request),
//! [`error`] (failure -> status, code, message), [`token`] (request -> token),
//! [`session`] (key derivation, record, liveness), [`store`] (DynamoDB), [`config`]
//! (environment, validated at init), [`telemetry`] (logging).

pub mod config;
pub mod error;
pub mod handler;
pub mod session;
pub mod store;
pub mod telemetry;
pub mod token;

pub use config::Config;
pub use handler::App;
pub use store::{DynamoStore, SessionStore};
