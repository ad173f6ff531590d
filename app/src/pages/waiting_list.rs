//! "Join the waiting list" under a sold-out ticket type: a name, an address and how many, sent to
//! the origin, which answers with the place in line. Not a `<form>` of its own: it sits inside the
//! event page's ticket form, and forms do not nest.
use crate::api;
use crate::model::{TicketTypeSnapshot, WaitingListRequest};
use crate::pages::shown_or;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn WaitingListJoin(slug: String, info: TicketTypeSnapshot) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let quantity = RwSignal::new(info.min_per_order.max(1).to_string());
    let sending = RwSignal::new(false);
    let answer = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let id = info.id;
    let join = move |_| {
        if sending.get_untracked() {
            return;
        }
        let Ok(quantity) = quantity.get_untracked().trim().parse::<i64>() else {
            error.set(Some("Choose how many tickets you would like.".to_string()));
            return;
        };
        let request = WaitingListRequest { ticket_type_id: id, name: name.get_untracked(), email: email.get_untracked(), quantity };
        let slug = slug.clone();
        sending.set(true);
        error.set(None);
        spawn_local(async move {
            match api::join_waiting_list(&slug, &request).await {
                Ok(place) => answer.set(Some(match (place.state.as_str(), place.position) {
                    ("offered", _) => "Tickets came back just now and are kept for you: check your email for the link.".to_string(),
                    (_, Some(position)) => format!(
                        "You are number {position} in line. If tickets come back, we email {} a link to buy them.",
                        request.email.trim()
                    ),
                    _ => "You are on the waiting list.".to_string(),
                })),
                Err(failure) => error.set(Some(failure.message())),
            }
            sending.set(false);
        });
    };
    let field = move |suffix: &str| format!("waiting-{id}-{suffix}");
    let choices: Vec<i64> = (info.min_per_order.max(1)..=info.max_per_order.max(1)).collect();
    view! {
        <details class="waiting-list">
            <summary>"Join the waiting list"</summary>
            {shown_or(
                move || answer.get().is_none(),
                move || {
                    view! {
                        <div class="field">
                            <label for=field("name")>"Your name"</label>
                            <input id=field("name") type="text" autocomplete="name" bind:value=name />
                        </div>
                        <div class="field">
                            <label for=field("email")>"Email"</label>
                            <input id=field("email") type="email" autocomplete="email" inputmode="email" bind:value=email />
                        </div>
                        <div class="field">
                            <label for=field("quantity")>"Tickets"</label>
                            <select id=field("quantity") bind:value=quantity>
                                {choices.iter().map(|n| view! { <option value=n.to_string()>{n.to_string()}</option> }).collect_view()}
                            </select>
                        </div>
                        <button type="button" class="button" disabled=move || sending.get() on:click=join.clone()>
                            {move || if sending.get() { "Joining…" } else { "Join the waiting list" }}
                        </button>
                        <p class="field-error" role="alert">{move || error.get()}</p>
                    }
                },
                move || view! { <p class="waiting-list-answer" role="status">{move || answer.get()}</p> },
            )}
        </details>
    }
}
