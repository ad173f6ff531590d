//! Paying by card: a checkout attempt becomes a PaymentIntent for the amount the database computes,
//! and the order is made when the provider says the money arrived (see `contract::payment` and
//! `store/payments.rs` for the policy).
//!
//! Three paths settle a payment, and meet in one transaction (`Payments::settle_payment`): the
//! buyer's request itself when the card is charged at once, the buyer's return after 3-D Secure
//! (`complete_card_payment`), and the provider's webhook (`payment_webhook`). The reconciliation
//! worker (`reconcile_payments`) asks the provider about attempts that none of them settled, and
//! sends refunds that were recorded but not confirmed.
use super::fair_use::Buyer;
use super::holds::{hold_not_found, hold_not_live};
use super::orders::{check_idempotency_key, new_order, CheckoutDetails, Terms};
use super::Storefront;
use crate::error::ApiError;
use crate::payments::stripe::{Intent, NewIntent, ProviderError};
use crate::payments::{webhook, Account};
use crate::store::{self, HoldRecord, NewPayment, PaymentRecord, PaymentStart, Settled};
use contract::model::{OrderStatus, PaymentMethod};
use contract::payment::{CardOptions, CardPaymentRequest, IntentStatus, PaymentState, PaymentStatus, RefundStatus, Settlement};
use contract::rules::hold as hold_rule;
use uuid::Uuid;

/// What one reconciliation round looked at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    pub payments: usize,
    pub refunds: usize,
}

/// How many stuck payments and refunds one round takes on.
const RECONCILE_BATCH: i64 = 200;

const REFUNDED_MESSAGE: &str = "Your payment arrived after the last of these tickets had been sold, so no order was made and \
     the full amount is being refunded to your card (banks take 5 to 10 days to show it).";

impl Storefront {
    /// Card options for the hold's event: when the event takes cards and its organisation has
    /// connected a provider account.
    pub(super) async fn card_options(&self, hold: &HoldRecord) -> Result<Option<CardOptions>, ApiError> {
        let event = self.event_record(hold.event_id).await?;
        if !event.card_payments {
            return Ok(None);
        }
        self.cards.options(event.organiser_id).await
    }

    /// Starts (or replays) a card payment for the hold's order, and settles it when the card is
    /// charged at once.
    #[tracing::instrument(skip_all, fields(hold_id))]
    pub async fn pay_by_card(
        &self,
        hold_id: &str,
        idempotency_key: &str,
        request: &CardPaymentRequest,
        client: &Buyer,
    ) -> Result<PaymentState, ApiError> {
        check_idempotency_key(idempotency_key)?;
        if request.order.payment != PaymentMethod::Card {
            return Err(ApiError::invalid_field("order.payment", "This address takes card payments: send \"payment\": \"card\"."));
        }
        check_payment_method(&request.payment_method)?;
        let (hold, event) = self.hold_record(hold_id).await?;
        if let Some(existing) = self.store.payment_by_attempt(hold.id, idempotency_key).await? {
            return self.payment_state(existing).await;
        }
        let now = store::now();
        if !hold_rule::is_live(hold.status, hold.expires_at, now) {
            return Err(hold_not_live(Some(hold_rule::displayed_status(hold.status, hold.expires_at, now))));
        }
        let event_record = self.event_record(hold.event_id).await?;
        let organiser_id = event_record.organiser_id;
        let account = match event_record.card_payments {
            true => self.cards.account(organiser_id).await?,
            false => None,
        };
        let account = account.ok_or_else(|| {
            ApiError::invalid_field("payment", "This event does not take cards. Choose another way to pay, or contact the organiser.")
        })?;
        let checked = self.check_checkout(&hold, &event, &request.order, client, now, true).await?;
        if checked.total_minor == 0 {
            return Err(ApiError::invalid_field("payment", "Nothing to pay: this order is free, so choose \"free\"."));
        }
        let payment = NewPayment {
            hold_id: hold.id,
            event_id: hold.event_id,
            organiser_id,
            idempotency_key: idempotency_key.to_string(),
            amount_minor: checked.total_minor,
            currency: event.snapshot.currency.clone(),
            checkout: serde_json::to_string(&checked.details).map_err(anyhow::Error::from)?,
            created_at: now,
            keep_hold_until: now + chrono::Duration::from_std(self.payment_hold_extension).map_err(anyhow::Error::from)?,
        };
        let payment = match self.store.start_payment(&payment).await? {
            PaymentStart::Started(payment, _) => payment,
            PaymentStart::Existing(payment) => return self.payment_state(payment).await,
            PaymentStart::HoldNotLive(status) => return Err(hold_not_live(status)),
        };
        self.charge(payment, &account, &request.payment_method, &event.snapshot.title).await
    }

