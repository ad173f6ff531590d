//! Records as the admin API shows them: times also in the event's wall clock (what the forms
//! edit), money also as the decimal the organiser typed.
use super::inputs::{minor_to_decimal, to_local, to_local_opt};
use crate::events::when_display;
use crate::store::{
    AdminEventRecord, AdminOrderRecord, DiscountRecord, ExportRecord, InvitationRecord, MemberRecord, MembershipRecord, OrderSummaryRecord,
    QuestionRecord, TicketTypeRecord, UserRecord,
};
use chrono_tz::Tz;
use contract::admin::{
    AdminEvent, AdminEventSummary, AdminOrder, AdminOrderSummary, AdminTicket, AdminTicketType, Answer, Discount, DiscountKind, ExportJob,
    Invitation, Member, Membership, Question, User,
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
        organisation_id: record.organiser_id,
        slug: e.slug.clone(),
        title: e.title.clone(),
        description: e.description.clone(),
        venue: e.venue.clone(),
        timezone: e.timezone.clone(),
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        starts_local: to_local(e.starts_at, tz),
        ends_local: to_local(e.ends_at, tz),
        when_display: when_display(e),
        currency: e.currency.clone(),
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

pub fn order_summary(o: &OrderSummaryRecord) -> AdminOrderSummary {
    AdminOrderSummary {
        id: o.id,
        reference: o.reference.clone(),
        buyer_name: o.buyer_name.clone(),
        buyer_email: o.buyer_email.clone(),
        tickets: o.tickets,
        total_minor: o.total_minor,
        currency: o.currency.clone(),
        status: o.status,
        created_at: o.created_at,
    }
}

pub fn order(o: &AdminOrderRecord) -> AdminOrder {
    AdminOrder {
        id: o.id,
        event_id: o.event_id,
        reference: o.reference.clone(),
        status: o.status,
        payment: o.payment,
        buyer_name: o.buyer_name.clone(),
        buyer_email: o.buyer_email.clone(),
        total_minor: o.total_minor,
        discount_minor: o.discount_minor,
        discount_code: o.discount_code.clone(),
        currency: o.currency.clone(),
        created_at: o.created_at,
        cancelled_at: o.cancelled_at,
        refunded_minor: o.refunded_minor,
        tickets: o
            .tickets
            .iter()
            .map(|t| AdminTicket {
                code: t.code.clone(),
                ticket_type_id: t.ticket_type_id,
                ticket_type_name: t.ticket_type_name.clone(),
                attendee_name: t.attendee_name.clone(),
                attendee_email: t.attendee_email.clone(),
                checked_in_at: t.checked_in_at,
            })
            .collect(),
        answers: o
            .answers
            .iter()
            .map(|a| Answer { question_id: a.question_id, label: a.label.clone(), answer: a.answer.clone() })
            .collect(),
        confirmation_sent_at: o.confirmation_sent_at,
    }
}

pub fn export(e: &ExportRecord) -> ExportJob {
    ExportJob {
        id: e.id,
        event_id: e.event_id,
        status: e.status,
        done: e.done,
        total: e.total,
        created_at: e.created_at,
        finished_at: e.finished_at,
        error: e.error.clone(),
    }
}
