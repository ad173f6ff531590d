//! The storefront's rules: what may be held, by whom, for how long, and how a hold becomes an order.
//! HTTP handlers and page renderers call this; it calls the [`Store`]. Input is validated here with
//! messages a person can act on; stock is the database's decision (see `store`).
//!
//! Secret ticket types (a type with an access code) are loaded with the event but kept out of its
//! snapshot, which the edge and browsers cache publicly: a buyer sees them only through `unlock`
//! with the right code, and a hold of one must carry that code. A wrong code and a type that does
//! not exist get the same answer, so ids cannot be used to probe for codes. Discount codes are
//! previewed from the hold, and applied for real only in the order's transaction (`store`).
use crate::batch::{Batcher, Orders};
use crate::codes;
use crate::discounts::{self, Refusal};
use crate::error::ApiError;
use crate::gate::Gate;
use crate::inventory::{Inventory, InventorySettings};
use crate::metrics::Metrics;
use crate::payments::Payments;
use crate::snapshots::{LoadedEvent, SecretTicketType, SnapshotCache};
use crate::store::{
    self, AppliedDiscount, DiscountRecord, EventRecord, HoldItemRecord, HoldOutcome, HoldRecord, NewHold, NewOrder, NewTicket,
    OrderOutcome, OrderRecord, Store, TicketTypeRecord,
};
use app::model::{
    Answer, AnswerInput, DiscountPreview, EventSnapshot, EventSummary, Hold, HoldItem, HoldRequest, HoldStatus, Order, OrderRequest,
    Person, Question, SaleStatus, Ticket, TicketAvailability, TicketTypeSnapshot, Unlocked,
};
use app::validate;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Most distinct ticket types in one hold: more is a mistake or abuse, not a purchase.
pub const MAX_ITEMS_PER_HOLD: usize = 20;
/// Longest access code worth comparing; anything longer is simply wrong.
pub const MAX_ACCESS_CODE_CHARS: usize = 100;
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 200;

pub struct Storefront {
    store: Arc<dyn Store>,
    inventory: Arc<Inventory>,
    orders: Batcher<Orders>,
    hold_ttl: Duration,
    payments: Payments,
    snapshots: SnapshotCache,
    /// Events by id, for holds and orders (which know only the id); reused as long as snapshots.
    events_by_id: std::sync::Mutex<std::collections::HashMap<i64, (std::time::Instant, Arc<EventRecord>)>>,
    snapshot_ttl: Duration,
    metrics: Arc<Metrics>,
}

#[derive(Clone, Debug)]
pub struct StorefrontSettings {
    /// How long a hold keeps its tickets out of sale.
    pub hold_ttl: Duration,
    /// How long an event snapshot is reused before the database is asked again.
    pub snapshot_ttl: Duration,
    pub inventory: InventorySettings,
}

