//! How much one buyer may take at once and how often they may ask: the storefront's limits
//! against hoarding and guessing (docs/operations.md, "Security").
//!
//! Policy:
//! - A buyer is a network (`ClientAddress::network`) and, when the browser keeps cookies, its
//!   browser token (`contract::rules::client`). Holds are rate-limited per network. The tickets a
//!   buyer holds at once per event are capped per browser and, higher, per network (people behind
//!   one address, a household or a campus, share that cap; a bot that drops its cookie meets it).
//!   A hold counts from the moment it is asked for (so parallel requests cannot overrun a cap)
//!   until it is released, becomes an order, or expires.
//! - Codes (access codes, discount codes) that do not apply are counted per network and per hold;
//!   a code that works costs nothing. Beyond either budget, codes are refused without being
//!   looked at, with a 429 that says the limit.
//! - Joining a waiting list is rate-limited per network, so that nobody can fill a list with
//!   made-up addresses ahead of the people who want the tickets.
//! - Everything lives in the process, like `budget`: with several origins, each counts on its
//!   own. The edge limits holds too (a first line); these are the limits that hold.
use crate::budget::{Budget, PruneAt};
use crate::config::Rate;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use uuid::Uuid;

/// Who is asking, as the limits count them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Buyer {
    pub network: IpAddr,
    /// The browser token, when the browser sent a well-formed one.
    pub browser: Option<String>,
}

impl Buyer {
    /// The origin's own sales (the demo's box office): counted against nobody. No request ever
    /// comes from the unspecified address.
    pub fn box_office() -> Buyer {
        Buyer { network: IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), browser: None }
    }

    fn is_box_office(&self) -> bool {
        self.network.is_unspecified()
    }
}

#[derive(Clone, Copy, Debug)]
pub struct FairUseSettings {
    /// Holds asked for per network (`HOLD_RATE_BURST`, `HOLD_RATE_PER_MINUTE`, as at the edge).
    pub holds_per_network: Rate,
    /// Tickets one browser may hold at once per event (`HOLD_TICKETS_PER_BROWSER`).
    pub tickets_per_browser: i64,
    /// Tickets one network may hold at once per event (`HOLD_TICKETS_PER_NETWORK`).
    pub tickets_per_network: i64,
    /// Codes that did not apply, per network (`CODE_ATTEMPTS_BURST`, `CODE_ATTEMPTS_PER_HOUR`).
    pub code_failures_per_network: Rate,
    /// Codes that did not apply, per hold (`CODE_ATTEMPTS_PER_HOLD`): a hold lives minutes, so
    /// this is a count, not a rate.
    pub code_failures_per_hold: u32,
    /// Waiting-list joins per network (`WAITING_LIST_JOIN_BURST`, `WAITING_LIST_JOIN_PER_HOUR`).
    pub waiting_list_joins_per_network: Rate,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Holder {
    Browser(String),
    Network(IpAddr),
}

/// An event and one who holds its tickets.
type HolderKey = (i64, Holder);

#[derive(Clone, Copy)]
struct Counted {
    hold: Uuid,
    tickets: i64,
    expires_at: DateTime<Utc>,
}

pub struct FairUse {
    settings: FairUseSettings,
    hold_requests: Budget<IpAddr>,
    code_failures_by_network: Budget<IpAddr>,
    code_failures_by_hold: Budget<Uuid>,
    waiting_list_joins: Budget<IpAddr>,
    held: Mutex<Held>,
}

/// The holds counted against each (event, holder), and each hold's holders, so that closing a
/// hold is two lookups, not a walk of every buyer.
#[derive(Default)]
struct Held {
    by_holder: HashMap<HolderKey, Vec<Counted>>,
    /// Each hold's expiry and holders.
    by_hold: HashMap<Uuid, (DateTime<Utc>, Vec<HolderKey>)>,
    prune_at: PruneAt,
}

impl Held {
    /// Drops what expired; by the `budget` policy, only when the map has doubled since last time.
    fn prune(&mut self, now: DateTime<Utc>) {
        if !self.prune_at.due(self.by_holder.len() + self.by_hold.len()) {
            return;
        }
        self.by_holder.retain(|_, holds| {
            holds.retain(|counted| counted.expires_at > now);
            !holds.is_empty()
        });
        self.by_hold.retain(|_, (expires_at, _)| *expires_at > now);
        self.prune_at.pruned(self.by_holder.len() + self.by_hold.len());
    }
}

/// Which code a buyer tried, for the refusal's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    Access,
    Discount,
}

impl FairUse {
    pub fn new(settings: FairUseSettings) -> FairUse {
        let per_hold = Rate { burst: settings.code_failures_per_hold.max(1), per_hour: 1 };
        FairUse {
            settings,
            hold_requests: Budget::new(settings.holds_per_network),
            code_failures_by_network: Budget::new(settings.code_failures_per_network),
            code_failures_by_hold: Budget::new(per_hold),
            waiting_list_joins: Budget::new(settings.waiting_list_joins_per_network),
            held: Mutex::new(Held::default()),
        }
    }

