//! One event's waiting-room line: who is in it, in what order, and who is let in when. Plain
//! data with no clock or storage of its own, so that the Durable Object that keeps it can store
//! it whole and a restarted object carries on where the last one stopped.
//!
//! Policy:
//! - Before the on-sale moment, arrivals join a pre-queue and have no place yet. At the moment,
//!   the pre-queue is shuffled (`draw`, a lottery seeded from the object's randomness): arriving
//!   at 9:59:59.9 is no advantage over 9:55, and no script gains by arriving first.
//! - Arrivals after the moment take their place in arrival order, behind everyone drawn.
//! - People are let in by place at the room's rate (`per_minute`, accrued with time, at most
//!   five seconds' worth at once so an idle room does not release a crowd), and never more than
//!   `max_active` at once: an admission counts until its buyer is done (ordered, or left) or it
//!   expires (`admission_ms`, the token's lifetime).
//! - The origin sets the pace too: when it answers a hold with 503 (it is over its capacity), the
//!   room halves its rate (at most once per `SLOW_DOWN_EVERY_MS`, down to `MIN_PACE` of the
//!   organiser's), and doubles it back every `RECOVER_AFTER_MS` without another 503.
//! - When the gate says sold out, the line ends for everyone at once: every place reads sold out.
//!   Stock coming back (a raised capacity) reopens it, places as they were.
//! - Joining twice is one place.
//!
//! What a line is made of for storage ([`Progress`], the arrivals in order, the active
//! admissions) is small per change: a join adds one arrival, a tick moves the cursor. The draw is
//! stored as its seed, and replayed on [`Line::restore`].
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet, VecDeque};

/// The slowest the origin can make the room: an eighth of the organiser's rate.
pub const MIN_PACE: f64 = 0.125;
/// A burst of 503s from one overloaded moment halves the rate once, not once per 503.
pub const SLOW_DOWN_EVERY_MS: i64 = 5_000;
/// After this long without a 503 the rate doubles back, up to the organiser's.
pub const RECOVER_AFTER_MS: i64 = 30_000;

fn full_pace() -> f64 {
    1.0
}

/// How the room lets people in (the event's settings, with defaults from what the origin
/// sustains).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomSettings {
    /// People let in per minute.
    pub per_minute: u32,
    /// Most people in at once (admitted, not yet done, admission not expired).
    pub max_active: u32,
    /// How long an admission lasts unless its buyer is done sooner.
    pub admission_ms: i64,
}

/// Where a visitor stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Place {
    /// Before the on-sale: places are drawn at `opens_at_ms` among the `in_line` here.
    PreQueue {
        opens_at_ms: i64,
        in_line: usize,
    },
    /// In line: `position` 1 is next; the wait, at the room's rate.
    Waiting {
        position: u64,
        estimated_wait_ms: i64,
    },
    /// Let in until `expires_at_ms`.
    Admitted {
        expires_at_ms: i64,
    },
    SoldOut,
    /// Not in this line.
    Unknown,
}

/// What the organiser sees of the room.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomStatus {
    pub in_queue: u64,
    pub admitted: u64,
    pub active: u64,
    /// How long the last in line would wait now.
    pub estimated_wait_ms: i64,
    pub sold_out: bool,
    /// People let in per minute now: the organiser's rate at the origin's pace.
    pub per_minute_now: u32,
}

/// The draw, as stored: replaying it over the same arrivals gives the same places.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draw {
    pub seed: u64,
    /// The first this many arrivals were in the pre-queue.
    pub pre_queue_len: u64,
}

