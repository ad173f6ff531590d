//! Events as attendees see them: the list, one event (from the event cache), and the secret ticket
//! types an access code unlocks.
use super::fair_use::{Buyer, CodeKind};
use super::Storefront;
use crate::error::ApiError;
use crate::events::{when_display, LoadedEvent};
use crate::store;
use contract::model::{EventSummary, SaleStatus, TicketTypeSnapshot, Unlocked};
use contract::rules::{self, limits::MAX_ACCESS_CODE_CHARS};
use std::sync::Arc;

impl Storefront {
    #[tracing::instrument(skip(self))]
    pub async fn published_events(&self) -> Result<Vec<EventSummary>, ApiError> {
        let events = self.store.published_events().await?;
        Ok(events
            .iter()
            .map(|event| EventSummary {
                slug: event.slug.clone(),
                title: event.title.clone(),
                venue: event.venue.clone(),
                starts_at: event.starts_at,
                when_display: when_display(event),
            })
            .collect())
    }

    /// The published event as served (snapshot and its JSON), from the event cache when fresh.
    #[tracing::instrument(skip(self))]
    pub async fn event(&self, slug: &str) -> Result<Arc<LoadedEvent>, ApiError> {
        let not_found =
            || ApiError::NotFound(format!("There is no event at \"{slug}\". Check the link, or see all events on the home page."));
        if !rules::is_valid_slug(slug) {
            return Err(not_found());
        }
        self.events.published(slug).await?.ok_or_else(not_found)
    }

    /// The secret ticket types `code` unlocks for this event. Never cached: the answer depends on
    /// the code. A wrong code gets the same sentence whatever codes other events have.
    #[tracing::instrument(skip(self, code, buyer))]
    pub async fn unlock(&self, slug: &str, code: &str, buyer: &Buyer) -> Result<Unlocked, ApiError> {
        let event = self.event(slug).await?;
        let code = code.trim();
        if code.is_empty() {
            return Err(ApiError::invalid_field("code", contract::forms::ENTER_ACCESS_CODE));
        }
        let charge = self.fair_use.try_code(buyer, None, CodeKind::Access)?;
        let ticket_types: Vec<TicketTypeSnapshot> = if code.chars().count() > MAX_ACCESS_CODE_CHARS {
            Vec::new()
        } else {
            let now = store::now();
            event
                .unlocked_by(code)
                .cloned()
                .map(|mut info| {
                    // The snapshot may be up to a TTL old: the status is as of now.
                    info.status = SaleStatus::at(now, info.available, info.sale_starts_at, info.sale_ends_at);
                    info
                })
                .collect()
        };
        if ticket_types.is_empty() {
            charge.failed();
            return Err(ApiError::invalid_field("code", "No tickets match this code. Check it and try again."));
        }
        Ok(Unlocked { ticket_types })
    }
}
