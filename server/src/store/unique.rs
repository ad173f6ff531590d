//! Which constraint a write ran into.

/// Another row has this unique value already.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|db| db.is_unique_violation())
}

/// An insert named a row that is gone (an order naming a discount code removed meanwhile), or a
/// delete would orphan rows that refer to it.
pub(crate) fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|db| db.is_foreign_key_violation())
}
