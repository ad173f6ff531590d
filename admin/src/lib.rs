//! Stampede's admin: the single-page app organisers use to run events, rendered in the browser
//! (Leptos `csr`), served by the origin under `/admin` and talking only to `/admin/api`.
//!
//! Policy: the origin decides everything (who may do what, what is valid); this app shows what it
//! answers, never loses what a person typed, and keeps no state of its own beyond the chosen
//! organisation. The contract is `app::admin`, shared with the origin, so both sides compile against
//! the same shapes. Modules each have one job: `api` talks HTTP, `session` knows who is signed in,
//! `forms` shows inputs and their errors, `format` shows instants, `pages` holds one module per screen.
#![recursion_limit = "256"]

pub mod api;
pub mod format;
pub mod forms;
pub mod pages;
pub mod session;

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes, A};
use leptos_router::hooks::use_navigate;
use leptos_router::path;
use session::{role_label, use_session, Session, State};

/// Where the origin serves this app; every route below is under it.
pub const BASE: &str = "/admin";

/// The address of an app path, for `<A href>`: leptos_router 0.8 prefixes the router's base to what
/// `navigate` and relative links resolve, but leaves an absolute `href` as written.
pub fn link(path: &str) -> String {
    format!("{BASE}{path}")
}

#[component]
pub fn App() -> impl IntoView {
    let session = Session::provide();
    view! {
        <Router base=BASE>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header />
            <main id="main" class="admin-main">
                {move || match session.state.get() {
                    State::Loading => view! { <p class="loading">"Loading…"</p> }.into_any(),
                    State::Unreachable(message) => view! { <Unreachable message /> }.into_any(),
                    State::SignedOut => view! { <SignedOutRoutes /> }.into_any(),
                    State::SignedIn => view! { <SignedInRoutes /> }.into_any(),
                }}
            </main>
        </Router>
    }
}

/// Signed out, every address shows the sign-in form, so the page asked for appears once signed in.
#[component]
fn SignedOutRoutes() -> impl IntoView {
    use pages::auth::{SignInPage, SignUpPage};
    use pages::links::{ConfirmPage, InvitationPage};
    view! {
        <Routes fallback=SignInPage>
            <Route path=path!("/signup") view=SignUpPage />
            // The emailed links' pages: app::admin::{CONFIRM_PAGE, INVITATION_PAGE}.
            <Route path=path!("/confirm") view=ConfirmPage />
            <Route path=path!("/invitation") view=InvitationPage />
        </Routes>
    }
}

#[component]
fn SignedInRoutes() -> impl IntoView {
    use pages::{
        checkin, dashboard, details, discounts, event, events, export, links, members, orders, payments, questions, ticket_types,
        waiting_list,
    };
    view! {
        <Routes fallback=NotFound>
            <Route path=path!("/") view=events::EventsPage />
            <Route path=path!("/confirm") view=links::ConfirmPage />
            <Route path=path!("/invitation") view=links::InvitationPage />
            <Route path=path!("/signin") view=|| view! { <Redirect path="/" /> } />
            <Route path=path!("/signup") view=|| view! { <Redirect path="/" /> } />
            <Route path=path!("/members") view=members::MembersPage />
            <Route path=path!("/payments") view=payments::PaymentsPage />
            <Route path=path!("/events/new") view=events::NewEventPage />
            <ParentRoute path=path!("/events/:id") view=event::EventPage>
                <Route path=path!("") view=details::DetailsTab />
                <Route path=path!("ticket-types") view=ticket_types::TicketTypesTab />
                <Route path=path!("discounts") view=discounts::DiscountsTab />
                <Route path=path!("questions") view=questions::QuestionsTab />
                <Route path=path!("orders") view=orders::OrdersTab />
                <Route path=path!("orders/:order") view=orders::OrderTab />
                <Route path=path!("waiting-list") view=waiting_list::WaitingListTab />
                <Route path=path!("dashboard") view=dashboard::DashboardTab />
                <Route path=path!("export") view=export::ExportTab />
                <Route path=path!("check-in") view=checkin::CheckInTab />
            </ParentRoute>
        </Routes>
    }
}

#[component]
fn Header() -> impl IntoView {
    let session = use_session();
    let signed_in = move || session.state.get() == State::SignedIn;
    let navigate = use_navigate();
    let signing_out = RwSignal::new(false);
    let sign_out = move |_| {
        signing_out.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::post_empty::<()>("/signout").await {
                Ok(()) => {
                    // The token is spent with the session: `forget_user` asks the origin for a new one.
                    session.forget_user();
                    navigate("/", Default::default());
                }
                Err(failure) => leptos::logging::warn!("sign-out failed: {}", failure.message()),
            }
            signing_out.try_set(false);
        });
    };
    let org = move || {
        session.current().map(|m| {
            view! {
                <span class="header-org">
                    {m.organisation_name} <span class="role-badge">{role_label(m.role)}</span>
                </span>
            }
        })
    };
    let is_owner = move || session.current().is_some_and(|m| m.role == app::admin::Role::Owner);
    // The payment account is read by admins too; only owners change it.
    let sees_payments = move || session::can_edit(session.current().map(|m| m.role));
    view! {
        <header class="admin-header">
            <A href=crate::link("/") attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                "Stampede admin"
            </A>
            <Show when=signed_in>
                <nav class="header-nav" aria-label="Main">
                    <A href=crate::link("/") exact=true>"Events"</A>
                    <Show when=is_owner>
                        <A href=crate::link("/members")>"Members"</A>
                    </Show>
                    <Show when=sees_payments>
                        <A href=crate::link("/payments")>"Payments"</A>
                    </Show>
                </nav>
                <div class="header-user">
                    {org}
                    <span class="header-name">{move || session.user_name()}</span>
                    <button type="button" class="link-button" on:click=sign_out.clone() disabled=move || signing_out.get()>
                        "Sign out"
                    </button>
                </div>
            </Show>
        </header>
    }
}

#[component]
fn Unreachable(message: String) -> impl IntoView {
    let session = use_session();
    view! {
        <section class="panel">
            <h1>"Stampede admin"</h1>
            <div class="form-error" role="alert">{message}</div>
            <button type="button" class="primary" on:click=move |_| session.reload()>"Try again"</button>
        </section>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="panel">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. " <A href=crate::link("/")>"Back to your events"</A></p>
        </section>
    }
}
