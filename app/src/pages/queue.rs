//! An event's waiting room. The page is the same for every visitor, so the edge renders it once
//! and keeps it; the visitor's place comes from the poll (`api::queue_status`), repeated as often
//! as the edge asks. Let in, the page goes on to the event's tickets by itself; sold out, it says
//! so at once and offers the waiting list, and keeps watching in case tickets come back.
//!
//! Without the script the browser polls by itself: the page refreshes to the poll's URL (a
//! `<noscript>` refresh, which a browser that runs the script never reads), and the edge answers a
//! browser's visit there with this page showing the visitor's place, or with the way to the
//! tickets once they are let in (`edge::room::entrance`).
use crate::api;
use crate::clock::{format_countdown, use_clock};
use crate::model::{EventSummary, QueueState, QueueStatus};
use crate::pages::no_script_refresh;
use chrono::{DateTime, Utc};
use leptos::either::EitherOf6;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// How long the page waits before asking again after a failed poll.
const RETRY_AFTER_MS: u32 = 3_000;

#[component]
pub fn QueuePage(event: EventSummary, opens_at: Option<DateTime<Utc>>, status: Option<QueueStatus>) -> impl IntoView {
    let clock = use_clock();
    // The page every visitor gets has no place until the first poll; a poll's own page has one.
    let refresh = no_script_refresh(|| Some(poll_refresh(&event.slug, status.as_ref())));
    let state = RwSignal::new(status.map(|status| status.state));
    let trouble = RwSignal::new(false);
    let event_page = format!("/e/{}", event.slug);
    {
        let (slug, event_page) = (event.slug.clone(), event_page.clone());
        Effect::new(move |_| {
            let (slug, event_page) = (slug.clone(), event_page.clone());
            spawn_local(async move {
                loop {
                    match api::queue_status(&slug).await {
                        Ok(status) => {
                            trouble.set(false);
                            // Sold out, the page keeps watching (seldom, as the edge says):
                            // tickets that come back reopen the line, places as they were.
                            let done = matches!(&status.state, QueueState::Admitted { .. } | QueueState::Open);
                            if done {
                                api::go_to(&event_page);
                            }
                            state.set(Some(status.state));
                            if done {
                                return;
                            }
                            api::pause(status.poll_after_ms.max(1_000)).await;
                        }
                        Err(_) => {
                            trouble.set(true);
                            api::pause(RETRY_AFTER_MS).await;
                        }
                    }
                }
            });
        });
    }

    let opens_in = move |at: DateTime<Utc>| format_countdown((at - clock.now()).num_seconds());
    let status = move || match state.get() {
        None => match opens_at.filter(|at| *at > clock.now()) {
            Some(at) => EitherOf6::A(view! {
                <p class="queue-headline">{move || format!("The sale opens in {}", opens_in(at))}</p>
                <p>"Finding your place in the pre-queue…"</p>
            }),
            None => EitherOf6::B(view! { <p class="queue-headline">"Finding your place in line…"</p> }),
        },
        Some(QueueState::PreQueue { opens_at, in_line }) => EitherOf6::C(view! {
            <p class="queue-headline">{move || format!("The sale opens in {}", opens_in(opens_at))}</p>
            <p>
                "You are in the pre-queue. When the sale opens, everyone here gets a place in line by lot: "
                "arriving earlier is no advantage, so there is no need to hurry."
            </p>
            <p class="muted">{others_waiting(in_line)}</p>
        }),
        Some(QueueState::Waiting { position, estimated_wait_seconds }) => EitherOf6::D(view! {
            <p class="queue-position">
                <span class="queue-number">{position}</span>
                <span>{if position == 1 { "You are next in line" } else { "Your place in line" }}</span>
            </p>
            <p>{format!("Estimated wait: {}", wait_text(estimated_wait_seconds))}</p>
        }),
        Some(QueueState::Admitted { .. }) | Some(QueueState::Open) => EitherOf6::E(view! {
            <p class="queue-headline">"It's your turn!"</p>
            <p>"Taking you to the tickets… "<a href=event_page.clone()>"Go now"</a></p>
        }),
        Some(QueueState::SoldOut) => EitherOf6::F(view! {
            <p class="queue-headline">"Sold out"</p>
            <p>"Every ticket has been taken. If some come back, the waiting list gets them first, in order; "
                "keep this page open to keep your place in line as well."</p>
            <a class="button" href=event_page.clone()>"Join the waiting list"</a>
        }),
    };
    let state_name = move || match state.get() {
        None => "finding",
        Some(QueueState::PreQueue { .. }) => "pre_queue",
        Some(QueueState::Waiting { .. }) => "waiting",
        Some(QueueState::Admitted { .. }) => "admitted",
        Some(QueueState::SoldOut) => "sold_out",
        Some(QueueState::Open) => "open",
    };
    view! {
        <section class="queue">
            <p class="eyebrow">"Waiting room"</p>
            <h1>{event.title}</h1>
            <p class="muted">{format!("{} · {}", event.when_display, event.venue)}</p>
            <div class="queue-status" data-queue-state=state_name aria-live="polite">
                {status}
            </div>
            {move || trouble.get().then(|| view! { <p class="notice" role="status">"Reconnecting… you keep your place."</p> })}
            <p class="muted queue-note">"Keep this page open: it moves on by itself. Reloading it keeps your place."</p>
            <noscript inner_html=refresh></noscript>
        </section>
    }
}

