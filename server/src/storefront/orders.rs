//! Orders: a live hold becomes an order at most once per hold and per idempotency key, at the
//! price the hold recorded, after the discount and the payment method have had their say.
use super::checkout::{check_answers, check_people, discount_refused, subtotal};
use super::fair_use::Buyer;
use super::holds::hold_not_live;
use super::Storefront;
use crate::codes;
use crate::discounts;
use crate::documents;
use crate::error::ApiError;
use crate::events::LoadedEvent;
use crate::store::{self, AppliedDiscount, EventRecord, HoldRecord, NewOrder, NewTicket, OrderOutcome, OrderRecord};
use contract::model::{Answer, Order, OrderRequest, OrderStatus, PaymentMethod, Person};
use contract::rules::limits::MAX_IDEMPOTENCY_KEY_LEN;
use contract::rules::{hold as hold_rule, totals};
use std::sync::Arc;

/// One request to turn a hold into an order.
pub struct OrderAttempt<'a> {
    pub hold_id: &'a str,
    pub idempotency_key: &'a str,
    pub request: &'a OrderRequest,
    /// Who asks: a discount code that does not apply counts against them (`fair_use`).
    pub client: &'a Buyer,
}

impl Storefront {
    /// Places the order, or returns the one already placed with this idempotency key.
    /// The flag is true when this call created it.
    #[tracing::instrument(skip_all, fields(hold_id = attempt.hold_id))]
    pub async fn place_order(&self, attempt: OrderAttempt<'_>) -> Result<(Order, bool), ApiError> {
        let result = self.try_place_order(&attempt).await;
        self.metrics.count_order(match &result {
            Ok((_, true)) => "created",
            Ok((_, false)) => "replayed",
            Err(_) => "refused",
        });
        result
    }

    async fn try_place_order(&self, attempt: &OrderAttempt<'_>) -> Result<(Order, bool), ApiError> {
        let OrderAttempt { hold_id, idempotency_key, request, client } = *attempt;
        check_idempotency_key(idempotency_key)?;
        if request.payment == PaymentMethod::Card {
            return Err(ApiError::invalid_field(
                "payment",
                "Card payments are made with POST /api/holds/{id}/payment: the order is made once the card is charged.",
            ));
        }
        let (hold, event) = self.hold_record(hold_id).await?;
        let snapshot = &event.snapshot;
        let now = store::now();
        // A hold that is no longer live cannot be claimed, so this order will not be written: the
        // store answers with the order this key made before (a replay) or says why not. The
        // discount and the payment are only checked for an order that can still be made; checking
        // them on a replay would refuse the retry of an order that used a code's last use.
        let live = hold_rule::is_live(hold.status, hold.expires_at, now);
        let checked = self.check_checkout(&hold, &event, request, client, now, live).await?;
        let status = if live {
            if request.payment == PaymentMethod::Offline && checked.total_minor > 0 && snapshot.offline_payment_days.is_none() {
                return Err(ApiError::invalid_field(
                    "payment",
                    "This event does not take payment at the door or by invoice: pay when you order.",
                ));
            }
            self.payments.provider(request.payment)?.settle(checked.total_minor, &snapshot.currency).await?.order_status()
        } else {
            OrderStatus::Confirmed
        };
        // An unpaid order lapses after the event's days; its tickets go back on sale (`unpaid`).
        let pay_by = (status == OrderStatus::AwaitingPayment)
            .then(|| snapshot.offline_payment_days.map(|days| now + chrono::Duration::days(days)))
            .flatten();
        let total_minor = checked.total_minor;
        let order = new_order(
            &hold,
            idempotency_key,
            checked.details,
            Terms { status, payment: request.payment, total_minor, currency: &snapshot.currency, pay_by, event_title: &snapshot.title },
        );
        let discount_code = order.discount.as_ref().map(|discount| discount.code.clone());
        let outcome = self.inventory.place_order(order).await?;
        let (record, created) = match outcome {
            OrderOutcome::Created(record) => (record, true),
            OrderOutcome::Replayed(record) => (record, false),
            OrderOutcome::KeyReused => {
                return Err(ApiError::IdempotencyKeyReused(
                    "This Idempotency-Key was already used for another checkout. Send a new key for each checkout.".into(),
                ))
            }
            OrderOutcome::HoldNotLive(status) => return Err(hold_not_live(status)),
            // Used up, expired or removed since it was checked.
            OrderOutcome::DiscountRefused => return Err(discount_refused(&discount_code.unwrap_or_default())),
        };
        if created {
            self.fair_use.closed(hold.id);
            tracing::debug!(reference = %record.reference, tickets = record.tickets.len(), "order placed");
        }
        Ok((self.order_view(record).await?, created))
    }

