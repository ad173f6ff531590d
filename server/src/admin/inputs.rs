//! Organisers' forms, read into the records the store writes. Every rule lives here and every
//! refusal names its field (the form's input name) with a sentence the organiser can act on; the
//! SPA shows it next to that input. Times are the event's wall-clock time, as the form shows them.
use crate::error::ApiError;
use crate::store::{DiscountChange, EventDetails, QuestionChange, TicketTypeChange};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use contract::admin::{DiscountInput, DiscountKind, EventInput, QuestionInput, QuestionKind, TicketTypeInput};

use contract::rules;
use contract::rules::limits::{
    MAX_CAPACITY, MAX_CODE_CHARS, MAX_DESCRIPTION_CHARS, MAX_OFFLINE_PAYMENT_DAYS, MAX_OPTIONS, MAX_OPTION_CHARS, MAX_PER_ORDER,
    MAX_PRICE_MINOR, MAX_TITLE_CHARS,
};
use contract::validate;

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid_field(field, message)
}

/// Required text, trimmed, of bounded length, printable.
fn text(field: &str, value: &str, what: &str, max: usize) -> Result<String, ApiError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(invalid(field, format!("Please enter {what}.")));
    }
    optional_text(field, trimmed, max)
}

fn optional_text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let trimmed = value.trim();
    if trimmed.chars().count() > max {
        return Err(invalid(field, format!("Please keep this under {max} characters.")));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(invalid(field, "This contains characters that cannot be shown."));
    }
    Ok(trimmed.to_string())
}

/// Text that can reach an email header ([`validate::single_line`]), refused on its field.
pub fn one_line(field: &str, what: &str, value: &str) -> Result<(), ApiError> {
    validate::single_line(what, value).map_err(|message| invalid(field, message))
}

pub fn timezone(value: &str) -> Result<Tz, ApiError> {
    value.trim().parse::<Tz>().map_err(|_| {
        invalid(
            "timezone",
            format!("\"{}\" is not a time zone we know. Use a name like Europe/Amsterdam or America/New_York.", value.trim()),
        )
    })
}

/// "2026-12-12T20:00" (seconds allowed) in `tz`, to UTC.
pub fn local_time(field: &str, value: &str, tz: Tz) -> Result<DateTime<Utc>, ApiError> {
    let trimmed = value.trim();
    let naive = NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| invalid(field, "Please enter a date and time like 2026-12-12T20:00."))?;
    match tz.from_local_datetime(&naive).earliest() {
        Some(at) => Ok(crate::store::truncate_to_millis(at.with_timezone(&Utc))),
        None => Err(invalid(field, format!("{trimmed} does not exist in {tz} (the clocks skip it). Pick another time."))),
    }
}

fn optional_local_time(field: &str, value: &str, tz: Tz) -> Result<Option<DateTime<Utc>>, ApiError> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        local_time(field, value, tz).map(Some)
    }
}

