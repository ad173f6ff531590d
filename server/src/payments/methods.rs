//! The methods decided when the order is made: free, and offline (at the door, by invoice). Card
//! payments are not one of these: their order waits for the money (`storefront::card`).
use crate::error::ApiError;
use async_trait::async_trait;
use contract::model::{OrderStatus, PaymentMethod};
use contract::money::format_price;
use std::sync::Arc;

/// What a provider decided for an order of a given amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settlement {
    /// Paid (or nothing to pay): the order is confirmed.
    Paid,
    /// To be paid later; the tickets are issued now.
    Deferred,
}

impl Settlement {
    pub fn order_status(self) -> OrderStatus {
        match self {
            Settlement::Paid => OrderStatus::Confirmed,
            Settlement::Deferred => OrderStatus::AwaitingPayment,
        }
    }
}

#[async_trait]
pub trait PaymentProvider: Send + Sync {
    fn method(&self) -> PaymentMethod;
    /// Settles (or refuses) `amount_minor` in `currency`. Runs before the order is written; a
    /// provider that takes money must make that idempotent on the order's idempotency key.
    async fn settle(&self, amount_minor: i64, currency: &str) -> Result<Settlement, ApiError>;
}

pub struct Free;

#[async_trait]
impl PaymentProvider for Free {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Free
    }

    async fn settle(&self, amount_minor: i64, currency: &str) -> Result<Settlement, ApiError> {
        if amount_minor == 0 {
            Ok(Settlement::Paid)
        } else {
            Err(ApiError::invalid_field(
                "payment",
                format!(
                    "This order costs {}, so it cannot be free. Choose \"offline\" to pay at the door.",
                    format_price(amount_minor, currency)
                ),
            ))
        }
    }
}

pub struct Offline;

#[async_trait]
impl PaymentProvider for Offline {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Offline
    }

    async fn settle(&self, amount_minor: i64, _currency: &str) -> Result<Settlement, ApiError> {
        Ok(if amount_minor == 0 { Settlement::Paid } else { Settlement::Deferred })
    }
}

#[derive(Clone)]
pub struct Payments {
    providers: Vec<Arc<dyn PaymentProvider>>,
}

impl Default for Payments {
    fn default() -> Self {
        Payments { providers: vec![Arc::new(Free), Arc::new(Offline)] }
    }
}

impl Payments {
    pub fn provider(&self, method: PaymentMethod) -> Result<&dyn PaymentProvider, ApiError> {
        self.providers
            .iter()
            .find(|provider| provider.method() == method)
            .map(|provider| provider.as_ref())
            .ok_or_else(|| ApiError::invalid_field("payment", "That payment method is not available for this order."))
    }
}
