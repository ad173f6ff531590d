//! The Orders tab: search and filter an event's orders, and one order's detail with what an
//! organiser does to it (cancel and refund, resend the confirmation, and for a card order its
//! refunds through the organisation's Stripe account).
//!
//! Policy: the search, status filter and page live in the address (`?q=&status=&offset=`), so going
//! back from an order returns to the same list; cancelling asks for a second, explicit click, because
//! it refunds money and returns the tickets to sale. A card order's money goes back only through
//! Stripe, so its cancellation offers the refund as a checkbox (checked) and its page lists the
//! refunds with what is left; the origin decides how much may go back and says so at the amount.
use crate::api;
use crate::format::{date_time, plural};
use crate::forms::{options, Field, FormBanner, FormState};
use crate::pages::event::use_event;
use crate::pages::refunds::{refund_news, RefundForm, RefundList};
use crate::pages::{load_failed, loading, param_id, Column, DataTable, Notice};
use app::admin::{AdminOrder, AdminOrderStatus, CancelInput, EmailStatus, OrderEmail, OrderList};
use app::model::PaymentMethod;
use app::money::format_amount;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

const ORDER_COLUMNS: &[Column] =
    &[("Reference", false), ("Buyer", false), ("Tickets", true), ("Total", true), ("Status", false), ("Placed", false)];
const TICKET_COLUMNS: &[Column] = &[("Code", false), ("Ticket type", false), ("Attendee", false), ("Checked in", false)];
const EMAIL_COLUMNS: &[Column] = &[("Email", false), ("To", false), ("Queued", false), ("Status", false)];

const PAGE: i64 = 50;

fn status_badge(status: AdminOrderStatus) -> impl IntoView {
    let class = format!("badge badge-{}", status.as_str());
    view! { <span class=class>{status.label()}</span> }
}