impl Storefront {
    /// `gate`: the inventory gate in front of the database, or None for the database alone.
    pub fn new(store: Arc<dyn Store>, gate: Option<Arc<dyn Gate>>, settings: &StorefrontSettings) -> Self {
        let metrics = Arc::new(Metrics::default());
        let inventory = Arc::new(Inventory::new(store.clone(), gate, &settings.inventory, metrics.clone()));
        let batch_metrics = metrics.clone();
        let orders = Batcher::spawn(store.clone(), settings.inventory.batch, Arc::new(move |size| batch_metrics.observe_batch("orders", size)));
        Storefront {
            store,
            inventory,
            orders,
            hold_ttl: settings.hold_ttl,
            payments: Payments::default(),
            snapshots: SnapshotCache::new(settings.snapshot_ttl),
            events_by_id: Default::default(),
            snapshot_ttl: settings.snapshot_ttl,
            metrics,
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn inventory(&self) -> &Arc<Inventory> {
        &self.inventory
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Forgets what this instance cached of an event an organiser just changed, so the change
    /// shows here at once (other instances and the edge pick it up within their cache TTLs, since
    /// the change bumped the event's version).
    pub fn forget_event(&self, event_id: i64, slugs: &[&str]) {
        for slug in slugs {
            self.snapshots.invalidate(slug);
        }
        self.events_by_id.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&event_id);
        self.inventory.reload_event(event_id);
    }

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

    /// The published event as served (snapshot and its JSON), from the micro-cache when fresh.
    #[tracing::instrument(skip(self))]
    pub async fn event(&self, slug: &str) -> Result<Arc<LoadedEvent>, ApiError> {
        let not_found = || ApiError::NotFound(format!("There is no event at \"{slug}\". Check the link, or see all events on the home page."));
        if !is_plausible_slug(slug) {
            return Err(not_found());
        }
        let store = self.store.clone();
        let snapshot = self
            .snapshots
            .get_or_load(slug, async move {
                let Some(event) = store.event_by_slug(slug).await? else {
                    return Ok::<_, ApiError>(None);
                };
                if !event.published {
                    return Ok(None);
                }
                let now = store::now();
                let types = store.ticket_types(event.id, now).await?;
                let questions = store.event_questions(event.id).await?;
                let display_order = types.iter().map(|t| t.id).collect();
                let secret_types = types
                    .iter()
                    .filter_map(|t| {
                        let code = secret_code(t)?;
                        Some(SecretTicketType { access_code: code.to_string(), info: type_snapshot(&event, t, now) })
                    })
                    .collect();
                let snapshot = build_snapshot(&event, &types, &questions, now);
                Ok(Some(LoadedEvent::new(event.id, snapshot, secret_types, display_order)))
            })
            .await?;
        snapshot.ok_or_else(not_found)
    }

    /// The secret ticket types `code` unlocks for this event. Never cached: the answer depends on
    /// the code. A wrong code gets the same sentence whatever codes other events have.
    #[tracing::instrument(skip(self, code))]
    pub async fn unlock(&self, slug: &str, code: &str) -> Result<Unlocked, ApiError> {
        let event = self.event(slug).await?;
        let code = code.trim();
        if code.is_empty() {
            return Err(ApiError::invalid_field("code", "Enter the access code you were given."));
        }
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
            return Err(ApiError::invalid_field("code", "No tickets match this code. Check it and try again."));
        }
        Ok(Unlocked { ticket_types })
    }

    #[tracing::instrument(skip(self, request))]
    pub async fn create_hold(&self, slug: &str, request: &HoldRequest) -> Result<Hold, ApiError> {
        let result = self.try_create_hold(slug, request).await;
        self.metrics.count_hold(match &result {
            Ok(_) => "created",
            Err(ApiError::SoldOut { .. }) => "sold_out",
            Err(ApiError::NotOnSale(_)) => "not_on_sale",
            Err(ApiError::Busy(_)) => "busy",
            Err(_) => "invalid",
        });
        result
    }

    async fn try_create_hold(&self, slug: &str, request: &HoldRequest) -> Result<Hold, ApiError> {
        let event = self.event(slug).await?;
        let snapshot = &event.snapshot;
        let now = store::now();
        let items = check_hold_request(&event, request, now)?;
        let hold = NewHold {
            id: Uuid::new_v4(),
            event_id: event.id,
            items: items.iter().map(|(info, quantity)| (info.id, *quantity)).collect(),
            created_at: now,
            expires_at: now + chrono::Duration::from_std(self.hold_ttl).map_err(anyhow::Error::from)?,
        };
        let mut outcome = self.inventory.hold(hold.clone()).await?;
        if let HoldOutcome::Short(_) = outcome {
            // Stock may be sitting in holds that expired since the reaper last ran: free it, try
            // once more. Only the database path gets here with such stock (the gate is refilled by
            // the reaper), and then the database was asked anyway.
            let expired = self.store.expire_holds(now, 1_000).await?;
            if expired.holds > 0 {
                self.metrics.count_expired_holds(expired.holds);
                self.inventory.give_back(&expired.returned).await;
                outcome = self.inventory.hold(hold.clone()).await?;
            }
        }
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
                Ok(hold_view(&record, snapshot, now))
            }
            HoldOutcome::Short(left) => Err(sold_out(&items, &left)),
        }
    }

    #[tracing::instrument(skip(self))]
    pub async fn hold(&self, id: &str) -> Result<Hold, ApiError> {
        let (record, event) = self.hold_record(id).await?;
        Ok(hold_view(&record, &event.snapshot, store::now()))
    }

    /// The hold and the questions checkout asks, for the checkout page.
    #[tracing::instrument(skip(self))]
    pub async fn checkout(&self, id: &str) -> Result<(Hold, Vec<Question>), ApiError> {
        let (record, event) = self.hold_record(id).await?;
        Ok((hold_view(&record, &event.snapshot, store::now()), event.snapshot.questions.clone()))
    }

    /// What a discount code would take off this hold. A preview: the order checks it again, and
    /// takes its use, in the transaction that writes the order.
    #[tracing::instrument(skip(self, code))]
    pub async fn preview_discount(&self, hold_id: &str, code: &str) -> Result<DiscountPreview, ApiError> {
        let (hold, event) = self.hold_record(hold_id).await?;
        let now = store::now();
        if hold.status != HoldStatus::Active || hold.expires_at <= now {
            return Err(hold_not_live(Some(hold.status)));
        }
        let code = discounts::normalise(code);
        if code.is_empty() {
            return Err(ApiError::invalid_field("discount_code", "Enter a discount code."));
        }
        let (found, discount_minor) = self.check_discount(event.id, &code, &hold, now).await?;
        let subtotal_minor = subtotal(&hold);
        Ok(DiscountPreview {
            description: discounts::describe(found.kind, found.amount, &event.snapshot.currency),
            code: found.code,
            subtotal_minor,
            discount_minor,
            total_minor: (subtotal_minor - discount_minor).max(0),
            currency: event.snapshot.currency.clone(),
        })
    }

    /// The code (upper-cased, not blank) and what it takes off `hold` at `now`, or why it does not
    /// apply, as a message on the `discount_code` field.
    async fn check_discount(&self, event_id: i64, code: &str, hold: &HoldRecord, now: DateTime<Utc>) -> Result<(DiscountRecord, i64), ApiError> {
        let found = if code.chars().count() > discounts::MAX_CODE_CHARS {
            None
        } else {
            self.store.discount_code(event_id, code).await?
        };
        let Some(found) = found else {
            return Err(discount_refused(code, None));
        };
        match discounts::discount_for(&found, &hold.items, now) {
            Ok(minor) => Ok((found, minor.min(subtotal(hold)))),
            Err(refusal) => Err(discount_refused(&found.code, Some(refusal))),
        }
    }

    #[tracing::instrument(skip(self))]
    pub async fn release_hold(&self, id: &str) -> Result<Hold, ApiError> {
        let hold_id = parse_hold_id(id)?;
        let released = self.store.release_hold(hold_id, store::now()).await?;
        if let Some((_, returned)) = &released {
            self.inventory.give_back(returned).await;
        }
        match released.map(|(status, _)| status) {
            None => Err(hold_not_found()),
            Some(HoldStatus::Ordered) => Err(ApiError::HoldClosed(
                "These tickets were already ordered, so the hold cannot be released.".into(),
            )),
            Some(_) => self.hold(id).await,
        }
    }

    /// Places the order, or returns the one already placed with this idempotency key.
    /// The flag is true when this call created it.
    #[tracing::instrument(skip(self, request, idempotency_key))]
    pub async fn place_order(
        &self,
        hold_id: &str,
        idempotency_key: &str,
        request: &OrderRequest,
    ) -> Result<(Order, bool), ApiError> {
        let result = self.try_place_order(hold_id, idempotency_key, request).await;
        self.metrics.count_order(match &result {
            Ok((_, true)) => "created",
            Ok((_, false)) => "replayed",
            Err(_) => "refused",
        });
        result
    }

    async fn try_place_order(
        &self,
        hold_id: &str,
        idempotency_key: &str,
        request: &OrderRequest,
    ) -> Result<(Order, bool), ApiError> {
        check_idempotency_key(idempotency_key)?;
        let (hold, event) = self.hold_record(hold_id).await?;
        let snapshot = &event.snapshot;
        let (buyer, attendees) = check_people(request, &hold)?;
        let answers = check_answers(&snapshot.questions, &request.answers)?;
        let now = store::now();
        let code = request.discount_code.as_deref().map(discounts::normalise).filter(|code| !code.is_empty());
        // A hold that is no longer live cannot be claimed, so this order will not be written: the
        // store answers with the order this key made before (a replay) or says why not. The
        // discount and the payment are only checked for an order that can still be made; checking
        // them on a replay would refuse the retry of an order that used a code's last use.
        let live = hold.status == HoldStatus::Active && hold.expires_at > now;
        let mut discount = None;
        if let (true, Some(code)) = (live, &code) {
            let (found, minor) = self.check_discount(event.id, code, &hold, now).await?;
            discount = Some(AppliedDiscount { code_id: found.id, code: found.code, minor });
        }
        let subtotal_minor = subtotal(&hold);
        let total_minor = (subtotal_minor - discount.as_ref().map_or(0, |discount| discount.minor)).max(0);
        let status = if live {
            self.payments.provider(request.payment)?.settle(total_minor, &snapshot.currency).await?.order_status()
        } else {
            app::model::OrderStatus::Confirmed
        };
        let tickets = hold
            .items
            .iter()
            .flat_map(|item| std::iter::repeat_n(item.ticket_type_id, item.quantity as usize))
            .zip(attendees)
            .map(|(ticket_type_id, attendee)| NewTicket {
                ticket_type_id,
                code: codes::ticket_code(),
                attendee_name: attendee.name,
                attendee_email: attendee.email,
            })
            .collect();
        let order = NewOrder {
            hold_id: hold.id,
            idempotency_key: idempotency_key.to_string(),
            reference: codes::order_reference(),
            access_token: codes::access_token(),
            buyer_name: buyer.name,
            buyer_email: buyer.email,
            status,
            payment: request.payment,
            total_minor,
            currency: snapshot.currency.clone(),
            created_at: store::now(),
            tickets,
            discount,
            answers,
        };
        // Orders with a code skip the group commit: the code's conditional UPDATE may refuse one,
        // and it must not take a batch down with it.
        let discount_code = order.discount.as_ref().map(|discount| discount.code.clone());
        let outcome = if discount_code.is_some() { self.store.place_order(&order).await? } else { self.orders.submit(order).await? };
        let (record, created) = match outcome {
            OrderOutcome::Created(record) => (record, true),
            OrderOutcome::Replayed(record) => (record, false),
            OrderOutcome::KeyReused => {
                return Err(ApiError::IdempotencyKeyReused(
                    "This Idempotency-Key was already used for another checkout. Send a new key for each checkout.".into(),
                ))
            }
            OrderOutcome::HoldNotLive(status) => return Err(hold_not_live(status)),
            OrderOutcome::DiscountRefused => {
                // Used up, expired or removed since it was checked: say which, as it is now.
                let code = discount_code.unwrap_or_default();
                let refusal = match self.store.discount_code(event.id, &code).await? {
                    None => None,
                    Some(found) => Some(discounts::discount_for(&found, &hold.items, store::now()).err().unwrap_or(Refusal::UsedUp)),
                };
                return Err(discount_refused(&code, refusal));
            }
        };
        if created {
            tracing::debug!(reference = %record.reference, tickets = record.tickets.len(), "order placed");
        }
        Ok((self.order_view(record).await?, created))
    }

    #[tracing::instrument(skip(self, access_token))]
    pub async fn order(&self, access_token: &str) -> Result<Order, ApiError> {
        let not_found = || ApiError::NotFound("We could not find an order at this link. Check that you copied all of it.".into());
        if !codes::looks_like_access_token(access_token) {
            return Err(not_found());
        }
        let record = self.store.order_by_token(access_token).await?.ok_or_else(not_found)?;
        self.order_view(record).await
    }

    /// The QR code of one ticket of an order, as SVG.
    pub async fn ticket_qr(&self, access_token: &str, code: &str) -> Result<String, ApiError> {
        let order = self.order(access_token).await?;
        if !order.tickets.iter().any(|ticket| ticket.code == code) {
            return Err(ApiError::NotFound("This order has no ticket with that code.".into()));
        }
        Ok(crate::qr::ticket_svg(code)?)
    }

    /// Returns every hold expired by now to sale. Run periodically by the reaper.
    pub async fn expire_holds(&self) -> Result<u64, ApiError> {
        let mut total = 0;
        loop {
            let expired = self.store.expire_holds(store::now(), 500).await?;
            self.metrics.count_expired_holds(expired.holds);
            self.inventory.give_back(&expired.returned).await;
            total += expired.holds;
            if expired.holds < 500 {
                return Ok(total);
            }
        }
    }

    async fn hold_record(&self, id: &str) -> Result<(HoldRecord, Arc<LoadedEvent>), ApiError> {
        let hold_id = parse_hold_id(id)?;
        let record = self.store.hold(hold_id).await?.ok_or_else(hold_not_found)?;
        let event = self.event_by_id(record.event_id).await?;
        Ok((record, self.event(&event.slug).await?))
    }

    async fn event_by_id(&self, id: i64) -> Result<Arc<EventRecord>, ApiError> {
        let cached = |events: &std::collections::HashMap<i64, (std::time::Instant, Arc<EventRecord>)>| {
            events.get(&id).filter(|(at, _)| at.elapsed() < self.snapshot_ttl).map(|(_, event)| event.clone())
        };
        if let Some(event) = cached(&self.events_by_id.lock().unwrap_or_else(|poisoned| poisoned.into_inner())) {
            return Ok(event);
        }
        let event = Arc::new(
            self.store
                .event_by_id(id)
                .await?
                .ok_or_else(|| ApiError::NotFound("The event of this order no longer exists.".into()))?,
        );
        if !self.snapshot_ttl.is_zero() {
            let mut events = self.events_by_id.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            // Bounded: old entries go when the map grows past what one origin sells at once.
            if events.len() > 10_000 {
                events.retain(|_, (at, _)| at.elapsed() < self.snapshot_ttl);
            }
            events.insert(id, (std::time::Instant::now(), event.clone()));
        }
        Ok(event)
    }

    async fn order_view(&self, record: OrderRecord) -> Result<Order, ApiError> {
        let event = self.event_by_id(record.event_id).await?;
        let token = record.access_token;
        Ok(Order {
            url: format!("/o/{token}"),
            reference: record.reference,
            status: record.status,
            payment: record.payment,
            event_slug: event.slug.clone(),
            event_title: event.title.clone(),
            event_when_display: when_display(&event),
            venue: event.venue.clone(),
            buyer: Person { name: record.buyer_name, email: record.buyer_email },
            total_minor: record.total_minor,
            discount_minor: record.discount_minor,
            discount_code: record.discount_code,
            currency: record.currency,
            created_at: record.created_at,
            answers: record.answers,
            tickets: record
                .tickets
                .into_iter()
                .map(|ticket| Ticket {
                    qr_url: format!("/api/orders/{token}/tickets/{}/qr.svg", ticket.code),
                    code: ticket.code,
                    ticket_type_name: ticket.ticket_type_name,
                    attendee: Person { name: ticket.attendee_name, email: ticket.attendee_email },
                })
                .collect(),
        })
    }
}

