//! The JSON contract between the origin, the edge and the browser. Field names here are the public API
//! (docs/api.md): change them only together with the docs and every consumer.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub type TicketTypeId = i64;

/// A published event as listed on the storefront's front page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventSummary {
    pub slug: String,
    pub title: String,
    pub venue: String,
    pub starts_at: DateTime<Utc>,
    /// The start in the event's own timezone, ready to show ("Sat 12 Dec 2026, 20:00").
    pub when_display: String,
}

/// What an organiser sets of an event: the store's columns, and the same fields in the storefront's
/// snapshot and the admin API (flattened there, so the JSON has them at the top level).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct EventDetails {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    /// IANA name ("Europe/London"): the wall clock the event's times are shown and edited in.
    pub timezone: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub currency: String,
    /// Whether buyers may pay at the door or by invoice: the days an order may stay unpaid before
    /// it is cancelled and its tickets go back on sale. None (the default): they may not.
    #[serde(default)]
    pub offline_payment_days: Option<i64>,
    /// Whether buyers may pay by card, once the organisation has connected its payment account.
    /// On by default: an organiser turns it off for an event sold only at the door or by invoice.
    #[serde(default = "crate::model::yes")]
    pub card_payments: bool,
    /// Whether a sold-out ticket type offers its waiting list (on by default).
    #[serde(default = "crate::model::yes")]
    pub waiting_list: bool,
    /// How long a waiting-list offer keeps its tickets for the person it was made to.
    #[serde(default = "crate::model::default_offer_minutes")]
    pub waiting_list_offer_minutes: i64,
    /// Whether buyers reach the sale through the edge's waiting room (off by default): the origin
    /// then takes holds only with an admission (`rules::admission`).
    #[serde(default)]
    pub waiting_room: bool,
    /// Buyers the room lets in per minute.
    #[serde(default = "crate::model::default_room_per_minute")]
    pub waiting_room_per_minute: i64,
    /// Most buyers in at once (let in, not yet done).
    #[serde(default = "crate::model::default_room_max_active")]
    pub waiting_room_max_active: i64,
}

/// Four hours: long enough to see an email and pay, short enough that the next in line is not
/// kept waiting for a day.
pub const DEFAULT_OFFER_MINUTES: i64 = 240;

pub(crate) fn default_offer_minutes() -> i64 {
    DEFAULT_OFFER_MINUTES
}

/// 50 buyers a second: one origin on two cores takes about 1,000 holds and 70 orders a second in
/// a flash sale (docs/operations.md, "Measured"), and each buyer makes a few requests.
pub const DEFAULT_ROOM_PER_MINUTE: i64 = 3_000;
/// Enough for 20 seconds at the default rate: buyers take that long to choose and pay.
pub const DEFAULT_ROOM_MAX_ACTIVE: i64 = 1_000;
/// The bounds of both room settings.
pub const ROOM_SETTING_RANGE: std::ops::RangeInclusive<i64> = 1..=1_000_000;

pub(crate) fn default_room_per_minute() -> i64 {
    DEFAULT_ROOM_PER_MINUTE
}

pub(crate) fn default_room_max_active() -> i64 {
    DEFAULT_ROOM_MAX_ACTIVE
}

/// serde's default for settings that are on unless turned off.
pub(crate) fn yes() -> bool {
    true
}

/// Everything the event page shows, as of `generated_at`. `version` changes whenever the organiser
/// edits the event or its ticket types; availability changes do not bump it. It derefs to its
/// details, so `snapshot.title` reads as the field it is in the JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventSnapshot {
    /// The event's id: what the waiting room's admissions name (`rules::admission`).
    #[serde(default)]
    pub event_id: i64,
    pub version: i64,
    #[serde(flatten)]
    pub event: EventDetails,
    pub when_display: String,
    /// Public ticket types only: a type with an access code is never here, because snapshots (and
    /// the pages made from them) are cached publicly. Buyers with a code get it from `unlock`.
    pub ticket_types: Vec<TicketTypeSnapshot>,
    pub generated_at: DateTime<Utc>,
    /// What checkout asks each buyer, in order.
    #[serde(default)]
    pub questions: Vec<Question>,
}

impl std::ops::Deref for EventSnapshot {
    type Target = EventDetails;

