//! How the contract's records come out of a database row (feature `sqlx`, on for the server only).
//!
//! Policy: a column that holds a status, a role or a kind is stored as text and decodes straight
//! into its typed value through that type's `parse`, so a record never carries an unchecked string
//! and an unknown value in the database is a decode error that names the value, never a default.
//! Writing goes the other way, through each type's `as_str`. Records that are the same row and the
//! same JSON (an export job, an admin order, an event's details) derive `sqlx::FromRow` here instead
//! of being declared again by the store.
use crate::admin::{AdminOrderStatus, DiscountKind, EmailStatus, ExportStatus, Role};
use crate::model::{HoldStatus, OrderStatus, PaymentMethod, QuestionKind};
use crate::payment::{IntentStatus, RefundStatus, Settlement};
use chrono::{DateTime, Utc};
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Type};

/// The decode error for a text column whose value is none of the type's.
pub fn unknown(what: &str, value: &str) -> BoxDynError {
    format!("unknown {what} {value:?} in the database").into()
}

/// Implements sqlx's `Type` and `Decode` for enums with `parse(&str) -> Option<Self>`, on every
/// backend whose text decodes as `&str`.
macro_rules! text_column {
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl<DB: Database> Type<DB> for $ty
        where
            str: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $ty
        where
            &'r str: Decode<'r, DB>,
        {
            fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&'r str as Decode<'r, DB>>::decode(value)?;
                <$ty>::parse(text).ok_or_else(|| unknown($what, text))
            }
        }
    )*};
}

text_column!(
    OrderStatus => "order status",
    HoldStatus => "hold status",
    Role => "role",
    DiscountKind => "discount kind",
    QuestionKind => "question kind",
    PaymentMethod => "payment method",
    ExportStatus => "export status",
    IntentStatus => "payment status",
    Settlement => "payment settlement",
    RefundStatus => "refund status",
    EmailStatus => "email status",
);

/// An order's status as organisers see it, read from the `status` and `cancelled_at` columns
/// (`#[sqlx(flatten, try_from = "OrderState")]`): cancellation wins over the payment state.
#[derive(sqlx::FromRow)]
pub struct OrderState {
    status: OrderStatus,
    cancelled_at: Option<DateTime<Utc>>,
}

impl From<OrderState> for AdminOrderStatus {
    fn from(state: OrderState) -> AdminOrderStatus {
        AdminOrderStatus::of(state.status, state.cancelled_at.is_some())
    }
}