    /// Asks the provider to charge the card for `payment`, then applies its answer.
    async fn charge(&self, payment: PaymentRecord, account: &Account, card: &str, event_title: &str) -> Result<PaymentState, ApiError> {
        let metadata =
            [("payment_id", payment.id.to_string()), ("hold_id", payment.hold_id.to_string()), ("event", event_title.to_string())];
        let intent = NewIntent {
            amount_minor: payment.amount_minor,
            currency: &payment.currency,
            payment_method: card,
            idempotency_key: &intent_key(payment.id),
            metadata: &metadata,
        };
        match self.cards.stripe.create_intent(&account.secret_key, intent).await {
            Ok(intent) => self.apply_intent(payment, &intent).await,
            Err(ProviderError::Declined { message }) => {
                self.store.record_intent(payment.id, None, None, IntentStatus::Failed, Some(&message), store::now()).await?;
                self.metrics.count_payment("declined");
                Err(ProviderError::Declined { message }.into())
            }
            // The intent may or may not exist: the attempt stays `created`, and the webhook or the
            // reconciliation worker (with the same idempotency key) finds out which.
            Err(err) => {
                self.metrics.count_payment("unavailable");
                Err(err.into())
            }
        }
    }

    /// The buyer's return after the bank's check (3-D Secure): the provider is asked where the
    /// payment stands, and a success is settled.
    #[tracing::instrument(skip_all)]
    pub async fn complete_card_payment(&self, hold_id: &str, idempotency_key: &str) -> Result<PaymentState, ApiError> {
        let hold_id = Uuid::parse_str(hold_id).map_err(|_| hold_not_found())?;
        let payment = self.store.payment_by_attempt(hold_id, idempotency_key).await?.ok_or_else(|| {
            ApiError::NotFound("No card payment was started with this Idempotency-Key for these tickets. Send the payment first.".into())
        })?;
        self.refresh(payment).await
    }

    /// The payment as the provider now describes it (for one not settled), applied.
    async fn refresh(&self, payment: PaymentRecord) -> Result<PaymentState, ApiError> {
        if payment.settlement.is_some() {
            return self.payment_state(payment).await;
        }
        let account = self.account_of(&payment).await?;
        let Some(intent_id) = payment.intent_id.clone() else {
            return self.payment_state(payment).await;
        };
        let intent = self.cards.stripe.retrieve_intent(&account.secret_key, &intent_id).await?;
        self.apply_intent(payment, &intent).await
    }

    /// The provider's word on an intent: a success is settled, anything else recorded.
    async fn apply_intent(&self, payment: PaymentRecord, intent: &Intent) -> Result<PaymentState, ApiError> {
        let status = IntentStatus::from_provider(&intent.status);
        if status == IntentStatus::Succeeded {
            if intent.amount != payment.amount_minor || !intent.currency.eq_ignore_ascii_case(&payment.currency) {
                // Never settle on a charge of another amount than the order's: someone must look.
                tracing::error!(payment_id = payment.id, intent = %intent.id, "the provider charged another amount than the order's");
                return Err(ApiError::Unexpected(anyhow::anyhow!("intent {} does not match payment {}", intent.id, payment.id)));
            }
            self.store.record_intent(payment.id, Some(&intent.id), None, status, None, store::now()).await?;
            return self.settle(payment).await;
        }
        let message = intent.last_payment_error.as_ref().and_then(|error| error.message.clone());
        self.store
            .record_intent(payment.id, Some(&intent.id), intent.client_secret.as_deref(), status, message.as_deref(), store::now())
            .await?;
        let payment = self.store.payment_by_attempt(payment.hold_id, &payment.idempotency_key).await?.unwrap_or(payment);
        self.payment_state(payment).await
    }