    /// A checkout's people, answers and discount code, checked against the hold and its event, and
    /// the total it comes to. The discount is looked up only when `live` (see `try_place_order`).
    pub(super) async fn check_checkout(
        &self,
        hold: &HoldRecord,
        event: &LoadedEvent,
        request: &OrderRequest,
        client: &Buyer,
        now: chrono::DateTime<chrono::Utc>,
        live: bool,
    ) -> Result<Checked, ApiError> {
        let (buyer, attendees) = check_people(request, hold)?;
        let answers = check_answers(&event.snapshot.questions, &request.answers)?;
        let code = request.discount_code.as_deref().map(discounts::normalise).filter(|code| !code.is_empty());
        let mut discount = None;
        if let (true, Some(code)) = (live, &code) {
            let (found, minor) = self.check_discount(event.id, code, hold, now, client).await?;
            discount = Some(AppliedDiscount { code_id: found.id, code: found.code, minor });
        }
        let total_minor = totals::total_after_discount(subtotal(hold), discount.as_ref().map_or(0, |discount| discount.minor));
        Ok(Checked { details: CheckoutDetails { buyer, attendees, answers, discount }, total_minor })
    }

    #[tracing::instrument(skip(self, access_token))]
    pub async fn order(&self, access_token: &str) -> Result<Order, ApiError> {
        let not_found = || ApiError::NotFound("We could not find an order at this link. Check that you copied all of it.".into());
        if !codes::looks_like_access_token(access_token) {
            return Err(not_found());
        }
        let record = self.store.order_by_token(access_token).await?.ok_or_else(not_found)?;
        self.order_view(record).await
    }

    /// The order's tickets as one PDF: its file name and bytes.
    #[tracing::instrument(skip_all)]
    pub async fn tickets_pdf(&self, access_token: &str) -> Result<(String, Vec<u8>), ApiError> {
        let (event, record) = self.order_and_event(access_token).await?;
        Ok((documents::file_name(&event, &record, "pdf"), documents::tickets_pdf(&event, &record)?))
    }

    /// The order's event as an iCalendar file that links back to the order: its file name and text.
    #[tracing::instrument(skip_all)]
    pub async fn event_calendar(&self, access_token: &str, public_url: &str) -> Result<(String, String), ApiError> {
        let (event, record) = self.order_and_event(access_token).await?;
        let url = crate::mail::letters::order_url(public_url, &record.access_token);
        Ok((documents::file_name(&event, &record, "ics"), documents::event_ics(&event, &record, &url)))
    }

    async fn order_and_event(&self, access_token: &str) -> Result<(Arc<EventRecord>, OrderRecord), ApiError> {
        let not_found = || ApiError::NotFound("We could not find an order at this link. Check that you copied all of it.".into());
        if !codes::looks_like_access_token(access_token) {
            return Err(not_found());
        }
        let record = self.store.order_by_token(access_token).await?.ok_or_else(not_found)?;
        Ok((self.event_record(record.event_id).await?, record))
    }

    /// The QR code of one ticket of an order, as SVG.
    pub async fn ticket_qr(&self, access_token: &str, code: &str) -> Result<String, ApiError> {
        let order = self.order(access_token).await?;
        if !order.tickets.iter().any(|ticket| ticket.code == code) {
            return Err(ApiError::NotFound("This order has no ticket with that code.".into()));
        }
        Ok(crate::qr::ticket_svg(code)?)
    }
}

/// A checkout, checked: what the order records besides its hold's tickets.
pub(super) struct Checked {
    pub details: CheckoutDetails,
    /// After the discount.
    pub total_minor: i64,
}

/// Who buys, for whom, their answers and the discount taken: kept with a card payment until the
/// money arrives (`card.rs`), then made into the order like any other.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct CheckoutDetails {
    pub buyer: Person,
    pub attendees: Vec<Person>,
    pub answers: Vec<Answer>,
    pub discount: Option<AppliedDiscount>,
}

/// What an order is made on: its status, method and money.
pub(super) struct Terms<'a> {
    pub status: OrderStatus,
    pub payment: PaymentMethod,
    pub total_minor: i64,
    pub currency: &'a str,
    pub pay_by: Option<chrono::DateTime<chrono::Utc>>,
    /// For the confirmation email's subject.
    pub event_title: &'a str,
}

/// The order a hold becomes: a ticket per attendee, in the hold's order of ticket types.
pub(super) fn new_order(hold: &HoldRecord, idempotency_key: &str, details: CheckoutDetails, terms: Terms<'_>) -> NewOrder {
    let CheckoutDetails { buyer, attendees, answers, discount } = details;
    let tickets = hold
        .items
        .iter()
        .flat_map(|item| std::iter::repeat_n(item.ticket_type_id, item.quantity as usize))
        .zip(attendees)
        .map(|(ticket_type_id, attendee)| NewTicket {
            ticket_type_id,
            code: codes::ticket_code(),
            attendee_name: attendee.name,
            attendee_email: attendee.email,
        })
        .collect();
    let reference = codes::order_reference();
    NewOrder {
        confirmation_subject: crate::mail::letters::confirmation_subject(terms.event_title, &reference),
        hold_id: hold.id,
        idempotency_key: idempotency_key.to_string(),
        reference,
        access_token: codes::access_token(),
        buyer_name: buyer.name,
        buyer_email: buyer.email,
        status: terms.status,
        payment: terms.payment,
        total_minor: terms.total_minor,
        currency: terms.currency.to_string(),
        created_at: store::now(),
        pay_by: terms.pay_by,
        tickets,
        discount,
        answers,
    }
}

pub(super) fn check_idempotency_key(key: &str) -> Result<(), ApiError> {
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid_field(
            "Idempotency-Key",
            format!(
                "Send an Idempotency-Key header: 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters, new for each checkout (a UUID works)."
            ),
        ));
    }
    Ok(())
}
