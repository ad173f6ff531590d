//! What each event's waiting room last reported (the edge's Durable Object, through
//! `POST /api/rooms/{event_id}/report`).
//!
//! Policy: one row per event, replaced by each report; the rate the organiser sees (let in per
//! minute) is measured here, between the report before and this one, so the room need not keep
//! a history.
use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contract::admin::AdminRoom;
use contract::model::RoomReport;

/// Let in per minute between two reports (0 when they are too close to tell, or the room restarted).
pub fn admitted_per_minute(before: Option<(i64, DateTime<Utc>)>, admitted: i64, now: DateTime<Utc>) -> i64 {
    let Some((admitted_before, at)) = before else {
        return 0;
    };
    let ms = (now - at).num_milliseconds();
    if ms < 1_000 || admitted < admitted_before {
        return 0;
    }
    (admitted - admitted_before) * 60_000 / ms
}

#[async_trait]
pub trait RoomReports: Send + Sync {
    /// Keeps `report` as the event's latest; false when there is no such event.
    async fn record_room_report(&self, event_id: i64, report: &RoomReport, now: DateTime<Utc>) -> StoreResult<bool>;

    /// The event's latest report, as the organiser sees it.
    async fn room_report(&self, event_id: i64) -> StoreResult<Option<AdminRoom>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_measured_between_two_reports() {
        let at = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let later = at + chrono::Duration::seconds(5);
        assert_eq!(admitted_per_minute(None, 40, later), 0, "nothing to measure against");
        assert_eq!(admitted_per_minute(Some((10, at)), 60, later), 600, "50 in five seconds");
        assert_eq!(admitted_per_minute(Some((10, at)), 5, later), 0, "a room that started again");
        assert_eq!(admitted_per_minute(Some((10, at)), 20, at), 0, "the same moment");
    }
}
