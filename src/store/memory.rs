//! An in-memory [`SessionStore`] for tests and benchmarks of everything but DynamoDB: each
//! key answers a record or a chosen failure. The function's binary never builds one.

use std::collections::HashMap;

use super::{SessionStore, StoreError};
use crate::session::{SessionKey, SessionRecord};

#[derive(Debug, Default, Clone)]
pub struct MemoryStore(HashMap<String, Result<SessionRecord, StoreError>>);

impl MemoryStore {
    /// Stores `record` under `key`.
    pub fn with(mut self, key: &SessionKey, record: SessionRecord) -> Self {
        self.0.insert(key.as_str().to_owned(), Ok(record));
        self
    }

    /// Makes a lookup of `key` fail with `error`.
    pub fn failing(mut self, key: &SessionKey, error: StoreError) -> Self {
        self.0.insert(key.as_str().to_owned(), Err(error));
        self
    }
}

impl SessionStore for MemoryStore {
    async fn find(&self, key: &SessionKey) -> Result<Option<SessionRecord>, StoreError> {
        self.0.get(key.as_str()).cloned().transpose()
    }
}
