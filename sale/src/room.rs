//! A buyer in the event's waiting room (`--through-edge`), as the queue page on a phone: poll the
//! edge's queue as often as it says until let in or told the tickets are gone, keeping the room's
//! cookies; then the page, the hold and the order carry the admission.
//!
//! What is measured: each poll's latency, the wait from arriving to being let in, and how long
//! the poll that said "sold out" took. What is checked afterwards (`RoomReport`): every buyer got
//! an answer (let in, or sold out); people were let in in the order of their places (the room's
//! time of letting them in is in the admission it signs); the
//! pre-queue's places were drawn by lot (arrival order says nothing of them); later arrivals got
//! places in arrival order.
use crate::buyers::{Outcome, Sale};
use crate::stats::Step;
use app::model::{QueueState, QueueStatus};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A buyer's cookies for the edge (the room's place and admission).
#[derive(Default)]
pub struct Jar {
    cookies: Vec<(String, String)>,
}

impl Jar {
    pub fn header(&self) -> String {
        self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
    }

    pub fn absorb(&mut self, set_cookies: &[String]) {
        for line in set_cookies {
            let pair = line.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else { continue };
            self.cookies.retain(|(kept, _)| kept != name);
            self.cookies.push((name.trim().to_string(), value.trim().to_string()));
        }
    }

    /// The place the room gave (0 first), from the sealed place cookie `q1.<event>.<queue>.<place>.<mac>`.
    fn place(&self) -> Option<u64> {
        self.field("stampede_queue", 3)
    }

    /// When the room's admission runs out (unix seconds): the room's clock at letting them in, plus
    /// the same lifetime for all, so the order of these is the order in which the room let people in.
    fn admission_expires(&self) -> Option<u64> {
        self.field("stampede_admission", 3)
    }

    fn field(&self, cookie: &str, index: usize) -> Option<u64> {
        let (_, value) = self.cookies.iter().find(|(name, _)| name == cookie)?;
        value.split('.').nth(index)?.parse().ok()
    }
}

/// How a buyer's wait ended.
pub enum Turn {
    Admitted(Jar),
    SoldOut,
    /// The run's deadline came first.
    NoAnswer,
}

/// One buyer as the room saw them.
struct Visit {
    arrived: Instant,
    /// The room said they were in the pre-queue: their place was drawn by lot.
    pre_queued: bool,
    place: Option<u64>,
    admitted: Option<Instant>,
    /// The admission's expiry, as the room signed it.
    admission_expires: Option<u64>,
    told_sold_out: bool,
}

#[derive(Default)]
pub struct RoomLog {
    visits: Mutex<Vec<Visit>>,
}

/// Waits in the room as the queue page does: polls as often as the edge says until let in. Told
/// "sold out", the page keeps watching for `patience` (tickets that come back reopen the line,
/// places as they were), then the buyer leaves.
pub async fn wait_turn(sale: &Sale, buyer: usize, rng: &mut StdRng) -> Turn {
    let arrived = Instant::now();
    let mut jar = Jar::default();
    let mut sold_out_since = None::<Instant>;
    let mut pre_queued = false;
    let mut place = None;
    let url = sale.url(&format!("/api/events/{}/queue", sale.slug));
    let turn = loop {
        let gave_up = sold_out_since.is_some_and(|since| since.elapsed() >= sale.options.patience);
        if Instant::now() >= sale.deadline || gave_up {
            break if sold_out_since.is_some() { Turn::SoldOut } else { Turn::NoAnswer };
        }
        let request = sale.as_buyer(buyer, sale.client.get(&url)).header("cookie", jar.header());
        let asked = Instant::now();
        let (outcome, set_cookies) = sale.exchange(Step::QueuePoll, request, 200).await;
        jar.absorb(&set_cookies);
        place = jar.place().or(place);
        let status = match outcome {
            Outcome::Status(200, Some(body), _) => serde_json::from_str::<QueueStatus>(&body).ok(),
            _ => None,
        };
        let poll_after_ms = match status {
            Some(QueueStatus { state: QueueState::Admitted { .. } | QueueState::Open, .. }) => {
                sale.recorder.record(Step::QueueWait, "admitted", arrived.elapsed(), true);
                break Turn::Admitted(jar);
            }
            Some(QueueStatus { state: QueueState::SoldOut, poll_after_ms }) => {
                if sold_out_since.is_none() {
                    sale.recorder.record(Step::SoldOutTold, "sold out", asked.elapsed(), true);
                    sold_out_since = Some(Instant::now());
                }
                poll_after_ms
            }
            Some(QueueStatus { state, poll_after_ms }) => {
                pre_queued |= matches!(state, QueueState::PreQueue { .. });
                poll_after_ms
            }
            None => rng.gen_range(500..1_500),
        };
        // A phone's page polls as told; a little jitter, as phones' timers drift.
        let jitter = rng.gen_range(0..=poll_after_ms / 10 + 1);
        let until = (Instant::now() + Duration::from_millis(u64::from(poll_after_ms.max(500) + jitter))).min(sale.deadline);
        tokio::time::sleep_until(until.into()).await;
    };
    let admitted = matches!(turn, Turn::Admitted(_)).then(Instant::now);
    let admission_expires = match &turn {
        Turn::Admitted(jar) => jar.admission_expires(),
        _ => None,
    };
    let mut visits = sale.room_log.visits.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    visits.push(Visit { arrived, pre_queued, place, admitted, admission_expires, told_sold_out: sold_out_since.is_some() });
    turn
}

