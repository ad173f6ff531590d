//! What an order gives its buyer to keep: its tickets as one PDF and its event as a calendar file.
//!
//! Policy: both are made from the order as the database has it, when they are asked for (the
//! order page's downloads, the confirmation email as the mailer sends it), and never stored: a
//! cancelled ticket is never in a fresh download, and checkout never waits for a PDF.
pub mod ics;
pub mod pdf;

use crate::events::when_display;
use crate::store::OrderRecord;
use contract::model::EventDetails;

/// "Sat 1 Jun 2030, 20:00–23:30 (Europe/Amsterdam time)": the wall clock of the venue.
pub fn when_at_venue(event: &EventDetails) -> String {
    format!("{} ({} time)", when_display(event), event.timezone)
}

/// The order's tickets, a page each.
pub fn tickets_pdf(event: &EventDetails, order: &OrderRecord) -> anyhow::Result<Vec<u8>> {
    let when = when_at_venue(event);
    let pages: Vec<pdf::TicketPage<'_>> = order
        .tickets
        .iter()
        .map(|ticket| pdf::TicketPage {
            event_title: &event.title,
            when: &when,
            venue: &event.venue,
            ticket_type: &ticket.ticket_type_name,
            attendee: &ticket.attendee_name,
            code: &ticket.code,
            order_reference: &order.reference,
        })
        .collect();
    pdf::tickets(&format!("Tickets for {}, order {}", event.title, order.reference), &pages)
}

/// The event as a calendar entry that leads back to the order (`order_url`).
pub fn event_ics(event: &EventDetails, order: &OrderRecord, order_url: &str) -> String {
    let host = order_url.split("://").nth(1).and_then(|rest| rest.split('/').next()).filter(|host| !host.is_empty()).unwrap_or("stampede");
    let count = order.tickets.len();
    let tickets = if count == 1 { "1 ticket".to_string() } else { format!("{count} tickets") };
    ics::calendar(&ics::CalendarEntry {
        event,
        uid: format!("order-{}@{host}", order.reference),
        url: order_url,
        description: format!("{tickets}, order {}. Your tickets: {order_url}", order.reference),
        stamped_at: order.created_at,
    })
}

/// File names for downloads and attachments: the event's address and the order's reference.
pub fn file_name(event: &EventDetails, order: &OrderRecord, extension: &str) -> String {
    format!("{}-{}.{extension}", event.slug, order.reference.to_ascii_lowercase())
}
