//! Holds: a request checked against the event's rules (types on sale, per-order limits, access
//! codes), its stock taken through the inventory, the hold shown and released.
use super::fair_use::{Buyer, CodeKind};
use super::views::hold_view;
use super::Storefront;
use crate::error::ApiError;
use crate::events::LoadedEvent;
use crate::store::{self, HoldItemRecord, HoldOutcome, HoldRecord, NewHold};
use chrono::{DateTime, Utc};
use contract::model::{Hold, HoldRequest, HoldStatus, Question, SaleStatus, TicketAvailability, TicketTypeSnapshot};
use contract::rules::limits::{MAX_ACCESS_CODE_CHARS, MAX_ITEMS_PER_HOLD};
use std::sync::Arc;
use uuid::Uuid;

impl Storefront {
    #[tracing::instrument(skip(self, request, buyer))]
    /// `admission`: the token of the event's waiting room, as the buyer sent it (needed when the
    /// event's room is on, `admission`).
    pub async fn create_hold(&self, slug: &str, request: &HoldRequest, buyer: &Buyer, admission: Option<&str>) -> Result<Hold, ApiError> {
        let result = self.try_create_hold(slug, request, buyer, admission).await;
        self.metrics.count_hold(match &result {
            Ok(_) => "created",
            Err(ApiError::SoldOut { .. }) => "sold_out",
            Err(ApiError::NotOnSale(_)) => "not_on_sale",
            Err(ApiError::Busy(_)) => "busy",
            Err(ApiError::TooManyRequests(_)) => "limited",
            Err(ApiError::Forbidden(_)) => "not_admitted",
            Err(_) => "invalid",
        });
        result
    }

    async fn try_create_hold(&self, slug: &str, request: &HoldRequest, buyer: &Buyer, admission: Option<&str>) -> Result<Hold, ApiError> {
        let event = self.event(slug).await?;
        let snapshot = &event.snapshot;
        let now = store::now();
        // Through the waiting room, when it is on: checked first, so the queue cannot be skipped
        // by asking for anything at all.
        let place = if snapshot.event.waiting_room {
            Some(self.admissions.admit(self.store.as_ref(), event.id, admission, now).await?)
        } else {
            None
        };
        let code = request.access_code.as_deref().map(str::trim).filter(|code| !code.is_empty());
        let code_charge = code.map(|_| self.fair_use.try_code(buyer, None, CodeKind::Access)).transpose()?;
        let checked = check_hold_request(&event, request, now);
        if let (Some(code), Some(charge)) = (code, code_charge) {
            if event.unlocked_by(code).next().is_none() {
                charge.failed();
            }
        }
        let items = checked?;
        let hold = NewHold {
            id: Uuid::new_v4(),
            event_id: event.id,
            items: items.iter().map(|(info, quantity)| (info.id, *quantity)).collect(),
            created_at: now,
            expires_at: now + chrono::Duration::from_std(self.hold_ttl).map_err(anyhow::Error::from)?,
            admission_id: place.as_ref().map(|place| place.queue_id.clone()),
        };
        let tickets = hold.items.iter().map(|(_, quantity)| quantity).sum();
        self.fair_use.admit_hold(buyer, event.id, hold.id, tickets, hold.expires_at, now)?;
        let outcome = match self.inventory.hold(hold.clone()).await {
            Ok(HoldOutcome::Created { unit_prices }) => HoldOutcome::Created { unit_prices },
            other => {
                self.fair_use.closed(hold.id);
                other?
            }
        };
        match outcome {
            HoldOutcome::Created { unit_prices } => {
                // Built from what was written, not read back: two queries fewer per hold.
                let mut record = HoldRecord {
                    id: hold.id,
                    event_id: hold.event_id,
                    status: HoldStatus::Active,
                    expires_at: hold.expires_at,
                    created_at: hold.created_at,
                    items: items
                        .iter()
                        .map(|(info, quantity)| HoldItemRecord {
                            ticket_type_id: info.id,
                            name: info.name.clone(),
                            quantity: *quantity,
                            unit_price_minor: unit_prices
                                .iter()
                                .find(|(id, _)| *id == info.id)
                                .map_or(info.price_minor, |(_, price)| *price),
                        })
                        .collect(),
                };
                record.items.sort_by_key(|item| event.position(item.ticket_type_id));
                Ok(hold_view(&record, snapshot, now, None))
            }
            HoldOutcome::Short(left) => Err(sold_out(&items, &left)),
        }
    }

    #[tracing::instrument(skip(self))]
    pub async fn hold(&self, id: &str) -> Result<Hold, ApiError> {
        let (record, event) = self.hold_record(id).await?;
        let card = self.card_options(&record).await?;
        Ok(hold_view(&record, &event.snapshot, store::now(), card))
    }

    /// The hold and the questions checkout asks, for the checkout page.
    #[tracing::instrument(skip(self))]
    pub async fn checkout(&self, id: &str) -> Result<(Hold, Vec<Question>), ApiError> {
        let (record, event) = self.hold_record(id).await?;
        let card = self.card_options(&record).await?;
        Ok((hold_view(&record, &event.snapshot, store::now(), card), event.snapshot.questions.clone()))
    }

    #[tracing::instrument(skip(self))]
    pub async fn release_hold(&self, id: &str) -> Result<Hold, ApiError> {
        let hold_id = parse_hold_id(id)?;
        match self.inventory.release_hold(hold_id, store::now()).await? {
            None => Err(hold_not_found()),
            Some(HoldStatus::Ordered) => {
                Err(ApiError::HoldClosed("These tickets were already ordered, so the hold cannot be released.".into()))
            }
            Some(_) => {
                self.fair_use.closed(hold_id);
                self.hold(id).await
            }
        }
    }

