//! How orders get paid. Free and offline (at the door, by invoice) are decided when the order is
//! made ([`methods`]); cards go through the organiser's own provider account (Stripe), and the
//! order is made only once the provider says the money arrived (`storefront::card`).
//!
//! - `stripe`: the provider's API, with a timeout and a circuit breaker (`breaker`) on every call.
//! - `webhook`: the provider's signed events, checked before they are read.
//! - `secrets`: organisers' secret keys and webhook secrets, sealed at rest.
//! - `reconcile`: the worker that settles what neither the buyer nor a webhook did.
//! - [`CardProvider`]: an organisation's account (connected, opened for use, shown without its
//!   secrets) and the provider client, for the storefront and the admin.
pub mod breaker;
mod methods;
pub mod reconcile;
pub mod secrets;
pub mod stripe;
pub mod webhook;

pub use methods::*;

use crate::error::ApiError;
use crate::store::{PaymentAccountRecord, RefundRecord, Store};
use contract::payment::RefundStatus;
use contract::payment::{is_test_key, CardOptions};
use secrets::Sealer;
use std::sync::Arc;
use stripe::{ProviderError, Stripe, StripeSettings};

/// An organisation's provider account, its secrets opened.
#[derive(Clone)]
pub struct Account {
    pub organiser_id: i64,
    pub publishable_key: String,
    pub secret_key: String,
    pub webhook_secret: String,
    pub live: bool,
}

/// What an organiser gives to connect their account.
pub struct NewAccount {
    pub publishable_key: String,
    pub secret_key: String,
    pub webhook_secret: String,
}

pub struct CardProvider {
    pub stripe: Stripe,
    store: Arc<dyn Store>,
    sealer: Sealer,
    js_url: String,
}

/// The name of the sealing key kept in `server_keys` when `PAYMENT_SECRETS_KEY` is not set.
const SEALING_KEY_NAME: &str = "payment-secrets";

impl CardProvider {
    pub async fn new(store: Arc<dyn Store>, settings: &StripeSettings, secrets_key: Option<&str>) -> anyhow::Result<CardProvider> {
        let key = match secrets_key {
            Some(key) => key.to_string(),
            None => store.server_key(SEALING_KEY_NAME, &secrets::new_key()).await?,
        };
        let sealer = Sealer::from_hex(&key).map_err(|err| anyhow::anyhow!("PAYMENT_SECRETS_KEY: {err}"))?;
        Ok(CardProvider { stripe: Stripe::new(settings)?, store, sealer, js_url: settings.js_url.clone() })
    }

    /// The organisation's account, opened; None when it has connected none.
    pub async fn account(&self, organiser_id: i64) -> Result<Option<Account>, ApiError> {
        let Some(record) = self.store.payment_account(organiser_id).await? else {
            return Ok(None);
        };
        Ok(Some(Account {
            organiser_id,
            secret_key: self.sealer.open(&record.secret_key)?,
            webhook_secret: self.sealer.open(&record.webhook_secret)?,
            publishable_key: record.publishable_key,
            live: record.live,
        }))
    }

    /// What the checkout page needs to take a card for this organisation's events (None: it has
    /// not connected an account). Every hold view asks, so the secrets are not unsealed here.
    pub async fn options(&self, organiser_id: i64) -> Result<Option<CardOptions>, ApiError> {
        let record = self.store.payment_account(organiser_id).await?;
        Ok(record.map(|record| CardOptions {
            publishable_key: record.publishable_key,
            test_mode: !record.live,
            js_url: self.js_url.clone(),
        }))
    }

