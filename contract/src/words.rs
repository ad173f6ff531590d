//! Enums whose values are words in JSON, in the database and in query strings.
//!
//! Policy: each such enum lists its words once, in a [`words!`] call next to it, which gives it
//! `as_str`, `parse` and `ALL`; serde's `rename_all = "snake_case"` on the enum must spell the same
//! words (the tests below check every such enum).

/// `words!(Role { Viewer => "viewer", Admin => "admin" })` implements `Role::as_str`,
/// `Role::parse` (the inverse; `None` for any other text) and `Role::ALL` (in declaration order).
macro_rules! words {
    ($name:ident { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|value| value.as_str() == s)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::admin::{AdminOrderStatus, DiscountKind, ExportStatus, Role};
    use crate::model::{HoldStatus, OrderStatus, PaymentMethod, QuestionKind};
    use serde::{de::DeserializeOwned, Serialize};
    use std::fmt::Debug;

    fn same_words<T: Copy + PartialEq + Debug + Serialize + DeserializeOwned>(all: &[T], as_str: fn(T) -> &'static str) {
        for &value in all {
            let json = serde_json::to_string(&value).unwrap();
            assert_eq!(json, format!("\"{}\"", as_str(value)), "serde and words! disagree on {value:?}");
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
        }
    }

    #[test]
    fn serde_spells_every_enum_as_its_words() {
        same_words(Role::ALL, Role::as_str);
        same_words(DiscountKind::ALL, DiscountKind::as_str);
        same_words(ExportStatus::ALL, ExportStatus::as_str);
        same_words(AdminOrderStatus::ALL, AdminOrderStatus::as_str);
        same_words(crate::admin::EmailStatus::ALL, crate::admin::EmailStatus::as_str);
        same_words(QuestionKind::ALL, QuestionKind::as_str);
        same_words(HoldStatus::ALL, HoldStatus::as_str);
        same_words(PaymentMethod::ALL, PaymentMethod::as_str);
        same_words(OrderStatus::ALL, OrderStatus::as_str);
    }

    #[test]
    fn parse_is_the_inverse_of_as_str() {
        for &role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("Owner"), None);
        assert_eq!(HoldStatus::parse(""), None);
    }
}