    /// Makes the order of a payment the provider says succeeded, or refunds it when the order
    /// cannot be made (module policy in `store/payments.rs`).
    async fn settle(&self, payment: PaymentRecord) -> Result<PaymentState, ApiError> {
        let hold = self.store.hold(payment.hold_id).await?.ok_or_else(hold_not_found)?;
        let details: CheckoutDetails = serde_json::from_str(&payment.checkout).map_err(anyhow::Error::from)?;
        let event = self.event_record(payment.event_id).await?;
        let terms = Terms {
            event_title: &event.title,
            status: OrderStatus::Confirmed,
            payment: PaymentMethod::Card,
            total_minor: payment.amount_minor,
            currency: &payment.currency,
            pay_by: None,
        };
        let order = new_order(&hold, &format!("card-{}", payment.id), details, terms);
        match self.store.settle_payment(payment.id, &order).await? {
            Settled::Ordered(record, created) => {
                if created {
                    self.metrics.count_payment("ordered");
                    self.fair_use.closed(hold.id);
                    // A hold that had expired took its stock again in the database, which the
                    // gate did not see: the gate reloads the event before its next hold.
                    if hold.status != contract::model::HoldStatus::Active {
                        self.inventory.reload_event(hold.event_id);
                    }
                }
                let expires_at = hold.expires_at;
                Ok(PaymentState {
                    status: PaymentStatus::Paid,
                    client_secret: None,
                    message: None,
                    order: Some(self.order_view(record).await?),
                    hold_expires_at: expires_at,
                })
            }
            Settled::Refund(refund) => {
                self.metrics.count_payment("refunded");
                tracing::warn!(payment_id = payment.id, reason = %refund.reason, "a paid checkout could not become an order: refunding");
                self.cards.send_refund(&refund).await;
                self.tell_refunded(&payment).await;
                Ok(refunded_state(hold.expires_at))
            }
            Settled::Refunded => Ok(refunded_state(hold.expires_at)),
        }
    }

    /// Emails the buyer whose payment could not become an order: the page says it too, but the
    /// buyer may have closed it. Queued in the outbox (the mailer sends it); a failure to queue is
    /// logged, never a reason to undo the refund.
    async fn tell_refunded(&self, payment: &PaymentRecord) {
        let Ok(details) = serde_json::from_str::<CheckoutDetails>(&payment.checkout) else { return };
        let title = match self.event_record(payment.event_id).await {
            Ok(event) => event.title.clone(),
            Err(_) => "the event".to_string(),
        };
        let email = crate::store::NewEmail::text(
            &details.buyer.email,
            format!("Your payment for {title} is being refunded"),
            format!(
                "Hello {},\n\n{}\n\nAmount: {}.\nNo tickets were issued for this payment.\n",
                details.buyer.name,
                REFUNDED_MESSAGE,
                contract::money::format_price(payment.amount_minor, &payment.currency),
            ),
            None,
        );
        if let Err(err) = self.store.queue_email(&email).await {
            tracing::warn!(payment_id = payment.id, error = %err, "the refund email could not be queued");
        }
    }

