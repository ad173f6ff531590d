//! Which unique constraint a write ran into.
//!
//! Policy: a unique violation is an answer only when we know which constraint said no: a reused
//! idempotency key is a replay, a taken slug is `Saved::Taken`, but a collision of a random order
//! reference is neither and must not be reported as one. PostgreSQL names the constraint
//! (`DatabaseError::constraint`); SQLite does not, but its message names the columns
//! ("UNIQUE constraint failed: orders.idempotency_key"). Both spellings of every unique
//! constraint in `migrations/` are listed once, in [`KNOWN`].

/// The unique constraints of both schemas (primary keys included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unique {
    OrganiserEmail,
    EventSlug,
    HoldId,
    HoldItem,
    OrderReference,
    OrderAccessToken,
    OrderIdempotencyKey,
    OrderHold,
    TicketCode,
    UserEmail,
    Membership,
    SessionId,
    DiscountCode,
    OrderAnswer,
    /// A constraint this list does not know: a migration added one, or another row's id.
    Other,
}

/// (constraint, its PostgreSQL name, the columns SQLite's message lists).
const KNOWN: &[(Unique, &str, &str)] = &[
    (Unique::OrganiserEmail, "organisers_email_key", "organisers.email"),
    (Unique::EventSlug, "events_slug_key", "events.slug"),
    (Unique::HoldId, "holds_pkey", "holds.id"),
    (Unique::HoldItem, "hold_items_pkey", "hold_items.hold_id, hold_items.ticket_type_id"),
    (Unique::OrderReference, "orders_reference_key", "orders.reference"),
    (Unique::OrderAccessToken, "orders_access_token_key", "orders.access_token"),
    (Unique::OrderIdempotencyKey, "orders_idempotency_key_key", "orders.idempotency_key"),
    (Unique::OrderHold, "orders_hold_id_key", "orders.hold_id"),
    (Unique::TicketCode, "tickets_code_key", "tickets.code"),
    (Unique::UserEmail, "users_email_key", "users.email"),
    (Unique::Membership, "memberships_pkey", "memberships.organiser_id, memberships.user_id"),
    (Unique::SessionId, "admin_sessions_pkey", "admin_sessions.id_hash"),
    (Unique::DiscountCode, "discount_codes_event_id_code_key", "discount_codes.event_id, discount_codes.code"),
    (Unique::OrderAnswer, "order_answers_pkey", "order_answers.order_id, order_answers.question_id"),
];

impl Unique {
    /// The constraint `err` violated; None when `err` is not a unique violation.
    pub fn violated_by(err: &sqlx::Error) -> Option<Unique> {
        let db = err.as_database_error().filter(|db| db.is_unique_violation())?;
        Some(Unique::classify(db.constraint(), db.message()))
    }

    /// From PostgreSQL's constraint name, or else from SQLite's message.
    fn classify(constraint: Option<&str>, message: &str) -> Unique {
        let found = match constraint {
            Some(name) => KNOWN.iter().find(|(_, pg, _)| *pg == name),
            None => {
                let columns = message.strip_prefix("UNIQUE constraint failed: ").unwrap_or(message).trim();
                KNOWN.iter().find(|(_, _, sqlite)| *sqlite == columns)
            }
        };
        found.map_or(Unique::Other, |(unique, _, _)| *unique)
    }
}

/// An insert named a row that is gone (an order naming a discount code removed meanwhile), or a
/// delete would orphan rows that refer to it.
pub(crate) fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|db| db.is_foreign_key_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_names_the_constraint() {
        assert_eq!(Unique::classify(Some("orders_idempotency_key_key"), "duplicate key"), Unique::OrderIdempotencyKey);
        assert_eq!(Unique::classify(Some("orders_reference_key"), "duplicate key"), Unique::OrderReference);
        assert_eq!(Unique::classify(Some("discount_codes_event_id_code_key"), ""), Unique::DiscountCode);
        assert_eq!(Unique::classify(Some("somebody_elses_key"), "UNIQUE constraint failed: orders.reference"), Unique::Other);
    }

    #[test]
    fn sqlite_names_the_columns() {
        assert_eq!(Unique::classify(None, "UNIQUE constraint failed: orders.idempotency_key"), Unique::OrderIdempotencyKey);
        assert_eq!(Unique::classify(None, "UNIQUE constraint failed: orders.reference"), Unique::OrderReference);
        assert_eq!(Unique::classify(None, "UNIQUE constraint failed: memberships.organiser_id, memberships.user_id"), Unique::Membership);
        assert_eq!(Unique::classify(None, "UNIQUE constraint failed: orders.currency"), Unique::Other);
    }

    #[test]
    fn every_constraint_has_one_entry() {
        for (i, (unique, pg, sqlite)) in KNOWN.iter().enumerate() {
            assert!(KNOWN[i + 1..].iter().all(|(u, p, s)| u != unique && p != pg && s != sqlite), "{unique:?} twice");
        }
    }

    /// SQLite's real message, through sqlx, as the migrations' columns produce it.
    #[tokio::test]
    async fn a_real_sqlite_violation_is_classified() {
        let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE orders (reference TEXT NOT NULL UNIQUE, idempotency_key TEXT NOT NULL UNIQUE)")
            .execute(&pool)
            .await
            .unwrap();
        let insert = |reference: &'static str, key: &'static str| {
            sqlx::query("INSERT INTO orders (reference, idempotency_key) VALUES ($1, $2)").bind(reference).bind(key).execute(&pool)
        };
        insert("STP-1", "k1").await.unwrap();
        let reused_key = insert("STP-2", "k1").await.unwrap_err();
        assert_eq!(Unique::violated_by(&reused_key), Some(Unique::OrderIdempotencyKey));
        let reused_reference = insert("STP-1", "k2").await.unwrap_err();
        assert_eq!(Unique::violated_by(&reused_reference), Some(Unique::OrderReference));
        assert_eq!(Unique::violated_by(&sqlx::Error::RowNotFound), None);
    }
}
