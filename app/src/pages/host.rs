//! Every page, as the hosts render them. Only hosts need the pages that ship no script (home,
//! order, problem) and the choice between all of them; each browser bundle hydrates its one page.
use super::{frame, order, CheckoutPage, EventPage, QueuePage};
use crate::document::{CheckoutPageData, EventPageData, Page, PageData, QueuePageData};
use crate::model::EventSummary;
use leptos::either::EitherOf6;
use leptos::prelude::*;

/// Every page as the host renders it.
#[component]
pub fn App(data: PageData) -> impl IntoView {
    frame(data.now, move || match data.page {
        Page::Home { events } => EitherOf6::A(view! { <HomePage events=events /> }),
        Page::Event(EventPageData { snapshot, choice }) => EitherOf6::B(view! { <EventPage snapshot=snapshot choice=choice /> }),
        Page::Checkout(CheckoutPageData { hold, questions, draft }) => {
            EitherOf6::C(view! { <CheckoutPage hold=hold questions=questions draft=draft /> })
        }
        Page::Order { order } => EitherOf6::D(view! { <order::OrderPage order=order /> }),
        Page::Queue(QueuePageData { event, opens_at, status }) => {
            EitherOf6::E(view! { <QueuePage event=event opens_at=opens_at status=status /> })
        }
        Page::Problem { status, heading, message } => EitherOf6::F(view! { <ProblemPage status=status heading=heading message=message /> }),
    })
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
