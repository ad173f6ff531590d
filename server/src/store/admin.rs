//! The organisers' side of the database: accounts and memberships, admin sessions, what organisers
//! configure (events, ticket types, discount codes, questions) and what they do (cancel, check in,
//! export). Implemented for both backends by `admin_sql.rs`.
//!
//! Policy: this layer trusts its caller about *who* may do something (the admin service checks
//! roles and tenancy first, with [`AdminStore::owner_of`]), and is the authority on *whether* it
//! can be done: a capacity below what is sold, a second check-in, a cancellation of a cancelled
//! order or a discount's last use are decided by conditional statements, so two organisers at two
//! desks cannot both win.
use super::{EventRecord, ReturnedStock, StoreResult};
use app::admin::{DiscountKind, QuestionKind, Role};
use app::model::TicketTypeId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[derive(Clone, Debug)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
}

#[derive(Clone, Debug)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub organisation: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub enum AccountOutcome {
    Created { user_id: i64, organiser_id: i64 },
    EmailTaken,
}

#[derive(Clone, Debug)]
pub struct MembershipRecord {
    pub organiser_id: i64,
    pub organisation_name: String,
    pub role: Role,
}

#[derive(Clone, Debug)]
pub struct MemberRecord {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// Anything an admin route names by id; [`AdminStore::owner_of`] says whose it is.
#[derive(Clone, Copy, Debug)]
pub enum Resource {
    Event,
    TicketType,
    Discount,
    Question,
    Order,
    Export,
}

/// The event a resource belongs to, and the organisation that runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    pub event_id: i64,
    pub organiser_id: i64,
}

#[derive(Clone, Debug)]
pub struct EventChange {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub timezone: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub currency: String,
}

#[derive(Clone, Debug)]
pub struct AdminEventRecord {
    pub event: EventRecord,
    pub organiser_id: i64,
    pub sold: i64,
    pub capacity: i64,
}

/// What a write that must keep a unique name found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved<T> {
    Saved(T),
    /// Another row already has this name (slug, code, member).
    Taken,
    NotFound,
}

#[derive(Clone, Debug)]
pub struct AdminTicketTypeRecord {
    pub id: TicketTypeId,
    pub event_id: i64,
    pub name: String,
    pub description: String,
    pub price_minor: i64,
    pub capacity: i64,
    pub sold: i64,
    pub held: i64,
    pub sale_starts_at: Option<DateTime<Utc>>,
    pub sale_ends_at: Option<DateTime<Utc>>,
    pub min_per_order: i64,
    pub max_per_order: i64,
    pub access_code: Option<String>,
    pub position: i64,
}

#[derive(Clone, Debug)]
pub struct TicketTypeChange {
    pub name: String,
    pub description: String,
    pub price_minor: i64,
    pub capacity: i64,
    pub sale_starts_at: Option<DateTime<Utc>>,
    pub sale_ends_at: Option<DateTime<Utc>>,
    pub min_per_order: i64,
    pub max_per_order: i64,
    pub access_code: Option<String>,
}

#[derive(Clone, Debug)]
pub enum TicketTypeUpdate {
    Updated(AdminTicketTypeRecord),
    NotFound,
    /// The new capacity is below what is sold and held right now.
    CapacityBelowSold { sold: i64, held: i64 },
}

#[derive(Clone, Debug)]
pub struct DiscountRecord {
    pub id: i64,
    pub event_id: i64,
    pub code: String,
    pub kind: DiscountKind,
    pub amount: i64,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub expires_at: Option<DateTime<Utc>>,
    /// Empty: every ticket type of the event.
    pub ticket_type_ids: Vec<TicketTypeId>,
}

#[derive(Clone, Debug)]
pub struct DiscountChange {
    pub code: String,
    pub kind: DiscountKind,
    pub amount: i64,
    pub max_uses: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub ticket_type_ids: Vec<TicketTypeId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Removed {
    Removed,
    NotFound,
    /// Orders refer to it: it can be limited or expired, not deleted.
    InUse,
}

#[derive(Clone, Debug)]
pub struct QuestionRecord {
    pub id: i64,
    pub event_id: i64,
    pub label: String,
    pub kind: QuestionKind,
    pub options: Vec<String>,
    pub required: bool,
    pub position: i64,
}

#[derive(Clone, Debug)]
pub struct QuestionChange {
    pub label: String,
    pub kind: QuestionKind,
    pub options: Vec<String>,
    pub required: bool,
}

#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    /// Matches the reference, the buyer's name or email, case-insensitively.
    pub query: String,
    /// None: all; Some(false): not cancelled; Some(true): cancelled.
    pub cancelled: Option<bool>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Clone, Debug)]
