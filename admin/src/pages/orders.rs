//! The Orders tab: search and filter an event's orders, and one order's detail with the two things
//! an organiser does to it (cancel and refund, resend the confirmation).
//!
//! Policy: the search, status filter and page live in the address (`?q=&status=&offset=`), so going
//! back from an order returns to the same list; cancelling asks for a second, explicit click, because
//! it refunds money and returns the tickets to sale.
use crate::api;
use crate::format::{date_time, plural};
use crate::forms::{options, Field, FormBanner, FormState};
use crate::pages::event::use_event;
use crate::pages::{load_failed, loading, param_id, Column, DataTable, Notice};
use app::admin::{AdminOrder, AdminOrderStatus, OrderList};
use app::money::format_amount;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

const ORDER_COLUMNS: &[Column] =
    &[("Reference", false), ("Buyer", false), ("Tickets", true), ("Total", true), ("Status", false), ("Placed", false)];
const TICKET_COLUMNS: &[Column] = &[("Code", false), ("Ticket type", false), ("Attendee", false), ("Checked in", false)];

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
    let paid = order.total_minor - order.refunded_minor;
    let refund_text = format_amount(paid.max(0), &order.currency);
    let ticket_count = order.tickets.len() as i64;
    let act = move |action: &'static str| {
        if !form.begin_action() {
            return;
        }
        notice.set(None);
        spawn_local(async move {
            match api::post_empty::<AdminOrder>(&format!("/orders/{id}/{action}")).await {
                Ok(updated) => {
                    form.busy.set(false);
                    confirming.set(false);
                    let message = if action == "cancel" {
                        ctx.refresh();
                        format!("Order cancelled; {} refunded.", format_amount(updated.refunded_minor, &updated.currency))
                    } else {
                        format!("The confirmation will be sent to {} again.", updated.buyer_email)
                    };
                    notice.set(Some(message));
                    on_change.run(updated);
                }
                Err(failure) => form.fail(&failure, &[]),
            }
        });
    };
    let cancelled = order.status == AdminOrderStatus::Cancelled;
    let actions = move || {
        if !ctx.can_edit() {
            return None;
        }
        let refund_text = refund_text.clone();
        Some(view! {
            <div class="order-actions">
                <button type="button" class="secondary" disabled=move || form.busy.get() on:click=move |_| act("resend")>
                    "Resend confirmation"
                </button>
                {(!cancelled).then(|| view! {
                    <Show
                        when=move || confirming.get()
                        fallback=move || view! {
                            <button type="button" class="danger" on:click=move |_| confirming.set(true)>"Cancel & refund"</button>
                        }
                    >
                        <div class="confirm" role="group" aria-label="Confirm cancellation">
                            <p>
                                {format!("Cancel this order and refund {}? Its {} return to sale and can no longer be checked in.",
                                    refund_text, plural(ticket_count, "ticket", "tickets"))}
                            </p>
                            <button type="button" class="danger" disabled=move || form.busy.get() on:click=move |_| act("cancel")>
                                "Yes, cancel and refund"
                            </button>
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
                <dd>{order.payment.as_str()}</dd>
                {order.cancelled_at.map(|at| view! {
                    <dt>"Cancelled"</dt>
                    <dd>{date_time(at)} " · " {format_amount(order.refunded_minor, &currency)} " refunded"</dd>
                })}
                <dt>"Confirmation"</dt>
                <dd>{order.confirmation_sent_at.map(|at| format!("Last queued {}", date_time(at))).unwrap_or_else(|| "Not sent yet".to_string())}</dd>
            </dl>
            {actions}
            <h3>"Tickets"</h3>
            <DataTable columns=TICKET_COLUMNS>{tickets}</DataTable>
            {answers}
        </article>
    }
}