/// What the room's answers came to, over all buyers.
pub struct RoomReport {
    pub admitted: usize,
    pub told_sold_out: usize,
    pub unanswered: usize,
    /// Pairs let in against their places' order (by the room's own clock, to the second).
    pub out_of_turn: usize,
    /// Rank correlation of arrival order and place among those in the pre-queue (0: a fair
    /// lottery; 1: first come first served).
    pub pre_queue_rank_corr: f64,
    /// Among later arrivals, the share of pairs (more than 100 ms apart) placed against arrival order.
    pub fifo_inversions: f64,
}

impl RoomReport {
    pub fn line(&self) -> String {
        format!(
            "admitted={} told_sold_out={} unanswered={} out_of_turn={} pre_queue_rank_corr={:.2} fifo_inversions={:.3}",
            self.admitted, self.told_sold_out, self.unanswered, self.out_of_turn, self.pre_queue_rank_corr, self.fifo_inversions
        )
    }
}

pub fn report(sale: &Sale, buyers: usize, on_sale: Instant) -> RoomReport {
    let visits = sale.room_log.visits.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let told_sold_out = visits.iter().filter(|v| v.admitted.is_none() && v.told_sold_out).count();
    // In the order the room let people in (its own clock, signed in the admission) against their
    // places: a pair the other way round is someone let in before an earlier place.
    let admitted: Vec<(u64, u64)> = visits.iter().filter_map(|v| Some((v.place?, v.admission_expires?))).collect();
    let mut out_of_turn = 0;
    for (i, (place_a, expires_a)) in admitted.iter().enumerate() {
        for (place_b, expires_b) in &admitted[i + 1..] {
            if (place_a < place_b && expires_a > expires_b) || (place_b < place_a && expires_b > expires_a) {
                out_of_turn += 1;
            }
        }
    }
    // The pre-queue: those the room said were in it (their join reached it before the moment).
    let early: Vec<(Instant, u64)> = visits.iter().filter(|v| v.pre_queued).filter_map(|v| Some((v.arrived, v.place?))).collect();
    let late: Vec<(Instant, u64)> = visits
        .iter()
        .filter(|v| !v.pre_queued && v.arrived >= on_sale + Duration::from_millis(200))
        .filter_map(|v| Some((v.arrived, v.place?)))
        .collect();
    let let_in = visits.iter().filter(|v| v.admitted.is_some()).count();
    RoomReport {
        admitted: let_in,
        told_sold_out,
        unanswered: buyers.saturating_sub(let_in + told_sold_out),
        out_of_turn,
        pre_queue_rank_corr: rank_correlation(&early),
        fifo_inversions: inversions(&late, Duration::from_millis(100)),
    }
}

/// Spearman's rank correlation of arrival and place.
fn rank_correlation(pairs: &[(Instant, u64)]) -> f64 {
    let n = pairs.len();
    if n < 3 {
        return 0.0;
    }
    let ranks = |mut keyed: Vec<(usize, u128)>| {
        keyed.sort_by_key(|&(_, key)| key);
        let mut rank = vec![0.0; n];
        for (r, (i, _)) in keyed.into_iter().enumerate() {
            rank[i] = r as f64;
        }
        rank
    };
    let first = pairs.iter().map(|(at, _)| *at).min().unwrap_or_else(Instant::now);
    let by_arrival = ranks(pairs.iter().enumerate().map(|(i, (at, _))| (i, at.duration_since(first).as_nanos())).collect());
    let by_place = ranks(pairs.iter().enumerate().map(|(i, (_, place))| (i, u128::from(*place))).collect());
    let d2: f64 = by_arrival.iter().zip(&by_place).map(|(a, b)| (a - b) * (a - b)).sum();
    let n = n as f64;
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

/// The share of pairs more than `apart` apart in arrival whose places are the other way round.
fn inversions(pairs: &[(Instant, u64)], apart: Duration) -> f64 {
    let (mut compared, mut inverted) = (0u64, 0u64);
    for (i, (at_a, place_a)) in pairs.iter().enumerate() {
        for (at_b, place_b) in &pairs[i + 1..] {
            let (first, second) = if at_a < at_b { ((at_a, place_a), (at_b, place_b)) } else { ((at_b, place_b), (at_a, place_a)) };
            if second.0.duration_since(*first.0) > apart {
                compared += 1;
                if first.1 > second.1 {
                    inverted += 1;
                }
            }
        }
    }
    if compared == 0 {
        0.0
    } else {
        inverted as f64 / compared as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lottery_and_a_line_are_told_apart() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let in_order: Vec<(Instant, u64)> = (0..50).map(|i| (at(i * 200), i)).collect();
        assert!((rank_correlation(&in_order) - 1.0).abs() < 1e-9);
        assert_eq!(inversions(&in_order, Duration::from_millis(100)), 0.0);
        let reversed: Vec<(Instant, u64)> = (0..50).map(|i| (at(i * 200), 49 - i)).collect();
        assert!((rank_correlation(&reversed) + 1.0).abs() < 1e-9);
        assert_eq!(inversions(&reversed, Duration::from_millis(100)), 1.0);
    }

    #[test]
    fn the_jar_keeps_the_last_of_each_cookie_and_reads_the_place() {
        let mut jar = Jar::default();
        jar.absorb(&["stampede_queue=q1.7.abc.-.ff; Path=/api/events/x/queue; HttpOnly".into()]);
        assert_eq!(jar.place(), None, "no place before the draw");
        jar.absorb(&["stampede_queue=q1.7.abc.41.ee; Path=/".into(), "stampede_admission=v1.7.abc.9.dd; Path=/".into()]);
        assert_eq!(jar.place(), Some(41));
        assert_eq!(jar.header(), "stampede_queue=q1.7.abc.41.ee; stampede_admission=v1.7.abc.9.dd");
    }
}