fn is_plausible_slug(slug: &str) -> bool {
    (1..=100).contains(&slug.len()) && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn parse_hold_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| hold_not_found())
}

fn hold_not_found() -> ApiError {
    ApiError::NotFound("We could not find this hold. It may have been mistyped; start again from the event page.".into())
}

fn hold_not_live(status: Option<HoldStatus>) -> ApiError {
    match status {
        None => hold_not_found(),
        Some(HoldStatus::Expired | HoldStatus::Active) => ApiError::HoldExpired(
            "Your hold has expired and the tickets went back on sale. Choose them again on the event page.".into(),
        ),
        Some(HoldStatus::Released) => ApiError::HoldClosed(
            "This hold was cancelled and its tickets went back on sale. Choose them again on the event page.".into(),
        ),
        Some(HoldStatus::Ordered) => ApiError::HoldClosed(
            "These tickets were already ordered. Repeat the request with the same Idempotency-Key to see that order.".into(),
        ),
    }
}

/// The type's access code when it is secret. A blank code is no secret: the admin form sends an
/// empty field for a public type.
fn secret_code(t: &TicketTypeRecord) -> Option<&str> {
    t.access_code.as_deref().map(str::trim).filter(|code| !code.is_empty())
}

fn type_snapshot(event: &EventRecord, t: &TicketTypeRecord, now: DateTime<Utc>) -> TicketTypeSnapshot {
    let available = t.available();
    TicketTypeSnapshot {
        id: t.id,
        name: t.name.clone(),
        description: t.description.clone(),
        price_minor: t.price_minor,
        currency: event.currency.clone(),
        available,
        min_per_order: t.min_per_order,
        max_per_order: t.max_per_order,
        sale_starts_at: t.sale_starts_at,
        sale_ends_at: t.sale_ends_at,
        status: SaleStatus::at(now, available, t.sale_starts_at, t.sale_ends_at),
    }
}

