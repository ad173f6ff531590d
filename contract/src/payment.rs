//! Paying by card: what the checkout page sends and what it is told.
//!
//! Policy: the amount is never the browser's to say. The page sends the checkout (buyer,
//! attendees, answers, discount code) and the card as the provider's browser library made it (a
//! PaymentMethod id); the origin computes the total from the hold in the database, asks the
//! provider for exactly that, and makes the order only when the provider says it was paid. Both
//! the provider's webhook and the page's return (`.../payment/complete`) settle a payment; whichever
//! comes first makes the order, the other finds it made.
use crate::model::{Order, OrderRequest};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /api/holds/{id}/payment`, with the checkout attempt's `Idempotency-Key`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CardPaymentRequest {
    /// The order to make once paid (`payment` must be `card`).
    pub order: OrderRequest,
    /// The card: a PaymentMethod id from the provider's browser library (`pm_...`).
    pub payment_method: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// The bank wants the buyer to confirm (3-D Secure): the page hands `client_secret` to the
    /// provider's library, then calls `.../payment/complete`.
    RequiresAction,
    /// The provider has not decided yet: ask again in a moment.
    Processing,
    /// Paid, and the order is made (`order`).
    Paid,
    /// Declined or not authenticated: `message` says why; the hold is kept for another card.
    Failed,
    /// Paid, but the tickets were gone by the time the payment arrived: the money is on its way back.
    Refunded,
}

words!(PaymentStatus {
    RequiresAction => "requires_action",
    Processing => "processing",
    Paid => "paid",
    Failed => "failed",
    Refunded => "refunded",
});

/// Where a card payment stands, as the checkout page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentState {
    pub status: PaymentStatus,
    /// For `requires_action` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// In words: the bank's reason for a decline, or what happens next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For `paid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    /// Until when the tickets are kept while the payment is in flight (the countdown shows it).
    pub hold_expires_at: DateTime<Utc>,
}

/// What the checkout page needs to take a card for this event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CardOptions {
    /// The organiser's publishable key (public by design).
    pub publishable_key: String,
    /// A test-mode account: the page says so, and no real money moves.
    pub test_mode: bool,
    /// The provider's browser library.
    pub js_url: String,
}

/// Whether a key is a test-mode key ("pk_test_...", "sk_test_...", "rk_test_...").
pub fn is_test_key(key: &str) -> bool {
    key.split('_').nth(1) == Some("test")
}

/// A checkout attempt's payment as the provider last described it (the `payments.status` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentStatus {
    /// Written before the provider is asked; no answer recorded yet.
    Created,
    RequiresAction,
    Processing,
    /// Declined, not authenticated, or abandoned with a card that failed.
    Failed,
    Canceled,
    Succeeded,
}

words!(IntentStatus {
    Created => "created",
    RequiresAction => "requires_action",
    Processing => "processing",
    Failed => "failed",
    Canceled => "canceled",
    Succeeded => "succeeded",
});

impl IntentStatus {
    /// From the provider's PaymentIntent status. `requires_payment_method` after a confirmation is a
    /// failure (declined, or 3-D Secure failed); `requires_confirmation` and `requires_capture` are
    /// in flight.
    pub fn from_provider(status: &str) -> IntentStatus {
        match status {
            "succeeded" => IntentStatus::Succeeded,
            "requires_action" => IntentStatus::RequiresAction,
            "canceled" => IntentStatus::Canceled,
            "requires_payment_method" => IntentStatus::Failed,
            _ => IntentStatus::Processing,
        }
    }
}

/// What became of a payment that succeeded (the `payments.settlement` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    /// Its order was made.
    Ordered,
    /// No order could be made (the stock was gone): it is refunded in full.
    Refunded,
}

words!(Settlement { Ordered => "ordered", Refunded => "refunded" });

/// A refund's progress (the `refunds.status` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Recorded; the provider has not confirmed it yet (or was not reachable: the reconciliation
    /// worker asks again with the same idempotency key).
    Requested,
    /// The provider accepted it and will confirm by webhook.
    Pending,
    Succeeded,
    Failed,
}

words!(RefundStatus { Requested => "requested", Pending => "pending", Succeeded => "succeeded", Failed => "failed" });

impl RefundStatus {
    /// From the provider's Refund status.
    pub fn from_provider(status: &str) -> RefundStatus {
        match status {
            "succeeded" => RefundStatus::Succeeded,
            "failed" | "canceled" => RefundStatus::Failed,
            _ => RefundStatus::Pending,
        }
    }

    /// Counts against what is left to refund (a failed refund gives it back).
    pub fn counts(self) -> bool {
        self != RefundStatus::Failed
    }
}
