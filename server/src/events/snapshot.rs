//! An event's public snapshot, built from its records as of a moment.
//!
//! Policy: secret ticket types (a type with an access code) are loaded with the event but kept out
//! of its snapshot, which the edge and browsers cache publicly; they sit beside it in the
//! [`LoadedEvent`], for holds and `unlock` to find. A blank code is no secret: the admin form sends
//! an empty field for a public type.
use super::loaded::{LoadedEvent, SecretTicketType};
use crate::store::{self, EventRecord, Store, StoreResult, TicketTypeRecord};
use chrono::{DateTime, Utc};
use contract::model::{EventDetails, EventSnapshot, Question, SaleStatus, TicketTypeSnapshot};

/// The published event at `slug` as of now, or None when there is none (or it is unpublished).
pub async fn load(store: &dyn Store, slug: &str) -> StoreResult<Option<LoadedEvent>> {
    let Some(event) = store.event_by_slug(slug).await? else {
        return Ok(None);
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
        .filter_map(|t| Some(SecretTicketType { access_code: secret_code(t)?.to_string(), info: type_snapshot(&event, t, now) }))
        .collect();
    let snapshot = build_snapshot(&event, &types, &questions, now);
    Ok(Some(LoadedEvent::new(event.id, snapshot, secret_types, display_order)))
}

/// Builds the public snapshot of an event from its records, as of `now`: secret ticket types are
/// left out, since snapshots are cached by anyone.
pub fn build_snapshot(event: &EventRecord, types: &[TicketTypeRecord], questions: &[Question], now: DateTime<Utc>) -> EventSnapshot {
    EventSnapshot {
        event_id: event.id,
        version: event.version,
        event: event.details.clone(),
        when_display: when_display(event),
        ticket_types: types.iter().filter(|t| secret_code(t).is_none()).map(|t| type_snapshot(event, t, now)).collect(),
        generated_at: now,
        questions: questions.to_vec(),
    }
}

/// "Sat 12 Dec 2026, 20:00–23:30" in the event's own timezone (UTC if the zone is unknown).
pub fn when_display(event: &EventDetails) -> String {
    let tz: chrono_tz::Tz = event.timezone.parse().unwrap_or(chrono_tz::UTC);
    let (starts, ends) = (event.starts_at.with_timezone(&tz), event.ends_at.with_timezone(&tz));
    let start_text = starts.format("%a %-d %b %Y, %H:%M");
    if starts.date_naive() == ends.date_naive() {
        format!("{start_text}–{}", ends.format("%H:%M"))
    } else {
        format!("{start_text} – {}", ends.format("%a %-d %b, %H:%M"))
    }
}

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
