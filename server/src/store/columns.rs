//! Columns whose stored form is not their typed form, each converted in one place.
//!
//! Policy: a column that holds a status, a role or a kind decodes itself (see `contract::columns`);
//! the ones here are the store's own encodings, lists kept in one text column, read through a
//! newtype with `#[sqlx(try_from = "...")]` so a record never carries the raw text. Writing goes
//! the other way through each newtype's `new`.
use contract::model::TicketTypeId;

/// A discount's ticket types, stored as "3,5,8" (empty: all of the event's).
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub(crate) struct IdList(String);

impl IdList {
    pub(crate) fn new(ids: &[TicketTypeId]) -> IdList {
        IdList(ids.iter().map(|id| id.to_string()).collect::<Vec<_>>().join(","))
    }
}

impl TryFrom<IdList> for Vec<TicketTypeId> {
    type Error = String;

    /// Spaces around an id are forgiven: lists written by hand (seeds, support) have them.
    fn try_from(list: IdList) -> Result<Self, String> {
        list.0
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| part.parse().map_err(|_| format!("bad ticket type id {part:?} in a discount code")))
            .collect()
    }
}

/// A choice question's options, stored as a JSON array of strings.
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub(crate) struct Options(String);

impl Options {
    pub(crate) fn new(options: &[String]) -> Options {
        Options(serde_json::Value::from(options.to_vec()).to_string())
    }
}

impl TryFrom<Options> for Vec<String> {
    type Error = String;

    fn try_from(options: Options) -> Result<Self, String> {
        serde_json::from_str(&options.0).map_err(|err| format!("question options are not a JSON array of strings: {err}"))
    }
}

/// Aggregates items per ticket type, sorted by id: the order in which rows are locked.
pub(crate) fn per_ticket_type(items: impl IntoIterator<Item = (TicketTypeId, i64)>) -> Vec<(TicketTypeId, i64)> {
    let mut totals = std::collections::BTreeMap::new();
    for (id, quantity) in items {
        *totals.entry(id).or_insert(0) += quantity;
    }
    totals.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_lists_trim_and_skip_empty_parts() {
        let ids: Vec<TicketTypeId> = IdList(" 3, 5,,8 ".into()).try_into().unwrap();
        assert_eq!(ids, vec![3, 5, 8]);
        let none: Vec<TicketTypeId> = IdList(String::new()).try_into().unwrap();
        assert!(none.is_empty());
        assert!(Vec::<TicketTypeId>::try_from(IdList("3,x".into())).is_err());
        let ids: Vec<TicketTypeId> = IdList::new(&[3, 5]).try_into().unwrap();
        assert_eq!(ids, vec![3, 5]);
    }

    /// Typed columns decode through `contract::columns`; an unknown value is an error naming it.
    #[tokio::test]
    async fn unknown_values_are_decode_errors_that_name_them() {
        use contract::admin::Role;
        use contract::model::OrderStatus;
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let err = sqlx::query_scalar::<_, OrderStatus>("SELECT 'shipped'").fetch_one(&pool).await.unwrap_err();
        assert!(err.to_string().contains("unknown order status \"shipped\""), "{err}");
        let role: Role = sqlx::query_scalar("SELECT 'owner'").fetch_one(&pool).await.unwrap();
        assert_eq!(role, Role::Owner);
    }

    #[test]
    fn options_round_trip() {
        let options = vec!["S".to_owned(), "M \"tall\"".to_owned()];
        assert_eq!(Vec::<String>::try_from(Options::new(&options)).unwrap(), options);
    }
}
