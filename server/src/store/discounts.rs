//! Discount codes: per event, unique by code, limited by uses and time.
//!
//! Policy: a code's use is taken by a conditional UPDATE in the order's transaction (used up or
//! expired: the order is refused, nothing written), so a code with `max_uses = N` is used at most
//! N times however many buyers race for it. A code that orders refer to can be limited or
//! expired, not deleted. A limit lowered below the uses so far is raised to them (the CHECK would
//! refuse it), which stops the code as the organiser meant.
use super::columns::IdList;
use super::{Removed, Saved, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::admin::DiscountKind;
use contract::model::TicketTypeId;

/// A discount code, as checkout applies it and organisers configure it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DiscountRecord {
    pub id: i64,
    pub event_id: i64,
    /// Upper case, as stored.
    pub code: String,
    pub kind: DiscountKind,
    /// Percent: hundredths of a percent; fixed: minor units off each eligible ticket.
    pub amount: i64,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub expires_at: Option<DateTime<Utc>>,
    /// Empty: every ticket type of the event.
    #[sqlx(try_from = "IdList")]
    pub ticket_type_ids: Vec<TicketTypeId>,
}

#[derive(Clone, Debug)]
pub struct DiscountChange {
    pub code: String,
    pub kind: DiscountKind,
    pub amount: i64,
    pub max_uses: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub ticket_type_ids: Vec<TicketTypeId>,
}

#[async_trait]
pub trait Discounts: Send + Sync {
    /// The event's discount code `code` (already upper-cased), if there is one.
    async fn discount_code(&self, event_id: i64, code: &str) -> StoreResult<Option<DiscountRecord>>;
    async fn discounts(&self, event_id: i64) -> StoreResult<Vec<DiscountRecord>>;
    async fn insert_discount(&self, event_id: i64, change: &DiscountChange, now: DateTime<Utc>) -> StoreResult<Saved<DiscountRecord>>;
    async fn update_discount(&self, id: i64, change: &DiscountChange) -> StoreResult<Saved<DiscountRecord>>;
    async fn delete_discount(&self, id: i64) -> StoreResult<Removed>;
}
