//! A card order's refunds on its page: the list (as Stripe last reported each), a refund of part
//! or all of what is left, and what changed since the page was drawn.
use crate::api;
use crate::format::date_time;
use crate::forms::{post, trimmed, FormBanner, FormState, Input};
use crate::pages::{Column, DataTable};
use app::admin::{AdminOrder, AdminRefund, RefundInput};
use app::money::format_amount;
use app::payment::RefundStatus;
use app::rules::limits::MAX_REFUND_REASON_CHARS;
use leptos::prelude::*;
use leptos::task::spawn_local;

const REFUND_COLUMNS: &[Column] = &[("Requested", false), ("Amount", true), ("Status", false), ("Reason", false)];

fn refund_label(status: RefundStatus) -> &'static str {
    match status {
        RefundStatus::Requested => "Requested",
        RefundStatus::Pending => "Pending",
        RefundStatus::Succeeded => "Refunded",
        RefundStatus::Failed => "Failed",
    }
}

/// What became of the refund an action just asked for: the newest of `order`'s refunds past the
/// `known` ones it had before. None when the action asked for none.
pub(super) fn refund_news(order: &AdminOrder, known: usize) -> Option<String> {
    let refund = order.refunds.get(known..)?.last()?;
    let amount = format_amount(refund.amount_minor, &order.currency);
    Some(match refund.status {
        RefundStatus::Succeeded => format!("{amount} refunded to the card."),
        RefundStatus::Failed => format!("Stripe refused the refund of {amount}: nothing went back to the card."),
        RefundStatus::Requested | RefundStatus::Pending => {
            format!("refund of {amount} to the card requested (Stripe confirms it shortly).")
        }
    })
}

/// A card order's refunds, oldest first, as Stripe last reported them; while one is unfinished,
/// a button reads the order again (nothing polls: the page would redraw under a half-typed refund).
#[component]
pub(super) fn RefundList(id: i64, refunds: Vec<AdminRefund>, currency: String, on_change: Callback<AdminOrder>) -> impl IntoView {
    if refunds.is_empty() {
        return view! { <p class="empty">"No refunds yet."</p> }.into_any();
    }
    let unfinished = refunds.iter().any(|r| matches!(r.status, RefundStatus::Requested | RefundStatus::Pending));
    let form = FormState::new();
    let check_again = move |_| {
        if !form.begin_action() {
            return;
        }
        spawn_local(async move {
            match api::get::<AdminOrder>(&format!("/orders/{id}")).await {
                Ok(updated) => {
                    form.busy.set(false);
                    on_change.run(updated);
                }
                Err(failure) => form.fail(&failure, &[]),
            }
        });
    };
    let rows = refunds
        .iter()
        .map(|r| {
            let class = format!("badge badge-refund-{}", r.status.as_str());
            view! {
                <tr>
                    <td>{date_time(r.created_at)}</td>
                    <td class="num">{format_amount(r.amount_minor, &currency)}</td>
                    <td><span class=class>{refund_label(r.status)}</span></td>
                    <td>{r.reason.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable columns=REFUND_COLUMNS>{rows}</DataTable>
        {unfinished.then(|| view! {
            <FormBanner form />
            <p class="hint">
                "Requested: Stripe has not answered yet (it is asked again by itself). Pending: Stripe accepted it and will confirm it."
            </p>
            <div class="actions">
                <button type="button" class="secondary small" disabled=move || form.busy.get() on:click=check_again>
                    "Check the refunds again"
                </button>
            </div>
        })}
    }
    .into_any()
}

/// Money back to the card: an amount (blank: all that is left) and a reason. A refusal shows at
/// the input it names, with what was typed left in place.
#[component]
pub(super) fn RefundForm(
    id: i64,
    left: i64,
    currency: String,
    /// How many refunds the order had, to tell which one this form added.
    known: usize,
    notice: RwSignal<Option<String>>,
    on_change: Callback<AdminOrder>,
) -> impl IntoView {
    let form = FormState::new();
    let amount = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !form.begin(&ev) {
            return;
        }
        notice.set(None);
        let input = RefundInput { amount: trimmed(amount), reason: trimmed(reason) };
        if input.reason.chars().count() > MAX_REFUND_REASON_CHARS {
            form.field_error("reason", format!("Please keep the reason under {MAX_REFUND_REASON_CHARS} characters."));
            return;
        }
        post(form, format!("/orders/{id}/refunds"), input, &["amount", "reason"], move |updated: AdminOrder| {
            let news = refund_news(&updated, known).unwrap_or_else(|| "the refund was recorded.".to_string());
            notice.set(Some(capitalised(&news)));
            on_change.run(updated);
        });
    };
    let hint = format!("Blank: all that is left ({}).", format_amount(left, &currency));
    view! {
        <form class="subform refund-form" on:submit=submit novalidate>
            <h3>"Refund to the card"</h3>
            <FormBanner form />
            <div class="form-grid">
                <Input form id="refund-amount" name="amount" label="Amount" value=amount hint inputmode="decimal" autocomplete="off" />
                <Input form id="refund-reason" name="reason" label="Reason" value=reason hint="Optional; kept with the refund." autocomplete="off" />
            </div>
            <div class="actions">
                <button type="submit" class="danger" disabled=move || form.busy.get()>"Refund"</button>
            </div>
        </form>
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
