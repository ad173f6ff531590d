//! The hold's countdown, and what replaces it once the hold has run out.
//!
//! It counts down to the hold's `expires_at` on the page's clock (which starts at the host's `now`,
//! so the first frame is the server's), and the hold has run out at the instant the origin's rule
//! says ([`rules::hold::has_expired`]), or earlier when the origin said so.
use crate::clock::{format_countdown, use_clock};
use crate::pages::shown_or;
use crate::rules;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// Under a minute left, the timer turns urgent.
const URGENT_SECONDS: i64 = 60;

/// Whether the hold has run out: said so by the origin, or past its expiry on the page's clock.
/// `expires_at` moves when a card payment starts: the hold is kept longer while it is in flight.
pub(super) fn expired(expires_at: RwSignal<DateTime<Utc>>, expired_by_server: RwSignal<bool>) -> Signal<bool> {
    let clock = use_clock();
    Signal::derive(move || expired_by_server.get() || rules::hold::has_expired(expires_at.get(), clock.now()))
}

#[component]
pub(super) fn HoldTimer(expires_at: RwSignal<DateTime<Utc>>, expired: Signal<bool>, event_url: String) -> impl IntoView {
    let clock = use_clock();
    let seconds_left = move || (expires_at.get() - clock.now()).num_seconds().max(0);
    view! {
        {shown_or(
            move || !expired.get(),
            move || {
                view! {
                    <p class="hold-timer" class=("hold-timer-urgent", move || seconds_left() < URGENT_SECONDS) role="timer">
                        "Your tickets are held for "
                        <strong>{move || format_countdown(seconds_left())}</strong>
                    </p>
                }
            },
            move || {
                view! {
                    <section class="notice notice-expired" role="alert">
                        <h2>"Your hold has expired"</h2>
                        <p>"We kept your tickets for as long as we could; they are back on sale now. You can choose them again if they are still available."</p>
                        <a class="button button-primary" href=event_url.clone()>"Back to the event"</a>
                    </section>
                }
            },
        )}
    }
}