    /// Counts a hold of `tickets` for `event_id` against the buyer, or says which limit it is over.
    /// The caller calls [`FairUse::closed`] when the hold is not made after all.
    pub fn admit_hold(
        &self,
        buyer: &Buyer,
        event_id: i64,
        hold: Uuid,
        tickets: i64,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        if buyer.is_box_office() {
            return Ok(());
        }
        if !self.hold_requests.take(&buyer.network) {
            let rate = self.settings.holds_per_network;
            return Err(ApiError::TooManyRequests(format!(
                "Too many reservations from your network: at most {} in a row, then {} a minute. Wait a minute and try again.",
                rate.burst,
                rate.per_hour / 60
            )));
        }
        let mut held = self.lock();
        held.prune(now);
        let mut holders = vec![(Holder::Network(buyer.network), self.settings.tickets_per_network)];
        if let Some(browser) = &buyer.browser {
            holders.push((Holder::Browser(browser.clone()), self.settings.tickets_per_browser));
        }
        for (holder, cap) in &holders {
            let holds = held.by_holder.entry((event_id, holder.clone())).or_default();
            holds.retain(|counted| counted.expires_at > now);
            let holding: i64 = holds.iter().map(|counted| counted.tickets).sum();
            if holding + tickets > *cap {
                let whom = match holder {
                    Holder::Browser(_) => "one buyer",
                    Holder::Network(_) => "one network",
                };
                return Err(ApiError::TooManyRequests(format!(
                    "You are holding {holding} ticket(s) for this event already, and {whom} can hold at most {cap} at once. \
                     Finish or cancel your other checkout first."
                )));
            }
        }
        let keys: Vec<HolderKey> = holders.into_iter().map(|(holder, _)| (event_id, holder)).collect();
        for key in &keys {
            held.by_holder.entry(key.clone()).or_default().push(Counted { hold, tickets, expires_at });
        }
        held.by_hold.insert(hold, (expires_at, keys));
        Ok(())
    }

    /// The hold no longer keeps stock (released, ordered, or never made): it counts no more.
    pub fn closed(&self, hold: Uuid) {
        let mut held = self.lock();
        let (_, keys) = held.by_hold.remove(&hold).unwrap_or_default();
        for key in keys {
            if let Some(holds) = held.by_holder.get_mut(&key) {
                holds.retain(|counted| counted.hold != hold);
                if holds.is_empty() {
                    held.by_holder.remove(&key);
                }
            }
        }
    }

    /// Before a code is looked at: refused when the network's or the hold's budget of codes that
    /// did not apply is spent. The charge is given back unless [`CodeCharge::failed`] is called.
    /// Counts a waiting-list join against the buyer's network, or refuses it with a 429.
    pub fn try_join_waiting_list(&self, buyer: &Buyer) -> Result<(), ApiError> {
        if buyer.is_box_office() || self.waiting_list_joins.take(&buyer.network) {
            return Ok(());
        }
        let rate = self.settings.waiting_list_joins_per_network;
        Err(ApiError::TooManyRequests(format!(
            "Too many waiting-list sign-ups came from your network (the limit is {} at once, then {} an hour). Wait a while and try again.",
            rate.burst, rate.per_hour
        )))
    }

    pub fn try_code(&self, buyer: &Buyer, hold: Option<Uuid>, kind: CodeKind) -> Result<CodeCharge<'_>, ApiError> {
        if buyer.is_box_office() {
            return Ok(CodeCharge { fair_use: self, network: buyer.network, hold: None, failed: true });
        }
        let what = match kind {
            CodeKind::Access => "access codes",
            CodeKind::Discount => "discount codes",
        };
        if !self.code_failures_by_network.take(&buyer.network) {
            let rate = self.settings.code_failures_per_network;
            return Err(ApiError::TooManyRequests(format!(
                "Too many {what} that do not apply were tried from your network (the limit is {} at once, then {} an hour). \
                 Wait a while, and check the code you were given.",
                rate.burst, rate.per_hour
            )));
        }
        if let Some(hold) = hold {
            if !self.code_failures_by_hold.take(&hold) {
                self.code_failures_by_network.give_back(&buyer.network);
                return Err(ApiError::TooManyRequests(format!(
                    "Too many {what} that do not apply were tried for this reservation (at most {}). \
                     Order without a code, or start again from the event page.",
                    self.settings.code_failures_per_hold
                )));
            }
        }
        Ok(CodeCharge { fair_use: self, network: buyer.network, hold, failed: false })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Held> {
        // Each change is one retain or push: a panic cannot leave the map half-changed.
        self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A code attempt charged in advance: given back on drop unless the code did not apply.
pub struct CodeCharge<'a> {
    fair_use: &'a FairUse,
    network: IpAddr,
    hold: Option<Uuid>,
    failed: bool,
}

impl CodeCharge<'_> {
    /// The code did not apply: the attempt counts.
    pub fn failed(mut self) {
        self.failed = true;
    }
}