    fn deref(&self) -> &EventDetails {
        &self.event
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Text,
    Choice,
}

words!(QuestionKind { Text => "text", Choice => "choice" });

/// An event's checkout question: in the public snapshot (the storefront asks it) and in the admin
/// API (organisers edit it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: i64,
    pub label: String,
    pub kind: QuestionKind,
    pub options: Vec<String>,
    pub required: bool,
    pub position: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketTypeSnapshot {
    pub id: TicketTypeId,
    pub name: String,
    pub description: String,
    pub price_minor: i64,
    pub currency: String,
    pub available: i64,
    pub min_per_order: i64,
    pub max_per_order: i64,
    pub sale_starts_at: Option<DateTime<Utc>>,
    pub sale_ends_at: Option<DateTime<Utc>>,
    pub status: SaleStatus,
}

/// Computed by [`SaleStatus::at`](crate::rules::sale), the one home of the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaleStatus {
    OnSale,
    SoldOut,
    /// The sale has not started yet.
    Scheduled,
    /// The sale window has closed.
    Ended,
}

/// Where a visitor stands in an event's waiting room: the queue page's poll
/// (`GET /api/events/{slug}/queue`, answered at the edge).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum QueueState {
    /// Before the on-sale: places are drawn by lot at `opens_at` among the `in_line` here.
    PreQueue { opens_at: DateTime<Utc>, in_line: u64 },
    /// In line: `position` 1 is next.
    Waiting { position: u64, estimated_wait_seconds: i64 },
    /// This visitor's turn, until `until`: the admission is in the room's cookie.
    Admitted { until: DateTime<Utc> },
    /// Nothing left to sell: the line has ended for everyone (the event page offers the waiting list).
    SoldOut,
    /// The event has no waiting room (any more): straight to its page.
    Open,
}

/// What an event's waiting room says of itself. The edge's room sends it to the origins every few
/// seconds while it is asked (`POST /api/rooms/{event_id}/report`, sealed with the room's key).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct RoomReport {
    /// In the pre-queue or in line.
    pub in_queue: i64,
    /// Let in since the room opened.
    pub admitted: i64,
    /// Let in and not yet done (ordered, or out of time).
    pub active: i64,
    /// How long the last in line would wait now.
    pub estimated_wait_seconds: i64,
    /// The pace now: the organiser's, or less while the origin is over its capacity.
    pub per_minute_now: i64,
    pub sold_out: bool,
}

/// The queue page's poll answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueStatus {
    #[serde(flatten)]
    pub state: QueueState,
    /// When to ask again.
    pub poll_after_ms: u32,
}

/// The cheap, pollable part of a snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Availability {
    pub version: i64,
    pub generated_at: DateTime<Utc>,
    pub ticket_types: Vec<TicketAvailability>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketAvailability {
    pub id: TicketTypeId,
    pub available: i64,
    pub status: SaleStatus,
}

