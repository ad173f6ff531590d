//! Joining a sold-out ticket type's waiting list (the list's policy: `store/waiting_list.rs`).
//!
//! Policy: a person may join a public type of a published event whose list is open, only while
//! the type is sold out to the public, for a number of tickets within the type's per-order
//! limits; the same address joining the same type again finds its place, unchanged. Joins are
//! counted per network (`fair_use`).
use super::fair_use::Buyer;
use super::Storefront;
use crate::error::ApiError;
use crate::store::{self, Joined, NewWaitingEntry, WaitingEntryRecord};
use contract::model::{WaitingListPlace, WaitingListRequest};
use contract::validate;

impl Storefront {
    /// The place in line, and whether it is new (false: the address was already waiting).
    #[tracing::instrument(skip(self, request), fields(ticket_type_id = request.ticket_type_id))]
    pub async fn join_waiting_list(
        &self,
        slug: &str,
        request: &WaitingListRequest,
        buyer: &Buyer,
    ) -> Result<(bool, WaitingListPlace), ApiError> {
        let event = self.event(slug).await?;
        let snapshot = &event.snapshot;
        if !snapshot.waiting_list {
            return Err(ApiError::Conflict { field: None, message: "This event has no waiting list.".into() });
        }
        let Some(ticket_type) = snapshot.ticket_types.iter().find(|t| t.id == request.ticket_type_id) else {
            return Err(ApiError::invalid_field("ticket_type_id", "This event has no such ticket type."));
        };
        validate::name(&request.name).map_err(|message| ApiError::invalid_field("name", message))?;
        validate::email(&request.email).map_err(|message| ApiError::invalid_field("email", message))?;
        if !(ticket_type.min_per_order..=ticket_type.max_per_order).contains(&request.quantity) {
            return Err(ApiError::invalid_field(
                "quantity",
                format!("Ask for {} to {} tickets of {}.", ticket_type.min_per_order, ticket_type.max_per_order, ticket_type.name),
            ));
        }
        if ticket_type.available > 0 {
            return Err(ApiError::Conflict {
                field: Some("ticket_type_id".into()),
                message: format!("{} tickets are still available: reserve them now instead.", ticket_type.name),
            });
        }
        self.fair_use.try_join_waiting_list(buyer)?;
        let entry = NewWaitingEntry {
            event_id: event.id,
            ticket_type_id: ticket_type.id,
            name: request.name.trim().to_string(),
            email: request.email.trim().to_lowercase(),
            quantity: request.quantity,
            joined_at: store::now(),
        };
        let (created, record) = match self.inventory.join_waiting_list(entry).await? {
            Joined::Joined(record) => (true, record),
            Joined::AlreadyWaiting(record) => (false, record),
        };
        Ok((created, place(&record)))
    }
}

fn place(record: &WaitingEntryRecord) -> WaitingListPlace {
    let state = record.shown_state(store::now());
    WaitingListPlace {
        ticket_type_name: record.ticket_type_name.clone(),
        quantity: record.quantity,
        state: state.to_string(),
        position: record.position,
        offer_expires_at: (state == "offered").then_some(record.offer_expires_at).flatten(),
    }
}
