//! The in-process micro-cache of event snapshots. At an on-sale, thousands of page views and
//! availability polls a second ask for the same event; this turns them into at most one database
//! read per event per TTL, and concurrent misses for one event wait for a single load.
//! Stock shown may be up to one TTL old; the database still decides every hold.
use app::model::EventSnapshot;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Slot = Arc<tokio::sync::Mutex<Option<(Instant, Arc<EventSnapshot>)>>>;

pub struct SnapshotCache {
    ttl: Duration,
    slots: Mutex<HashMap<String, Slot>>,
}

impl SnapshotCache {
    pub fn new(ttl: Duration) -> Self {
        SnapshotCache { ttl, slots: Mutex::new(HashMap::new()) }
    }

    /// The cached snapshot if fresh, else the result of `load` (cached when it is `Ok(Some)`).
    pub async fn get_or_load<E, F>(&self, slug: &str, load: F) -> Result<Option<Arc<EventSnapshot>>, E>
    where
        F: Future<Output = Result<Option<EventSnapshot>, E>>,
    {
        if self.ttl.is_zero() {
            return Ok(load.await?.map(Arc::new));
        }
        let slot = self.slots.lock().expect("snapshot cache lock").entry(slug.to_string()).or_default().clone();
        let mut entry = slot.lock().await;
        if let Some((at, snapshot)) = entry.as_ref() {
            if at.elapsed() < self.ttl {
                return Ok(Some(snapshot.clone()));
            }
        }
        match load.await? {
            Some(snapshot) => {
                let snapshot = Arc::new(snapshot);
                *entry = Some((Instant::now(), snapshot.clone()));
                Ok(Some(snapshot))
            }
            None => {
                drop(entry);
                // Unknown slugs must not grow the map.
                self.slots.lock().expect("snapshot cache lock").remove(slug);
                Ok(None)
            }
        }
    }

    /// Forgets an event's snapshot, so this instance shows its own changes at once.
    pub fn invalidate(&self, slug: &str) {
        self.slots.lock().expect("snapshot cache lock").remove(slug);
    }
}