/// The form's way of showing a time: the event's wall clock, to the minute.
pub fn to_local(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

pub fn to_local_opt(at: Option<DateTime<Utc>>, tz: Tz) -> String {
    at.map(|at| to_local(at, tz)).unwrap_or_default()
}

/// "25", "25.5", "25.50" → 2550. Two decimals at most; no sign, no thousands separators.
pub fn decimal_minor(field: &str, value: &str, what: &str) -> Result<i64, ApiError> {
    let trimmed = value.trim();
    let bad = || invalid(field, format!("Please enter {what} as a number like 25 or 25.50."));
    if trimmed.is_empty() {
        return Err(bad());
    }
    let (whole, fraction) = trimmed.split_once('.').unwrap_or((trimmed, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if fraction.len() > 2 {
        return Err(invalid(field, format!("Please give {what} with at most two decimals.")));
    }
    if whole.len() > 9 {
        return Err(invalid(field, format!("That is more than we can sell: please check {what}.")));
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    Ok(whole * 100 + cents)
}

/// 2550 → "25.50".
pub fn minor_to_decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

pub fn slug(value: &str) -> Result<String, ApiError> {
    let slug = value.trim();
    if !rules::is_valid_slug(slug) {
        return Err(invalid("slug", rules::slug::SLUG_MESSAGE));
    }
    Ok(slug.to_string())
}

pub fn event(input: &EventInput) -> Result<EventDetails, ApiError> {
    let slug = slug(&input.slug)?;
    let title = text("title", &input.title, "the event's name", MAX_TITLE_CHARS)?;
    one_line("title", "The event's title", &title)?;
    let description = optional_text("description", &input.description, MAX_DESCRIPTION_CHARS)?;
    let venue = text("venue", &input.venue, "where it happens", MAX_TITLE_CHARS)?;
    one_line("venue", "The venue", &venue)?;
    let tz = timezone(&input.timezone)?;
    let starts_at = local_time("starts_local", &input.starts_local, tz)?;
    let ends_at = local_time("ends_local", &input.ends_local, tz)?;
    if ends_at < starts_at {
        return Err(invalid("ends_local", "The event cannot end before it starts."));
    }
    let currency = input.currency.trim().to_ascii_uppercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(invalid("currency", "Please give the currency as its three-letter code, like EUR, USD or GBP."));
    }
    let offline_payment_days = offline_payment_days(&input.offline_payment_days)?;
    Ok(EventDetails {
        slug,
        title,
        description,
        venue,
        timezone: tz.name().to_string(),
        starts_at,
        ends_at,
        currency,
        offline_payment_days,
        card_payments: input.card_payments,
        waiting_list: input.waiting_list,
        waiting_list_offer_minutes: offer_minutes(&input.waiting_list_offer_minutes)?,
        waiting_room: input.waiting_room,
        waiting_room_per_minute: room_setting(
            "waiting_room_per_minute",
            &input.waiting_room_per_minute,
            contract::model::DEFAULT_ROOM_PER_MINUTE,
            "buyers the waiting room lets in per minute",
        )?,
        waiting_room_max_active: room_setting(
            "waiting_room_max_active",
            &input.waiting_room_max_active,
            contract::model::DEFAULT_ROOM_MAX_ACTIVE,
            "buyers the waiting room lets in at once",
        )?,
    })
}

/// How long a waiting-list offer keeps its tickets: blank for the default, else 5 minutes to a
/// week (whole minutes).
fn offer_minutes(value: &str) -> Result<i64, ApiError> {
    let minutes = blank_or_whole_number("waiting_list_offer_minutes", value, 5..=10_080, || {
        "Give the minutes the next in line has to claim an offer as a whole number from 5 to 10080 (a week), or leave it blank for 240."
            .into()
    })?;
    Ok(minutes.unwrap_or(contract::model::DEFAULT_OFFER_MINUTES))
}

/// A waiting-room setting: blank for `default`, else a whole number within the range.
fn room_setting(field: &str, value: &str, default: i64, what: &str) -> Result<i64, ApiError> {
    let range = contract::model::ROOM_SETTING_RANGE;
    let wrong = || format!("Give the {what} as a whole number from {} to {}, or leave it blank for {default}.", range.start(), range.end());
    Ok(blank_or_whole_number(field, value, range.clone(), wrong)?.unwrap_or(default))
}

/// Blank: no offline payment. Otherwise whole days, 1 to [`MAX_OFFLINE_PAYMENT_DAYS`].
fn offline_payment_days(value: &str) -> Result<Option<i64>, ApiError> {
    blank_or_whole_number("offline_payment_days", value, 1..=MAX_OFFLINE_PAYMENT_DAYS, || {
        format!("Give the days buyers have to pay at the door or by invoice as a whole number from 1 to {MAX_OFFLINE_PAYMENT_DAYS}, or leave it blank to take card payments only.")
    })
}

/// A number field the form may leave blank (None): else a whole number within `range`, or the
/// field's `wrong` sentence.
fn blank_or_whole_number(
    field: &str,
    value: &str,
    range: std::ops::RangeInclusive<i64>,
    wrong: impl FnOnce() -> String,
) -> Result<Option<i64>, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match value.parse::<i64>() {
        Ok(number) if range.contains(&number) => Ok(Some(number)),
        _ => Err(invalid(field, wrong())),
    }
}

/// An access code or a discount code: what people type on phones and read out loud.
fn code(field: &str, value: &str, what: &str) -> Result<String, ApiError> {
    let code = value.trim();
    if code.is_empty() || code.chars().count() > MAX_CODE_CHARS || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(invalid(field, format!("{what} may use letters, digits, - and _, up to {MAX_CODE_CHARS} characters.")));
    }
    Ok(code.to_string())
}

pub fn ticket_type(input: &TicketTypeInput, tz: Tz) -> Result<TicketTypeChange, ApiError> {
    let name = text("name", &input.name, "a name for this ticket type", 100)?;
    let description = optional_text("description", &input.description, 1_000)?;
    let price_minor = decimal_minor("price", &input.price, "the price")?;
    if price_minor > MAX_PRICE_MINOR {
        return Err(invalid("price", "That price is more than we can sell a ticket for: please check it."));
    }
    if !(0..=MAX_CAPACITY).contains(&input.capacity) {
        return Err(invalid("capacity", format!("Capacity must be between 0 and {MAX_CAPACITY}.")));
    }
    let sale_starts_at = optional_local_time("sale_starts_local", &input.sale_starts_local, tz)?;
    let sale_ends_at = optional_local_time("sale_ends_local", &input.sale_ends_local, tz)?;
    if let (Some(starts), Some(ends)) = (sale_starts_at, sale_ends_at) {
        if ends <= starts {
            return Err(invalid("sale_ends_local", "The sale must end after it starts."));
        }
    }
    if !(1..=MAX_PER_ORDER).contains(&input.min_per_order) {
        return Err(invalid("min_per_order", format!("The minimum per order must be between 1 and {MAX_PER_ORDER}.")));
    }
    if !(input.min_per_order..=MAX_PER_ORDER).contains(&input.max_per_order) {
        return Err(invalid(
            "max_per_order",
            format!("The maximum per order must be at least the minimum ({}) and at most {MAX_PER_ORDER}.", input.min_per_order),
        ));
    }
    let access_code = match input.access_code.trim() {
        "" => None,
        value => Some(code("access_code", value, "An access code")?),
    };
    Ok(TicketTypeChange {
        name,
        description,
        price_minor,
        capacity: input.capacity,
        sale_starts_at,
        sale_ends_at,
        min_per_order: input.min_per_order,
        max_per_order: input.max_per_order,
        access_code,
    })
}

/// `event_types`: the ids of the event's ticket types, which a code may be limited to.
pub fn discount(input: &DiscountInput, tz: Tz, event_types: &[i64]) -> Result<DiscountChange, ApiError> {
    let code = code("code", &input.code, "A discount code")?.to_ascii_uppercase();
    let kind = DiscountKind::parse(input.kind.trim())
        .ok_or_else(|| invalid("kind", "Choose whether the discount is a percentage or a fixed amount."))?;
    let amount = match kind {
        DiscountKind::Percent => {
            let hundredths = decimal_minor("amount", &input.amount, "the percentage")?;
            if !(1..=10_000).contains(&hundredths) {
                return Err(invalid("amount", "A percentage discount must be more than 0 and at most 100."));
            }
            hundredths
        }
        DiscountKind::Fixed => {
            let minor = decimal_minor("amount", &input.amount, "the amount off")?;
            if minor == 0 || minor > MAX_PRICE_MINOR {
                return Err(invalid("amount", "The amount off must be more than 0."));
            }
            minor
        }
    };
    if let Some(max_uses) = input.max_uses {
        if max_uses < 1 {
            return Err(invalid("max_uses", "Leave the number of uses empty for no limit, or give 1 or more."));
        }
    }
    let expires_at = optional_local_time("expires_local", &input.expires_local, tz)?;
    let mut ticket_type_ids = input.ticket_type_ids.clone();
    ticket_type_ids.sort_unstable();
    ticket_type_ids.dedup();
    if let Some(stranger) = ticket_type_ids.iter().find(|id| !event_types.contains(id)) {
        return Err(invalid("ticket_type_ids", format!("Ticket type {stranger} is not one of this event's.")));
    }
    Ok(DiscountChange { code, kind, amount, max_uses: input.max_uses, expires_at, ticket_type_ids })
}

pub fn question(input: &QuestionInput) -> Result<QuestionChange, ApiError> {
    let label = text("label", &input.label, "the question", MAX_TITLE_CHARS)?;
    let kind = QuestionKind::parse(input.kind.trim())
        .ok_or_else(|| invalid("kind", "Choose whether the answer is free text or a choice among options."))?;
    let options = match kind {
        QuestionKind::Text => Vec::new(),
        QuestionKind::Choice => {
            let options: Vec<String> = input.options.iter().map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect();
            if options.len() < 2 || options.len() > MAX_OPTIONS {
                return Err(invalid("options", format!("A choice needs between 2 and {MAX_OPTIONS} options, one per line.")));
            }
            if let Some(long) = options.iter().find(|o| o.chars().count() > MAX_OPTION_CHARS || o.chars().any(char::is_control)) {
                return Err(invalid("options", format!("Option \"{long}\" is too long or has characters that cannot be shown.")));
            }
            let mut seen = std::collections::HashSet::new();
            if let Some(twice) = options.iter().find(|o| !seen.insert(o.to_lowercase())) {
                return Err(invalid("options", format!("\"{twice}\" is listed twice.")));
            }
            options
        }
    };
    Ok(QuestionChange { label, kind, options, required: input.required })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_become_minor_units_and_mistakes_are_named() {
        assert_eq!(decimal_minor("price", "25", "x").unwrap(), 2500);
        assert_eq!(decimal_minor("price", " 25.5 ", "x").unwrap(), 2550);
        assert_eq!(decimal_minor("price", "0.05", "x").unwrap(), 5);
        for bad in ["", "-1", "abc", "1,50", "1.234", ".5", "1e3", "9999999999"] {
            let err = decimal_minor("price", bad, "the price").unwrap_err();
            assert!(matches!(err, ApiError::Invalid { field: Some(ref f), .. } if f == "price"), "{bad:?}");
        }
        assert_eq!(minor_to_decimal(2550), "25.50");
    }

    #[test]
    fn local_times_are_read_in_the_events_zone() {
        let tz: Tz = "Europe/Amsterdam".parse().unwrap();
        let at = local_time("starts_local", "2026-12-12T20:00", tz).unwrap();
        assert_eq!(at.to_rfc3339(), "2026-12-12T19:00:00+00:00");
        assert_eq!(to_local(at, tz), "2026-12-12T20:00");
        // 02:30 on the last Sunday of March does not exist in Amsterdam.
        assert!(local_time("starts_local", "2026-03-29T02:30", tz).is_err());
        assert!(local_time("starts_local", "12/12/2026", tz).is_err());
    }
}
