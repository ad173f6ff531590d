//! Who is signed in, in which organisation, and with what role.
//!
//! Policy: the origin is the authority on the session. The app asks `GET /session` on start and after
//! sign-out or a 401, and takes the `SessionInfo` that sign-in and sign-up return, because each of
//! them changes the CSRF token (before sign-in, the token is the origin's signed cookie's; after,
//! the session's). The chosen organisation is remembered in localStorage, which is only a
//! preference: it falls back to the first membership when it no longer matches one.
use crate::api;
use app::admin::{Membership, Role, SessionInfo};
use leptos::prelude::*;
use leptos::task::spawn_local;

const ORG_KEY: &str = "stampede-admin-organisation";

/// What the whole screen depends on; changes only when someone signs in or out.
#[derive(Clone, Debug, PartialEq)]
pub enum State {
    Loading,
    /// `GET /session` failed: nothing can be shown until it answers.
    Unreachable(String),
    SignedOut,
    SignedIn,
}

#[derive(Clone, Copy)]
pub struct Session {
    info: RwSignal<Option<SessionInfo>>,
    error: RwSignal<Option<String>>,
    org: RwSignal<Option<i64>>,
    pub state: Memo<State>,
}

impl Session {
    /// Creates the session, provides it as context and asks the origin who is signed in.
    pub fn provide() -> Session {
        let info = RwSignal::new(None::<SessionInfo>);
        let error = RwSignal::new(None::<String>);
        let state = Memo::new(move |_| match (info.get(), error.get()) {
            (Some(info), _) if info.user.is_some() => State::SignedIn,
            (Some(_), _) => State::SignedOut,
            (None, Some(message)) => State::Unreachable(message),
            (None, None) => State::Loading,
        });
        let session = Session { info, error, org: RwSignal::new(stored_org()), state };
        provide_context(session);
        api::on_unauthorized(move || session.reload());
        session.reload();
        session
    }

    pub fn reload(self) {
        self.error.set(None);
        spawn_local(async move {
            match api::get::<SessionInfo>("/session").await {
                Ok(info) => self.accept(info),
                Err(failure) => {
                    self.info.set(None);
                    self.error.set(Some(failure.message()));
                }
            }
        });
    }

    /// Takes a fresh `SessionInfo` (from `GET /session`, sign-in or sign-up).
    pub fn accept(self, info: SessionInfo) {
        api::set_csrf_token(&info.csrf_token);
        let chosen = self.org.get_untracked();
        if !info.memberships.iter().any(|m| Some(m.organisation_id) == chosen) {
            self.org.set(info.memberships.first().map(|m| m.organisation_id));
        }
        self.info.set(Some(info));
    }

    /// Signed out by the origin (a 204 from sign-out): the screen changes at once, before the fresh
    /// token arrives, so no page goes on asking for data it may no longer see.
    pub fn forget_user(self) {
        self.info.update(|info| {
            if let Some(info) = info {
                info.user = None;
                info.memberships.clear();
            }
        });
        self.reload();
    }

    pub fn user_name(self) -> Option<String> {
        self.info.with(|info| info.as_ref().and_then(|i| i.user.as_ref()).map(|u| u.name.clone()))
    }

    pub fn user_email(self) -> Option<String> {
        self.info.with(|info| info.as_ref().and_then(|i| i.user.as_ref()).map(|u| u.email.clone()))
    }

    pub fn memberships(self) -> Vec<Membership> {
        self.info.with(|info| info.as_ref().map(|i| i.memberships.clone()).unwrap_or_default())
    }

    /// The organisation the event list and members page are about.
    pub fn current(self) -> Option<Membership> {
        let org = self.org.get();
        self.info.with(|info| info.as_ref().and_then(|i| i.memberships.iter().find(|m| Some(m.organisation_id) == org).cloned()))
    }

    pub fn choose(self, organisation_id: i64) {
        self.org.set(Some(organisation_id));
        if let Some(storage) = storage() {
            let _ = storage.set_item(ORG_KEY, &organisation_id.to_string());
        }
    }

    pub fn role_in(self, organisation_id: i64) -> Option<Role> {
        self.info
            .with(|info| info.as_ref().and_then(|i| i.memberships.iter().find(|m| m.organisation_id == organisation_id)).map(|m| m.role))
    }
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Admins and owners change things; viewers only look.
pub fn can_edit(role: Option<Role>) -> bool {
    matches!(role, Some(Role::Admin | Role::Owner))
}

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Viewer => "Viewer",
        Role::Admin => "Admin",
        Role::Owner => "Owner",
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn stored_org() -> Option<i64> {
    storage().and_then(|s| s.get_item(ORG_KEY).ok().flatten()).and_then(|v| v.parse().ok())
}
