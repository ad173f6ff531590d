//! A small circuit breaker for the payment provider.
//!
//! Policy: when the provider fails `threshold` times in a row (timeouts, 5xx, refused
//! connections), calls stop for `cooldown` and fail at once, so a provider outage in the minute of
//! an on-sale costs buyers a clear "card payments are unavailable" rather than a pile-up of
//! requests each waiting out its timeout. After the cooldown one call is let through; its outcome
//! closes the breaker again or reopens it. A decline or a refusal of a request is an answer, not a
//! failure, and does not count.
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct BreakerSettings {
    pub threshold: u32,
    pub cooldown: Duration,
}

pub struct Breaker {
    settings: BreakerSettings,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    failures: u32,
    open_until: Option<Instant>,
    /// A trial call is out after the cooldown; others wait for its outcome by failing fast.
    trial: bool,
}

impl Breaker {
    pub fn new(settings: BreakerSettings) -> Breaker {
        Breaker { settings: BreakerSettings { threshold: settings.threshold.max(1), ..settings }, state: Mutex::default() }
    }

    /// Whether a call may go now.
    pub fn allow(&self) -> bool {
        let mut state = self.state.lock().expect("breaker lock");
        match state.open_until {
            None => true,
            Some(until) if Instant::now() < until => false,
            Some(_) if state.trial => false,
            Some(_) => {
                state.trial = true;
                true
            }
        }
    }

    pub fn succeeded(&self) {
        *self.state.lock().expect("breaker lock") = State::default();
    }

    pub fn failed(&self) {
        let mut state = self.state.lock().expect("breaker lock");
        state.failures += 1;
        state.trial = false;
        if state.failures >= self.settings.threshold {
            state.open_until = Some(Instant::now() + self.settings.cooldown);
        }
    }

    pub fn is_open(&self) -> bool {
        self.state.lock().expect("breaker lock").open_until.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_and_lets_one_trial_through_after_the_cooldown() {
        let breaker = Breaker::new(BreakerSettings { threshold: 3, cooldown: Duration::from_millis(50) });
        for _ in 0..2 {
            assert!(breaker.allow());
            breaker.failed();
        }
        assert!(breaker.allow() && !breaker.is_open());
        breaker.failed();
        assert!(!breaker.allow(), "open after three failures in a row");
        std::thread::sleep(Duration::from_millis(60));
        assert!(breaker.allow(), "one trial after the cooldown");
        assert!(!breaker.allow(), "only one");
        breaker.failed();
        assert!(!breaker.allow(), "the failed trial reopens it");
        std::thread::sleep(Duration::from_millis(60));
        assert!(breaker.allow());
        breaker.succeeded();
        assert!(breaker.allow() && breaker.allow() && !breaker.is_open());
    }

    #[test]
    fn a_success_resets_the_count() {
        let breaker = Breaker::new(BreakerSettings { threshold: 2, cooldown: Duration::from_secs(60) });
        breaker.failed();
        breaker.succeeded();
        breaker.failed();
        assert!(breaker.allow());
    }
}