#[component]
pub fn OrdersTab() -> impl IntoView {
    let ctx = use_event();
    let query = use_query_map();
    let navigate = use_navigate();
    let q = Memo::new(move |_| query.with(|p| p.get("q").unwrap_or_default()));
    let status = Memo::new(move |_| query.with(|p| p.get("status").unwrap_or_default()));
    let offset = Memo::new(move |_| query.with(|p| p.get("offset").and_then(|o| o.parse::<i64>().ok()).unwrap_or(0).max(0)));
    Effect::new(move |_| {
        let query = query.with(|p| p.to_query_string());
        ctx.orders_query.set(query);
    });
    let orders = LocalResource::new(move || {
        let path = format!(
            "/events/{}/orders?q={}&status={}&limit={PAGE}&offset={}",
            ctx.id,
            api::encode(&q.get()),
            api::encode(&status.get()),
            offset.get()
        );
        async move { api::get::<OrderList>(&path).await }
    });

    let search = RwSignal::new(q.get_untracked());
    let form = FormState::new();
    let go = move |q: String, status: String, offset: i64| {
        let mut path = format!("/events/{}/orders?q={}&status={}", ctx.id, api::encode(&q), api::encode(&status));
        if offset > 0 {
            path.push_str(&format!("&offset={offset}"));
        }
        navigate(&path, Default::default());
    };
    let submit = {
        let go = go.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            go(search.get_untracked().trim().to_string(), status.get_untracked(), 0);
        }
    };
    let filter = {
        let go = go.clone();
        move |ev: leptos::ev::Event| go(search.get_untracked().trim().to_string(), event_target_value(&ev), 0)
    };
    let page = move |delta: i64| {
        let go = go.clone();
        move |_| go(q.get_untracked(), status.get_untracked(), (offset.get_untracked() + delta * PAGE).max(0))
    };
    let (previous, next) = (page(-1), page(1));

    let table = move || match orders.get() {
        None => loading(),
        Some(Err(failure)) => load_failed(&failure),
        Some(Ok(list)) if list.orders.is_empty() => view! {
            <p class="empty">{if q.get().is_empty() && status.get().is_empty() { "No orders yet." } else { "No orders match." }}</p>
        }
        .into_any(),
        Some(Ok(list)) => {
            let from = offset.get() + 1;
            let to = offset.get() + list.orders.len() as i64;
            let (has_previous, has_next) = (offset.get() > 0, to < list.total);
            let (previous, next) = (previous.clone(), next.clone());
            view! {
                <p class="muted" role="status">{format!("Showing {from}–{to} of {}", list.total)}</p>
                <DataTable columns=ORDER_COLUMNS>
                            {list
                                .orders
                                .into_iter()
                                .map(|o| {
                                    view! {
                                        <tr>
                                            <td><A href=crate::link(&format!("/events/{}/orders/{}", ctx.id, o.id))><code>{o.reference}</code></A></td>
                                            <td>{o.buyer_name}<div class="muted small">{o.buyer_email}</div></td>
                                            <td class="num">{o.tickets}</td>
                                            <td class="num">{format_amount(o.total_minor, &o.currency)}</td>
                                            <td>{status_badge(o.status)}</td>
                                            <td>{date_time(o.created_at)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </DataTable>
                <div class="pager">
                    <button type="button" class="secondary" disabled=!has_previous on:click=previous>"Previous page"</button>
                    <button type="button" class="secondary" disabled=!has_next on:click=next>"Next page"</button>
                </div>
            }
            .into_any()
        }
    };

    view! {
        <h2>"Orders"</h2>
        <form class="search-bar" role="search" on:submit=submit novalidate>
            <FormBanner form />
            <Field form id="orders-search" name="q" label="Search orders">
                <input id="orders-search" name="q" type="search" placeholder="Reference, name or email" bind:value=search />
            </Field>
            <Field form id="orders-status" name="status" label="Status">
                <select id="orders-status" name="status" on:change=filter>
                    {options(move || status.get(), &[("", "All"), ("active", "Active"), ("cancelled", "Cancelled")])}
                </select>
            </Field>
            <button type="submit" class="primary">"Search"</button>
        </form>
        {table}
    }
}

#[component]
pub fn OrderTab() -> impl IntoView {
    let id = param_id("order");
    move || match id.get() {
        Some(id) => view! { <OrderDetail id /> }.into_any(),
        None => view! { <div class="form-error" role="alert">"That is not an order address."</div> }.into_any(),
    }
}

#[component]
fn OrderDetail(id: i64) -> impl IntoView {
    let ctx = use_event();
    let order = RwSignal::new(None::<Result<AdminOrder, api::Failure>>);
    spawn_local(async move {
        order.try_set(Some(api::get::<AdminOrder>(&format!("/orders/{id}")).await));
    });
    // Outlives each rendering of the order, so "Order cancelled" stays after the order is redrawn.
    let notice = RwSignal::new(None::<String>);
    let back = format!("/events/{}/orders{}", ctx.id, ctx.orders_query.get_untracked());
    let crumbs = view! { <p class="crumbs"><A href=crate::link(&back)>"← All orders"</A></p> };
    let body = move || match order.get() {
        None => loading(),
        Some(Err(failure)) => load_failed(&failure),
        Some(Ok(o)) => view! { <OrderView order=o notice on_change=move |o| order.set(Some(Ok(o))) /> }.into_any(),
    };
    view! { {crumbs} {body} }
}

#[component]
fn OrderView(order: AdminOrder, notice: RwSignal<Option<String>>, #[prop(into)] on_change: Callback<AdminOrder>) -> impl IntoView {
    let ctx = use_event();
    let form = FormState::new();
    let confirming = RwSignal::new(false);
    let id = order.id;
    let card = order.payment == PaymentMethod::Card;
    // What is left of the payment: a card order's refunds that did not fail count against it.
    let left = (order.total_minor - order.refunded_minor).max(0);
    let refund_text = format_amount(left, &order.currency);
    // A card order's money goes back only when asked (checked by default); other orders as before.
    let refund_on_cancel = RwSignal::new(true);
    let known_refunds = order.refunds.len();
    let ticket_count = order.tickets.len() as i64;
    let act = move |action: &'static str| {
        if !form.begin_action() {
            return;
        }
        notice.set(None);
        spawn_local(async move {
            let path = format!("/orders/{id}/{action}");
            let result = if card && action == "cancel" {
                let input = CancelInput { refund: left > 0 && refund_on_cancel.get_untracked() };
                api::post::<_, AdminOrder>(&path, &input).await
            } else {
                api::post_empty::<AdminOrder>(&path).await
            };
            match result {
                Ok(updated) => {
                    form.busy.set(false);
                    confirming.set(false);
                    let message = if action != "cancel" {
                        format!("The confirmation will be sent to {} again.", updated.buyer_email)
                    } else if card {
                        ctx.refresh();
                        let refund = refund_news(&updated, known_refunds).unwrap_or_else(|| {
                            if left > 0 { "the payment was not refunded." } else { "nothing was left to refund." }.to_string()
                        });
                        format!("Order cancelled; {refund}")
                    } else {
                        ctx.refresh();
                        format!("Order cancelled; {} refunded.", format_amount(updated.refunded_minor, &updated.currency))
                    };
                    notice.set(Some(message));
                    on_change.run(updated);
                }
                Err(failure) => form.fail(&failure, &[]),
            }
        });
    };
    let cancelled = order.status == AdminOrderStatus::Cancelled;
    // The second click: a card order's refund is a choice (checked), other orders' is part of it.
    let cancel_confirm = move || {
        let tickets = plural(ticket_count, "ticket returns", "tickets return");
        let question = if card {
            format!("Cancel this order? Its {tickets} to sale and can no longer be checked in.")
        } else {
            format!("Cancel this order and refund {refund_text}? Its {tickets} to sale and can no longer be checked in.")
        };
        let refund_choice = (card && left > 0).then(|| {
            view! {
                <div class="check">
                    <input type="checkbox" id="cancel-refund" name="refund" bind:checked=refund_on_cancel />
                    <label for="cancel-refund">{format!("Also refund {refund_text} to the card")}</label>
                </div>
            }
        });
        let refunding = move || !card || (left > 0 && refund_on_cancel.get());
        view! {
            <p>{question}</p>
            {refund_choice}
            <button type="button" class="danger" disabled=move || form.busy.get() on:click=move |_| act("cancel")>
                {move || if refunding() { "Yes, cancel and refund" } else { "Yes, cancel" }}
            </button>
        }
    };
    let actions = move || {
        if !ctx.can_edit() {
            return None;
        }
        let cancel_confirm = cancel_confirm.clone();
        Some(view! {
            <div class="order-actions">
                <button type="button" class="secondary" disabled=move || form.busy.get() on:click=move |_| act("resend")>
                    "Resend confirmation"
                </button>
                {(!cancelled).then(|| view! {
                    <Show
                        when=move || confirming.get()
                        fallback=move || view! {
                            <button type="button" class="danger" on:click=move |_| {
                                refund_on_cancel.set(true);
                                confirming.set(true);
                            }>
                                {if card { "Cancel order" } else { "Cancel & refund" }}
                            </button>
                        }
                    >
                        <div class="confirm" role="group" aria-label="Confirm cancellation">
                            {cancel_confirm.clone()}
                            <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Keep the order"</button>
                        </div>
                    </Show>
                })}
            </div>
        })
    };

    let currency = order.currency.clone();
    let tickets = order
        .tickets
        .iter()
        .map(|t| {
            view! {
                <tr>
                    <td><code>{t.code.clone()}</code></td>
                    <td>{t.ticket_type_name.clone()}</td>
                    <td>{t.attendee_name.clone()}<div class="muted small">{t.attendee_email.clone()}</div></td>
                    <td>{t.checked_in_at.map(date_time).unwrap_or_else(|| "Not yet".to_string())}</td>
                </tr>
            }
        })
        .collect_view();
    let answers = (!order.answers.is_empty()).then(|| {
        view! {
            <h3>"Answers"</h3>
            <dl class="facts">
                {order.answers.iter().map(|a| view! { <dt>{a.label.clone()}</dt><dd>{a.answer.clone()}</dd> }).collect_view()}
            </dl>
        }
    });
    let card_facts = card.then(|| {
        view! {
            <dt>"Refunded"</dt>
            <dd>{format_amount(order.refunded_minor, &currency)}</dd>
            <dt>"Left to refund"</dt>
            <dd>{format_amount(left, &currency)}</dd>
        }
    });
    let refunds = card.then(|| {
        let can_refund = move || ctx.can_edit() && left > 0;
        let currency = currency.clone();
        view! {
            <section class="refunds" aria-labelledby="refunds-title">
                <h3 id="refunds-title">"Refunds"</h3>
                <RefundList id refunds=order.refunds.clone() currency=currency.clone() on_change />
                <Show when=can_refund>
                    <RefundForm id left currency=currency.clone() known=known_refunds notice on_change />
                </Show>
            </section>
        }
    });
    view! {
        <article class="order-detail">
            <div class="page-head">
                <h2>"Order " <code>{order.reference.clone()}</code></h2>
                {status_badge(order.status)}
            </div>
            <FormBanner form />
            <Notice message=notice />
            <dl class="facts">
                <dt>"Buyer"</dt>
                <dd>{order.buyer_name.clone()} " · " <a href=format!("mailto:{}", order.buyer_email)>{order.buyer_email.clone()}</a></dd>
                <dt>"Placed"</dt>
                <dd>{date_time(order.created_at)}</dd>
                <dt>"Total"</dt>
                <dd>{format_amount(order.total_minor, &currency)}</dd>
                {order.discount_code.clone().map(|code| view! {
                    <dt>"Discount"</dt>
                    <dd><code>{code}</code> " · " {format_amount(order.discount_minor, &currency)} " off"</dd>
                })}
                <dt>"Payment"</dt>
                <dd>{payment_label(order.payment)}</dd>
                {card_facts}
                {order.cancelled_at.map(|at| view! {
                    <dt>"Cancelled"</dt>
                    // A card order says what went back under Refunded.
                    <dd>{date_time(at)} {(!card).then(|| format!(" · {} refunded", format_amount(order.refunded_minor, &currency)))}</dd>
                })}
            </dl>
            {actions}
            {refunds}
            <h3>"Emails"</h3>
            <DataTable columns=EMAIL_COLUMNS>{order.emails.iter().map(email_row).collect_view()}</DataTable>
            <h3>"Tickets"</h3>
            <DataTable columns=TICKET_COLUMNS>{tickets}</DataTable>
            {answers}
        </article>
    }
}

/// One email to the buyer: sent, waiting, or failed with the relay's words (then "Resend
/// confirmation" above queues it again).
fn email_row(email: &OrderEmail) -> impl IntoView {
    let status = match email.status {
        EmailStatus::Sent => format!("Sent {}", email.sent_at.map(date_time).unwrap_or_default()),
        EmailStatus::Queued if email.attempts == 0 => "Waiting to be sent".to_string(),
        EmailStatus::Queued => {
            format!("Retrying ({} failed: {})", plural(email.attempts as i64, "try", "tries"), email.last_error.clone().unwrap_or_default())
        }
        EmailStatus::Failed => {
            format!("Failed after {}: {}", plural(email.attempts as i64, "try", "tries"), email.last_error.clone().unwrap_or_default())
        }
    };
    let class = match email.status {
        EmailStatus::Failed => "email-failed",
        _ => "",
    };
    view! {
        <tr class=class>
            <td>{email.subject.clone()}</td>
            <td>{email.recipient.clone()}</td>
            <td>{date_time(email.queued_at)}</td>
            <td>{status}</td>
        </tr>
    }
}

fn payment_label(payment: PaymentMethod) -> &'static str {
    match payment {
        PaymentMethod::Free => "Free",
        PaymentMethod::Offline => "At the door or by invoice",
        PaymentMethod::Card => "Card",
    }
}
