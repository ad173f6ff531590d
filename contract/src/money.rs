//! Prices are integers in minor units (cents) everywhere; only display turns them into text.
//! What an order adds up to is a rule: [`crate::rules::totals`].
use crate::format::group_thousands;

/// A ticket's price: "€35.00", "$5.50", "CHF 12.00", and "Free" for zero so a free ticket reads as one.
pub fn format_price(minor: i64, currency: &str) -> String {
    if minor == 0 {
        return "Free".to_string();
    }
    format_amount(minor, currency)
}

/// An amount of money, zero included: "€0.00".
pub fn format_amount(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let amount = format!("{}.{:02}", group_thousands(abs / 100), abs % 100);
    match currency_symbol(currency) {
        Some(symbol) => format!("{sign}{symbol}{amount}"),
        None => format!("{sign}{currency} {amount}"),
    }
}

fn currency_symbol(currency: &str) -> Option<&'static str> {
    match currency {
        "EUR" => Some("€"),
        "USD" => Some("$"),
        "GBP" => Some("£"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{format_amount, format_price};

    #[test]
    fn formats_common_currencies() {
        assert_eq!(format_price(3500, "EUR"), "€35.00");
        assert_eq!(format_price(550, "USD"), "$5.50");
        assert_eq!(format_price(123456789, "GBP"), "£1,234,567.89");
        assert_eq!(format_price(1200, "CHF"), "CHF 12.00");
        assert_eq!(format_price(0, "EUR"), "Free");
        assert_eq!(format_price(-250, "EUR"), "-€2.50");
        assert_eq!(format_amount(0, "EUR"), "€0.00");
    }
}