    /// Where a payment stands, for the checkout page. A failed attempt is the provider's decline.
    async fn payment_state(&self, payment: PaymentRecord) -> Result<PaymentState, ApiError> {
        let hold = self.store.hold(payment.hold_id).await?.ok_or_else(hold_not_found)?;
        let expires_at = hold.expires_at;
        let state = |status, message: Option<&str>| PaymentState {
            status,
            client_secret: None,
            message: message.map(str::to_string),
            order: None,
            hold_expires_at: expires_at,
        };
        match (payment.settlement, payment.status) {
            (Some(Settlement::Ordered), _) => {
                let order_id = payment.order_id.ok_or_else(|| anyhow::anyhow!("payment {} ordered without an order", payment.id))?;
                let token =
                    self.store.admin_order(order_id).await?.ok_or_else(|| anyhow::anyhow!("order {order_id} vanished"))?.access_token;
                Ok(PaymentState { order: Some(self.order(&token).await?), ..state(PaymentStatus::Paid, None) })
            }
            (Some(Settlement::Refunded), _) => Ok(refunded_state(expires_at)),
            (None, IntentStatus::RequiresAction) => Ok(PaymentState {
                client_secret: payment.client_secret.clone(),
                ..state(PaymentStatus::RequiresAction, Some("Your bank asks you to confirm this payment."))
            }),
            (None, IntentStatus::Failed) => Err(ApiError::PaymentDeclined(format!(
                "Your card was not charged: {}",
                payment.message.as_deref().unwrap_or("the payment was declined. Try another card.")
            ))),
            (None, IntentStatus::Canceled) => {
                Err(ApiError::PaymentDeclined("This payment was cancelled and nothing was charged. Start again to pay.".into()))
            }
            (None, IntentStatus::Succeeded | IntentStatus::Created | IntentStatus::Processing) => {
                Ok(state(PaymentStatus::Processing, Some("Your payment is being processed. This page updates when it is done.")))
            }
        }
    }

    async fn account_of(&self, payment: &PaymentRecord) -> Result<Account, ApiError> {
        self.cards.account(payment.organiser_id).await?.ok_or_else(|| {
            ApiError::PaymentUnavailable("The organiser has disconnected their payment account. Contact the organiser.".into())
        })
    }

    /// A signed event from the organisation's provider account. Applied at most once (by its id);
    /// the payment it names is settled (or recorded) as the return path would.
    #[tracing::instrument(skip(self, body, signature))]
    pub async fn payment_webhook(&self, organiser_id: i64, body: &[u8], signature: Option<&str>) -> Result<(), ApiError> {
        let account =
            self.cards.account(organiser_id).await?.ok_or_else(|| ApiError::NotFound("No payment account is connected here.".into()))?;
        let signature = signature.ok_or_else(|| ApiError::BadRequest("A webhook needs its Stripe-Signature header.".into()))?;
        let event = webhook::verify(body, signature, &account.webhook_secret, store::now())
            .map_err(|err| ApiError::BadRequest(format!("This webhook was refused: {err}.")))?;
        if self.store.payment_event_seen(&event.id).await? {
            return Ok(());
        }
        let object = &event.data.object;
        match event.kind.as_str() {
            "payment_intent.succeeded"
            | "payment_intent.payment_failed"
            | "payment_intent.canceled"
            | "payment_intent.requires_action"
            | "payment_intent.processing" => {
                let payment = match self.store.payment_by_intent(&object.id).await? {
                    Some(payment) => Some(payment),
                    // The answer to the intent's creation was lost: its metadata names the attempt.
                    None => match object.metadata.get("payment_id").and_then(|id| id.parse::<i64>().ok()) {
                        Some(id) => self.store.payment_by_id(id).await?,
                        None => None,
                    },
                };
                match payment {
                    Some(payment) if payment.organiser_id == organiser_id => {
                        // The event is a prompt; the provider's current word on the intent decides,
                        // so deliveries out of order do no harm.
                        match self.refresh_with(&account, payment, &object.id).await {
                            Ok(_) | Err(ApiError::PaymentDeclined(_)) => {}
                            Err(err) => return Err(err),
                        }
                    }
                    _ => tracing::info!(intent = %object.id, "a webhook for a payment that is not ours; ignored"),
                }
            }
            "charge.refunded" | "refund.created" | "refund.updated" | "refund.failed" | "charge.refund.updated" => {
                let refunds: Vec<(String, String)> = match &object.refunds {
                    Some(list) => list.data.iter().map(|refund| (refund.id.clone(), refund.status.clone())).collect(),
                    None => object.status.clone().map(|status| vec![(object.id.clone(), status)]).unwrap_or_default(),
                };
                for (id, status) in refunds {
                    if let Some(refund) = self.store.refund_by_provider_id(&id).await? {
                        if refund.organiser_id == organiser_id {
                            self.store.record_refund(refund.id, Some(&id), RefundStatus::from_provider(&status), store::now()).await?;
                        }
                    }
                }
            }
            _ => {}
        }
        self.store.record_payment_event(&event.id, organiser_id, &event.kind, store::now()).await?;
        Ok(())
    }

