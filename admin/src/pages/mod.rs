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
pub mod event;
pub mod events;
pub mod export;
pub mod members;
pub mod orders;
pub mod questions;
pub mod ticket_types;

use crate::api::Failure;
use leptos::prelude::*;

/// What a loaded-on-arrival section shows while it waits or when it cannot load.
pub fn load_failed(failure: &Failure) -> AnyView {
    view! { <div class="form-error" role="alert">{failure.message()}</div> }.into_any()
}

pub fn loading() -> AnyView {
    view! { <p class="loading">"Loading…"</p> }.into_any()
}

/// A short-lived confirmation ("Saved."), read out by screen readers.
#[component]
pub fn Notice(message: RwSignal<Option<String>>) -> impl IntoView {
    view! { <p class="notice" role="status" aria-live="polite">{move || message.get()}</p> }
}
