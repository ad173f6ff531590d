//! The admin API's JSON contract (docs/api.md, "Admin API"), shared by the origin that serves it and
//! the admin SPA that calls it. Everything is under `/admin/api`.
//!
//! Policy: inputs are the shape of the forms that send them. Prices are decimal strings ("25.00"),
//! times are the event's local wall-clock time ("2026-12-12T20:00", as an `<input type=datetime-local>`
//! gives it), so every mistake is found by the origin and named by its field (`ApiErrorBody::field`),
//! never swallowed by a JSON parse error that cannot say which box was wrong.
pub use crate::model::{Answer, Question, QuestionKind};
use crate::model::{EventDetails, OrderStatus, PaymentMethod, TicketTypeId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The header every state-changing admin request must carry, with [`SessionInfo::csrf_token`].
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything.
    Viewer,
    /// Runs events: everything but the membership.
    Admin,
    /// Everything, members included.
    Owner,
}

words!(Role { Viewer => "viewer", Admin => "admin", Owner => "owner" });

/// `GET /session`: who is signed in (if anyone) and the CSRF token to send back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub csrf_token: String,
    pub user: Option<User>,
    pub memberships: Vec<Membership>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    pub organisation_id: i64,
    pub organisation_name: String,
    pub role: Role,
}

/// `POST /signup`: a new user and the organisation they own, once the address is confirmed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignUp {
    pub name: String,
    pub email: String,
    pub password: String,
    pub organisation: String,
}

/// The answer to `POST /signup` (202), the same whether the address has an account or not: a
/// link went to the address (or, if it has an account, a note saying someone tried).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignUpSent {
    pub email: String,
    pub message: String,
}

/// The token of an emailed link, as the admin app posts it back (`POST /signup/confirm`,
/// `POST /invitations/lookup`, `POST /invitations/accept`). Tokens travel in bodies, never in
/// URLs: the emailed link carries it in its fragment, which browsers do not send.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkToken {
    pub token: String,
}

/// Where the emailed links lead in the admin app (under `/admin`), with the token after `#`.
pub const CONFIRM_PAGE: &str = "/confirm";
pub const INVITATION_PAGE: &str = "/invitation";

/// `POST /signin`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// `POST /organisations/{id}/invitations`: invites an address (with or without an account) to
/// become a member with this role, once they accept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberInput {
    pub email: String,
    pub role: String,
}

/// A pending invitation, as the organisation's members see it (`GET /organisations/{id}/invitations`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// `POST /invitations/lookup`: what an invitation link is for, shown before accepting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationDetails {
    pub organisation_name: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub expires_at: DateTime<Utc>,
}

/// `POST /invitations/signup`: a new account for the invited address, a member at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitedSignUp {
    pub token: String,
    pub name: String,
    pub password: String,
}

/// `PUT /organisations/{id}/members/{user_id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleInput {
    pub role: String,
}

/// `POST /organisations/{id}/events`, `PUT /events/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventInput {
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub venue: String,
    /// IANA name ("Europe/Amsterdam").
    pub timezone: String,
    /// Local time in `timezone`: "2026-12-12T20:00".
    pub starts_local: String,
    pub ends_local: String,
    /// ISO 4217 ("EUR").
    pub currency: String,
    /// Days an order may stay unpaid when buyers may pay at the door or by invoice; blank: they
    /// may not (card payment only).
    #[serde(default)]
    pub offline_payment_days: String,
    /// Whether buyers may pay by card (when the organisation has connected Stripe).
    #[serde(default = "crate::model::yes")]
    pub card_payments: bool,
    /// Whether sold-out ticket types offer a waiting list.
    #[serde(default = "crate::model::yes")]
    pub waiting_list: bool,
    /// Minutes an offer to the next in line keeps its tickets; blank: 240.
    #[serde(default)]
    pub waiting_list_offer_minutes: String,
    /// Whether buyers reach the sale through the edge's waiting room.
    #[serde(default)]
    pub waiting_room: bool,
    /// Buyers let in per minute; blank: 3000.
    #[serde(default)]
    pub waiting_room_per_minute: String,
    /// Most buyers in at once; blank: 1000.
    #[serde(default)]
    pub waiting_room_max_active: String,
}

