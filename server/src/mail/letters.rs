//! What Stampede writes to buyers about their orders: the confirmation with its tickets, the
//! news of a cancellation or a refund, and a waiting list's offer. One home for the words; the
//! mailer and the admin call these.
//!
//! Policy: links are absolute, made from `PUBLIC_URL`; what people typed (names, the event's
//! texts) is plain text here and is escaped where it becomes HTML (`compose`).
use super::compose::{File, Letter};
use crate::documents;
use crate::store::{NewEmail, OrderRecord, UnsentOffer};
use contract::model::{EventDetails, OrderStatus};
use contract::money::format_amount;

pub fn confirmation_subject(event_title: &str, reference: &str) -> String {
    format!("Your tickets for {event_title} ({reference})")
}

/// A hold's checkout: where a waiting-list offer is bought.
pub fn checkout_url(public_url: &str, hold_id: &str) -> String {
    format!("{}/checkout/{hold_id}", public_url.trim_end_matches('/'))
}

/// The order page's address, where the tickets are.
pub fn order_url(public_url: &str, access_token: &str) -> String {
    format!("{}/o/{access_token}", public_url.trim_end_matches('/'))
}

/// The confirmation of `order`: its tickets in the text, and attached as one PDF with the event as
/// an `.ics`.
pub fn confirmation(event: &EventDetails, order: &OrderRecord, subject: String, public_url: &str) -> anyhow::Result<Letter> {
    let url = order_url(public_url, &order.access_token);
    let tickets: Vec<String> =
        order.tickets.iter().map(|t| format!("- {}: {} (ticket {})", t.ticket_type_name, t.attendee_name, t.code)).collect();
    let count = match order.tickets.len() {
        1 => "1 ticket".to_string(),
        n => format!("{n} tickets"),
    };
    let payment = match order.status {
        OrderStatus::AwaitingPayment => "\nTo pay: at the door or by invoice, as the organiser asks. The tickets are valid once paid.",
        _ => "",
    };
    let text = format!(
        "Hello {buyer},\n\nThank you for your order. Here are your tickets for {title}.\n\n\
         When: {when}\nWhere: {venue}\nOrder {reference}: {count}, total {total}.{payment}\n\n{tickets}\n\n\
         Your tickets, to show at the door: {url}\n\
         They are attached too, as a PDF to print or keep on your phone, with the event for your calendar.\n",
        buyer = order.buyer_name,
        title = event.title,
        when = documents::when_at_venue(event),
        venue = event.venue,
        reference = order.reference,
        total = format_amount(order.total_minor, &order.currency),
        tickets = tickets.join("\n"),
    );
    let attachments = vec![
        File {
            name: documents::file_name(event, order, "pdf"),
            content_type: "application/pdf",
            bytes: documents::tickets_pdf(event, order)?,
        },
        File {
            name: documents::file_name(event, order, "ics"),
            content_type: "text/calendar; charset=utf-8; method=PUBLISH",
            bytes: documents::event_ics(event, order, &url).into_bytes(),
        },
    ];
    Ok(Letter { to: order.buyer_email.clone(), subject, text, attachments })
}

/// An organiser cancelled the order; `refunded_minor` is what goes back to the card with it.
pub fn cancellation(event: &EventDetails, order: &OrderRecord, refunded_minor: i64) -> (String, String) {
    let refund = if refunded_minor > 0 {
        format!(
            "\n\n{} is being refunded to the card you paid with (banks take 5 to 10 days to show it).",
            format_amount(refunded_minor, &order.currency)
        )
    } else {
        String::new()
    };
    (
        format!("Your order {} for {} was cancelled", order.reference, event.title),
        format!(
            "Hello {},\n\nThe organiser of {} cancelled your order {}: its tickets are no longer valid.{refund}\n\n\
             Questions? Reply to the organiser's messages or contact them through the event's page.\n",
            order.buyer_name, event.title, order.reference
        ),
    )
}

/// An order awaiting payment was not paid by its deadline (`offline_payment_days`).
pub fn lapsed(event: &EventDetails, order: &OrderRecord) -> (String, String) {
    (
        format!("Your unpaid order {} for {} was cancelled", order.reference, event.title),
        format!(
            "Hello {},\n\nYour order {} for {} was not paid by its deadline, so it was cancelled and its tickets went back \
             on sale. Nothing was charged.\n\nTo go after all, order again on the event's page if tickets are left.\n",
            order.buyer_name, order.reference, event.title
        ),
    )
}

/// An organiser refunded part or all of the order.
pub fn refund(event: &EventDetails, order: &OrderRecord, amount_minor: i64, public_url: &str) -> (String, String) {
    (
        format!("A refund for your order {} ({})", order.reference, event.title),
        format!(
            "Hello {},\n\nThe organiser of {} refunded {} of your order {} to the card you paid with (banks take 5 to 10 days \
             to show it).\n\nYour order: {}\n",
            order.buyer_name,
            event.title,
            format_amount(amount_minor, &order.currency),
            order.reference,
            order_url(public_url, &order.access_token),
        ),
    )
}

/// Tickets came back and are kept for the next in line on the waiting list: the link is their
/// checkout, the hold made for them.
pub fn waiting_list_offer(offer: &UnsentOffer, public_url: &str) -> NewEmail {
    let tickets = if offer.quantity == 1 { "1 ticket".to_string() } else { format!("{} tickets", offer.quantity) };
    NewEmail::text(
        &offer.email,
        format!("Your turn: {tickets} for {} are kept for you", offer.event_title),
        format!(
            "Hello {name},\n\nGood news from the waiting list: {tickets} ({kind}) for {title} came back, and they are kept \
             for you until {until}.\n\nBuy them here:\n{url}\n\nIf you do not want them, do nothing: when the time is up \
             they go to the next person in line.\n",
            name = offer.name,
            kind = offer.ticket_type_name,
            title = offer.event_title,
            until = offer.expires_at.format("%-d %B %Y, %H:%M UTC"),
            url = checkout_url(public_url, &offer.hold_id.to_string()),
        ),
        None,
    )
}