/// A line's state apart from its arrivals and active admissions: a few numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub opens_at_ms: i64,
    pub settings: RoomSettings,
    pub draw: Option<Draw>,
    pub cursor: u64,
    pub allowance: f64,
    pub last_tick_ms: i64,
    pub sold_out: bool,
    #[serde(default = "full_pace")]
    pub pace: f64,
    #[serde(default)]
    pub slowed_at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Line {
    opens_at_ms: i64,
    settings: RoomSettings,
    /// Arrivals before the on-sale, in arrival order, until the draw.
    pre_queue: Vec<String>,
    pre_queued: HashSet<String>,
    draw: Option<Draw>,
    /// Visitors by place (0 first), and each visitor's place.
    order: Vec<String>,
    places: HashMap<String, u64>,
    /// Places below this have been let in.
    cursor: u64,
    /// Admissions that still count, oldest first: (place, until).
    active: VecDeque<(u64, i64)>,
    /// Admissions the rate owes but that have not been given yet.
    allowance: f64,
    last_tick_ms: i64,
    sold_out: bool,
    /// The share of the organiser's rate the origin allows now (`MIN_PACE` to 1).
    pace: f64,
    slowed_at_ms: i64,
}

impl Line {
    pub fn new(opens_at_ms: i64, settings: RoomSettings) -> Line {
        Line {
            opens_at_ms,
            settings,
            pre_queue: Vec::new(),
            pre_queued: HashSet::new(),
            draw: None,
            order: Vec::new(),
            places: HashMap::new(),
            cursor: 0,
            active: VecDeque::new(),
            allowance: 0.0,
            last_tick_ms: opens_at_ms,
            sold_out: false,
            pace: 1.0,
            slowed_at_ms: 0,
        }
    }

    /// A stored line, as [`Line::progress`], [`Line::arrival`] and [`Line::active`] gave it.
    pub fn restore(progress: Progress, arrivals: Vec<String>, active: Vec<(u64, i64)>) -> Line {
        let mut line = Line::new(progress.opens_at_ms, progress.settings);
        let mut arrivals = arrivals.into_iter();
        if let Some(draw) = progress.draw {
            arrivals.by_ref().take(draw.pre_queue_len as usize).for_each(|visitor| line.add(visitor));
            line.draw(draw.seed);
        }
        arrivals.for_each(|visitor| line.add(visitor));
        line.cursor = progress.cursor;
        line.allowance = progress.allowance;
        line.last_tick_ms = progress.last_tick_ms;
        line.sold_out = progress.sold_out;
        line.pace = progress.pace.clamp(MIN_PACE, 1.0);
        line.slowed_at_ms = progress.slowed_at_ms;
        line.active = active.into_iter().collect();
        line
    }

    pub fn progress(&self) -> Progress {
        Progress {
            opens_at_ms: self.opens_at_ms,
            settings: self.settings,
            draw: self.draw,
            cursor: self.cursor,
            allowance: self.allowance,
            last_tick_ms: self.last_tick_ms,
            sold_out: self.sold_out,
            pace: self.pace,
            slowed_at_ms: self.slowed_at_ms,
        }
    }

    /// The origin is over its capacity (it answered a hold with 503): fewer people in for a while.
    pub fn slow_down(&mut self, now: i64) {
        if now - self.slowed_at_ms >= SLOW_DOWN_EVERY_MS {
            self.pace = (self.pace / 2.0).max(MIN_PACE);
            self.slowed_at_ms = now;
        }
    }

    /// People let in per minute now.
    pub fn per_minute_now(&self) -> f64 {
        f64::from(self.settings.per_minute) * self.pace
    }

    /// How many have joined, ever: the next arrival's number.
    pub fn arrivals(&self) -> u64 {
        (self.pre_queue.len() + self.order.len()) as u64
    }

    /// The `number`th arrival (from 0), for storage.
    pub fn arrival(&self, number: u64) -> Option<&str> {
        let Some(draw) = self.draw else {
            return self.pre_queue.get(number as usize).map(String::as_str);
        };
        // After the draw, the pre-queue's arrival order is gone from `order`; storage keeps it from
        // before, so only later arrivals are asked for.
        (number >= draw.pre_queue_len).then(|| self.order.get(number as usize).map(String::as_str)).flatten()
    }