/// A blank form, with the settings that are on unless turned off (as a JSON body without them).
impl Default for EventInput {
    fn default() -> Self {
        EventInput {
            slug: String::new(),
            title: String::new(),
            description: String::new(),
            venue: String::new(),
            timezone: String::new(),
            starts_local: String::new(),
            ends_local: String::new(),
            currency: String::new(),
            offline_payment_days: String::new(),
            card_payments: crate::model::yes(),
            waiting_list: crate::model::yes(),
            waiting_list_offer_minutes: String::new(),
            waiting_room: false,
            waiting_room_per_minute: String::new(),
            waiting_room_max_active: String::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminEventSummary {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub when_display: String,
    pub published: bool,
    pub sold: i64,
    pub capacity: i64,
}

/// `GET /events/{id}`: the event with everything an organiser edits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminEvent {
    pub id: i64,
    pub organisation_id: i64,
    #[serde(flatten)]
    pub event: EventDetails,
    pub starts_local: String,
    pub ends_local: String,
    pub when_display: String,
    pub published: bool,
    /// Where attendees buy: `/e/{slug}`.
    pub storefront_url: String,
    pub ticket_types: Vec<AdminTicketType>,
    pub questions: Vec<Question>,
    pub discounts: Vec<Discount>,
}

impl std::ops::Deref for AdminEvent {
    type Target = EventDetails;

    fn deref(&self) -> &EventDetails {
        &self.event
    }
}

/// `POST /events/{id}/ticket-types`, `PUT /ticket-types/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketTypeInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Decimal in the event's currency: "25.00", "0" for free.
    pub price: String,
    pub capacity: i64,
    /// Local time in the event's timezone, or empty: on sale from publication.
    #[serde(default)]
    pub sale_starts_local: String,
    /// Empty: until the event starts.
    #[serde(default)]
    pub sale_ends_local: String,
    pub min_per_order: i64,
    pub max_per_order: i64,
    /// Non-empty: the type is secret, shown on the storefront only to who enters this code.
    #[serde(default)]
    pub access_code: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminTicketType {
    pub id: TicketTypeId,
    pub name: String,
    pub description: String,
    pub price_minor: i64,
    /// As typed in the form ("25.00").
    pub price: String,
    pub capacity: i64,
    pub sold: i64,
    pub held: i64,
    pub available: i64,
    pub sale_starts_local: String,
    pub sale_ends_local: String,
    pub min_per_order: i64,
    pub max_per_order: i64,
    pub access_code: String,
    pub position: i64,
}

/// `PUT /events/{id}/ticket-types/order`: every ticket type's id, in the new display order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketTypeOrder {
    pub ids: Vec<TicketTypeId>,
}

/// `POST /events/{id}/discounts`, `PUT /discounts/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DiscountInput {
    pub code: String,
    /// "percent" or "fixed".
    pub kind: String,
    /// Percent: "10" or "12.5"; fixed: a decimal amount in the event's currency, per ticket.
    pub amount: String,
    /// Empty: unlimited.
    #[serde(default)]
    pub max_uses: Option<i64>,
    /// Local time in the event's timezone, or empty: never expires.
    #[serde(default)]
    pub expires_local: String,
    /// Empty: every ticket type.
    #[serde(default)]
    pub ticket_type_ids: Vec<TicketTypeId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountKind {
    /// `amount` is hundredths of a percent (1250 = 12.5%).
    Percent,
    /// `amount` is minor units off each ticket it applies to.
    Fixed,
}

words!(DiscountKind { Percent => "percent", Fixed => "fixed" });

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Discount {
    pub id: i64,
    pub code: String,
    pub kind: DiscountKind,
    /// See [`DiscountKind`].
    pub amount: i64,
    /// As typed ("12.5", "5.00").
    pub amount_display: String,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub expires_local: String,
    pub ticket_type_ids: Vec<TicketTypeId>,
}

/// `POST /events/{id}/questions`, `PUT /questions/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QuestionInput {
    pub label: String,
    /// "text" or "choice".
    pub kind: String,
    /// For "choice": the options, in order.
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub required: bool,
}

