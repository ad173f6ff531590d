//! The time the pages count with. It starts at the host's `now` (so the first frame matches the
//! server's HTML), then ticks every second in the browser, corrected by the offset between the
//! browser's clock and the server's as seen in API responses: a phone whose clock is off still shows
//! the right countdown.
use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Clock {
    now: RwSignal<DateTime<Utc>>,
    offset_ms: StoredValue<i64>,
}

impl Clock {
    pub fn new(initial: DateTime<Utc>) -> Clock {
        let clock = Clock { now: RwSignal::new(initial), offset_ms: StoredValue::new(0) };
        // Effects run only in the browser, after hydration.
        Effect::new(move |_| {
            clock.sync_with_server(initial);
            set_interval(move || clock.now.set(clock.browser_now()), std::time::Duration::from_secs(1));
        });
        clock
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now.get()
    }

    /// The time, outside a view that should follow it.
    pub fn now_untracked(&self) -> DateTime<Utc> {
        self.now.get_untracked()
    }

    /// Records how far the browser's clock is from the server's, given a server timestamp that is
    /// at most a few seconds old. Offsets beyond a day are ignored as stale data, not skew.
    pub fn sync_with_server(&self, server_now: DateTime<Utc>) {
        let offset = server_now.timestamp_millis() - browser_millis();
        if offset.abs() < 86_400_000 {
            self.offset_ms.set_value(offset);
        }
    }

    fn browser_now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(browser_millis() + self.offset_ms.get_value()).unwrap_or_default()
    }
}

#[cfg(feature = "hydrate")]
fn browser_millis() -> i64 {
    js_sys::Date::now() as i64
}

#[cfg(not(feature = "hydrate"))]
fn browser_millis() -> i64 {
    // Only reached on a host, where effects never run; kept so both builds share one Clock.
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|elapsed| elapsed.as_millis() as i64).unwrap_or_default()
}

pub fn use_clock() -> Clock {
    expect_context::<Clock>()
}

/// "2:59", "1:02:03", "3d 4h": a countdown short enough for a phone.
pub fn format_countdown(seconds: i64) -> String {
    let s = seconds.max(0);
    let (days, hours, minutes, secs) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}:{minutes:02}:{secs:02}")
    } else {
        format!("{minutes}:{secs:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::format_countdown;

    #[test]
    fn countdowns_read_naturally() {
        assert_eq!(format_countdown(179), "2:59");
        assert_eq!(format_countdown(0), "0:00");
        assert_eq!(format_countdown(-5), "0:00");
        assert_eq!(format_countdown(3_723), "1:02:03");
        assert_eq!(format_countdown(3 * 86_400 + 4 * 3_600 + 5), "3d 4h");
    }
}
