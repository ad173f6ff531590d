//! The Dashboard tab: the on-sale as it happens, polled every 2 s while the tab is open.
//!
//! Policy: polling stops when the tab is left (the component's cleanup), and a failed poll keeps the
//! last numbers on screen with a note, because during an on-sale a blank dashboard is worse than a
//! slightly old one. The numbers update in place inside an `aria-live` region. An event whose
//! waiting room has reported shows the room too: in queue, let in per minute, in at once, the wait.
use crate::api;
use crate::format::{count, minute, time};
use crate::pages::event::use_event;
use crate::pages::{loading, Column, DataTable};
use app::admin::{AdminRoom, Dashboard, MinuteSales};
use app::money::format_amount;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const COLUMNS: &[Column] =
    &[("Ticket type", false), ("Capacity", true), ("Sold", true), ("Held", true), ("Remaining", true), ("Revenue", true)];

const POLL_MS: u32 = 2_000;

#[component]
pub fn DashboardTab() -> impl IntoView {
    let ctx = use_event();
    let data = RwSignal::new(None::<Dashboard>);
    let error = RwSignal::new(None::<String>);
    let room = RwSignal::new(None::<AdminRoom>);
    let open = Arc::new(AtomicBool::new(true));
    on_cleanup({
        let open = open.clone();
        move || open.store(false, Ordering::Relaxed)
    });
    spawn_local(async move {
        while open.load(Ordering::Relaxed) {
            match api::get::<Dashboard>(&format!("/events/{}/dashboard", ctx.id)).await {
                Ok(dashboard) => {
                    error.try_set(None);
                    data.try_set(Some(dashboard));
                }
                Err(failure) => {
                    error.try_set(Some(failure.message()));
                }
            }
            if let Ok(report) = api::get::<Option<AdminRoom>>(&format!("/events/{}/room", ctx.id)).await {
                room.try_set(report);
            }
            api::pause(POLL_MS).await;
        }
    });

    let loaded = move || data.with(Option::is_some);
    let value = move |f: fn(&Dashboard) -> String| move || data.with(|d| d.as_ref().map(f).unwrap_or_default());
    let card = move |label: &'static str, f: fn(&Dashboard) -> String| {
        view! {
            <div class="stat">
                <div class="stat-label">{label}</div>
                <div class="stat-value">{value(f)}</div>
            </div>
        }
    };
    view! {
        <h2>"Dashboard"</h2>
        <Show when=loaded fallback=move || match error.get() {
            Some(message) => view! { <div class="form-error" role="alert">{message}</div> }.into_any(),
            None => loading(),
        }>
            <div class="stats" aria-live="polite">
                {card("Sold", |d| count(d.sold))}
                {card("Remaining", |d| count(d.remaining))}
                {card("Revenue", |d| format_amount(d.revenue_minor, &d.currency))}
                {card("Orders", |d| count(d.orders))}
                {card("Checked in", |d| count(d.checked_in))}
            </div>
            <p class="muted small">
                {value(|d| format!("Updated {}", time(d.generated_at)))}
                {move || error.get().map(|message| view! { <span class="stale">" · not updating: " {message}</span> })}
            </p>
            {move || room.get().map(waiting_room)}
            <h3>"Sales per minute, last hour"</h3>
            {move || data.with(|d| d.as_ref().map(|d| chart(&d.per_minute)))}
            <h3>"Ticket types"</h3>
            <DataTable columns=COLUMNS>
                        {move || data.with(|d| {
                            d.as_ref().map(|d| {
                                d.ticket_types
                                    .iter()
                                    .map(|t| view! {
                                        <tr>
                                            <td>{t.name.clone()}</td>
                                            <td class="num">{t.capacity}</td>
                                            <td class="num">{t.sold}</td>
                                            <td class="num">{t.held}</td>
                                            <td class="num">{t.remaining}</td>
                                            <td class="num">{format_amount(t.revenue_minor, &d.currency)}</td>
                                        </tr>
                                    })
                                    .collect_view()
                            })
                        })}
                    </DataTable>
        </Show>
    }
}

/// The waiting room's figures, as the edge's room last reported them.
fn waiting_room(room: AdminRoom) -> impl IntoView {
    let stat = |label: &'static str, value: String| {
        view! {
            <div class="stat">
                <div class="stat-label">{label}</div>
                <div class="stat-value">{value}</div>
            </div>
        }
    };
    let wait = match room.report.estimated_wait_seconds {
        ..=59 => "under a minute".to_string(),
        seconds => format!("{} min", (seconds + 30) / 60),
    };
    let ended = if room.report.sold_out { " · sold out: the queue has ended" } else { "" };
    view! {
        <section class="waiting-room" aria-label="Waiting room">
            <h3>"Waiting room"</h3>
            <div class="stats" aria-live="polite">
                {stat("In queue", count(room.report.in_queue))}
                {stat("Let in per minute", count(room.admitted_per_minute))}
                {stat("In at once", count(room.report.active))}
                {stat("Estimated wait", wait)}
            </div>
            <p class="muted small">
                {format!("Letting in up to {} a minute{ended} · reported {}", count(room.report.per_minute_now), time(room.reported_at))}
            </p>
        </section>
    }
}

/// A bar per minute, oldest on the left, scaled to the busiest minute.
fn chart(per_minute: &[MinuteSales]) -> impl IntoView {
    const WIDTH: f64 = 600.0;
    const HEIGHT: f64 = 140.0;
    let peak = per_minute.iter().map(|m| m.tickets).max().unwrap_or(0);
    let total: i64 = per_minute.iter().map(|m| m.tickets).sum();
    let slot = WIDTH / per_minute.len().max(1) as f64;
    let summary = format!("{total} tickets sold in the last {} minutes; the busiest minute sold {peak}.", per_minute.len());
    let bars = per_minute
        .iter()
        .enumerate()
        .filter(|(_, m)| m.tickets > 0)
        .map(|(i, m)| {
            let height = (m.tickets as f64 / peak.max(1) as f64 * (HEIGHT - 4.0)).max(1.0);
            view! {
                <rect
                    class="bar"
                    x=format!("{:.2}", i as f64 * slot + slot * 0.1)
                    y=format!("{:.2}", HEIGHT - height)
                    width=format!("{:.2}", slot * 0.8)
                    height=format!("{height:.2}")
                />
            }
        })
        .collect_view();
    let first = per_minute.first().map(|m| minute(m.minute)).unwrap_or_default();
    let last = per_minute.last().map(|m| minute(m.minute)).unwrap_or_default();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none" role="img" aria-label=summary.clone()>
                <line class="axis" x1="0" y1=HEIGHT.to_string() x2=WIDTH.to_string() y2=HEIGHT.to_string() />
                {bars}
            </svg>
            <figcaption>
                <span>{first}</span>
                <span class="muted">{format!("peak {peak} per minute")}</span>
                <span>{last}</span>
            </figcaption>
        </figure>
    }
}