/// The refresh that polls for a browser without the script, as (seconds, URL): at once from the
/// page every visitor gets (which knows no place yet), then as often as the poll asks.
fn poll_refresh(slug: &str, status: Option<&QueueStatus>) -> (u32, String) {
    let seconds = status.map_or(0, |status| status.poll_after_ms.div_ceil(1_000));
    (seconds, format!("/api/events/{slug}/queue"))
}

/// The others in the pre-queue (`in_line` counts this visitor too).
fn others_waiting(in_line: u64) -> String {
    match in_line {
        0 | 1 => "You are the first here.".to_string(),
        2 => "1 other person is waiting with you.".to_string(),
        n => format!("{} others are waiting with you.", n - 1),
    }
}

/// "under a minute", "about 4 minutes", "about 2 hours".
fn wait_text(seconds: i64) -> String {
    match seconds {
        ..=59 => "under a minute".to_string(),
        60..=119 => "about a minute".to_string(),
        120..=5_399 => format!("about {} minutes", (seconds + 30) / 60),
        _ => format!("about {} hours", (seconds + 1_800) / 3_600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_naturally() {
        assert_eq!(wait_text(10), "under a minute");
        assert_eq!(wait_text(90), "about a minute");
        assert_eq!(wait_text(4 * 60 + 10), "about 4 minutes");
        assert_eq!(wait_text(2 * 3_600), "about 2 hours");
    }

    #[test]
    fn without_the_script_the_page_polls_at_once_then_as_the_poll_asks() {
        let at_once = r#"<meta http-equiv="refresh" content="0; url=/api/events/gig/queue">"#;
        assert_eq!(no_script_refresh(|| Some(poll_refresh("gig", None))), at_once);
        let waiting = QueueStatus { state: QueueState::Waiting { position: 3, estimated_wait_seconds: 9 }, poll_after_ms: 1_800 };
        assert_eq!(no_script_refresh(|| Some(poll_refresh("gig", Some(&waiting)))), at_once.replace("0;", "2;"));
    }

    #[test]
    fn the_crowd_is_counted_without_the_visitor() {
        assert_eq!(others_waiting(1), "You are the first here.");
        assert_eq!(others_waiting(2), "1 other person is waiting with you.");
        assert_eq!(others_waiting(5), "4 others are waiting with you.");
    }
}
