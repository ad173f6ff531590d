//! Events: what is on, where and when, and the `version` every cached page is keyed by.
//!
//! Policy: any change that a page shows (the event's own columns, its ticket types, questions,
//! discount codes' visibility) bumps `version` in the same transaction, so the edge's and the
//! origin's caches can never serve a page older than a committed change for longer than their
//! revalidation. The slug is unique; a write that would reuse one answers `Saved::Taken`.
use super::{Saved, StoreResult};
use async_trait::async_trait;
pub use contract::model::EventDetails;

/// An event's row: what its organiser set, and what the store keeps of it (publication, version).
/// It derefs to its details, so `event.slug` reads as the column it is.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRecord {
    pub id: i64,
    /// The organisation that owns it (whose payment account takes its cards).
    pub organiser_id: i64,
    #[sqlx(flatten)]
    pub details: EventDetails,
    pub published: bool,
    pub version: i64,
}

impl std::ops::Deref for EventRecord {
    type Target = EventDetails;

    fn deref(&self) -> &EventDetails {
        &self.details
    }
}

/// An event as its organisers list it: with its owner and its totals over all ticket types.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AdminEventRecord {
    #[sqlx(flatten)]
    pub event: EventRecord,
    #[sqlx(rename = "total_sold")]
    pub sold: i64,
    #[sqlx(rename = "total_capacity")]
    pub capacity: i64,
}

#[async_trait]
pub trait Events: Send + Sync {
    /// The one way an event is made (by organisers, the demo, tests and the simulator alike).
    async fn create_event(&self, organiser_id: i64, details: &EventDetails, published: bool) -> StoreResult<Saved<i64>>;
    async fn count_events(&self) -> StoreResult<i64>;
    async fn published_events(&self) -> StoreResult<Vec<EventRecord>>;
    async fn event_by_slug(&self, slug: &str) -> StoreResult<Option<EventRecord>>;
    async fn event_by_id(&self, id: i64) -> StoreResult<Option<EventRecord>>;

    async fn organisation_events(&self, organiser_id: i64) -> StoreResult<Vec<AdminEventRecord>>;
    async fn admin_event(&self, event_id: i64) -> StoreResult<Option<AdminEventRecord>>;
    /// Bumps the event's version, so pages and caches pick the change up.
    async fn update_event(&self, event_id: i64, change: &EventDetails) -> StoreResult<Saved<()>>;
    async fn set_published(&self, event_id: i64, published: bool) -> StoreResult<()>;
}
