//! Records shaped as the storefront's JSON contract (`contract::model`).
use super::Storefront;
use crate::error::ApiError;
use crate::events::when_display;
use crate::store::{HoldRecord, OrderRecord};
use chrono::{DateTime, Utc};
use contract::model::{EventSnapshot, Hold, HoldItem, Order, Person, Ticket};
use contract::payment::CardOptions;
use contract::rules::{hold as hold_rule, totals};

impl Storefront {
    pub(super) async fn order_view(&self, record: OrderRecord) -> Result<Order, ApiError> {
        let event = self.event_record(record.event_id).await?;
        let token = record.access_token;
        Ok(Order {
            url: format!("/o/{token}"),
            reference: record.reference,
            status: record.status,
            payment: record.payment,
            event_slug: event.slug.clone(),
            event_title: event.title.clone(),
            event_when_display: when_display(&event),
            venue: event.venue.clone(),
            buyer: Person { name: record.buyer_name, email: record.buyer_email },
            total_minor: record.total_minor,
            discount_minor: record.discount_minor,
            discount_code: record.discount_code,
            currency: record.currency,
            created_at: record.created_at,
            answers: record.answers,
            tickets: record
                .tickets
                .into_iter()
                .map(|ticket| Ticket {
                    qr_url: format!("/api/orders/{token}/tickets/{}/qr.svg", ticket.code),
                    code: ticket.code,
                    ticket_type_name: ticket.ticket_type_name,
                    attendee: Person { name: ticket.attendee_name, email: ticket.attendee_email },
                })
                .collect(),
        })
    }
}

pub(super) fn hold_view(record: &HoldRecord, snapshot: &EventSnapshot, now: DateTime<Utc>, card: Option<CardOptions>) -> Hold {
    let status = hold_rule::displayed_status(record.status, record.expires_at, now);
    let items: Vec<HoldItem> = record
        .items
        .iter()
        .map(|item| HoldItem {
            ticket_type_id: item.ticket_type_id,
            name: item.name.clone(),
            quantity: item.quantity,
            unit_price_minor: item.unit_price_minor,
            line_total_minor: totals::line_total(item.quantity, item.unit_price_minor),
        })
        .collect();
    Hold {
        id: record.id.to_string(),
        status,
        event_slug: snapshot.slug.clone(),
        event_title: snapshot.title.clone(),
        event_when_display: snapshot.when_display.clone(),
        expires_at: record.expires_at,
        total_minor: items.iter().map(|item| item.line_total_minor).sum(),
        items,
        currency: snapshot.currency.clone(),
        card,
        pay_later: snapshot.offline_payment_days.is_some(),
    }
}
