//! The one cache of events on this origin, in front of the database.
//!
//! At an on-sale, thousands of page views, availability polls, holds and orders a second ask for
//! the same event. This cache turns them into at most one database read per event per TTL
//! (`SNAPSHOT_CACHE_MS`), and concurrent misses for one event wait for a single load (moka's
//! `try_get_with` coalesces them). Stock shown may be up to one TTL old; the database still
//! decides every hold.
//!
//! Policy: every change an organiser makes calls [`EventCache::changed`], which drops what this
//! origin holds of the event, so the change shows here at once. Other origins and the edge pick it
//! up within their own TTLs, since every change bumps the event's version. A load that was already
//! running when the change came may put the old event back for at most one TTL.
mod loaded;
mod snapshot;

pub use loaded::{LoadedEvent, SecretTicketType, TaggedJson};
pub use snapshot::{build_snapshot, when_display};

use crate::store::{EventRecord, Store, StoreError, StoreResult};
use moka::future::Cache;
use std::sync::Arc;
use std::time::Duration;

/// Most events kept at once: far more than one origin sells at the same moment.
const MAX_EVENTS: u64 = 10_000;

pub struct EventCache {
    store: Arc<dyn Store>,
    /// None: every read goes to the database (a TTL of 0).
    published: Option<Cache<String, Arc<LoadedEvent>>>,
    /// Events by id, published or not, for holds and orders, which know only the id.
    records: Option<Cache<i64, Arc<EventRecord>>>,
}

/// Why a load put nothing in the cache; shared by every request that waited for it.
#[derive(Debug, thiserror::Error)]
enum Missing {
    #[error("no such event")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl EventCache {
    pub fn new(store: Arc<dyn Store>, ttl: Duration) -> EventCache {
        let on = !ttl.is_zero();
        EventCache {
            store,
            published: on.then(|| Cache::builder().max_capacity(MAX_EVENTS).time_to_live(ttl).build()),
            records: on.then(|| Cache::builder().max_capacity(MAX_EVENTS).time_to_live(ttl).build()),
        }
    }

    /// The published event at `slug`, as served; None if there is none.
    #[tracing::instrument(skip(self))]
    pub async fn published(&self, slug: &str) -> StoreResult<Option<Arc<LoadedEvent>>> {
        let store = self.store.as_ref();
        let load = async move { snapshot::load(store, slug).await?.map(Arc::new).ok_or(Missing::NotFound) };
        match &self.published {
            None => found(load.await),
            Some(cache) => found(cache.try_get_with(slug.to_string(), load).await.map_err(shared)),
        }
    }

    /// The event with this id, published or not; None if there is none.
    #[tracing::instrument(skip(self))]
    pub async fn record(&self, id: i64) -> StoreResult<Option<Arc<EventRecord>>> {
        let store = self.store.as_ref();
        let load = async move { store.event_by_id(id).await?.map(Arc::new).ok_or(Missing::NotFound) };
        match &self.records {
            None => found(load.await),
            Some(cache) => found(cache.try_get_with(id, load).await.map_err(shared)),
        }
    }

    /// An organiser changed the event: forget it, under every slug it was served at.
    pub async fn changed(&self, event_id: i64) {
        if let Some(records) = &self.records {
            records.invalidate(&event_id).await;
        }
        if let Some(published) = &self.published {
            let slugs: Vec<Arc<String>> = published.iter().filter(|(_, event)| event.id == event_id).map(|(slug, _)| slug).collect();
            for slug in slugs {
                published.invalidate(slug.as_str()).await;
            }
        }
    }
}

fn found<T>(result: Result<T, Missing>) -> StoreResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(Missing::NotFound) => Ok(None),
        Err(Missing::Store(err)) => Err(err),
    }
}

/// Every waiter of a failed load gets its own copy of the error.
fn shared(err: Arc<Missing>) -> Missing {
    match err.as_ref() {
        Missing::NotFound => Missing::NotFound,
        Missing::Store(StoreError::Busy(detail)) => Missing::Store(StoreError::Busy(detail.clone())),
        Missing::Store(StoreError::Unexpected(err)) => Missing::Store(StoreError::Unexpected(anyhow::anyhow!("{err:#}"))),
    }
}