/// Builds the public snapshot of an event from its records, as of `now`: secret ticket types are
/// left out, since snapshots are cached by anyone.
pub fn build_snapshot(event: &EventRecord, types: &[TicketTypeRecord], questions: &[Question], now: DateTime<Utc>) -> EventSnapshot {
    EventSnapshot {
        version: event.version,
        slug: event.slug.clone(),
        title: event.title.clone(),
        description: event.description.clone(),
        venue: event.venue.clone(),
        timezone: event.timezone.clone(),
        starts_at: event.starts_at,
        ends_at: event.ends_at,
        when_display: when_display(event),
        currency: event.currency.clone(),
        ticket_types: types.iter().filter(|t| secret_code(t).is_none()).map(|t| type_snapshot(event, t, now)).collect(),
        generated_at: now,
        questions: questions.to_vec(),
    }
}

/// "Sat 12 Dec 2026, 20:00–23:30" in the event's own timezone (UTC if the zone is unknown).
pub fn when_display(event: &EventRecord) -> String {
    let tz: chrono_tz::Tz = event.timezone.parse().unwrap_or(chrono_tz::UTC);
    let (starts, ends) = (event.starts_at.with_timezone(&tz), event.ends_at.with_timezone(&tz));
    let start_text = starts.format("%a %-d %b %Y, %H:%M");
    if starts.date_naive() == ends.date_naive() {
        format!("{start_text}–{}", ends.format("%H:%M"))
    } else {
        format!("{start_text} – {}", ends.format("%a %-d %b, %H:%M"))
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

fn check_idempotency_key(key: &str) -> Result<(), ApiError> {
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid_field(
            "Idempotency-Key",
            format!(
                "Send an Idempotency-Key header: 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters, new for each checkout (a UUID works)."
            ),
        ));
    }
    Ok(())
}

