//! The Check-in tab: the door. A scanner or a person types a ticket code and presses Enter.
//!
//! Policy: after every answer the box is emptied and focused again, ready for the next ticket; the
//! answer stays on screen, coloured green (valid), amber (already checked in) or red (invalid), in a
//! live region so a screen reader says it. Only when the origin could not answer does the code stay
//! in the box, to be tried again. An unpaid ticket (its order awaits payment) is shown amber with
//! a "Mark paid" button: door staff collect the money, press it, and scan the ticket again.
use crate::api;
use crate::format::time;
use crate::forms::{focus, FieldError, FormBanner, FormState};
use crate::pages::event::use_event;
use app::admin::{AdminOrder, CheckIn, CheckInRequest, CheckInResult};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn CheckInTab() -> impl IntoView {
    let ctx = use_event();
    let form = FormState::new();
    let code = RwSignal::new(String::new());
    let result = RwSignal::new(None::<CheckIn>);
    let paid_note = RwSignal::new(None::<String>);
    focus("checkin-code");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !form.begin(&ev) {
            return;
        }
        let typed = code.get_untracked().trim().to_string();
        if typed.is_empty() {
            form.field_error("code", "Please enter or scan a ticket code.");
            return;
        }
        form.busy.set(true);
        spawn_local(async move {
            match api::post::<_, CheckIn>(&format!("/events/{}/check-ins", ctx.id), &CheckInRequest { code: typed }).await {
                Ok(answer) => {
                    form.busy.set(false);
                    paid_note.set(None);
                    code.set(String::new());
                    result.set(Some(answer));
                    focus("checkin-code");
                }
                Err(failure) => {
                    result.set(None);
                    form.fail(&failure, &["code"]);
                    focus("checkin-code");
                }
            }
        });
    };

    let mark_paid = move |order_id: i64| {
        spawn_local(async move {
            let note = match api::post_empty::<AdminOrder>(&format!("/orders/{order_id}/paid")).await {
                Ok(order) => format!("Order {} is marked paid. Scan the ticket again to let them in.", order.reference),
                Err(failure) => failure.message(),
            };
            paid_note.set(Some(note));
            focus("checkin-code");
        });
    };
    let panel = move || {
        result.get().map(|r| {
            let class = match r.result {
                CheckInResult::Valid => "checkin-result result-valid",
                CheckInResult::AlreadyCheckedIn | CheckInResult::NotPaid => "checkin-result result-warn",
                CheckInResult::Invalid => "checkin-result result-invalid",
            };
            let unpaid_order = r.order_id.filter(|_| r.result == CheckInResult::NotPaid);
            let details = [
                r.attendee_name.clone().map(|name| ("Attendee", name)),
                r.ticket_type_name.clone().map(|name| ("Ticket", name)),
                r.order_reference.clone().map(|reference| ("Order", reference)),
                r.checked_in_at.map(|at| ("Checked in at", time(at))),
            ];
            view! {
                <div class=class>
                    // The origin's sentence already says which of the three it is ("Valid: …").
                    <p class="result-heading">{r.message.clone()}</p>
                    <dl class="facts">
                        {details.into_iter().flatten().map(|(term, value)| view! { <dt>{term}</dt><dd>{value}</dd> }).collect_view()}
                    </dl>
                    {unpaid_order.map(|order_id| view! {
                        <button type="button" class="primary" on:click=move |_| mark_paid(order_id)>"Mark paid"</button>
                    })}
                    {move || paid_note.get().map(|note| view! { <p class="result-note">{note}</p> })}
                </div>
            }
        })
    };

    view! {
        <h2>"Check-in"</h2>
        // Door staff may be viewers: checking in changes no sale (the API allows it too).
        <form class="checkin-form" on:submit=submit novalidate>
                <FormBanner form />
                <div class="field" class:has-error=move || form.error_for("code").is_some()>
                    <label for="checkin-code">"Ticket code"</label>
                    <input
                        id="checkin-code"
                        name="code"
                        class="checkin-input"
                        autocomplete="off"
                        autocapitalize="off"
                        spellcheck="false"
                        autofocus
                        enterkeyhint="go"
                        aria-invalid=move || form.error_for("code").is_some().then_some("true")
                        bind:value=code
                    />
                    <FieldError form name="code" id="checkin-code" />
                </div>
                <button type="submit" class="primary big" disabled=move || form.busy.get()>"Check in"</button>
            </form>
        // Always in the page, so assistive technology announces each new answer.
        <div class="checkin-panel" role="status" aria-live="assertive">{panel}</div>
    }
}
