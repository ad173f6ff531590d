//! Keyed token buckets: how often one key (a client, an address, a hold) may do something.
//!
//! Policy: a bucket holds `rate.burst` tokens and refills at `rate.per_hour` an hour; an attempt
//! takes one, and an attempt that turned out not to count may give it back. The buckets live in
//! the process: with several origins a key's budget is per origin, which multiplies it by the
//! number of origins at most. Memory stays in proportion to the keys seen lately: when the map has
//! doubled since it was last pruned (and holds at least [`PRUNE_AT`] keys), the full buckets (as
//! good as absent) are dropped. Pruning on every new key past a fixed size instead would cost a
//! walk of the whole map per request once many clients are in it: quadratic in a flash sale.
use crate::config::Rate;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Instant;

/// Below this many keys a map is never pruned.
pub const PRUNE_AT: usize = 10_000;

/// When a growing map is next pruned: at twice its size after the last pruning, never below
/// [`PRUNE_AT`]. Amortised, each key costs one visit per pruning it survives.
#[derive(Debug)]
pub struct PruneAt(usize);

impl Default for PruneAt {
    fn default() -> Self {
        PruneAt(PRUNE_AT)
    }
}

impl PruneAt {
    /// Whether a map of `len` keys is due.
    pub fn due(&self, len: usize) -> bool {
        len >= self.0
    }

    /// The map was pruned down to `len` keys.
    pub fn pruned(&mut self, len: usize) {
        self.0 = (len * 2).max(PRUNE_AT);
    }
}

/// Token buckets by key; see the module doc.
pub struct Budget<K> {
    rate: Rate,
    buckets: Mutex<(HashMap<K, Bucket>, PruneAt)>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl<K: Hash + Eq + Clone> Budget<K> {
    pub fn new(rate: Rate) -> Budget<K> {
        Budget { rate, buckets: Mutex::new((HashMap::new(), PruneAt::default())) }
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> Bucket {
        let per_second = f64::from(self.rate.per_hour) / 3600.0;
        let tokens = (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * per_second).min(f64::from(self.rate.burst));
        Bucket { tokens, at: now }
    }

    /// Takes a token for `key`; false when there is none left.
    pub fn take(&self, key: &K) -> bool {
        let now = Instant::now();
        let mut guard = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (buckets, prune_at) = &mut *guard;
        if prune_at.due(buckets.len()) {
            let full = f64::from(self.rate.burst);
            buckets.retain(|_, bucket| self.refilled(*bucket, now).tokens < full);
            prune_at.pruned(buckets.len());
        }
        let bucket = buckets.get(key).map_or(Bucket { tokens: f64::from(self.rate.burst), at: now }, |b| self.refilled(*b, now));
        let taken = bucket.tokens >= 1.0;
        buckets.insert(key.clone(), Bucket { tokens: if taken { bucket.tokens - 1.0 } else { bucket.tokens }, ..bucket });
        taken
    }

    /// Returns a token taken for `key` (an attempt that turned out not to count).
    pub fn give_back(&self, key: &K) {
        let now = Instant::now();
        let mut guard = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(bucket) = guard.0.get_mut(key) {
            let refilled = self.refilled(*bucket, now);
            *bucket = Bucket { tokens: (refilled.tokens + 1.0).min(f64::from(self.rate.burst)), ..refilled };
        }
    }

    pub fn rate(&self) -> Rate {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_refuses_beyond_its_burst_and_takes_back() {
        let budget = Budget::new(Rate { burst: 2, per_hour: 1 });
        assert!(budget.take(&1));
        assert!(budget.take(&1));
        assert!(!budget.take(&1));
        assert!(budget.take(&2), "keys are apart");
        budget.give_back(&1);
        assert!(budget.take(&1));
    }
}