pub struct OrderSummaryRecord {
    pub id: i64,
    pub reference: String,
    pub buyer_name: String,
    pub buyer_email: String,
    pub tickets: i64,
    pub total_minor: i64,
    pub currency: String,
    pub status: String,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct AdminOrderRecord {
    pub id: i64,
    pub event_id: i64,
    pub reference: String,
    pub access_token: String,
    pub status: String,
    pub payment: String,
    pub buyer_name: String,
    pub buyer_email: String,
    pub total_minor: i64,
    pub discount_minor: i64,
    pub discount_code: Option<String>,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub refunded_minor: i64,
    pub confirmation_sent_at: Option<DateTime<Utc>>,
    pub tickets: Vec<AdminTicketRecord>,
    pub answers: Vec<AnswerRecord>,
}

#[derive(Clone, Debug)]
pub struct AdminTicketRecord {
    pub code: String,
    pub ticket_type_id: TicketTypeId,
    pub ticket_type_name: String,
    pub attendee_name: String,
    pub attendee_email: String,
    pub checked_in_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug)]
pub struct AnswerRecord {
    pub order_id: i64,
    pub question_id: i64,
    pub label: String,
    pub answer: String,
}

#[derive(Clone, Debug)]
pub enum CancelOutcome {
    /// Cancelled now; this stock went back on sale.
    Cancelled(ReturnedStock),
    AlreadyCancelled,
    NotFound,
}

#[derive(Clone, Debug)]
pub struct CheckInTicket {
    pub attendee_name: String,
    pub ticket_type_name: String,
    pub order_reference: String,
    pub checked_in_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug)]
pub enum CheckInOutcome {
    CheckedIn(CheckInTicket),
    /// Checked in before, at `checked_in_at`.
    Already(CheckInTicket),
    /// The ticket's order was cancelled.
    Cancelled(CheckInTicket),
    /// No ticket of this event has this code.
    Unknown,
}

#[derive(Clone, Debug, Default)]
pub struct SalesRecord {
    pub revenue_minor: i64,
    pub orders: i64,
    pub checked_in: i64,
    /// Revenue per ticket type (tickets' share of their order's total, before discounts: see docs).
    pub revenue_by_type: Vec<(TicketTypeId, i64)>,
    /// (minute, tickets sold in it), only minutes with sales, oldest first.
    pub per_minute: Vec<(DateTime<Utc>, i64)>,
}

