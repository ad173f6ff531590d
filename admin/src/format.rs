//! How instants are shown. Policy: moments the origin reports in UTC (orders, check-ins, dashboard
//! refreshes) are shown in the browser's own time zone, because that is the clock on the wall of
//! whoever is looking; event times are the event's own local times, which the origin formats.
use chrono::{DateTime, Utc};
use wasm_bindgen::JsValue;

fn date(at: DateTime<Utc>) -> js_sys::Date {
    js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64))
}

/// "14:03:05".
pub fn time(at: DateTime<Utc>) -> String {
    date(at).to_locale_time_string("en-GB").into()
}

/// "14:03".
pub fn minute(at: DateTime<Utc>) -> String {
    let mut text = time(at);
    text.truncate(5);
    text
}

/// "12 Dec 2026, 14:03".
pub fn date_time(at: DateTime<Utc>) -> String {
    let options = js_sys::Object::new();
    for (key, value) in [("day", "numeric"), ("month", "short"), ("year", "numeric"), ("hour", "2-digit"), ("minute", "2-digit")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    date(at).to_locale_string("en-GB", &options).into()
}

/// The browser's IANA time zone ("Europe/Amsterdam"), the likeliest default for a new event.
pub fn browser_time_zone() -> String {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()
        .and_then(|zone| zone.as_string())
        .unwrap_or_else(|| "UTC".to_string())
}

/// "5,743": counts on the dashboard, read at a glance (grouped like the storefront's prices).
pub use app::format::thousands as count;

/// "3 tickets", "1 ticket".
pub fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
