//! The waiting room's reports of itself, from the edge's room to the organiser's admin.
//!
//! Policy: a report is believed only when it is sealed with the room's key (`WAITING_ROOM_KEY`,
//! `admission::seal`), the key the room signs admissions with: nothing else can make the organiser
//! see a queue that is not there. A report is stats, never stock: it changes nothing a buyer meets.
use super::Storefront;
use crate::error::ApiError;
use crate::store;
use contract::model::RoomReport;
use contract::rules::admission;

impl Storefront {
    /// Keeps the report in `sealed` (the room's JSON, sealed with the key) as the event's latest.
    #[tracing::instrument(skip(self, sealed))]
    pub async fn record_room_report(&self, event_id: i64, sealed: &str) -> Result<(), ApiError> {
        let Some(key) = self.admissions.key() else {
            return Err(ApiError::Busy("This origin has no WAITING_ROOM_KEY: it cannot read the waiting room's reports.".into()));
        };
        let json = admission::unseal(&key.0, sealed)
            .ok_or_else(|| ApiError::Forbidden("This report is not sealed with the waiting room's key.".into()))?;
        let report: RoomReport =
            serde_json::from_str(json).map_err(|err| ApiError::BadRequest(format!("The room's report could not be read: {err}")))?;
        if !self.store.record_room_report(event_id, &report, store::now()).await? {
            return Err(ApiError::NotFound("There is no such event.".into()));
        }
        Ok(())
    }
}
