//! What the buyers saw: latency histograms and responses by status, per step.
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Page,
    Availability,
    Hold,
    /// Holds answered 409 sold out: refusals have their own latency target.
    HoldRefused,
    Order,
    /// Paying by card: the origin's answer to `.../payment`, which includes its call to the
    /// provider (creating and confirming the PaymentIntent).
    Payment,
    /// The buyer's return after 3-D Secure: the origin's answer to `.../payment/complete`, which
    /// includes its call to the provider (reading the PaymentIntent).
    PaymentReturn,
    /// The storefront's own calls to the provider, through the simulator's proxy (`provider.rs`):
    /// creating and confirming a PaymentIntent, the provider's part of `Step::Payment`.
    OriginIntent,
    /// Its other calls: reading an intent (the buyer's return, webhooks, reconciliation),
    /// cancelling one, refunds.
    OriginOther,
    /// The provider's own calls, made by the buyer's browser (creating the card, 3-D Secure): the
    /// test server's speed, not Stampede's.
    Provider,
    /// Joining the waiting list (`--waiting-list`).
    Join,
    /// Opening an offer's link: the hold kept for them.
    Offer,
    /// Buying the offered tickets.
    Claim,
    /// The organiser cancelling an order through the admin API.
    Cancel,
    /// The queue page's poll at the edge (`--through-edge`).
    QueuePoll,
    /// From arriving at the room to being let in.
    QueueWait,
    /// The poll that told a buyer the tickets are gone: how long learning it took.
    SoldOutTold,
}

impl Step {
    pub const ALL: [Step; 17] = [
        Step::Page,
        Step::Availability,
        Step::Hold,
        Step::HoldRefused,
        Step::Order,
        Step::Payment,
        Step::PaymentReturn,
        Step::OriginIntent,
        Step::OriginOther,
        Step::Provider,
        Step::Join,
        Step::Offer,
        Step::Claim,
        Step::Cancel,
        Step::QueuePoll,
        Step::QueueWait,
        Step::SoldOutTold,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Step::Page => "page",
            Step::Availability => "availability",
            Step::Hold => "hold",
            Step::HoldRefused => "hold refused",
            Step::Order => "order",
            Step::Payment => "card payment",
            Step::PaymentReturn => "card return",
            Step::OriginIntent => "create intent",
            Step::OriginOther => "other calls",
            Step::Provider => "provider (browser side)",
            Step::Join => "join list",
            Step::Offer => "open offer",
            Step::Claim => "buy offer",
            Step::Cancel => "cancel order",
            Step::QueuePoll => "queue poll",
            Step::QueueWait => "queue wait",
            Step::SoldOutTold => "told sold out",
        }
    }
}

struct StepStats {
    latency: Histogram<u64>,
    statuses: BTreeMap<String, u64>,
    /// First and last success, for rates.
    first_ok: Option<Instant>,
    last_ok: Option<Instant>,
    ok: u64,
}

pub struct Recorder {
    steps: Mutex<BTreeMap<Step, StepStats>>,
}

impl Default for Recorder {
    fn default() -> Self {
        let steps = Step::ALL
            .iter()
            .map(|step| {
                let stats = StepStats {
                    // 1 µs to 60 s, 3 significant figures.
                    latency: Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds"),
                    statuses: BTreeMap::new(),
                    first_ok: None,
                    last_ok: None,
                    ok: 0,
                };
                (*step, stats)
            })
            .collect();
        Recorder { steps: Mutex::new(steps) }
    }
}

impl Recorder {
    /// One response (or failure, as `status`), `elapsed` from when the buyer meant to send it.
    pub fn record(&self, step: Step, status: &str, elapsed: Duration, ok: bool) {
        let mut steps = self.steps.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let stats = steps.get_mut(&step).expect("every step has stats");
        let _ = stats.latency.record((elapsed.as_micros() as u64).clamp(1, 60_000_000));
        *stats.statuses.entry(status.to_string()).or_insert(0) += 1;
        if ok {
            let now = Instant::now();
            stats.first_ok.get_or_insert(now);
            stats.last_ok = Some(now);
            stats.ok += 1;
        }
    }

    pub fn summary(&self) -> Summary {
        let steps = self.steps.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut summary = Summary::default();
        for (step, stats) in steps.iter() {
            let count = stats.latency.len();
            let ms = |q: f64| if count == 0 { 0.0 } else { stats.latency.value_at_quantile(q) as f64 / 1000.0 };
            let rate = match (stats.first_ok, stats.last_ok) {
                (Some(first), Some(last)) if stats.ok > 1 => stats.ok as f64 / (last - first).as_secs_f64().max(0.001),
                _ => stats.ok as f64,
            };
            for (status, n) in &stats.statuses {
                if status.starts_with('5') || status == "timeout" || status == "network error" {
                    summary.errors_5xx += n;
                }
            }
            summary.steps.push(StepSummary {
                step: *step,
                count,
                per_second: rate,
                p50_ms: ms(0.50),
                p95_ms: ms(0.95),
                p99_ms: ms(0.99),
                max_ms: if count == 0 { 0.0 } else { stats.latency.max() as f64 / 1000.0 },
                statuses: stats.statuses.clone(),
            });
        }
        summary
    }
}

#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub steps: Vec<StepSummary>,
    /// 5xx responses, timeouts and network errors: none is acceptable.
    pub errors_5xx: u64,
}

#[derive(Clone, Debug)]
pub struct StepSummary {
    pub step: Step,
    pub count: u64,
    /// Successes per second, from the first success to the last.
    pub per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub statuses: BTreeMap<String, u64>,
}

impl Summary {
    pub fn step(&self, step: Step) -> Option<&StepSummary> {
        self.steps.iter().find(|s| s.step == step)
    }

    pub fn print(&self) {
        println!(
            "  {:<13} {:>7} {:>9} {:>8} {:>8} {:>8} {:>8}  responses",
            "step", "count", "ok/s", "p50 ms", "p95 ms", "p99 ms", "max ms"
        );
        for s in &self.steps {
            if s.count == 0 {
                continue;
            }
            let statuses: Vec<String> = s.statuses.iter().map(|(status, n)| format!("{status}:{n}")).collect();
            println!(
                "  {:<13} {:>7} {:>9.0} {:>8.1} {:>8.1} {:>8.1} {:>8.1}  {}",
                s.step.name(),
                s.count,
                s.per_second,
                s.p50_ms,
                s.p95_ms,
                s.p99_ms,
                s.max_ms,
                statuses.join(" ")
            );
        }
    }
}
