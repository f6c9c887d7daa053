//! get-session's test kit, for its integration tests, property tests, benchmarks and fuzz
//! target: the sample events in `events/` (the same files users invoke), events of every
//! front door's shape built from them, events grown toward Lambda's 6 MB payload limit,
//! the contract's assertions on an answer, the captured log lines, the local DynamoDB, an
//! in-memory store, and a fake DynamoDB endpoint for faults a real server cannot produce.
//!
//! Why a crate of its own: none of this ships. The function's crate has it as a
//! dev-dependency only, so its library holds nothing but the functions' code.
//!
//! Each concern has its module: [`events`] (what goes in), [`answers`] (invoking and what
//! comes out), [`logs`] (the lines written), [`local_dynamodb`] (the real local store),
//! [`memory_store`] (a store in a map), [`fake_dynamodb`] (a misbehaving endpoint).

pub mod answers;
pub mod dynamo_proxy;
pub mod events;
pub mod fake_dynamodb;
pub mod judge;
pub mod local_dynamodb;
pub mod logs;
pub mod memory_store;
pub mod token_table;

pub use answers::*;
pub use events::*;
pub use get_session::{
    EXPIRES_ATTR, ISSUED_ATTR, KEY_ATTR, LAST_SEEN_ATTR, USERNAME_ATTR, USERNAME_INDEX,
};
pub use local_dynamodb::*;
pub use logs::*;
pub use memory_store::MemoryStore;
