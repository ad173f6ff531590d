//! The storefront's pages. Each takes its data as props; none fetches for its first render.
//!
//! Policy: a choice between views is an `Either`, never `into_any()`. A type-erased view keeps
//! every way of rendering its whole tree in the bundle, async hydration included, which the
//! storefront never uses: on the event page that was a seventh of the code.
mod checkout;
mod code_input;
mod event;
mod order;
mod queue;
mod waiting_list;

use crate::clock::Clock;
use crate::document::{Page, PageData};
use crate::model::EventSummary;
use leptos::either::EitherOf6;
use leptos::prelude::*;

/// Whether the page's script runs: false on the host and until hydration ends. What only the
/// script can do (a card field) says so while it is false.
#[derive(Clone, Copy)]
pub(crate) struct Live(pub RwSignal<bool>);

pub(crate) fn use_live() -> Signal<bool> {
    let live = use_context::<Live>().map(|live| live.0);
    Signal::derive(move || live.is_some_and(|live| live.get()))
}

#[component]
pub fn App(data: PageData) -> impl IntoView {
    provide_context(Clock::new(data.now));
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
    let page = match data.page {
        Page::Home { events } => EitherOf6::A(view! { <HomePage events=events /> }),
        Page::Event { snapshot, choice } => EitherOf6::B(view! { <event::EventPage snapshot=snapshot choice=choice /> }),
        Page::Checkout { hold, questions, draft } => {
            EitherOf6::C(view! { <checkout::CheckoutPage hold=hold questions=questions draft=draft /> })
        }
        Page::Order { order } => EitherOf6::D(view! { <order::OrderPage order=order /> }),
        Page::Queue { event, opens_at } => EitherOf6::E(view! { <queue::QueuePage event=event opens_at=opens_at /> }),
        Page::Problem { status, heading, message } => EitherOf6::F(view! { <ProblemPage status=status heading=heading message=message /> }),
    };
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

#[component]
fn HomePage(events: Vec<EventSummary>) -> impl IntoView {
    let empty = events.is_empty();
    view! {
        <section class="home">
            <h1>"Upcoming events"</h1>
            {empty.then(|| view! { <p class="muted">"No events are on sale right now. Check back soon."</p> })}
            <ul class="event-list">
                {events
                    .into_iter()
                    .map(|event| {
                        view! {
                            <li class="event-card">
                                <a href=format!("/e/{}", event.slug)>
                                    <span class="event-card-title">{event.title}</span>
                                    <span class="event-card-meta">{format!("{} · {}", event.when_display, event.venue)}</span>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn ProblemPage(status: u16, heading: String, message: String) -> impl IntoView {
    view! {
        <section class="problem">
            <p class="eyebrow">{status}</p>
            <h1>{heading}</h1>
            <p class="muted">{message}</p>
            <a class="button button-secondary" href="/">"See all events"</a>
        </section>
    }
}
