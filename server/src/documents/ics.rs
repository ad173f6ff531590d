//! The event as an iCalendar file (RFC 5545), for "Add to calendar" and the confirmation email.
//!
//! Policy: times are written in UTC (`...Z`), so every calendar shows them in its owner's zone and
//! no VTIMEZONE block is needed; the event's own zone is named in the description. Every text that
//! came from a person is escaped (backslash, semicolon, comma, line breaks), and lines are folded
//! at 75 octets without splitting a character, as the RFC asks.
use chrono::{DateTime, Utc};
use contract::model::EventDetails;

/// What one calendar entry says.
pub struct CalendarEntry<'a> {
    pub event: &'a EventDetails,
    /// Stable across downloads of the same order, so calendars update the entry instead of
    /// adding another: `order-<reference>@<host>`.
    pub uid: String,
    /// The order page, where the tickets are.
    pub url: &'a str,
    pub description: String,
    pub stamped_at: DateTime<Utc>,
}

pub fn calendar(entry: &CalendarEntry<'_>) -> String {
    let event = entry.event;
    let mut ics = String::new();
    for (name, value) in [
        ("BEGIN", "VCALENDAR".to_string()),
        ("VERSION", "2.0".to_string()),
        ("PRODID", "-//Stampede//Tickets//EN".to_string()),
        ("CALSCALE", "GREGORIAN".to_string()),
        ("METHOD", "PUBLISH".to_string()),
        ("BEGIN", "VEVENT".to_string()),
        ("UID", escape(&entry.uid)),
        ("DTSTAMP", utc(entry.stamped_at)),
        ("DTSTART", utc(event.starts_at)),
        ("DTEND", utc(event.ends_at)),
        ("SUMMARY", escape(&event.title)),
        ("LOCATION", escape(&event.venue)),
        ("DESCRIPTION", escape(&entry.description)),
        ("URL", entry.url.to_string()),
        ("END", "VEVENT".to_string()),
        ("END", "VCALENDAR".to_string()),
    ] {
        fold_into(&mut ics, &format!("{name}:{value}"));
    }
    ics
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT values (RFC 5545 3.3.11).
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => escaped.push_str("\\n"),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// Appends one content line, folded at 75 octets (a CRLF and a space before each continuation).
fn fold_into(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event() -> EventDetails {
        EventDetails {
            slug: "jam".into(),
            title: "Summer Jam; live, loud".into(),
            description: String::new(),
            venue: "Paradiso\nAmsterdam".into(),
            timezone: "Europe/Amsterdam".into(),
            starts_at: Utc.with_ymd_and_hms(2030, 6, 1, 18, 0, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2030, 6, 1, 21, 30, 0).unwrap(),
            currency: "EUR".into(),
            offline_payment_days: None,
            card_payments: true,
            waiting_list: true,
            waiting_list_offer_minutes: 240,
            waiting_room: false,
            waiting_room_per_minute: 3000,
            waiting_room_max_active: 1000,
        }
    }

    fn unfolded(ics: &str) -> Vec<String> {
        ics.replace("\r\n ", "").split("\r\n").filter(|line| !line.is_empty()).map(str::to_string).collect()
    }

    #[test]
    fn writes_utc_times_and_escapes_what_people_typed() {
        let event = event();
        let entry = CalendarEntry {
            event: &event,
            uid: "order-ABC123@tickets.example".into(),
            url: "https://tickets.example/o/token",
            description: "2 tickets, order ABC123 \\ back,slash".into(),
            stamped_at: Utc.with_ymd_and_hms(2030, 5, 1, 9, 0, 0).unwrap(),
        };
        let ics = calendar(&entry);
        let lines = unfolded(&ics);
        assert!(lines.contains(&"DTSTART:20300601T180000Z".to_string()), "{ics}");
        assert!(lines.contains(&"DTEND:20300601T213000Z".to_string()));
        assert!(lines.contains(&"SUMMARY:Summer Jam\\; live\\, loud".to_string()));
        assert!(lines.contains(&"LOCATION:Paradiso\\nAmsterdam".to_string()));
        assert!(lines.contains(&"DESCRIPTION:2 tickets\\, order ABC123 \\\\ back\\,slash".to_string()));
        assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
        assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
        assert!(ics.ends_with("\r\n") && !ics.replace("\r\n", "").contains('\n'), "CRLF only");
    }

    #[test]
    fn folds_long_lines_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let line = format!("SUMMARY:{}", "Ünïcödé ".repeat(30));
        fold_into(&mut out, &line);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets: {physical:?}", physical.len());
        }
        assert_eq!(out.replace("\r\n ", ""), format!("{line}\r\n"));
    }
}