fn check_people(request: &OrderRequest, hold: &HoldRecord) -> Result<(Person, Vec<Person>), ApiError> {
    let clean = |person: &Person| Person { name: person.name.trim().to_string(), email: person.email.trim().to_string() };
    let check = |prefix: &str, person: &Person| -> Result<(), ApiError> {
        validate::name(&person.name).map_err(|message| ApiError::invalid_field(format!("{prefix}.name"), message))?;
        validate::email(&person.email).map_err(|message| ApiError::invalid_field(format!("{prefix}.email"), message))
    };
    let buyer = clean(&request.buyer);
    check("buyer", &buyer)?;
    let tickets: i64 = hold.items.iter().map(|item| item.quantity).sum();
    if request.attendees.len() as i64 != tickets {
        return Err(ApiError::invalid_field(
            "attendees",
            format!("This order has {tickets} ticket(s), so send {tickets} attendee(s); got {}.", request.attendees.len()),
        ));
    }
    let attendees: Vec<Person> = request.attendees.iter().map(clean).collect();
    for (i, attendee) in attendees.iter().enumerate() {
        check(&format!("attendees[{i}]"), attendee)?;
    }
    Ok((buyer, attendees))
}

fn subtotal(hold: &HoldRecord) -> i64 {
    hold.items.iter().map(|item| item.quantity * item.unit_price_minor).sum()
}

