//! An organisation's card payments: its Stripe account (connected by an owner, its secrets sealed
//! and never shown again) and refunds of card orders through it.
//!
//! Policy: a refund is written (`requested`, with its reason and who asked) before the provider is
//! asked, in the transaction that checks it is not more than what is left of the payment; the
//! provider's answer and its webhook only move its status on. Cancelling a card order can refund
//! what is left in the same step.
use super::{not_found, Admin};
use crate::error::ApiError;
use crate::payments::NewAccount;
use crate::store::{self, NewRefund, RefundRequest, Resource};
use contract::admin::{AdminOrder, AdminRefund, CancelInput, PaymentAccount, PaymentAccountInput, RefundInput, Role};
use contract::money::format_price;
use contract::rules::limits::MAX_REFUND_REASON_CHARS;

impl Admin {
    #[tracing::instrument(skip(self))]
    pub async fn payment_account(&self, user_id: i64, organiser_id: i64) -> Result<PaymentAccount, ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Admin).await?;
        self.payment_account_view(organiser_id).await
    }

    /// Owners only: the keys move the organisation's money.
    #[tracing::instrument(skip(self, input))]
    pub async fn connect_payment_account(
        &self,
        user_id: i64,
        organiser_id: i64,
        input: &PaymentAccountInput,
    ) -> Result<PaymentAccount, ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Owner).await?;
        let account = NewAccount {
            publishable_key: input.publishable_key.clone(),
            secret_key: input.secret_key.clone(),
            webhook_secret: input.webhook_secret.clone(),
        };
        self.cards.connect(organiser_id, account, Some(user_id)).await?;
        self.payment_account_view(organiser_id).await
    }

    #[tracing::instrument(skip(self))]
    pub async fn disconnect_payment_account(&self, user_id: i64, organiser_id: i64) -> Result<PaymentAccount, ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Owner).await?;
        self.store.remove_payment_account(organiser_id).await?;
        self.payment_account_view(organiser_id).await
    }

    async fn payment_account_view(&self, organiser_id: i64) -> Result<PaymentAccount, ApiError> {
        let account = self.store.payment_account(organiser_id).await?;
        Ok(PaymentAccount {
            connected: account.is_some(),
            live: account.as_ref().is_some_and(|account| account.live),
            publishable_key: account.as_ref().map(|account| account.publishable_key.clone()),
            webhook_url: format!("{}/api/payments/stripe/{organiser_id}/webhook", self.doors.letters.public_url()),
            updated_at: account.map(|account| account.updated_at),
        })
    }

    /// Refunds (part of) a card order through the provider.
    #[tracing::instrument(skip(self, input))]
    pub async fn refund(&self, user_id: i64, order_id: i64, input: &RefundInput) -> Result<AdminOrder, ApiError> {
        let owner = self.access(user_id, Resource::Order, order_id, Role::Admin).await?;
        let reason = input.reason.trim();
        if reason.chars().count() > MAX_REFUND_REASON_CHARS {
            return Err(ApiError::invalid_field("reason", format!("Please keep the reason under {MAX_REFUND_REASON_CHARS} characters.")));
        }
        let amount = match input.amount.trim() {
            "" => None,
            typed => Some(super::inputs::decimal_minor("amount", typed, "the amount to refund")?),
        };
        let reason = if reason.is_empty() { "refunded by an organiser" } else { reason };
        self.send_refund(user_id, order_id, amount, reason, true).await?;
        self.changed(owner.event_id).await;
        self.load_order(order_id).await
    }

    /// Records a refund of `amount` (None: all that is left), with the buyer's email about it when
    /// `tell_buyer` (a cancellation's own email says it instead), and asks the provider for it;
    /// what was refunded.
    async fn send_refund(&self, user_id: i64, order_id: i64, amount: Option<i64>, reason: &str, tell_buyer: bool) -> Result<i64, ApiError> {
        let left = match self.store.payment_of_order(order_id).await? {
            None => {
                return Err(ApiError::Conflict {
                    field: None,
                    message: "This order was not paid by card, so there is no payment to refund through Stripe.".into(),
                })
            }
            Some(payment) => payment.amount_minor,
        };
        let letter = |amount_minor: i64| async move {
            if !tell_buyer {
                return Ok(None);
            }
            let public_url = self.doors.letters.public_url().to_string();
            self.letter_about(order_id, |event, order| crate::mail::letters::refund(event, order, amount_minor, &public_url)).await
        };
        let amount_minor = amount.unwrap_or(left);
        let refund = NewRefund {
            order_id,
            amount_minor,
            reason: reason.to_string(),
            user_id: Some(user_id),
            at: store::now(),
            tell_buyer: letter(amount_minor).await?,
        };
        let refund = match self.store.request_refund(&refund).await? {
            RefundRequest::Requested(refund) => refund,
            RefundRequest::NotCardPaid => return Err(not_found(Resource::Order)),
            RefundRequest::TooMuch { left_minor } if amount.is_none() && left_minor > 0 => {
                let all = NewRefund { amount_minor: left_minor, tell_buyer: letter(left_minor).await?, ..refund };
                match self.store.request_refund(&all).await? {
                    RefundRequest::Requested(refund) => refund,
                    _ => return Err(ApiError::Conflict { field: None, message: "This order was refunded meanwhile.".into() }),
                }
            }
            RefundRequest::TooMuch { left_minor: 0 } => {
                return Err(ApiError::Conflict {
                    field: Some("amount".into()),
                    message: "This order has been refunded in full already.".into(),
                })
            }
            RefundRequest::TooMuch { left_minor } => {
                let currency = self.store.admin_order(order_id).await?.map(|record| record.order.currency).unwrap_or_default();
                return Err(ApiError::invalid_field(
                    "amount",
                    format!("You can refund at most {} on this order (what is left of its payment).", format_price(left_minor, &currency)),
                ));
            }
        };
        self.cards.send_refund(&refund).await;
        Ok(refund.amount_minor)
    }

    /// Cancels an order; with `refund`, a card order's payment goes back too (what is left of it).
    pub(super) async fn refund_on_cancel(&self, user_id: i64, order_id: i64, input: &CancelInput) -> Result<(), ApiError> {
        if input.refund && self.store.payment_of_order(order_id).await?.is_some() {
            match self.send_refund(user_id, order_id, None, "cancelled and refunded by an organiser", false).await {
                Ok(_) | Err(ApiError::Conflict { .. }) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    /// An order's refunds, for its page.
    pub(super) async fn refunds(&self, order: &mut AdminOrder) -> Result<(), ApiError> {
        order.refunds = self
            .store
            .refunds_of_order(order.id)
            .await?
            .into_iter()
            .map(|refund| AdminRefund {
                amount_minor: refund.amount_minor,
                status: refund.status,
                reason: refund.reason,
                created_at: refund.created_at,
            })
            .collect();
        Ok(())
    }
}
