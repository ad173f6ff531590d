//! One module per screen. Policy: a page loads what it shows itself, keeps its forms' values in its
//! own signals (so a re-render of a list never resets a half-typed form), and shows a viewer the
//! same data with the change controls left out.
//!
//! A row's buttons carry the row in their names ("Edit VIP", "Delete EARLY") so each can be found on
//! its own; their cell is labelled "Actions", or its name would repeat the row's and two cells would
//! answer to "VIP".
pub mod auth;
pub mod checkin;
pub mod dashboard;
pub mod details;
pub mod discounts;
pub mod editor;
pub mod event;
pub mod events;
pub mod export;
pub mod links;
pub mod members;
pub mod orders;
pub mod payments;
pub mod questions;
mod refunds;
pub mod ticket_types;
pub mod waiting_list;

use crate::api::Failure;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// What a loaded-on-arrival section shows while it waits or when it cannot load.
pub fn load_failed(failure: &Failure) -> AnyView {
    view! { <div class="form-error" role="alert">{failure.message()}</div> }.into_any()
}

pub fn loading() -> AnyView {
    view! { <p class="loading">"Loading…"</p> }.into_any()
}

/// A table's column head: its label, and whether it holds numbers (right-aligned).
pub type Column = (&'static str, bool);

/// A table of items with its column heads; with `actions`, a last head for the rows' buttons
/// (visually hidden: the buttons name themselves).
#[component]
pub fn DataTable(columns: &'static [Column], #[prop(optional, into)] actions: Signal<bool>, children: Children) -> impl IntoView {
    let heads =
        columns.iter().map(|(label, numeric)| view! { <th scope="col" class=numeric.then_some("num")>{*label}</th> }).collect_view();
    view! {
        <div class="table-wrap">
            <table class="data">
                <thead>
                    <tr>
                        {heads}
                        <Show when=move || actions.get()>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </Show>
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

/// The id in the address's `name` parameter (`/events/:id`), None when it is not a number.
pub fn param_id(name: &'static str) -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get(name).and_then(|id| id.parse::<i64>().ok())))
}

/// A short-lived confirmation ("Saved."), read out by screen readers.
#[component]
pub fn Notice(message: RwSignal<Option<String>>) -> impl IntoView {
    view! { <p class="notice" role="status" aria-live="polite">{move || message.get()}</p> }
}
