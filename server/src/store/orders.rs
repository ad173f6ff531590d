//! Orders and their tickets: what a live hold becomes, and what organisers search, cancel and
//! count.
//!
//! Policy: an order is made only from a live hold, claimed by a conditional UPDATE in the order's
//! transaction, and at most once per idempotency key (the UNIQUE constraint decides, see
//! `unique.rs`: only that constraint means "replay"). Ordering moves the hold's stock from held to
//! sold; cancelling moves it from sold back to sale and gives a discount's use back, in the same
//! transaction. The status an organiser sees is decided in one place, `contract::columns::OrderState`.
use super::{ReturnedStock, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::admin::{AdminOrder, AdminOrderSummary};
use contract::model::{Answer, HoldStatus, OrderStatus, PaymentMethod, TicketTypeId};
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct NewOrder {
    pub hold_id: Uuid,
    pub idempotency_key: String,
    pub reference: String,
    pub access_token: String,
    pub buyer_name: String,
    pub buyer_email: String,
    pub status: OrderStatus,
    pub payment: PaymentMethod,
    /// After the discount.
    pub total_minor: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    /// When an unpaid (offline) order lapses; None for an order paid when made.
    pub pay_by: Option<DateTime<Utc>>,
    pub tickets: Vec<NewTicket>,
    /// A discount code's use, taken in the order's transaction (or the order is refused).
    pub discount: Option<AppliedDiscount>,
    /// Stored with the order, in its transaction; labels copied from the questions.
    pub answers: Vec<Answer>,
    /// The subject of the confirmation email, queued in the order's transaction (the mailer
    /// writes the rest when it sends it).
    pub confirmation_subject: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AppliedDiscount {
    pub code_id: i64,
    /// The code as stored (upper case), for the order's record.
    pub code: String,
    /// What it took off the order's total.
    pub minor: i64,
}

#[derive(Clone, Debug)]
pub struct NewTicket {
    pub ticket_type_id: TicketTypeId,
    pub code: String,
    pub attendee_name: String,
    pub attendee_email: String,
}

#[derive(Clone, Debug)]
pub enum OrderOutcome {
    Created(OrderRecord),
    /// The idempotency key was used before for this hold: the order made then.
    Replayed(OrderRecord),
    /// The idempotency key was used before for another hold.
    KeyReused,
    /// The hold cannot become an order (gone, expired, released, or already ordered).
    HoldNotLive(Option<HoldStatus>),
    /// The discount code could not take one more use (used up, expired or removed since it was
    /// checked). Nothing was written: the hold is still live.
    DiscountRefused,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrderRecord {
    pub id: i64,
    pub reference: String,
    pub access_token: String,
    pub hold_id: Uuid,
    pub event_id: i64,
    pub buyer_name: String,
    pub buyer_email: String,
    pub status: OrderStatus,
    pub payment: PaymentMethod,
    pub total_minor: i64,
    pub discount_minor: i64,
    pub discount_code: Option<String>,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    /// Read by their own statement.
    #[sqlx(skip)]
    pub tickets: Vec<TicketRecord>,
    /// Read by their own statement.
    #[sqlx(skip)]
    pub answers: Vec<Answer>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TicketRecord {
    pub code: String,
    pub ticket_type_id: TicketTypeId,
    pub ticket_type_name: String,
    pub attendee_name: String,
    pub attendee_email: String,
}

#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    /// Matches the reference, the buyer's name or email, case-insensitively.
    pub query: String,
    /// None: all; Some(false): not cancelled; Some(true): cancelled.
    pub cancelled: Option<bool>,
    pub limit: i64,
    pub offset: i64,
}

/// One order as organisers open it: the contract's [`AdminOrder`], and the token of its buyer's
/// order page (which the admin API never shows, but a resent confirmation links to).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AdminOrderRecord {
    #[sqlx(flatten)]
    pub order: AdminOrder,
    pub access_token: String,
}

/// Who changed an order after it was made, and why: its history row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderChange {
    /// None: the origin itself (an unpaid order lapsing).
    pub user_id: Option<i64>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MarkPaidOutcome {
    Paid,
    /// It was paid (or free) already.
    AlreadyPaid,
    Cancelled,
    NotFound,
}

#[derive(Clone, Debug)]
pub enum CancelOutcome {
    /// Cancelled now; this stock went back on sale.
    Cancelled(ReturnedStock),
    AlreadyCancelled,
    NotFound,
}

#[derive(Clone, Debug, Default)]
pub struct SalesRecord {
    pub revenue_minor: i64,
    pub orders: i64,
    pub checked_in: i64,
    /// Revenue per ticket type (tickets' share of their order's total, before discounts: see docs).
    pub revenue_by_type: Vec<(TicketTypeId, i64)>,
    /// (minute, tickets sold in it), only minutes with sales, oldest first.
    pub per_minute: Vec<(DateTime<Utc>, i64)>,
}

#[async_trait]
pub trait Orders: Send + Sync {
    /// Turns a live hold into an order with its tickets, at most once per hold and per key. With a
    /// discount, the code's use is taken in the same transaction by a conditional UPDATE; when it
    /// cannot be (`DiscountRefused`), nothing is written.
    async fn place_order(&self, order: &NewOrder) -> StoreResult<OrderOutcome>;
    /// The same for many orders in one transaction, moving each ticket type's stock once. Any
    /// error fails the whole batch (nothing written); outcomes are in the order of `orders`.
    /// Orders with a discount go one by one through `place_order`, so a code that refuses one
    /// cannot fail the others.
    async fn place_orders(&self, orders: &[NewOrder]) -> StoreResult<Vec<OrderOutcome>>;
    async fn order_by_token(&self, access_token: &str) -> StoreResult<Option<OrderRecord>>;
    /// With its tickets and answers, as `order_by_token`.
    async fn order_by_id(&self, order_id: i64) -> StoreResult<Option<OrderRecord>>;

    async fn search_orders(&self, event_id: i64, filter: &OrderFilter) -> StoreResult<(i64, Vec<AdminOrderSummary>)>;
    async fn admin_order(&self, order_id: i64) -> StoreResult<Option<AdminOrderRecord>>;
    /// Cancels, refunding what was paid (nothing for an order awaiting payment); the tickets'
    /// stock goes back on sale, a discount use is given back and the change is written to the
    /// order's history with `why`, and `tell_buyer` is queued, all in one transaction.
    async fn cancel_order(
        &self,
        order_id: i64,
        why: &OrderChange,
        tell_buyer: Option<&super::NewEmail>,
        now: DateTime<Utc>,
    ) -> StoreResult<CancelOutcome>;
    /// Marks an order awaiting payment as paid, with its history row, in one transaction.
    async fn mark_paid(&self, order_id: i64, why: &OrderChange, now: DateTime<Utc>) -> StoreResult<MarkPaidOutcome>;
    /// Orders awaiting payment whose `pay_by` has passed at `now`, oldest first.
    async fn lapsed_unpaid_orders(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<i64>>;
    async fn sales(&self, event_id: i64, since: DateTime<Utc>) -> StoreResult<SalesRecord>;
}
