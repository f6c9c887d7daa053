//! Test support shared by the integration tests, the property tests, the fuzz target and
//! the benchmarks (the `testing` feature): the sample events in `events/` (the same files
//! users invoke), events of every front door's shape built from them, and events grown
//! toward Lambda's 6 MB payload limit in each way an event can grow.
//!
//! Not part of the function: the `testing` feature is off in every build that ships.
//!
//! Each concern has its module: [`events`] (what goes in), [`answers`] (invoking and what
//! comes out), [`logs`] (the lines written), [`local_dynamodb`] (the real local store).

pub mod answers;
pub mod events;
pub mod local_dynamodb;
pub mod logs;

pub use crate::store::dynamo::{
    EXPIRES_ATTR, ISSUED_ATTR, KEY_ATTR, LAST_SEEN_ATTR, USERNAME_ATTR, USERNAME_INDEX,
};
pub use answers::*;
pub use events::*;
pub use local_dynamodb::*;
pub use logs::*;
