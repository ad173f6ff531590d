//! Records as the admin API shows them: times also in the event's wall clock (what the forms
//! edit), money also as the decimal the organiser typed.
use super::inputs::{minor_to_decimal, to_local, to_local_opt};
use crate::events::when_display;
use crate::store::{
    AdminEventRecord, DiscountRecord, InvitationRecord, MemberRecord, MembershipRecord, QuestionRecord, TicketTypeRecord, UserRecord,
};
use chrono_tz::Tz;
use contract::admin::{
    AdminEvent, AdminEventSummary, AdminTicketType, Discount, DiscountKind, Invitation, Member, Membership, Question, User,
};

pub fn user(user: &UserRecord) -> User {
    User { id: user.id, name: user.name.clone(), email: user.email.clone() }
}

pub fn membership(m: &MembershipRecord) -> Membership {
    Membership { organisation_id: m.organiser_id, organisation_name: m.organisation_name.clone(), role: m.role }
}

pub fn member(m: &MemberRecord) -> Member {
    Member { user_id: m.user_id, name: m.name.clone(), email: m.email.clone(), role: m.role }
}

pub fn invitation(i: &InvitationRecord) -> Invitation {
    Invitation {
        id: i.id,
        email: i.email.clone(),
        role: i.role,
        invited_by: i.invited_by_name.clone(),
        created_at: i.created_at,
        expires_at: i.expires_at,
    }
}

pub fn zone(timezone: &str) -> Tz {
    timezone.parse().unwrap_or(Tz::UTC)
}

pub fn event_summary(record: &AdminEventRecord) -> AdminEventSummary {
    let e = &record.event;
    AdminEventSummary {
        id: e.id,
        slug: e.slug.clone(),
        title: e.title.clone(),
        starts_at: e.starts_at,
        when_display: when_display(e),
        published: e.published,
        sold: record.sold,
        capacity: record.capacity,
    }
}

pub fn event(
    record: &AdminEventRecord,
    ticket_types: &[TicketTypeRecord],
    questions: &[QuestionRecord],
    discounts: &[DiscountRecord],
) -> AdminEvent {
    let e = &record.event;
    let tz = zone(&e.timezone);
    AdminEvent {
        id: e.id,
        organisation_id: e.organiser_id,
        event: e.details.clone(),
        starts_local: to_local(e.starts_at, tz),
        ends_local: to_local(e.ends_at, tz),
        when_display: when_display(e),
        published: e.published,
        storefront_url: format!("/e/{}", e.slug),
        ticket_types: ticket_types.iter().map(|t| ticket_type(t, tz)).collect(),
        questions: questions.iter().map(question).collect(),
        discounts: discounts.iter().map(|d| discount(d, tz)).collect(),
    }
}

pub fn ticket_type(t: &TicketTypeRecord, tz: Tz) -> AdminTicketType {
    AdminTicketType {
        id: t.id,
        name: t.name.clone(),
        description: t.description.clone(),
        price_minor: t.price_minor,
        price: minor_to_decimal(t.price_minor),
        capacity: t.capacity,
        sold: t.sold,
        held: t.held,
        available: t.available(),
        sale_starts_local: to_local_opt(t.sale_starts_at, tz),
        sale_ends_local: to_local_opt(t.sale_ends_at, tz),
        min_per_order: t.min_per_order,
        max_per_order: t.max_per_order,
        access_code: t.access_code.clone().unwrap_or_default(),
        position: t.position,
    }
}

pub fn discount(d: &DiscountRecord, tz: Tz) -> Discount {
    let amount_display = match d.kind {
        // Hundredths of a percent: 1250 → "12.5", 1000 → "10".
        DiscountKind::Percent => minor_to_decimal(d.amount).trim_end_matches('0').trim_end_matches('.').to_string(),
        DiscountKind::Fixed => minor_to_decimal(d.amount),
    };
    Discount {
        id: d.id,
        code: d.code.clone(),
        kind: d.kind,
        amount: d.amount,
        amount_display,
        max_uses: d.max_uses,
        uses: d.uses,
        expires_local: to_local_opt(d.expires_at, tz),
        ticket_type_ids: d.ticket_type_ids.clone(),
    }
}

pub fn question(q: &QuestionRecord) -> Question {
    Question { id: q.id, label: q.label.clone(), kind: q.kind, options: q.options.clone(), required: q.required, position: q.position }
}