    /// Admissions that still count, oldest first: (place, until).
    pub fn active(&self) -> impl Iterator<Item = (u64, i64)> + '_ {
        self.active.iter().copied()
    }

    /// New settings (the organiser's, or the origin asking for fewer), from now on; and the on-sale
    /// moment while the draw is still to come.
    pub fn set_settings(&mut self, opens_at_ms: i64, settings: RoomSettings) {
        self.settings = settings;
        if self.draw.is_none() {
            self.opens_at_ms = opens_at_ms;
            self.last_tick_ms = opens_at_ms;
        }
    }

    fn add(&mut self, visitor: String) {
        if self.draw.is_some() {
            self.places.insert(visitor.clone(), self.order.len() as u64);
            self.order.push(visitor);
        } else if self.pre_queued.insert(visitor.clone()) {
            self.pre_queue.push(visitor);
        }
    }

    /// `visitor` joins (or finds their place) at `now`.
    pub fn join(&mut self, visitor: &str, now: i64) -> Place {
        if !self.sold_out && !self.places.contains_key(visitor) && !self.pre_queued.contains(visitor) {
            self.add(visitor.to_string());
        }
        self.place(visitor, now)
    }

    /// The lottery: the pre-queue shuffled with `seed` (Fisher-Yates over splitmix64), placed
    /// ahead of everyone who arrives later. Once only.
    pub fn draw(&mut self, seed: u64) {
        if self.draw.is_some() {
            return;
        }
        self.draw = Some(Draw { seed, pre_queue_len: self.pre_queue.len() as u64 });
        self.pre_queued.clear();
        let mut drawn = std::mem::take(&mut self.pre_queue);
        let mut state = seed;
        for i in (1..drawn.len()).rev() {
            let j = (splitmix64(&mut state) % (i as u64 + 1)) as usize;
            drawn.swap(i, j);
        }
        for visitor in drawn {
            self.places.insert(visitor.clone(), self.order.len() as u64);
            self.order.push(visitor);
        }
    }

    /// Moves the line on to `now`: the draw at the on-sale moment (with `seed`), admissions at the
    /// rate while there is room; returns how many were let in.
    pub fn tick(&mut self, now: i64, seed: u64) -> u64 {
        if now < self.opens_at_ms || self.sold_out {
            return 0;
        }
        self.draw(seed);
        if self.pace < 1.0 && now - self.slowed_at_ms >= RECOVER_AFTER_MS {
            self.pace = (self.pace * 2.0).min(1.0);
            self.slowed_at_ms = now;
        }
        let per_ms = self.per_minute_now() / 60_000.0;
        let most = (per_ms * 5_000.0).max(1.0);
        self.allowance = (self.allowance + per_ms * (now - self.last_tick_ms).max(0) as f64).min(most);
        self.last_tick_ms = now.max(self.last_tick_ms);
        while self.active.front().is_some_and(|&(_, until)| until <= now) {
            self.active.pop_front();
        }
        let mut let_in = 0;
        while self.allowance >= 1.0
            && (self.active.len() as u64) < u64::from(self.settings.max_active)
            && self.cursor < self.order.len() as u64
        {
            self.active.push_back((self.cursor, now + self.settings.admission_ms));
            self.cursor += 1;
            self.allowance -= 1.0;
            let_in += 1;
        }
        let_in
    }

    /// The visitor has finished (ordered, or left): their admission stops counting.
    pub fn done(&mut self, visitor: &str) {
        if let Some(place) = self.places.get(visitor) {
            self.active.retain(|&(active, _)| active != *place);
        }
    }

    /// The gate says sold out: the line ends for everyone (or, stock back, goes on).
    pub fn set_sold_out(&mut self, sold_out: bool) {
        self.sold_out = sold_out;
    }

    /// Places below this have been let in.
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    pub fn drawn(&self) -> bool {
        self.draw.is_some()
    }

    /// The visitor's place (0 first), once drawn or after the draw.
    pub fn place_of(&self, visitor: &str) -> Option<u64> {
        self.places.get(visitor).copied()
    }

    pub fn settings(&self) -> RoomSettings {
        self.settings
    }

    pub fn opens_at_ms(&self) -> i64 {
        self.opens_at_ms
    }

    pub fn place(&self, visitor: &str, now: i64) -> Place {
        if self.sold_out {
            return Place::SoldOut;
        }
        let Some(&place) = self.places.get(visitor) else {
            return if self.pre_queued.contains(visitor) {
                Place::PreQueue { opens_at_ms: self.opens_at_ms, in_line: self.pre_queue.len() }
            } else {
                Place::Unknown
            };
        };
        if place < self.cursor {
            return match self.active.iter().find(|&&(active, _)| active == place) {
                Some(&(_, until)) if until > now => Place::Admitted { expires_at_ms: until },
                // Let in earlier, and done or expired: back to the page, which joins again.
                _ => Place::Unknown,
            };
        }
        let position = place - self.cursor + 1;
        Place::Waiting { position, estimated_wait_ms: self.wait_ms(position) }
    }

    /// How long the `position`th in line waits at the room's rate.
    fn wait_ms(&self, position: u64) -> i64 {
        (position as f64 * 60_000.0 / self.per_minute_now().max(1.0)) as i64
    }

    pub fn status(&self, now: i64) -> RoomStatus {
        let in_queue = self.pre_queue.len() as u64 + (self.order.len() as u64 - self.cursor);
        RoomStatus {
            in_queue,
            admitted: self.cursor,
            active: self.active.iter().filter(|&&(_, until)| until > now).count() as u64,
            estimated_wait_ms: self.wait_ms(in_queue),
            sold_out: self.sold_out,
            per_minute_now: self.per_minute_now().round() as u32,
        }
    }
}

