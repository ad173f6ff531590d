//! The storefront's pages. Each takes its data as props; none fetches for its first render.
//!
//! Policy: a choice between views is an `Either`, never `into_any()`. A type-erased view keeps
//! every way of rendering its whole tree in the bundle, async hydration included, which the
//! storefront never uses: on the event page that was a seventh of the code. For the same reason
//! a part shown by a condition is [`shown`] or [`shown_or`], never `<Show>` (its fallback is
//! type-erased).
mod checkout;
mod code_input;
mod event;
#[cfg(feature = "ssr")]
mod host;
#[cfg(feature = "ssr")]
mod order;
mod queue;
mod waiting_list;

#[cfg(feature = "ssr")]
pub use host::App;
// The pages a host renders and a bundle hydrates (the admin app builds this crate with neither).
#[cfg(any(feature = "ssr", feature = "hydrate"))]
pub(crate) use {checkout::CheckoutPage, event::EventPage, queue::QueuePage};

use crate::clock::Clock;
use chrono::{DateTime, Utc};
use leptos::either::Either;
use leptos::prelude::*;

/// Whether the page's script runs: false on the host and until hydration ends. What only the
/// script can do (a card field) says so while it is false.
#[derive(Clone, Copy)]
pub(crate) struct Live(pub RwSignal<bool>);

pub(crate) fn use_live() -> Signal<bool> {
    let live = use_context::<Live>().map(|live| live.0);
    Signal::derive(move || live.is_some_and(|live| live.get()))
}

/// What every page sits in, and the context every page reads. The host renders a page in it through
/// [`App`]; a page's bundle hydrates that page alone in it (`document::hydrate`). An `Either` adds
/// nothing to the HTML, so the two build the same tree.
pub(crate) fn frame<V: IntoView>(now: DateTime<Utc>, page: impl FnOnce() -> V) -> impl IntoView {
    provide_context(Clock::new(now));
    let live = Live(RwSignal::new(false));
    provide_context(live);
    // Effects run only in the browser, once hydrated: tests and scripts can wait for this mark.
    Effect::new(move |_| {
        live.0.set(true);
        #[cfg(feature = "hydrate")]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    let page = page();
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                "Stampede"
            </a>
        </header>
        <main class="page">{page}</main>
        <footer class="site-footer">
            <p>"Tickets by Stampede · Secure checkout"</p>
        </footer>
    }
}

/// The inside of a page's `<noscript>`: a refresh to the URL after the seconds `refresh` gives (or
/// nothing), how a page moves on by itself without the script. Only a host writes it: hydration
/// keeps the server's `<noscript>` as it is, so the bundles go without the code that decides it.
pub(crate) fn no_script_refresh(refresh: impl FnOnce() -> Option<(u32, String)>) -> String {
    if cfg!(feature = "hydrate") {
        return String::new();
    }
    refresh().map(|(seconds, url)| format!(r#"<meta http-equiv="refresh" content="{seconds}; url={url}">"#)).unwrap_or_default()
}

/// `view` while `when` holds, nothing otherwise: rebuilt only when `when` changes.
pub(crate) fn shown<V: IntoView + 'static>(
    when: impl Fn() -> bool + Send + Sync + 'static,
    view: impl Fn() -> V + Send + Sync + 'static,
) -> impl IntoView {
    let when = Memo::new(move |_| when());
    move || when.get().then(&view)
}

/// `view` while `when` holds, `fallback` otherwise: rebuilt only when `when` changes.
pub(crate) fn shown_or<V: IntoView + 'static, F: IntoView + 'static>(
    when: impl Fn() -> bool + Send + Sync + 'static,
    view: impl Fn() -> V + Send + Sync + 'static,
    fallback: impl Fn() -> F + Send + Sync + 'static,
) -> impl IntoView {
    let when = Memo::new(move |_| when());
    move || if when.get() { Either::Left(view()) } else { Either::Right(fallback()) }
}
