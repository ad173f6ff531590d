//! Prometheus metrics at `/metrics`: request latency per route, holds and orders by outcome, holds
//! expired, the inventory gate's decisions and Redis's state, the hold batches, the database path
//! and the database pool, and password hashing against its bound. Recording is a few atomic
//! operations on the request path; encoding happens only when a scraper asks.
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// A standard method's name, or "other" (`http::observe::method_label`): bounded cardinality.
    pub method: String,
    /// The route's pattern ("/api/events/{slug}/holds"), never the raw path: bounded cardinality.
    pub route: String,
    /// "2xx", "4xx", ...
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    pub state: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Histogram, fn() -> Histogram>,
    holds: Family<OutcomeLabels, Counter>,
    orders: Family<OutcomeLabels, Counter>,
    payments: Family<OutcomeLabels, Counter>,
    holds_expired: Counter,
    pool: Family<PoolLabels, Gauge>,
    gate: Family<OutcomeLabels, Counter>,
    gate_up: Gauge,
    gate_generation: Gauge,
    database_path: Family<OutcomeLabels, Counter>,
    batches: Family<OutcomeLabels, Histogram, fn() -> Histogram>,
    password_hashes: Family<OutcomeLabels, Counter>,
    password_hashes_running: Gauge,
    password_hashes_peak: Gauge,
}

fn batch_histogram() -> Histogram {
    Histogram::new([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0])
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to ~8 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("stampede");
        let requests = Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register("http_request_duration_seconds", "Time to answer a request, by route and status class", requests.clone());
        let holds = Family::<OutcomeLabels, Counter>::default();
        registry.register("holds", "Hold requests by outcome (created, sold_out, not_on_sale, invalid, busy)", holds.clone());
        let orders = Family::<OutcomeLabels, Counter>::default();
        registry.register("orders", "Order requests by outcome (created, replayed, refused)", orders.clone());
        let payments = Family::<OutcomeLabels, Counter>::default();
        registry.register("card_payments", "Card payments by outcome (ordered, refunded, declined, unavailable)", payments.clone());
        let holds_expired = Counter::default();
        registry.register("holds_expired", "Holds whose stock returned to sale when they expired", holds_expired.clone());
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register("db_pool_connections", "Database pool connections (open, idle, max)", pool.clone());
        let gate = Family::<OutcomeLabels, Counter>::default();
        registry.register("gate_decisions", "Inventory gate decisions (admitted, refused, unavailable, drift, reloaded)", gate.clone());
        let gate_up = Gauge::default();
        registry.register("gate_up", "1 when the inventory gate (Redis) answered its last command", gate_up.clone());
        let gate_generation = Gauge::default();
        registry.register("gate_connections", "Connections made to the gate's Redis primary since start", gate_generation.clone());
        let database_path = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "database_path",
            "Holds sent to the database without the gate (admitted, busy: refused with a 503)",
            database_path.clone(),
        );
        let batches = Family::<OutcomeLabels, Histogram, fn() -> Histogram>::new_with_constructor(batch_histogram as fn() -> Histogram);
        registry.register("batch_size", "Requests per database transaction, by kind (holds, orders)", batches.clone());
        let password_hashes = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "password_hashes",
            "Password hashes by outcome (hashed; busy: no slot in time, answered 503)",
            password_hashes.clone(),
        );
        let password_hashes_running = Gauge::default();
        registry.register(
            "password_hashes_running",
            "Password hashes running now (at most PASSWORD_HASH_CONCURRENCY)",
            password_hashes_running.clone(),
        );
        let password_hashes_peak = Gauge::default();
        registry.register("password_hashes_peak", "The most password hashes that ran at once since start", password_hashes_peak.clone());
        Metrics {
            registry,
            requests,
            holds,
            orders,
            payments,
            holds_expired,
            pool,
            gate,
            gate_up,
            gate_generation,
            database_path,
            batches,
            password_hashes,
            password_hashes_running,
            password_hashes_peak,
        }
    }
}

impl Metrics {
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = RequestLabels { method: method.to_string(), route: route.to_string(), status: format!("{}xx", status / 100) };
        self.requests.get_or_create(&labels).observe(seconds);
    }

    pub fn count_hold(&self, outcome: &str) {
        self.holds.get_or_create(&OutcomeLabels { outcome: outcome.to_string() }).inc();
    }

    pub fn count_order(&self, outcome: &str) {
        self.orders.get_or_create(&OutcomeLabels { outcome: outcome.to_string() }).inc();
    }

    pub fn count_payment(&self, outcome: &str) {
        self.payments.get_or_create(&OutcomeLabels { outcome: outcome.to_string() }).inc();
    }

    pub fn count_expired_holds(&self, expired: u64) {
        self.holds_expired.inc_by(expired);
    }

    pub fn count_gate(&self, outcome: &str) {
        self.gate.get_or_create(&OutcomeLabels { outcome: outcome.to_string() }).inc();
    }

    pub fn count_database_path(&self, outcome: &str) {
        self.database_path.get_or_create(&OutcomeLabels { outcome: outcome.to_string() }).inc();
    }

    pub fn observe_batch(&self, kind: &str, size: usize) {
        self.batches.get_or_create(&OutcomeLabels { outcome: kind.to_string() }).observe(size as f64);
    }

    pub fn count_password_hash(&self, outcome: &str) {
        self.password_hashes.get_or_create(&OutcomeLabels { outcome: outcome.to_string() }).inc();
    }

    pub fn password_hashes_running(&self, running: usize) {
        let running = running as i64;
        self.password_hashes_running.set(running);
        self.password_hashes_peak.inner().fetch_max(running, std::sync::atomic::Ordering::SeqCst);
    }

    /// The text exposition, with the pool's and the gate's state as of now.
    pub fn encode(&self, pool: crate::store::PoolState, gate: Option<&dyn crate::inventory::gate::Gate>) -> String {
        if let Some(gate) = gate {
            self.gate_up.set(gate.is_up() as i64);
            self.gate_generation.set(gate.generation() as i64);
        }
        for (state, value) in [("open", pool.open), ("idle", pool.idle), ("max", pool.max)] {
            self.pool.get_or_create(&PoolLabels { state: state.to_string() }).set(value as i64);
        }
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
