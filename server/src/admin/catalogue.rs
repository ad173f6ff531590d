//! What an organisation sells: events, their ticket types, discount codes and checkout questions.
//! Every change bumps the event's version (pages and the edge re-render) and ends in
//! `Admin::changed`, so it shows on this origin's storefront at once.
use super::{inputs, views, Admin};
use crate::error::ApiError;
use crate::store::{self, EventDetails, EventRecord, Removed, Resource, Saved, TicketTypeUpdate};
use contract::admin::{
    AdminEvent, AdminEventSummary, AdminTicketType, Discount, DiscountInput, EventInput, Question, QuestionInput, Role, TicketTypeInput,
    TicketTypeOrder,
};

fn slug_taken() -> ApiError {
    ApiError::Conflict { field: Some("slug".into()), message: "Another event already uses this web address. Choose another.".into() }
}

fn code_taken() -> ApiError {
    ApiError::Conflict { field: Some("code".into()), message: "This event already has a discount code with this name.".into() }
}

impl Admin {
    #[tracing::instrument(skip(self))]
    pub async fn events(&self, user_id: i64, organiser_id: i64) -> Result<Vec<AdminEventSummary>, ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Viewer).await?;
        Ok(self.store.organisation_events(organiser_id).await?.iter().map(views::event_summary).collect())
    }

    #[tracing::instrument(skip(self, input))]
    pub async fn create_event(&self, user_id: i64, organiser_id: i64, input: &EventInput) -> Result<AdminEvent, ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Admin).await?;
        let change = self.event_change(input)?;
        match self.store.create_event(organiser_id, &change, false).await? {
            Saved::Saved(event_id) => self.load_event(event_id).await,
            _ => Err(slug_taken()),
        }
    }

    #[tracing::instrument(skip(self))]
    pub async fn event(&self, user_id: i64, event_id: i64) -> Result<AdminEvent, ApiError> {
        self.access(user_id, Resource::Event, event_id, Role::Viewer).await?;
        self.load_event(event_id).await
    }

    /// The event form's fields as the store takes them, and what this origin can do with them.
    fn event_change(&self, input: &EventInput) -> Result<EventDetails, ApiError> {
        let change = inputs::event(input)?;
        if change.waiting_room && !self.waiting_room_ready {
            return Err(ApiError::invalid_field(
                "waiting_room",
                "The waiting room needs the edge and this server to share a key (WAITING_ROOM_KEY), and none is set: ask whoever runs the servers.",
            ));
        }
        Ok(change)
    }

    #[tracing::instrument(skip(self, input))]
    pub async fn update_event(&self, user_id: i64, event_id: i64, input: &EventInput) -> Result<AdminEvent, ApiError> {
        self.access(user_id, Resource::Event, event_id, Role::Admin).await?;
        let change = self.event_change(input)?;
        match self.store.update_event(event_id, &change).await? {
            Saved::Saved(()) => {}
            Saved::Taken => return Err(slug_taken()),
            Saved::NotFound => return Err(super::not_found(Resource::Event)),
        }
        if !change.waiting_list {
            self.close_waiting_list(event_id).await?;
        }
        self.changed(event_id).await;
        self.load_event(event_id).await
    }

    #[tracing::instrument(skip(self))]
    pub async fn set_published(&self, user_id: i64, event_id: i64, published: bool) -> Result<AdminEvent, ApiError> {
        self.access(user_id, Resource::Event, event_id, Role::Admin).await?;
        if published && self.store.ticket_types(event_id, store::now()).await?.is_empty() {
            return Err(ApiError::Conflict {
                field: None,
                message: "Add at least one ticket type before publishing: attendees would find nothing to buy.".into(),
            });
        }
        self.store.set_published(event_id, published).await?;
        let event = self.load_event(event_id).await?;
        self.changed(event_id).await;
        Ok(event)
    }

    #[tracing::instrument(skip(self, input))]
    pub async fn create_ticket_type(&self, user_id: i64, event_id: i64, input: &TicketTypeInput) -> Result<AdminTicketType, ApiError> {
        self.access(user_id, Resource::Event, event_id, Role::Admin).await?;
        let event = self.event_record(event_id).await?;
        let tz = views::zone(&event.timezone);
        let change = inputs::ticket_type(input, tz)?;
        let record = self.store.create_ticket_type(event_id, &change).await?;
        self.changed(event_id).await;
        Ok(views::ticket_type(&record, tz))
    }

    #[tracing::instrument(skip(self, input))]
    pub async fn update_ticket_type(
        &self,
        user_id: i64,
        ticket_type_id: i64,
        input: &TicketTypeInput,
    ) -> Result<AdminTicketType, ApiError> {
        let owner = self.access(user_id, Resource::TicketType, ticket_type_id, Role::Admin).await?;
        let event = self.event_record(owner.event_id).await?;
        let tz = views::zone(&event.timezone);
        let change = inputs::ticket_type(input, tz)?;
        let record = match self.store.update_ticket_type(ticket_type_id, &change).await? {
            TicketTypeUpdate::Updated(record) => record,
            TicketTypeUpdate::NotFound => return Err(super::not_found(Resource::TicketType)),
            TicketTypeUpdate::CapacityBelowSold { sold, held } => {
                return Err(ApiError::Conflict {
                    field: Some("capacity".into()),
                    message: format!(
                        "Capacity cannot go below the {} tickets already sold{}.",
                        sold,
                        if held > 0 { format!(" and {held} in attendees' baskets right now") } else { String::new() }
                    ),
                })
            }
        };
        self.changed(owner.event_id).await;
        Ok(views::ticket_type(&record, tz))
    }

    #[tracing::instrument(skip(self, order))]
    pub async fn reorder_ticket_types(
        &self,
        user_id: i64,
        event_id: i64,
        order: &TicketTypeOrder,
    ) -> Result<Vec<AdminTicketType>, ApiError> {
        self.access(user_id, Resource::Event, event_id, Role::Admin).await?;
        let event = self.load_event(event_id).await?;
        let mut given = order.ids.clone();
        given.sort_unstable();
        let mut current: Vec<i64> = event.ticket_types.iter().map(|t| t.id).collect();
        current.sort_unstable();
        if given != current {
            return Err(ApiError::invalid_field("ids", "Send every ticket type of this event exactly once, in the new order."));
        }
        self.store.reorder_ticket_types(event_id, &order.ids).await?;
        self.changed(event_id).await;
        Ok(self.load_event(event_id).await?.ticket_types)
    }

    #[tracing::instrument(skip(self, input))]
    pub async fn create_discount(&self, user_id: i64, event_id: i64, input: &DiscountInput) -> Result<Discount, ApiError> {
        self.access(user_id, Resource::Event, event_id, Role::Admin).await?;
        let (tz, types) = self.zone_and_types(event_id).await?;
        let change = inputs::discount(input, tz, &types)?;
        match self.store.insert_discount(event_id, &change, store::now()).await? {
            Saved::Saved(record) => Ok(views::discount(&record, tz)),
            _ => Err(code_taken()),
        }
    }

    #[tracing::instrument(skip(self, input))]
    pub async fn update_discount(&self, user_id: i64, discount_id: i64, input: &DiscountInput) -> Result<Discount, ApiError> {
        let owner = self.access(user_id, Resource::Discount, discount_id, Role::Admin).await?;
        let (tz, types) = self.zone_and_types(owner.event_id).await?;
        let change = inputs::discount(input, tz, &types)?;
        match self.store.update_discount(discount_id, &change).await? {
            Saved::Saved(record) => Ok(views::discount(&record, tz)),
            Saved::Taken => Err(code_taken()),
            Saved::NotFound => Err(super::not_found(Resource::Discount)),
        }
    }

    #[tracing::instrument(skip(self))]
    pub async fn delete_discount(&self, user_id: i64, discount_id: i64) -> Result<(), ApiError> {
        self.access(user_id, Resource::Discount, discount_id, Role::Admin).await?;
        match self.store.delete_discount(discount_id).await? {
            Removed::Removed => Ok(()),
            Removed::NotFound => Err(super::not_found(Resource::Discount)),
            Removed::InUse => Err(ApiError::Conflict {
                field: None,
                message: "Orders used this code, so it stays on record. To stop it, set its uses to what it has now or let it expire."
                    .into(),
            }),
        }
    }

    #[tracing::instrument(skip(self, input))]
    pub async fn create_question(&self, user_id: i64, event_id: i64, input: &QuestionInput) -> Result<Question, ApiError> {
        self.access(user_id, Resource::Event, event_id, Role::Admin).await?;
        let change = inputs::question(input)?;
        let record = self.store.insert_question(event_id, &change).await?;
        self.changed(event_id).await;
        Ok(views::question(&record))
    }

    #[tracing::instrument(skip(self, input))]
    pub async fn update_question(&self, user_id: i64, question_id: i64, input: &QuestionInput) -> Result<Question, ApiError> {
        let owner = self.access(user_id, Resource::Question, question_id, Role::Admin).await?;
        let change = inputs::question(input)?;
        let record = self.store.update_question(question_id, &change).await?.ok_or_else(|| super::not_found(Resource::Question))?;
        self.changed(owner.event_id).await;
        Ok(views::question(&record))
    }

    #[tracing::instrument(skip(self))]
    pub async fn delete_question(&self, user_id: i64, question_id: i64) -> Result<(), ApiError> {
        let owner = self.access(user_id, Resource::Question, question_id, Role::Admin).await?;
        match self.store.delete_question(question_id).await? {
            Removed::Removed => {
                self.changed(owner.event_id).await;
                Ok(())
            }
            _ => Err(super::not_found(Resource::Question)),
        }
    }

    /// The event with everything an organiser edits. Access must have been checked.
    pub(super) async fn load_event(&self, event_id: i64) -> Result<AdminEvent, ApiError> {
        let admin = &self.store;
        let record = admin.admin_event(event_id).await?.ok_or_else(|| super::not_found(Resource::Event))?;
        let types = self.store.ticket_types(event_id, store::now()).await?;
        let questions = admin.questions(event_id).await?;
        let discounts = admin.discounts(event_id).await?;
        Ok(views::event(&record, &types, &questions, &discounts))
    }

    /// The event's own row: what a change needs of it (its time zone, slug, currency), without the
    /// ticket types, questions and codes `load_event` reads.
    pub(super) async fn event_record(&self, event_id: i64) -> Result<EventRecord, ApiError> {
        self.store.event_by_id(event_id).await?.ok_or_else(|| super::not_found(Resource::Event))
    }

    /// What a discount form is read against: the event's time zone and its ticket types' ids.
    async fn zone_and_types(&self, event_id: i64) -> Result<(chrono_tz::Tz, Vec<i64>), ApiError> {
        let event = self.event_record(event_id).await?;
        let types = self.store.ticket_types(event_id, store::now()).await?.iter().map(|t| t.id).collect();
        Ok((views::zone(&event.timezone), types))
    }
}
