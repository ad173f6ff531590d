//! The event page: what is on sale, live. Quantities are bounded by the per-order limits and the
//! stock; availability is polled while the page is open; a scheduled sale flips to on-sale by itself.
//!
//! Secret ticket types are never in the page (it is cached publicly, at the edge too): a buyer with
//! an access code unlocks them in the browser, from the origin, and they join the list below the
//! public ones. The hold then carries the code.
//!
//! Before its script runs the page is a plain form (`forms`): "+", "−" and "Unlock" post it to
//! `/e/{slug}/choice`, which answers with the page and the choice kept in `choice`; "Reserve" posts
//! it to `/e/{slug}/holds`, which answers with the checkout (or this page and why not). A page
//! whose sales are all still to open reloads itself until they do (`waiting_reload_seconds`).
use crate::api;
use crate::clock::{format_countdown, use_clock, Clock};
use crate::forms::{
    quantity_after_add, quantity_after_remove, quantity_field, Step, TicketChoice, ACCESS_CODE, ENTER_ACCESS_CODE, STEP, UNLOCKED_CODE,
};
use crate::model::{EventSnapshot, HoldRequest, HoldRequestItem, SaleStatus, TicketAvailability, TicketTypeSnapshot};
use crate::money::{format_amount, format_price};
use crate::pages::code_input::{CodeEntry, Post};
use crate::pages::waiting_list::{WaitingListJoin, WaitingListOffer};
use crate::pages::{no_script_refresh, shown};
use crate::rules::limits::MAX_ACCESS_CODE_CHARS;
use crate::rules::sale::waiting_reload_seconds;
use crate::rules::totals::subtotal;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// How often an open event page asks for fresh availability.
const POLL_EVERY: Duration = Duration::from_secs(5);
/// How often a reservation is retried when the box office is busy or out of reach, and the wait
/// before the first retry (it grows with each).
const RESERVE_ATTEMPTS: u32 = 5;
const RETRY_AFTER_MS: u32 = 2_000;

/// One ticket type's live state on the page.
#[derive(Clone, Copy)]
struct Row {
    quantity: RwSignal<i64>,
    available: RwSignal<i64>,
    status: Memo<SaleStatus>,
}

impl Row {
    fn largest_choice(&self, info: &TicketTypeSnapshot) -> i64 {
        info.max_per_order.min(self.available.get())
    }

    /// Keeps the chosen quantity possible after the stock or the sale state changed.
    fn clamp(&self, info: &TicketTypeSnapshot) {
        let quantity = self.quantity.get_untracked();
        let largest = info.max_per_order.min(self.available.get_untracked());
        if self.status.get_untracked() != SaleStatus::OnSale || largest < info.min_per_order {
            self.quantity.set(0);
        } else if quantity > largest {
            self.quantity.set(largest);
        }
    }
}

type Rows = Vec<(TicketTypeSnapshot, Row)>;

fn make_row(info: &TicketTypeSnapshot, quantity: i64, clock: Clock) -> Row {
    let available = RwSignal::new(info.available);
    let (starts, ends) = (info.sale_starts_at, info.sale_ends_at);
    let status = Memo::new(move |_| SaleStatus::at(clock.now(), available.get(), starts, ends));
    Row { quantity: RwSignal::new(quantity), available, status }
}

