//! The confirmation: the order and every ticket with its code and QR code. Reachable again at the
//! order's secret link, so it doubles as the attendee's ticket wallet.
use crate::model::{Order, OrderStatus, PaymentMethod};
use crate::money::{format_amount, format_price};
use leptos::prelude::*;

#[component]
pub fn OrderPage(order: Order) -> impl IntoView {
    let status_line = match (order.status, order.payment) {
        (OrderStatus::Confirmed, _) => "Confirmed",
        (OrderStatus::AwaitingPayment, PaymentMethod::Offline) => "Confirmed · pay at the door or by invoice",
        (OrderStatus::AwaitingPayment, _) => "Awaiting payment",
    };
    let count = order.tickets.len();
    let tickets = order
        .tickets
        .iter()
        .enumerate()
        .map(|(i, ticket)| {
            view! {
                <li class="ticket-card">
                    <div class="ticket-card-text">
                        <p class="eyebrow">{format!("Ticket {} of {count}", i + 1)}</p>
                        <h3>{ticket.attendee.name.clone()}</h3>
                        <p class="muted">{ticket.ticket_type_name.clone()}</p>
                        <p class="ticket-code">
                            <span class="muted">"Code "</span>
                            <code>{ticket.code.clone()}</code>
                        </p>
                    </div>
                    <img
                        class="qr"
                        src=ticket.qr_url.clone()
                        width="160"
                        height="160"
                        alt=format!("QR code for ticket {}", ticket.code)
                    />
                </li>
            }
        })
        .collect_view();
    let discount = order.discount_code.clone().map(|code| {
        view! {
            <p class="order-discount">
                {format!("Discount ({code}) ")}
                <strong>{format!("−{}", format_amount(order.discount_minor, &order.currency))}</strong>
            </p>
        }
    });
    let answers = (!order.answers.is_empty()).then(|| {
        let rows =
            order.answers.iter().map(|answer| view! { <dt>{answer.label.clone()}</dt> <dd>{answer.answer.clone()}</dd> }).collect_view();
        view! {
            <section class="order-answers">
                <h2>"Your answers"</h2>
                <dl>{rows}</dl>
            </section>
        }
    });
    view! {
        <article class="confirmation">
            <header class="confirmation-header">
                <p class="eyebrow">{format!("Order {}", order.reference)}</p>
                <h1>"You’re going!"</h1>
                <p class="status">{status_line}</p>
            </header>
            <section class="order-event">
                <h2>{order.event_title.clone()}</h2>
                <p>{order.event_when_display.clone()}</p>
                <p class="muted">{order.venue.clone()}</p>
            </section>
            <ul class="ticket-cards">{tickets}</ul>
            <p class="order-downloads">
                <a class="button" href=format!("{}/tickets.pdf", order.url) download="">"Download tickets (PDF)"</a>
                <a class="button button-secondary" href=format!("{}/event.ics", order.url) download="">"Add to calendar"</a>
            </p>
            {answers}
            <section class="order-details">
                <p>{format!("Booked by {} ({})", order.buyer.name, order.buyer.email)}</p>
                {discount}
                <p>"Total " <strong>{format_price(order.total_minor, &order.currency)}</strong></p>
                <p class="muted">
                    "Keep this page: its link is your way back to your tickets. Show the QR codes at the door."
                </p>
                <a class="button button-secondary" href=format!("/e/{}", order.event_slug)>"Back to the event"</a>
            </section>
        </article>
    }
}