    /// The hold and its event as served.
    pub(super) async fn hold_record(&self, id: &str) -> Result<(HoldRecord, Arc<LoadedEvent>), ApiError> {
        let hold_id = parse_hold_id(id)?;
        let record = self.store.hold(hold_id).await?.ok_or_else(hold_not_found)?;
        let event = self.event_record(record.event_id).await?;
        Ok((record, self.event(&event.slug).await?))
    }

    /// The event of a hold or an order, which know only its id.
    pub(super) async fn event_record(&self, id: i64) -> Result<Arc<crate::store::EventRecord>, ApiError> {
        self.events.record(id).await?.ok_or_else(|| ApiError::NotFound("The event of this order no longer exists.".into()))
    }
}

fn parse_hold_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| hold_not_found())
}

pub(super) fn hold_not_found() -> ApiError {
    ApiError::NotFound("We could not find this hold. It may have been mistyped; start again from the event page.".into())
}

pub(super) fn hold_not_live(status: Option<HoldStatus>) -> ApiError {
    match status {
        None => hold_not_found(),
        Some(HoldStatus::Expired | HoldStatus::Active) => {
            ApiError::HoldExpired("Your hold has expired and the tickets went back on sale. Choose them again on the event page.".into())
        }
        Some(HoldStatus::Released) => {
            ApiError::HoldClosed("This hold was cancelled and its tickets went back on sale. Choose them again on the event page.".into())
        }
        Some(HoldStatus::Ordered) => ApiError::HoldClosed(
            "These tickets were already ordered. Repeat the request with the same Idempotency-Key to see that order.".into(),
        ),
    }
}

/// Checks a hold request against the event's rules; returns each item with its ticket type.
fn check_hold_request<'a>(
    event: &'a LoadedEvent,
    request: &HoldRequest,
    now: DateTime<Utc>,
) -> Result<Vec<(&'a TicketTypeSnapshot, i64)>, ApiError> {
    let snapshot = &event.snapshot;
    let access_code = request.access_code.as_deref().filter(|code| code.chars().count() <= MAX_ACCESS_CODE_CHARS).unwrap_or("");
    if request.items.is_empty() {
        return Err(ApiError::invalid_field("items", "Choose at least one ticket."));
    }
    if request.items.len() > MAX_ITEMS_PER_HOLD {
        return Err(ApiError::invalid_field("items", format!("A hold can have at most {MAX_ITEMS_PER_HOLD} ticket types.")));
    }
    let mut checked = Vec::with_capacity(request.items.len());
    for (i, item) in request.items.iter().enumerate() {
        let field = |name: &str| format!("items[{i}].{name}");
        let public = snapshot.ticket_types.iter().find(|t| t.id == item.ticket_type_id);
        let Some(info) = public.or_else(|| event.unlocked_by(access_code).find(|t| t.id == item.ticket_type_id)) else {
            // The same answer, word for word, for a type that does not exist and for a secret one
            // without its code: ids cannot be used to find out which types are secret.
            return Err(ApiError::invalid_field(
                "access_code",
                "Some of these tickets are not on sale without an access code. Reload the event page to see what is on sale, or enter the code you were given.",
            ));
        };
        if checked.iter().any(|(seen, _): &(&TicketTypeSnapshot, i64)| seen.id == info.id) {
            return Err(ApiError::invalid_field(
                field("ticket_type_id"),
                format!("{} appears twice; send it once with the total quantity.", info.name),
            ));
        }
        if item.quantity < 1 {
            return Err(ApiError::invalid_field(field("quantity"), format!("Choose at least 1 {} ticket.", info.name)));
        }
        if item.quantity < info.min_per_order {
            return Err(ApiError::invalid_field(
                field("quantity"),
                format!("{} tickets are sold in orders of at least {}.", info.name, info.min_per_order),
            ));
        }
        if item.quantity > info.max_per_order {
            return Err(ApiError::invalid_field(
                field("quantity"),
                format!("You can buy at most {} {} tickets per order.", info.max_per_order, info.name),
            ));
        }
        match SaleStatus::at(now, 1, info.sale_starts_at, info.sale_ends_at) {
            SaleStatus::Scheduled => {
                let starts = info.sale_starts_at.unwrap_or(now);
                let wait = app::clock::format_countdown((starts - now).num_seconds());
                return Err(ApiError::NotOnSale(format!("{} goes on sale in {wait}. Try again then.", info.name)));
            }
            SaleStatus::Ended => {
                return Err(ApiError::NotOnSale(format!("The sale of {} has ended.", info.name)));
            }
            SaleStatus::OnSale | SaleStatus::SoldOut => {}
        }
        checked.push((info, item.quantity));
    }
    Ok(checked)
}

fn sold_out(items: &[(&TicketTypeSnapshot, i64)], left: &[(i64, i64)]) -> ApiError {
    let available: Vec<TicketAvailability> = left
        .iter()
        .map(|(id, available)| TicketAvailability {
            id: *id,
            available: *available,
            status: if *available > 0 { SaleStatus::OnSale } else { SaleStatus::SoldOut },
        })
        .collect();
    let sentences: Vec<String> = items
        .iter()
        .filter_map(|(info, wanted)| {
            let left = left.iter().find(|(id, _)| *id == info.id).map(|(_, n)| *n).unwrap_or(0);
            (left < *wanted).then(|| match left {
                0 => format!("{} is sold out.", info.name),
                1 => format!("Only 1 {} ticket is left.", info.name),
                n => format!("Only {n} {} tickets are left.", info.name),
            })
        })
        .collect();
    let message = if sentences.is_empty() {
        "Those tickets just sold out. Please choose again.".to_string()
    } else {
        format!("{} Please choose again.", sentences.join(" "))
    };
    ApiError::SoldOut { message, available }
}