/// `choice`: what a form brought back (empty on the page as cached), so host and browser start
/// from the same choice.
#[component]
pub fn EventPage(snapshot: EventSnapshot, choice: TicketChoice) -> impl IntoView {
    let clock = use_clock();
    let row_for = |info: &TicketTypeSnapshot| (info.clone(), make_row(info, choice.quantity(info.id), clock));
    let rows: Rows = snapshot.ticket_types.iter().map(row_for).collect();
    let rows = StoredValue::new(rows);
    // Secret types unlocked by `unlocked_code`: unlocked in the browser, or by a form.
    let unlocked = RwSignal::new(choice.unlocked.iter().map(row_for).collect::<Rows>());
    let unlocked_code = RwSignal::new(choice.unlocked_code.clone());
    // Every row, public then unlocked; tracked when `tracked` (for views), untracked in handlers.
    let all_rows = move |tracked: bool| -> Rows {
        let mut all = rows.get_value();
        all.extend(if tracked { unlocked.get() } else { unlocked.get_untracked() });
        all
    };
    let submitting = RwSignal::new(false);
    let message = RwSignal::new(choice.message.clone());
    let slug = snapshot.slug.clone();
    let choice_url = format!("/e/{slug}/choice");
    let currency = snapshot.currency.clone();

    let apply_availability = move |items: &[TicketAvailability]| {
        for (info, row) in all_rows(false) {
            if let Some(fresh) = items.iter().find(|item| item.id == info.id) {
                row.available.set(fresh.available);
                row.clamp(&info);
            }
        }
    };

    {
        let slug = slug.clone();
        Effect::new(move |_| {
            let slug = slug.clone();
            set_interval(
                move || {
                    let slug = slug.clone();
                    spawn_local(async move {
                        if let Ok(fresh) = api::availability(&slug).await {
                            clock.sync_with_server(fresh.generated_at);
                            apply_availability(&fresh.ticket_types);
                        }
                    });
                },
                POLL_EVERY,
            );
        });
    }

    let total_minor = move || subtotal(all_rows(true).iter().map(|(info, row)| (row.quantity.get(), info.price_minor)));
    let ticket_count = move || all_rows(true).iter().map(|(_, row)| row.quantity.get()).sum::<i64>();
    let chosen_untracked = move || all_rows(false).iter().map(|(_, row)| row.quantity.get_untracked()).sum::<i64>();

    let reserve = {
        let slug = slug.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if submitting.get_untracked() || chosen_untracked() == 0 {
                return;
            }
            let items: Vec<HoldRequestItem> = all_rows(false)
                .iter()
                .filter(|(_, row)| row.quantity.get_untracked() > 0)
                .map(|(info, row)| HoldRequestItem { ticket_type_id: info.id, quantity: row.quantity.get_untracked() })
                .collect();
            let secret_chosen = unlocked.with_untracked(|rows| rows.iter().any(|(_, row)| row.quantity.get_untracked() > 0));
            let access_code = if secret_chosen { unlocked_code.get_untracked() } else { None };
            submitting.set(true);
            message.set(None);
            let slug = slug.clone();
            spawn_local(async move {
                let request = HoldRequest { items, access_code };
                let mut attempt = 0;
                let outcome = loop {
                    match api::create_hold(&slug, &request).await {
                        // At an on-sale the box office may be swamped for a moment: say so, and retry.
                        Err(failure) if failure.is_transient() && attempt < RESERVE_ATTEMPTS => {
                            attempt += 1;
                            message.set(Some("Tickets are selling fast, trying again…".to_string()));
                            api::pause(RETRY_AFTER_MS * attempt).await;
                        }
                        outcome => break outcome,
                    }
                };
                match outcome {
                    Ok(hold) => api::go_to(&format!("/checkout/{}", hold.id)),
                    Err(failure) => {
                        if let Some(left) = failure.body().and_then(|body| body.available.as_ref()) {
                            apply_availability(left);
                        }
                        message.set(Some(failure.message()));
                        submitting.set(false);
                    }
                }
            });
        }
    };

    let description = snapshot
        .description
        .split("\n\n")
        .filter(|paragraph| !paragraph.trim().is_empty())
        .map(|paragraph| view! { <p>{paragraph.trim().to_string()}</p> })
        .collect_view();
    let total_currency = currency.clone();
    // Sold-out public types offer the event's waiting list (secret ones never do).
    let waiting_list = snapshot.waiting_list.then(|| slug.clone());
    let came_back = choice.waiting_list.clone();
    let offer_for = move |id| {
        waiting_list
            .clone()
            .map(|slug| WaitingListOffer { slug, came_back: came_back.clone().filter(|form| form.request.ticket_type_id == id) })
    };

    // "Have an access code?": asks the origin (never a cache) which secret types the code opens.
    let code_open = !choice.access_code.is_empty() || choice.unlock_error.is_some() || choice.unlocked_code.is_some();
    let code_input = RwSignal::new(choice.access_code.clone());
    let unlocking = RwSignal::new(false);
    let unlock_error = RwSignal::new(choice.unlock_error.clone());
    let unlock_note = RwSignal::new(choice.unlock_note());
    let owner = Owner::current();
    let unlock = {
        let slug = slug.clone();
        move || {
            let code = code_input.get_untracked().trim().to_string();
            if unlocking.get_untracked() {
                return;
            }
            if code.is_empty() {
                unlock_error.set(Some(ENTER_ACCESS_CODE.to_string()));
                return;
            }
            unlocking.set(true);
            unlock_error.set(None);
            unlock_note.set(None);
            let (slug, owner) = (slug.clone(), owner.clone());
            spawn_local(async move {
                match api::unlock(&slug, &code).await {
                    Ok(found) => {
                        let public: Vec<i64> = rows.with_value(|rows| rows.iter().map(|(info, _)| info.id).collect());
                        let fresh: Vec<TicketTypeSnapshot> =
                            found.ticket_types.into_iter().filter(|info| !public.contains(&info.id)).collect();
                        let names: Vec<String> = fresh.iter().map(|info| info.name.clone()).collect();
                        // Rows own signals and a memo: they belong to the page, not to this task.
                        let make = || fresh.iter().map(|info| (info.clone(), make_row(info, 0, clock))).collect::<Rows>();
                        let new_rows = match &owner {
                            Some(owner) => owner.with(make),
                            None => make(),
                        };
                        unlocked.set(new_rows);
                        unlocked_code.set(Some(code));
                        unlock_note.set(Some(format!("Unlocked: {}.", names.join(", "))));
                    }
                    Err(failure) => unlock_error.set(Some(failure.message())),
                }
                unlocking.set(false);
            });
        }
    };
    let unlock_invalid = Signal::derive(move || unlock_error.with(Option::is_some).to_string());
    // Without the script, a page waiting for its sale reloads itself (the hydrated page counts down
    // instead); never a page carrying a buyer's choice, which a reload would lose.
    let reload = no_script_refresh(|| {
        let seconds =
            waiting_reload_seconds(&snapshot.ticket_types, clock.now_untracked()).filter(|_| choice == TicketChoice::default())?;
        Some((seconds, format!("/e/{slug}")))
    });

    view! {
        <article class="event">
            <header class="event-hero">
                <p class="eyebrow">{snapshot.when_display.clone()}</p>
                <h1>{snapshot.title.clone()}</h1>
                <p class="venue">{snapshot.venue.clone()}</p>
            </header>
            <form class="tickets" method="post" action=format!("/e/{slug}/holds") on:submit=reserve>
                // Enter in the access code's box, before the script runs: unlock, not "−".
                <button
                    type="submit"
                    class="visually-hidden"
                    formaction=choice_url.clone()
                    name=STEP
                    value=Step::Unlock.value()
                    tabindex="-1"
                    aria-hidden="true"
                >
                    "Unlock"
                </button>
                <input type="hidden" name=UNLOCKED_CODE value=move || unlocked_code.get().unwrap_or_default() />
                <h2>"Tickets"</h2>
                <ul class="ticket-list">
                    {rows
                        .get_value()
                        .into_iter()
                        .map(|(info, row)| {
                            let waiting_list = offer_for(info.id);
                            view! { <TicketRow info=info row=row waiting_list=waiting_list choice_url=choice_url.clone() /> }
                        })
                        .collect_view()}
                </ul>
                <ul class="ticket-list ticket-list-unlocked">
                    <For
                        each=move || unlocked.get()
                        key=|(info, _)| info.id
                        children={
                            let choice_url = choice_url.clone();
                            move |(info, row)| view! { <TicketRow info=info row=row waiting_list=None choice_url=choice_url.clone() /> }
                        }
                    />
                </ul>
                // Open when a form came back about the code, so its message or its note shows.
                <details class="access-code" open=code_open>
                    <summary>"Have an access code?"</summary>
                    <div class="field">
                        <CodeEntry
                            id="access-code"
                            name=ACCESS_CODE
                            label="Access code"
                            max_chars=MAX_ACCESS_CODE_CHARS
                            value=code_input
                            invalid=unlock_invalid
                            busy=unlocking
                            button="Unlock"
                            action=unlock
                            post=Post { action: choice_url.clone(), pressed: Some((STEP, Step::Unlock.value())), form: None }
                        />
                        <p class="field-error" role="alert">{move || unlock_error.get()}</p>
                        <p class="hint muted" role="status">{move || unlock_note.get()}</p>
                    </div>
                </details>
                <div class="order-bar" aria-live="polite">
                    <div class="order-bar-total">
                        <span class="muted">{move || tickets_label(ticket_count())}</span>
                        <strong class="total">{move || format_amount(total_minor(), &total_currency)}</strong>
                    </div>
                    <button
                        type="submit"
                        class="button button-primary"
                        disabled=move || submitting.get() || ticket_count() == 0
                    >
                        {move || if submitting.get() { "Reserving…" } else { "Reserve tickets" }}
                    </button>
                </div>
                <p class="form-message" role="alert">{move || message.get()}</p>
            </form>
            <section class="about">
                <h2>"About this event"</h2>
                {description}
            </section>
            <noscript inner_html=reload></noscript>
        </article>
    }
}

