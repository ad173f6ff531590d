//! The storefront's pages. Each takes its data as props; none fetches for its first render.
mod checkout;
mod code_input;
mod event;
mod order;
mod queue;
mod waiting_list;

use crate::clock::Clock;
use crate::document::{Page, PageData};
use crate::model::EventSummary;
use leptos::prelude::*;

#[component]
pub fn App(data: PageData) -> impl IntoView {
    provide_context(Clock::new(data.now));
    // Effects run only in the browser, once hydrated: tests and scripts can wait for this mark.
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    let page = match data.page {
        Page::Home { events } => view! { <HomePage events=events /> }.into_any(),
        Page::Event { snapshot } => view! { <event::EventPage snapshot=snapshot /> }.into_any(),
        Page::Checkout { hold, questions } => view! { <checkout::CheckoutPage hold=hold questions=questions /> }.into_any(),
        Page::Order { order } => view! { <order::OrderPage order=order /> }.into_any(),
        Page::Queue { event, opens_at } => view! { <queue::QueuePage event=event opens_at=opens_at /> }.into_any(),
        Page::Problem { status, heading, message } => view! { <ProblemPage status=status heading=heading message=message /> }.into_any(),
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
