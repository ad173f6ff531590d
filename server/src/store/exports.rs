//! Attendee exports. The table is also the job queue: a worker claims the oldest queued export
//! with a conditional UPDATE, so two workers never build the same one.
//!
//! Policy: an export reads tickets in pages by id (keyset, not OFFSET), so a big event is read in
//! bounded statements and tickets sold meanwhile cannot shift a page.
use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::admin::{AdminOrderStatus, ExportJob};
use contract::columns::OrderState;
use contract::model::PaymentMethod;

/// One ticket as the attendee export lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttendeeRow {
    pub ticket_id: i64,
    pub order_id: i64,
    pub code: String,
    pub ticket_type_name: String,
    pub attendee_name: String,
    pub attendee_email: String,
    pub order_reference: String,
    pub buyer_name: String,
    pub buyer_email: String,
    /// As organisers see it (see `contract::columns::OrderState`).
    #[sqlx(flatten, try_from = "OrderState")]
    pub order_status: AdminOrderStatus,
    /// How the order is paid, what it charged and what went back (the payment state).
    pub payment: PaymentMethod,
    pub total_minor: i64,
    pub refunded_minor: i64,
    pub currency: String,
    pub cancelled: bool,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub ordered_at: DateTime<Utc>,
}

#[async_trait]
pub trait Exports: Send + Sync {
    async fn insert_export(&self, event_id: i64, user_id: i64, now: DateTime<Utc>) -> StoreResult<ExportJob>;
    async fn export(&self, id: i64) -> StoreResult<Option<ExportJob>>;
    async fn export_csv(&self, id: i64) -> StoreResult<Option<String>>;
    /// Takes the oldest queued export for this worker (none if another took it).
    async fn claim_export(&self, now: DateTime<Utc>) -> StoreResult<Option<ExportJob>>;
    async fn export_progress(&self, id: i64, done: i64, total: i64) -> StoreResult<()>;
    async fn finish_export(&self, id: i64, result: Result<String, String>, now: DateTime<Utc>) -> StoreResult<()>;
    async fn count_attendees(&self, event_id: i64) -> StoreResult<i64>;
    /// Tickets with id above `after`, in id order, at most `limit`.
    async fn attendees_page(&self, event_id: i64, after: i64, limit: i64) -> StoreResult<Vec<AttendeeRow>>;
}