fn tickets_label(count: i64) -> String {
    match count {
        0 => "Choose your tickets".to_string(),
        1 => "1 ticket".to_string(),
        n => format!("{n} tickets"),
    }
}

/// `waiting_list`: the event's list when it is open, to join it once the type is sold out.
/// `choice_url`: where "+" and "−" post the form before the script runs.
#[component]
fn TicketRow(info: TicketTypeSnapshot, row: Row, waiting_list: Option<WaitingListOffer>, choice_url: String) -> impl IntoView {
    let clock = use_clock();
    let Row { quantity, available, status } = row;
    let state_label = {
        let starts = info.sale_starts_at;
        move || match status.get() {
            SaleStatus::OnSale => format!("{} left", available.get()),
            SaleStatus::SoldOut => "Sold out".to_string(),
            SaleStatus::Ended => "Sale ended".to_string(),
            SaleStatus::Scheduled => {
                let seconds = starts.map(|start| (start - clock.now()).num_seconds()).unwrap_or(0);
                format!("On sale in {}", format_countdown(seconds))
            }
        }
    };
    let state_class = move || match status.get() {
        SaleStatus::OnSale if available.get() <= 10 => "ticket-state state-low",
        SaleStatus::OnSale => "ticket-state state-on-sale",
        SaleStatus::SoldOut => "ticket-state state-sold-out",
        SaleStatus::Scheduled => "ticket-state state-scheduled",
        SaleStatus::Ended => "ticket-state state-ended",
    };
    let can_add = {
        let info = info.clone();
        move || status.get() == SaleStatus::OnSale && quantity.get() < row.largest_choice(&info)
    };
    let can_remove = move || quantity.get() > 0;
    let (min, name) = (info.min_per_order, info.name.clone());
    let add = {
        let info = info.clone();
        move || {
            if status.get_untracked() == SaleStatus::OnSale {
                quantity.update(|q| *q = quantity_after_add(*q, min, row.largest_choice(&info)));
            }
        }
    };
    let remove = move || quantity.update(|q| *q = quantity_after_remove(*q, min));
    Effect::new({
        let info = info.clone();
        move |_| {
            status.track();
            row.clamp(&info);
        }
    });

    view! {
        <li
            class="ticket"
            class=("ticket-unavailable", move || status.get() != SaleStatus::OnSale)
            data-ticket-type=info.id
        >
            <div class="ticket-info">
                <h3 class="ticket-name">{info.name.clone()}</h3>
                {(!info.description.is_empty()).then(|| view! { <p class="ticket-desc">{info.description.clone()}</p> })}
                <p class="ticket-price">{format_price(info.price_minor, &info.currency)}</p>
                <p class=state_class>{state_label}</p>
                {(info.max_per_order > 1).then(|| view! { <p class="ticket-limit muted">{format!("Up to {} per order", info.max_per_order)}</p> })}
                {waiting_list.map(|offer| {
                    let info = info.clone();
                    shown(
                        move || status.get() == SaleStatus::SoldOut,
                        move || view! { <WaitingListJoin offer=offer.clone() info=info.clone() /> },
                    )
                })}
            </div>
            <div class="stepper" role="group" aria-label=format!("How many {name} tickets")>
                <input type="hidden" name=quantity_field(info.id) value=move || quantity.get().to_string() />
                <StepButton
                    label=format!("One fewer {name}")
                    enabled=Signal::derive(can_remove)
                    on_click=remove
                    symbol="−"
                    post=(choice_url.clone(), Step::Remove(info.id))
                />
                <output class="quantity" aria-live="polite">{move || quantity.get()}</output>
                <StepButton
                    label=format!("One more {name}")
                    enabled=Signal::derive(can_add)
                    on_click=add
                    symbol="+"
                    post=(choice_url, Step::Add(info.id))
                />
            </div>
        </li>
    }
}

/// One of a stepper's two buttons ("−", "+"), named for a screen reader by `label`. Before the
/// script runs it posts the form to `post`'s URL, saying which `Step` it is.
#[component]
fn StepButton<C>(label: String, enabled: Signal<bool>, on_click: C, symbol: &'static str, post: (String, Step)) -> impl IntoView
where
    C: Fn() + 'static,
{
    let (formaction, step) = post;
    view! {
        <button
            type="submit"
            class="step"
            aria-label=label
            formaction=formaction
            name=STEP
            value=step.value()
            disabled=move || !enabled.get()
            on:click=move |ev: leptos::ev::MouseEvent| {
                ev.prevent_default();
                on_click()
            }
        >
            {symbol}
        </button>
    }
}
