//! How values that the database keeps as text become typed values, each in one place.
//!
//! Policy: a column that holds a status, a role or a kind is read as [`Text`] and converted with
//! `TryFrom` at decode time (`#[sqlx(try_from = "Text")]` on a record's field), so a record never
//! carries an unchecked string and an unknown value in the database is a decode error that names
//! the value, not a default. The types themselves live in `contract`, where the orphan rule forbids
//! sqlx's traits for them; a `TryFrom<Text>` for them is allowed because `Text` is ours.
//! Writing goes the other way through each type's `as_str`.
use chrono::{DateTime, Utc};
use contract::admin::{AdminOrderStatus, DiscountKind, ExportStatus, QuestionKind, Role};
use contract::model::{HoldStatus, OrderStatus, PaymentMethod, TicketTypeId};

/// A text column on its way to a typed value.
#[derive(sqlx::Type)]
#[sqlx(transparent)]
pub(crate) struct Text(String);

fn unknown(what: &str, value: &str) -> String {
    format!("unknown {what} {value:?} in the database")
}

/// Implements `TryFrom<Text>` for `app` types that have `parse(&str) -> Option<Self>`.
macro_rules! parsed_from_text {
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl TryFrom<Text> for $ty {
            type Error = String;

            fn try_from(text: Text) -> Result<Self, String> {
                <$ty>::parse(&text.0).ok_or_else(|| unknown($what, &text.0))
            }
        }
    )*};
}

parsed_from_text!(
    OrderStatus => "order status",
    HoldStatus => "hold status",
    Role => "role",
    DiscountKind => "discount kind",
    QuestionKind => "question kind",
    PaymentMethod => "payment method",
    ExportStatus => "export status",
);

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

/// An order's status as organisers see it: cancellation wins over the payment state. Read from
/// the `status` and `cancelled_at` columns (`#[sqlx(flatten, try_from = "OrderState")]`).
#[derive(sqlx::FromRow)]
pub(crate) struct OrderState {
    #[sqlx(try_from = "Text")]
    status: OrderStatus,
    cancelled_at: Option<DateTime<Utc>>,
}

impl From<OrderState> for AdminOrderStatus {
    fn from(state: OrderState) -> AdminOrderStatus {
        AdminOrderStatus::of(state.status, state.cancelled_at.is_some())
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

    #[test]
    fn unknown_values_are_errors_that_name_them() {
        let err = OrderStatus::try_from(Text("shipped".into())).unwrap_err();
        assert!(err.contains("\"shipped\""), "{err}");
        assert_eq!(PaymentMethod::try_from(Text("offline".into())), Ok(PaymentMethod::Offline));
        assert_eq!(Role::try_from(Text("owner".into())), Ok(Role::Owner));
    }

    #[test]
    fn options_round_trip() {
        let options = vec!["S".to_owned(), "M \"tall\"".to_owned()];
        assert_eq!(Vec::<String>::try_from(Options::new(&options)).unwrap(), options);
    }
}