/// `GET /events/{id}/orders?q=&status=&limit=&offset=`: `q` matches reference, buyer name or email;
/// `status` is "active" or "cancelled".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderList {
    pub total: i64,
    pub orders: Vec<AdminOrderSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AdminOrderSummary {
    pub id: i64,
    pub reference: String,
    pub buyer_name: String,
    pub buyer_email: String,
    pub tickets: i64,
    pub total_minor: i64,
    pub currency: String,
    #[cfg_attr(feature = "sqlx", sqlx(flatten, try_from = "crate::columns::OrderState"))]
    pub status: AdminOrderStatus,
    pub created_at: DateTime<Utc>,
}

/// What the door is told about a ticket: serialised as "valid" (checked in now),
/// "already_checked_in" or "invalid".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInResult {
    Valid,
    AlreadyCheckedIn,
    Invalid,
    /// The order awaits payment: collect it at the door, mark the order paid, scan again.
    NotPaid,
}

/// Where an export job is: serialised as "queued", "running", "done" or "failed".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportStatus {
    Queued,
    Running,
    Done,
    Failed,
}

words!(ExportStatus { Queued => "queued", Running => "running", Done => "done", Failed => "failed" });

impl ExportStatus {
    /// No more progress will come.
    pub fn is_finished(self) -> bool {
        matches!(self, ExportStatus::Done | ExportStatus::Failed)
    }
}

/// An order's status as organisers see it: a cancellation wins over the payment state. Serialised
/// as "confirmed", "awaiting_payment" or "cancelled".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminOrderStatus {
    Confirmed,
    AwaitingPayment,
    Cancelled,
}

words!(AdminOrderStatus { Confirmed => "confirmed", AwaitingPayment => "awaiting_payment", Cancelled => "cancelled" });

impl AdminOrderStatus {
    /// The status of an order in `status`, cancelled or not.
    pub fn of(status: OrderStatus, cancelled: bool) -> AdminOrderStatus {
        match (cancelled, status) {
            (true, _) => AdminOrderStatus::Cancelled,
            (false, OrderStatus::Confirmed) => AdminOrderStatus::Confirmed,
            (false, OrderStatus::AwaitingPayment) => AdminOrderStatus::AwaitingPayment,
        }
    }

    /// What the admin app shows.
    pub fn label(self) -> &'static str {
        match self {
            AdminOrderStatus::Confirmed => "Confirmed",
            AdminOrderStatus::AwaitingPayment => "Awaiting payment",
            AdminOrderStatus::Cancelled => "Cancelled",
        }
    }
}

/// One order with its tickets and answers. The row derives from the `orders` table; `tickets` and
/// `answers` are read by their own statements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AdminOrder {
    pub id: i64,
    pub event_id: i64,
    pub reference: String,
    #[cfg_attr(feature = "sqlx", sqlx(flatten, try_from = "crate::columns::OrderState"))]
    pub status: AdminOrderStatus,
    pub payment: PaymentMethod,
    pub buyer_name: String,
    pub buyer_email: String,
    pub total_minor: i64,
    pub discount_minor: i64,
    pub discount_code: Option<String>,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub refunded_minor: i64,
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub tickets: Vec<AdminTicket>,
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub answers: Vec<Answer>,
    /// When a confirmation was last queued for sending.
    pub confirmation_sent_at: Option<DateTime<Utc>>,
    /// A card order's refunds, oldest first (empty for other orders).
    #[serde(default)]
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub refunds: Vec<AdminRefund>,
    /// The emails about this order, newest first: what the buyer was sent, and what failed.
    #[serde(default)]
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub emails: Vec<OrderEmail>,
}

/// One email about an order, as the mailer left it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct OrderEmail {
    pub subject: String,
    pub recipient: String,
    pub status: EmailStatus,
    /// Failed tries so far.
    pub attempts: i32,
    /// The relay's words about the last failed try.
    pub last_error: Option<String>,
    pub queued_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Where an email stands: waiting for its (next) try, sent, or given up on after its tries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    Queued,
    Sent,
    Failed,
}
words!(EmailStatus { Queued => "queued", Sent => "sent", Failed => "failed" });

