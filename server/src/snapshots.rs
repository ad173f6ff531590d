//! The in-process micro-cache of event snapshots. At an on-sale, thousands of page views and
//! availability polls a second ask for the same event; this turns them into at most one database
//! read per event per TTL, and concurrent misses for one event wait for a single load.
//! Stock shown may be up to one TTL old; the database still decides every hold.
use app::model::{Availability, EventSnapshot};
use axum::body::Bytes;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An event as served: its id, its snapshot, and the JSON of the snapshot and of its availability,
/// each serialised and tagged once per load rather than once per request.
pub struct LoadedEvent {
    pub id: i64,
    pub snapshot: EventSnapshot,
    pub snapshot_json: TaggedJson,
    pub availability_json: TaggedJson,
    /// The event page's HTML, rendered by the first request that needs it.
    pub page_html: std::sync::OnceLock<Bytes>,
}

impl LoadedEvent {
    pub fn new(id: i64, snapshot: EventSnapshot) -> LoadedEvent {
        let availability_json = TaggedJson::of(&Availability::from(&snapshot));
        LoadedEvent { id, snapshot_json: TaggedJson::of(&snapshot), availability_json, snapshot, page_html: Default::default() }
    }
}

/// A JSON body and its ETag. The tag covers the content but not `generated_at`, so a poll that
/// finds nothing changed can be answered with a 304.
pub struct TaggedJson {
    pub body: Bytes,
    pub etag: String,
}

impl TaggedJson {
    fn of<T: serde::Serialize>(value: &T) -> TaggedJson {
        let mut content = serde_json::to_value(value).expect("API types serialise");
        let body = serde_json::to_vec(&content).expect("JSON values serialise");
        if let Some(fields) = content.as_object_mut() {
            fields.remove("generated_at");
        }
        let tagged = serde_json::to_vec(&content).expect("JSON values serialise");
        TaggedJson { body: Bytes::from(body), etag: format!("\"{}\"", hex::encode(&Sha256::digest(&tagged)[..12])) }
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<(Instant, Arc<LoadedEvent>)>>>;

pub struct SnapshotCache {
    ttl: Duration,
    slots: Mutex<HashMap<String, Slot>>,
}

impl SnapshotCache {
    pub fn new(ttl: Duration) -> Self {
        SnapshotCache { ttl, slots: Mutex::new(HashMap::new()) }
    }

    /// The cached event if fresh, else the result of `load` (cached when it is `Ok(Some)`).
    pub async fn get_or_load<E, F>(&self, slug: &str, load: F) -> Result<Option<Arc<LoadedEvent>>, E>
    where
        F: Future<Output = Result<Option<LoadedEvent>, E>>,
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
            Some(loaded) => {
                let loaded = Arc::new(loaded);
                *entry = Some((Instant::now(), loaded.clone()));
                Ok(Some(loaded))
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