    async fn refresh_with(&self, account: &Account, payment: PaymentRecord, intent_id: &str) -> Result<PaymentState, ApiError> {
        if payment.settlement.is_some() {
            return self.payment_state(payment).await;
        }
        let intent = self.cards.stripe.retrieve_intent(&account.secret_key, intent_id).await?;
        self.apply_intent(payment, &intent).await
    }

    /// One round of the reconciliation worker: attempts left unsettled for a while are settled from
    /// the provider's word; refunds not confirmed are sent again (same idempotency key).
    pub async fn reconcile_payments(&self, left_for: std::time::Duration) -> Result<Reconciled, ApiError> {
        let before = store::now() - chrono::Duration::from_std(left_for).map_err(anyhow::Error::from)?;
        let mut done = Reconciled::default();
        for payment in self.store.unsettled_payments(before, RECONCILE_BATCH).await? {
            done.payments += 1;
            if let Err(err) = self.reconcile_payment(payment).await {
                tracing::info!(error = %err, "a payment could not be reconciled this round");
            }
        }
        for refund in self.store.unfinished_refunds(before, RECONCILE_BATCH).await? {
            done.refunds += 1;
            if refund.status == RefundStatus::Pending {
                self.cards.check_refund(&refund).await;
            } else {
                self.cards.send_refund(&refund).await;
            }
        }
        Ok(done)
    }

    async fn reconcile_payment(&self, payment: PaymentRecord) -> Result<(), ApiError> {
        let account = self.account_of(&payment).await?;
        let now = store::now();
        let intent = match &payment.intent_id {
            Some(id) => self.cards.stripe.retrieve_intent(&account.secret_key, id).await?,
            None => {
                // Created, but the provider's answer never came. An intent that was made names this
                // attempt in its metadata, so its webhook settles it; once the hold is gone without
                // one, the attempt is closed (a webhook after that still settles it, or refunds).
                let hold = self.store.hold(payment.hold_id).await?.ok_or_else(hold_not_found)?;
                if !hold_rule::is_live(hold.status, hold.expires_at, now) {
                    let message = "The payment provider never answered; nothing was charged.";
                    self.store.record_intent(payment.id, None, None, IntentStatus::Canceled, Some(message), now).await?;
                }
                return Ok(());
            }
        };
        let status = IntentStatus::from_provider(&intent.status);
        let hold = self.store.hold(payment.hold_id).await?.ok_or_else(hold_not_found)?;
        let abandoned = !hold_rule::is_live(hold.status, hold.expires_at, now);
        if abandoned && matches!(status, IntentStatus::RequiresAction | IntentStatus::Processing) && intent.status != "processing" {
            // The buyer left in the middle of the bank's check and the hold is gone: cancel, so
            // the card cannot be charged for tickets nobody keeps for them.
            let intent = self.cards.stripe.cancel_intent(&account.secret_key, &intent.id).await?;
            self.apply_intent(payment, &intent).await.map(|_| ())
        } else {
            match self.apply_intent(payment, &intent).await {
                Ok(_) | Err(ApiError::PaymentDeclined(_)) => Ok(()),
                Err(err) => Err(err),
            }
        }
    }
}

fn refunded_state(hold_expires_at: chrono::DateTime<chrono::Utc>) -> PaymentState {
    PaymentState {
        status: PaymentStatus::Refunded,
        client_secret: None,
        message: Some(REFUNDED_MESSAGE.into()),
        order: None,
        hold_expires_at,
    }
}

/// The provider's idempotency key for a checkout attempt's intent.
fn intent_key(payment_id: i64) -> String {
    format!("stampede-payment-{payment_id}")
}

/// A card as the provider's browser library makes it: `pm_...` (or a `card_...` from a token).
fn check_payment_method(id: &str) -> Result<(), ApiError> {
    let shaped =
        (id.starts_with("pm_") || id.starts_with("card_")) && id.len() <= 255 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if shaped {
        Ok(())
    } else {
        Err(ApiError::invalid_field("payment_method", "Enter your card again: the card details did not come through."))
    }
}
