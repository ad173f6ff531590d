//! The organisers' side of the waiting list: each event's list in order, with what became of
//! every offer, and removing an entry. Turning the list off (the event's form) closes it: the
//! entries still waiting are removed and what was kept for them goes back on sale.
use super::Admin;
use crate::error::ApiError;
use crate::store::{self, Resource};
use contract::admin::{AdminWaitingEntry, Role};

impl Admin {
    #[tracing::instrument(skip(self))]
    pub async fn waiting_list(&self, user_id: i64, event_id: i64) -> Result<Vec<AdminWaitingEntry>, ApiError> {
        self.access(user_id, Resource::Event, event_id, Role::Viewer).await?;
        let now = store::now();
        let entries = self.store.waiting_list(event_id).await?;
        Ok(entries
            .into_iter()
            .map(|entry| AdminWaitingEntry {
                state: entry.shown_state(now).to_string(),
                id: entry.id,
                ticket_type_id: entry.ticket_type_id,
                ticket_type_name: entry.ticket_type_name,
                name: entry.name,
                email: entry.email,
                quantity: entry.quantity,
                position: entry.position,
                joined_at: entry.joined_at,
                offered_at: entry.offered_at,
                offer_expires_at: entry.offer_expires_at,
            })
            .collect())
    }

    /// Takes a waiting entry off its list; the list as it is then.
    #[tracing::instrument(skip(self))]
    pub async fn remove_waiting_entry(&self, user_id: i64, entry_id: i64) -> Result<Vec<AdminWaitingEntry>, ApiError> {
        let entry = self.store.waiting_entry(entry_id).await?.ok_or_else(|| super::not_found(Resource::Event))?;
        self.access(user_id, Resource::Event, entry.event_id, Role::Admin).await?;
        if !self.store.remove_waiting_entry(entry_id, store::now()).await? {
            return Err(ApiError::Conflict {
                field: None,
                message: "This person is no longer waiting: an offer was made to them, or they were removed already.".into(),
            });
        }
        // What was kept back for the list may be for sale again.
        self.changed(entry.event_id).await;
        self.waiting_list(user_id, entry.event_id).await
    }

    /// After the event's form turned the list off.
    pub(super) async fn close_waiting_list(&self, event_id: i64) -> Result<(), ApiError> {
        if !self.store.close_waiting_list(event_id, store::now()).await?.is_empty() {
            self.changed(event_id).await;
        }
        Ok(())
    }
}
