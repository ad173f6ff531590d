//! Events: what is on, where and when, and the `version` every cached page is keyed by.
//!
//! Policy: any change that a page shows (the event's own columns, its ticket types, questions,
//! discount codes' visibility) bumps `version` in the same transaction, so the edge's and the
//! origin's caches can never serve a page older than a committed change for longer than their
//! revalidation. The slug is unique; a write that would reuse one answers `Saved::Taken`.
use super::{Saved, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRecord {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub timezone: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub currency: String,
    pub published: bool,
    pub version: i64,
}

#[derive(Clone, Debug)]
pub struct NewEvent {
    pub organiser_id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub timezone: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub currency: String,
    pub published: bool,
}

#[derive(Clone, Debug)]
pub struct EventChange {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub timezone: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub currency: String,
}

/// An event as its organisers list it: with its owner and its totals over all ticket types.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AdminEventRecord {
    #[sqlx(flatten)]
    pub event: EventRecord,
    pub organiser_id: i64,
    #[sqlx(rename = "total_sold")]
    pub sold: i64,
    #[sqlx(rename = "total_capacity")]
    pub capacity: i64,
}

#[async_trait]
pub trait Events: Send + Sync {
    async fn create_event(&self, event: &NewEvent) -> StoreResult<i64>;
    async fn count_events(&self) -> StoreResult<i64>;
    async fn published_events(&self) -> StoreResult<Vec<EventRecord>>;
    async fn event_by_slug(&self, slug: &str) -> StoreResult<Option<EventRecord>>;
    async fn event_by_id(&self, id: i64) -> StoreResult<Option<EventRecord>>;

    async fn organisation_events(&self, organiser_id: i64) -> StoreResult<Vec<AdminEventRecord>>;
    async fn admin_event(&self, event_id: i64) -> StoreResult<Option<AdminEventRecord>>;
    async fn insert_event(&self, organiser_id: i64, change: &EventChange) -> StoreResult<Saved<i64>>;
    /// Bumps the event's version, so pages and caches pick the change up.
    async fn update_event(&self, event_id: i64, change: &EventChange) -> StoreResult<Saved<()>>;
    async fn set_published(&self, event_id: i64, published: bool) -> StoreResult<()>;
}
