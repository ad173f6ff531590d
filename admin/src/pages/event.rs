//! The event screen: its header, its tabs, and the event every tab works on.
//!
//! Policy: the event (with its ticket types, questions and discounts) is loaded once here and shared
//! with the tabs through [`EventCtx`]; a tab that changes something puts the origin's answer back into
//! it, so every tab shows what the origin last said without reloading.
use crate::api::{self, Failure};
use crate::pages::events::PublishedBadge;
use crate::pages::{load_failed, loading, param_id};
use crate::session::{can_edit, role_label, use_session};
use app::admin::{AdminEvent, Role};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Outlet, A};

#[derive(Clone, Copy)]
pub struct EventCtx {
    pub id: i64,
    pub event: RwSignal<AdminEvent>,
    pub role: Memo<Option<Role>>,
    /// The Orders list's query string, so "All orders" goes back to the same search.
    pub orders_query: RwSignal<String>,
}

impl EventCtx {
    pub fn can_edit(self) -> bool {
        can_edit(self.role.get())
    }

    pub fn currency(self) -> String {
        self.event.with(|e| e.currency.clone())
    }

    /// Reads the event again (after an order is cancelled, its counts changed).
    pub fn refresh(self) {
        spawn_local(async move {
            if let Ok(event) = api::get::<AdminEvent>(&format!("/events/{}", self.id)).await {
                self.event.try_set(event);
            }
        });
    }
}

pub fn use_event() -> EventCtx {
    expect_context::<EventCtx>()
}

#[component]
pub fn EventPage() -> impl IntoView {
    let id = param_id("id");
    // A different event is a different screen: nothing of the last one's forms carries over.
    move || match id.get() {
        Some(id) => view! { <EventShell id /> }.into_any(),
        None => view! {
            <section class="panel"><div class="form-error" role="alert">"That is not an event address."</div></section>
        }
        .into_any(),
    }
}

#[component]
fn EventShell(id: i64) -> impl IntoView {
    let loaded = RwSignal::new(None::<Result<AdminEvent, Failure>>);
    spawn_local(async move {
        let result = api::get::<AdminEvent>(&format!("/events/{id}")).await;
        loaded.try_set(Some(result));
    });
    move || match loaded.get() {
        None => view! { <section class="panel">{loading()}</section> }.into_any(),
        Some(Err(failure)) => view! {
            <section class="panel">
                <p class="crumbs"><A href=crate::link("/")>"← Events"</A></p>
                {load_failed(&failure)}
            </section>
        }
        .into_any(),
        Some(Ok(event)) => view! { <EventScreen id event /> }.into_any(),
    }
}

#[component]
fn EventScreen(id: i64, event: AdminEvent) -> impl IntoView {
    let session = use_session();
    let organisation_id = event.organisation_id;
    let event = RwSignal::new(event);
    let role = Memo::new(move |_| session.role_in(organisation_id));
    provide_context(EventCtx { id, event, role, orders_query: RwSignal::new(String::new()) });
    let base = format!("/events/{id}");
    let tab = |path: &str, label: &'static str, exact: bool| {
        let href = crate::link(&format!("{base}{path}"));
        view! { <A href=href exact=exact>{label}</A> }
    };
    view! {
        <section class="panel event-screen">
            <p class="crumbs"><A href=crate::link("/")>"← Events"</A></p>
            <div class="page-head">
                <div>
                    <h1>{move || event.with(|e| e.title.clone())}</h1>
                    <p class="muted">
                        {move || event.with(|e| format!("{} · {}", e.when_display, e.venue))} " "
                        {move || view! { <PublishedBadge published=event.with(|e| e.published) /> }}
                    </p>
                </div>
                {move || role.get().map(|role| view! { <span class="role-badge">{role_label(role)}</span> })}
            </div>
            <nav class="tabs" aria-label="Event sections">
                {tab("", "Details", true)}
                {tab("/ticket-types", "Ticket types", false)}
                {tab("/discounts", "Discount codes", false)}
                {tab("/questions", "Questions", false)}
                {tab("/orders", "Orders", false)}
                {tab("/waiting-list", "Waiting list", false)}
                {tab("/dashboard", "Dashboard", false)}
                {tab("/export", "Export", false)}
                {tab("/check-in", "Check-in", false)}
            </nav>
            <Show when=move || !can_edit(role.get())>
                <p class="readonly-note">"You have view-only access to this organisation: changes are left out."</p>
            </Show>
            <div class="tab-body">
                <Outlet />
            </div>
        </section>
    }
}