#[derive(Clone, Debug)]
pub struct ExportRecord {
    pub id: i64,
    pub event_id: i64,
    pub status: String,
    pub done: i64,
    pub total: i64,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

/// One ticket as the attendee export lists it.
#[derive(Clone, Debug)]
pub struct AttendeeRow {
    pub ticket_id: i64,
    pub order_id: i64,
    pub code: String,
    pub ticket_type_name: String,
    pub attendee_name: String,
    pub attendee_email: String,
    pub order_reference: String,
    pub buyer_name: String,
    pub buyer_email: String,
    pub order_status: String,
    pub cancelled: bool,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub ordered_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct NewEmail {
    pub order_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct EmailRecord {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

#[async_trait]
pub trait AdminStore: Send + Sync {
    // Accounts.
    /// A user and the organisation they own, in one transaction.
    async fn create_account(&self, account: &NewAccount) -> StoreResult<AccountOutcome>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>>;
    async fn memberships(&self, user_id: i64) -> StoreResult<Vec<MembershipRecord>>;
    async fn role_of(&self, user_id: i64, organiser_id: i64) -> StoreResult<Option<Role>>;
    async fn members(&self, organiser_id: i64) -> StoreResult<Vec<MemberRecord>>;
    /// `Taken`: already a member.
    async fn add_member(&self, organiser_id: i64, user_id: i64, role: Role, now: DateTime<Utc>) -> StoreResult<Saved<()>>;
    /// Changes a member's role unless that would leave the organisation without an owner
    /// (`Ok(None)` then). `NotFound` when not a member.
    async fn set_role(&self, organiser_id: i64, user_id: i64, role: Role) -> StoreResult<Saved<Option<()>>>;
    /// Removes a member unless they are the last owner (`Ok(None)` then).
    async fn remove_member(&self, organiser_id: i64, user_id: i64) -> StoreResult<Saved<Option<()>>>;

    // Sessions, keyed by the hash of their id.
    async fn session_load(&self, id_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<String>>;
    /// Inserts a new session; false if the id is taken.
    async fn session_create(&self, id_hash: &str, record: &str, expires_at: DateTime<Utc>) -> StoreResult<bool>;
    async fn session_save(&self, id_hash: &str, record: &str, expires_at: DateTime<Utc>) -> StoreResult<()>;
    async fn session_delete(&self, id_hash: &str) -> StoreResult<()>;
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;

    // Ownership.
    async fn owner_of(&self, resource: Resource, id: i64) -> StoreResult<Option<Owner>>;

    // Events.
    async fn organisation_events(&self, organiser_id: i64) -> StoreResult<Vec<AdminEventRecord>>;
    async fn admin_event(&self, event_id: i64) -> StoreResult<Option<AdminEventRecord>>;
    async fn insert_event(&self, organiser_id: i64, change: &EventChange) -> StoreResult<Saved<i64>>;
    /// Bumps the event's version, so pages and caches pick the change up.
    async fn update_event(&self, event_id: i64, change: &EventChange) -> StoreResult<Saved<()>>;
    async fn set_published(&self, event_id: i64, published: bool) -> StoreResult<()>;

    // Ticket types.
    async fn admin_ticket_types(&self, event_id: i64) -> StoreResult<Vec<AdminTicketTypeRecord>>;
    /// Appended after the event's last type.
    async fn insert_ticket_type(&self, event_id: i64, change: &TicketTypeChange) -> StoreResult<AdminTicketTypeRecord>;
    async fn update_ticket_type(&self, id: TicketTypeId, change: &TicketTypeChange) -> StoreResult<TicketTypeUpdate>;
    /// `ids` must be exactly the event's ticket types (the caller checks); positions follow it.
    async fn reorder_ticket_types(&self, event_id: i64, ids: &[TicketTypeId]) -> StoreResult<()>;

    // Discount codes.
    async fn discounts(&self, event_id: i64) -> StoreResult<Vec<DiscountRecord>>;
    async fn insert_discount(&self, event_id: i64, change: &DiscountChange, now: DateTime<Utc>) -> StoreResult<Saved<DiscountRecord>>;
    async fn update_discount(&self, id: i64, change: &DiscountChange) -> StoreResult<Saved<DiscountRecord>>;
    async fn delete_discount(&self, id: i64) -> StoreResult<Removed>;

    // Questions.
    async fn questions(&self, event_id: i64) -> StoreResult<Vec<QuestionRecord>>;
    async fn insert_question(&self, event_id: i64, change: &QuestionChange) -> StoreResult<QuestionRecord>;
    async fn update_question(&self, id: i64, change: &QuestionChange) -> StoreResult<Option<QuestionRecord>>;
    async fn delete_question(&self, id: i64) -> StoreResult<Removed>;

    // Orders.
    async fn search_orders(&self, event_id: i64, filter: &OrderFilter) -> StoreResult<(i64, Vec<OrderSummaryRecord>)>;
    async fn admin_order(&self, order_id: i64) -> StoreResult<Option<AdminOrderRecord>>;
    /// Cancels and refunds in full; the tickets' stock goes back on sale and a discount use is
    /// given back, in the same transaction.
    async fn cancel_order(&self, order_id: i64, now: DateTime<Utc>) -> StoreResult<CancelOutcome>;
    async fn check_in(&self, event_id: i64, code: &str, now: DateTime<Utc>) -> StoreResult<CheckInOutcome>;
    async fn sales(&self, event_id: i64, since: DateTime<Utc>) -> StoreResult<SalesRecord>;

    // Exports (the table is also the job queue).
    async fn insert_export(&self, event_id: i64, user_id: i64, now: DateTime<Utc>) -> StoreResult<ExportRecord>;
    async fn export(&self, id: i64) -> StoreResult<Option<ExportRecord>>;
    async fn export_csv(&self, id: i64) -> StoreResult<Option<String>>;
    /// Takes the oldest queued export for this worker (none if another took it).
    async fn claim_export(&self, now: DateTime<Utc>) -> StoreResult<Option<ExportRecord>>;
    async fn export_progress(&self, id: i64, done: i64, total: i64) -> StoreResult<()>;
    async fn finish_export(&self, id: i64, result: Result<String, String>, now: DateTime<Utc>) -> StoreResult<()>;
    async fn count_attendees(&self, event_id: i64) -> StoreResult<i64>;
    /// Tickets with id above `after`, in id order, at most `limit`.
    async fn attendees_page(&self, event_id: i64, after: i64, limit: i64) -> StoreResult<Vec<AttendeeRow>>;
    async fn answers_of(&self, order_ids: &[i64]) -> StoreResult<Vec<AnswerRecord>>;

    // The outbox.
    /// Queues the email and, when it is about an order, stamps the order's confirmation time.
    async fn queue_email(&self, email: &NewEmail) -> StoreResult<()>;
    async fn unsent_emails(&self, limit: i64) -> StoreResult<Vec<EmailRecord>>;
    async fn mark_sent(&self, ids: &[i64], now: DateTime<Utc>) -> StoreResult<()>;
}