    /// Checks the keys (their shapes, one mode for both, and the secret key with the provider),
    /// then saves them sealed.
    pub async fn connect(&self, organiser_id: i64, account: NewAccount, user_id: Option<i64>) -> Result<PaymentAccountRecord, ApiError> {
        let NewAccount { publishable_key, secret_key, webhook_secret } = account;
        let (publishable_key, secret_key, webhook_secret) =
            (publishable_key.trim().to_string(), secret_key.trim().to_string(), webhook_secret.trim().to_string());
        let well_formed = |key: &str, prefixes: &[&str]| {
            prefixes.iter().any(|prefix| key.starts_with(prefix))
                && key.len() <= 255
                && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        };
        if !well_formed(&publishable_key, &["pk_test_", "pk_live_"]) {
            return Err(ApiError::invalid_field(
                "publishable_key",
                "Paste the publishable key from Stripe's dashboard: it starts with pk_test_ or pk_live_.",
            ));
        }
        if !well_formed(&secret_key, &["sk_test_", "sk_live_", "rk_test_", "rk_live_"]) {
            return Err(ApiError::invalid_field(
                "secret_key",
                "Paste the secret (or restricted) key: it starts with sk_test_, sk_live_, rk_test_ or rk_live_.",
            ));
        }
        if !well_formed(&webhook_secret, &["whsec_"]) {
            return Err(ApiError::invalid_field("webhook_secret", "Paste the webhook's signing secret: it starts with whsec_."));
        }
        if is_test_key(&publishable_key) != is_test_key(&secret_key) {
            return Err(ApiError::invalid_field(
                "secret_key",
                "The two keys are of different modes: use both test keys or both live keys.",
            ));
        }
        match self.stripe.check_key(&secret_key).await {
            Ok(()) => {}
            Err(ProviderError::Refused { message, .. }) | Err(ProviderError::Declined { message }) => {
                return Err(ApiError::invalid_field("secret_key", format!("Stripe did not accept this key: {message}")));
            }
            Err(err @ ProviderError::Unavailable(_)) => return Err(err.into()),
        }
        let record = PaymentAccountRecord {
            organiser_id,
            live: !is_test_key(&secret_key),
            secret_key: self.sealer.seal(&secret_key),
            webhook_secret: self.sealer.seal(&webhook_secret),
            publishable_key,
            updated_at: crate::store::now(),
        };
        self.store.save_payment_account(&record, user_id).await?;
        Ok(record)
    }

    /// Asks the provider for a recorded refund (idempotent on the refund's id) and records its
    /// answer; when the provider cannot be reached it stays `requested`, for the reconciliation
    /// worker to send again with the same key.
    pub async fn send_refund(&self, refund: &RefundRecord) {
        let outcome = async {
            let account = self.account(refund.organiser_id).await?.ok_or_else(|| {
                ApiError::Unexpected(anyhow::anyhow!("organisation {} has no payment account to refund through", refund.organiser_id))
            })?;
            let intent = refund
                .intent_id
                .as_deref()
                .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("refund {} has no payment intent", refund.id)))?;
            let key = format!("stampede-refund-{}", refund.id);
            let sent = self.stripe.create_refund(&account.secret_key, intent, refund.amount_minor, &key).await?;
            self.store.record_refund(refund.id, Some(&sent.id), RefundStatus::from_provider(&sent.status), crate::store::now()).await?;
            Ok::<_, ApiError>(())
        }
        .await;
        if let Err(err) = outcome {
            tracing::warn!(refund_id = refund.id, error = %err, "refund not confirmed by the provider yet; the reconciliation worker retries it");
        }
    }

    /// Asks the provider where an accepted refund stands (for one whose webhook did not come).
    pub async fn check_refund(&self, refund: &RefundRecord) {
        let outcome = async {
            let Some(id) = &refund.provider_id else { return Ok(()) };
            let account = self.account(refund.organiser_id).await?.ok_or_else(|| ApiError::NotFound("no payment account".into()))?;
            let found = self.stripe.retrieve_refund(&account.secret_key, id).await?;
            self.store.record_refund(refund.id, Some(id), RefundStatus::from_provider(&found.status), crate::store::now()).await?;
            Ok::<_, ApiError>(())
        }
        .await;
        if let Err(err) = outcome {
            tracing::info!(refund_id = refund.id, error = %err, "a refund could not be checked this round");
        }
    }
}
