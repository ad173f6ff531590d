//! `payment_accounts`, `payments`, `refunds` and `payment_events`: card payments from the first
//! attempt to their order or their refund.
//!
//! Policy: a card order is made only by [`Payments::settle_payment`], in the transaction that
//! records the payment as settled, with the payment's row locked first: so the webhook and the
//! buyer's return, racing, make one order between them. A hold that is still active is claimed as
//! for any order (even past its expiry: its stock was never given back); one that expired or was
//! released takes its stock again through the same conditional UPDATE as a new hold, and if the
//! stock is gone the payment is marked for a full refund in that same transaction. A refund is
//! written (`requested`) before the provider is asked and never counts for more than was paid.
use super::{OrderRecord, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::model::HoldStatus;
use contract::payment::{IntentStatus, RefundStatus, Settlement};
use uuid::Uuid;

/// An organisation's provider account; the secrets as sealed (`payments::secrets`).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaymentAccountRecord {
    pub organiser_id: i64,
    pub publishable_key: String,
    pub secret_key: String,
    pub webhook_secret: String,
    pub live: bool,
    pub updated_at: DateTime<Utc>,
}

/// A checkout attempt's payment, before the provider is asked.
#[derive(Clone, Debug)]
pub struct NewPayment {
    pub hold_id: Uuid,
    pub event_id: i64,
    pub organiser_id: i64,
    pub idempotency_key: String,
    pub amount_minor: i64,
    pub currency: String,
    /// The buyer's checkout (`contract::model::OrderRequest` as JSON): the order is made from it.
    pub checkout: String,
    pub created_at: DateTime<Utc>,
    /// The hold is kept at least this long while its first payment is in flight.
    pub keep_hold_until: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaymentRecord {
    pub id: i64,
    pub hold_id: Uuid,
    pub event_id: i64,
    pub organiser_id: i64,
    pub idempotency_key: String,
    pub intent_id: Option<String>,
    pub client_secret: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: IntentStatus,
    pub settlement: Option<Settlement>,
    pub order_id: Option<i64>,
    pub checkout: String,
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub enum PaymentStart {
    /// Written; the hold is kept until the time given.
    Started(PaymentRecord, DateTime<Utc>),
    /// This attempt (hold and key) was started before: its payment as it stands.
    Existing(PaymentRecord),
    /// The hold cannot be paid for (gone, expired, released, or ordered).
    HoldNotLive(Option<HoldStatus>),
}

/// What settling a successful payment did.
#[derive(Clone, Debug)]
pub enum Settled {
    /// The order: made now (true) or by an earlier settlement (false).
    Ordered(OrderRecord, bool),
    /// No order could be made: this full refund is recorded and must be sent to the provider.
    Refund(RefundRecord),
    /// It was settled by a refund before.
    Refunded,
}

/// Why a paid checkout did not become an order; recorded as the refund's reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoOrder {
    /// The hold expired or was released, and its tickets were sold meanwhile.
    SoldOut,
    /// The hold became an order already (another payment, or another method).
    AlreadyOrdered,
    /// The discount code was used up while the buyer paid.
    DiscountGone,
}

impl NoOrder {
    pub fn reason(self) -> &'static str {
        match self {
            NoOrder::SoldOut => "the tickets were sold out when the payment arrived",
            NoOrder::AlreadyOrdered => "the reservation had been ordered already",
            NoOrder::DiscountGone => "the discount code was used up when the payment arrived",
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RefundRecord {
    pub id: i64,
    pub payment_id: i64,
    pub order_id: Option<i64>,
    pub provider_id: Option<String>,
    pub amount_minor: i64,
    pub status: RefundStatus,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The payment's intent and organisation, read by the same statement.
    pub intent_id: Option<String>,
    pub organiser_id: i64,
}

/// An organiser's refund of (part of) a paid order.
#[derive(Clone, Debug)]
pub struct NewRefund {
    pub order_id: i64,
    pub amount_minor: i64,
    pub reason: String,
    pub user_id: Option<i64>,
    pub at: DateTime<Utc>,
    /// The buyer's email about it, queued in the refund's own transaction.
    pub tell_buyer: Option<super::NewEmail>,
}

#[derive(Clone, Debug)]
pub enum RefundRequest {
    Requested(RefundRecord),
    /// The order was not paid by card (nothing to send back through the provider).
    NotCardPaid,
    /// More than is left: this much can still be refunded.
    TooMuch {
        left_minor: i64,
    },
}

#[async_trait]
pub trait Payments: Send + Sync {
    async fn payment_account(&self, organiser_id: i64) -> StoreResult<Option<PaymentAccountRecord>>;
    async fn save_payment_account(&self, account: &PaymentAccountRecord, user_id: Option<i64>) -> StoreResult<()>;
    /// False: there was none.
    async fn remove_payment_account(&self, organiser_id: i64) -> StoreResult<bool>;

    /// Records a checkout attempt for a live hold (once per hold and key), and keeps the hold for
    /// the payment: its expiry moves to `keep_hold_until` with its first payment, never again.
    async fn start_payment(&self, payment: &NewPayment) -> StoreResult<PaymentStart>;
    async fn payment_by_attempt(&self, hold_id: Uuid, idempotency_key: &str) -> StoreResult<Option<PaymentRecord>>;
    async fn payment_by_intent(&self, intent_id: &str) -> StoreResult<Option<PaymentRecord>>;
    async fn payment_by_id(&self, id: i64) -> StoreResult<Option<PaymentRecord>>;
    async fn payment_of_order(&self, order_id: i64) -> StoreResult<Option<PaymentRecord>>;
    /// What the provider said of the attempt. A settled or succeeded payment keeps its status.
    async fn record_intent(
        &self,
        payment_id: i64,
        intent_id: Option<&str>,
        client_secret: Option<&str>,
        status: IntentStatus,
        message: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Settles a payment the provider says succeeded: its order (see the module's policy), or a
    /// full refund recorded for the reason given by [`NoOrder`].
    async fn settle_payment(&self, payment_id: i64, order: &super::NewOrder) -> StoreResult<Settled>;
    /// Attempts neither failed nor settled, last touched before `before`: for reconciliation.
    async fn unsettled_payments(&self, before: DateTime<Utc>, limit: i64) -> StoreResult<Vec<PaymentRecord>>;

    async fn request_refund(&self, refund: &NewRefund) -> StoreResult<RefundRequest>;
    /// What the provider said of a refund. A failed refund gives its amount back to the order.
    async fn record_refund(&self, refund_id: i64, provider_id: Option<&str>, status: RefundStatus, at: DateTime<Utc>) -> StoreResult<()>;
    async fn refund_by_provider_id(&self, provider_id: &str) -> StoreResult<Option<RefundRecord>>;
    /// Refunds not yet confirmed, last touched before `before`: for reconciliation.
    async fn unfinished_refunds(&self, before: DateTime<Utc>, limit: i64) -> StoreResult<Vec<RefundRecord>>;
    async fn refunds_of_order(&self, order_id: i64) -> StoreResult<Vec<RefundRecord>>;

    /// Whether a webhook event was applied already.
    async fn payment_event_seen(&self, event_id: &str) -> StoreResult<bool>;
    /// Records an applied webhook event (a second record of the same id is a no-op).
    async fn record_payment_event(&self, event_id: &str, organiser_id: i64, kind: &str, at: DateTime<Utc>) -> StoreResult<()>;
}
