//! The organisers' back office: the rules behind the admin API (`http::admin`), as `storefront` is
//! for the attendees' side.
//!
//! Policy, for every operation: first *who* (the signed-in user is a member of the organisation
//! that owns the thing named, with a role that allows the operation), then *what* (the form is
//! read by `inputs`), then the store decides whether it can be done. Something that belongs to
//! another organisation is "not found", exactly as something that does not exist, so ids cannot be
//! probed; a viewer who tries to change something is told their role does not allow it.
pub mod accounts;
mod catalogue;
pub mod exports;
pub mod inputs;
mod orders;
mod payments;
mod views;
mod waiting_list;
mod waiting_room;

pub use accounts::{hash_password, Doors};
pub use orders::OrderQuery;

use crate::error::ApiError;
use crate::events::EventCache;
use crate::inventory::Inventory;
use crate::payments::CardProvider;
use crate::store::{Owner, Resource, Store};
use contract::admin::Role;
use std::sync::Arc;

pub struct Admin {
    store: Arc<dyn Store>,
    /// Told of every change to an event, so this origin shows it at once.
    events: Arc<EventCache>,
    /// Cancellations give stock back through it; capacity changes make it reload the event.
    inventory: Arc<Inventory>,
    /// Sign-in and sign-up: their limits, the bounded password hashing, the emails.
    doors: Doors,
    /// Organisations' payment accounts, and refunds through them.
    cards: Arc<CardProvider>,
    /// Whether this origin can check the waiting room's admissions (`WAITING_ROOM_KEY`): without
    /// it, no event may turn its room on, or its sale would refuse every hold.
    waiting_room_ready: bool,
}

impl Admin {
    pub fn new(store: Arc<dyn Store>, events: Arc<EventCache>, inventory: Arc<Inventory>, doors: Doors, cards: Arc<CardProvider>) -> Admin {
        Admin { store, events, inventory, doors, cards, waiting_room_ready: false }
    }

    pub fn with_waiting_room(self, ready: bool) -> Admin {
        Admin { waiting_room_ready: ready, ..self }
    }

    /// Every change to an event (its details, types, codes, questions, orders) ends here: the
    /// event cache forgets it and the inventory gate reloads its stock from the database.
    async fn changed(&self, event_id: i64) {
        self.events.changed(event_id).await;
        self.inventory.reload_event(event_id);
    }

    /// The thing `id` names, if the user may do what `need` allows with it.
    async fn access(&self, user_id: i64, resource: Resource, id: i64, need: Role) -> Result<Owner, ApiError> {
        let owner = self.store.owner_of(resource, id).await?.ok_or_else(|| not_found(resource))?;
        let role = self.store.role_of(user_id, owner.organiser_id).await?.ok_or_else(|| not_found(resource))?;
        allow(role, need)?;
        Ok(owner)
    }

    /// The user's role in the organisation, if it allows `need`.
    async fn organisation_access(&self, user_id: i64, organiser_id: i64, need: Role) -> Result<Role, ApiError> {
        let role = self
            .store
            .role_of(user_id, organiser_id)
            .await?
            .ok_or_else(|| ApiError::NotFound("You are not a member of this organisation.".into()))?;
        allow(role, need)?;
        Ok(role)
    }
}

fn allow(role: Role, need: Role) -> Result<(), ApiError> {
    if role >= need {
        Ok(())
    } else {
        Err(ApiError::Forbidden(match need {
            Role::Owner => "Only an owner of this organisation can do this.".into(),
            _ => format!("Your role here ({}) lets you look, not change. Ask an owner for the admin role.", role.as_str()),
        }))
    }
}

fn not_found(resource: Resource) -> ApiError {
    let what = match resource {
        Resource::Event => "event",
        Resource::TicketType => "ticket type",
        Resource::Discount => "discount code",
        Resource::Question => "question",
        Resource::Order => "order",
        Resource::Export => "export",
    };
    ApiError::NotFound(format!("There is no such {what} in your organisations."))
}