/// A small, well-mixed PRNG step (Steele, Lea and Flood's SplitMix64): enough for a shuffle
/// whose seed is secret, with no dependency.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPENS: i64 = 1_000_000;
    const SETTINGS: RoomSettings = RoomSettings { per_minute: 600, max_active: 1_000, admission_ms: 600_000 };

    fn waiting_position(place: Place) -> u64 {
        match place {
            Place::Waiting { position, .. } => position,
            other => panic!("not waiting: {other:?}"),
        }
    }

    fn pre_queue_of(n: usize) -> Line {
        let mut line = Line::new(OPENS, SETTINGS);
        for i in 0..n {
            let place = line.join(&format!("v{i}"), OPENS - 60_000 + i as i64);
            assert_eq!(place, Place::PreQueue { opens_at_ms: OPENS, in_line: i + 1 });
        }
        line
    }

    #[test]
    fn the_pre_queue_is_drawn_by_lot_at_the_on_sale() {
        let mut line = pre_queue_of(1_000);
        assert_eq!(line.tick(OPENS - 1, 42), 0, "nothing before the moment");
        line.tick(OPENS, 42);
        let positions: Vec<u64> = (0..1_000).map(|i| waiting_position(line.place(&format!("v{i}"), OPENS))).collect();
        let mut sorted = positions.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (1..=1_000).collect::<Vec<u64>>(), "every one of them has a place, each place once");
        // Arriving first is no advantage: the first hundred are spread over the line, their
        // mean place near the middle, and few of them are among the first hundred places.
        let early_mean = positions[..100].iter().sum::<u64>() as f64 / 100.0;
        assert!((350.0..650.0).contains(&early_mean), "the first arrivals' mean place is {early_mean}");
        let early_in_front = positions[..100].iter().filter(|&&p| p <= 100).count();
        assert!(early_in_front < 25, "{early_in_front} of the first 100 arrivals are in the first 100 places");

        let mut other = pre_queue_of(1_000);
        other.tick(OPENS, 43);
        let other_positions: Vec<u64> = (0..1_000).map(|i| waiting_position(other.place(&format!("v{i}"), OPENS))).collect();
        assert_ne!(positions, other_positions, "another seed, another draw");
    }

    #[test]
    fn after_the_on_sale_it_is_first_come_first_served() {
        let mut line = pre_queue_of(10);
        line.tick(OPENS, 7);
        let first = waiting_position(line.join("late-1", OPENS + 10));
        let second = waiting_position(line.join("late-2", OPENS + 20));
        assert_eq!((first, second), (11, 12), "behind everyone drawn, in arrival order");
        assert_eq!(waiting_position(line.join("late-1", OPENS + 30)), 11, "joining twice is one place");
    }

    #[test]
    fn people_are_let_in_at_the_rate_and_no_more_than_the_most_at_once() {
        let mut line = Line::new(OPENS, RoomSettings { per_minute: 600, max_active: 15, admission_ms: 60_000 });
        line.tick(OPENS, 1);
        for i in 0..100 {
            line.join(&format!("v{i}"), OPENS + i);
        }
        assert_eq!(line.tick(OPENS + 100, 1), 1, "a tenth of a second: one");
        // 600 a minute is 10 a second.
        assert_eq!(line.tick(OPENS + 1_100, 1), 10);
        assert_eq!(line.status(OPENS + 1_100).admitted, 11);
        assert_eq!(line.tick(OPENS + 2_100, 1), 4, "capped at 15 at once");
        assert_eq!(line.tick(OPENS + 3_100, 1), 0);
        assert_eq!(line.place("v0", OPENS + 3_100), Place::Admitted { expires_at_ms: OPENS + 100 + 60_000 });
        assert_eq!(waiting_position(line.place("v15", OPENS + 3_100)), 1, "next in line");
        // Two finish: two more come in, in order.
        line.done("v0");
        line.done("v1");
        assert_eq!(line.tick(OPENS + 3_200, 1), 2);
        assert!(matches!(line.place("v16", OPENS + 3_200), Place::Admitted { .. }));
        assert_eq!(line.place("v0", OPENS + 3_200), Place::Unknown, "done: back to the page, which joins again");
        // Admissions expire: room for the next ones, at the rate (at most five seconds' worth).
        let later = OPENS + 3_200 + 60_000;
        assert_eq!(line.tick(later, 1), 15, "all fifteen expired; the rate allows fifty");
        assert_eq!(line.status(later).active, 15);
    }

    #[test]
    fn the_wait_shown_follows_the_rate() {
        let mut line = Line::new(OPENS, RoomSettings { per_minute: 120, max_active: 10, admission_ms: 60_000 });
        line.tick(OPENS, 1);
        for i in 0..10 {
            line.join(&format!("v{i}"), OPENS + i);
        }
        assert_eq!(line.place("v9", OPENS), Place::Waiting { position: 10, estimated_wait_ms: 5_000 });
        assert_eq!(line.status(OPENS).estimated_wait_ms, 5_000);
    }

    #[test]
    fn sold_out_ends_the_line_for_everyone_at_once() {
        let mut line = pre_queue_of(5);
        line.tick(OPENS + 1_000, 3);
        line.set_sold_out(true);
        for visitor in ["v0", "v4", "never-seen"] {
            assert_eq!(line.place(visitor, OPENS + 1_000), Place::SoldOut);
        }
        assert_eq!(line.join("late", OPENS + 2_000), Place::SoldOut);
        assert_eq!(line.tick(OPENS + 9_000, 3), 0);
        assert!(line.status(OPENS + 9_000).sold_out);
    }

    /// What storage would hold of `line`: its progress, its arrivals, its active admissions.
    fn stored(line: &Line, pre_queue: &[String]) -> (Progress, Vec<String>, Vec<(u64, i64)>) {
        let mut arrivals = pre_queue.to_vec();
        arrivals.extend((pre_queue.len() as u64..line.arrivals()).map(|n| line.arrival(n).unwrap().to_string()));
        (line.progress(), arrivals, line.active().collect())
    }

    #[test]
    fn a_stored_line_carries_on_where_it_stopped() {
        let mut line = pre_queue_of(50);
        let pre_queue: Vec<String> = (0..50).map(|n| line.arrival(n).unwrap().to_string()).collect();
        line.tick(OPENS + 2_000, 9);
        for i in 0..5 {
            line.join(&format!("late-{i}"), OPENS + 2_100);
        }
        line.tick(OPENS + 3_000, 9);
        line.done("v3");
        let (progress, arrivals, active) = stored(&line, &pre_queue);
        let mut restarted = Line::restore(progress, arrivals, active);
        assert_eq!(restarted, line);
        for visitor in (0..50).map(|i| format!("v{i}")).chain((0..5).map(|i| format!("late-{i}"))) {
            assert_eq!(restarted.place(&visitor, OPENS + 3_000), line.place(&visitor, OPENS + 3_000), "{visitor}");
        }
        assert_eq!(restarted.tick(OPENS + 4_000, 9), line.tick(OPENS + 4_000, 9), "and goes on alike");

        let before_draw = pre_queue_of(3);
        let (progress, arrivals, active) = stored(&before_draw, &[]);
        assert_eq!(Line::restore(progress, arrivals, active), before_draw, "a pre-queue, not drawn yet");
    }

    #[test]
    fn stock_coming_back_reopens_the_line_as_it_was() {
        let mut line = pre_queue_of(5);
        line.tick(OPENS + 1_000, 3);
        let before = line.place("v2", OPENS + 1_000);
        line.set_sold_out(true);
        assert_eq!(line.place("v2", OPENS + 1_000), Place::SoldOut);
        line.set_sold_out(false);
        assert_eq!(line.place("v2", OPENS + 1_000), before);
    }

    #[test]
    fn the_origins_503s_slow_the_room_and_it_recovers() {
        let mut line = Line::new(OPENS, RoomSettings { per_minute: 600, max_active: 10_000, admission_ms: 600_000 });
        line.tick(OPENS, 1);
        for i in 0..1_000 {
            line.join(&format!("v{i}"), OPENS);
        }
        line.slow_down(OPENS + 1_000);
        line.slow_down(OPENS + 1_500);
        assert_eq!(line.status(OPENS + 1_500).per_minute_now, 300, "a burst of 503s halves the rate once");
        line.slow_down(OPENS + 7_000);
        assert_eq!(line.status(OPENS + 7_000).per_minute_now, 150);
        for at in (8..30).map(|s| OPENS + s * 1_000) {
            line.slow_down(at);
        }
        assert_eq!(line.status(OPENS + 29_000).per_minute_now, 75, "never below an eighth");
        line.tick(OPENS + 29_000, 1);
        let before = line.status(OPENS + 29_000).admitted;
        line.tick(OPENS + 33_000, 1);
        assert_eq!(line.status(OPENS + 33_000).admitted - before, 5, "1.25 a second");
        // Thirty seconds without a 503 (the last was at 27 s): twice the rate, and so on up.
        line.tick(OPENS + 27_000 + RECOVER_AFTER_MS, 1);
        assert_eq!(line.status(OPENS + 27_000 + RECOVER_AFTER_MS).per_minute_now, 150);
        line.tick(OPENS + 27_000 + 2 * RECOVER_AFTER_MS, 1);
        line.tick(OPENS + 27_000 + 3 * RECOVER_AFTER_MS, 1);
        assert_eq!(line.status(OPENS + 27_000 + 3 * RECOVER_AFTER_MS).per_minute_now, 600, "back to the organiser's");
    }
}
