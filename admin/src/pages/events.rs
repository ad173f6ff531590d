//! The current organisation's events, the organisation picker, and the new-event form. The event
//! form itself lives here too, because the Details tab edits with the same inputs.
use crate::api;
use crate::forms::{Field, FormBanner, FormState, Input};
use crate::pages::{load_failed, loading, Column, DataTable};

const COLUMNS: &[Column] = &[("Event", false), ("When", false), ("Status", false), ("Sold", true)];
use crate::session::{can_edit, role_label, use_session};
use app::admin::{AdminEvent, AdminEventSummary, EventInput};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

#[component]
pub fn EventsPage() -> impl IntoView {
    let session = use_session();
    let memberships = move || session.memberships();
    let current = Memo::new(move |_| session.current());
    let events = LocalResource::new(move || {
        let org = current.get().map(|m| m.organisation_id);
        async move {
            match org {
                Some(org) => api::get::<Vec<AdminEventSummary>>(&format!("/organisations/{org}/events")).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let picker = move || {
        let memberships = memberships();
        (memberships.len() > 1).then(|| {
            let selected = current.get().map(|m| m.organisation_id.to_string()).unwrap_or_default();
            view! {
                <div class="field org-picker">
                    <label for="organisation">"Organisation"</label>
                    <select
                        id="organisation"
                        name="organisation"
                        on:change=move |ev| {
                            if let Ok(id) = event_target_value(&ev).parse() {
                                session.choose(id);
                            }
                        }
                    >
                        {memberships
                            .into_iter()
                            .map(|m| {
                                let label = format!("{} ({})", m.organisation_name, role_label(m.role));
                                view! { <option value=m.organisation_id.to_string() prop:selected=selected == m.organisation_id.to_string()>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
            }
        })
    };
    let list = move || match events.get() {
        None => loading(),
        Some(Err(failure)) => load_failed(&failure),
        Some(Ok(None)) => view! {
            <p class="empty">"You are not a member of any organisation yet. Ask an owner to add you by your email address."</p>
        }
        .into_any(),
        Some(Ok(Some(events))) if events.is_empty() => view! { <p class="empty">"No events yet."</p> }.into_any(),
        Some(Ok(Some(events))) => view! {
            <DataTable columns=COLUMNS>
                        {events
                            .into_iter()
                            .map(|e| {
                                view! {
                                    <tr>
                                        <td>
                                            <A href=crate::link(&format!("/events/{}", e.id))>{e.title}</A>
                                            <div class="muted small">{format!("/e/{}", e.slug)}</div>
                                        </td>
                                        <td>{e.when_display}</td>
                                        <td><PublishedBadge published=e.published /></td>
                                        <td class="num">{format!("{} / {}", e.sold, e.capacity)}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </DataTable>
        }
        .into_any(),
    };
    view! {
        <section class="panel">
            <div class="page-head">
                <div>
                    <h1>"Events"</h1>
                    {move || current.get().map(|m| view! {
                        <p class="muted">{m.organisation_name} " · your role: " <strong>{role_label(m.role)}</strong></p>
                    })}
                </div>
                <Show when=move || can_edit(current.get().map(|m| m.role))>
                    <A href=crate::link("/events/new") attr:class="button primary">"New event"</A>
                </Show>
            </div>
            {picker}
            {list}
        </section>
    }
}

#[component]
pub fn PublishedBadge(published: bool) -> impl IntoView {
    if published {
        view! { <span class="badge badge-live">"Published"</span> }
    } else {
        view! { <span class="badge badge-draft">"Draft"</span> }
    }
}

/// The event form's values, one signal per input.
#[derive(Clone, Copy)]
pub struct EventFields {
    pub slug: RwSignal<String>,
    pub title: RwSignal<String>,
    pub description: RwSignal<String>,
    pub venue: RwSignal<String>,
    pub timezone: RwSignal<String>,
    pub starts_local: RwSignal<String>,
    pub ends_local: RwSignal<String>,
    pub currency: RwSignal<String>,
    pub offline_payment_days: RwSignal<String>,
    pub card_payments: RwSignal<bool>,
    pub waiting_list: RwSignal<bool>,
    pub waiting_list_offer_minutes: RwSignal<String>,
    pub waiting_room: RwSignal<bool>,
    pub waiting_room_per_minute: RwSignal<String>,
    pub waiting_room_max_active: RwSignal<String>,
}

pub const EVENT_FIELDS: &[&str] = &[
    "slug",
    "title",
    "description",
    "venue",
    "timezone",
    "starts_local",
    "ends_local",
    "currency",
    "offline_payment_days",
    "waiting_list_offer_minutes",
    "waiting_room_per_minute",
    "waiting_room_max_active",
];

impl EventFields {
    pub fn new(input: EventInput) -> EventFields {
        EventFields {
            slug: RwSignal::new(input.slug),
            title: RwSignal::new(input.title),
            description: RwSignal::new(input.description),
            venue: RwSignal::new(input.venue),
            timezone: RwSignal::new(input.timezone),
            starts_local: RwSignal::new(input.starts_local),
            ends_local: RwSignal::new(input.ends_local),
            currency: RwSignal::new(input.currency),
            offline_payment_days: RwSignal::new(input.offline_payment_days),
            card_payments: RwSignal::new(input.card_payments),
            waiting_list: RwSignal::new(input.waiting_list),
            waiting_list_offer_minutes: RwSignal::new(input.waiting_list_offer_minutes),
            waiting_room: RwSignal::new(input.waiting_room),
            waiting_room_per_minute: RwSignal::new(input.waiting_room_per_minute),
            waiting_room_max_active: RwSignal::new(input.waiting_room_max_active),
        }
    }

    pub fn from_event(event: &AdminEvent) -> EventFields {
        EventFields::new(EventInput {
            slug: event.slug.clone(),
            title: event.title.clone(),
            description: event.description.clone(),
            venue: event.venue.clone(),
            timezone: event.timezone.clone(),
            starts_local: event.starts_local.clone(),
            ends_local: event.ends_local.clone(),
            currency: event.currency.clone(),
            offline_payment_days: event.offline_payment_days.map(|days| days.to_string()).unwrap_or_default(),
            card_payments: event.card_payments,
            waiting_list: event.waiting_list,
            waiting_list_offer_minutes: event.waiting_list_offer_minutes.to_string(),
            waiting_room: event.waiting_room,
            waiting_room_per_minute: event.waiting_room_per_minute.to_string(),
            waiting_room_max_active: event.waiting_room_max_active.to_string(),
        })
    }

    pub fn input(self) -> EventInput {
        let trimmed = |s: RwSignal<String>| s.get_untracked().trim().to_string();
        EventInput {
            slug: trimmed(self.slug),
            title: trimmed(self.title),
            description: self.description.get_untracked(),
            venue: trimmed(self.venue),
            timezone: trimmed(self.timezone),
            starts_local: trimmed(self.starts_local),
            ends_local: trimmed(self.ends_local),
            currency: trimmed(self.currency).to_uppercase(),
            offline_payment_days: trimmed(self.offline_payment_days),
            card_payments: self.card_payments.get_untracked(),
            waiting_list: self.waiting_list.get_untracked(),
            waiting_list_offer_minutes: trimmed(self.waiting_list_offer_minutes),
            waiting_room: self.waiting_room.get_untracked(),
            waiting_room_per_minute: trimmed(self.waiting_room_per_minute),
            waiting_room_max_active: trimmed(self.waiting_room_max_active),
        }
    }

    /// Records the mistakes the browser can be sure of; returns whether there were none.
    pub fn check(self, form: FormState) -> bool {
        let input = self.input();
        for (name, value, message) in [
            ("title", &input.title, "Please give the event a title."),
            ("slug", &input.slug, "Please choose the web address of the event."),
            ("venue", &input.venue, "Please enter the venue."),
            ("timezone", &input.timezone, "Please enter the time zone, e.g. Europe/Amsterdam."),
            ("starts_local", &input.starts_local, "Please enter when the event starts."),
            ("ends_local", &input.ends_local, "Please enter when the event ends."),
            ("currency", &input.currency, "Please enter a currency code, e.g. EUR."),
        ] {
            form.require(name, value, message);
        }
        if !input.slug.is_empty() {
            // The rule the origin applies, with its sentence: no round trip for a mistyped address.
            form.check("slug", app::validate::slug(&input.slug));
        }
        !form.has_errors()
    }
}

/// "Summer Jam 2026!" -> "summer-jam-2026".
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for ch in title.trim().chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// The inputs of an event; the caller owns the `<form>` and its buttons.
#[component]
pub fn EventInputs(form: FormState, fields: EventFields) -> impl IntoView {
    view! {
        <div class="form-grid">
            <Input form id="event-title" name="title" label="Title" value=fields.title required=true />
            <Input form id="event-slug" name="slug" label="Slug" value=fields.slug required=true
                hint="The storefront address: /e/your-slug. Lowercase letters, digits and dashes." />
            <Input form id="event-venue" name="venue" label="Venue" value=fields.venue required=true />
            <Input form id="event-timezone" name="timezone" label="Time zone" value=fields.timezone required=true
                hint="As in Europe/Amsterdam; the times below are local to it." />
            <Input form id="event-starts" name="starts_local" label="Starts" kind="datetime-local" value=fields.starts_local required=true />
            <Input form id="event-ends" name="ends_local" label="Ends" kind="datetime-local" value=fields.ends_local required=true />
            <Input form id="event-currency" name="currency" label="Currency" value=fields.currency hint="ISO code: EUR, USD, GBP…" required=true />
            <Input form id="event-offline-days" name="offline_payment_days" label="Days to pay at the door" kind="number"
                value=fields.offline_payment_days
                hint="Blank: buyers pay when they order. A number: they may pay at the door or by invoice, and an order unpaid after that many days is cancelled." />
        </div>
        <div class="check">
            <input type="checkbox" id="event-card-payments" name="card_payments" bind:checked=fields.card_payments />
            <label for="event-card-payments">"Take card payments"</label>
        </div>
        <p class="hint">"Once the organisation has connected Stripe (Payments). Off: buyers pay at the door or by invoice only."</p>
        <div class="check">
            <input type="checkbox" id="event-waiting-list" name="waiting_list" bind:checked=fields.waiting_list />
            <label for="event-waiting-list">"Waiting list for sold-out tickets"</label>
        </div>
        <Input form id="event-offer-minutes" name="waiting_list_offer_minutes" label="Minutes to claim a waiting-list offer" kind="number"
            value=fields.waiting_list_offer_minutes
            hint="Returned tickets go to the next in line, kept for them this long (blank: 240), then to the next. Turning the list off removes everyone still waiting." />
        <div class="check">
            <input type="checkbox" id="event-waiting-room" name="waiting_room" bind:checked=fields.waiting_room />
            <label for="event-waiting-room">"Waiting room at the on-sale"</label>
        </div>
        <p class="hint">"Buyers queue at the edge and reach the sale in turn; the origin takes holds only from those the room let in."</p>
        <Input form id="event-room-per-minute" name="waiting_room_per_minute" label="Buyers let in per minute" kind="number"
            value=fields.waiting_room_per_minute hint="Blank: 3000 (50 a second, what one origin serves with room to spare)." />
        <Input form id="event-room-max-active" name="waiting_room_max_active" label="Most buyers in at once" kind="number"
            value=fields.waiting_room_max_active hint="Blank: 1000. Those let in count until they have ordered or their turn has run out." />
        <Field form id="event-description" name="description" label="Description">
            <textarea id="event-description" name="description" rows="5" bind:value=fields.description></textarea>
        </Field>
    }
}

#[component]
pub fn NewEventPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let form = FormState::new();
    let fields =
        EventFields::new(EventInput { timezone: crate::format::browser_time_zone(), currency: "EUR".to_string(), ..EventInput::default() });
    // The slug follows the title until someone edits it by hand.
    let last_auto_slug = StoredValue::new(String::new());
    Effect::new(move |_| {
        let suggested = slugify(&fields.title.get());
        let slug = fields.slug.get_untracked();
        if slug.is_empty() || slug == last_auto_slug.get_value() {
            fields.slug.set(suggested.clone());
        }
        last_auto_slug.set_value(suggested);
    });
    let current = Memo::new(move |_| session.current());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !form.begin(&ev) {
            return;
        }
        let Some(org) = current.get_untracked().map(|m| m.organisation_id) else {
            form.banner("Choose an organisation first.");
            return;
        };
        if !fields.check(form) {
            return;
        }
        form.busy.set(true);
        let input = fields.input();
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::post::<_, AdminEvent>(&format!("/organisations/{org}/events"), &input).await {
                Ok(event) => navigate(&format!("/events/{}", event.id), Default::default()),
                Err(failure) => form.fail(&failure, EVENT_FIELDS),
            }
        });
    };
    view! {
        <section class="panel">
            <p class="crumbs"><A href=crate::link("/")>"← Events"</A></p>
            <h1>"New event"</h1>
            {move || current.get().map(|m| view! { <p class="muted">"In " {m.organisation_name}</p> })}
            <Show
                when=move || can_edit(current.get().map(|m| m.role))
                fallback=|| view! { <p class="empty">"Viewers cannot create events. Ask an owner for the admin role."</p> }
            >
                <form on:submit=submit.clone() novalidate>
                    <FormBanner form />
                    <EventInputs form fields />
                    <div class="actions">
                        <button type="submit" class="primary" disabled=move || form.busy.get()>"Create event"</button>
                    </div>
                </form>
            </Show>
        </section>
    }
}
