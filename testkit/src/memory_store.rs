//! An in-memory [`SessionStore`] for tests and benchmarks of everything but DynamoDB: each
//! key answers a record or a chosen failure. It lives in the test kit: no function builds one.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use get_session::{SessionKey, SessionRecord};
use get_session::{SessionStore, StoreError, Touched};

#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    records: Arc<Mutex<HashMap<String, Result<SessionRecord, StoreError>>>>,
    /// What every touch does instead of writing: fail, or take this long first.
    touch_failure: Option<StoreError>,
    touch_delay: Option<Duration>,
    touches: Arc<AtomicUsize>,
}

impl MemoryStore {
    /// Stores `record` under `key`.
    pub fn with(self, key: &SessionKey, record: SessionRecord) -> Self {
        self.lock().insert(key.as_str().to_owned(), Ok(record));
        self
    }

    /// Makes a lookup of `key` fail with `error`.
    pub fn failing(self, key: &SessionKey, error: StoreError) -> Self {
        self.lock().insert(key.as_str().to_owned(), Err(error));
        self
    }

    /// Makes every touch fail with `error` (after `delay`, if any), or only wait `delay`.
    pub fn touching(mut self, failure: Option<StoreError>, delay: Option<Duration>) -> Self {
        self.touch_failure = failure;
        self.touch_delay = delay;
        self
    }

    /// How many touches wrote.
    pub fn touches(&self) -> usize {
        self.touches.load(Ordering::Relaxed)
    }

    /// The record under `key` now.
    pub fn get(&self, key: &SessionKey) -> Option<SessionRecord> {
        self.lock().get(key.as_str()).cloned().and_then(Result::ok)
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, Result<SessionRecord, StoreError>>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SessionStore for MemoryStore {
    async fn find(&self, key: &SessionKey) -> Result<Option<SessionRecord>, StoreError> {
        self.lock().get(key.as_str()).cloned().transpose()
    }

    async fn touch(
        &self,
        key: &SessionKey,
        now: i64,
        idle_timeout: u32,
    ) -> Result<Touched, StoreError> {
        if let Some(delay) = self.touch_delay {
            tokio::time::sleep(delay).await;
        }
        if let Some(e) = &self.touch_failure {
            return Err(e.clone());
        }
        // The same condition as DynamoDB's: the item exists, and last_seen_at is unset, or
        // before now and within the idle timeout (expiry is not the touch's to judge: it
        // never writes expires_at).
        let mut records = self.lock();
        let Some(Ok(record)) = records.get_mut(key.as_str()) else {
            return Ok(Touched::Declined);
        };
        let idle_since = now.saturating_sub(i64::from(idle_timeout));
        let due = record
            .last_seen_at
            .is_none_or(|seen| seen < now && seen > idle_since);
        if !due {
            return Ok(Touched::Declined);
        }
        record.last_seen_at = Some(now);
        self.touches.fetch_add(1, Ordering::Relaxed);
        Ok(Touched::Written)
    }

    async fn remove(&self, key: &SessionKey) -> Result<Option<SessionRecord>, StoreError> {
        // A key set to fail fails, and keeps its failure (the item is left as it was).
        let mut records = self.lock();
        if let Some(Err(e)) = records.get(key.as_str()) {
            return Err(e.clone());
        }
        Ok(records.remove(key.as_str()).and_then(Result::ok))
    }
}
