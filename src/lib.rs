//! get-session: the DR REST API's session check as AWS Lambda functions, on one core.
//!
//! A request's session token (`x-dr-session`, `Authorization: Bearer`, or the session
//! cookie) is looked up in a DynamoDB table under its SHA-256. `GET /session`
//! (`get-session`): a live record answers `200 {"username": ...}`, no session `200 {}`.
//! `DELETE /session` (`delete-session`, logout): the item is deleted; a live record answers
//! `204`, no session `401`. Every failure answers a `ResponseError {error_code, message,
//! op_id}`. `session-authorizer`: API Gateway's Lambda authorizer for every other route,
//! the same check answered as an allow (with the username), a refusal, or (the store
//! failed) an invocation error.
//!
//! Modules, from the outside in: `function` (what every function's `main` runs: runtime,
//! settings, store, request loop), `front_door` (which service sent the event: API
//! Gateway's two payload versions, ALB, Function URLs, VPC Lattice's two event versions;
//! the response in that door's format), `event_json` (reading only the members a door
//! needs, at any size and nesting), `check` (the session check every function makes),
//! `handler` (the contract's outcomes as HTTP, per method), `authorizer` (the check as
//! API Gateway's authorizer answers), `methods` (the methods a function and a deployment serve), `error`
//! (failure -> status, code, message), `token` (request -> token), `session` (key
//! derivation, record, policy), `store` (the store port, DynamoDB, its HTTPS client),
//! `request_log` (the one line per request), `logging` (set-up, secrets capped), `metrics`
//! (the catalogue, EMF on the request line), `config`
//! (environment, validated at init).
//!
//! The modules are private; what the binaries (`get-session`, `delete-session`,
//! `session-authorizer`, `sessionctl`) and the test
//! kit (`testkit/`) use is re-exported here, and nothing else is public.

mod authorizer;
mod check;
mod config;
mod cors;
mod error;
mod event_json;
mod front_door;
mod function;
mod handler;
mod logging;
mod methods;
mod metrics;
mod request_log;
mod session;
mod store;
mod token;
mod vocabulary;

pub use authorizer::{
    AuthorizerError, AuthorizerResponse, AuthorizerShape, ExecuteApiArn, SessionAuthorizer,
};
pub use config::{parse_duration_secs, Config, ConfigError, Metrics};
pub use cors::AllowedOrigins;
pub use error::ApiError;
pub use front_door::{Event, FrontDoor, FrontDoorResponse, HttpRequest, Unreadable};
pub use function::{run, Function};
pub use handler::{SessionEndpoint, UnknownEvent};
pub use logging::{filter as log_filter, subscriber as log_subscriber, LogFormat};
pub use methods::{Method, Methods};
pub use metrics::{Metric, FUNCTION_DIMENSION, METRICS};
pub use request_log::{field, Outcome};
pub use session::{unix_now, Ended, KeyScheme, Policy, SessionKey, SessionRecord, Username};
pub use store::classify::classify;
pub use store::dynamo::{
    parse_epoch_seconds, EXPIRES_ATTR, ISSUED_ATTR, KEY_ATTR, LAST_SEEN_ATTR, TOUCH_ATTRIBUTES,
    USERNAME_ATTR, USERNAME_INDEX,
};
pub use store::https::{Roots, TrustError};
pub use store::sdk::{
    config_loader, config_loader_trusting, ATTEMPT_TIMEOUT, OPERATION_TIMEOUT, WARM_UP_BUDGET,
};
pub use store::{
    Cause, DynamoStore, SessionStore, StoreError, StoreFailure, Touched, REQUEST_BUDGET,
};
pub use token::{
    extract as extract_token, CookieName, Malformed, SessionToken, Source, TokenError,
    FIELDS as TOKEN_FIELDS,
};
