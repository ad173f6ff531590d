//! The organiser's view of an event's waiting room: what the room last reported (in queue, let in
//! per minute, in at once, the wait), for anyone who may view the event.
use super::Admin;
use crate::error::ApiError;
use crate::store::Resource;
use contract::admin::{AdminRoom, Role};

impl Admin {
    #[tracing::instrument(skip(self))]
    pub async fn waiting_room(&self, user_id: i64, event_id: i64) -> Result<Option<AdminRoom>, ApiError> {
        self.access(user_id, Resource::Event, event_id, Role::Viewer).await?;
        Ok(self.store.room_report(event_id).await?)
    }
}
