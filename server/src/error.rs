//! What can go wrong in a request, and what the person at the other end is told. The HTTP layer
//! turns an [`ApiError`] into `{"error": code, "message": sentence}` with a 4xx (or a 503 when it is
//! worth retrying); only `Unexpected` is a 500, and it never carries internals to the client.
//!
//! Policy: the layers below (the store, the inventory, the gate) have errors of their own that say
//! what happened to them, not what to tell a buyer. They become sentences here, once.
use crate::inventory::InventoryError;
use crate::payments::stripe::ProviderError;
use crate::store::StoreError;
use contract::model::TicketAvailability;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is wrong in a way the sender can fix; `field` names the JSON field when there is one.
    #[error("{message}")]
    Invalid { field: Option<String>, message: String },
    /// The request cannot be read at all (not JSON, ...).
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    /// Not signed in (admin API).
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but this member's role does not allow it, or the CSRF token is missing.
    #[error("{0}")]
    Forbidden(String),
    /// The request is fine but the state of things refuses it (capacity below sold, last owner...).
    #[error("{message}")]
    Conflict { field: Option<String>, message: String },
    /// Too many attempts (sign-in): wait and retry.
    #[error("{0}")]
    TooManyRequests(String),
    /// Not enough stock for the hold asked for.
    #[error("{message}")]
    SoldOut { message: String, available: Vec<TicketAvailability> },
    /// The ticket type is outside its sale window.
    #[error("{0}")]
    NotOnSale(String),
    #[error("{0}")]
    HoldExpired(String),
    /// The hold was released or already became an order.
    #[error("{0}")]
    HoldClosed(String),
    #[error("{0}")]
    IdempotencyKeyReused(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The request's body did not arrive in time.
    #[error("{0}")]
    RequestTimeout(String),
    /// The card was declined or not authenticated: the provider's words.
    #[error("{0}")]
    PaymentDeclined(String),
    /// The payment provider is not answering; the hold is kept.
    #[error("{0}")]
    PaymentUnavailable(String),
    /// Temporarily unable to serve (database busy, timeout): retry shortly.
    #[error("{0}")]
    Busy(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::Invalid { field: None, message: message.into() }
    }

    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Invalid { field: Some(field.into()), message: message.into() }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Busy(detail) => {
                tracing::warn!(%detail, "database busy");
                ApiError::Busy("We are very busy right now. Please try again in a few seconds.".into())
            }
            StoreError::Unexpected(err) => ApiError::Unexpected(err),
        }
    }
}

impl From<InventoryError> for ApiError {
    fn from(err: InventoryError) -> Self {
        match err {
            InventoryError::AtCapacity(why) => {
                tracing::debug!(why, "stock move refused at capacity");
                ApiError::Busy("Tickets are selling fast and we are at capacity. Please try again in a moment.".into())
            }
            InventoryError::Store(err) => err.into(),
        }
    }
}

impl From<ProviderError> for ApiError {
    fn from(err: ProviderError) -> Self {
        match err {
            ProviderError::Declined { message } => ApiError::PaymentDeclined(format!("Your card was not charged: {message}")),
            ProviderError::Unavailable(detail) => {
                tracing::warn!(%detail, "payment provider unavailable");
                ApiError::PaymentUnavailable(
                    "Card payments are not answering right now. Your tickets stay reserved: please try again in a minute.".into(),
                )
            }
            // A bad key or a request the provider will not take is the organiser's (or our) problem,
            // not the buyer's: said as unavailable, logged for those who can fix it.
            ProviderError::Refused { status, message } => {
                tracing::error!(status, %message, "the payment provider refused a request");
                ApiError::PaymentUnavailable(
                    "Card payment is not possible for this event right now. Your tickets stay reserved; please try again later or contact the organiser.".into(),
                )
            }
        }
    }
}