/// Why a discount code does not apply, on the `discount_code` field. `refusal` None: no such code
/// for this event.
fn discount_refused(code: &str, refusal: Option<Refusal>) -> ApiError {
    let shown = if code.chars().count() <= discounts::MAX_CODE_CHARS { format!("\u{201c}{code}\u{201d}") } else { "this".to_string() };
    let message = match refusal {
        None => format!("There is no discount code {shown} for this event. Check the spelling, or order without it."),
        Some(Refusal::Expired) => format!("The discount code {shown} has expired. Remove it to order without it."),
        Some(Refusal::UsedUp) => {
            format!("The discount code {shown} has been used as many times as it allows. Remove it to order without it.")
        }
        Some(Refusal::NotEligible) => {
            format!("The discount code {shown} is not valid for the tickets in this order. Remove it to order without it.")
        }
    };
    ApiError::invalid_field("discount_code", message)
}

/// Checks the buyer's answers against the event's questions; returns what to store, in the
/// questions' order, labels copied. Blank answers to optional questions are not stored.
fn check_answers(questions: &[Question], answers: &[AnswerInput]) -> Result<Vec<Answer>, ApiError> {
    let field = |id: i64| format!("answers.{id}");
    let mut given: Vec<(&Question, String)> = Vec::with_capacity(answers.len());
    for input in answers {
        let Some(question) = questions.iter().find(|q| q.id == input.question_id) else {
            return Err(ApiError::invalid_field(
                field(input.question_id),
                "This question is no longer asked for this event. Reload the checkout page.",
            ));
        };
        if given.iter().any(|(seen, _)| seen.id == question.id) {
            return Err(ApiError::invalid_field(field(question.id), format!("\u{201c}{}\u{201d} is answered twice; send one answer.", question.label)));
        }
        let answer = input.answer.trim().to_string();
        validate::answer(question, &answer).map_err(|message| ApiError::invalid_field(field(question.id), message))?;
        given.push((question, answer));
    }
    for question in questions {
        let answered = given.iter().any(|(q, answer)| q.id == question.id && !answer.is_empty());
        if !answered {
            validate::answer(question, "").map_err(|message| ApiError::invalid_field(field(question.id), message))?;
        }
    }
    let mut stored: Vec<Answer> = given
        .into_iter()
        .filter(|(_, answer)| !answer.is_empty())
        .map(|(question, answer)| Answer { question_id: question.id, label: question.label.clone(), answer })
        .collect();
    stored.sort_by_key(|answer| questions.iter().position(|q| q.id == answer.question_id));
    Ok(stored)
}

fn hold_view(record: &HoldRecord, snapshot: &EventSnapshot, now: DateTime<Utc>) -> Hold {
    let status = if record.status == HoldStatus::Active && record.expires_at <= now { HoldStatus::Expired } else { record.status };
    let items: Vec<HoldItem> = record
        .items
        .iter()
        .map(|item| HoldItem {
            ticket_type_id: item.ticket_type_id,
            name: item.name.clone(),
            quantity: item.quantity,
            unit_price_minor: item.unit_price_minor,
            line_total_minor: item.quantity * item.unit_price_minor,
        })
        .collect();
    Hold {
        id: record.id.to_string(),
        status,
        event_slug: snapshot.slug.clone(),
        event_title: snapshot.title.clone(),
        event_when_display: snapshot.when_display.clone(),
        expires_at: record.expires_at,
        total_minor: items.iter().map(|item| item.line_total_minor).sum(),
        items,
        currency: snapshot.currency.clone(),
    }
}