/// One refund of a card order, as the provider last reported it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminRefund {
    pub amount_minor: i64,
    pub status: crate::payment::RefundStatus,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// `POST /orders/{id}/refunds`: money back to the card, through the organisation's provider account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RefundInput {
    /// As typed ("12.50"); blank: all that is left to refund.
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /orders/{id}/cancel`: a paid card order's money can go back with it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CancelInput {
    /// Refund what is left of a card payment, in the same step.
    #[serde(default)]
    pub refund: bool,
}

/// `GET /organisations/{id}/payment-account`: the organisation's Stripe account, without its
/// secrets (they are never shown again after saving).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentAccount {
    pub connected: bool,
    /// Live keys: real money. Test keys: the checkout says "test mode".
    pub live: bool,
    pub publishable_key: Option<String>,
    /// Where Stripe must send this account's events (its dashboard's webhook endpoint).
    pub webhook_url: String,
    pub updated_at: Option<DateTime<Utc>>,
}

/// `PUT /organisations/{id}/payment-account`: all three from Stripe's dashboard.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PaymentAccountInput {
    #[serde(default)]
    pub publishable_key: String,
    #[serde(default)]
    pub secret_key: String,
    #[serde(default)]
    pub webhook_secret: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AdminTicket {
    pub code: String,
    pub ticket_type_id: TicketTypeId,
    pub ticket_type_name: String,
    pub attendee_name: String,
    pub attendee_email: String,
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// `GET /events/{id}/dashboard`: poll it every few seconds during an on-sale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub generated_at: DateTime<Utc>,
    pub currency: String,
    /// What orders charged (or will, at the door) less what was refunded; a cancelled order counts
    /// for what it kept.
    pub revenue_minor: i64,
    pub orders: i64,
    pub sold: i64,
    pub remaining: i64,
    pub checked_in: i64,
    pub ticket_types: Vec<DashboardTicketType>,
    /// Tickets sold per minute over the last hour, oldest first, one entry per minute (zeros too).
    pub per_minute: Vec<MinuteSales>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardTicketType {
    pub id: TicketTypeId,
    pub name: String,
    pub capacity: i64,
    pub sold: i64,
    pub held: i64,
    pub remaining: i64,
    pub revenue_minor: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MinuteSales {
    pub minute: DateTime<Utc>,
    pub tickets: i64,
}

/// `POST /events/{id}/exports` starts one; `GET /exports/{id}` reports on it; `GET /exports/{id}/csv`
/// downloads it once `status` is "done".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ExportJob {
    pub id: i64,
    pub event_id: i64,
    pub status: ExportStatus,
    /// Tickets written so far, of `total`.
    pub done: i64,
    pub total: i64,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

/// `POST /events/{id}/check-ins`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckInRequest {
    pub code: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckIn {
    pub result: CheckInResult,
    pub message: String,
    /// The ticket's order, when there is one (to mark it paid at the door).
    #[serde(default)]
    pub order_id: Option<i64>,
    pub attendee_name: Option<String>,
    pub ticket_type_name: Option<String>,
    pub order_reference: Option<String>,
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// `GET /events/{id}/room`: the event's waiting room as it last reported (null before it has).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AdminRoom {
    #[serde(flatten)]
    #[cfg_attr(feature = "sqlx", sqlx(flatten))]
    pub report: crate::model::RoomReport,
    /// Let in per minute, measured between the last two reports.
    pub admitted_per_minute: i64,
    pub reported_at: DateTime<Utc>,
}

/// `GET /events/{id}/waiting-list`: one entry, as the organiser sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminWaitingEntry {
    pub id: i64,
    pub ticket_type_id: crate::model::TicketTypeId,
    pub ticket_type_name: String,
    pub name: String,
    pub email: String,
    pub quantity: i64,
    /// waiting, offered (the offer stands), claimed (bought), expired (the offer lapsed), removed.
    pub state: String,
    /// Place in line while waiting.
    pub position: Option<i64>,
    pub joined_at: DateTime<Utc>,
    pub offered_at: Option<DateTime<Utc>>,
    pub offer_expires_at: Option<DateTime<Utc>>,
}