impl From<&EventSnapshot> for Availability {
    fn from(snapshot: &EventSnapshot) -> Self {
        Availability {
            version: snapshot.version,
            generated_at: snapshot.generated_at,
            ticket_types: snapshot
                .ticket_types
                .iter()
                .map(|t| TicketAvailability { id: t.id, available: t.available, status: t.status })
                .collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HoldRequest {
    pub items: Vec<HoldRequestItem>,
    /// Required when an item is a secret ticket type: the code that unlocked it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_code: Option<String>,
}

/// `GET /api/events/{slug}/unlock?code=`: the secret ticket types this code opens, shaped like the
/// snapshot's (never cached: `Cache-Control: no-store`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unlocked {
    pub ticket_types: Vec<TicketTypeSnapshot>,
}

/// Quantities are signed on purpose: a negative number is a mistake to explain, not a parse error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HoldRequestItem {
    pub ticket_type_id: TicketTypeId,
    pub quantity: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldStatus {
    Active,
    Expired,
    Released,
    Ordered,
}

words!(HoldStatus { Active => "active", Expired => "expired", Released => "released", Ordered => "ordered" });

/// Tickets set aside for one buyer until `expires_at`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hold {
    pub id: String,
    pub status: HoldStatus,
    pub event_slug: String,
    pub event_title: String,
    pub event_when_display: String,
    pub expires_at: DateTime<Utc>,
    pub items: Vec<HoldItem>,
    pub total_minor: i64,
    pub currency: String,
    /// Card payment, when the event offers it: what the checkout page needs to take a card. Read
    /// the hold (`GET /api/holds/{id}`) for it: the answer to the hold's creation leaves it out, so
    /// that an on-sale's holds ask nothing more of the database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<crate::payment::CardOptions>,
    /// Whether the event also takes payment at the door or by invoice (`offline_payment_days`):
    /// checkout offers it beside the card, and it is how to pay where the card field cannot run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pay_later: bool,
}

impl Hold {
    pub fn ticket_count(&self) -> i64 {
        self.items.iter().map(|item| item.quantity).sum()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HoldItem {
    pub ticket_type_id: TicketTypeId,
    pub name: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub line_total_minor: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub email: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Nothing to pay: only for orders whose total is zero.
    Free,
    /// Paid at the door or by invoice; the tickets are issued now.
    Offline,
    /// Paid by card through the organiser's payment provider; the order exists only once paid
    /// (`crate::payment`).
    Card,
}

words!(PaymentMethod { Free => "free", Offline => "offline", Card => "card" });

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub buyer: Person,
    pub attendees: Vec<Person>,
    pub payment: PaymentMethod,
    /// Applied when the order is written, and only then: a code used up meanwhile refuses the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    /// One per question of the event's `questions` that the buyer answered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<AnswerInput>,
}

/// A buyer's answer to one of the event's checkout questions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerInput {
    pub question_id: i64,
    pub answer: String,
}

/// An answer as stored with an order: the question's label as it was asked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Answer {
    pub question_id: i64,
    pub label: String,
    pub answer: String,
}

/// `GET /api/holds/{id}/discount?code=`: what the code would take off this hold. A preview: the
/// order applies the code again, authoritatively.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiscountPreview {
    /// As stored (upper case).
    pub code: String,
    /// "10% off", "€5.00 off each ticket".
    pub description: String,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    pub currency: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Paid (or free): the tickets are valid.
    Confirmed,
    /// Tickets issued, payment expected at the door or by invoice.
    AwaitingPayment,
}

words!(OrderStatus { Confirmed => "confirmed", AwaitingPayment => "awaiting_payment" });

/// `POST /api/events/{slug}/waiting-list`: join a sold-out type's waiting list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitingListRequest {
    pub ticket_type_id: TicketTypeId,
    pub name: String,
    pub email: String,
    pub quantity: i64,
}

/// Where a place on the waiting list stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitingListPlace {
    pub ticket_type_name: String,
    pub quantity: i64,
    /// `waiting`, or `offered` (tickets are kept for them: the link is in their email).
    pub state: String,
    /// Place in line while waiting (1: next).
    pub position: Option<i64>,
    /// Until when an offer keeps its tickets.
    pub offer_expires_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Short and human-friendly, for support and the door ("STP-7K4Q9M").
    pub reference: String,
    pub status: OrderStatus,
    pub payment: PaymentMethod,
    pub event_slug: String,
    pub event_title: String,
    pub event_when_display: String,
    pub venue: String,
    pub buyer: Person,
    /// What was paid (or is due): after the discount.
    pub total_minor: i64,
    /// Taken off by `discount_code`; 0 without one.
    #[serde(default)]
    pub discount_minor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub tickets: Vec<Ticket>,
    /// The buyer's answers to the event's questions, labels as they were asked.
    #[serde(default)]
    pub answers: Vec<Answer>,
    /// The secret link to this order's page: whoever has it can see the tickets.
    pub url: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Unguessable; what the QR code carries and the door scans.
    pub code: String,
    pub ticket_type_name: String,
    pub attendee: Person,
    /// Where the ticket's QR code (SVG) can be fetched.
    pub qr_url: String,
}

/// Every 4xx and 5xx body of the API. `error` is an [`ErrorCode`](crate::rules::ErrorCode) as
/// text ([`ApiErrorBody::code`] reads it back).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// Stable and machine-readable: [`ErrorCode::as_str`](crate::rules::ErrorCode::as_str).
    pub error: String,
    /// A sentence a person can act on.
    pub message: String,
    /// For validation errors: which field ("attendees[1].email").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `sold_out`: what is left of each ticket type asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<Vec<TicketAvailability>>,
}
