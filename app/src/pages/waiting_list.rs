//! "Join the waiting list" under a sold-out ticket type: a name, an address and how many, sent to
//! the origin, which answers with the place in line. Not a `<form>` of its own: it sits inside the
//! event page's ticket form, and forms do not nest. Before the page's script runs, its button posts
//! that form to `/e/{slug}/waiting-list` (`forms`), and the origin answers with the page again,
//! the place in line (or what to fix) under the row; once it runs, the button does the same in
//! place.
use crate::api;
use crate::forms::{waiting_list_answer, waiting_list_field, WaitingListForm, JOIN_WAITING_LIST};
use crate::model::{TicketTypeSnapshot, WaitingListRequest};
use crate::pages::shown_or;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The event's waiting list as a sold-out row offers it: the event to join, and this row's form as
/// it came back, if a form did.
#[derive(Clone)]
pub(super) struct WaitingListOffer {
    pub slug: String,
    pub came_back: Option<WaitingListForm>,
}

#[component]
pub(super) fn WaitingListJoin(offer: WaitingListOffer, info: TicketTypeSnapshot) -> impl IntoView {
    let WaitingListOffer { slug, came_back } = offer;
    let id = info.id;
    let least = info.min_per_order.max(1);
    let typed = came_back.as_ref().map(|form| &form.request);
    let name = RwSignal::new(typed.map_or(String::new(), |typed| typed.name.clone()));
    let email = RwSignal::new(typed.map_or(String::new(), |typed| typed.email.clone()));
    let quantity = RwSignal::new(typed.map_or(least, |typed| typed.quantity).to_string());
    let sending = RwSignal::new(false);
    let answer = RwSignal::new(came_back.as_ref().and_then(|form| form.answer.clone()));
    let error = RwSignal::new(came_back.as_ref().and_then(|form| form.error.clone()));
    let join = {
        let slug = slug.clone();
        move |ev: leptos::ev::MouseEvent| {
            ev.prevent_default();
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
                    Ok(place) => answer.set(Some(waiting_list_answer(&place, &request.email))),
                    Err(failure) => error.set(Some(failure.message())),
                }
                sending.set(false);
            });
        }
    };
    let field = move |suffix: &str| format!("waiting-{id}-{suffix}");
    let input = move |part: &str| waiting_list_field(id, part);
    let choices: Vec<i64> = (least..=info.max_per_order.max(1)).collect();
    let chosen = quantity.get_untracked();
    let action = format!("/e/{slug}/waiting-list");
    view! {
        <details class="waiting-list" open=came_back.is_some()>
            <summary>"Join the waiting list"</summary>
            {shown_or(
                move || answer.get().is_none(),
                move || {
                    view! {
                        <div class="field">
                            <label for=field("name")>"Your name"</label>
                            <input
                                id=field("name")
                                name=input("name")
                                type="text"
                                autocomplete="name"
                                value=name.get_untracked()
                                bind:value=name
                            />
                        </div>
                        <div class="field">
                            <label for=field("email")>"Email"</label>
                            <input
                                id=field("email")
                                name=input("email")
                                type="email"
                                autocomplete="email"
                                inputmode="email"
                                value=email.get_untracked()
                                bind:value=email
                            />
                        </div>
                        <div class="field">
                            <label for=field("quantity")>"Tickets"</label>
                            <select id=field("quantity") name=input("quantity") bind:value=quantity>
                                {choices
                                    .iter()
                                    .map(|n| {
                                        let (value, label) = (n.to_string(), n.to_string());
                                        let selected = value == chosen;
                                        view! { <option value=value selected=selected>{label}</option> }
                                    })
                                    .collect_view()}
                            </select>
                        </div>
                        <button
                            type="submit"
                            class="button"
                            formaction=action.clone()
                            formnovalidate=true
                            name=JOIN_WAITING_LIST
                            value=id.to_string()
                            disabled=move || sending.get()
                            on:click=join.clone()
                        >
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
