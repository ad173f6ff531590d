//! The Stripe API, as much of it as Stampede uses: PaymentIntents (create and confirm, retrieve,
//! cancel), Refunds (create, retrieve) and a key check. Form-encoded requests, JSON answers.
//!
//! A plain client rather than a generated SDK: these are five calls, and async-stripe's generated
//! types cost minutes of compilation on a 2-core machine for nothing Stampede would use. The base
//! URL is a setting (`STRIPE_API_BASE`), so tests and `make run` talk to a Stripe-compatible local
//! server.
//!
//! Policy: every call has a timeout and passes through the circuit breaker; a call that creates
//! something carries an idempotency key, so a retry after a timeout never charges or refunds
//! twice. Errors say whose fault it is: the card's ([`ProviderError::Declined`]: the buyer can try
//! another), the request's or the key's ([`ProviderError::Refused`]: the organiser must look), or
//! nobody's yet ([`ProviderError::Unavailable`]: try again later).
use super::breaker::{Breaker, BreakerSettings};
use serde::Deserialize;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct StripeSettings {
    /// "https://api.stripe.com", or a local Stripe-compatible server.
    pub api_base: String,
    /// The browser library the checkout page loads.
    pub js_url: String,
    /// Per call, connection included.
    pub timeout: Duration,
    pub breaker: BreakerSettings,
}

pub struct Stripe {
    http: reqwest::Client,
    api_base: String,
    breaker: Breaker,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The card was declined or its authentication failed; the message is the provider's, for the buyer.
    #[error("declined: {message}")]
    Declined { message: String },
    /// The provider refused the request itself (a bad key, an unknown id, a bad parameter).
    #[error("refused ({status}): {message}")]
    Refused { status: u16, message: String },
    /// No answer in time, an error of the provider's, or the breaker is open.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// A PaymentIntent, as far as Stampede reads it.
#[derive(Clone, Debug, Deserialize)]
pub struct Intent {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    pub amount: i64,
    pub currency: String,
    #[serde(default)]
    pub last_payment_error: Option<ProviderMessage>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ProviderMessage {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Refund {
    pub id: String,
    pub status: String,
    pub amount: i64,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ProviderMessage,
}

/// What a new PaymentIntent is for.
pub struct NewIntent<'a> {
    pub amount_minor: i64,
    pub currency: &'a str,
    /// The card (a PaymentMethod id): the intent is confirmed at once, on the server.
    pub payment_method: &'a str,
    pub idempotency_key: &'a str,
    /// Shown beside the payment in the provider's dashboard (`payment_id`, `hold_id`, `event`).
    pub metadata: &'a [(&'a str, String)],
}

impl Stripe {
    pub fn new(settings: &StripeSettings) -> anyhow::Result<Stripe> {
        let http = reqwest::Client::builder().timeout(settings.timeout).connect_timeout(settings.timeout).build()?;
        Ok(Stripe { http, api_base: settings.api_base.trim_end_matches('/').to_string(), breaker: Breaker::new(settings.breaker) })
    }

    pub fn is_failing(&self) -> bool {
        self.breaker.is_open()
    }

    /// Creates the PaymentIntent for exactly `amount_minor` and confirms it with the card. Cards
    /// only, so no payment method can send the buyer away to a redirect.
    pub async fn create_intent(&self, key: &str, intent: NewIntent<'_>) -> Result<Intent, ProviderError> {
        let mut form = vec![
            ("amount".to_string(), intent.amount_minor.to_string()),
            ("currency".to_string(), intent.currency.to_lowercase()),
            ("payment_method".to_string(), intent.payment_method.to_string()),
            ("payment_method_types[0]".to_string(), "card".to_string()),
            ("confirm".to_string(), "true".to_string()),
        ];
        form.extend(intent.metadata.iter().map(|(name, value)| (format!("metadata[{name}]"), value.clone())));
        self.call(self.http.post(self.url("/v1/payment_intents")).form(&form), key, Some(intent.idempotency_key)).await
    }

    pub async fn retrieve_intent(&self, key: &str, id: &str) -> Result<Intent, ProviderError> {
        self.call(self.http.get(self.url(&format!("/v1/payment_intents/{}", path_segment(id)?))), key, None).await
    }

    pub async fn cancel_intent(&self, key: &str, id: &str) -> Result<Intent, ProviderError> {
        self.call(self.http.post(self.url(&format!("/v1/payment_intents/{}/cancel", path_segment(id)?))), key, None).await
    }

    pub async fn create_refund(
        &self,
        key: &str,
        intent_id: &str,
        amount_minor: i64,
        idempotency_key: &str,
    ) -> Result<Refund, ProviderError> {
        let form = [("payment_intent", intent_id.to_string()), ("amount", amount_minor.to_string())];
        self.call(self.http.post(self.url("/v1/refunds")).form(&form), key, Some(idempotency_key)).await
    }

    pub async fn retrieve_refund(&self, key: &str, id: &str) -> Result<Refund, ProviderError> {
        self.call(self.http.get(self.url(&format!("/v1/refunds/{}", path_segment(id)?))), key, None).await
    }

    /// Whether the key opens an account: an organiser's key is tried before it is saved.
    pub async fn check_key(&self, key: &str) -> Result<(), ProviderError> {
        self.call::<serde_json::Value>(self.http.get(self.url("/v1/balance")), key, None).await.map(|_| ())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base)
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        key: &str,
        idempotency_key: Option<&str>,
    ) -> Result<T, ProviderError> {
        if !self.breaker.allow() {
            return Err(ProviderError::Unavailable("the circuit breaker is open after repeated failures".into()));
        }
        let mut request = request.bearer_auth(key);
        if let Some(idempotency_key) = idempotency_key {
            request = request.header("Idempotency-Key", idempotency_key);
        }
        let outcome = async {
            let response = request.send().await.map_err(|err| ProviderError::Unavailable(err.to_string()))?;
            let status = response.status();
            let body = response.bytes().await.map_err(|err| ProviderError::Unavailable(err.to_string()))?;
            if status.is_success() {
                return serde_json::from_slice(&body)
                    .map_err(|err| ProviderError::Unavailable(format!("an answer that could not be read: {err}")));
            }
            let message = serde_json::from_slice::<ErrorBody>(&body).ok().and_then(|body| body.error.message);
            let message = message.unwrap_or_else(|| format!("HTTP {status}"));
            Err(match status.as_u16() {
                402 => ProviderError::Declined { message },
                429 => ProviderError::Unavailable(format!("rate limited: {message}")),
                code @ 400..=499 => ProviderError::Refused { status: code, message },
                _ => ProviderError::Unavailable(format!("HTTP {status}: {message}")),
            })
        }
        .await;
        match &outcome {
            Err(ProviderError::Unavailable(_)) => self.breaker.failed(),
            _ => self.breaker.succeeded(),
        }
        outcome
    }
}

/// An id goes into a path only as the provider makes them: letters, digits and `_`.
fn path_segment(id: &str) -> Result<&str, ProviderError> {
    if !id.is_empty() && id.len() <= 255 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(id)
    } else {
        Err(ProviderError::Refused { status: 400, message: format!("{id:?} is not a provider id") })
    }
}