impl Drop for CodeCharge<'_> {
    fn drop(&mut self) {
        if !self.failed {
            self.fair_use.code_failures_by_network.give_back(&self.network);
            if let Some(hold) = self.hold {
                self.fair_use.code_failures_by_hold.give_back(&hold);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> FairUseSettings {
        FairUseSettings {
            holds_per_network: Rate { burst: 100, per_hour: 60 },
            tickets_per_browser: 4,
            tickets_per_network: 6,
            code_failures_per_network: Rate { burst: 3, per_hour: 1 },
            code_failures_per_hold: 2,
            waiting_list_joins_per_network: Rate { burst: 2, per_hour: 1 },
        }
    }

    fn buyer(network: [u8; 4], browser: Option<&str>) -> Buyer {
        Buyer { network: IpAddr::from(network), browser: browser.map(str::to_string) }
    }

    #[test]
    fn a_browser_and_a_network_hold_up_to_their_caps_per_event() {
        let fair_use = FairUse::new(settings());
        let now = Utc::now();
        let later = now + chrono::Duration::minutes(10);
        let ada = buyer([192, 0, 2, 1], Some("a"));
        fair_use.admit_hold(&ada, 1, Uuid::new_v4(), 4, later, now).unwrap();
        assert!(fair_use.admit_hold(&ada, 1, Uuid::new_v4(), 1, later, now).is_err(), "the browser's cap");
        fair_use.admit_hold(&ada, 2, Uuid::new_v4(), 4, later, now).expect("another event counts apart");
        let housemate = buyer([192, 0, 2, 1], Some("b"));
        fair_use.admit_hold(&housemate, 1, Uuid::new_v4(), 2, later, now).unwrap();
        let err = fair_use.admit_hold(&housemate, 1, Uuid::new_v4(), 1, later, now).unwrap_err().to_string();
        assert!(err.contains("one network can hold at most 6"), "{err}");
    }

    #[test]
    fn a_hold_stops_counting_when_closed_or_expired() {
        let fair_use = FairUse::new(settings());
        let now = Utc::now();
        let ada = buyer([192, 0, 2, 1], Some("a"));
        let first = Uuid::new_v4();
        fair_use.admit_hold(&ada, 1, first, 4, now + chrono::Duration::minutes(10), now).unwrap();
        fair_use.closed(first);
        let second = Uuid::new_v4();
        fair_use.admit_hold(&ada, 1, second, 4, now + chrono::Duration::seconds(1), now).unwrap();
        fair_use.admit_hold(&ada, 1, Uuid::new_v4(), 4, now + chrono::Duration::minutes(10), now + chrono::Duration::seconds(2)).unwrap();
    }

    #[test]
    fn expired_holds_are_dropped_when_the_map_has_doubled() {
        let fair_use = FairUse::new(settings());
        let now = Utc::now();
        let soon = now + chrono::Duration::seconds(1);
        for i in 0..crate::budget::PRUNE_AT as u32 {
            let buyer = Buyer { network: IpAddr::from((i + 1).to_be_bytes()), browser: None };
            fair_use.admit_hold(&buyer, 1, Uuid::new_v4(), 1, soon, now).unwrap();
        }
        let later = now + chrono::Duration::seconds(2);
        fair_use.admit_hold(&buyer([192, 0, 2, 1], None), 1, Uuid::new_v4(), 1, later + chrono::Duration::minutes(1), later).unwrap();
        let held = fair_use.lock();
        assert_eq!((held.by_holder.len(), held.by_hold.len()), (1, 1), "only the live hold is left");
    }

    #[test]
    fn only_codes_that_fail_count() {
        let fair_use = FairUse::new(settings());
        let ada = buyer([192, 0, 2, 1], None);
        for _ in 0..10 {
            drop(fair_use.try_code(&ada, None, CodeKind::Access).unwrap());
        }
        let hold = Uuid::new_v4();
        fair_use.try_code(&ada, Some(hold), CodeKind::Discount).unwrap().failed();
        fair_use.try_code(&ada, Some(hold), CodeKind::Discount).unwrap().failed();
        let err = fair_use.try_code(&ada, Some(hold), CodeKind::Discount).err().unwrap().to_string();
        assert!(err.contains("for this reservation (at most 2)"), "{err}");
        fair_use.try_code(&ada, None, CodeKind::Access).unwrap().failed();
        let err = fair_use.try_code(&ada, None, CodeKind::Access).err().unwrap().to_string();
        assert!(err.contains("from your network"), "{err}");
    }

    #[test]
    fn waiting_list_joins_are_counted_per_network() {
        let fair_use = FairUse::new(settings());
        let (here, there) = (buyer([10, 0, 0, 1], Some("a")), buyer([10, 0, 0, 2], None));
        assert!(fair_use.try_join_waiting_list(&here).is_ok());
        assert!(fair_use.try_join_waiting_list(&here).is_ok());
        assert!(matches!(fair_use.try_join_waiting_list(&here), Err(ApiError::TooManyRequests(_))));
        assert!(fair_use.try_join_waiting_list(&there).is_ok(), "another network has its own budget");
        assert!(fair_use.try_join_waiting_list(&Buyer::box_office()).is_ok());
    }
}
