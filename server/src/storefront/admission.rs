//! The waiting room's admissions, as the origin checks them on every hold of an event whose room
//! is on (the token's policy: `contract::rules::admission`).
//!
//! Policy: such a hold needs a valid admission for its event, or it is refused with 403 and words
//! that send the buyer to the queue; going around the edge to the origin gains nothing. One place
//! in the queue keeps one live hold at a time: a second is refused with 409 until the first is
//! ordered, released or expired, so an admission passed around buys no more than one buyer's
//! tickets. The per-client hold limits (`fair_use`) apply inside the room as outside it. Two holds
//! of one place at the same instant on this origin are told apart by `claimed`; across origins,
//! the database's live hold is what a second one meets.
use crate::config::WaitingRoomKey;
use crate::error::ApiError;
use crate::store::Store;
use chrono::{DateTime, Utc};
use contract::rules::admission;
use std::collections::HashSet;
use std::sync::Mutex;

pub struct Admissions {
    key: Option<WaitingRoomKey>,
    /// Places whose hold is being made on this origin right now.
    claimed: Mutex<HashSet<String>>,
}

/// A place in the queue, claimed while its hold is made.
pub struct Claim<'a> {
    admissions: &'a Admissions,
    pub queue_id: String,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.admissions.claimed_places().remove(&self.queue_id);
    }
}

impl Admissions {
    pub fn new(key: Option<WaitingRoomKey>) -> Admissions {
        Admissions { key, claimed: Mutex::default() }
    }

    /// The key admissions (and the room's reports) are sealed with, when this origin has one.
    pub fn key(&self) -> Option<&WaitingRoomKey> {
        self.key.as_ref()
    }

    fn claimed_places(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.claimed.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The place `token` gives in the event's room at `now`, claimed for one hold; or why not.
    pub async fn admit(&self, store: &dyn Store, event_id: i64, token: Option<&str>, now: DateTime<Utc>) -> Result<Claim<'_>, ApiError> {
        let Some(key) = &self.key else {
            tracing::error!(event_id, "an event's waiting room is on, but this origin has no WAITING_ROOM_KEY to check admissions with");
            return Err(ApiError::Busy("The sale's waiting room is not ready yet: please try again in a moment.".into()));
        };
        let admission =
            admission::verify(&key.0, token, event_id, now.timestamp()).map_err(|refusal| ApiError::Forbidden(refusal.message().into()))?;
        if !self.claimed_places().insert(admission.queue_id.clone()) {
            return Err(one_hold_per_place());
        }
        let claim = Claim { admissions: self, queue_id: admission.queue_id };
        if store.admission_has_live_hold(&claim.queue_id, now).await? {
            return Err(one_hold_per_place());
        }
        Ok(claim)
    }
}

fn one_hold_per_place() -> ApiError {
    ApiError::Conflict {
        field: None,
        message: "You already have tickets reserved with this place in the queue: finish that order (or release it) first.".into(),
    }
}
