//! The Waiting list tab: who waits for which sold-out ticket type, in order, and what became of
//! each offer (offered until when, claimed, expired); admins remove people who are still waiting.
//! Whether the event has a list, and how long an offer lasts, are on the Details tab.
use crate::api;
use crate::format::date_time;
use crate::forms::{FormBanner, FormState};
use crate::pages::event::use_event;
use crate::pages::{load_failed, loading, Column, DataTable};
use app::admin::AdminWaitingEntry;
use leptos::prelude::*;
use leptos::task::spawn_local;

const COLUMNS: &[Column] =
    &[("Place", true), ("Name", false), ("Email", false), ("Ticket type", false), ("Tickets", true), ("Joined", false), ("State", false)];

fn state_label(entry: &AdminWaitingEntry) -> String {
    match entry.state.as_str() {
        "waiting" => "Waiting".to_string(),
        "offered" => format!("Offered until {}", entry.offer_expires_at.map(date_time).unwrap_or_default()),
        "claimed" => "Bought".to_string(),
        "expired" => "Offer expired".to_string(),
        _ => "Removed".to_string(),
    }
}

#[component]
pub fn WaitingListTab() -> impl IntoView {
    let ctx = use_event();
    let form = FormState::new();
    let entries = RwSignal::new(None::<Result<Vec<AdminWaitingEntry>, api::Failure>>);
    let load = move || {
        spawn_local(async move {
            entries.try_set(Some(api::get::<Vec<AdminWaitingEntry>>(&format!("/events/{}/waiting-list", ctx.id)).await));
        })
    };
    load();
    let remove = move |id: i64| {
        if !form.begin_action() {
            return;
        }
        spawn_local(async move {
            match api::delete_answer::<Vec<AdminWaitingEntry>>(&format!("/waiting-list/{id}")).await {
                Ok(list) => {
                    entries.try_set(Some(Ok(list)));
                    form.busy.try_set(false);
                }
                Err(failure) => form.fail(&failure, &[]),
            }
        });
    };
    let table = move || match entries.get() {
        None => loading(),
        Some(Err(failure)) => load_failed(&failure),
        Some(Ok(list)) if list.is_empty() => {
            view! { <p class="empty">"Nobody is on the waiting list. People can join once a ticket type sells out."</p> }.into_any()
        }
        Some(Ok(list)) => {
            let rows = list
                .into_iter()
                .map(|entry| {
                    let id = entry.id;
                    let removable = entry.state == "waiting";
                    view! {
                        <tr>
                            <td class="num">{entry.position.map(|p| p.to_string()).unwrap_or_default()}</td>
                            <td>{entry.name.clone()}</td>
                            <td>{entry.email.clone()}</td>
                            <td>{entry.ticket_type_name.clone()}</td>
                            <td class="num">{entry.quantity}</td>
                            <td>{date_time(entry.joined_at)}</td>
                            <td>{state_label(&entry)}</td>
                            <td>
                                <Show when=move || removable && ctx.can_edit()>
                                    <button type="button" class="secondary" disabled=move || form.busy.get()
                                        aria-label=format!("Remove {} from the waiting list", entry.name)
                                        on:click=move |_| remove(id)>
                                        "Remove"
                                    </button>
                                </Show>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! { <DataTable columns=COLUMNS actions=true>{rows}</DataTable> }.into_any()
        }
    };
    view! {
        <section aria-labelledby="waiting-title">
            <h2 id="waiting-title">"Waiting list"</h2>
            <p class="hint">"Tickets that come back go to the first in line, kept for them for the event's offer time, then to the next."</p>
            <FormBanner form />
            {table}
        </section>
    }
}
