//! What happens to orders after the sale: finding them, cancelling and refunding (the stock goes
//! back on sale, in the database and then in the inventory gate), resending confirmations, the
//! door's check-in and the live sales dashboard.
use super::Admin;
use crate::error::ApiError;
use crate::mail::letters;
use crate::store::{
    self, CancelOutcome, CheckInOutcome, CheckInTicket, MarkPaidOutcome, NewEmail, OrderChange, OrderFilter, OrderRecord, Resource,
};
use chrono::{DurationRound, TimeDelta};
use contract::admin::{AdminOrder, CancelInput, CheckIn, CheckInResult, Dashboard, DashboardTicketType, MinuteSales, OrderList, Role};
use contract::model::EventDetails;
use contract::money::format_price;
use contract::rules::limits::{MAX_CHECK_IN_CODE_CHARS, MAX_SEARCH_CHARS};

pub const ORDERS_PAGE_MAX: i64 = 200;
/// The dashboard's chart: this many minutes, the current one last.
pub const CHART_MINUTES: i64 = 60;

/// The query string of `GET /events/{id}/orders`.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct OrderQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl Admin {
    #[tracing::instrument(skip(self))]
    pub async fn orders(&self, user_id: i64, event_id: i64, query: &OrderQuery) -> Result<OrderList, ApiError> {
        self.access(user_id, Resource::Event, event_id, Role::Viewer).await?;
        let cancelled = match query.status.trim() {
            "" | "all" => None,
            "active" => Some(false),
            "cancelled" => Some(true),
            _ => return Err(ApiError::invalid_field("status", "Filter by status \"active\" or \"cancelled\", or leave it empty for all.")),
        };
        let limit = query.limit.unwrap_or(50);
        if !(1..=ORDERS_PAGE_MAX).contains(&limit) {
            return Err(ApiError::invalid_field("limit", format!("Ask for between 1 and {ORDERS_PAGE_MAX} orders at a time.")));
        }
        let offset = query.offset.unwrap_or(0);
        if offset < 0 {
            return Err(ApiError::invalid_field("offset", "The offset cannot be negative."));
        }
        if query.q.chars().count() > MAX_SEARCH_CHARS {
            return Err(ApiError::invalid_field("q", "Please search for something shorter."));
        }
        let filter = OrderFilter { query: query.q.clone(), cancelled, limit, offset };
        let (total, orders) = self.store.search_orders(event_id, &filter).await?;
        Ok(OrderList { total, orders })
    }

    #[tracing::instrument(skip(self))]
    pub async fn order(&self, user_id: i64, order_id: i64) -> Result<AdminOrder, ApiError> {
        self.access(user_id, Resource::Order, order_id, Role::Viewer).await?;
        self.load_order(order_id).await
    }

    #[tracing::instrument(skip(self))]
    pub async fn cancel_order(&self, user_id: i64, order_id: i64, input: &CancelInput) -> Result<AdminOrder, ApiError> {
        let owner = self.access(user_id, Resource::Order, order_id, Role::Admin).await?;
        // The money first: a refund the provider cannot take now stays recorded for the
        // reconciliation worker, and the cancellation goes ahead.
        self.refund_on_cancel(user_id, order_id, input).await?;
        let why = OrderChange { user_id: Some(user_id), reason: "cancelled by an organiser".into() };
        // The buyer's email is queued in the cancellation's own transaction.
        let refunded_minor = self.store.admin_order(order_id).await?.map_or(0, |record| record.order.refunded_minor);
        let email = self.letter_about(order_id, |event, order| letters::cancellation(event, order, refunded_minor)).await?;
        match self.inventory.cancel_order(order_id, &why, email.as_ref(), store::now()).await? {
            CancelOutcome::Cancelled(_) => self.changed(owner.event_id).await,
            CancelOutcome::AlreadyCancelled => {
                return Err(ApiError::Conflict { field: None, message: "This order was already cancelled.".into() })
            }
            CancelOutcome::NotFound => return Err(super::not_found(Resource::Order)),
        }
        self.load_order(order_id).await
    }

    /// Door staff took the payment of an order awaiting it (at the door, or an invoice was paid).
    /// Viewers may: door staff are often viewers, and the history row names who did it.
    #[tracing::instrument(skip(self))]
    pub async fn mark_paid(&self, user_id: i64, order_id: i64) -> Result<AdminOrder, ApiError> {
        let owner = self.access(user_id, Resource::Order, order_id, Role::Viewer).await?;
        let why = OrderChange { user_id: Some(user_id), reason: "paid at the door or by invoice".into() };
        match self.store.mark_paid(order_id, &why, store::now()).await? {
            MarkPaidOutcome::Paid => self.changed(owner.event_id).await,
            MarkPaidOutcome::AlreadyPaid => return Err(ApiError::Conflict { field: None, message: "This order is paid already.".into() }),
            MarkPaidOutcome::Cancelled => {
                return Err(ApiError::Conflict {
                    field: None,
                    message: "This order was cancelled: its tickets are no longer valid, so there is nothing to pay.".into(),
                })
            }
            MarkPaidOutcome::NotFound => return Err(super::not_found(Resource::Order)),
        }
        self.load_order(order_id).await
    }

    /// Queues the confirmation email again (the mailer writes it from the order as it is then).
    #[tracing::instrument(skip(self))]
    pub async fn resend_confirmation(&self, user_id: i64, order_id: i64) -> Result<AdminOrder, ApiError> {
        self.access(user_id, Resource::Order, order_id, Role::Admin).await?;
        let record = self.store.admin_order(order_id).await?.ok_or_else(|| super::not_found(Resource::Order))?;
        let order = &record.order;
        if order.cancelled_at.is_some() {
            return Err(ApiError::Conflict { field: None, message: "This order is cancelled: its tickets are no longer valid.".into() });
        }
        let event = self.store.event_by_id(order.event_id).await?.ok_or_else(|| super::not_found(Resource::Event))?;
        let subject = letters::confirmation_subject(&event.title, &order.reference);
        self.store.queue_email(&NewEmail::order_confirmation(order.id, &order.buyer_email, subject, store::now())).await?;
        self.load_order(order_id).await
    }

    /// An email about the order to its buyer, written by `letter` (subject, text); None when the
    /// order is not there (the change that follows says so).
    pub(super) async fn letter_about(
        &self,
        order_id: i64,
        letter: impl FnOnce(&EventDetails, &OrderRecord) -> (String, String),
    ) -> Result<Option<NewEmail>, ApiError> {
        let Some(order) = self.store.order_by_id(order_id).await? else { return Ok(None) };
        let event = self.store.event_by_id(order.event_id).await?.ok_or_else(|| super::not_found(Resource::Event))?;
        let (subject, text) = letter(&event, &order);
        Ok(Some(NewEmail::text(&order.buyer_email, subject, text, Some(order.id))))
    }

    #[tracing::instrument(skip(self, code))]
    pub async fn check_in(&self, user_id: i64, event_id: i64, code: &str) -> Result<CheckIn, ApiError> {
        // Door staff may be viewers: checking in changes no sale.
        self.access(user_id, Resource::Event, event_id, Role::Viewer).await?;
        let code = code.trim();
        if code.is_empty() || code.chars().count() > MAX_CHECK_IN_CODE_CHARS {
            return Err(ApiError::invalid_field("code", "Enter or scan the code printed under the ticket's QR code."));
        }
        let result = |result: CheckInResult, message: String, ticket: Option<CheckInTicket>| CheckIn {
            result,
            message,
            order_id: ticket.as_ref().map(|t| t.order_id),
            attendee_name: ticket.as_ref().map(|t| t.attendee_name.clone()),
            ticket_type_name: ticket.as_ref().map(|t| t.ticket_type_name.clone()),
            order_reference: ticket.as_ref().map(|t| t.order_reference.clone()),
            checked_in_at: ticket.and_then(|t| t.checked_in_at),
        };
        Ok(match self.store.check_in(event_id, code, store::now()).await? {
            CheckInOutcome::CheckedIn(ticket) => result(
                CheckInResult::Valid,
                format!("Valid: welcome, {} ({}).", ticket.attendee_name, ticket.ticket_type_name),
                Some(ticket),
            ),
            CheckInOutcome::Already(ticket) => {
                let when = ticket.checked_in_at.map(|at| at.format("%H:%M:%S UTC on %d %b").to_string()).unwrap_or_default();
                result(
                    CheckInResult::AlreadyCheckedIn,
                    format!("Already checked in at {when}: {} ({}).", ticket.attendee_name, ticket.ticket_type_name),
                    Some(ticket),
                )
            }
            CheckInOutcome::Cancelled(ticket) => {
                result(CheckInResult::Invalid, format!("Not valid: order {} was cancelled.", ticket.order_reference), Some(ticket))
            }
            CheckInOutcome::NotPaid { ticket, total_minor, currency } => result(
                CheckInResult::NotPaid,
                format!(
                    "Not paid: collect {} at the door for order {}, mark it paid, then scan again.",
                    format_price(total_minor, &currency),
                    ticket.order_reference
                ),
                Some(ticket),
            ),
            CheckInOutcome::Unknown => result(CheckInResult::Invalid, "Not valid: no ticket for this event has this code.".into(), None),
        })
    }

    #[tracing::instrument(skip(self))]
    pub async fn dashboard(&self, user_id: i64, event_id: i64) -> Result<Dashboard, ApiError> {
        self.access(user_id, Resource::Event, event_id, Role::Viewer).await?;
        let now = store::now();
        let event = self.event_record(event_id).await?;
        let types = self.store.ticket_types(event_id, store::now()).await?;
        let this_minute = now.duration_trunc(TimeDelta::minutes(1)).map_err(anyhow::Error::from)?;
        let since = this_minute - TimeDelta::minutes(CHART_MINUTES - 1);
        let sales = self.store.sales(event_id, since).await?;
        let per_minute = (0..CHART_MINUTES)
            .map(|i| {
                let minute = since + TimeDelta::minutes(i);
                let tickets = sales.per_minute.iter().filter(|(at, _)| *at == minute).map(|(_, n)| n).sum();
                MinuteSales { minute, tickets }
            })
            .collect();
        let ticket_types: Vec<DashboardTicketType> = types
            .iter()
            .map(|t| DashboardTicketType {
                id: t.id,
                name: t.name.clone(),
                capacity: t.capacity,
                sold: t.sold,
                held: t.held,
                remaining: t.available(),
                revenue_minor: sales.revenue_by_type.iter().find(|(id, _)| *id == t.id).map_or(0, |(_, r)| *r),
            })
            .collect();
        Ok(Dashboard {
            generated_at: now,
            currency: event.currency.clone(),
            revenue_minor: sales.revenue_minor,
            orders: sales.orders,
            sold: ticket_types.iter().map(|t| t.sold).sum(),
            remaining: ticket_types.iter().map(|t| t.remaining).sum(),
            checked_in: sales.checked_in,
            ticket_types,
            per_minute,
        })
    }

    pub(super) async fn load_order(&self, order_id: i64) -> Result<AdminOrder, ApiError> {
        let mut order = self.store.admin_order(order_id).await?.ok_or_else(|| super::not_found(Resource::Order))?.order;
        self.refunds(&mut order).await?;
        order.emails = self.store.order_emails(order_id).await?;
        Ok(order)
    }
}
